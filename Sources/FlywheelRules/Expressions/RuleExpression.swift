import FlywheelEvents

/// A `condition:` expression of a rule: field paths, numbers, strings, booleans, arithmetic, comparisons, logic and
/// the functions `abs`, `min`, `max`.
public indirect enum RuleExpression: Sendable, Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)
    /// A dotted path into the event: a CloudEvent attribute (`type`, `subject`, ...) or `data.…`.
    case path([String])
    case not(RuleExpression)
    case negate(RuleExpression)
    case binary(RuleOperator, RuleExpression, RuleExpression)
    case call(RuleFunction, [RuleExpression])
}

/// A binary operator of rule expressions.
public struct RuleOperator: Hashable, Sendable, CustomStringConvertible {
    public let symbol: String
    public static let add = RuleOperator(symbol: "+")
    public static let subtract = RuleOperator(symbol: "-")
    public static let multiply = RuleOperator(symbol: "*")
    public static let divide = RuleOperator(symbol: "/")
    public static let equal = RuleOperator(symbol: "==")
    public static let notEqual = RuleOperator(symbol: "!=")
    public static let less = RuleOperator(symbol: "<")
    public static let lessOrEqual = RuleOperator(symbol: "<=")
    public static let greater = RuleOperator(symbol: ">")
    public static let greaterOrEqual = RuleOperator(symbol: ">=")
    public static let and = RuleOperator(symbol: "&&")
    public static let or = RuleOperator(symbol: "||")
    public var description: String { symbol }
}

/// A function callable in rule expressions.
public struct RuleFunction: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let arity: ClosedRange<Int>
    public static let abs = RuleFunction(name: "abs", arity: 1...1)
    public static let min = RuleFunction(name: "min", arity: 1...16)
    public static let max = RuleFunction(name: "max", arity: 1...16)
    static let all: [String: RuleFunction] = ["abs": .abs, "min": .min, "max": .max]
    public var description: String { name }
}

extension RuleExpression {
    /// The field paths the expression reads, in order of appearance.
    public var paths: [[String]] {
        switch self {
        case .number, .string, .bool: []
        case .path(let path): [path]
        case .not(let operand), .negate(let operand): operand.paths
        case .binary(_, let left, let right): left.paths + right.paths
        case .call(_, let arguments): arguments.flatMap(\.paths)
        }
    }
}
