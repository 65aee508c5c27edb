import FlywheelEvents

/// A rule fired: the trigger to emit, where it goes, and why.
public struct RuleFiring: Sendable, Hashable {
    public var ruleID: String
    /// The rule's version (hash of its definition) when it fired.
    public var ruleVersion: String
    public var key: String
    /// Firing time, in milliseconds since the Unix epoch.
    public var time: Int64
    /// The trigger: a CloudEvent of `emit.type`, with `subject` = key, `ruleid` and `ruleversion` extensions, and
    /// `data` = the rendered `emit.data` plus `cause`.
    public var trigger: CloudEvent
    /// The topic of `emit.topic`.
    public var topic: String
    /// What the rule evaluated (aggregate, bound, window, ...), for the audit record.
    public var values: JSONObject
    /// The input events that led to the firing, oldest first.
    public var causes: [EventCause]
    /// Older causes left out of `causes`.
    public var omittedCauses: Int
    /// One sentence: why the rule fired.
    public var explanation: String
    /// Template paths that were missing from the event (rendered as null).
    public var missingTemplateValues: [String]

    /// `causes` as trigger and audit records carry them; the trigger's own copy when it has one (the engine puts
    /// it there from `causes`, after rendering the rule's `emit.data`, so rules cannot replace it), so that a firing's
    /// causes are made into JSON once. A firing whose `causes` were changed afterwards gets them made anew, unless
    /// the count is unchanged: change `trigger` with them.
    var causeJSON: JSONValue {
        .array(carriedCauses ?? causes.map(\.json))
    }

    /// The trigger's own `cause`, if it still matches `causes` (see `causeJSON`).
    private var carriedCauses: [JSONValue]? {
        guard case .object(let data)? = trigger.data, case .array(let carried)? = data["cause"], carried.count == causes.count else { return nil }
        return carried
    }

    /// The Kafka records of the trigger and of the audit record, keyed by the firing's key, in `mode`: the causes,
    /// which the two share and which make most of their bytes, are made into JSON once.
    public func records(codec: CloudEventKafkaCodec, mode: CloudEventKafkaCodec.ContentMode = .binary) -> (trigger: CloudEventRecord, audit: CloudEventRecord) {
        let causes = JSONWriter.bytes(causeJSON)
        // The trigger carries the same causes unless they were changed after the engine made it (see causeJSON).
        return (
            codec.encode(trigger, key: key, mode: mode, splicing: carriedCauses != nil ? [("cause", causes)] : []),
            codec.encode(audit, key: key, mode: mode, splicing: [("cause", causes)])
        )
    }

    /// The `trigger.audit` record of this firing: rule version, values, causes and explanation.
    public var audit: CloudEvent {
        // Distinct names, so the object is made in one go instead of looking each name up.
        var data: [JSONObject.Member] = [
            .init(key: "rule_id", value: .string(ruleID)),
            .init(key: "rule_version", value: .string(ruleVersion)),
            .init(key: "key", value: .string(key)),
            .init(key: "fired_at", value: .string(RFC3339.string(milliseconds: time))),
            .init(key: "trigger_id", value: .string(trigger.id)),
            .init(key: "trigger_type", value: .string(trigger.type)),
            .init(key: "trigger_topic", value: .string(topic)),
            .init(key: "values", value: .object(values)),
            .init(key: "cause", value: causeJSON),
        ]
        if omittedCauses > 0 { data.append(.init(key: "cause_omitted", value: .number(Double(omittedCauses)))) }
        data.append(.init(key: "explanation", value: .string(explanation)))
        if !missingTemplateValues.isEmpty {
            data.append(.init(key: "missing_template_values", value: .array(missingTemplateValues.map(JSONValue.string))))
        }
        return CloudEvent(
            id: TriggerIdentity.auditID(triggerID: trigger.id), source: trigger.source, type: "trigger.audit", subject: key,
            time: trigger.time, data: .object(JSONObject(uniqueMembers: data)), extensions: trigger.extensions)
    }
}
