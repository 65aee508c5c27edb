import ArgumentParser
import Logging
import Synchronization

enum FlywheelLogging {
    /// How log lines look.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// One line of text per event (swift-log's stream format).
        case text
        /// One JSON object per line, for log collectors.
        case json
    }

    private static let bootstrapped = Atomic<Bool>(false)

    /// Sends logs to standard error at `level`; only the first call takes effect.
    static func bootstrap(level: Logger.Level, format: Format = .text) {
        guard !bootstrapped.exchange(true, ordering: .relaxed) else { return }
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
