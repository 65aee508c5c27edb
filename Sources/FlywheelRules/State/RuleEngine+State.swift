import FlywheelEvents

/// The engine's state as JSON, to persist and restore: whole (`snapshot`) or one rule and key at a time
/// (`stateRecord`), which is what a changelog topic holds.
///
/// A record carries the version of the rule it was made under; restoring drops records of rules that have changed
/// or gone, so an edited rule starts afresh instead of misreading old state.
extension RuleEngine {
    public static let stateFormat = "flywheel.rules.state/1"

    /// The clock and processing order: what a restored engine needs besides its keys' states.
    public var positionRecord: JSONValue {
        .object(JSONObject(["clock": clock.map { .number(Double($0)) } ?? .null, "sequence": .number(Double(sequence))]))
    }

    /// Continues from a `positionRecord`; the clock and order only move forward.
    public mutating func restorePosition(_ record: JSONValue) {
        if let restored = RuleEngine.whole(record[path: "clock"], as: Int64.self), clock.map({ restored > $0 }) ?? true { clock = restored }
        if let restored = RuleEngine.whole(record[path: "sequence"], as: UInt64.self), restored > sequence { sequence = restored }
    }

    /// Clock, processing order and every key's state.
    public func snapshot() -> JSONValue {
        var rules: [JSONValue] = []
        for (index, rule) in ruleSet.rules.enumerated() {
            let keys = JSONObject(
                uniqueMembers: states[index].sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                    .map { JSONObject.Member(key: $0.key, value: encode($0.value, rule: rule)) })
            rules.append(.object(JSONObject(["id": .string(rule.id), "version": .string(rule.version), "keys": .object(keys)])))
        }
        var object = JSONObject()
        object["format"] = .string(RuleEngine.stateFormat)
        object["clock"] = clock.map { .number(Double($0)) } ?? .null
        object["sequence"] = .number(Double(sequence))
        object["rules"] = .array(rules)
        return .object(object)
    }

    /// An engine for `ruleSet` continuing from `snapshot`; state of rules that changed or are gone is dropped.
    public init(ruleSet: RuleSet, options: Options = Options(), restoring snapshot: JSONValue) throws(RulesError) {
        self.init(ruleSet: ruleSet, options: options)
        guard snapshot[path: "format"]?.stringValue == RuleEngine.stateFormat else {
            throw RuleEngine.stateError("not a rule engine state of format \(RuleEngine.stateFormat)")
        }
        clock = RuleEngine.whole(snapshot[path: "clock"], as: Int64.self)
        sequence = RuleEngine.whole(snapshot[path: "sequence"], as: UInt64.self) ?? 0
        for ruleState in snapshot[path: "rules"]?.arrayValue ?? [] {
            guard let id = ruleState[path: "id"]?.stringValue, let keys = ruleState[path: "keys"]?.objectValue else {
                throw RuleEngine.stateError("a rule's state has no id or keys")
            }
            for member in keys { try restore(rule: id, key: member.key, record: member.value) }
        }
    }

    /// One key's state of one rule, or nil when the engine keeps none.
    public func stateRecord(rule id: String, key: String) -> JSONValue? {
        guard let index = ruleSet.rules.firstIndex(where: { $0.id == id }), let state = states[index][key] else { return nil }
        return encode(state, rule: ruleSet.rules[index])
    }

    /// Sets one key's state from a record of `stateRecord` (nil removes it). A record made under another version of
    /// the rule, or for a rule not in the set, is ignored.
    public mutating func restore(rule id: String, key: String, record: JSONValue?) throws(RulesError) {
        guard let index = ruleSet.rules.firstIndex(where: { $0.id == id }) else { return }
        let rule = ruleSet.rules[index]
        guard let record else {
            states[index][key] = nil
            return
        }
        guard record[path: "version"]?.stringValue == rule.version else { return }
        var state = try decode(record, rule: rule)
        if case .absence(var absence) = state.body, absence.armed, case .absent(_, let silence) = rule.logic {
            absence.queued = absence.lastSeen &+ silence
            deadlines.push(.init(time: absence.queued!, rule: index, key: key))
            state.body = .absence(absence)
        }
        states[index][key] = state
        for entry in state.entries where entry.sequence > sequence { sequence = entry.sequence }
    }

