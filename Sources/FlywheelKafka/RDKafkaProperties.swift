internal import CRdKafka

/// librdkafka properties in the order they are applied, each remembering the configuration field it came from.
struct RDKafkaProperties: Sendable, CustomStringConvertible {
    struct Entry: Sendable {
        var key: String
        var value: String
        var field: String
        var isSecret: Bool
    }

    private(set) var entries: [Entry] = []

    /// Sets `key`; a later value replaces an earlier one (so pass-through properties win).
    mutating func set(_ key: String, _ value: String, field: String, isSecret: Bool = false) {
        let entry = Entry(
            key: key, value: value, field: field, isSecret: isSecret || RDKafkaProperties.looksSecret(key))
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index] = entry
        } else {
            entries.append(entry)
        }
    }

    subscript(key: String) -> String? { entries.first(where: { $0.key == key })?.value }

    /// The properties with every secret replaced, safe for logs.
    var description: String {
        entries.map { "\($0.key)=\($0.isSecret ? "<redacted>" : $0.value)" }.joined(separator: " ")
    }

    static func looksSecret(_ key: String) -> Bool {
        key.contains("password") || key.contains("secret") || key.hasSuffix(".pem") || key.contains("sasl.oauthbearer.config")
    }

    /// A new librdkafka configuration object holding these properties; the caller owns it.
    func makeConf() throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for entry in entries {
            let result = rd_kafka_conf_set(conf, entry.key, entry.value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let shown = entry.isSecret ? "<redacted>" : "'\(entry.value)'"
                throw KafkaError(
                    code: .configuration,
                    reason: "configuration field \(entry.field) (librdkafka property \(entry.key) = \(shown)): "
                        + String(cBuffer: errorText)
                )
            }
        }
        return conf
    }
}
