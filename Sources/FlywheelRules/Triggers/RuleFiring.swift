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

    /// The `trigger.audit` record of this firing: rule version, values, causes and explanation.
    public var audit: CloudEvent {
        var data = JSONObject()
        data["rule_id"] = .string(ruleID)
        data["rule_version"] = .string(ruleVersion)
        data["key"] = .string(key)
        data["fired_at"] = .string(RFC3339.string(milliseconds: time))
        data["trigger_id"] = .string(trigger.id)
        data["trigger_type"] = .string(trigger.type)
        data["trigger_topic"] = .string(topic)
        data["values"] = .object(values)
        data["cause"] = .array(causes.map(\.json))
        if omittedCauses > 0 { data["cause_omitted"] = .number(Double(omittedCauses)) }
        data["explanation"] = .string(explanation)
        if !missingTemplateValues.isEmpty { data["missing_template_values"] = .array(missingTemplateValues.map(JSONValue.string)) }
        return CloudEvent(
            id: TriggerIdentity.auditID(triggerID: trigger.id), source: trigger.source, type: "trigger.audit", subject: key,
            time: trigger.time, data: .object(data), extensions: trigger.extensions)
    }
}
