import FlywheelEvents
import FlywheelKafka
import FlywheelRules
import FlywheelTestSupport
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `flywheel serve` binary against Tansu: health, readiness, metrics, SIGTERM, and kill -9 while input flows.
@Suite("flywheel serve, the command", .timeLimit(.minutes(5)))
struct ServeCommandTests {
    /// A broker, input and output topics, a rule file and a configuration file for one test.
    struct Setup {
        let context: TansuContext
        let input: String
        let output: String
        let configPath: String
        let rulesPath: String
        let port: Int
        let stateTopic: String

        static func make(instanceID: String = uniqueName("instance"), delivery: String = "exactly-once") async throws -> Setup {
            let context = try await TansuContext.start()
            let input = try await context.createTopic("serve-cmd-in", partitions: 4)
            let output = try await context.createTopic("serve-cmd-out", partitions: 4)
            let folder = NSTemporaryDirectory() + uniqueName("serve-cmd")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let rulesPath = folder + "/rules.yaml"
            try ServeIntegrationTests.rules.replacingOccurrences(of: "OUT", with: output).write(toFile: rulesPath, atomically: true, encoding: .utf8)
            let port = try FreePort.pick()
            let stateTopic = uniqueName("state")
            let config = """
                kafka: {bootstrap_servers: [\(context.broker.bootstrapServers)]}
                group_id: \(uniqueName("serve-cmd"))
                instance_id: \(instanceID)
                inputs: {data_arrivals: {topics: [\(input)]}}
                outputs: {topics: [\(output)], audit_topic: \(uniqueName("audit")), dead_letter_topic: \(uniqueName("dlq"))}
                rules: [rules.yaml]
                schemas: \(ServeIntegrationTests.repository)/topics/schemas
                state_topic: \(stateTopic)
                repartition_topic: \(uniqueName("repartition"))
                session_timeout: 6s
                delivery: \(delivery)
                http: {host: 127.0.0.1, port: \(port)}
                """
            let configPath = folder + "/flywheel.yaml"
            try config.write(toFile: configPath, atomically: true, encoding: .utf8)
            return Setup(
                context: context, input: input, output: output, configPath: configPath, rulesPath: rulesPath, port: port,
                stateTopic: stateTopic)
        }

        func start(log: String = "/dev/null") throws -> ChildProcess {
            try ChildProcess([try BuiltProducts.executable("flywheel"), "serve", "--config", configPath], standardError: log)
        }

        /// Another instance in the same group: its own name and HTTP port (the environment overrides the file's name).
        func startOther(instanceID: String, port: Int, log: String = "/dev/null") throws -> ChildProcess {
            let other = configPath.replacingOccurrences(of: "flywheel.yaml", with: "\(instanceID).yaml")
            let text = try String(contentsOfFile: configPath, encoding: .utf8)
                .replacingOccurrences(of: "port: \(self.port)}", with: "port: \(port)}")
            try text.write(toFile: other, atomically: true, encoding: .utf8)
            return try ChildProcess(
                [try BuiltProducts.executable("flywheel"), "serve", "--config", other], standardError: log,
                environment: ["FLYWHEEL_INSTANCE_ID": instanceID])
        }

        func produce(_ events: ArraySlice<CloudEvent>, producer: KafkaProducer) async throws {
            let codec = CloudEventKafkaCodec()
            try await producer.send(events.map { event in
                let record = codec.encode(event, key: event.subject, mode: .binary)
                return KafkaProducerMessage(
                    topic: input, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
            })
        }

        func keyedProducer() async throws -> KafkaProducer {
            var client = context.broker.clientConfiguration
            client.additionalProperties["partitioner"] = "murmur2_random"
            return try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: context.logger)
        }

        func expectedTriggers(_ events: [CloudEvent]) throws -> [String] {
            var replay = RuleReplay(ruleSet: try RuleSet.load(files: [rulesPath]))
            var ids: [String] = []
            replay.run(events.map { RuleInput(event: $0)! }) { ids.append($0.trigger.id) }
            return ids
        }

        /// Status and body of a GET on the service's HTTP port; nil while nothing listens.
        func get(_ path: String) async -> (Int, String)? {
            guard let url = URL(string: "http://127.0.0.1:\(port)\(path)"),
                let (data, response) = try? await URLSession.shared.data(from: url), let http = response as? HTTPURLResponse
            else { return nil }
            return (http.statusCode, String(decoding: data, as: UTF8.self))
        }

