import FlywheelYAML
/// An error in a topic specification file.
///
/// `description` starts with `file:line:column` where the YAML parser gave a position, then the field and the problem.
public struct TopicsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case unreadable
            case syntax
            case notAMapping
            case unknownField
            case missingField
            case duplicateField
            case invalidValue
            case noSpecifications
        }

        fileprivate let base: Base

        /// The file or directory could not be read.
        public static let unreadable = Code(base: .unreadable)
        /// The file is not valid YAML.
        public static let syntax = Code(base: .syntax)
        /// The document is not a mapping of fields.
        public static let notAMapping = Code(base: .notAMapping)
        /// A field the format does not have (often a misspelling).
        public static let unknownField = Code(base: .unknownField)
        /// A required field is absent.
        public static let missingField = Code(base: .missingField)
        /// A field is given twice.
        public static let duplicateField = Code(base: .duplicateField)
        /// A field's value is out of range or of the wrong form.
        public static let invalidValue = Code(base: .invalidValue)
        /// The topics directory holds no `*.yaml` file.
        public static let noSpecifications = Code(base: .noSpecifications)

        public var description: String { String(describing: base) }
    }

    /// A position in a file; line and column count from 1.
    public typealias Location = YAMLLocation

    public var code: Code
    public var location: Location
    /// The field the problem is about (`partitions`, `retention`, ...), when there is one.
    public var field: String?
    /// What is wrong, without the location.
    public var reason: String

    public init(code: Code, location: Location, field: String? = nil, reason: String) {
        self.code = code
        self.location = location
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(location): \(reason)" }
}
