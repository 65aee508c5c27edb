import Foundation
import Synchronization

/// A thread of its own for a loop that makes blocking librdkafka calls, so none runs on Swift's cooperative pool.
final class RDKafkaPollThread: Sendable {
    private let stopRequested = Atomic<Bool>(false)
    private let finished = Latch()

    /// Starts `iteration` in a loop on a new thread; the loop ends when `iteration` returns false or `stop()` is called.
    init(name: String, iteration: @escaping @Sendable () -> Bool) {
        let thread = Thread { [self] in
            while !self.stopRequested.load(ordering: .relaxed), iteration() {}
            self.finished.open()
        }
        thread.name = name
        thread.start()
    }

    func stop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Returns once the loop has ended.
    func waitUntilFinished() async {
        await finished.wait()
    }
}
