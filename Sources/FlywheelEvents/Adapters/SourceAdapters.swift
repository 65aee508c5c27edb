/// Turns payloads that other tools put on Kafka (Alertmanager, GitHub, S3, MLflow) into Flywheel events.
///
/// Meant for records that are not CloudEvents: `adapt(payload:)` finds the adapter that recognises the payload, in the
/// order of `all`, and lets it translate. The same payload always gives the same events, byte for byte.
public enum SourceAdapters {
    /// The adapters Flywheel knows, in the order they are tried.
    public static let all: [SourceAdapter] = [.alertmanager, .githubPush, .s3Notification, .mlflowRegistry]

    /// What the error says when no adapter recognises a payload.
    static let unrecognized =
        "not a CloudEvent and not a known source payload (Alertmanager v4, GitHub push, S3 notification, MLflow registry webhook)"

    /// The events for `payload`, a JSON document; empty when the payload is recognised but holds nothing Flywheel uses
    /// (an S3 notification of deleted objects only).
    ///
    /// An unrecognised payload throws `missingAttribute` for `specversion`; one that an adapter cannot translate
    /// throws with the JSON pointer of the offending field.
    public static func adapt(payload: [UInt8], limits: JSONLimits = JSONLimits()) throws(CloudEventDecodingError) -> [AdaptedEvent] {
        let value: JSONValue
        do {
            value = try JSONParser.parse(payload, limits: limits)
        } catch {
            throw CloudEventDecodingError(
                reason: CloudEventDecodingError.Reason(error.kind), field: error.pointer.isEmpty ? nil : error.pointer,
                detail: error.description)
        }
        guard let adapter = adapter(for: value) else {
            throw CloudEventDecodingError(reason: .missingAttribute, field: "specversion", detail: unrecognized)
        }
        return try adapter.adapt(value, original: payload)
    }

    /// The first adapter that recognises `payload`, if any.
    public static func adapter(for payload: JSONValue) -> SourceAdapter? {
        all.first { $0.recognises(payload) }
    }
}
