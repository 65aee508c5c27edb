import FlywheelEvents

extension RuleEngine {
    /// `each` and `any`: every accepted event fires, cooldown permitting.
    mutating func evaluateEach(rule index: Int, key: String, input: RuleInput, into firings: inout [RuleFiring]) {
        let rule = ruleSet.rules[index]
        let (taken, slot) = takeState(rule: index, key: key) { KeyState(body: .none) }
        var state = consume taken  // the only reference, so changing it copies nothing
        if coolingDown(rule, state, at: input.time) {
            statistics.suppressed += 1
        } else {
            var values = JSONObject()
            values["event"] = .string(input.event.id)
            let what = rule.filters.count > 1 ? "one of the members of any" : "the rule's filter"
            let cause = storedCause(input)
            firings.append(
                fire(
                    rule: index, key: key, state: &state, time: input.time, value: .number(1), values: values,
                    causes: [cause], omitted: 0, event: .event(input.event),
                    explanation: "event \(input.event.id) (\(input.event.type)) passed \(what) for key \(key)"))
        }
        putState(state, slot)
    }

    /// `threshold`: aggregate the key's accepted events (in the window, if any) and compare.
    mutating func evaluateThreshold(rule index: Int, threshold: Threshold, key: String, input: RuleInput, into firings: inout [RuleFiring]) {
        let rule = ruleSet.rules[index]
        var value = 1.0
        if let path = threshold.path {
            guard case .number(let number) = input.event.value(at: path) else {
                statistics.notNumeric += 1
                return
            }
            value = number
        }
        let entry = KeyState.Entry(time: input.time, sequence: sequence, value: value, cause: storedCause(input))
        if let within = threshold.within {
            let (taken, slot) = takeState(rule: index, key: key) { KeyState(body: .window([])) }
            var state = consume taken  // the only reference, so changing it copies nothing
            var window: KeyState.Window
            switch state.body {
            case .window(let entries): window = KeyState.Window(entries: entries)
            case .panedWindow(let paned): window = paned
            default:
                putState(state, slot)
                return
            }
            state.body = .none
            window.prune(upTo: pruneHorizon(rule, window: within, latest: Swift.max(window.latest ?? input.time, input.time)))
            window.entries.insertOrdered(entry)
            let exact = window.entries[window.entries.firstIndex(after: input.time &- within)..<window.entries.firstIndex(after: input.time)]
            let aggregate = Aggregated(exact, window.panes(after: input.time &- within, upTo: input.time), threshold.aggregate)
            if aggregate.value.isFinite, threshold.comparator.holds(aggregate.value, threshold.bound) {
                if coolingDown(rule, state, at: input.time) {
                    statistics.suppressed += 1
                } else {
                    let causes = exact.suffix(options.maxCauses).map(\.cause)
                    firings.append(
                        fireThreshold(
                            rule: index, threshold: threshold, key: key, state: &state, input: input, aggregate: aggregate,
                            causes: causes, omitted: aggregate.count - causes.count))
                    window.consume(upTo: input.time)
                }
            }
            // After the evaluation, so that a late event is listed among its own firing's causes.
            window.trim(width: KeyState.Window.paneWidth(within: within), limit: options.windowEventLimit)
            state.body = window.body
            putState(state, slot)
        } else {
            let (taken, slot) = takeState(rule: index, key: key) { KeyState(body: .running(KeyState.Running())) }
            var state = consume taken  // the only reference, so changing it copies nothing
            guard case .running(var running) = state.body else {
                putState(state, slot)
                return
            }
            state.body = .none
            guard (running.sum + value).isFinite else {
                // A sum beyond what a double holds cannot be compared; the event is counted as not numeric.
                statistics.notNumeric += 1
                state.body = .running(running)
                putState(state, slot)
                return
            }
            running.count += 1
            running.sum += value
            running.min = Swift.min(running.min, value)
            running.max = Swift.max(running.max, value)
            running.causes.insertOrdered(entry)
            if running.causes.count > options.maxCauses {
                running.causes.removeFirst()
                running.omitted += 1
            }
            let aggregate = Aggregated(running, threshold.aggregate)
            if aggregate.value.isFinite, threshold.comparator.holds(aggregate.value, threshold.bound) {
                if coolingDown(rule, state, at: input.time) {
                    statistics.suppressed += 1
                } else {
                    firings.append(
                        fireThreshold(
                            rule: index, threshold: threshold, key: key, state: &state, input: input, aggregate: aggregate,
                            causes: running.causes.map(\.cause), omitted: running.omitted))
                    running = KeyState.Running()
                }
            }
            state.body = .running(running)
            putState(state, slot)
        }
    }

