import Synchronization

/// Runs jobs one at a time, in the order they were submitted, on the task that calls `run()`.
///
/// The pipeline's batches and its wall-clock timer both change the rule state; they go through here so that one
/// never interleaves with the other, not even across the awaits of a Kafka transaction.
final class SerialJobs: Sendable {
    typealias Job = @Sendable () async -> Void

    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    /// Runs submitted jobs until `finish()`.
    func run() async {
        for await job in stream { await job() }
    }

    /// Stops taking jobs; `run()` returns after the jobs already submitted.
    func finish() {
        continuation.finish()
    }

    /// Runs `body` after the jobs submitted before it, and returns its result.
    func perform<Result: Sendable>(_ body: @escaping @Sendable () async throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Result, any Error>) in
            let submitted = continuation.yield {
                do {
                    done.resume(returning: try await body())
                } catch {
                    done.resume(throwing: error)
                }
            }
            if case .terminated = submitted { done.resume(throwing: CancellationError()) }
        }
    }

    /// Queues `body` behind the jobs submitted before it without waiting for it; the returned completion says when
    /// it ran and how it ended.
    func submit(_ body: @escaping @Sendable () async throws -> Void) -> JobCompletion {
        let completion = JobCompletion()
        let submitted = continuation.yield {
            do {
                try await body()
                completion.finish(nil)
            } catch {
                completion.finish(error)
            }
        }
        if case .terminated = submitted { completion.finish(CancellationError()) }
        return completion
    }
}

/// The end of a job queued with `SerialJobs.submit`: waited for by any number of tasks.
final class JobCompletion: Sendable {
    private enum State {
        case running([CheckedContinuation<Void, any Error>])
        case finished((any Error)?)
    }

    private let state = Mutex(State.running([]))

    func finish(_ error: (any Error)?) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            guard case .running(let waiters) = state else { return [] }
            state = .finished(error)
            return waiters
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    /// Returns once the job has run; throws what it threw.
    func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let finished: (any Error)?? = state.withLock { state in
                switch state {
                case .running(let waiters):
                    state = .running(waiters + [continuation])
                    return nil
                case .finished(let error):
                    return .some(error)
                }
            }
            if let finished {
                if let error = finished { continuation.resume(throwing: error) } else { continuation.resume() }
            }
        }
    }
}
