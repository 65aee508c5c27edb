import FlywheelEvents

extension RuleEngine {
    /// `absent`: an accepted event later than the key's last one (re-)arms the key's deadline at time + silence.
    mutating func observe(rule index: Int, silence: Int64, key: String, input: RuleInput) {
        if let state = states[index][key], case .absence(let absence) = state.body, input.time <= absence.lastSeen {
            return
        }
        var state = states[index][key] ?? KeyState(body: .none)
        var queued: Int64?
        if case .absence(let previous) = state.body { queued = previous.queued }
        let values = templatePaths[index].map { input.event.value(at: $0) }
        if queued == nil {
            // One queue entry per key: a moved deadline is queued again when the earlier entry comes up.
            queued = input.time &+ silence
            deadlines.push(.init(time: queued!, rule: index, key: key))
        }
        state.body = .absence(
            KeyState.Absence(lastSeen: input.time, armed: true, cause: storedCause(input), values: values, queued: queued))
        setState(state, rule: index, key: key)
    }

    /// Fires every armed absence whose deadline the clock has reached, in deadline order.
    mutating func fireDueAbsences() -> [RuleFiring] {
        guard let clock else { return [] }
        return fireDueAbsences(upTo: clock)
    }

    /// Fires every armed absence with a deadline at or before `time`, in deadline order.
    mutating func fireDueAbsences(upTo time: Int64) -> [RuleFiring] {
        var firings: [RuleFiring] = []
        while let deadline = deadlines.popDue(at: time) {
            let rule = ruleSet.rules[deadline.rule]
            guard case .absent(let filter, let silence) = rule.logic, var state = states[deadline.rule][deadline.key],
                case .absence(var absence) = state.body, absence.queued == deadline.time
            else { continue }
            absence.queued = nil
            guard absence.armed else {
                state.body = .absence(absence)
                states[deadline.rule][deadline.key] = state
                continue
            }
            let due = absence.lastSeen &+ silence
            if due > deadline.time {
                // The key was seen again since this entry was queued: wait for the new deadline.
                absence.queued = due
                deadlines.push(.init(time: due, rule: deadline.rule, key: deadline.key))
                state.body = .absence(absence)
                states[deadline.rule][deadline.key] = state
                continue
            }
            absence.armed = false
            if coolingDown(rule, state, at: deadline.time) {
                statistics.suppressed += 1
            } else {
                var values = JSONObject()
                values["last_seen"] = .string(RFC3339.string(milliseconds: absence.lastSeen))
                values["silence"] = .string(DurationText.format(milliseconds: silence))
                let paths = templatePaths[deadline.rule]
                let stored = absence.values
                let explanation =
                    "no \(filter.types.joined(separator: " or ")) event for key \(deadline.key) for \(DurationText.format(milliseconds: silence)) since \(RFC3339.string(milliseconds: absence.lastSeen)) (last: \(absence.cause.id))"
                firings.append(
                    fire(
                        rule: deadline.rule, key: deadline.key, state: &state, time: deadline.time,
                        value: .number(Double(silence) / 1000), values: values, causes: [absence.cause], omitted: 0,
                        event: .stored { path in paths.firstIndex(of: path).flatMap { stored[$0] } },
                        explanation: explanation))
            }
            state.body = .absence(absence)
            setState(state, rule: deadline.rule, key: deadline.key)
        }
        return firings
    }
}
