import Foundation
import Synchronization

/// A thread of its own for a loop that makes blocking librdkafka calls, so none runs on Swift's cooperative pool.
final class RDKafkaPollThread: Sendable {
    private struct State {
        var stopRequested = false
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Starts `iteration` in a loop on a new thread; the loop ends when `iteration` returns false or `stop()` is called.
    init(name: String, iteration: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in
            while !self.isStopRequested, iteration() {}
            let waiters = self.state.withLock { state in
                state.finished = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = name
        thread.start()
    }

    var isStopRequested: Bool { state.withLock { $0.stopRequested } }

    func stop() {
        state.withLock { $0.stopRequested = true }
    }

    /// Returns once the loop has ended.
    func waitUntilFinished() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.finished { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
