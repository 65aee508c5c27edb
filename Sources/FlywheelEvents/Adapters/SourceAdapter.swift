/// Recognises one tool's payload format and turns its payloads into Flywheel events.
///
/// The formats Flywheel knows are static members (`.alertmanager`, `.githubPush`, `.s3Notification`,
/// `.mlflowRegistry`); `SourceAdapters` picks the one that recognises a payload. Every event an adapter makes carries
/// the extension attribute `originaltype` set to the adapter's `name`.
public struct SourceAdapter: Sendable {
    /// What `originaltype` says on the events this adapter makes, e.g. `alertmanager`.
    public let name: String
    private let recogniser: @Sendable (JSONObject) -> Bool
    private let translator: @Sendable (PayloadObject) throws(CloudEventDecodingError) -> [(event: CloudEvent, key: String)]

    init(
        name: String,
        recognises: @escaping @Sendable (JSONObject) -> Bool,
        translate: @escaping @Sendable (PayloadObject) throws(CloudEventDecodingError) -> [(event: CloudEvent, key: String)]
    ) {
        self.name = name
        self.recogniser = recognises
        self.translator = translate
    }

    /// Whether `payload` has the shape of this adapter's format; it may still fail to adapt.
    public func recognises(_ payload: JSONValue) -> Bool {
        guard case .object(let object) = payload else { return false }
        return recogniser(object)
    }

    /// The events for `payload`, in payload order; `original` is the payload's bytes, kept on each event.
    ///
    /// Errors name the offending field as a JSON pointer into the payload (`/alerts/0/annotations/value`).
    public func adapt(_ payload: JSONValue, original: [UInt8]) throws(CloudEventDecodingError) -> [AdaptedEvent] {
        guard case .object(let object) = payload else {
            throw CloudEventDecodingError(reason: .notJSON, field: nil, detail: "a \(name) payload must be a JSON object")
        }
        return try translator(PayloadObject(object)).map { translated in
            var event = translated.event
            event.extensions[SourceAdapter.originalTypeAttribute] = name
            return AdaptedEvent(event: event, key: translated.key, original: original)
        }
    }

    /// Name of the extension attribute that records which adapter made an event.
    static let originalTypeAttribute = "originaltype"

    /// A Flywheel event of `type`, with JSON data and the `dataschema` of the type's v1 schema.
    static func event(type: String, id: String, source: String, subject: String, time: String?, data: JSONObject) -> CloudEvent {
        CloudEvent(
            id: id, source: source, type: type, subject: subject, time: time,
            dataschema: "https://flywheel.dev/schemas/\(type)/v1.json", data: .object(data))
    }
}
