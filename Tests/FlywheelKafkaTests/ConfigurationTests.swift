import FlywheelTestSupport
import Testing

@testable import FlywheelKafka

@Suite("Configuration")
struct ConfigurationTests {
    let client = KafkaClientConfiguration(bootstrapServers: ["a:9092", "b:9092"], clientID: "svc")

    @Test("consumer settings become librdkafka properties with at-least-once offset handling")
    func consumerProperties() {
        var configuration = KafkaConsumerConfiguration(client: client, groupID: "g1", topics: ["t"])
        configuration.commitInterval = .milliseconds(2500)
        configuration.sessionTimeout = .seconds(6)
        let properties = configuration.properties
        #expect(properties["bootstrap.servers"] == "a:9092,b:9092")
        #expect(properties["group.id"] == "g1")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["auto.commit.interval.ms"] == "2500")
        #expect(properties["session.timeout.ms"] == "6000")
        #expect(properties["heartbeat.interval.ms"] == "2000")
        #expect(properties["isolation.level"] == "read_committed")
        #expect(properties["partition.assignment.strategy"] == "cooperative-sticky")
        // librdkafka's 1 s pause of a full prefetch queue would starve a fast consumer.
        #expect(properties["fetch.queue.backoff.ms"] == "10")
    }

    @Test("producers are idempotent with acks=all unless told otherwise")
    func producerDefaults() {
        let properties = KafkaProducerConfiguration(client: client).properties
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
    }

    @Test("pass-through properties override Flywheel's own")
    func passThroughWins() {
        var client = self.client
        client.additionalProperties = ["linger.ms": "50", "fetch.min.bytes": "1024"]
        let properties = KafkaProducerConfiguration(client: client, linger: .milliseconds(5)).properties
        #expect(properties["linger.ms"] == "50")
        #expect(properties["fetch.min.bytes"] == "1024")
    }

    @Test("SASL_SSL maps to the security properties and never prints secrets")
    func secretsAreRedacted() {
        var client = self.client
        client.security = .saslSSL(
            KafkaSASL(mechanism: .scramSHA512, username: "flywheel", password: "hunter2-secret"),
            tls: KafkaTLS(caFile: "/etc/ca.pem", keyPassword: "key-secret"))
        client.additionalProperties = ["sasl.oauthbearer.client.secret": "oauth-secret"]
        let properties = client.properties
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(properties["sasl.password"] == "hunter2-secret")
        #expect(properties["ssl.ca.location"] == "/etc/ca.pem")
        let printed = properties.description + "\(client.security.sasl!)" + "\(client.security.tls!)"
        #expect(!printed.contains("hunter2"))
        #expect(!printed.contains("key-secret"))
        #expect(!printed.contains("oauth-secret"))
        #expect(printed.contains("sasl.username=flywheel"))
    }

    @Test("a property librdkafka rejects is reported with the configuration field it came from")
    func badPropertyNamesField() throws {
        var client = self.client
        client.additionalProperties = ["no.such.property": "1"]
        let error = #expect(throws: KafkaError.self) { _ = try client.properties.makeConf() }
        #expect(error?.code == .configuration)
        #expect(error?.reason.contains("additionalProperties[\"no.such.property\"]") == true)

        var badValue = KafkaProducerConfiguration(client: self.client)
        badValue.maxQueuedMessages = -5
        let valueError = #expect(throws: KafkaError.self) { _ = try badValue.properties.makeConf() }
        #expect(valueError?.reason.contains("configuration field maxQueuedMessages") == true)
    }

    @Test("a bad password value is rejected without being echoed")
    func rejectedSecretIsNotEchoed() throws {
        var properties = RDKafkaProperties()
        properties.set("ssl.key.password", "top-secret", field: "security.tls.keyPassword", isSecret: true)
        properties.set("acks", "sometimes", field: "acks")
        let error = #expect(throws: KafkaError.self) { _ = try properties.makeConf() }
        #expect(error?.reason.contains("configuration field acks") == true)
        #expect(error.map { "\($0)" }?.contains("top-secret") == false)
    }

    @Test("consumer configuration is validated field by field")
    func consumerValidation() async throws {
        let error = await #expect(throws: KafkaError.self) {
            _ = try await KafkaConsumer(
                configuration: KafkaConsumerConfiguration(client: client, groupID: "", topics: ["t"]),
                logger: testLogger())
        }
        #expect(error?.reason == "configuration field groupID is empty")

        var small = KafkaConsumerConfiguration(client: client, groupID: "g", topics: ["t"])
        small.maxBatchBytes = 1 << 20
        small.bufferCapacityBytes = 1 << 19
        let bytesError = await #expect(throws: KafkaError.self) {
            _ = try await KafkaConsumer(configuration: small, logger: testLogger())
        }
        #expect(bytesError?.reason == "configuration field bufferCapacityBytes must be at least maxBatchBytes")
    }

    @Test("durations convert to whole milliseconds")
    func durations() {
        #expect(Duration.seconds(6).milliseconds == 6000)
        #expect(Duration.milliseconds(1500).milliseconds == 1500)
        #expect(Duration.microseconds(2500).milliseconds == 2)
    }
}
