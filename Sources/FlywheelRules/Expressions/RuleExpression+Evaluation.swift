import FlywheelEvents

/// The value of a rule expression; `missing` where a field is absent or an operation has no result.
public enum RuleValue: Sendable, Hashable {
    case number(Double)
    case string(String)
    case bool(Bool)
    case missing

    /// Only `true` is true.
    public var isTrue: Bool { self == .bool(true) }
}

extension RuleExpression {
    /// Evaluates against `event` (paths as `CloudEvent.value(at:)` reads them). Never traps: a missing field, a type
    /// mismatch or a division by zero give `missing`, and a comparison with `missing` is false (except `!=`, which is
    /// true), as a rule's `match` treats missing fields.
    public func evaluate(on event: CloudEvent) -> RuleValue {
        switch self {
        case .number(let value): return .number(value)
        case .string(let value): return .string(value)
        case .bool(let value): return .bool(value)
        case .path(let components):
            switch event.value(at: components) {
            case .number(let value): return .number(value)
            case .string(let value): return .string(value)
            case .bool(let value): return .bool(value)
            default: return .missing
            }
        case .not(let operand):
            return .bool(!operand.evaluate(on: event).isTrue)
        case .negate(let operand):
            guard case .number(let value) = operand.evaluate(on: event) else { return .missing }
            return .number(-value)
        case .binary(let op, let left, let right):
            if op == .and { return .bool(left.evaluate(on: event).isTrue && right.evaluate(on: event).isTrue) }
            if op == .or { return .bool(left.evaluate(on: event).isTrue || right.evaluate(on: event).isTrue) }
            return RuleExpression.apply(op, left.evaluate(on: event), right.evaluate(on: event))
        case .call(let function, let arguments):
            var numbers: [Double] = []
            for argument in arguments {
                guard case .number(let value) = argument.evaluate(on: event) else { return .missing }
                numbers.append(value)
            }
            switch function {
            case .abs: return .number(Swift.abs(numbers[0]))
            case .min: return .number(numbers.min()!)
            default: return .number(numbers.max()!)
            }
        }
    }

    private static func apply(_ op: RuleOperator, _ left: RuleValue, _ right: RuleValue) -> RuleValue {
        switch (left, right) {
        case (.number(let a), .number(let b)):
            switch op {
            case .add: return finite(a + b)
            case .subtract: return finite(a - b)
            case .multiply: return finite(a * b)
            case .divide: return b == 0 ? .missing : finite(a / b)
            default: return .bool(compare(op, a, b))
            }
        case (.string(let a), .string(let b)):
            switch op {
            case .add: return .string(a + b)
            case .equal: return .bool(a.hasSameCodePoints(as: b))
            case .notEqual: return .bool(!a.hasSameCodePoints(as: b))
            case .less, .lessOrEqual, .greater, .greaterOrEqual:
                // Code-point order, as JSON and most stores sort strings.
                let ordered = a.utf8.lexicographicallyPrecedes(b.utf8)
                let same = a.hasSameCodePoints(as: b)
                return .bool(compare(op, ordered ? -1 : (same ? 0 : 1), 0))
            default: return .missing
            }
        case (.bool(let a), .bool(let b)):
            if op == .equal { return .bool(a == b) }
            if op == .notEqual { return .bool(a != b) }
            return .missing
        default:
            if op == .notEqual { return .bool(true) }
            if [.equal, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(op) { return .bool(false) }
            return .missing
        }
    }

    private static func compare(_ op: RuleOperator, _ a: Double, _ b: Double) -> Bool {
        switch op {
        case .equal: a == b
        case .notEqual: a != b
        case .less: a < b
        case .lessOrEqual: a <= b
        case .greater: a > b
        default: a >= b
        }
    }

    private static func finite(_ value: Double) -> RuleValue {
        value.isFinite ? .number(value) : .missing
    }
}
