import FlywheelRules
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the rules when their files change or the process gets SIGHUP. A new rule set that does not validate is
/// rejected with its errors logged; the running one stays.
struct RuleReloader: Sendable {
    let configuration: ServeConfiguration
    let logger: Logger
    /// Called with a rule set that validated; it takes effect between two batches.
    let apply: @Sendable (RuleSet) async throws -> Void

    /// Watches until cancelled: polls the files' modification time and size every `interval`, and reacts to SIGHUP.
    func run(interval: Duration = .seconds(2)) async throws {
        var signature = RuleReloader.signature(of: configuration.ruleFiles)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let (changes, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { continuation.yield("SIGHUP") }
            }
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    continuation.yield("")
                }
            }
            for await cause in changes {
                let current = RuleReloader.signature(of: configuration.ruleFiles)
                guard cause == "SIGHUP" || current != signature else { continue }
                signature = current
                try await reload(because: cause.isEmpty ? "the rule files changed" : cause)
            }
            group.cancelAll()
        }
    }

    func reload(because cause: String) async throws {
        let rules: ServeRules
        do {
            rules = try ServeRules.load(configuration)
        } catch {
            logger.error(
                "The changed rules do not validate; the running rules stay",
                metadata: ["cause": "\(cause)", "errors": .array(error.diagnostics.map { .string($0.description) })])
            return
        }
        do {
            try await apply(rules.ruleSet)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.error("The new rules could not take over; the running rules stay", metadata: ["cause": "\(cause)", "error": "\(error)"])
            return
        }
        logger.info(
            "Rules reloaded",
            metadata: ["cause": "\(cause)", "rules": .array(rules.ruleSet.rules.map { .string("\($0.id)@\($0.version.prefix(12))") })])
    }

    /// Modification time and size of each file, to notice edits.
    static func signature(of files: [String]) -> [String] {
        files.map { file in
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            let date = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            return "\(file):\(date):\(size)"
        }
    }
}
