import FlywheelEvents
import Yams

/// Reads a YAML document field by field, collecting every problem with its `file:line:column` and a hint instead of
/// stopping at the first; rule files, rule tests and the service configuration are read with it.
public struct YAMLReader {
    public let file: String
    public var diagnostics: [YAMLDiagnostic] = []
    /// The file's text by line, to place errors inside multi-line and escaped values.
    private var sourceLines: [[Character]] = []

    public init(file: String) {
        self.file = file
    }

    /// Parses `yaml` into its root node (nil for an empty document); a syntax error becomes a diagnostic.
    public mutating func compose(_ yaml: String) -> Node?? {
        sourceLines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        if let (line, column) = YAMLReader.firstAnchorOrAlias(in: sourceLines) {
            // Aliases are expanded by the parser; refusing them keeps a small file from standing for a huge tree.
            diagnostics.append(
                YAMLDiagnostic(
                    location: YAMLLocation(file: file, line: line, column: column),
                    message: "anchors and aliases (&name, *name) are not supported", hint: "write the value out where it is needed"))
            return nil
        }
        do {
            return .some(try Yams.compose(yaml: yaml))
        } catch {
            diagnostics.append(YAMLReader.syntaxDiagnostic(error, file: file))
            return nil
        }
    }

    /// Where the first anchor (`&name`) or alias (`*name`) starts a node, outside quotes and comments; line and
    /// column from 1.
    static func firstAnchorOrAlias(in lines: [[Character]]) -> (Int, Int)? {
        var quote: Character?
        for (lineIndex, line) in lines.enumerated() {
            var previous: Character?  // the last character that is not a space, on this line
            var index = 0
            while index < line.count {
                let character = line[index]
                if let open = quote {
                    if character == "\\", open == "\"" {
                        index += 1
                    } else if character == open {
                        if open == "'", index + 1 < line.count, line[index + 1] == "'" { index += 1 } else { quote = nil }
                    }
                } else if character == "#", index == 0 || line[index - 1] == " " || line[index - 1] == "\t" {
                    break
                } else if character == "'" || character == "\"", previous == nil || ":-[{,?".contains(previous!) {
                    quote = character
                } else if character == "&" || character == "*", previous == nil || ":-[{,?".contains(previous!),
                    index + 1 < line.count, !" \t,[]{}".contains(line[index + 1])
                {
                    return (lineIndex + 1, index + 1)
                }
                if character != " " && character != "\t" { previous = character }
                index += 1
            }
        }
        return nil
    }

    /// The number of errors (not warnings) so far.
    public var errorCount: Int { diagnostics.count(where: { $0.severity == .error }) }

    public func location(_ node: Node?, offset: Int = 0) -> YAMLLocation {
        guard let mark = node?.mark else { return YAMLLocation(file: file) }
        return YAMLLocation(file: file, line: mark.line, column: mark.column + offset)
    }

    public mutating func error(_ node: Node?, _ message: String, hint: String? = nil, offset: Int = 0) {
        diagnostics.append(YAMLDiagnostic(location: location(node, offset: offset), message: message, hint: hint))
    }

    /// Reports an error at the character `offset` of a scalar's value, found in the file's text (the value of a
    /// block, folded or escaped scalar is not laid out in the file as it reads).
    public mutating func error(_ node: Node, atValueOffset offset: Int, _ message: String, hint: String?) {
        diagnostics.append(YAMLDiagnostic(location: location(node, valueOffset: offset), message: message, hint: hint))
    }

