import FlywheelEvents

extension RuleEngine {
    /// Where a firing's `{{ event.PATH }}` placeholders read from.
    enum TemplateEvent {
        case event(CloudEvent)
        /// An absence: the values kept from the key's last accepted event.
        case stored(([String]) -> JSONValue?)
    }

    /// Records the firing in the key's state and builds the trigger.
    mutating func fire(
        rule index: Int, key: String, state: inout KeyState, time: Int64, value: JSONValue, values: JSONObject,
        causes: [StoredCause], omitted: Int, event: TemplateEvent, explanation: String
    ) -> RuleFiring {
        let rule = ruleSet.rules[index]
        let ordinal = state.recordFiring(at: time)
        statistics.firings += 1
        statistics.firingsByRule[index] += 1

        let id = TriggerIdentity.triggerID(rule: rule.id, key: key, time: time, ordinal: ordinal)
        let timeText = RFC3339.string(milliseconds: time)
        let context = Template.Context(
            key: key, value: value, time: timeText, ruleID: rule.id, ruleVersion: rule.version,
            event: { path in
                switch event {
                case .event(let event): event.value(at: path)
                case .stored(let lookup): lookup(path)
                }
            })
        var missing: [String] = []
        var data = rule.emit.data.render(context, missing: &missing).objectValue ?? JSONObject()
        let causes = causes.map { cause in
            EventCause(
                id: cause.id, type: symbols.name(cause.type),
                origin: cause.topic == StoredCause.noTopic
                    ? nil : SourceCoordinates(topic: symbols.name(cause.topic), partition: cause.partition, offset: cause.offset))
        }
        data["cause"] = .array(causes.map(\.json))
        if omitted > 0 { data["cause_omitted"] = .number(Double(omitted)) }
        var extensions = ["ruleid": rule.id, "ruleversion": rule.version]
        // The trace of the event that fired the rule goes on with the trigger (W3C trace context, CloudEvents'
        // distributed tracing extension).
        if case .event(let firing) = event, let traceparent = firing.extensions["traceparent"] {
            extensions["traceparent"] = traceparent
            if let tracestate = firing.extensions["tracestate"] { extensions["tracestate"] = tracestate }
        }
        let trigger = CloudEvent(
            id: id, source: "/flywheel/rules/\(rule.id)", type: rule.emit.type, subject: key, time: timeText,
            data: .object(data), extensions: extensions)
        return RuleFiring(
            ruleID: rule.id, ruleVersion: rule.version, key: key, time: time, trigger: trigger, topic: rule.emit.topic,
            values: values, causes: causes, omittedCauses: omitted, explanation: explanation,
            missingTemplateValues: missing)
    }
}
