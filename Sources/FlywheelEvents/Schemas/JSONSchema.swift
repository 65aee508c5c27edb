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

    /// A compiled schema: `true`, `false` or rules. It holds its rules unretained, so that visiting it costs no
    /// reference count: the JSONSchema keeps every `Rules` it compiled alive (`compiled`), and a node is only used
    /// while its JSONSchema validates.
    private struct Node: @unchecked Sendable {
        /// Set for the schemas `true` and `false`.
        let always: Bool?
        private let rules: Unmanaged<Rules>?

        static func always(_ flag: Bool) -> Node { Node(always: flag, rules: nil) }

        /// A node of `rules`, which `owners` keeps alive.
        static func schema(_ rules: Rules, keptIn owners: inout [Rules]) -> Node {
            owners.append(rules)
            return Node(always: nil, rules: Unmanaged.passUnretained(rules))
        }

        /// Calls `body` with the node's rules, borrowed from their owner.
        func withRules<Result>(_ body: (Rules) -> Result) -> Result {
            rules!._withUnsafeGuaranteedRef(body)
        }
    }

    /// The JSON types a `type` keyword allows.
    private struct Types: OptionSet {
        let rawValue: UInt8
        static let null = Types(rawValue: 1 << 0)
        static let boolean = Types(rawValue: 1 << 1)
        static let object = Types(rawValue: 1 << 2)
        static let array = Types(rawValue: 1 << 3)
        static let number = Types(rawValue: 1 << 4)
        static let integer = Types(rawValue: 1 << 5)
        static let string = Types(rawValue: 1 << 6)
        static let names: [(String, Types)] = [
            ("null", .null), ("boolean", .boolean), ("object", .object), ("array", .array), ("number", .number),
            ("integer", .integer), ("string", .string),
        ]

        func admits(_ value: JSONValue) -> Bool {
            switch value {
            case .null: contains(.null)
            case .bool: contains(.boolean)
            case .object: contains(.object)
            case .array: contains(.array)
            case .string: contains(.string)
            case .number(let number): contains(.number) || (contains(.integer) && number == number.rounded())
            }
        }

        var description: String { Types.names.filter { contains($0.1) }.map(\.0).sorted().joined(separator: " or ") }
    }

    /// A schema object as it is compiled, keyword by keyword.
    private struct Draft {
        var types: Types?
        var enumeration: [JSONValue]?
        var constant: JSONValue?
        var propertyKeys: [String] = []
        var propertyNodes: [Node] = []
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
        var pattern: (source: String, matcher: SchemaPattern)?
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

    /// A compiled schema object; a class, so that checking a value never copies it, with constant fields, so that
    /// reading one needs neither an exclusivity check nor a copy. (The fields repeat the draft's: holding the draft
    /// as one constant instead made validating a fifth slower, the checks copying it whole.)
    private final class Rules: @unchecked Sendable {
        // Regex (inside a pattern) is not Sendable; the fields are constants, so the class vouches for itself.
        let types: Types?
        let enumeration: [JSONValue]?
        let constant: JSONValue?
        /// `properties`: names and their schemas, at the same indices.
        let propertyKeys: [String]
        let propertyNodes: [Node]
        let required: [String]
        /// By property index: whether `required` names it. Set only when `required` names properties alone, each
        /// once: then a conformance check counts the required members as it meets them instead of looking each up.
        let requiredProperties: [Bool]?
        let additionalProperties: Node?
        let propertyNames: Node?
        let minProperties: Int?
        let maxProperties: Int?
        let items: Node?
        let minItems: Int?
        let maxItems: Int?
        let minLength: Int?
        let maxLength: Int?
        let patternSource: String?
        let pattern: SchemaPattern?
        let minimum: Double?
        let maximum: Double?
        let exclusiveMinimum: Double?
        let exclusiveMaximum: Double?
        let allOf: [Node]
        let anyOf: [Node]
        let oneOf: [Node]
        let not: Node?
        let condition: Node?
        let then: Node?
        let otherwise: Node?
        let dateTime: Bool

        init(_ draft: Draft) {
            types = draft.types
            enumeration = draft.enumeration
            constant = draft.constant
            propertyKeys = draft.propertyKeys
            propertyNodes = draft.propertyNodes
            required = draft.required
            // Names compare by code points, as members are matched to properties.
            let indices = draft.required.map { name in draft.propertyKeys.firstIndex { $0.hasSameCodePoints(as: name) } }
            if indices.allSatisfy({ $0 != nil }), Set(indices).count == indices.count {
                requiredProperties = draft.propertyKeys.indices.map { indices.contains($0) }
            } else {
                requiredProperties = nil
            }
            additionalProperties = draft.additionalProperties
            propertyNames = draft.propertyNames
            minProperties = draft.minProperties
            maxProperties = draft.maxProperties
            items = draft.items
            minItems = draft.minItems
            maxItems = draft.maxItems
            minLength = draft.minLength
            maxLength = draft.maxLength
            patternSource = draft.pattern?.source
            pattern = draft.pattern?.matcher
            minimum = draft.minimum
            maximum = draft.maximum
            exclusiveMinimum = draft.exclusiveMinimum
            exclusiveMaximum = draft.exclusiveMaximum
            allOf = draft.allOf
            anyOf = draft.anyOf
            oneOf = draft.oneOf
            not = draft.not
            condition = draft.ifThenElse?.condition
            then = draft.ifThenElse?.then
            otherwise = draft.ifThenElse?.otherwise
            dateTime = draft.dateTime
        }

        /// The index of the property `name`, searched from `start` on, then from the beginning.
        func property(named name: String, from start: Int) -> Int? {
            let count = propertyKeys.count
            for step in 0..<count {
                let index = (start + step) % count
                if propertyKeys[index].hasSameCodePoints(as: name) { return index }
            }
            return nil
        }
    }

    public struct CompileError: Error, Sendable, CustomStringConvertible {
        public var pointer: String
        public var message: String
        public var description: String { "schema\(pointer.isEmpty ? "" : " at \(pointer)"): \(message)" }
    }

    private let root: Node
    /// Every compiled schema object, which the nodes refer to unretained.
    private let compiled: [Rules]
    /// The schema's `$id`, if it has one.
    public let id: String?
    /// The schema as it was given.
    public let document: JSONValue

    public init(_ schema: JSONValue) throws(CompileError) {
        var compiled: [Rules] = []
        root = try JSONSchema.compile(schema, pointer: [], keepingIn: &compiled)
        self.compiled = compiled
        document = schema
        id = schema[path: "$id"]?.stringValue
    }

    /// Every violation, in document order; empty when `value` conforms.
    public func validate(_ value: JSONValue) -> [Violation] {
        // Most values conform: asking only that is cheaper (no paths, no messages); the violations are collected
        // only for a value that does not.
        if JSONSchema.conforms(value, to: root) { return [] }
        var validation = Validation(collects: true)
        JSONSchema.check(value, against: root, into: &validation)
        return validation.violations
    }

    // MARK: Compilation

    private static let annotations: Set<String> = [
        "$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated", "readOnly", "writeOnly",
    ]

    private static func compile(_ schema: JSONValue, pointer: [String], keepingIn owners: inout [Rules]) throws(CompileError) -> Node {
        if case .bool(let flag) = schema { return .always(flag) }
        guard case .object(let object) = schema else {
            throw CompileError(pointer: JSONPointer.make(pointer), message: "a schema is an object or a boolean")
        }
        var rules = Draft()
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
            try compile(value, pointer: pointer + [key], keepingIn: &owners)
        }
        func list(_ key: String, _ value: JSONValue) throws(CompileError) -> [Node] {
            guard let elements = value.arrayValue, !elements.isEmpty else { throw fail(key, "must be a non-empty array") }
            var nodes: [Node] = []
            for (index, element) in elements.enumerated() { nodes.append(try compile(element, pointer: pointer + [key, String(index)], keepingIn: &owners)) }
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
                var types = Types()
                for name in names {
                    guard let type = Types.names.first(where: { $0.0 == name })?.1 else { throw fail(key, "unknown type \(name)") }
                    types.insert(type)
                }
                rules.types = types
            case "enum":
                guard let elements = value.arrayValue else { throw fail(key, "must be an array") }
                rules.enumeration = elements
            case "const": rules.constant = value
            case "properties":
                guard let properties = value.objectValue else { throw fail(key, "must be an object") }
                for property in properties {
                    rules.propertyKeys.append(property.key)
                    rules.propertyNodes.append(try compile(property.value, pointer: pointer + [key, property.key], keepingIn: &owners))
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
                guard let matcher = SchemaPattern(source) else { throw fail(key, "invalid regular expression \(source)") }
                rules.pattern = (source, matcher)
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
        return .schema(Rules(rules), keptIn: &owners)
    }

    // MARK: Validation

    /// The state of one validation: where in the value it is, and what it found. A validation that only asks
    /// whether a value conforms (under `anyOf`, `not`, `if`) stops at the first violation and builds no message.
    private struct Validation {
        let collects: Bool
        var path: [String] = []
        var violations: [Violation] = []
        var failed = false

        mutating func fail(_ message: @autoclosure () -> String, below component: String? = nil) {
            failed = true
            guard collects else { return }
            let pointer = JSONPointer.make(component.map { path + [$0] } ?? path)
            violations.append(Violation(pointer: pointer, message: message()))
        }

        /// Whether checking can stop: a conformance question is answered by the first violation.
        var isDecided: Bool { failed && !collects }
    }

    private static func conforms(_ value: JSONValue, to node: Node) -> Bool {
        var validation = Validation(collects: false)
        check(value, against: node, into: &validation)
        return !validation.failed
    }

    private static func check(_ value: JSONValue, against node: Node, into validation: inout Validation) {
        if let always = node.always {
            if !always { validation.fail("no value is allowed here") }
            return
        }
        node.withRules { rules in check(value, rules: rules, into: &validation) }
    }

    private static func check(_ value: JSONValue, rules: Rules, into validation: inout Validation) {
        if let types = rules.types, !types.admits(value) {
            validation.fail("expected \(types.description), found \(value.typeName)")
            return
        }
        if let enumeration = rules.enumeration, !enumeration.contains(value) {
            validation.fail("must be one of \(enumeration.map(JSONWriter.string).joined(separator: ", "))")
        }
        if let constant = rules.constant, constant != value { validation.fail("must be \(JSONWriter.string(constant))") }
        if validation.isDecided { return }

        switch value {
        case .string(let text):
            // A string has at least a quarter of its UTF-8 bytes (rounded up) and at most all of them as code points:
            // they are counted only when a bound falls in between.
            let bytes = text.utf8.count
            if (rules.minLength.map { $0 > (bytes + 3) / 4 } ?? false) || (rules.maxLength.map { $0 < bytes } ?? false) {
                let length = text.unicodeScalars.count
                if let minLength = rules.minLength, length < minLength { validation.fail("shorter than \(minLength) characters") }
                if let maxLength = rules.maxLength, length > maxLength { validation.fail("longer than \(maxLength) characters") }
            }
            if rules.pattern?.matches(text) == false {
                validation.fail("does not match the pattern \(rules.patternSource ?? "")")
            }
            if rules.dateTime, RFC3339.milliseconds(text) == nil { validation.fail("is not an RFC 3339 date-time") }
        case .number(let number):
            if let minimum = rules.minimum, number < minimum { validation.fail("less than the minimum \(JSONWriter.format(minimum))") }
            if let maximum = rules.maximum, number > maximum { validation.fail("more than the maximum \(JSONWriter.format(maximum))") }
            if let bound = rules.exclusiveMinimum, number <= bound { validation.fail("not more than \(JSONWriter.format(bound))") }
            if let bound = rules.exclusiveMaximum, number >= bound { validation.fail("not less than \(JSONWriter.format(bound))") }
        case .array(let elements):
            if let minItems = rules.minItems, elements.count < minItems { validation.fail("fewer than \(minItems) items") }
            if let maxItems = rules.maxItems, elements.count > maxItems { validation.fail("more than \(maxItems) items") }
            if let items = rules.items {
                for (index, element) in elements.enumerated() where !validation.isDecided {
                    if validation.collects { validation.path.append(String(index)) }
                    check(element, against: items, into: &validation)
                    if validation.collects { validation.path.removeLast() }
                }
            }
        case .object(let object):
            // Asked only whether the value conforms, the required members are counted in the loop below.
            let requiredProperties = validation.collects ? nil : rules.requiredProperties
            var requiredFound = 0
            if requiredProperties == nil {
                for name in rules.required where !object.hasMember(named: name) {
                    validation.fail("required property \(name) is missing", below: name)
                }
            }
            if let minProperties = rules.minProperties, object.count < minProperties { validation.fail("fewer than \(minProperties) properties") }
            if let maxProperties = rules.maxProperties, object.count > maxProperties { validation.fail("more than \(maxProperties) properties") }
            // Members are read in place (by index), not copied out one by one.
            let members = object.members
            // Members tend to come in the order of the schema's properties: each search starts after the last find.
            var next = 0
            for index in members.indices where !validation.isDecided {
                let name = members[index].key
                if let propertyNames = rules.propertyNames, !conforms(.string(name), to: propertyNames) {
                    validation.fail("property name \(name) is not allowed", below: name)
                }
                let node: Node
                if let property = rules.property(named: name, from: next) {
                    node = rules.propertyNodes[property]
                    next = property + 1
                    if requiredProperties?[property] == true { requiredFound += 1 }
                } else if let additional = rules.additionalProperties {
                    if additional.always == false {
                        validation.fail("property \(name) is not allowed", below: name)
                        continue
                    }
                    node = additional
                } else {
                    continue
                }
                if validation.collects { validation.path.append(name) }
                check(members[index].value, against: node, into: &validation)
                if validation.collects { validation.path.removeLast() }
            }
            if requiredProperties != nil, requiredFound < rules.required.count { validation.fail("a required property is missing") }
        default:
            break
        }
        if validation.isDecided { return }

        for node in rules.allOf { check(value, against: node, into: &validation) }
        if !rules.anyOf.isEmpty, !rules.anyOf.contains(where: { conforms(value, to: $0) }) {
            validation.fail("matches none of the anyOf schemas")
        }
        if !rules.oneOf.isEmpty, rules.oneOf.filter({ conforms(value, to: $0) }).count != 1 {
            validation.fail("must match exactly one of the oneOf schemas")
        }
        if let not = rules.not, conforms(value, to: not) { validation.fail("matches a schema it must not match") }
        if let condition = rules.condition {
            if conforms(value, to: condition) {
                if let then = rules.then { check(value, against: then, into: &validation) }
            } else if let otherwise = rules.otherwise {
                check(value, against: otherwise, into: &validation)
            }
        }
    }
}
