import FlywheelEvents
import FlywheelKafka
import FlywheelRules
import FlywheelService
import FlywheelTestSupport
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// `flywheel serve`'s pipeline against Tansu: what it emits equals what `flywheel replay` computes for the same
/// input, each trigger once.
@Suite("flywheel serve against Tansu", .timeLimit(.minutes(3)))
struct ServeIntegrationTests {
    static let rules = """
        rules:
          - id: busy-dataset
            description: keyed by the dataset, not the Kafka key (the team), so events are re-keyed
            on: data.arrived
            key: data.dataset
            threshold: {count: 3, within: 1h}
            emit:
              type: retrain.requested
              topic: OUT
              data: {target: "{{ key }}", reason: "{{ value }} arrivals"}
          - id: busy-team
            description: keyed by the subject (the team), which is the Kafka key
            on: data.arrived
            threshold: {sum: data.rows, gte: 2500}
            emit:
              type: retrain.requested
              topic: OUT
              data: {target: "{{ key }}", reason: "{{ value }} rows"}
        """

    /// A broker with an input and an output topic (4 partitions each) and a rule file written from `rules`, which
    /// gets the output topic's name.
    struct Topics {
        let context: TansuContext
        let input: String
        let output: String
        let rulesFile: String

        static func make(_ name: String, rules: (_ output: String) -> String) async throws -> Topics {
            let context = try await TansuContext.start()
            let input = try await context.createTopic("\(name)-in", partitions: 4)
            let output = try await context.createTopic("\(name)-out", partitions: 4)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName(name)).path
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let rulesFile = folder + "/rules.yaml"
            try rules(output).write(toFile: rulesFile, atomically: true, encoding: .utf8)
            return Topics(context: context, input: input, output: output, rulesFile: rulesFile)
        }
    }

    /// The CloudEvents ids of the triggers a harness received, in arrival order.
    static func triggerIDs(_ triggers: ConsumerHarness) -> [String] {
        triggers.messages.compactMap { message in
            message.headers.first(where: { $0.key == "ce_id" })?.value.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// 12 datasets over 3 teams (subjects; a dataset belongs to one team), a minute apart.
    static func events(count: Int) -> [CloudEvent] {
        let start = RFC3339.milliseconds("2026-03-01T00:00:00Z")!
        return (0..<count).map { index in
            let dataset = "ds-\(index % 12)"
            return CloudEvent(
                id: "event-\(index)", source: "s3://lake", type: "data.arrived", subject: "team-\(index % 3)",
                time: RFC3339.string(milliseconds: start + Int64(index) * 60_000),
                data: .object(JSONObject([
                    "dataset": .string(dataset), "version": .string("v\(index)"), "rows": .number(Double(100 + index % 50)), "bytes": .number(1000),
                    "location": .string("s3://lake/\(dataset)/\(index)"),
                ])),
                extensions: ["traceparent": String(format: "00-%032x-%016x-01", index + 1, index + 1)])
        }
    }

    @Test("serve emits exactly the triggers replay computes, each once; poison input is dead-lettered", arguments: [
        ServeConfiguration.Delivery.exactlyOnce, .atLeastOnce,
    ])
    func equalsReplay(_ delivery: ServeConfiguration.Delivery) async throws {
        let topics = try await Topics.make("serve") { ServeIntegrationTests.rules.replacingOccurrences(of: "OUT", with: $0) }
        let (context, input, output, rulesFile) = (topics.context, topics.input, topics.output, topics.rulesFile)
        let deadLetters = try await context.createTopic("serve-dlq", partitions: 1)

        let events = ServeIntegrationTests.events(count: 120)
        let ruleSet = try RuleSet.load(files: [rulesFile])
        var replay = RuleReplay(ruleSet: ruleSet)
        var replayed: [String] = []
        replay.run(events.map { RuleInput(event: $0)! }) { replayed.append($0.trigger.id) }
        let expected = replayed
        #expect(expected.count > 20)

        // Keyed by team, with Kafka's default partitioner, as Java producers would: a dataset's events are all on
        // its team's partition, in order, so the re-keyed rule sees them in the order replay does.
        var client = context.broker.clientConfiguration
        client.additionalProperties["partitioner"] = "murmur2_random"
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: context.logger)
        let codec = CloudEventKafkaCodec()
        var records = events.map { event in
            let record = codec.encode(event, key: event.subject, mode: .binary)
            return KafkaProducerMessage(
                topic: input, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
        }
        records.insert(KafkaProducerMessage(topic: input, key: "team-1", value: "not a cloud event"), at: 60)
        try await producer.send(records)

        let configuration = ServeConfiguration(
            kafka: context.broker.clientConfiguration, groupID: uniqueName("serve"),
            inputs: [ServeConfiguration.Input(stream: .dataArrivals, topics: [input])], auditTopic: uniqueName("audit"),
            deadLetterTopic: deadLetters, ruleFiles: [rulesFile], delivery: delivery, stateTopic: uniqueName("state"),
            repartitionTopic: uniqueName("repartition"), sessionTimeout: .seconds(6))
        let pipeline = TriggerPipeline(
            configuration: configuration, ruleSet: ruleSet, schemas: try EventSchemas(directory: ServeIntegrationTests.repository + "/topics/schemas"),
            health: ServiceHealth(), logger: context.logger)
        let group = ServiceGroup(services: [pipeline], logger: context.logger)
        let running = Task { try await group.run() }

        let triggers = try await context.consumer(group: uniqueName("check"), topics: [output], isolation: .readCommitted)
        try await triggers.wait(for: "\(expected.count) triggers", limit: .seconds(60)) { $0.messages.count >= expected.count }
        let dead = try await context.consumer(group: uniqueName("dlq"), topics: [deadLetters])
        try await dead.wait(for: "the poison record") { !$0.messages.isEmpty }
        // A little longer: nothing more may come.
        try await Task.sleep(for: .seconds(2))
        await group.triggerGracefulShutdown()
        try await running.value

        let ids = ServeIntegrationTests.triggerIDs(triggers)
        #expect(ids.count == expected.count, "no trigger duplicated or missing")
        // Each trigger carries the trace context of the event that fired it, as a CloudEvents extension and as the
        // plain W3C header.
        let traced = triggers.messages.filter { message in
            let extensionValue = message.headers.first(where: { $0.key == "ce_traceparent" })?.value
            return extensionValue != nil && extensionValue == message.headers.first(where: { $0.key == "traceparent" })?.value
        }
        #expect(traced.count == triggers.messages.count)
        #expect(Set(ids) == Set(expected))
        #expect(dead.messages.map(\.text) == ["not a cloud event"])
        try await triggers.stop()
        try await dead.stop()
        try await producer.shutdown()
    }

    @Test("a restarted pipeline restores its state and goes on as if it had never stopped", arguments: [
        ServeConfiguration.Delivery.exactlyOnce, .atLeastOnce,
    ])
    func restart(_ delivery: ServeConfiguration.Delivery) async throws {
        let topics = try await Topics.make("restart") { ServeIntegrationTests.rules.replacingOccurrences(of: "OUT", with: $0) }
        let (context, input, output, rulesFile) = (topics.context, topics.input, topics.output, topics.rulesFile)
        let events = ServeIntegrationTests.events(count: 240)
        let ruleSet = try RuleSet.load(files: [rulesFile])
        var replay = RuleReplay(ruleSet: ruleSet)
        var replayed: [String] = []
        replay.run(events.map { RuleInput(event: $0)! }) { replayed.append($0.trigger.id) }
        let expected = replayed

        var client = context.broker.clientConfiguration
        client.additionalProperties["partitioner"] = "murmur2_random"
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: context.logger)
        let codec = CloudEventKafkaCodec()
        func send(_ slice: ArraySlice<CloudEvent>) async throws {
            try await producer.send(slice.map { event in
                let record = codec.encode(event, key: event.subject, mode: .binary)
                return KafkaProducerMessage(
                    topic: input, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
            })
        }
        let configuration = ServeConfiguration(
            kafka: context.broker.clientConfiguration, groupID: uniqueName("restart"), instanceID: uniqueName("instance"),
            inputs: [ServeConfiguration.Input(stream: .dataArrivals, topics: [input])], auditTopic: uniqueName("audit"),
            deadLetterTopic: uniqueName("dlq"), ruleFiles: [rulesFile], delivery: delivery, stateTopic: uniqueName("state"),
            repartitionTopic: uniqueName("repartition"), sessionTimeout: .seconds(6))
        let schemas = try EventSchemas(directory: ServeIntegrationTests.repository + "/topics/schemas")
        let triggers = try await context.consumer(group: uniqueName("check"), topics: [output], isolation: .readCommitted)

        // The first half, through one pipeline, which then stops.
        let half = expected.count / 2
        try await send(events[0..<120])
        let first = ServiceGroup(
            services: [TriggerPipeline(configuration: configuration, ruleSet: ruleSet, schemas: schemas, health: ServiceHealth(), logger: context.logger)],
            logger: context.logger)
        let firstRun = Task { try await first.run() }
        try await triggers.wait(for: "the first half's triggers", limit: .seconds(60)) { $0.messages.count >= half - 5 }
        try await Task.sleep(for: .seconds(2))
        await first.triggerGracefulShutdown()
        try await firstRun.value

        // The second half, through a new pipeline that starts from the state topic.
        try await send(events[120...])
        let second = ServiceGroup(
            services: [TriggerPipeline(configuration: configuration, ruleSet: ruleSet, schemas: schemas, health: ServiceHealth(), logger: context.logger)],
            logger: context.logger)
        let secondRun = Task { try await second.run() }
        try await triggers.wait(for: "\(expected.count) triggers", limit: .seconds(60)) { $0.messages.count >= expected.count }
        try await Task.sleep(for: .seconds(2))
        await second.triggerGracefulShutdown()
        try await secondRun.value

        let ids = ServeIntegrationTests.triggerIDs(triggers)
        #expect(ids.count == expected.count)
        #expect(Set(ids) == Set(expected))
        if Set(ids) != Set(expected) {
            var replayAgain = RuleReplay(ruleSet: ruleSet)
            var all: [RuleFiring] = []
            replayAgain.run(events.map { RuleInput(event: $0)! }) { all.append($0) }
            for firing in all where !ids.contains(firing.trigger.id) {
                print("MISSING \(firing.ruleID) \(firing.key) \(firing.trigger.time ?? "") \(firing.causes.map(\.id))")
            }
            for message in triggers.messages {
                func header(_ name: String) -> String { message.headers.first(where: { $0.key == name })?.value.map { String(decoding: $0, as: UTF8.self) } ?? "" }
                if !expected.contains(header("ce_id")) { print("EXTRA \(header("ce_ruleid")) \(header("ce_subject")) \(header("ce_time")) \(message.text.prefix(300))") }
            }
        }
        try await triggers.stop()
        try await producer.shutdown()
    }

    static let constructRules = """
        rules:
          - id: any-signal
            any:
              - {on: test.alpha, key: data.entity, match: {data.level: {gte: 8}}}
              - {on: test.beta, key: data.entity, match: {data.tag: {suffix: "-7"}}}
            cooldown: 20m
            emit: {type: t.any, topic: OUT, data: {target: "{{ key }}"}}
          - id: both-signals
            all:
              - {on: test.alpha, key: data.entity, match: {data.level: {lt: 2}}}
              - {on: test.beta, key: data.entity, match: {data.level: {gt: 8}}}
            within: 30m
            emit: {type: t.all, topic: OUT, data: {target: "{{ key }}"}}
          - id: alpha-then-beta
            sequence:
              - {on: test.alpha, key: data.entity, match: {data.tag: {prefix: "hot-"}}}
              - {on: test.beta, key: data.entity, condition: data.level >= 5}
            within: 10m
            emit: {type: t.sequence, topic: OUT, data: {target: "{{ key }}"}}
          - id: high-average
            on: test.alpha
            key: data.entity
            threshold: {avg: data.level, gte: 7, within: 30m}
            emit: {type: t.avg, topic: OUT, data: {target: "{{ key }}", average: "{{ value }}"}}
          - id: peak-level
            on: test.beta
            key: data.entity
            threshold: {max: data.level, gte: 10, within: 1h}
            emit: {type: t.max, topic: OUT, data: {target: "{{ key }}"}}
          - id: hot-pair
            on: test.alpha
            match: {data.entity: {in: [e-1, e-2]}, data.tag: {prefix: "hot-"}}
            condition: data.level * 2 > 10
            key: data.entity
            emit: {type: t.match, topic: OUT, data: {target: "{{ key }}", level: "{{ event.data.level }}"}}
          - id: beta-seen
            on: test.beta
            key: data.entity
            cooldown: 25m
            emit: {type: t.cooldown, topic: OUT, data: {target: "{{ key }}"}}
        """

    @Test("every rule construct through Kafka (any, all, sequence, avg and max windows, match and condition, cooldown) fires what replay fires, each once")
    func constructsEqualReplay() async throws {
        // 8 entities, alpha and beta events in turn, a minute apart, levels and tags from a fixed generator.
        try await expectServeEqualsReplay("constructs", rules: ServeIntegrationTests.constructRules, events: ServeIntegrationTests.entityEvents(400, gap: 60_000))
    }

    @Test("windows past 1,000 events per key, whose older events are kept in panes, fire through Kafka what replay fires, across a restart")
    func boundedWindowsEqualReplay() async throws {
        // 3 entities, events 50 ms apart: an entity's 5-minute window holds about 2,000 events, half of them in
        // panes, and its sum of levels (0 to 10) reaches 10,250 only now and then while it slides; the count
        // fires on 1,400 alpha events, 400 of them in panes.
        let rules = """
            rules:
              - id: many-alphas
                on: test.alpha
                key: data.entity
                threshold: {count: 1400, within: 1h}
                emit: {type: t.count, topic: OUT, data: {target: "{{ key }}", count: "{{ value }}"}}
              - id: busy-levels
                on: [test.alpha, test.beta]
                key: data.entity
                threshold: {sum: data.level, gte: 10250, within: 5m}
                emit: {type: t.sum, topic: OUT, data: {target: "{{ key }}", sum: "{{ value }}"}}
            """
        let events = ServeIntegrationTests.entityEvents(9_000, gap: 50, entities: 3)
        // The input is one where panes decide: an engine keeping every event exactly fires at other times.
        let ruleSet = try #require(RuleSet.check(sources: [("rules.yaml", rules)]).ruleSet)
        func firings(_ options: RuleEngine.Options) -> [String] {
            var replay = RuleReplay(ruleSet: ruleSet, options: options)
            var fired: [String] = []
            replay.run(events.map { RuleInput(event: $0)! }) { fired.append("\($0.ruleID) \($0.key) \($0.time)") }
            return fired
        }
        #expect(firings(RuleEngine.Options()) != firings(RuleEngine.Options(windowEventLimit: .max)))
        // A restart after 8,000 events: the count's windows, past 1,125 events each, come back with their panes
        // from the changelog, and the count fires on them after the restart.
        try await expectServeEqualsReplay("panes", rules: rules, events: events, restartAt: 8_000)
    }

    /// `count` events of `entities` entities, `gap` milliseconds apart, alpha and beta in turn, levels and tags from
    /// a fixed generator. An entity's events share one Kafka key (its group), so they are re-keyed to the entity's
    /// partition in order.
    static func entityEvents(_ count: Int, gap: Int64, entities: UInt64 = 8) -> [CloudEvent] {
        let start = RFC3339.milliseconds("2026-03-01T00:00:00Z")!
        var seed: UInt64 = 42
        func next(_ bound: UInt64) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % bound)
        }
        return (0..<count).map { index -> CloudEvent in
            let entity = next(entities)
            return CloudEvent(
                id: "c-\(index)", source: "test", type: index % 2 == 0 ? "test.alpha" : "test.beta", subject: "group-\(entity % 3)",
                time: RFC3339.string(milliseconds: start + Int64(index) * gap),
                data: .object(JSONObject([
                    "entity": .string("e-\(entity)"), "level": .number(Double(next(11))), "tag": .string("\(next(2) == 0 ? "hot" : "cold")-\(next(10))"),
                ])))
        }
    }

    /// Runs `events` through `rules` (`OUT` standing for the output topic) with replay, then through a pipeline
    /// over Kafka, and expects the same trigger ids, each once; every rule must fire. With `restartAt`, the pipeline
    /// takes the events before it, stops, and a new one (restoring the state from the changelog) takes the rest.
    func expectServeEqualsReplay(_ name: String, rules: String, events: [CloudEvent], restartAt: Int? = nil) async throws {
        let topics = try await Topics.make(name) { rules.replacingOccurrences(of: "OUT", with: $0) }
        let (context, input, output, rulesFile) = (topics.context, topics.input, topics.output, topics.rulesFile)
        let ruleSet = try RuleSet.load(files: [rulesFile])
        func replayed(_ events: ArraySlice<CloudEvent>) -> [RuleFiring] {
            var replay = RuleReplay(ruleSet: ruleSet)
            var fired: [RuleFiring] = []
            replay.run(events.map { RuleInput(event: $0)! }) { fired.append($0) }
            return fired
        }
        let expected = replayed(events[...])
        let firedRules = Set(expected.map(\.ruleID))
        #expect(firedRules == Set(ruleSet.rules.map(\.id)), "the input exercises every rule: \(firedRules.sorted())")

        var client = context.broker.clientConfiguration
        client.additionalProperties["partitioner"] = "murmur2_random"
        let producer = try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: context.logger)
        let codec = CloudEventKafkaCodec()
        func produce(_ events: ArraySlice<CloudEvent>) async throws {
            try await producer.send(events.map { event in
                let record = codec.encode(event, key: event.subject, mode: .binary)
                return KafkaProducerMessage(
                    topic: input, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
            })
        }
        let configuration = ServeConfiguration(
            kafka: context.broker.clientConfiguration, groupID: uniqueName(name),
            inputs: [ServeConfiguration.Input(stream: .monitoringAlerts, topics: [input])], auditTopic: uniqueName("audit"),
            deadLetterTopic: uniqueName("dlq"), ruleFiles: [rulesFile], stateTopic: uniqueName("state"),
            repartitionTopic: uniqueName("repartition"), sessionTimeout: .seconds(6))
        let schemas = try EventSchemas(directory: ServeIntegrationTests.repository + "/topics/schemas")
        let triggers = try await context.consumer(group: uniqueName("check"), topics: [output], isolation: .readCommitted)
        /// Runs a pipeline until `count` triggers have arrived, then two more seconds, then stops it.
        func serve(until count: Int) async throws {
            let group = ServiceGroup(
                services: [TriggerPipeline(configuration: configuration, ruleSet: ruleSet, schemas: schemas, health: ServiceHealth(), logger: context.logger)],
                logger: context.logger)
            let running = Task { try await group.run() }
            try await triggers.wait(for: "\(count) triggers", limit: .seconds(60)) { $0.messages.count >= count }
            try await Task.sleep(for: .seconds(2))
            await group.triggerGracefulShutdown()
            try await running.value
        }
        if let restartAt {
            try await produce(events[..<restartAt])
            try await serve(until: replayed(events[..<restartAt]).count)
            try await produce(events[restartAt...])
        } else {
            try await produce(events[...])
        }
        try await serve(until: expected.count)

        let ids = ServeIntegrationTests.triggerIDs(triggers)
        #expect(ids.count == expected.count, "no trigger duplicated or missing")
        #expect(Set(ids) == Set(expected.map(\.trigger.id)))
        try await triggers.stop()
        try await producer.shutdown()
    }

    /// What the absence tests share: one absence rule, and data.arrived records keyed by their dataset.
    struct AbsenceFixture {
        let context: TansuContext
        let input: String
        let output: String
        let rulesFile: String
        let ruleSet: RuleSet
        let producer: KafkaProducer
        let codec = CloudEventKafkaCodec()

        static func make(_ name: String, absent: String) async throws -> AbsenceFixture {
            let topics = try await Topics.make(name) { output in
                """
                rules:
                  - id: silent-dataset
                    absent: \(absent)
                    key: data.dataset
                    emit:
                      type: retrain.requested
                      topic: \(output)
                      data: {target: "{{ key }}"}
                """
            }
            let (context, input, output, rulesFile) = (topics.context, topics.input, topics.output, topics.rulesFile)
            var client = context.broker.clientConfiguration
            client.additionalProperties["partitioner"] = "murmur2_random"
            return AbsenceFixture(
                context: context, input: input, output: output, rulesFile: rulesFile, ruleSet: try RuleSet.load(files: [rulesFile]),
                producer: try await KafkaProducer(configuration: KafkaProducerConfiguration(client: client), logger: context.logger))
        }

        func arrival(_ id: String, dataset: String, at time: Int64 = Int64(Date().timeIntervalSince1970 * 1000), type: String = "data.arrived")
            -> KafkaProducerMessage
        {
            let event = CloudEvent(
                id: id, source: "s3://lake", type: type, time: RFC3339.string(milliseconds: time),
                data: .object(JSONObject([
                    "dataset": .string(dataset), "version": .string(id), "rows": .number(1), "bytes": .number(1),
                    "location": .string("s3://lake/\(dataset)"),
                ])))
            let record = codec.encode(event, key: dataset, mode: .binary)
            return KafkaProducerMessage(
                topic: input, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) })
        }

        /// A pipeline (not started) with its own group, state and repartition topics, and `health`.
        func pipeline(group: String, stateTopic: String, absenceCheckInterval: Duration, health: ServiceHealth = ServiceHealth()) throws -> ServiceGroup {
            let configuration = ServeConfiguration(
                kafka: context.broker.clientConfiguration, groupID: group, instanceID: "instance",
                inputs: [ServeConfiguration.Input(stream: .dataArrivals, topics: [input])], auditTopic: "\(group)-audit",
                deadLetterTopic: "\(group)-dlq", ruleFiles: [rulesFile], stateTopic: stateTopic,
                repartitionTopic: "\(group)-repartition", sessionTimeout: .seconds(6), absenceCheckInterval: absenceCheckInterval)
            let schemas = try EventSchemas(directory: ServeIntegrationTests.repository + "/topics/schemas")
            return ServiceGroup(
                services: [TriggerPipeline(configuration: configuration, ruleSet: ruleSet, schemas: schemas, health: health, logger: context.logger)],
                logger: context.logger)
        }

        /// Waits until `health` is ready (the pipeline has made its topics and restored its state).
        static func waitUntilReady(_ health: ServiceHealth) async throws {
            let readyBy = ContinuousClock.now.advanced(by: .seconds(60))
            while !health.snapshot.isReady, ContinuousClock.now < readyBy { try await Task.sleep(for: .milliseconds(50)) }
        }

        /// The subject (key) and cause ids of each trigger.
        static func fired(_ triggers: ConsumerHarness) -> [(key: String, causes: [String])] {
            triggers.messages.map { message in
                let subject = message.headers.first(where: { $0.key == "ce_subject" })?.value.map { String(decoding: $0, as: UTF8.self) } ?? ""
                let causes = (try? JSONParser.parse(message.value ?? []))?[path: "cause"]?.arrayValue?.compactMap { $0[path: "id"]?.stringValue } ?? []
                return (subject, causes)
            }
        }
    }

    @Test("absences fire on the wall clock for silent keys, but not before a restarted pipeline has read the backlog")
    func absencesWaitForTheBacklog() async throws {
        let fixture = try await AbsenceFixture.make("silence", absent: "{on: data.arrived, for: 30s}")
        let context = fixture.context
        let start = Int64(Date().timeIntervalSince1970 * 1000)
        let group = uniqueName("silence")
        let stateTopic = uniqueName("state")

        // Both datasets arrive at the start; the first pipeline arms their absences (due at start + 30 s) and stops. The
        // 30 s leave room for a loaded machine: on CI, a group join, a restore and a stop once took 14 s.
        try await fixture.producer.send([
            fixture.arrival("quiet-1", dataset: "ds-quiet", at: start), fixture.arrival("busy-1", dataset: "ds-busy", at: start),
        ])
        let health = ServiceHealth()
        let first = try fixture.pipeline(group: group, stateTopic: stateTopic, absenceCheckInterval: .milliseconds(100), health: health)
        let firstRun = Task { try await first.run() }
        // Ready: the pipeline has made its state topic, which the check below subscribes to.
        try await AbsenceFixture.waitUntilReady(health)
        let state = try await context.consumer(group: uniqueName("state"), topics: [stateTopic], isolation: .readCommitted)
        try await state.wait(for: "both keys' state", limit: .seconds(60)) { harness in
            harness.messages.filter { $0.key.map { String(decoding: $0, as: UTF8.self).hasPrefix("[\"state\"") } ?? false }.count >= 2
        }
        await first.triggerGracefulShutdown()
        try await firstRun.value
        #expect(Int64(Date().timeIntervalSince1970 * 1000) < start + 30_000, "the first pipeline stopped before the absences were due")

        // While no pipeline runs, ds-busy arrives again (due at start + 38 s now), behind a backlog that takes a
        // while to read; then the first deadline passes.
        let noise = (0..<100_000).map { fixture.arrival("noise-\($0)", dataset: "ds-busy", at: start + 1_000, type: "bench.noise") }
        try await fixture.producer.send(noise + [fixture.arrival("busy-2", dataset: "ds-busy", at: start + 8_000)])
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        if now < start + 30_500 { try await Task.sleep(for: .milliseconds(start + 30_500 - now)) }

        // The restarted pipeline must read ds-busy's second arrival before the wall clock may report its silence.
        let triggers = try await context.consumer(group: uniqueName("check"), topics: [fixture.output], isolation: .readCommitted)
        let second = try fixture.pipeline(group: group, stateTopic: stateTopic, absenceCheckInterval: .milliseconds(100))
        let secondRun = Task { try await second.run() }
        try await triggers.wait(for: "both absences", limit: .seconds(60)) { $0.messages.count >= 2 }
        try await Task.sleep(for: .seconds(1))
        await second.triggerGracefulShutdown()
        try await secondRun.value

        let fired = AbsenceFixture.fired(triggers)
        #expect(fired.filter { $0.key == "ds-quiet" }.map(\.causes) == [["quiet-1"]])
        #expect(fired.filter { $0.key == "ds-busy" }.map(\.causes) == [["busy-2"]], "no absence reported from before the backlog's arrival")
        try await triggers.stop()
        try await state.stop()
        try await fixture.producer.shutdown()
    }

    @Test("a silent key's absence fires while the other keys of its partition keep arriving")
    func absencesFireUnderLoad() async throws {
        let fixture = try await AbsenceFixture.make("busy", absent: "{on: data.arrived, match: {data.dataset: quiet}, for: 4s}")
        let health = ServiceHealth()
        let service = try fixture.pipeline(group: uniqueName("busy"), stateTopic: uniqueName("state"), absenceCheckInterval: .milliseconds(200), health: health)
        let running = Task { try await service.run() }
        try await AbsenceFixture.waitUntilReady(health)
        let triggers = try await fixture.context.consumer(group: uniqueName("check"), topics: [fixture.output], isolation: .readCommitted)

        // The quiet dataset arrives once; then every partition keeps receiving other datasets, 20 every 10 ms, until
        // the absence has fired (or 30 s have passed).
        try await fixture.producer.send([fixture.arrival("quiet-1", dataset: "quiet")])
        var sent = 0
        let flowEnds = ContinuousClock.now.advanced(by: .seconds(30))
        while triggers.messages.isEmpty, ContinuousClock.now < flowEnds {
            try await fixture.producer.send((0..<20).map { fixture.arrival("busy-\(sent + $0)", dataset: "ds-\((sent + $0) % 64)") })
            sent += 20
            try await Task.sleep(for: .milliseconds(10))
        }
        let firedWhileBusy = !triggers.messages.isEmpty
        await service.triggerGracefulShutdown()
        try await running.value
        #expect(firedWhileBusy, "the absence fired while \(sent) other events kept arriving")
        #expect(AbsenceFixture.fired(triggers).map(\.key) == ["quiet"])
        try await triggers.stop()
        try await fixture.producer.shutdown()
    }

    @Test("changed rule files are reloaded between batches; a change that does not validate is refused and the old rules go on")
    func reload() async throws {
        let context = try await TansuContext.start()
        let input = try await context.createTopic("reload-in", partitions: 4)
        let output = try await context.createTopic("reload-out", partitions: 4)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("reload")).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let rulesFile = folder + "/rules.yaml"
        func rule(_ id: String) -> String {
            "rules:\n  - {id: \(id), on: data.arrived, match: {data.dataset: ds-0}, key: data.dataset, emit: {type: retrain.requested, topic: \(output), data: {target: x, reason: y}}}\n"
        }
        try rule("before").write(toFile: rulesFile, atomically: true, encoding: .utf8)
        let configuration = ServeConfiguration(
            kafka: context.broker.clientConfiguration, groupID: uniqueName("reload"), instanceID: uniqueName("instance"),
            inputs: [ServeConfiguration.Input(stream: .dataArrivals, topics: [input])], auditTopic: uniqueName("audit"),
            deadLetterTopic: uniqueName("dlq"), ruleFiles: [rulesFile], delivery: .atLeastOnce, stateTopic: uniqueName("state"),
            repartitionTopic: uniqueName("repartition"), sessionTimeout: .seconds(6))
        let pipeline = TriggerPipeline(
            configuration: configuration, ruleSet: try RuleSet.load(files: [rulesFile]),
            schemas: try EventSchemas(directory: ServeIntegrationTests.repository + "/topics/schemas"), health: ServiceHealth(),
            logger: context.logger)
        let group = ServiceGroup(services: [pipeline], logger: context.logger)
        let running = Task { try await group.run() }
        let producer = try await context.producer()
        let codec = CloudEventKafkaCodec()
        let events = ServeIntegrationTests.events(count: 120).filter { $0.data?[path: "dataset"]?.stringValue == "ds-0" }
        var next = 0
        func sendOne() async throws {
            let record = codec.encode(events[next % events.count], key: "ds-0", mode: .binary)
            next += 1
            try await producer.send(
                KafkaProducerMessage(topic: input, key: record.key, value: record.value, headers: record.headers.map { KafkaHeader(key: $0.name, value: $0.value) }))
        }
        let triggers = try await context.consumer(group: uniqueName("check"), topics: [output])
        @Sendable func rules(_ harness: ConsumerHarness) -> [String] {
            harness.messages.compactMap { $0.headers.first(where: { $0.key == "ce_ruleid" })?.value.map { String(decoding: $0, as: UTF8.self) } }
        }
        try await sendOne()
        try await triggers.wait(for: "a trigger of the first rules", limit: .seconds(60)) { rules($0).contains("before") }

        // A broken file: the reloader (which looks every 2 s) refuses it, and the running rule goes on.
        try "rules:\n  - {id: Broken, on: data.arrived}\n".write(toFile: rulesFile, atomically: true, encoding: .utf8)
        try await Task.sleep(for: .seconds(3))
        let seen = triggers.messages.count
        try await sendOne()
        try await triggers.wait(for: "another trigger of the first rules") { $0.messages.count > seen }
        #expect(Set(rules(triggers)) == ["before"])

        // A valid change takes over between two batches.
        try rule("after").write(toFile: rulesFile, atomically: true, encoding: .utf8)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !rules(triggers).contains("after"), ContinuousClock.now < deadline {
            // Each event is evaluated by whichever rules run when its batch comes: keep sending until the new ones do.
            try await sendOne()
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(rules(triggers).contains("after"))
        await group.triggerGracefulShutdown()
        try await running.value
        try await triggers.stop()
        try await producer.shutdown()
    }
}
