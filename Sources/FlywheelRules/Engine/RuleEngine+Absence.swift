import FlywheelEvents

extension RuleEngine {
    /// `absent`: an accepted event later than the key's last one (re-)arms the key's deadline at time + silence.
    mutating func observe(rule index: Int, silence: Int64, key: String, input: RuleInput) {
        if let state = states[index][key], case .absence(let absence) = state.body, input.time <= absence.lastSeen {
            return
        }
        var state = states[index][key] ?? KeyState(body: .none)
        let values = templatePaths[index].map { input.event.value(at: $0) }
        state.body = .absence(KeyState.Absence(lastSeen: input.time, armed: true, cause: storedCause(input), values: values))
        states[index][key] = state
        deadlines.push(.init(time: input.time &+ silence, rule: index, key: key))
    }

    /// Fires every armed absence whose deadline the clock has reached, in deadline order.
    mutating func fireDueAbsences() -> [RuleFiring] {
        guard let clock else { return [] }
        var firings: [RuleFiring] = []
        while let deadline = deadlines.popDue(at: clock) {
            let rule = ruleSet.rules[deadline.rule]
            guard case .absent(let filter, let silence) = rule.logic, let current = states[deadline.rule][deadline.key],
                case .absence(var absence) = current.body, absence.armed, absence.lastSeen &+ silence == deadline.time
            else { continue }
            var state = current
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
            states[deadline.rule][deadline.key] = state
        }
        return firings
    }
}
