/// One problem found in a YAML file: where, what, and a hint at the fix.
public struct YAMLDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public struct Severity: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        /// The rule set is refused.
        public static let error = Severity(name: "error")
        /// The rule set runs, but something is likely wrong.
        public static let warning = Severity(name: "warning")
        public var description: String { name }
    }

    public var location: YAMLLocation
    public var severity: Severity
    public var message: String
    public var hint: String?

    public init(location: YAMLLocation, severity: Severity = .error, message: String, hint: String? = nil) {
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

/// A place in a YAML file (rules, rule tests, configuration); line and column count from 1.
public struct YAMLLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        guard let line else { return file }
        return "\(file):\(line)" + (column.map { ":\($0)" } ?? "")
    }
}
