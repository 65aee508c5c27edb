import Synchronization

/// Commits evaluated batches in the order they were evaluated, on a task of its own, so that the next batch is
/// evaluated while the previous one's transaction (or delivery) is under way.
///
/// Whatever waits when the committer gets to it is merged into one commit (within one rebalance epoch): the slower
/// the broker, the larger the commits. At most `limit` evaluated batches wait; `submit` waits for room beyond that. The first failed commit is
/// final: every later `submit` and `drain` throws it, and `run` returns it.
final class BatchCommitter: Sendable {
    private enum Waiter {
        /// A submitter waiting until fewer than `limit` batches wait.
        case room(CheckedContinuation<Void, any Error>)
        /// Waiting until nothing waits and nothing is being committed.
        case idle(CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var pending: [PendingCommit] = []
        var committing = false
        var finished = false
        var failure: (any Error)?
        var worker: CheckedContinuation<Void, Never>?
        var waiters: [Waiter] = []

        /// Removes the waiters whose condition now holds (or who must fail), with what to resume them with.
        mutating func takeSatisfied(limit: Int) -> [(Waiter, (any Error)?)] {
            var satisfied: [(Waiter, (any Error)?)] = []
            var remaining: [Waiter] = []
            for waiter in waiters {
                let ready: Bool
                switch waiter {
                case .room: ready = failure != nil || pending.count < limit
                case .idle: ready = failure != nil || (pending.isEmpty && !committing)
                }
                if ready { satisfied.append((waiter, failure)) } else { remaining.append(waiter) }
            }
            waiters = remaining
            return satisfied
        }
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int = 2) {
        self.limit = limit
    }

    /// Queues a batch's outputs behind the earlier ones; waits while `limit` batches already wait.
    func submit(_ commit: PendingCommit) async throws {
        guard !commit.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let (worker, resume): (CheckedContinuation<Void, Never>?, (any Error)??) = state.withLock { state in
                if let failure = state.failure { return (nil, .some(failure)) }
                if state.finished { return (nil, .some(CancellationError())) }
                state.pending.append(commit)
                defer { state.worker = nil }
                if state.pending.count < limit { return (state.worker, .some(nil)) }
                state.waiters.append(.room(continuation))
                return (state.worker, nil)
            }
            worker?.resume()
            if let resume {
                if let error = resume { continuation.resume(throwing: error) } else { continuation.resume() }
            }
        }
    }

    /// Waits until everything submitted is committed; throws the failure that ended the committer.
    func drain() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let satisfied = state.withLock { state in
                state.waiters.append(.idle(continuation))
                return state.takeSatisfied(limit: limit)
            }
            Self.resume(satisfied)
        }
    }

    /// Takes no more batches; `run` returns once those already submitted are committed.
    func finish() {
        let worker = state.withLock { state in
            state.finished = true
            defer { state.worker = nil }
            return state.worker
        }
        worker?.resume()
    }

    /// Commits what is submitted, with `commit`, until `finish()`; throws the first error `commit` throws.
    func run(_ commit: (PendingCommit) async throws -> Void) async throws {
        while true {
            enum Step {
                case commit(PendingCommit)
                case wait
                case end
            }
            let (step, satisfied): (Step, [(Waiter, (any Error)?)]) = state.withLock { state in
                guard !state.pending.isEmpty else { return (state.finished ? .end : .wait, []) }
                // What waits is merged, as far as it belongs to the same rebalance epoch.
                var merged = state.pending[0]
                var count = 1
                while count < state.pending.count, state.pending[count].epoch == merged.epoch,
                    state.pending[count].expiredRevocations == merged.expiredRevocations
                {
                    merged.append(state.pending[count])
                    count += 1
                }
                if count > 1 { merged.compactChangelog() }
                state.pending.removeFirst(count)
                state.committing = true
                return (.commit(merged), state.takeSatisfied(limit: limit))
            }
            Self.resume(satisfied)
            switch step {
            case .end:
                return
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let wake = state.withLock { state in
                        guard state.pending.isEmpty, !state.finished else { return true }
                        state.worker = continuation
                        return false
                    }
                    if wake { continuation.resume() }
                }
            case .commit(let merged):
                do {
                    try await commit(merged)
                } catch {
                    Self.resume(state.withLock { state in
                        state.failure = error
                        state.committing = false
                        return state.takeSatisfied(limit: limit)
                    })
                    throw error
                }
                Self.resume(state.withLock { state in
                    state.committing = false
                    return state.takeSatisfied(limit: limit)
                })
            }
        }
    }

    private static func resume(_ satisfied: [(Waiter, (any Error)?)]) {
        for (waiter, failure) in satisfied {
            switch waiter {
            case .room(let continuation), .idle(let continuation):
                if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
            }
        }
    }
}
