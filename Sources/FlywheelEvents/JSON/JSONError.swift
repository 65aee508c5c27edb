/// Why bytes are not acceptable JSON, and where: byte offset, line and column (both from 1), and the JSON pointer
/// of the value being read.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let invalidUTF8 = Kind(name: "invalid_utf8")
        public static let syntax = Kind(name: "not_json")
        public static let tooDeep = Kind(name: "too_deep")
        public static let duplicateKey = Kind(name: "duplicate_key")
        public static let numberOutOfRange = Kind(name: "number_out_of_range")
        public static let tooLarge = Kind(name: "too_large")
        public var description: String { name }
    }

    public var kind: Kind
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int
    /// The JSON pointer (`/data/rows`) of the value where reading failed; empty for the document.
    public var pointer: String

    public var description: String { "\(message) at line \(line), column \(column)\(pointer.isEmpty ? "" : " (\(pointer))")" }
}

/// Bounds that protect the parser and the service from hostile input.
public struct JSONLimits: Sendable, Hashable {
    public var maxBytes: Int
    public var maxDepth: Int
    public var maxStringBytes: Int

    public init(maxBytes: Int = 1 << 20, maxDepth: Int = 64, maxStringBytes: Int = 256 << 10) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
    }
}
