/// A message as the Kafka protocol binding of CloudEvents sees it: key, value and headers, with no Kafka client.
public struct CloudEventRecord: Sendable, Hashable {
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: [UInt8]?

        public init(name: String, value: [UInt8]?) {
            self.name = name
            self.value = value
        }

        public init(name: String, string: String) {
            self.init(name: name, value: Array(string.utf8))
        }
    }

    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [Header]

    public init(key: [UInt8]?, value: [UInt8]?, headers: [Header]) {
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The last header named `name` (header names compare case-insensitively for `content-type`).
    public func header(_ name: String) -> Header? {
        headers.last(where: { $0.name == name })
    }
}

/// Why a record is not an acceptable CloudEvent; `reason` names match the dead-letter schema's reasons.
public struct CloudEventDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Reason: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let notJSON = Reason(name: "not_json")
        public static let invalidUTF8 = Reason(name: "invalid_utf8")
        public static let tooLarge = Reason(name: "too_large")
        public static let tooDeep = Reason(name: "too_deep")
        public static let duplicateKey = Reason(name: "duplicate_key")
        public static let numberOutOfRange = Reason(name: "number_out_of_range")
        public static let missingAttribute = Reason(name: "missing_attribute")
        public static let invalidAttribute = Reason(name: "invalid_attribute")
        public static let unknownSchemaVersion = Reason(name: "unknown_schema_version")
        public static let schemaViolation = Reason(name: "schema_violation")
        public var description: String { name }

        init(name: String) { self.name = name }

        init(_ kind: JSONError.Kind) { self.name = kind.name }
    }

    public var reason: Reason
    /// The attribute (`ce_time`, `type`) or JSON pointer (`/data/rows`) at fault, when there is one.
    public var field: String?
    public var detail: String

    public init(reason: Reason, field: String?, detail: String) {
        self.reason = reason
        self.field = field
        self.detail = detail
    }

    public var description: String { "\(reason)\(field.map { " at \($0)" } ?? ""): \(detail)" }
}
