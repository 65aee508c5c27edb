import FlywheelYAML

/// The error of `flywheel serve`: a configuration that does not validate, rules that do not load, or a pipeline
/// that cannot go on; `diagnostics` say where.
public struct ServiceError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidConfiguration = "invalid_configuration"
            case invalidRules = "invalid_rules"
            case topics
            case pipeline
        }

        private let base: Base
        /// A field of the configuration file is missing or wrong.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The rule files do not validate, or emit where the configuration does not allow.
        public static let invalidRules = Code(base: .invalidRules)
        /// A topic the service needs is missing or does not fit (partition counts).
        public static let topics = Code(base: .topics)
        /// The pipeline stopped.
        public static let pipeline = Code(base: .pipeline)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var diagnostics: [YAMLDiagnostic]

    public init(code: Code, diagnostics: [YAMLDiagnostic]) {
        self.code = code
        self.diagnostics = diagnostics
    }

    public init(code: Code, message: String, file: String = "flywheel serve") {
        self.init(code: code, diagnostics: [YAMLDiagnostic(location: YAMLLocation(file: file), message: message)])
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
