import FlywheelEvents

/// Which events a rule (or one member of a compound rule) takes: their types, `match` predicates, a `condition`,
/// and the path of the key its state is kept under.
public struct EventFilter: Sendable, Hashable {
    public var types: [String]
    public var match: [MatchPredicate]
    public var condition: RuleExpression?
    /// The path of the event's key (`data.dataset`); the default is `subject`.
    public var key: [String]

    public init(types: [String], match: [MatchPredicate] = [], condition: RuleExpression? = nil, key: [String] = ["subject"]) {
        self.types = types
        self.match = match
        self.condition = condition
        self.key = key
    }

    /// Whether `event` passes `match` and `condition` (its type is checked by the rule index, not here).
    func accepts(_ event: CloudEvent) -> Bool {
        for predicate in match where !predicate.matches(event) { return false }
        if let condition, !condition.evaluate(on: event).isTrue { return false }
        return true
    }

    /// The event's key as text: a string as it is, a number or boolean as JSON writes it; nil when missing or
    /// structured.
    func key(of event: CloudEvent) -> String? {
        switch event.value(at: key) {
        case .string(let text): text.isEmpty ? nil : text
        case .number(let number): JSONWriter.format(number)
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }
}
