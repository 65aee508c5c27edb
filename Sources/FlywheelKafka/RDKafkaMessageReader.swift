internal import CRdKafka
import Synchronization

/// Reads batches from a consumer queue into Swift messages; used by a consumer's poll thread, or by one read of a
/// partition reader on its serial blocking queue.
// `consumeBatch` never runs concurrently with itself, so the topic-name and header caches need no lock; the revoked
// set, which the rebalance callback writes, has one.
final class RDKafkaMessageReader: @unchecked Sendable {
    enum Outcome {
        case messages([KafkaConsumerMessage])
        case fatal(KafkaError)
    }

    /// What a batch holds besides messages, for a caller that wants it instead of the default (EOFs skipped,
    /// errors logged as warnings).
    enum PartitionEvent {
        /// The end of a partition was reached (`enable.partition.eof`); the offset is the next one to be written.
        case end(KafkaTopicPartitionOffset)
        /// A non-fatal consumer error; `partition` is nil when it concerns the client or a broker.
        case error(KafkaError, partition: KafkaTopicPartition?)
    }

    private var topicNames: [OpaquePointer: String] = [:]
    /// The headers of the last message that had any: the next message with the same ones shares their storage.
    private var lastHeaders: [KafkaHeader] = []
    private let revokedDuringBatch = Mutex<Set<KafkaTopicPartition>>([])

    /// Called by the rebalance callback, which librdkafka may run in the middle of a batch: messages of these
    /// partitions in the current batch must not reach the application after their revocation. They were never
    /// stored, so their next owner reads them.
    func partitionsRevoked(_ partitions: [KafkaTopicPartition]) {
        revokedDuringBatch.withLock { $0.formUnion(partitions) }
    }
    private var pointers: [UnsafeMutablePointer<rd_kafka_message_t>?] = []

    /// Returns up to `maxCount` messages: those already queued, or, if none is, the first to arrive within
    /// `timeoutMilliseconds` and those queued with it.
    func consumeBatch(
        from queue: OpaquePointer, client: RDKafkaClient, maxCount: Int, timeoutMilliseconds: Int32 = 100,
        partitionEvents: ((PartitionEvent) -> Void)? = nil
    ) -> Outcome {
        if pointers.count < maxCount { pointers = Array(repeating: nil, count: maxCount) }
        // librdkafka's batch call waits for `maxCount` messages or the timeout, whichever is first; at a trickle that
        // would hold every message for the whole timeout. So: take what is queued; if nothing is, wait for one
        // message, then take what came with it.
        let count = pointers.withUnsafeMutableBufferPointer { buffer -> Int in
            let queued = rd_kafka_consume_batch_queue(queue, 0, buffer.baseAddress, maxCount)
            guard queued == 0 else { return queued }
            let first = rd_kafka_consume_batch_queue(queue, timeoutMilliseconds, buffer.baseAddress, 1)
            guard first == 1, maxCount > 1 else { return first }
            let rest = rd_kafka_consume_batch_queue(queue, 0, buffer.baseAddress! + 1, maxCount - 1)
            return rest < 0 ? 1 : 1 + rest
        }
        let revoked = revokedDuringBatch.withLock { revoked in
            defer { revoked = [] }
            return revoked
        }
        guard count > 0 else { return .messages([]) }
        var messages: [KafkaConsumerMessage] = []
        messages.reserveCapacity(count)
        var fatal: KafkaError?
        for index in 0..<count {
            guard let pointer = pointers[index] else { continue }
            defer { rd_kafka_message_destroy(pointer) }
            let message = pointer.pointee
            let topic = topicName(message.rkt)
            if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    partitionEvents?(.end(KafkaTopicPartitionOffset(topic: topic, partition: message.partition, offset: message.offset)))
                    continue
                }
                let error = KafkaError.rd(
                    message.err, code: .consumer,
                    context: "consumer error at \(topic)/\(message.partition)@\(message.offset)")
                if message.err == RD_KAFKA_RESP_ERR__FATAL {
                    fatal = client.fatalError(code: .consumer) ?? error
                } else if let partitionEvents {
                    let partition = message.rkt == nil ? nil : KafkaTopicPartition(topic: topic, partition: message.partition)
                    partitionEvents(.error(error, partition: partition))
                } else {
                    client.logger.warning(
                        "Consumer error",
                        metadata: [
                            LogKey.topic: "\(topic)", LogKey.partition: "\(message.partition)",
                            LogKey.offset: "\(message.offset)", LogKey.error: "\(error)",
                        ])
                }
                continue
            }
            if !revoked.isEmpty, revoked.contains(KafkaTopicPartition(topic: topic, partition: message.partition)) {
                continue
            }
            messages.append(
                KafkaConsumerMessage(
                    topic: topic,
                    partition: message.partition,
                    offset: message.offset,
                    key: bytes(message.key, message.key_len),
                    value: bytes(message.payload, message.len),
                    headers: headers(pointer),
                    timestampMilliseconds: timestamp(pointer)
                ))
        }
        if let fatal { return .fatal(fatal) }
        return .messages(messages)
    }

    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let name = topicNames[topic] { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        return name
    }

    private func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The message's headers. Messages of one producer mostly carry the same ones (a content type, say): those equal
    /// to the previous message's, byte for byte, are that message's array, shared, instead of two allocations each.
    private func headers(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return [] }
        let count = rd_kafka_header_cnt(headers)
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        if count > 0, count == lastHeaders.count, lastHeaders.indices.allSatisfy({ index in
            rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR
                && Self.equal(lastHeaders[index], name: name, value: value, size: size)
        }) {
            return lastHeaders
        }
        var result: [KafkaHeader] = []
        result.reserveCapacity(count)
        var index = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            result.append(
                KafkaHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        lastHeaders = result
        return result
    }

    /// Whether `header` is the one librdkafka gives as `name` (NUL-terminated), `value` and `size`.
    private static func equal(_ header: KafkaHeader, name: UnsafePointer<CChar>?, value: UnsafeRawPointer?, size: Int) -> Bool {
        guard let name else { return false }
        var length = 0
        for byte in header.key.utf8 {
            guard name[length] == CChar(bitPattern: byte) else { return false }
            length += 1
        }
        guard name[length] == 0 else { return false }
        switch (header.value, value) {
        case (nil, nil): return true
        case (let bytes?, let value?): return bytes.count == size && bytes.elementsEqual(UnsafeRawBufferPointer(start: value, count: size))
        default: return false
        }
    }

    private func timestamp(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> Int64? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(message, &type)
        return type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : value
    }
}