        /// Polls an endpoint of the child process (another process: there is no event to await) until it answers 200.
        func waitFor(_ path: String, process: ChildProcess, limit: Duration = .seconds(60)) async throws {
            let deadline = ContinuousClock.now.advanced(by: limit)
            while ContinuousClock.now < deadline {
                guard process.isRunning else { throw TestSupportError("flywheel serve exited while waiting for \(path)") }
                if let (status, _) = await get(path), status == 200 { return }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw TestSupportError("\(path) did not answer 200 within \(limit)")
        }
    }

    @Test("a window whose state outgrows a Kafka record stops serve with an error naming the rule and the key")
    func stateTooLarge() async throws {
        let setup = try await Setup.make()
        // One dataset, 1,200 arrivals a millisecond apart with ids of 1,500 bytes, all in one window of a rule that
        // never fires: the 1,000 events its window keeps one by one make a state record of about 1.6 MB, more than
        // the 1 MB a record may have.
        try """
            rules:
              - id: dense-window
                on: data.arrived
                key: data.dataset
                threshold: {sum: data.rows, gte: 1000000000, within: 5m}
                emit: {type: retrain.requested, topic: \(setup.output), data: {target: "{{ key }}"}}
            """.write(toFile: setup.rulesPath, atomically: true, encoding: .utf8)
        let start = RFC3339.milliseconds("2026-03-01T00:00:00Z")!
        let padding = String(repeating: "x", count: 1_500)
        let events = (0..<1_200).map { index in
            CloudEvent(
                id: "dense-\(index)-\(padding)", source: "s3://lake", type: "data.arrived", subject: "team",
                time: RFC3339.string(milliseconds: start + Int64(index)),
                data: .object(JSONObject([
                    "dataset": .string("dense"), "version": .string("v\(index)"), "rows": .number(1), "bytes": .number(1),
                    "location": .string("s3://lake/dense/\(index)"),
                ])))
        }
        let producer = try await setup.keyedProducer()
        try await setup.produce(events[...], producer: producer)
        try await producer.shutdown()

        let log = NSTemporaryDirectory() + uniqueName("serve-large") + ".log"
        let serve = try setup.start(log: log)
        defer { if serve.isRunning { serve.terminate() } }
        let status = try await serve.waitForExit(timeout: .seconds(120))
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status != 0)
        #expect(text.contains("the state of rule dense-window for key dense is "), "\(text.suffix(2000))")
        #expect(text.contains("A key's state is large for a Kafka record"))
    }

