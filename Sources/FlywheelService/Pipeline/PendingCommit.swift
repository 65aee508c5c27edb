import FlywheelKafka

/// What evaluated batches (or an absence check) leave to send and commit.
package struct PendingCommit: Sendable {
    /// Triggers, audit records, dead letters and re-keyed events.
    package var records: [KafkaProducerMessage] = []
    /// The state records of the partitions that changed, oldest first; sent after `records` in at-least-once mode,
    /// since they say which input offsets the state includes.
    package var changelog: [KafkaProducerMessage] = []
    /// The input offsets to commit: per partition, the next one to read.
    var offsets: [KafkaTopicPartitionOffset] = []
    /// The rule ids of the triggers among `records`, one per trigger.
    var firedRules: [String] = []
    /// How many rebalances the pipeline had seen when it evaluated this: commits of different rebalance epochs are
    /// never merged.
    var epoch: UInt64 = 0
    /// The consumer group's identity and generation when the offsets were read, which the transaction commits them
    /// under: a commit that lands after the group moved on is fenced by the broker instead of overriding the new
    /// owner's offsets.
    var group: KafkaConsumerGroupMetadata?
    /// The consumer's count of revocations that went on without the pipeline when this was evaluated: if it grew
    /// before the commit, the commit is dropped (its partitions may have a new owner, who re-reads the records).
    var expiredRevocations: UInt64 = 0

    var isEmpty: Bool { records.isEmpty && changelog.isEmpty && offsets.isEmpty }

    /// Appends what a later batch left: its records after these, its offsets over these.
    mutating func append(_ later: PendingCommit) {
        group = group ?? later.group
        records += later.records
        changelog += later.changelog
        firedRules += later.firedRules
        guard !later.offsets.isEmpty else { return }
        var merged = Dictionary(offsets.map { ($0.topicPartition, $0.offset) }, uniquingKeysWith: { max($0, $1) })
        for offset in later.offsets { merged[offset.topicPartition] = max(merged[offset.topicPartition] ?? -1, offset.offset) }
        offsets = merged.sorted { $0.key < $1.key }.map { KafkaTopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
    }

    /// Keeps only the newest state record per state partition and key: the compacted topic would drop the others.
    mutating func compactChangelog() {
        struct Slot: Hashable {
            let partition: Int32?
            let key: [UInt8]?
        }
        var seen = Set<Slot>()
        seen.reserveCapacity(changelog.count)
        var kept: [KafkaProducerMessage] = []
        kept.reserveCapacity(changelog.count)
        for record in changelog.reversed() where seen.insert(Slot(partition: record.partition, key: record.key)).inserted {
            kept.append(record)
        }
        changelog = kept.reversed()
    }
}
