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

    /// Per assigned partition, librdkafka's last known high watermark and the consumer's position; no request.
    func consumerLag() throws(KafkaError) -> [KafkaPartitionLag] {
        try withHandle { (handle) throws(KafkaError) in
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let err = rd_kafka_assignment(handle, &list)
            defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(err, code: .consumer, context: "cannot read assignment") }
            guard let list else { return [] }
            let positionErr = rd_kafka_position(handle, list)
            if positionErr != RD_KAFKA_RESP_ERR_NO_ERROR { throw .rd(positionErr, code: .consumer, context: "cannot read positions") }
            return RDKafkaTopicPartitionList.read(list).map { entry in
                var low: Int64 = -1
                var high: Int64 = -1
                let watermarkErr = rd_kafka_get_watermark_offsets(handle, entry.topic, entry.partition, &low, &high)
                let known = watermarkErr == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0
                return KafkaPartitionLag(
                    topicPartition: entry.topicPartition, highWatermark: known ? high : nil, position: entry.offset >= 0 ? entry.offset : nil)
            }
        }
    }
}