    public func location(_ node: Node, valueOffset offset: Int) -> YAMLLocation {
        guard case .scalar(let scalar) = node, let mark = node.mark else { return location(node) }
        let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
        let fallback = location(node, offset: offset + (quoted ? 1 : 0))
        let value = Array(scalar.string)
        guard offset < value.count, mark.line >= 1, mark.line <= sourceLines.count else { return fallback }
        // The text from the offset to the end of its line is in the file verbatim unless it holds an escape.
        var end = offset
        while end < value.count, value[end] != "\n", end - offset < 24 { end += 1 }
        let needle = Array(value[offset..<end])
        guard !needle.isEmpty else { return fallback }
        func occurs(_ haystack: [Character], at start: Int) -> Bool {
            start + needle.count <= haystack.count && haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
        var skip = (0..<offset).count(where: { occurs(value, at: $0) })
        let lastLine = min(sourceLines.count, mark.line + value.count(where: { $0 == "\n" }) + 1)
        for line in mark.line...lastLine {
            let text = sourceLines[line - 1]
            let first = line == mark.line ? max(0, mark.column - 1) : 0
            for start in first..<max(first, text.count) where occurs(text, at: start) {
                if skip == 0 { return YAMLLocation(file: file, line: line, column: start + 1) }
                skip -= 1
            }
        }
        return fallback
    }

    public mutating func warning(_ node: Node?, _ message: String, hint: String? = nil) {
        diagnostics.append(YAMLDiagnostic(location: location(node), severity: .warning, message: message, hint: hint))
    }

    /// A value as the file wrote it, quoted and shortened.
    public static func shown(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string.count > 40 ? scalar.string.prefix(37) + "..." : scalar.string
            return text.isEmpty ? "an empty value" : "'\(text)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    public static func syntaxDiagnostic(_ error: any Error, file: String) -> YAMLDiagnostic {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return YAMLDiagnostic(
                location: YAMLLocation(file: file, line: mark.line, column: mark.column), message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let field = duplicates.first ?? "a field"
            return YAMLDiagnostic(
                location: YAMLLocation(file: file, line: context.mark.line, column: context.mark.column),
                message: "\(field) is given more than once in this mapping", hint: "each field may appear once")
        default:
            return YAMLDiagnostic(location: YAMLLocation(file: file), message: "not valid YAML: \(error)")
        }
    }

    /// A mapping's fields by name, with the nodes of their names (for errors about a field itself).
    public struct Fields {
        public var values: [String: Node] = [:]
        public var keys: [String: Node] = [:]
        public subscript(name: String) -> Node? { values[name] }
        public func key(_ name: String) -> Node? { keys[name] }
    }

    /// The mapping's fields by name; unknown names are errors with a suggestion. Nil when `node` is no mapping.
    public mutating func fields(of node: Node, known: [String], what: String) -> Fields? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping, not \(YAMLReader.shown(node))")
            return nil
        }
        var fields = Fields()
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                error(key, "field names must be text, not \(YAMLReader.shown(key))")
                continue
            }
            guard known.contains(name) else {
                let suggestion = YAMLReader.closest(to: name, in: known)
                error(
                    key, "unknown field \(name) in \(what)",
                    hint: suggestion.map { "did you mean \($0)?" } ?? "the fields are \(known.joined(separator: ", "))")
                continue
            }
            fields.values[name] = value
            fields.keys[name] = key
        }
        return fields
    }

    /// The candidate within edit distance 2 of `name`, if there is one.
    public static func closest(to name: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(Array(name), Array($0))) }.filter { $0.1 <= 2 }
        return scored.min(by: { $0.1 < $1.1 })?.0
    }

    public static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    public mutating func text(_ node: Node, field: String) -> String? {
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.str.rawValue, !scalar.string.isEmpty else {
            error(node, "\(field) must be text, not \(YAMLReader.shown(node))")
            return nil
        }
        return scalar.string
    }

    /// A duration in milliseconds; with `allowsZero`, also `0`, with or without a unit.
    public mutating func duration(_ node: Node, field: String, allowsZero: Bool = false) -> Int64? {
        guard case .scalar(let scalar) = node,
            let milliseconds = DurationText.milliseconds(scalar.string) ?? (allowsZero && DurationText.isZero(scalar.string) ? 0 : nil)
        else {
            error(
                node, "\(field) must be a duration, not \(YAMLReader.shown(node))",
                hint: "a whole number with a unit (ms, s, m, h, d, w), largest first, at most 100 years: 30s, 15m, 6h, 7d, 1h30m"
                    + (allowsZero ? "; 0 for none" : ""))
            return nil
        }
        return milliseconds
    }

    /// A YAML value as JSON, by its resolved tag: a plain `6` is a number, a quoted `"6"` text.
    public static func json(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch node.tag.rawValue {
            case Tag.Name.int.rawValue: return node.int.map { .number(Double($0)) } ?? .string(scalar.string)
            case Tag.Name.float.rawValue: return node.float.flatMap { $0.isFinite ? .number($0) : nil } ?? .string(scalar.string)
            case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case Tag.Name.null.rawValue: return .null
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping { object[key.scalar?.string ?? ""] = json(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .alias:
            return .null
        }
    }

    /// Whether `name` is a valid Kafka topic name.
    public static func isTopicName(_ name: String) -> Bool {
        name.utf8.count <= 249 && name != "." && name != ".."
            && name.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}
