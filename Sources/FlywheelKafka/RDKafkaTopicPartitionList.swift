internal import CRdKafka

/// Converts between Swift partition lists and librdkafka's `rd_kafka_topic_partition_list_t`.
enum RDKafkaTopicPartitionList {
    /// Builds a list, gives it to `body`, and destroys it afterwards.
    static func with<Result>(
        _ entries: [KafkaTopicPartitionOffset],
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> Result
    ) rethrows -> Result {
        let list = rd_kafka_topic_partition_list_new(Int32(max(entries.count, 1)))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for entry in entries {
            let element = rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)!
            element.pointee.offset = entry.offset
        }
        return try body(list)
    }

    /// The entries of a list librdkafka owns.
    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [KafkaTopicPartitionOffset] {
        guard let list else { return [] }
        var result: [KafkaTopicPartitionOffset] = []
        result.reserveCapacity(Int(list.pointee.cnt))
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            result.append(
                KafkaTopicPartitionOffset(
                    topic: String(cString: element.topic), partition: element.partition, offset: element.offset))
        }
        return result
    }

    /// The first per-partition error in a list, if any.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?, code: KafkaError.Code, context: String)
        -> KafkaError?
    {
        guard let list else { return nil }
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                return .rd(
                    element.err, code: code,
                    context: "\(context) \(String(cString: element.topic))/\(element.partition)")
            }
        }
        return nil
    }
}
