import FlywheelEvents

/// One `match:` entry of a rule: a field path, an operator and its operand.
///
/// When the field is an array, the predicate holds if it holds for any element. A missing field fails every
/// operator except `exists: false`, `ne` and `nin`.
public struct MatchPredicate: Sendable, Hashable {
    /// A `match:` operator, by its name in rule files.
    public struct Operator: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let eq = Operator(name: "eq")
        public static let ne = Operator(name: "ne")
        public static let `in` = Operator(name: "in")
        public static let nin = Operator(name: "nin")
        public static let prefix = Operator(name: "prefix")
        public static let suffix = Operator(name: "suffix")
        public static let contains = Operator(name: "contains")
        public static let exists = Operator(name: "exists")
        public static let gt = Operator(name: "gt")
        public static let gte = Operator(name: "gte")
        public static let lt = Operator(name: "lt")
        public static let lte = Operator(name: "lte")

        /// Every operator, by name, for rule files.
        public static let all: [String: Operator] = Dictionary(
            uniqueKeysWithValues: [eq, ne, `in`, nin, prefix, suffix, contains, exists, gt, gte, lt, lte].map { ($0.name, $0) })

        public var description: String { name }
    }

    public var path: [String]
    public var op: Operator
    public var operand: JSONValue

    public init(path: [String], op: Operator, operand: JSONValue) {
        self.path = path
        self.op = op
        self.operand = operand
    }

    /// Whether the predicate holds for `event` (paths as `CloudEvent.value(at:)` reads them).
    public func matches(_ event: CloudEvent) -> Bool {
        guard let value = event.value(at: path), value != .null else {
            return op == .ne || op == .nin || (op == .exists && operand == .bool(false))
        }
        if op == .exists { return operand == .bool(true) }
        if case .array(let elements) = value { return elements.contains { holds(for: $0) } }
        return holds(for: value)
    }

    private func holds(for value: JSONValue) -> Bool {
        switch op {
        case .eq: return value == operand
        case .ne: return value != operand
        case .in: return operand.arrayValue?.contains(value) ?? false
        case .nin: return !(operand.arrayValue?.contains(value) ?? false)
        case .prefix, .suffix, .contains:
            guard case .string(var text) = value, case .string(var part) = operand else { return false }
            let op = self.op
            return text.withUTF8 { bytes in
                part.withUTF8 { partBytes in
                    guard partBytes.count <= bytes.count else { return false }
                    switch op {
                    case .prefix: return bytes.prefix(partBytes.count).elementsEqual(partBytes)
                    case .suffix: return bytes.suffix(partBytes.count).elementsEqual(partBytes)
                    default:
                        guard !partBytes.isEmpty else { return true }
                        for start in 0...(bytes.count - partBytes.count)
                        where bytes[start] == partBytes[0] && bytes[start..<(start + partBytes.count)].elementsEqual(partBytes) {
                            return true
                        }
                        return false
                    }
                }
            }
        case .gt, .gte, .lt, .lte:
            let order: Int
            switch (value, operand) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : (a == b ? 0 : 1)
            case (.string(let a), .string(let b)):
                order = a.hasSameCodePoints(as: b) ? 0 : (a.utf8.lexicographicallyPrecedes(b.utf8) ? -1 : 1)
            default: return false
            }
            switch op {
            case .gt: return order > 0
            case .gte: return order >= 0
            case .lt: return order < 0
            default: return order <= 0
            }
        default:
            return false
        }
    }
}
