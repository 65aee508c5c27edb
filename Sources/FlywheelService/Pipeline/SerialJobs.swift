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
}
