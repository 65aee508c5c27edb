import FlywheelEvents

/// Evaluates a rule set over events in event time, keeping per-key state, and returns what fires.
///
/// The engine is deterministic: the same rules and the same ordered input give the same firings, byte for byte.
/// Its clock is the largest event time seen (or the time `advanceClock(to:)` was given); absences fire when the
/// clock passes their deadline, before the event that moved the clock is evaluated.
public struct RuleEngine: Sendable {
    public struct Options: Sendable, Hashable {
        /// How late (behind its key's latest event) an event may be and still see every event of its window:
        /// window entries are kept this long after they leave the key's latest window. Later events still count.
        public var allowedLateness: Int64
        /// At most this many causes are listed in a trigger; older ones are counted in `cause_omitted`.
        public var maxCauses: Int
        /// Whether the engine remembers which keys' state changed, for `takeChanges()` (the service's changelog).
        public var tracksChanges: Bool
        /// At most this many events of a key's window are kept one by one (and an eighth more between the runs in
        /// which older ones move; per member for `all` and `sequence`, this divided by the number of members): a
        /// window's older events are kept as aggregates per slice of time, a member's older events are forgotten.
        /// It bounds a key's state, whatever its rate of events.
        public private(set) var windowEventLimit: Int

        public init(allowedLateness: Duration = .seconds(3600), maxCauses: Int = 100, tracksChanges: Bool = false, windowEventLimit: Int = 1000) {
            self.allowedLateness = allowedLateness.components.seconds * 1000 + allowedLateness.components.attoseconds / 1_000_000_000_000_000
            self.maxCauses = Swift.max(1, maxCauses)
            self.tracksChanges = tracksChanges
            self.windowEventLimit = Swift.max(self.maxCauses, windowEventLimit)
        }
    }

    /// Counts since the engine was made (they are not part of the saved state).
    public struct Statistics: Sendable, Hashable {
        public var events = 0
        /// Events behind the clock by more than the allowed lateness.
        public var late = 0
        /// Accepted events without a value at the rule's key path.
        public var keyless = 0
        /// Accepted events whose aggregated field is not a number.
        public var notNumeric = 0
        public var firings = 0
        /// Firings a cooldown held back.
        public var suppressed = 0
        /// Per rule, in rule order: accepted events and firings.
        public var evaluations: [Int]
        public var firingsByRule: [Int]
        /// Per rule, in rule order: firings whose window counted events through panes (a key past
        /// `Options.windowEventLimit` events), whose audit records say how many.
        public var approximatedByRule: [Int]
    }

    public let ruleSet: RuleSet
    public let options: Options
    /// The largest event time seen, in milliseconds since the Unix epoch.
    public internal(set) var clock: Int64?
    public internal(set) var statistics: Statistics

    /// Processing order, for ties in time.
    var sequence: UInt64 = 0
    /// Per rule, in rule order: state by key.
    var states: [[String: KeyState]]
    var deadlines = DeadlineQueue()
    var symbols = SymbolTable()
    /// Keys whose state changed since the last `takeChanges()`, when the options ask for it.
    var changed: Set<ChangedState> = []
    /// Per rule: the `event.` paths of its emit template.
    let templatePaths: [[[String]]]
    private var candidates: [RuleIndex.Entry] = []
    /// Per test of the index: the processing sequence number it was last evaluated at, and the result.
    private var testEvaluatedAt: [UInt64]
    private var testResults: [Bool]

    public init(ruleSet: RuleSet, options: Options = Options()) {
        self.ruleSet = ruleSet
        self.options = options
        states = Array(repeating: [:], count: ruleSet.rules.count)
        templatePaths = ruleSet.rules.map(\.emit.data.eventPaths)
        testEvaluatedAt = Array(repeating: 0, count: ruleSet.index.tests.count)
        testResults = Array(repeating: false, count: ruleSet.index.tests.count)
        statistics = Statistics(
            evaluations: Array(repeating: 0, count: ruleSet.rules.count),
            firingsByRule: Array(repeating: 0, count: ruleSet.rules.count),
            approximatedByRule: Array(repeating: 0, count: ruleSet.rules.count))
    }