    // MARK: Encoding

    func encode(_ state: KeyState, rule: Rule) -> JSONValue {
        var object = JSONObject()
        var names = RecordSymbols()
        object["version"] = .string(rule.version)
        if !state.firingTimes.isEmpty { object["firings"] = .array(state.firingTimes.map { .number(Double($0)) }) }
        switch state.body {
        case .none:
            break
        case .running(let running):
            object["count"] = .number(Double(running.count))
            object["sum"] = .number(running.sum)
            if running.count > 0 {
                object["min"] = .number(running.min)
                object["max"] = .number(running.max)
            }
            object["causes"] = .array(running.causes.map { encode($0, &names) })
            if running.omitted > 0 { object["omitted"] = .number(Double(running.omitted)) }
        case .window(let entries):
            object["entries"] = .array(entries.map { encode($0, &names) })
        case .panedWindow(let window):
            object["entries"] = .array(window.entries.map { encode($0, &names) })
            if !window.panes.isEmpty {
                // A sum beyond what a double holds is kept as text (JSON has no infinity); the exact events' sum
                // would be as infinite, and the window does not fire while the pane is in it.
                object["panes"] = .array(
                    window.panes.map { pane in
                        .array(
                            [pane.first, pane.last, Int64(pane.count)].map { .number(Double($0)) }
                                + [pane.sum.isFinite ? .number(pane.sum) : .string(String(pane.sum)), .number(pane.min), .number(pane.max)])
                    })
            }
        case .members(let members):
            object["members"] = .array(members.map { list in .array(list.map { encode($0, &names) }) })
        case .absence(let absence):
            object["last_seen"] = .number(Double(absence.lastSeen))
            object["armed"] = .bool(absence.armed)
            object["cause"] = encode(absence.cause, &names)
            object["values"] = .array(absence.values.map { value in value.map { .object(JSONObject(["value": $0])) } ?? .null })
        }
        if !names.names.isEmpty { object["symbols"] = .array(names.names.map(JSONValue.string)) }
        return .object(object)
    }

    /// The event types and topics a state record's causes name, each written once in its `symbols`, which the
    /// causes refer to by position.
    struct RecordSymbols {
        var names: [String] = []
        /// The engine's symbol numbers, in the order of `names`.
        var numbers: [UInt32] = []

        mutating func position(of number: UInt32, in table: SymbolTable) -> Int {
            if let position = numbers.firstIndex(of: number) { return position }
            numbers.append(number)
            names.append(table.name(number))
            return names.count - 1
        }
    }

    private func encode(_ entry: KeyState.Entry, _ names: inout RecordSymbols) -> JSONValue {
        .array([.number(Double(entry.time)), .number(Double(entry.sequence)), .number(entry.value), encode(entry.cause, &names)])
    }

    /// `[id, type]`, or `[id, type, topic, partition, offset]` for an event read from Kafka; type and topic are
    /// positions in the record's `symbols`.
    private func encode(_ cause: StoredCause, _ names: inout RecordSymbols) -> JSONValue {
        let type = JSONValue.number(Double(names.position(of: cause.type, in: symbols)))
        guard cause.topic != StoredCause.noTopic else { return .array([.string(cause.id), type]) }
        return .array([
            .string(cause.id), type, .number(Double(names.position(of: cause.topic, in: symbols))), .number(Double(cause.partition)),
            .number(Double(cause.offset)),
        ])
    }

    // MARK: Decoding

