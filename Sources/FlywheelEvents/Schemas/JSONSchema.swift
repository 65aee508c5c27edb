/// A JSON Schema (draft 2020-12, the keywords Flywheel's event schemas use), compiled once for validation.
///
/// Supported: type, enum, const, properties, required, additionalProperties, propertyNames, minProperties,
/// maxProperties, items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum, exclusiveMinimum,
/// exclusiveMaximum, allOf, anyOf, oneOf, not, if/then/else, and format date-time. Annotations (title,
/// description, examples, format uri) are ignored, as validators do by default. An unknown keyword is refused when
/// the schema is loaded, so a schema never silently checks less than it says.
public final class JSONSchema: Sendable {
    /// One reason a value does not conform, with the JSON pointer of the value.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        public var pointer: String
        public var message: String
        public var description: String { "\(pointer.isEmpty ? "/" : pointer): \(message)" }
    }

    private indirect enum Node: Sendable {
        case always(Bool)
        case schema(Rules)
    }

    private struct Rules: @unchecked Sendable {
        // Immutable after compilation; Regex is not Sendable, so the struct vouches for itself.
        var types: Set<String>?
        var enumeration: [JSONValue]?
        var constant: JSONValue?
        var properties: [(String, Node)] = []
        var required: [String] = []
        var additionalProperties: Node?
        var propertyNames: Node?
        var minProperties: Int?
        var maxProperties: Int?
        var items: Node?
        var minItems: Int?
        var maxItems: Int?
        var minLength: Int?
        var maxLength: Int?
        var pattern: (source: String, regex: Regex<AnyRegexOutput>)?
        var minimum: Double?
        var maximum: Double?
        var exclusiveMinimum: Double?
        var exclusiveMaximum: Double?
        var allOf: [Node] = []
        var anyOf: [Node] = []
        var oneOf: [Node] = []
        var not: Node?
        var ifThenElse: (condition: Node, then: Node?, otherwise: Node?)?
        var dateTime = false
    }

    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var pointer: String
        public var message: String
        public var description: String { "schema\(pointer.isEmpty ? "" : " at \(pointer)"): \(message)" }
    }

    private let root: Node
    /// The schema's `$id`, if it has one.
    public let id: String?
    /// The schema as it was given.
    public let document: JSONValue

    public init(_ schema: JSONValue) throws(CompileError) {
        root = try JSONSchema.compile(schema, pointer: [])
        document = schema
        id = schema[path: "$id"]?.stringValue
    }

    /// Every violation, in document order; empty when `value` conforms.
    public func validate(_ value: JSONValue) -> [Violation] {
        var violations: [Violation] = []
        JSONSchema.check(value, against: root, pointer: [], into: &violations)
        return violations
    }

    // MARK: Compilation

    private static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly",
    ]

    private static func compile(_ schema: JSONValue, pointer: [String]) throws(CompileError) -> Node {
        if case .bool(let flag) = schema { return .always(flag) }
        guard case .object(let object) = schema else {
            throw CompileError(pointer: JSONPointer.make(pointer), message: "a schema is an object or a boolean")
        }
        var rules = Rules()
        func fail(_ key: String, _ message: String) -> CompileError {
            CompileError(pointer: JSONPointer.make(pointer + [key]), message: message)
        }
        func integer(_ key: String, _ value: JSONValue) throws(CompileError) -> Int {
            guard let number = value.numberValue, number >= 0, let integer = Int(exactly: number) else {
                throw fail(key, "must be a non-negative integer")
            }
            return integer
        }
        func number(_ key: String, _ value: JSONValue) throws(CompileError) -> Double {
            guard let number = value.numberValue else { throw fail(key, "must be a number") }
            return number
        }
        func sub(_ key: String, _ value: JSONValue) throws(CompileError) -> Node {
            try compile(value, pointer: pointer + [key])
        }
        func list(_ key: String, _ value: JSONValue) throws(CompileError) -> [Node] {
            guard let elements = value.arrayValue, !elements.isEmpty else { throw fail(key, "must be a non-empty array") }
            var nodes: [Node] = []
            for (index, element) in elements.enumerated() { nodes.append(try compile(element, pointer: pointer + [key, String(index)])) }
            return nodes
        }
        var condition: Node?
        var then: Node?
        var otherwise: Node?
        for member in object {
            let (key, value) = (member.key, member.value)
            switch key {
            case _ where annotations.contains(key): continue
            case "format":
                guard let format = value.stringValue else { throw fail(key, "must be a string") }
                rules.dateTime = format == "date-time"
            case "type":
                let names: [String]
                if let name = value.stringValue { names = [name] } else if let elements = value.arrayValue, elements.allSatisfy({ $0.stringValue != nil }) {
                    names = elements.compactMap(\.stringValue)
                } else { throw fail(key, "must be a type name or a list of them") }
                let known: Set<String> = ["null", "boolean", "object", "array", "number", "integer", "string"]
                if let unknown = names.first(where: { !known.contains($0) }) { throw fail(key, "unknown type \(unknown)") }
                rules.types = Set(names)
            case "enum":
                guard let elements = value.arrayValue else { throw fail(key, "must be an array") }
                rules.enumeration = elements
            case "const": rules.constant = value
            case "properties":
                guard let properties = value.objectValue else { throw fail(key, "must be an object") }
                for property in properties {
                    rules.properties.append((property.key, try compile(property.value, pointer: pointer + [key, property.key])))
                }
            case "required":
                guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count else {
                    throw fail(key, "must be an array of strings")
                }
                rules.required = names
            case "additionalProperties": rules.additionalProperties = try sub(key, value)
            case "propertyNames": rules.propertyNames = try sub(key, value)
            case "minProperties": rules.minProperties = try integer(key, value)
            case "maxProperties": rules.maxProperties = try integer(key, value)
            case "items": rules.items = try sub(key, value)
            case "minItems": rules.minItems = try integer(key, value)
            case "maxItems": rules.maxItems = try integer(key, value)
            case "minLength": rules.minLength = try integer(key, value)
            case "maxLength": rules.maxLength = try integer(key, value)
            case "pattern":
                guard let source = value.stringValue else { throw fail(key, "must be a string") }
                do {
                    // ECMA-262 semantics as JSON Schema wants them: code points, and \d \w \s ASCII-only.
                    let regex = try Regex(source).matchingSemantics(.unicodeScalar).asciiOnlyDigits()
                        .asciiOnlyWordCharacters().asciiOnlyWhitespace()
                    rules.pattern = (source, regex)
                } catch {
                    throw fail(key, "invalid regular expression \(source)")
                }
            case "minimum": rules.minimum = try number(key, value)
            case "maximum": rules.maximum = try number(key, value)
            case "exclusiveMinimum": rules.exclusiveMinimum = try number(key, value)
            case "exclusiveMaximum": rules.exclusiveMaximum = try number(key, value)
            case "allOf": rules.allOf = try list(key, value)
            case "anyOf": rules.anyOf = try list(key, value)
            case "oneOf": rules.oneOf = try list(key, value)
            case "not": rules.not = try sub(key, value)
            case "if": condition = try sub(key, value)
            case "then": then = try sub(key, value)
            case "else": otherwise = try sub(key, value)
            default:
                throw fail(key, "keyword \(key) is not supported by Flywheel's validator")
            }
        }
        if let condition { rules.ifThenElse = (condition, then, otherwise) }
        return .schema(rules)
    }

    // MARK: Validation

    private static func conforms(_ value: JSONValue, to node: Node, pointer: [String]) -> Bool {
        var violations: [Violation] = []
        check(value, against: node, pointer: pointer, into: &violations)
        return violations.isEmpty
    }

    private static func check(_ value: JSONValue, against node: Node, pointer: [String], into violations: inout [Violation]) {
        let rules: Rules
        switch node {
        case .always(true): return
        case .always(false):
            violations.append(Violation(pointer: JSONPointer.make(pointer), message: "no value is allowed here"))
            return
        case .schema(let compiled): rules = compiled
        }
        func violation(_ message: String) { violations.append(Violation(pointer: JSONPointer.make(pointer), message: message)) }

        if let types = rules.types, !types.contains(where: { matches(value, type: $0) }) {
            violation("expected \(types.sorted().joined(separator: " or ")), found \(value.typeName)")
            return
        }
        if let enumeration = rules.enumeration, !enumeration.contains(value) {
            violation("must be one of \(enumeration.map(JSONWriter.string).joined(separator: ", "))")
        }
        if let constant = rules.constant, constant != value { violation("must be \(JSONWriter.string(constant))") }

        switch value {
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minLength = rules.minLength, length < minLength { violation("shorter than \(minLength) characters") }
            if let maxLength = rules.maxLength, length > maxLength { violation("longer than \(maxLength) characters") }
            if let pattern = rules.pattern, (try? pattern.regex.firstMatch(in: text)) == nil {
                violation("does not match the pattern \(pattern.source)")
            }
            if rules.dateTime, RFC3339.milliseconds(text) == nil { violation("is not an RFC 3339 date-time") }
        case .number(let number):
            if let minimum = rules.minimum, number < minimum { violation("less than the minimum \(JSONWriter.format(minimum))") }
            if let maximum = rules.maximum, number > maximum { violation("more than the maximum \(JSONWriter.format(maximum))") }
            if let bound = rules.exclusiveMinimum, number <= bound { violation("not more than \(JSONWriter.format(bound))") }
            if let bound = rules.exclusiveMaximum, number >= bound { violation("not less than \(JSONWriter.format(bound))") }
        case .array(let elements):
            if let minItems = rules.minItems, elements.count < minItems { violation("fewer than \(minItems) items") }
            if let maxItems = rules.maxItems, elements.count > maxItems { violation("more than \(maxItems) items") }
            if let items = rules.items {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, pointer: pointer + [String(index)], into: &violations)
                }
            }
        case .object(let object):
            for name in rules.required where object[name] == nil {
                violations.append(Violation(pointer: JSONPointer.make(pointer + [name]), message: "required property \(name) is missing"))
            }
            if let minProperties = rules.minProperties, object.count < minProperties { violation("fewer than \(minProperties) properties") }
            if let maxProperties = rules.maxProperties, object.count > maxProperties { violation("more than \(maxProperties) properties") }
            for member in object {
                if let propertyNames = rules.propertyNames, !conforms(.string(member.key), to: propertyNames, pointer: pointer) {
                    violations.append(Violation(pointer: JSONPointer.make(pointer + [member.key]), message: "property name \(member.key) is not allowed"))
                }
                if let property = rules.properties.first(where: { $0.0.hasSameCodePoints(as: member.key) }) {
                    check(member.value, against: property.1, pointer: pointer + [member.key], into: &violations)
                } else if let additional = rules.additionalProperties {
                    if case .always(false) = additional {
                        violations.append(Violation(pointer: JSONPointer.make(pointer + [member.key]), message: "property \(member.key) is not allowed"))
                    } else {
                        check(member.value, against: additional, pointer: pointer + [member.key], into: &violations)
                    }
                }
            }
        default:
            break
        }

        for node in rules.allOf { check(value, against: node, pointer: pointer, into: &violations) }
        if !rules.anyOf.isEmpty, !rules.anyOf.contains(where: { conforms(value, to: $0, pointer: pointer) }) {
            violation("matches none of the anyOf schemas")
        }
        if !rules.oneOf.isEmpty, rules.oneOf.filter({ conforms(value, to: $0, pointer: pointer) }).count != 1 {
            violation("must match exactly one of the oneOf schemas")
        }
        if let not = rules.not, conforms(value, to: not, pointer: pointer) { violation("matches a schema it must not match") }
        if let (condition, then, otherwise) = rules.ifThenElse {
            if conforms(value, to: condition, pointer: pointer) {
                if let then { check(value, against: then, pointer: pointer, into: &violations) }
            } else if let otherwise {
                check(value, against: otherwise, pointer: pointer, into: &violations)
            }
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("object", .object), ("array", .array), ("number", .number), ("string", .string):
            return true
        case ("integer", .number(let number)):
            return number == number.rounded()
        default:
            return false
        }
    }
}
