import FlywheelKafka
import Logging

/// Where the pipeline's records go: a transactional producer (exactly-once) or an idempotent one (at-least-once).
enum PipelineOutput: Sendable {
    case transactional(KafkaTransactionalProducer)
    case idempotent(KafkaProducer)

    /// Sends the records and state changes with the input offsets: in one transaction (exactly-once), or all
    /// delivered before the offsets are stored (at-least-once).
    func commit(_ pending: PendingCommit, consumer: KafkaConsumer, metrics: ServiceMetrics, logger: Logger) async throws {
        // A revocation went on without the pipeline since this was evaluated: its partitions may have a new owner
        // (who re-reads the records after the last commit) or come back here (restored from that commit). Either
        // way, nothing of it may be written now.
        guard consumer.expiredRevocations == pending.expiredRevocations else {
            logger.warning(
                "Outputs of records read before a revocation that did not wait for them are not committed; the records are read again",
                metadata: ["records": "\(pending.records.count + pending.changelog.count)"])
            return
        }
        let started = ContinuousClock.now
        defer {
            logger.debug(
                "Committed", metadata: ["records": "\(pending.records.count + pending.changelog.count)", "took": "\(ContinuousClock.now - started)"])
        }
        switch self {
        case .transactional(let producer):
            let all = pending.records + pending.changelog
            do {
                let group = pending.offsets.isEmpty ? nil : try pending.group ?? consumer.groupMetadata()
                try await producer.withTransaction { producer in
                    if !all.isEmpty { _ = try await producer.send(all) }
                    if let group { try await producer.sendOffsets(pending.offsets, group: group) }
                }
                metrics.transactions(outcome: "committed").increment()
            } catch {
                metrics.transactions(outcome: "aborted").increment()
                throw ServiceError(code: .pipeline, message: "a transaction failed, so the pipeline stops; a restart resumes from the last commit: \(error)")
            }
        case .idempotent(let producer):
            // The state says which offsets it includes, so it goes only after everything it led to was delivered.
            if !pending.records.isEmpty { _ = try await producer.send(pending.records) }
            // State of partitions this instance no longer owns (a revocation that did not wait for this commit) is
            // not written: the new owner restored the state topic already, and a late record would override it.
            let owned = Set(((try? consumer.assignment()) ?? []).map(\.partition))
            let changelog = pending.changelog.filter { $0.partition.map(owned.contains) ?? false }
            if changelog.count < pending.changelog.count {
                logger.warning(
                    "State changes of revoked partitions not written; their new owner re-reads the records since the last commit",
                    metadata: ["records": "\(pending.changelog.count - changelog.count)"])
            }
            if !changelog.isEmpty { _ = try await producer.send(changelog) }
            consumer.storeOffsets(pending.offsets)
            // Committed now rather than at the next interval, so that a restart re-reads as little as possible.
            if !pending.offsets.isEmpty { consumer.commitStoredOffsetsSoon() }
        }
        if !pending.firedRules.isEmpty {
            logger.info(
                "Triggers sent",
                metadata: ["count": "\(pending.firedRules.count)", "rules": "\(Set(pending.firedRules).sorted().joined(separator: ","))"])
        }
    }

    /// Flushes and stops; the pipeline calls it after its last commit.
    func shutdown() async throws(KafkaError) {
        switch self {
        case .transactional(let producer): try await producer.shutdown()
        case .idempotent(let producer): try await producer.shutdown()
        }
    }
}