    /// The number of keys with state, over all rules.
    public var keyCount: Int { states.reduce(0) { $0 + $1.count } }

    /// Evaluates one event; returns the firings it causes, absences that came due first.
    ///
    /// With `keys`, only the rules (and members) whose key for this event is one of them evaluate it: the service
    /// splits an event's rules by key over the partitions that own those keys.
    public mutating func process(_ input: RuleInput, keys: Set<String>? = nil) -> [RuleFiring] {
        sequence += 1
        statistics.events += 1
        if let clock, input.time < clock - options.allowedLateness { statistics.late += 1 }
        var firings = advance(to: input.time)
        findCandidates(for: input.event)
        // A rule fires at most once per event, even when several of its members take it.
        var lastRule = -1
        for entry in candidates {
            guard accepts(entry, input.event) else { continue }
            let rule = ruleSet.rules[entry.rule]
            guard let key = rule.filters[entry.member].key(of: input.event) else {
                if keys == nil { statistics.keyless += 1 }
                continue
            }
            if let keys, !keys.contains(key) { continue }
            let first = entry.rule != lastRule
            lastRule = entry.rule
            if first { statistics.evaluations[entry.rule] += 1 }
            switch rule.logic {
            case .each, .any:
                if first { evaluateEach(rule: entry.rule, key: key, input: input, into: &firings) }
            case .threshold(_, let threshold):
                evaluateThreshold(rule: entry.rule, threshold: threshold, key: key, input: input, into: &firings)
            case .all(let members, let within):
                evaluateMembers(rule: entry.rule, member: entry.member, count: members.count, ordered: false, within: within, key: key, input: input, into: &firings)
            case .sequence(let members, let within):
                evaluateMembers(rule: entry.rule, member: entry.member, count: members.count, ordered: true, within: within, key: key, input: input, into: &firings)
            case .absent(_, let silence):
                observe(rule: entry.rule, silence: silence, key: key, input: input)
            }
        }
        firings += fireDueAbsences()
        return firings
    }

    /// Fills `candidates` with the rules (and members) that may accept the event, in rule order: by its type, by the
    /// values the field indexes select, and the unindexed ones whose first test holds.
    private mutating func findCandidates(for event: CloudEvent) {
        candidates.removeAll(keepingCapacity: true)
        guard let table = ruleSet.index.table(for: event.type) else { return }
        for group in table.unfiltered where group.test.map({ holds($0, event) }) ?? true {
            RuleIndex.merge(group.entries, into: &candidates)
        }
        RuleIndex.addFieldMatches(of: table, for: event, into: &candidates)
    }

    /// Whether the event passes the filter's `match` and `condition`.
    private mutating func accepts(_ entry: RuleIndex.Entry, _ event: CloudEvent) -> Bool {
        for position in entry.tests where !holds(ruleSet.index.testList[position], event) { return false }
        return true
    }

    /// Whether test number `test` of the index holds for the event; each test is evaluated once per event.
    private mutating func holds(_ test: Int, _ event: CloudEvent) -> Bool {
        if testEvaluatedAt[test] != sequence {
            testEvaluatedAt[test] = sequence
            testResults[test] = ruleSet.index.tests[test].holds(for: event)
        }
        return testResults[test]
    }

    /// Moves the clock forward to `time` (never back) and returns the absences that came due.
    public mutating func advanceClock(to time: Int64) -> [RuleFiring] {
        advance(to: time)
    }

    /// Fires the absences due by `time` without moving the event-time clock: the live service calls this with the
    /// wall clock, so that a silent key's absence fires although no event arrives.
    public mutating func fireAbsences(dueBy time: Int64) -> [RuleFiring] {
        fireDueAbsences(upTo: Swift.max(time, clock ?? time))
    }

    private mutating func advance(to time: Int64) -> [RuleFiring] {
        if clock == nil || time > clock! { clock = time }
        return fireDueAbsences()
    }

    /// The distinct keys the event has for the rules that read its type, in rule order (whether or not their
    /// `match` holds): where the service routes it.
    public func routingKeys(of event: CloudEvent) -> [String] {
        ruleSet.index.routingKeys(of: event)
    }

    /// Forgets which keys' states changed (a restore has nothing to write back).
    public mutating func discardChanges() {
        changed.removeAll(keepingCapacity: true)
    }

