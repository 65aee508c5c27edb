import FlywheelEvents
import Foundation

/// An `emit.data` value whose strings may hold placeholders: `{{ key }}`, `{{ value }}`, `{{ time }}`,
/// `{{ rule.id }}`, `{{ rule.version }}` and `{{ event.PATH }}`.
///
/// A string that is one placeholder and nothing else takes the placeholder's value with its type (a number stays a
/// number); placeholders inside longer text are written as text.
indirect enum Template: Sendable, Hashable {
    case literal(JSONValue)
    case single(Variable)
    case text([Part])
    case object([Member])
    case array([Template])

    struct Member: Sendable, Hashable {
        var key: String
        var value: Template
    }

    enum Part: Sendable, Hashable {
        case literal(String)
        case variable(Variable)
    }

    enum Variable: Sendable, Hashable {
        case key
        case value
        case time
        case ruleID
        case ruleVersion
        case event([String])
    }

    /// Why a placeholder does not parse: `offset` counts characters from the string's start.
    struct ParseError: Error, Sendable {
        var offset: Int
        var message: String
        var hint: String?
    }

    /// Parses the placeholders of one string.
    static func parse(_ text: String) throws(ParseError) -> Template {
        var parts: [Part] = []
        var literal = ""
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            if characters[index] == "{", index + 1 < characters.count, characters[index + 1] == "{" {
                let start = index
                var end = index + 2
                while end + 1 < characters.count, !(characters[end] == "}" && characters[end + 1] == "}") { end += 1 }
                guard end + 1 < characters.count else {
                    throw ParseError(offset: start, message: "'{{' is not closed", hint: "write {{ key }}; a literal '{{' cannot appear in emit data")
                }
                let name = String(characters[(start + 2)..<end]).trimmingCharacters(in: .whitespaces)
                if !literal.isEmpty { parts.append(.literal(literal)) }
                literal = ""
                parts.append(.variable(try variable(name, offset: start)))
                index = end + 2
            } else {
                literal.append(characters[index])
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        if parts.count == 1, case .variable(let variable) = parts[0] { return .single(variable) }
        if parts.allSatisfy({ if case .literal = $0 { true } else { false } }) { return .literal(.string(text)) }
        return .text(parts)
    }

    private static func variable(_ name: String, offset: Int) throws(ParseError) -> Variable {
        switch name {
        case "key": return .key
        case "value": return .value
        case "time": return .time
        case "rule.id": return .ruleID
        case "rule.version": return .ruleVersion
        default:
            if name.hasPrefix("event."), name.count > 6 {
                let path = name.dropFirst(6).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if let problem = RulePath.problem(path) {
                    throw ParseError(offset: offset, message: "{{ \(name) }}: \(problem.message)", hint: problem.hint)
                }
                return .event(path)
            }
            throw ParseError(
                offset: offset, message: name.isEmpty ? "empty placeholder {{ }}" : "unknown placeholder {{ \(name) }}",
                hint: "placeholders are key, value, time, rule.id, rule.version and event.PATH (event.data.dataset)")
        }
    }

    /// The event paths the template reads, in order of appearance, each once.
    var eventPaths: [[String]] {
        var paths: [[String]] = []
        func visit(_ template: Template) {
            switch template {
            case .literal: break
            case .single(.event(let path)): if !paths.contains(path) { paths.append(path) }
            case .single: break
            case .text(let parts):
                for case .variable(.event(let path)) in parts where !paths.contains(path) { paths.append(path) }
            case .object(let members): members.forEach { visit($0.value) }
            case .array(let items): items.forEach(visit)
            }
        }
        visit(self)
        return paths
    }

    /// What placeholders stand for at one firing.
    struct Context {
        var key: String
        var value: JSONValue
        var time: String
        var ruleID: String
        var ruleVersion: String
        /// The firing event's value at a path (for an absence, the last accepted event's).
        var event: ([String]) -> JSONValue?
    }

    /// The JSON the template gives in `context`; a missing `event.PATH` gives null (as text: nothing) and is
    /// reported in `missing`.
    func render(_ context: Context, missing: inout [String]) -> JSONValue {
        switch self {
        case .literal(let value):
            return value
        case .single(let variable):
            return Template.value(of: variable, context, missing: &missing)
        case .text(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .literal(let literal): text += literal
                case .variable(let variable): text += Template.text(of: Template.value(of: variable, context, missing: &missing))
                }
            }
            return .string(text)
        case .object(let members):
            var object = JSONObject()
            for member in members { object[member.key] = member.value.render(context, missing: &missing) }
            return .object(object)
        case .array(let items):
            return .array(items.map { $0.render(context, missing: &missing) })
        }
    }

    private static func value(of variable: Variable, _ context: Context, missing: inout [String]) -> JSONValue {
        switch variable {
        case .key: return .string(context.key)
        case .value: return context.value
        case .time: return .string(context.time)
        case .ruleID: return .string(context.ruleID)
        case .ruleVersion: return .string(context.ruleVersion)
        case .event(let path):
            if let value = context.event(path) { return value }
            let name = "event." + path.joined(separator: ".")
            if !missing.contains(name) { missing.append(name) }
            return .null
        }
    }

    private static func text(of value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .string(let text): text
        case .number(let number): JSONWriter.format(number)
        case .bool(let flag): flag ? "true" : "false"
        case .array, .object: JSONWriter.string(value)
        }
    }
}