    private mutating func fireThreshold(
        rule index: Int, threshold: Threshold, key: String, state: inout KeyState, input: RuleInput, aggregate: Aggregated,
        causes: [StoredCause], omitted: Int
    ) -> RuleFiring {
        var values = JSONObject()
        values["aggregate"] = .string(threshold.aggregate.name)
        if let path = threshold.path { values["field"] = .string(path.joined(separator: ".")) }
        values["value"] = .number(aggregate.value)
        values["comparator"] = .string(threshold.comparator.name)
        values["bound"] = .number(threshold.bound)
        values["events"] = .number(Double(aggregate.count))
        if let within = threshold.within { values["within"] = .string(DurationText.format(milliseconds: within)) }
        let subject = threshold.path.map { "\(threshold.aggregate.name) of \($0.joined(separator: "."))" } ?? "count"
        let window = threshold.within.map { " within \(DurationText.format(milliseconds: $0))" } ?? " since the last firing"
        var explanation =
            "\(subject) = \(JSONWriter.format(aggregate.value)) \(threshold.comparator.symbol) \(JSONWriter.format(threshold.bound)) over \(aggregate.count) event\(aggregate.count == 1 ? "" : "s") of key \(key)\(window)"
        // Said only when the window is past what it keeps one by one, so that an approximation is never silent.
        if aggregate.inPanes > 0, let within = threshold.within {
            statistics.approximatedByRule[index] += 1
            let width = DurationText.format(milliseconds: KeyState.Window.paneWidth(within: within))
            values["events_in_panes"] = .number(Double(aggregate.inPanes))
            values["pane_width"] = .string(width)
            explanation += " (\(aggregate.inPanes) of them counted in panes of \(width), whole panes inside the window only)"
        }
        return fire(
            rule: index, key: key, state: &state, time: input.time, value: .number(aggregate.value), values: values,
            causes: causes, omitted: omitted, event: .event(input.event), explanation: explanation)
    }
}

/// An aggregate's value over some entries.
struct Aggregated {
    var value: Double
    var count: Int
    /// How many of the events were counted through panes rather than one by one.
    var inPanes = 0

    /// Over exact entries and panes.
    init(_ entries: ArraySlice<KeyState.Entry>, _ panes: ArraySlice<KeyState.Pane>, _ aggregate: Threshold.Aggregate) {
        count = entries.count
        var sum = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        for pane in panes {
            count += pane.count
            inPanes += pane.count
            sum += pane.sum
            minimum = Swift.min(minimum, pane.min)
            maximum = Swift.max(maximum, pane.max)
        }
        for entry in entries {
            sum += entry.value
            minimum = Swift.min(minimum, entry.value)
            maximum = Swift.max(maximum, entry.value)
        }
        switch aggregate {
        case .count: value = Double(count)
        case .sum: value = sum
        case .avg: value = count == 0 ? 0 : sum / Double(count)
        case .min: value = count == 0 ? 0 : minimum
        default: value = count == 0 ? 0 : maximum
        }
    }

    init(_ running: KeyState.Running, _ aggregate: Threshold.Aggregate) {
        count = running.count
        switch aggregate {
        case .count: value = Double(running.count)
        case .sum: value = running.sum
        case .avg: value = running.count == 0 ? 0 : running.sum / Double(running.count)
        case .min: value = running.min
        default: value = running.max
        }
    }
}
