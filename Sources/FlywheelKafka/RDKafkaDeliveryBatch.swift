internal import CRdKafka
import Synchronization

/// Collects the delivery reports of one `send` call and wakes the sender when the last one arrives.
///
/// Each message's librdkafka opaque points at its own slot in one buffer; every slot holds this batch's address,
/// so a report finds its batch and its index without an allocation, and records its outcome without a lock.
final class RDKafkaDeliveryBatch: Sendable {
    private struct Outcome {
        var partition: Int32
        var offset: Int64
        var err: rd_kafka_resp_err_t
    }

    let messages: [KafkaProducerMessage]
    private let remaining: Atomic<Int>
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)
    // Both buffers are written once per index (by the one report of that message) before `remaining` is
    // decremented, and read only after it reached zero; freed in deinit.
    nonisolated(unsafe) private let slots: UnsafeMutablePointer<UnsafeMutableRawPointer>
    nonisolated(unsafe) private let outcomes: UnsafeMutablePointer<Outcome>

    init(messages: [KafkaProducerMessage]) {
        self.messages = messages
        let capacity = max(messages.count, 1)
        remaining = Atomic(messages.count)
        slots = .allocate(capacity: capacity)
        outcomes = .allocate(capacity: capacity)
        slots.initialize(repeating: Unmanaged.passUnretained(self).toOpaque(), count: capacity)
    }

    deinit {
        slots.deallocate()
        outcomes.deallocate()
    }

    /// The opaque to hand librdkafka with message `index`; valid while the sender waits on this batch.
    func opaque(for index: Int) -> UnsafeMutableRawPointer {
        UnsafeMutableRawPointer(slots + index)
    }

    func complete(index: Int, partition: Int32, offset: Int64, err: rd_kafka_resp_err_t) {
        (outcomes + index).initialize(to: Outcome(partition: partition, offset: offset, err: err))
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            let continuation = waiter.withLock { waiter in
                defer { waiter = nil }
                return waiter
            }
            continuation?.resume()
        }
    }

    /// Waits until every message has its outcome.
    func wait() async {
        guard remaining.load(ordering: .acquiring) > 0 else { return }
        await withCheckedContinuation { continuation in
            waiter.withLock { $0 = continuation }
            // The last report may have come between the check above and registering.
            if remaining.load(ordering: .acquiring) == 0 {
                let pending = waiter.withLock { waiter in
                    defer { waiter = nil }
                    return waiter
                }
                pending?.resume()
            }
        }
    }

    /// The outcome of message `index`; call after `wait()`.
    func result(at index: Int) -> Result<KafkaDeliveryReport, KafkaError> {
        let outcome = outcomes[index]
        let topic = messages[index].topic
        if outcome.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            return .success(KafkaDeliveryReport(topic: topic, partition: outcome.partition, offset: outcome.offset))
        }
        return .failure(.rd(outcome.err, code: .delivery, context: "delivery to topic \(topic) failed"))
    }

    /// The delivery-report callback: finds the batch and index from the message's opaque slot.
    static let callback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let slot = opaque.assumingMemoryBound(to: UnsafeMutableRawPointer.self)
        let batch = Unmanaged<RDKafkaDeliveryBatch>.fromOpaque(slot.pointee).takeUnretainedValue()
        batch.complete(
            index: slot - batch.slots, partition: message.pointee.partition, offset: message.pointee.offset,
            err: message.pointee.err)
    }
}
