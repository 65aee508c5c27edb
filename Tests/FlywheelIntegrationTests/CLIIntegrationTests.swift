import FlywheelKafka
import FlywheelTestSupport
import Foundation
import Testing

@Suite("The flywheel command against Tansu", .timeLimit(.minutes(2)))
struct CLIIntegrationTests {
    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func waitForLines(_ path: String, count: Int, process: ChildProcess) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while lines(path).count < count {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw TestSupportError("expected \(count) lines in \(path), have \(lines(path).count)")
            }
            // Another process's output is no event to await here; poll the file.
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test("SIGTERM makes `flywheel consume` finish its batch, commit, leave the group and exit 0")
    func gracefulShutdownOnSIGTERM() async throws {
        let context = try await TansuContext.start()
        let topic = try await context.createTopic("cli")
        let group = uniqueName("cli-group")
        let producer = try await context.producer()
        try await producer.send((0..<30).map { KafkaProducerMessage(topic: topic, key: "k\($0)", value: "first-\($0)") })

        let flywheel = try BuiltProducts.executable("flywheel")
        let output = NSTemporaryDirectory() + uniqueName("consume") + ".jsonl"
        let arguments = [
            flywheel, "consume", "--bootstrap-servers", context.broker.bootstrapServers, "--topic", topic, "--group", group,
            "--session-timeout", "6",
        ]
        let consume = try ChildProcess(arguments, standardOutput: output)
        try await waitForLines(output, count: 30, process: consume)
        consume.signal(SIGTERM)
        let status = try await consume.waitForExit(timeout: .seconds(10))
        #expect(status == 0)
        let firstRun = lines(output)
        #expect(firstRun.count == 30)
        let topicField = "\"topic\":\"\(topic)\""
        let wellFormed = firstRun.filter { line in line.contains(topicField) && line.contains("first-") }
        #expect(wellFormed.count == 30)

        let committed = try await context.admin.listConsumerGroupOffsets(
            group: group, partitions: (0..<4).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) })
        let committedTotal: Int64 = committed.map(\.offset).filter { $0 > 0 }.reduce(0, +)
        #expect(committedTotal == 30)

        // The next member of the group starts where the first stopped.
        try await producer.send((0..<10).map { KafkaProducerMessage(topic: topic, key: "k\($0)", value: "second-\($0)") })
        let secondOutput = NSTemporaryDirectory() + uniqueName("consume") + ".jsonl"
        let again = try ChildProcess(arguments + ["--max-messages", "10"], standardOutput: secondOutput)
        let againStatus = try await again.waitForExit(timeout: .seconds(30))
        #expect(againStatus == 0)
        let secondRun = lines(secondOutput)
        #expect(secondRun.count == 10)
        #expect(secondRun.allSatisfy { $0.contains("second-") })
        try await producer.shutdown()
    }

    @Test("an unreachable broker makes `flywheel consume` fail with a message naming the servers and the option")
    func unreachableBroker() async throws {
        // Held bound without listening for the whole test, so that no broker started meanwhile can answer there.
        let refusing = try FreePort.refusing()
        let port = refusing.port
        let flywheel = try BuiltProducts.executable("flywheel")
        let errors = NSTemporaryDirectory() + uniqueName("consume-errors") + ".txt"
        let process = try ChildProcess(
            [flywheel, "consume", "--bootstrap-servers", "127.0.0.1:\(port)", "--topic", "t", "--group", "g",
             "--startup-timeout", "1"],
            standardError: errors)
        let status = try await process.waitForExit(timeout: .seconds(20))
        let failed = status.map { $0 != 0 } ?? false
        #expect(failed)
        let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(message.contains("127.0.0.1:\(port)"))
        #expect(message.contains("startupTimeout"))
        withExtendedLifetime(refusing) {}
    }

    @Test("flywheel version names librdkafka 2.8 and (on Linux) jemalloc as the allocator actually in use")
    func version() async throws {
        let flywheel = try BuiltProducts.executable("flywheel")
        let output = NSTemporaryDirectory() + uniqueName("version") + ".txt"
        let process = try ChildProcess([flywheel, "version"], standardOutput: output)
        #expect(try await process.waitForExit(timeout: .seconds(20)) == 0)
        let lines = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("librdkafka 2.8") })
        #if os(Linux)
        // Linked, and its malloc the one that serves allocations (not just loaded beside the C library's).
        #expect(lines.contains { $0.hasPrefix("allocator jemalloc 5.") }, "\(lines)")
        #else
        #expect(lines.contains { $0.hasPrefix("allocator ") }, "\(lines)")
        #endif
    }

    @Test("flywheel refuses to run on a librdkafka older than 2.8, naming the version it found")
    func refusesOldLibrdkafka() async throws {
        // Debian bookworm's librdkafka 2.0.2, which kcat (installed by scripts/setup.sh) depends on.
        let systemLibraries = "/usr/lib/x86_64-linux-gnu"
        try #require(
            FileManager.default.fileExists(atPath: systemLibraries + "/librdkafka.so.1"),
            "Debian's librdkafka1 package is not installed; scripts/setup.sh installs it with kcat")
        let flywheel = try BuiltProducts.executable("flywheel")
        let errors = NSTemporaryDirectory() + uniqueName("old-librdkafka") + ".txt"
        let process = try ChildProcess(
            [flywheel, "demo"], standardError: errors, environment: ["LD_LIBRARY_PATH": systemLibraries])
        let status = try await process.waitForExit(timeout: .seconds(20))
        #expect(status == 1)
        let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
        #expect(message.contains("needs librdkafka 2.8.0 or newer"))
        #expect(message.contains("is 2.0.2"))
    }

    @Test("flywheel demo runs on the embedded cluster and, twice in a row, on a real broker", arguments: [false, true])
    func demo(onTansu: Bool) async throws {
        let flywheel = try BuiltProducts.executable("flywheel")
        let context: TansuContext? = onTansu ? try await TansuContext.start() : nil
        let runs = onTansu ? 2 : 1
        for _ in 0..<runs {
            let output = NSTemporaryDirectory() + uniqueName("demo") + ".txt"
            var arguments = [flywheel, "demo"]
            if let context { arguments += ["--bootstrap-servers", context.broker.bootstrapServers] }
            let process = try ChildProcess(arguments, standardOutput: output)
            let status = try await process.waitForExit(timeout: .seconds(60))
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "demo output:\n\(text)")
            #expect(text.contains("Demo finished: 8 events, 4 of the 4 requests replay predicts arrived, each once."))
            for request in ["retrain train-sales-eu", "retrain acme/churn", "redeploy churn-model", "rollback churn-model"] {
                // On a shared broker the names carry a run tag.
                #expect(text.contains("orchestrator: \(request)"))
            }
        }
    }
}
