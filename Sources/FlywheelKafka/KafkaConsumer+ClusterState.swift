extension KafkaConsumer {
    /// Asks the cluster for metadata once; throws a retriable `.connection` error when no broker answers within
    /// `timeout`.
    ///
    /// Runs off the cooperative pool. A broker that keeps its connections open but stops answering (a frozen
    /// process, a partitioned network) is noticed by the timeout, which connection state alone does not show.
    public func checkCluster(timeout: Duration = .seconds(2)) async throws(KafkaError) {
        try await client.probeCluster(timeout: timeout)
    }

    /// The lag of each assigned partition, from the high watermarks of the last fetch responses.
    ///
    /// The position counts what the consumer fetched, including records buffered for the application but not
    /// processed yet, so the lag is what is still on the brokers. Partitions that handed no record to the
    /// application since their assignment take the group's committed offset, asked for within `timeout`.
    public func lag(timeout: Duration = .seconds(2)) async throws(KafkaError) -> [KafkaPartitionLag] {
        try await client.consumerLag(timeout: timeout)
    }

    /// Each partition's end as the cluster answers now: with `.readCommitted` isolation the last stable offset, the
    /// furthest this consumer can read. Partitions whose end is not known within `timeout` are left out.
    public func endOffsets(of partitions: [KafkaTopicPartition], timeout: Duration = .seconds(2)) async -> [KafkaTopicPartition: Int64] {
        await client.endOffsets(of: partitions, timeout: timeout)
    }
}
