extension KafkaConsumer {
    /// Asks the cluster for metadata once; throws a retriable `.connection` error when no broker answers within
    /// `timeout`.
    ///
    /// Runs off the cooperative pool. A broker that keeps its connections open but stops answering (a frozen
    /// process, a partitioned network) is noticed by the timeout, which connection state alone does not show.
    public func checkCluster(timeout: Duration = .seconds(2)) async throws(KafkaError) {
        try await client.probeCluster(timeout: timeout)
    }

    /// The lag of each assigned partition, from what librdkafka already knows (no request to the cluster).
    ///
    /// The position counts what the consumer fetched, including records buffered for the application but not
    /// processed yet, so the lag is what is still on the brokers.
    public func lag() throws(KafkaError) -> [KafkaPartitionLag] {
        try client.consumerLag()
    }
}
