import FlywheelKafka
import Foundation
import Foundation
import Logging
import Synchronization

/// Names unique to one test, so tests never share topics or groups.
public func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
}

/// A logger for tests: errors only; expected broker-down warnings would drown the output to standard error.
public func testLogger(_ label: String = "flywheel.test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["FLYWHEEL_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}

/// Fails with a clear message instead of hanging when `body` takes longer than `limit`.
public func withTimeout<Result: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        guard let first = try await group.next(), let result = first else {
            group.cancelAll()
            throw TestSupportError("timed out after \(limit): \(what)")
        }
        group.cancelAll()
        return result
    }
}

/// Runs a consumer and records what it hands out, storing offsets as it goes.
public final class ConsumerHarness: Sendable {
    public let consumer: KafkaConsumer
    private let recorder = Recorder()
    private let changes: AsyncStream<Void>
    private let task: Task<Void, any Error>

    private struct State {
        var messages: [KafkaConsumerMessage] = []
        var assignment: Set<KafkaTopicPartition> = []
        var revocations = 0
    }

    private final class Recorder: Sendable {
        let state = Mutex(State())
    }

    public init(consumer: KafkaConsumer, storeOffsets: Bool = true) {
        self.consumer = consumer
        let recorder = self.recorder
        let (changeStream, changes) = AsyncStream<Void>.makeStream()
        self.changes = changeStream
        task = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await consumer.run() }
                for try await event in consumer.events {
                    switch event {
                    case .messages(let messages):
                        recorder.state.withLock { $0.messages += messages }
                        if storeOffsets { consumer.storeOffsets(for: messages) }
                    case .partitionsAssigned(let partitions):
                        recorder.state.withLock { $0.assignment.formUnion(partitions) }
                    case .partitionsRevoked(let partitions), .partitionsLost(let partitions):
                        recorder.state.withLock {
                            $0.assignment.subtract(partitions)
                            $0.revocations += 1
                        }
                    }
                    changes.yield()
                }
                try await group.waitForAll()
            }
            changes.finish()
        }
    }

    public var messages: [KafkaConsumerMessage] { recorder.state.withLock { $0.messages } }
    public var assignment: Set<KafkaTopicPartition> { recorder.state.withLock { $0.assignment } }

    /// Waits until `condition` holds over what was received, or fails after `limit`.
    public func wait(
        for what: String, limit: Duration = .seconds(30), until condition: @escaping @Sendable (ConsumerHarness) -> Bool
    ) async throws {
        do {
            try await withTimeout(limit, what) {
                if condition(self) { return }
                for await _ in self.changes where condition(self) { return }
                throw TestSupportError("the consumer ended while waiting for \(what)")
            }
        } catch let error as TestSupportError {
            throw TestSupportError("\(error); have \(messages.count) messages, assignment \(assignment.sorted())")
        }
    }

    /// Gracefully stops the consumer (drain, commit, leave the group) and waits for it.
    public func stop() async throws {
        consumer.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "consumer shutdown") { [task] in try await task.value }
    }
}
