import FlywheelEvents
import FlywheelKafka
import FlywheelRules

/// An event re-keyed through the repartition topic: sent to the partition that owns its keys, evaluated there only
/// by the rules whose key for it is one of them.
///
/// The value is the event as a structured CloudEvent; headers carry the keys, the event time used, and where the
/// event was first read (for the triggers' `cause`).
struct RepartitionRecord {
    static let keysHeader = "flywheel_keys"
    static let timeHeader = "flywheel_time"
    static let topicHeader = "flywheel_source_topic"
    static let partitionHeader = "flywheel_source_partition"
    static let offsetHeader = "flywheel_source_offset"

    var input: RuleInput
    var keys: [String]

    func message(topic: String, partition: Int32) -> KafkaProducerMessage {
        var headers = [
            KafkaHeader(key: RepartitionRecord.keysHeader, value: JSONWriter.bytes(.array(keys.map(JSONValue.string)))),
            KafkaHeader(key: RepartitionRecord.timeHeader, value: Array(String(input.time).utf8)),
        ]
        if let origin = input.origin {
            headers += [
                KafkaHeader(key: RepartitionRecord.topicHeader, value: Array(origin.topic.utf8)),
                KafkaHeader(key: RepartitionRecord.partitionHeader, value: Array(String(origin.partition).utf8)),
                KafkaHeader(key: RepartitionRecord.offsetHeader, value: Array(String(origin.offset).utf8)),
            ]
        }
        return KafkaProducerMessage(
            topic: topic, partition: partition, key: Array(keys[0].utf8), value: EventLines.line(input.event), headers: headers)
    }

    /// Reads a consumed repartition record; nil if it is not one (it is then dead-lettered).
    init?(_ message: KafkaConsumerMessage, codec: CloudEventKafkaCodec) {
        func header(_ name: String) -> String? {
            message.headers.last(where: { $0.key == name })?.value.flatMap(String.init(validUTF8:))
        }
        guard let value = message.value, let keysText = header(RepartitionRecord.keysHeader),
            case .array(let keyValues)? = try? JSONParser.parse(keysText), let time = header(RepartitionRecord.timeHeader).flatMap({ Int64($0) }),
            let event = try? codec.decode(
                CloudEventRecord(key: nil, value: value, headers: [.init(name: "content-type", string: CloudEventKafkaCodec.structuredContentType)]))
        else { return nil }
        var origin: SourceCoordinates?
        if let topic = header(RepartitionRecord.topicHeader), let partition = header(RepartitionRecord.partitionHeader).flatMap({ Int32($0) }),
            let offset = header(RepartitionRecord.offsetHeader).flatMap({ Int64($0) })
        {
            origin = SourceCoordinates(topic: topic, partition: partition, offset: offset)
        }
        keys = keyValues.compactMap(\.stringValue)
        input = RuleInput(event: event, time: time, origin: origin)
        guard !keys.isEmpty else { return nil }
    }

    init(input: RuleInput, keys: [String]) {
        self.input = input
        self.keys = keys
    }
}