    /// The state records (nil: removed) of the keys whose state changed since the last call, in rule and key order;
    /// empty unless `Options.tracksChanges`.
    public mutating func takeChanges() -> [(rule: String, key: String, record: JSONValue?)] {
        let changes = changed.sorted { a, b in a.rule != b.rule ? a.rule < b.rule : a.key.utf8.lexicographicallyPrecedes(b.key.utf8) }
        changed.removeAll(keepingCapacity: true)
        return changes.map { change in
            let rule = ruleSet.rules[change.rule]
            return (rule.id, change.key, states[change.rule][change.key].map { encode($0, rule: rule) })
        }
    }

    /// Where a key's state taken out of its table goes back.
    struct StateSlot {
        var rule: Int
        var key: String
        var index: Dictionary<String, KeyState>.Index?
    }

    /// Takes the key's state out of its rule's table with one lookup, so that changing it never copies it; a key
    /// without state gets `make()`. Nothing else may be added to that rule's table before `putState`.
    mutating func takeState(rule: Int, key: String, orMake make: () -> KeyState) -> (KeyState, StateSlot) {
        guard let index = states[rule].index(forKey: key) else { return (make(), StateSlot(rule: rule, key: key, index: nil)) }
        var state = KeyState(body: .none)
        swap(&state, &states[rule].values[index])
        return (state, StateSlot(rule: rule, key: key, index: index))
    }

    mutating func putState(_ state: KeyState, _ slot: StateSlot) {
        if let index = slot.index { states[slot.rule].values[index] = state } else { states[slot.rule][slot.key] = state }
        if options.tracksChanges { changed.insert(ChangedState(rule: slot.rule, key: slot.key)) }
    }

    /// Sets a key's state (for paths that do not take it out first).
    mutating func setState(_ state: KeyState, rule: Int, key: String) {
        states[rule][key] = state
        if options.tracksChanges { changed.insert(ChangedState(rule: rule, key: key)) }
    }

    /// Whether a cooldown holds back a firing of the key at `time`.
    func coolingDown(_ rule: Rule, _ state: KeyState, at time: Int64) -> Bool {
        guard let cooldown = rule.cooldown, let last = state.lastFiring else { return false }
        let (end, overflow) = last.addingReportingOverflow(cooldown)
        return overflow || time < end
    }

    /// Entries at or before this time can be in no window of an event of the key that is at most the allowed
    /// lateness (the rule's, or the engine's) behind the key's latest event (`latest`).
    ///
    /// It depends on the key's own events only, not on the clock: in the live service a key's events can reach its
    /// partition after other keys' later events (when they are re-keyed), and must find their window as replay does.
    func pruneHorizon(_ rule: Rule, window: Int64, latest: Int64) -> Int64 {
        latest &- window &- (rule.lateness ?? options.allowedLateness)
    }

    mutating func storedCause(_ input: RuleInput) -> StoredCause {
        StoredCause(
            id: input.event.id, type: symbols.intern(input.event.type),
            topic: input.origin.map { symbols.intern($0.topic) } ?? StoredCause.noTopic,
            partition: input.origin?.partition ?? 0, offset: input.origin?.offset ?? 0)
    }
}

/// A rule (by index) and key whose state changed.
struct ChangedState: Hashable, Sendable {
    var rule: Int
    var key: String
}

/// Event types and topic names, each stored once and referred to by number in key state.
struct SymbolTable: Sendable {
    private var names: [String] = []
    private var numbers: [String: UInt32] = [:]
    /// The last two names interned (an event's type and topic, which the next event mostly shares): compared
    /// before the table is hashed into.
    private var latest: (name: String, number: UInt32)?
    private var previous: (name: String, number: UInt32)?

    mutating func intern(_ name: String) -> UInt32 {
        if let latest, latest.name == name { return latest.number }
        if let previous, previous.name == name { return previous.number }
        let number: UInt32
        if let known = numbers[name] {
            number = known
        } else {
            number = UInt32(names.count)
            names.append(name)
            numbers[name] = number
        }
        previous = latest
        latest = (name, number)
        return number
    }

    func name(_ number: UInt32) -> String { names[Int(number)] }
}
