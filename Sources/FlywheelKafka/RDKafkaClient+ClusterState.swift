internal import CRdKafka

extension RDKafkaClient {
    /// Asks the cluster for metadata (brokers and the topics this client knows) once, on the blocking queue.
    ///
    /// A broker that keeps its connections open but stops answering is noticed here, by the timeout; connection
    /// state alone would not show it.
    func probeCluster(timeout: Duration) async throws(KafkaError) {
        let milliseconds = Int32(max(1, timeout.milliseconds))
        let err = await runBlocking { handle -> rd_kafka_resp_err_t in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(handle, 0, nil, &metadata, milliseconds)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return err
        }
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        var reason = String(cString: rd_kafka_err2str(err))
        // Without a usable connection librdkafka only says "transport failure"; the error callback knows why.
        if err != RD_KAFKA_RESP_ERR__TIMED_OUT, let last = callbacks.lastBrokerError {
            reason += " (last broker error: \(last))"
        }
        throw KafkaError(
            code: .connection,
            reason: "no broker of \(bootstrapServers) answered within \(timeout.secondsText): \(reason)",
            librdkafkaErrorName: String(cString: rd_kafka_err2name(err)),
            isRetriable: true)
    }

    /// Per assigned partition, librdkafka's last known high watermark and the consumer's position.
    ///
    /// Where no record was handed to the application since the assignment, the position is the group's committed
    /// offset (one request, bounded by `timeout`), or the end of a partition that holds no records.
    func consumerLag(timeout: Duration) async throws(KafkaError) -> [KafkaPartitionLag] {
        let milliseconds = Int32(max(1, timeout.milliseconds))
        let result: Result<[KafkaPartitionLag], KafkaError> = await runBlocking { handle in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle, &list)
            defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { return .failure(.rd(err, code: .consumer, context: "cannot read assignment")) }
            guard let list else { return .success([]) }
            let positionErr = rd_kafka_position(handle, list)
            if positionErr != RD_KAFKA_RESP_ERR_NO_ERROR {
                return .failure(.rd(positionErr, code: .consumer, context: "cannot read positions"))
            }
            var lags = RDKafkaTopicPartitionList.read(list).map { entry in
                var low: Int64 = -1
                var high: Int64 = -1
                let known = rd_kafka_get_watermark_offsets(handle, entry.topic, entry.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR
                    && high >= 0
                let position = entry.offset >= 0 ? entry.offset : (known && low == high ? high : nil)
                return KafkaPartitionLag(topicPartition: entry.topicPartition, highWatermark: known ? high : nil, position: position)
            }
            let unpositioned = lags.filter { $0.position == nil && $0.highWatermark != nil }.map {
                KafkaTopicPartitionOffset(topic: $0.topicPartition.topic, partition: $0.topicPartition.partition, offset: -1001)
            }
            guard !unpositioned.isEmpty else { return .success(lags) }
            let committed = RDKafkaTopicPartitionList.with(unpositioned) { committedList in
                rd_kafka_committed(handle, committedList, milliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR
                    ? RDKafkaTopicPartitionList.read(committedList) : []
            }
            for entry in committed where entry.offset >= 0 {
                if let index = lags.firstIndex(where: { $0.topicPartition == entry.topicPartition }) { lags[index].position = entry.offset }
            }
            return .success(lags)
        }
        return try result.get()
    }
}

extension RDKafkaClient {
    /// Each partition's end as the broker answers a ListOffsets request now, with this client's isolation level
    /// (read_committed: the last stable offset); partitions that cannot be asked within `timeout` are left out.
    func endOffsets(of partitions: [KafkaTopicPartition], timeout: Duration) async -> [KafkaTopicPartition: Int64] {
        let milliseconds = Int32(max(1, timeout.milliseconds))
        return await runBlocking { handle in
            var ends: [KafkaTopicPartition: Int64] = [:]
            for partition in partitions {
                var low: Int64 = -1
                var high: Int64 = -1
                if rd_kafka_query_watermark_offsets(handle, partition.topic, partition.partition, &low, &high, milliseconds)
                    == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0
                {
                    ends[partition] = high
                }
            }
            return ends
        }
    }
}