    private mutating func decode(_ record: JSONValue, rule: Rule) throws(RulesError) -> KeyState {
        var state = KeyState(body: .none)
        let names = (record[path: "symbols"]?.arrayValue ?? []).map { $0.stringValue }
        state.firingTimes = (record[path: "firings"]?.arrayValue ?? []).compactMap { RuleEngine.whole($0, as: Int64.self) }.suffix(KeyState.firingHistory)
        switch rule.logic {
        case .each, .any:
            break
        case .threshold(_, let threshold) where threshold.within == nil:
            var running = KeyState.Running()
            running.count = try whole(record, "count", as: Int.self)
            running.sum = try number(record, "sum")
            if running.count > 0 {
                running.min = try number(record, "min")
                running.max = try number(record, "max")
            }
            running.causes = try entries(record[path: "causes"], names)
            running.omitted = RuleEngine.whole(record[path: "omitted"], as: Int.self) ?? 0
            state.body = .running(running)
        case .threshold(_, let threshold):
            let width = KeyState.Window.paneWidth(within: threshold.within ?? 1)
            state.body = KeyState.Window(panes: try panes(record[path: "panes"], width: width), entries: try entries(record[path: "entries"], names)).body
        case .all, .sequence:
            var members: [[KeyState.Entry]] = []
            for list in record[path: "members"]?.arrayValue ?? [] { members.append(try entries(list, names)) }
            guard members.count == rule.filters.count else { throw RuleEngine.stateError("rule \(rule.id): wrong number of members") }
            state.body = .members(members)
        case .absent:
            let cause = try self.cause(record[path: "cause"], names)
            let values = (record[path: "values"]?.arrayValue ?? []).map { $0.objectValue?["value"] }
            guard values.count == rule.emit.data.eventPaths.count else {
                throw RuleEngine.stateError("rule \(rule.id): the absence keeps \(values.count) template values, the rule needs another number")
            }
            state.body = .absence(
                KeyState.Absence(
                    lastSeen: try whole(record, "last_seen", as: Int64.self), armed: record[path: "armed"] == .bool(true), cause: cause,
                    values: values))
        }
        return state
    }

    /// A JSON number that is a whole value in range for `type`, or nil.
    static func whole<Integer: BinaryInteger>(_ value: JSONValue?, as type: Integer.Type) -> Integer? {
        guard let number = value?.numberValue, number.isFinite, let exact = Int64(exactly: number) else { return nil }
        return Integer(exactly: exact)
    }

    private func whole<Integer: BinaryInteger>(_ record: JSONValue, _ field: String, as type: Integer.Type) throws(RulesError) -> Integer {
        guard let value = RuleEngine.whole(record[path: field], as: type) else {
            throw RuleEngine.stateError("field \(field) is missing or not a whole number in range")
        }
        return value
    }

    private func number(_ record: JSONValue, _ field: String) throws(RulesError) -> Double {
        guard let value = record[path: field]?.numberValue else { throw RuleEngine.stateError("field \(field) is missing or not a number") }
        return value
    }

    private mutating func entries(_ value: JSONValue?, _ names: [String?]) throws(RulesError) -> [KeyState.Entry] {
        var entries: [KeyState.Entry] = []
        for item in value?.arrayValue ?? [] {
            guard let parts = item.arrayValue, parts.count == 4, let time = parts[0].numberValue, let sequence = parts[1].numberValue,
                let value = parts[2].numberValue
            else { throw RuleEngine.stateError("an entry is not [time, sequence, value, cause]") }
            guard let time = RuleEngine.whole(.number(time), as: Int64.self), let sequence = RuleEngine.whole(.number(sequence), as: UInt64.self),
                value.isFinite, entries.last.map({ $0.time <= time }) ?? true
            else { throw RuleEngine.stateError("an entry has a time, sequence or value out of range, or is out of time order") }
            entries.append(KeyState.Entry(time: time, sequence: sequence, value: value, cause: try cause(parts[3], names)))
        }
        return entries
    }

