import FlywheelEvents
import FlywheelKafka
import FlywheelRules

/// The rule state of one partition number: the engine for the keys that partition owns, fed by that partition of
/// every input topic (events whose key belongs there) and of the repartition topic (events re-keyed to it).
///
/// A class: the pipeline changes it in place for every event, and a copy would retain all of its state.
final class PartitionTask {
    let partition: Int32
    /// Which assignment of the partition this is: a partition revoked and assigned again gets another number.
    let assignment: UInt64
    var engine: RuleEngine
    /// Per source topic, the offset of the last record whose effects the engine's state includes.
    var applied: [String: Int64] = [:]
    /// Whether the partition's inputs were read to their end once since its assignment. Until then the wall clock
    /// fires none of its absences: the backlog may hold the events that would have prevented them.
    var isCaughtUp = false
    /// Consecutive checks that found the partition's inputs read to their end and nothing buffered.
    var checksAtEnd = 0
    /// Where the partition's inputs ended (for read_committed) when first asked after the assignment: it has caught
    /// up once its position reaches them, however much arrived since.
    var catchUpTargets: [KafkaTopicPartition: Int64]?

    init(partition: Int32, assignment: UInt64, ruleSet: RuleSet) {
        self.partition = partition
        self.assignment = assignment
        engine = RuleEngine(ruleSet: ruleSet, options: RuleEngine.Options(tracksChanges: true))
    }

    /// Applies the changelog's records, oldest first (later records of a key replace earlier ones).
    func restore(from messages: [KafkaConsumerMessage]) throws(RulesError) {
        for message in messages {
            switch ChangelogRecord(message) {
            case .state(let rule, let key, let record):
                try engine.restore(rule: rule, key: key, record: record)
            case .position(let position, let applied):
                engine.restorePosition(position)
                self.applied.merge(applied) { Swift.max($0, $1) }
            case nil:
                continue
            }
        }
        engine.discardChanges()
    }

    /// The engine that continues with another rule set, keeping the state of the rules whose version is
    /// unchanged; `engine` stays as it is until the caller installs it.
    func engine(for ruleSet: RuleSet) throws(RulesError) -> RuleEngine {
        var replacement = try RuleEngine(ruleSet: ruleSet, options: engine.options, restoring: engine.snapshot())
        _ = replacement.takeChanges()
        return replacement
    }

    /// Whether the record's effects are already in the state (it is read again after a restart).
    func hasApplied(topic: String, offset: Int64) -> Bool {
        applied[topic].map { offset <= $0 } ?? false
    }

    /// A state record, by its rule and key, that is large for a Kafka record: `bytes` of key and value.
    struct LargeState {
        let rule: String
        let key: String
        let bytes: Int
    }

    /// The changelog records of what changed since the last call: the keys' states, then the position. The state
    /// records of more than `largeBytes` (key and value) are also added to `large`.
    func changelog(topic: String, largeBytes: Int, large: inout [LargeState]) -> [KafkaProducerMessage] {
        var messages: [KafkaProducerMessage] = []
        for change in engine.takeChanges() {
            let message = ChangelogRecord.state(rule: change.rule, key: change.key, record: change.record).message(topic: topic, partition: partition)
            let bytes = (message.key?.count ?? 0) + (message.value?.count ?? 0)
            if bytes > largeBytes { large.append(LargeState(rule: change.rule, key: change.key, bytes: bytes)) }
            messages.append(message)
        }
        messages.append(ChangelogRecord.position(engine: engine.positionRecord, applied: applied).message(topic: topic, partition: partition))
        return messages
    }
}
