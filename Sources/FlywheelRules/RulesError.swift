/// The error of the rule engine's loading, replay and rule tests; `diagnostics` holds every problem found.
public struct RulesError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidRules = "invalid_rules"
            case unreadable
            case invalidEvent = "invalid_event"
            case invalidState = "invalid_state"
            case invalidTest = "invalid_test"
        }

        private let base: Base
        /// A rule file does not validate.
        public static let invalidRules = Code(base: .invalidRules)
        /// A file cannot be read.
        public static let unreadable = Code(base: .unreadable)
        /// An input event of a replay is not a usable CloudEvent.
        public static let invalidEvent = Code(base: .invalidEvent)
        /// A saved state does not restore.
        public static let invalidState = Code(base: .invalidState)
        /// A rule test file does not validate.
        public static let invalidTest = Code(base: .invalidTest)
        public var description: String { base.rawValue }
    }

    public var code: Code
    public var diagnostics: [RuleDiagnostic]

    public init(code: Code, diagnostics: [RuleDiagnostic]) {
        self.code = code
        self.diagnostics = diagnostics
    }

    public init(code: Code, location: RuleSourceLocation, message: String, hint: String? = nil) {
        self.init(code: code, diagnostics: [RuleDiagnostic(location: location, message: message, hint: hint)])
    }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
