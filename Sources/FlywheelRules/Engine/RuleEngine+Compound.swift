import FlywheelEvents

extension RuleEngine {
    /// At most this many events are kept per member of an `all` or `sequence` without a window.
    static let unwindowedMemberLimit = 100

    /// `all` and `sequence`: record the event for its member, then fire if every member has an event for the key in
    /// (t−D, t] since the last firing (for `sequence`, in member order by time).
    mutating func evaluateMembers(
        rule index: Int, member: Int, count: Int, ordered: Bool, within: Int64?, key: String, input: RuleInput,
        into firings: inout [RuleFiring]
    ) {
        let rule = ruleSet.rules[index]
        let (taken, slot) = takeState(rule: index, key: key) { KeyState(body: .members(Array(repeating: [], count: count))) }
        var state = consume taken  // the only reference, so changing it copies nothing
        guard case .members(var members) = state.body else {
            putState(state, slot)
            return
        }
        state.body = .none
        let entry = KeyState.Entry(time: input.time, sequence: sequence, value: 0, cause: storedCause(input))
        members[member].insertOrdered(entry)
        if let within {
            let latest = members.reduce(input.time) { Swift.max($0, $1.last?.time ?? $0) }
            let horizon = pruneHorizon(rule, window: within, latest: latest)
            for position in members.indices where members[position].first.map({ $0.time <= horizon }) == true {
                members[position].removeFirst(members[position].firstIndex(after: horizon))
            }
        } else if members[member].count > RuleEngine.unwindowedMemberLimit {
            members[member].removeFirst()
        }

        let time = input.time
        let lowest = within.map { time &- $0 } ?? .min
        var chosen: [KeyState.Entry] = []
        for position in members.indices {
            let list = members[position]
            let end = list.firstIndex(after: time)
            let start = list.firstIndex(after: lowest)
            guard start < end else { break }
            if ordered {
                // The earliest event after the previous member's keeps the most room for the members after it.
                guard let next = list[start..<end].first(where: { candidate in chosen.last.map { $0.precedes(candidate) } ?? true }) else { break }
                chosen.append(next)
            } else {
                // The latest event of this member that no earlier member took: one event fulfils one member.
                guard let latest = list[start..<end].last(where: { entry in !chosen.contains { $0.sequence == entry.sequence } }) else { break }
                chosen.append(latest)
            }
        }
        if chosen.count == count {
            if coolingDown(rule, state, at: time) {
                statistics.suppressed += 1
            } else {
                var values = JSONObject()
                values["members"] = .number(Double(count))
                if let within { values["within"] = .string(DurationText.format(milliseconds: within)) }
                values["events"] = .array(chosen.map { .string($0.cause.id) })
                let causes = chosen.sorted { $0.precedes($1) }.map(\.cause)
                let listed = chosen.map { "\($0.cause.id) (\(symbols.name($0.cause.type)))" }.joined(separator: ", ")
                let window = within.map { " within \(DurationText.format(milliseconds: $0))" } ?? " since the last firing"
                let explanation = ordered
                    ? "all \(count) members of the sequence arrived in order for key \(key)\(window): \(listed)"
                    : "all \(count) members arrived for key \(key)\(window): \(listed)"
                firings.append(
                    fire(
                        rule: index, key: key, state: &state, time: time, value: .number(Double(count)), values: values,
                        causes: causes, omitted: 0, event: .event(input.event), explanation: explanation))
                for position in members.indices {
                    members[position].removeFirst(members[position].firstIndex(after: time))
                }
            }
        }
        // After the evaluation, as a window's trim, so that a late event can complete the set before it goes; in
        // runs past the limit and an eighth, so that a busy member does not shift its events at every new one.
        if within != nil {
            let limit = Swift.max(RuleEngine.unwindowedMemberLimit, options.windowEventLimit / count)
            let excess = members[member].count - limit
            if excess > limit / 8 { members[member].removeFirst(excess) }
        }
        state.body = .members(members)
        putState(state, slot)
    }
}
