import ServiceLifecycle
import Synchronization

/// A one-way gate: tasks wait until it opens, and after that pass at once.
final class Latch: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let opened = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if opened { continuation.resume() }
        }
    }
}

/// Opens once: on graceful shutdown of the service group, on cancellation of the waiting task, or on `open()`.
final class ShutdownLatch: Sendable {
    private let latch = Latch()

    func open() { latch.open() }

    /// Suspends until the latch opens, graceful shutdown is triggered, or the task is cancelled.
    func wait() async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await latch.wait()
            } onCancel: {
                self.open()
            }
        } onGracefulShutdown: {
            self.open()
        }
    }
}
