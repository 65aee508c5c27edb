import Dispatch
import Synchronization

/// The back-pressured hand-over between the consumer's poll thread and the application's task.
///
/// The poll thread pushes events and blocks (on its own thread) while the buffer is full or while a revocation waits
/// to be acknowledged; the application pulls with `next()`. Asking for the next event acknowledges the previous one.
final class KafkaConsumerBuffer: Sendable {
    private enum Phase {
        case running
        /// No more fetching; buffered events are still handed out, then the sequence ends.
        case draining
        case finished
    }

    private struct State {
        var queue: [(sequence: UInt64, event: KafkaConsumerEvent, bytes: Int)] = []
        var head = 0
        var bufferedMessages = 0
        var bufferedBytes = 0
        var nextSequence: UInt64 = 1
        var deliveredSequence: UInt64 = 0
        var acknowledgedSequence: UInt64 = 0
        var phase = Phase.running
        var failure: KafkaError?
        var waiter: CheckedContinuation<KafkaConsumerEvent?, any Error>?
        var pollThreadWaiting = false
        var drainedWaiters: [CheckedContinuation<Void, Never>] = []
        var drained = false
        var rebalanceEvents: UInt64 = 0
        var expiredRevocations: UInt64 = 0

        var isEmpty: Bool { head == queue.count }

        /// Takes the next event; consecutive message batches are handed out as one, up to `mergeLimit` messages and
        /// `mergeLimitBytes` bytes, so that a trickle fetched a few messages at a time still reaches the application
        /// in batches.
        mutating func pop(mergeLimit: Int, mergeLimitBytes: Int) -> KafkaConsumerEvent {
            // A taken entry keeps no messages: the queue is compacted only now and then, and until then a taken
            // batch would stay in memory beside the application's copy.
            let bytes = queue[head].bytes
            var event = take()
            if case .messages(var messages) = event {
                var total = bytes
                while head < queue.count, case .messages(let more) = queue[head].event, messages.count + more.count <= mergeLimit,
                    total + queue[head].bytes <= mergeLimitBytes
                {
                    total += queue[head].bytes
                    _ = take()
                    messages += more
                }
                bufferedMessages -= messages.count
                bufferedBytes -= total
                event = .messages(messages)
            }
            if head > 64, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            return event
        }

        /// The entry at `head`, left empty in the queue.
        private mutating func take() -> KafkaConsumerEvent {
            deliveredSequence = queue[head].sequence
            let event = queue[head].event
            queue[head].event = .messages([])
            head += 1
            return event
        }

        /// Wakes the poll thread if it sleeps; call with the result after releasing the lock.
        mutating func takePollThreadWakeUp() -> Bool {
            defer { pollThreadWaiting = false }
            return pollThreadWaiting
        }
    }

    private let state = Mutex(State())
    private let pollThreadWakeUp = DispatchSemaphore(value: 0)
    let capacity: Int
    let capacityBytes: Int
    /// The most messages and bytes one `.messages` event hands out when consecutive batches are merged.
    let mergeLimit: Int
    let mergeLimitBytes: Int

    /// The poll thread waits while `capacity` messages or `capacityBytes` bytes (`KafkaConsumerMessage.byteCount`)
    /// are buffered.
    init(capacity: Int, capacityBytes: Int = .max, mergeLimit: Int = .max, mergeLimitBytes: Int = .max) {
        self.capacity = capacity
        self.capacityBytes = capacityBytes
        self.mergeLimit = mergeLimit
        self.mergeLimitBytes = mergeLimitBytes
    }

    // MARK: Poll-thread side

    /// Appends an event, whose messages hold `bytes` bytes (counted if not given); returns its sequence number, or
    /// nil once the buffer no longer accepts events.
    @discardableResult
    func push(_ event: KafkaConsumerEvent, bytes: Int? = nil) -> UInt64? {
        var counted = 0
        if case .messages(let messages) = event { counted = bytes ?? KafkaConsumerMessage.byteCount(of: messages) }
        let bytes = counted
        let (sequence, waiter): (UInt64?, CheckedContinuation<KafkaConsumerEvent?, any Error>?) = state.withLock { state in
            guard case .running = state.phase else { return (nil, nil) }
            let sequence = state.nextSequence
            state.nextSequence += 1
            if case .messages = event {} else { state.rebalanceEvents += 1 }
            if let waiter = state.waiter {
                state.waiter = nil
                state.deliveredSequence = sequence
                return (sequence, waiter)
            }
            state.queue.append((sequence, event, bytes))
            if case .messages(let messages) = event {
                state.bufferedMessages += messages.count
                state.bufferedBytes += bytes
            }
            return (sequence, nil)
        }
        waiter?.resume(returning: event)
        return sequence
    }

    /// Blocks the calling (poll) thread until there is room; false once the buffer no longer accepts events.
    func waitForRoom() -> Bool {
        while true {
            let outcome: Bool? = state.withLock { state in
                guard case .running = state.phase else { return false }
                if state.bufferedMessages < capacity, state.bufferedBytes < capacityBytes { return true }
                state.pollThreadWaiting = true
                return nil
            }
            if let outcome { return outcome }
            _ = pollThreadWakeUp.wait(timeout: .now() + .milliseconds(100))
        }
    }

