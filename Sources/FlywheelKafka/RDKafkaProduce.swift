internal import CRdKafka

/// The one place that hands a message to `rd_kafka_producev`.
enum RDKafkaProduce {
    /// Enqueues `message` on `topic` (a topic handle of the producer); the payload is copied.
    static func produce(
        _ handle: OpaquePointer, _ topic: OpaquePointer, _ message: KafkaProducerMessage, opaque: UnsafeMutableRawPointer?
    )
        -> rd_kafka_resp_err_t
    {
        var headers: OpaquePointer? = nil
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                if let value = header.value {
                    value.withUnsafeBytes { bytes in
                        _ = rd_kafka_header_add(headers, header.key, -1, bytes.baseAddress, bytes.count)
                    }
                } else {
                    _ = rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
            }
        }
        let err = withOptionalBytes(message.key) { key in
            withOptionalBytes(message.value) { value in
                flywheel_produce(
                    handle, topic, message.partition ?? RD_KAFKA_PARTITION_UA,
                    key.baseAddress, key.count, value.baseAddress, value.count,
                    headers, message.timestampMilliseconds ?? 0, opaque)
            }
        }
        // On success librdkafka owns the headers; on failure they are still ours.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return err
    }

    private static func withOptionalBytes<Result>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        guard let bytes else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return bytes.withUnsafeBytes(body)
    }
}

/// Topic handles for one `send` call: librdkafka looks a topic name up on every produce otherwise.
struct RDKafkaTopicHandles: ~Copyable {
    private let client: RDKafkaClient
    private var handles: [String: OpaquePointer] = [:]
    private var lastName: String?
    private var lastHandle: OpaquePointer?

    init(client: RDKafkaClient) {
        self.client = client
    }

    deinit {
        for handle in handles.values { rd_kafka_topic_destroy(handle) }
    }

    /// Gives `body` the client handle and the topic's handle; librdkafka's error if the topic name is unusable.
    mutating func withTopic(
        _ name: String, _ body: (OpaquePointer, OpaquePointer) -> rd_kafka_resp_err_t
    ) -> rd_kafka_resp_err_t {
        if name == lastName, let lastHandle { return client.withHandle { body($0, lastHandle) } }
        let handle: OpaquePointer
        if let existing = handles[name] {
            handle = existing
        } else {
            guard let created = client.withHandle({ rd_kafka_topic_new($0, name, nil) }) else {
                return rd_kafka_last_error()
            }
            handle = created
            handles[name] = handle
        }
        lastName = name
        lastHandle = handle
        return client.withHandle { body($0, handle) }
    }
}