    /// A window's panes: `[first, last, count, sum, min, max]` each, in time order, each within one slice of
    /// `width` milliseconds, one per slice, at most `Window.paneLimit`; times within a million years of 1970 and
    /// counts below 2^53, so that nothing a record says can overflow the engine's arithmetic.
    private func panes(_ value: JSONValue?, width: Int64) throws(RulesError) -> [KeyState.Pane] {
        let items = value?.arrayValue ?? []
        guard items.count <= KeyState.Window.paneLimit else { throw RuleEngine.stateError("more than \(KeyState.Window.paneLimit) panes") }
        let timeBound: Int64 = 31_556_952_000_000_000
        var panes: [KeyState.Pane] = []
        for item in items {
            guard let parts = item.arrayValue, parts.count == 6, let first = RuleEngine.whole(parts[0], as: Int64.self),
                let last = RuleEngine.whole(parts[1], as: Int64.self), let count = RuleEngine.whole(parts[2], as: Int.self),
                let sum = parts[3].numberValue ?? parts[3].stringValue.flatMap(Double.init), let min = parts[4].numberValue,
                let max = parts[5].numberValue
            else { throw RuleEngine.stateError("a pane is not [first, last, count, sum, min, max] with whole times and count") }
            let slice = KeyState.Pane.start(of: first, width: width)
            guard first >= -timeBound, last <= timeBound, first <= last, slice == KeyState.Pane.start(of: last, width: width),
                count > 0, count < 1 << 53, min.isFinite, max.isFinite, min <= max,
                panes.last.map({ KeyState.Pane.start(of: $0.first, width: width) < slice }) ?? true
            else {
                throw RuleEngine.stateError(
                    "a pane has a reversed range or one wider than its slice, a time or count out of range, a value out of range, or is out of slice order")
            }
            panes.append(KeyState.Pane(first: first, last: last, count: count, sum: sum, min: min, max: max))
        }
        return panes
    }

    /// A cause as `encode` writes it, positions referring to `names` (the record's `symbols`), or as an object
    /// `{id, type, topic, partition, offset}` as records made before `symbols` have it.
    private mutating func cause(_ value: JSONValue?, _ names: [String?]) throws(RulesError) -> StoredCause {
        if let parts = value?.arrayValue {
            func name(_ position: JSONValue) throws(RulesError) -> UInt32 {
                guard let index = RuleEngine.whole(position, as: Int.self), names.indices.contains(index), let name = names[index] else {
                    throw RuleEngine.stateError("a cause names symbol \(JSONWriter.string(position)), which the record's symbols do not have")
                }
                return symbols.intern(name)
            }
            guard parts.count == 2 || parts.count == 5, let id = parts[0].stringValue else {
                throw RuleEngine.stateError("a cause is not [id, type] or [id, type, topic, partition, offset]")
            }
            var cause = StoredCause(id: id, type: try name(parts[1]), topic: StoredCause.noTopic, partition: 0, offset: 0)
            if parts.count == 5 {
                guard let partition = RuleEngine.whole(parts[3], as: Int32.self), let offset = RuleEngine.whole(parts[4], as: Int64.self) else {
                    throw RuleEngine.stateError("a cause's partition or offset is not a whole number in range")
                }
                (cause.topic, cause.partition, cause.offset) = (try name(parts[2]), partition, offset)
            }
            return cause
        }
        guard let id = value?[path: "id"]?.stringValue, let type = value?[path: "type"]?.stringValue else {
            throw RuleEngine.stateError("a cause has no id or type")
        }
        var cause = StoredCause(id: id, type: symbols.intern(type), topic: StoredCause.noTopic, partition: 0, offset: 0)
        if let topic = value?[path: "topic"]?.stringValue {
            cause.topic = symbols.intern(topic)
            cause.partition = RuleEngine.whole(value?[path: "partition"], as: Int32.self) ?? 0
            cause.offset = RuleEngine.whole(value?[path: "offset"], as: Int64.self) ?? 0
        }
        return cause
    }

    static func stateError(_ message: String) -> RulesError {
        RulesError(code: .invalidState, location: RuleSourceLocation(file: "state"), message: message)
    }
}

extension KeyState {
    /// Every window and member entry.
    var entries: [Entry] {
        switch body {
        case .running(let running): running.causes
        case .window(let entries): entries
        case .panedWindow(let window): window.entries
        case .members(let members): members.flatMap { $0 }
        default: []
        }
    }
}
