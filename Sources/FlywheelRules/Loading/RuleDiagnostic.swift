/// One problem found in a rule file: where, what, and a hint at the fix.
public struct RuleDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public struct Severity: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        /// The rule set is refused.
        public static let error = Severity(name: "error")
        /// The rule set runs, but something is likely wrong.
        public static let warning = Severity(name: "warning")
        public var description: String { name }
    }

    public var location: RuleSourceLocation
    public var severity: Severity
    public var message: String
    public var hint: String?

    public init(location: RuleSourceLocation, severity: Severity = .error, message: String, hint: String? = nil) {
        self.location = location
        self.severity = severity
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: message (hint: ...)`, as compilers print it.
    public var description: String {
        "\(location): \(severity): \(message)" + (hint.map { " (hint: \($0))" } ?? "")
    }
}