    @Test("SIGTERM during a long state restore stops it: exit 0 within 10 s; the next start restores in full")
    func shutdownDuringRestore() async throws {
        let setup = try await Setup.make()
        // Partition 0 of the state topic (made here with the inputs' partition count) holds records this version
        // does not know, which a restore reads and skips: enough to take seconds.
        try await setup.context.admin.createTopic(
            KafkaTopicSpecification(name: setup.stateTopic, partitions: 4, configs: ["cleanup.policy": "compact"]))
        let producer = try await KafkaProducer(
            configuration: KafkaProducerConfiguration(client: setup.context.broker.clientConfiguration), logger: setup.context.logger)
        let filler = KafkaProducerMessage(topic: setup.stateTopic, partition: 0, key: Array(#"["filler"]"#.utf8), value: Array(repeating: 0x20, count: 64))
        for _ in 0..<6 { try await producer.send(Array(repeating: filler, count: 500_000)) }
        try await producer.shutdown()

        let log = NSTemporaryDirectory() + uniqueName("serve-restore") + ".log"
        let serve = try setup.start(log: log)
        defer { if serve.isRunning { serve.terminate() } }
        let deadline = ContinuousClock.now + .seconds(60)
        while await setup.get("/readyz")?.1.contains("restoring") != true {
            guard ContinuousClock.now < deadline, serve.isRunning else {
                Issue.record("no restore seen; flywheel serve said: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let stopping = ContinuousClock.now
        serve.signal(SIGTERM)
        let status = try await serve.waitForExit(timeout: .seconds(10))
        let took = ContinuousClock.now - stopping
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(status == 0, "\(text)")
        #expect(took < .seconds(10))
        #expect(text.contains("The shutdown stopped the state restore"), "the restore ended before the signal; \(took)")

        // The next start reads the whole partition and becomes ready.
        let again = try setup.start(log: log + ".2")
        defer { if again.isRunning { again.terminate() } }
        try await setup.waitFor("/readyz", process: again, limit: .seconds(120))
        again.signal(SIGTERM)
        #expect(try await again.waitForExit(timeout: .seconds(10)) == 0)
        let restored = ((try? String(contentsOfFile: log + ".2", encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.contains("Restored rule state") && $0.contains(#""partition":"0""#) }
        print("[restore] first stop after \(took); second start: \(restored)")
        #expect(restored.count == 1 && restored[0].contains(#""records":"3000000""#), "\(restored)")
    }

    @Test("serve answers /healthz, /readyz and /metrics, emits triggers, and exits 0 within 10 s of SIGTERM")
    func healthMetricsAndShutdown() async throws {
        let setup = try await Setup.make()
        let log = NSTemporaryDirectory() + uniqueName("serve") + ".log"
        let serve = try setup.start(log: log)
        defer { if serve.isRunning { serve.terminate() } }
        do {
            try await setup.waitFor("/healthz", process: serve)
        } catch {
            Issue.record("flywheel serve said: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            throw error
        }
        try await setup.waitFor("/readyz", process: serve)

        let events = ServeIntegrationTests.events(count: 30)
        let expected = try setup.expectedTriggers(events)
        let producer = try await setup.keyedProducer()
        try await setup.produce(events[...], producer: producer)
        let triggers = try await setup.context.consumer(group: uniqueName("check"), topics: [setup.output])
        try await triggers.wait(for: "\(expected.count) triggers", limit: .seconds(60)) { $0.messages.count >= expected.count }

        // Events in are counted per batch and run of events, by topic and type: all 30 of them, once evaluated.
        let eventsIn = #"flywheel_events_in_total{topic="\#(setup.input)",type="data.arrived"} 30"#
        var metrics = await setup.get("/metrics")
        let deadline = ContinuousClock.now + .seconds(30)
        while metrics?.1.contains(eventsIn) != true, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            metrics = await setup.get("/metrics")
        }
        #expect(metrics?.0 == 200)
        let body = metrics?.1 ?? ""
        #expect(body.contains(#"flywheel_triggers_total{rule="busy-dataset"}"#))
        #expect(body.contains(#"flywheel_triggers_approximated_total{rule="busy-dataset"} 0"#), "no window here goes past 1,000 events")
        #expect(body.contains(eventsIn), "\(body)")
        #expect(body.contains("flywheel_transactions_total"))
        #expect(body.contains("flywheel_batch_processing_seconds_bucket"))

        let stopping = ContinuousClock.now
        serve.signal(SIGTERM)
        let status = try await serve.waitForExit(timeout: .seconds(10))
        #expect(status == 0)
        #expect(ContinuousClock.now - stopping < .seconds(10))

        // Logs are JSON objects, one a line, with their metadata as fields.
        let logLines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        #expect(!logLines.isEmpty)
        let parsed = logLines.compactMap { try? JSONParser.parse(String($0)) }
        #expect(parsed.count == logLines.count, "every line is JSON")
        #expect(parsed.allSatisfy { $0[path: "level"]?.stringValue != nil && $0[path: "message"]?.stringValue != nil })
        #expect(parsed.contains { $0[path: "message"]?.stringValue == "Restored rule state" && $0[path: "partition"] != nil })
        try await triggers.stop()
        try await producer.shutdown()
    }

    @Test("kill -9 at random points while input flows: the triggers equal replay's, none missing, none twice", arguments: [
        "exactly-once", "at-least-once",
    ])
    func crashRecovery(_ delivery: String) async throws {
        let setup = try await Setup.make(delivery: delivery)
        let events = ServeIntegrationTests.events(count: 360)
        let expected = try setup.expectedTriggers(events)
        let producer = try await setup.keyedProducer()
        var random = SystemRandomNumberGenerator()
        let logs = NSTemporaryDirectory() + uniqueName("serve-crash")
        var runs = 0
        func start() throws -> ChildProcess {
            runs += 1
            return try setup.start(log: "\(logs)-\(runs).log")
        }
        var serve = try start()
        try await setup.waitFor("/readyz", process: serve)
        for chunk in stride(from: 0, to: events.count, by: 60) {
            try await setup.produce(events[chunk..<min(chunk + 60, events.count)], producer: producer)
            guard chunk < 240 else { continue }
            // Somewhere between mid-batch and well after it, the process dies without warning, and comes back.
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...1500, using: &random)))
            serve.signal(SIGKILL)
            _ = try await serve.waitForExit(timeout: .seconds(5))
            serve = try start()
        }
        let triggers = try await setup.context.consumer(group: uniqueName("check"), topics: [setup.output], isolation: .readCommitted)
        do {
            try await triggers.wait(for: "\(expected.count) triggers", limit: .seconds(120)) { $0.messages.count >= expected.count }
        } catch {
            Issue.record("the last run said: \((try? String(contentsOfFile: "\(logs)-\(runs).log", encoding: .utf8))?.suffix(6000) ?? "")")
            throw error
        }
        try await Task.sleep(for: .seconds(3))  // nothing more may come
        serve.signal(SIGTERM)
        _ = try await serve.waitForExit(timeout: .seconds(10))
        let ids = triggers.messages.compactMap { message in
            message.headers.first(where: { $0.key == "ce_id" })?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        if delivery == "at-least-once" {
            // A crash between sending and committing sends a trigger again, with the same id.
            #expect(Set(ids) == Set(expected), "none missing, none unexpected")
        } else {
            // Exactly-once needs the broker to hide aborted transactions from read_committed readers (the killed
            // runs' open transactions are aborted when the next run starts). Tansu 0.6.0 does not, so aborted
            // triggers and state records show; the check fails whenever a kill lands inside a transaction.
            withKnownIssue("Tansu 0.6.0 shows aborted transactions to read_committed readers", isIntermittent: true) {
                #expect(ids.count == expected.count, "none twice")
                #expect(Set(ids) == Set(expected), "none missing")
            }
        }
        try await triggers.stop()
        try await producer.shutdown()
    }

    @Test("a second instance joins mid-stream and the first is killed: the triggers are those of one instance")
    func scaleOut() async throws {
        let setup = try await Setup.make()
        let events = ServeIntegrationTests.events(count: 240)
        let expected = try setup.expectedTriggers(events)
        let producer = try await setup.keyedProducer()
        let first = try setup.start()
        defer { if first.isRunning { first.terminate() } }
        try await setup.waitFor("/readyz", process: first)
        try await setup.produce(events[0..<80], producer: producer)

        let otherPort = try FreePort.pick()
        let second = try setup.startOther(instanceID: uniqueName("second"), port: otherPort)
        defer { if second.isRunning { second.terminate() } }
        try await setup.produce(events[80..<160], producer: producer)
        // Both in the group: the second becomes ready once the rebalance gave it partitions.
        let secondSetup = Setup(
            context: setup.context, input: setup.input, output: setup.output, configPath: setup.configPath, rulesPath: setup.rulesPath,
            port: otherPort, stateTopic: setup.stateTopic)
        try await secondSetup.waitFor("/readyz", process: second)

        first.signal(SIGKILL)
        _ = try await first.waitForExit(timeout: .seconds(5))
        try await setup.produce(events[160...], producer: producer)

        let triggers = try await setup.context.consumer(group: uniqueName("check"), topics: [setup.output], isolation: .readCommitted)
        try await triggers.wait(for: "\(expected.count) triggers", limit: .seconds(90)) { $0.messages.count >= expected.count }
        try await Task.sleep(for: .seconds(3))  // nothing more may come
        second.signal(SIGTERM)
        #expect(try await second.waitForExit(timeout: .seconds(10)) == 0)
        let ids = triggers.messages.compactMap { message in
            message.headers.first(where: { $0.key == "ce_id" })?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(Set(ids) == Set(expected), "none missing, none unexpected")
        withKnownIssue("Tansu 0.6.0 shows aborted transactions to read_committed readers", isIntermittent: true) {
            #expect(ids.count == expected.count, "none twice")
        }
        try await triggers.stop()
        try await producer.shutdown()
    }
}
