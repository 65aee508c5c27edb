import FlywheelEvents
import FlywheelKafka

/// A record of the state topic, a compacted changelog: one key's state of one rule, or a partition's position.
///
/// Keys are JSON arrays, so that any rule key survives: `["state","<rule id>","<key>"]` and `["position"]`.
/// A state record's value is the engine's state record (null value: the state was removed); the position's value
/// holds the engine's clock and processing order and, per source topic, the offset of the last record whose
/// effects the partition's state includes.
enum ChangelogRecord {
    case state(rule: String, key: String, record: JSONValue?)
    case position(engine: JSONValue, applied: [String: Int64])

    func message(topic: String, partition: Int32) -> KafkaProducerMessage {
        switch self {
        case .state(let rule, let key, let record):
            return KafkaProducerMessage(
                topic: topic, partition: partition, key: JSONWriter.bytes(.array([.string("state"), .string(rule), .string(key)])),
                value: record.map(JSONWriter.bytes))
        case .position(let engine, let applied):
            var offsets = JSONObject()
            for (topic, offset) in applied.sorted(by: { $0.key < $1.key }) { offsets[topic] = .number(Double(offset)) }
            let value = JSONValue.object(JSONObject(["engine": engine, "applied": .object(offsets)]))
            return KafkaProducerMessage(
                topic: topic, partition: partition, key: JSONWriter.bytes(.array([.string("position")])),
                value: JSONWriter.bytes(value))
        }
    }

    /// Reads a consumed changelog record; nil for a record this version does not know.
    init?(_ message: KafkaConsumerMessage) {
        guard let keyBytes = message.key, case .array(let parts)? = try? JSONParser.parse(keyBytes) else { return nil }
        // The value is parsed only for a key this version knows.
        var value: JSONValue? { message.value.flatMap { try? JSONParser.parse($0) } }
        switch (parts.first?.stringValue, parts.count) {
        case ("state", 3):
            guard let rule = parts[1].stringValue, let key = parts[2].stringValue else { return nil }
            self = .state(rule: rule, key: key, record: value)
        case ("position", 1):
            guard let value, let engine = value[path: "engine"] else { return nil }
            var applied: [String: Int64] = [:]
            for member in value[path: "applied"]?.objectValue ?? JSONObject() {
                if let offset = member.value.numberValue { applied[member.key] = Int64(offset) }
            }
            self = .position(engine: engine, applied: applied)
        default:
            return nil
        }
    }
}
