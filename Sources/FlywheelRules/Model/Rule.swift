import FlywheelEvents

/// One checked rule of a rule file.
///
/// A class, so that the engine's hot path refers to a rule without copying its parts.
public final class Rule: Sendable {
    /// Unique within a rule set: `[a-z0-9-]+`.
    public let id: String
    public let description: String?
    /// Lowercase hex SHA-256 of the rule's definition (its YAML as canonical JSON): state and audit records carry it.
    public let version: String
    /// Where the rule is defined.
    public let location: RuleSourceLocation
    let logic: Logic
    /// The filters of `logic`, once.
    let filters: [EventFilter]
    /// No firing for a key at a time before its last firing plus this, in milliseconds.
    public let cooldown: Int64?
    /// How late an event of a windowed rule may be, behind its key's latest event, and still see every event of its
    /// window, in milliseconds; nil: the engine's `Options.allowedLateness`.
    public let lateness: Int64?
    public let emit: Emit

    /// What makes the rule fire.
    enum Logic: Sendable {
        /// Every accepted event.
        case each(EventFilter)
        case threshold(EventFilter, Threshold)
        case all([EventFilter], within: Int64?)
        case any([EventFilter])
        case sequence([EventFilter], within: Int64?)
        /// A key that has been seen stays silent for the duration.
        case absent(EventFilter, silence: Int64)

        var filters: [EventFilter] {
            switch self {
            case .each(let filter), .threshold(let filter, _), .absent(let filter, _): [filter]
            case .all(let members, _), .any(let members), .sequence(let members, _): members
            }
        }

        var name: String {
            switch self {
            case .each: "each"
            case .threshold: "threshold"
            case .all: "all"
            case .any: "any"
            case .sequence: "sequence"
            case .absent: "absent"
            }
        }
    }

    /// The rule's kind: `each`, `threshold`, `all`, `any`, `sequence` or `absent`.
    public var kind: String { logic.name }

    /// The event types the rule reads.
    public var eventTypes: [String] {
        var seen: [String] = []
        for filter in filters { for type in filter.types where !seen.contains(type) { seen.append(type) } }
        return seen
    }

    /// What a firing produces.
    public struct Emit: Sendable {
        public var type: String
        public var topic: String
        var data: Template
    }

    init(
        id: String, description: String?, version: String, location: RuleSourceLocation, logic: Logic, cooldown: Int64?,
        lateness: Int64? = nil, emit: Emit
    ) {
        self.id = id
        self.description = description
        self.version = version
        self.location = location
        self.logic = logic
        self.filters = logic.filters
        self.cooldown = cooldown
        self.lateness = lateness
        self.emit = emit
    }
}

/// A `threshold:`: an aggregate of the accepted events of a key, compared with a bound.
struct Threshold: Sendable, Hashable {
    struct Aggregate: Sendable, Hashable {
        let name: String
        static let count = Aggregate(name: "count")
        static let sum = Aggregate(name: "sum")
        static let avg = Aggregate(name: "avg")
        static let min = Aggregate(name: "min")
        static let max = Aggregate(name: "max")
        static let all: [Aggregate] = [count, sum, avg, min, max]
    }

    struct Comparator: Sendable, Hashable {
        let name: String
        let symbol: String
        static let gt = Comparator(name: "gt", symbol: ">")
        static let gte = Comparator(name: "gte", symbol: ">=")
        static let lt = Comparator(name: "lt", symbol: "<")
        static let lte = Comparator(name: "lte", symbol: "<=")
        static let eq = Comparator(name: "eq", symbol: "==")
        static let all: [Comparator] = [gt, gte, lt, lte, eq]

        func holds(_ value: Double, _ bound: Double) -> Bool {
            switch name {
            case "gt": value > bound
            case "gte": value >= bound
            case "lt": value < bound
            case "lte": value <= bound
            default: value == bound
            }
        }
    }

    var aggregate: Aggregate
    /// The aggregated field; nil for `count`.
    var path: [String]?
    var comparator: Comparator
    var bound: Double
    /// The window in milliseconds; nil aggregates everything since the key's last firing.
    var within: Int64?
}