    /// Blocks the calling (poll) thread until the application asked for the event after `sequence`, the buffer
    /// stopped, or `timeout` passed. Returns whether it was acknowledged.
    func waitForAcknowledgement(of sequence: UInt64, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            let done: Bool = state.withLock { state in
                if state.acknowledgedSequence >= sequence || state.drained { return true }
                guard case .running = state.phase else { return true }
                state.pollThreadWaiting = true
                return false
            }
            if done { return true }
            _ = pollThreadWakeUp.wait(timeout: .now() + .milliseconds(50))
        }
        return false
    }

    // MARK: Application side

    func next() async throws -> KafkaConsumerEvent? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Outcome {
                    case event(KafkaConsumerEvent)
                    case end(KafkaError?, [CheckedContinuation<Void, Never>])
                    case wait
                }
                let (outcome, wake): (Outcome, Bool) = state.withLock { state in
                    state.acknowledgedSequence = state.deliveredSequence
                    if !state.isEmpty {
                        let event = state.pop(mergeLimit: mergeLimit, mergeLimitBytes: mergeLimitBytes)
                        return (.event(event), state.takePollThreadWakeUp())
                    }
                    switch state.phase {
                    case .running:
                        if Task.isCancelled { return (.end(nil, []), state.takePollThreadWakeUp()) }
                        state.waiter = continuation
                        return (.wait, state.takePollThreadWakeUp())
                    case .draining, .finished:
                        state.drained = true
                        let waiters = state.drainedWaiters
                        state.drainedWaiters = []
                        return (.end(state.failure, waiters), state.takePollThreadWakeUp())
                    }
                }
                if wake { pollThreadWakeUp.signal() }
                switch outcome {
                case .event(let event): continuation.resume(returning: event)
                case .end(let failure, let drainedWaiters):
                    for waiter in drainedWaiters { waiter.resume() }
                    if let failure { continuation.resume(throwing: failure) } else { continuation.resume(returning: nil) }
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Held by the application's iterator; when the iterator goes away nobody will drain the buffer any more.
    final class ReaderLease: Sendable {
        let buffer: KafkaConsumerBuffer
        init(buffer: KafkaConsumerBuffer) { self.buffer = buffer }
        deinit { buffer.readerGone() }
    }

    private func readerGone() {
        let waiters = state.withLock { state in
            state.drained = true
            defer { state.drainedWaiters = [] }
            return state.drainedWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Life cycle

    /// Whether an event is waiting to be taken, so that `next()` would return without waiting.
    var hasBufferedEvents: Bool { state.withLock { !$0.isEmpty } }

    /// Messages the buffer still refers to, handed out or not (for tests: handed out ones must be none).
    var heldMessages: Int {
        state.withLock { state in
            state.queue.reduce(0) { count, entry in
                guard case .messages(let messages) = entry.event else { return count }
                return count + messages.count
            }
        }
    }

    /// The partitions of the messages waiting to be taken.
    var bufferedPartitions: Set<KafkaTopicPartition> {
        state.withLock { state in
            var partitions = Set<KafkaTopicPartition>()
            for entry in state.queue[state.head...] {
                guard case .messages(let messages) = entry.event else { continue }
                for message in messages where !partitions.contains(message.topicPartition) { partitions.insert(message.topicPartition) }
            }
            return partitions
        }
    }

    /// Rebalance events accepted so far; counted when accepted, before the application can take them.
    var rebalanceEvents: UInt64 { state.withLock { $0.rebalanceEvents } }

    /// Revocations the application did not acknowledge in time, after which the rebalance went on without it.
    var expiredRevocations: UInt64 { state.withLock { $0.expiredRevocations } }

    func noteExpiredRevocation() {
        state.withLock { $0.expiredRevocations += 1 }
    }

    /// The error the sequence ends with, if the consumer failed.
    var failure: KafkaError? { state.withLock { $0.failure } }

    /// Stops accepting events; what is buffered is still handed out, then the sequence ends.
    func beginDraining() {
        let (waiter, wake) = state.withLock { state -> (CheckedContinuation<KafkaConsumerEvent?, any Error>?, Bool) in
            if case .running = state.phase { state.phase = .draining }
            defer { state.waiter = nil }
            return (state.waiter, state.takePollThreadWakeUp())
        }
        if wake { pollThreadWakeUp.signal() }
        if let waiter {
            state.withLock { $0.drained = true }
            waiter.resume(returning: nil)
        }
    }

    /// Waits until the application has taken every buffered event (and was told the sequence ended), or `timeout`.
    func waitUntilDrained(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.state.withLock { state in
                        if state.drained || (state.isEmpty && state.waiter == nil && state.deliveredSequence == 0) {
                            return true
                        }
                        state.drainedWaiters.append(continuation)
                        return false
                    }
                    if done { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // Release a still-pending drained waiter so the first child can end.
            let waiters = self.state.withLock { state in
                state.drained = true
                defer { state.drainedWaiters = [] }
                return state.drainedWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Ends the sequence now (after a failure, with that error); buffered events are dropped from the hand-over,
    /// and since their offsets were never stored they are read again by whoever owns their partitions next.
    func finish(failure: KafkaError? = nil) {
        let (waiter, wake, drainedWaiters) = state.withLock { state in
            state.phase = .finished
            if state.failure == nil { state.failure = failure }
            state.queue = []
            state.head = 0
            state.bufferedMessages = 0
            state.bufferedBytes = 0
            let waiter = state.waiter
            state.waiter = nil
            if waiter != nil { state.drained = true }
            let drainedWaiters = state.drainedWaiters
            state.drainedWaiters = []
            return (waiter, state.takePollThreadWakeUp(), drainedWaiters)
        }
        if wake { pollThreadWakeUp.signal() }
        for drainedWaiter in drainedWaiters { drainedWaiter.resume() }
        if let waiter {
            if let failure { waiter.resume(throwing: failure) } else { waiter.resume(returning: nil) }
        }
    }
}
