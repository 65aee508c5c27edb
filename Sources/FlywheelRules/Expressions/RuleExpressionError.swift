/// Why an expression does not parse, and where: the column (from 1) in the expression's text.
public struct RuleExpressionError: Error, Sendable, Hashable, CustomStringConvertible {
    public var column: Int
    public var message: String
    public var hint: String?
    public var description: String { "column \(column): \(message)\(hint.map { " (\($0))" } ?? "")" }
}
