import Logging
import Synchronization

enum FlywheelLogging {
    private static let bootstrapped = Atomic<Bool>(false)

    /// Sends logs to standard error at `level`; only the first call takes effect.
    static func bootstrap(level: Logger.Level) {
        guard !bootstrapped.exchange(true, ordering: .relaxed) else { return }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
