import FlywheelKafka
import FlywheelService
import FlywheelYAML
import Foundation
import Testing

@Suite("flywheel serve configuration")
struct ServeConfigurationTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func errors(_ yaml: String, environment: [String: String] = [:]) -> [YAMLDiagnostic] {
        do {
            _ = try ServeConfiguration.parse(yaml: yaml, path: "flywheel.yaml", environment: environment)
            return []
        } catch {
            #expect(error.code == .invalidConfiguration)
            return error.diagnostics
        }
    }

    @Test("the example configuration loads, with paths resolved against its folder")
    func example() throws {
        let path = ServeConfigurationTests.repository + "/docs/examples/flywheel.yaml"
        let configuration = try ServeConfiguration.load(path: path, environment: [:])
        #expect(configuration.kafka.bootstrapServers == ["127.0.0.1:9092"])
        #expect(configuration.inputTopics == ["mlops.data.arrivals", "mlops.code.changes", "mlops.monitoring.alerts", "mlops.model.registry"])
        #expect(configuration.inputs.first?.key == ["data", "dataset"])
        #expect(configuration.delivery == .exactlyOnce)
        #expect(configuration.ruleFiles == [ServeConfigurationTests.repository + "/docs/examples/rules/mlops.yaml"])
        #expect(FileManager.default.fileExists(atPath: configuration.ruleFiles[0]))
        #expect(FileManager.default.fileExists(atPath: configuration.schemasDirectory!))
        #expect(configuration.outputTopics.count == 3)
        #expect(configuration.http.port == 8080)
    }

    @Test("environment variables override the secrets and the brokers")
    func environment() throws {
        let yaml = """
            kafka:
              bootstrap_servers: [a:9092]
              security:
                protocol: sasl_ssl
                sasl: {mechanism: scram-sha-512, username: file-user, password: file-secret}
                tls: {ca_file: /etc/ca.pem, key_password: file-key}
            inputs: {data_arrivals: {topics: [in]}}
            rules: [r.yaml]
            """
        let configuration = try ServeConfiguration.parse(yaml: yaml, path: "/etc/flywheel/flywheel.yaml", environment: [
            "FLYWHEEL_KAFKA_SASL_PASSWORD": "env-secret", "FLYWHEEL_KAFKA_TLS_KEY_PASSWORD": "env-key",
            "FLYWHEEL_KAFKA_BOOTSTRAP_SERVERS": "b:9093, c:9093",
        ])
        #expect(configuration.kafka.bootstrapServers == ["b:9093", "c:9093"])
        #expect(configuration.kafka.security.sasl?.username == "file-user")
        #expect(configuration.kafka.security.sasl?.password == "env-secret")
        #expect(configuration.kafka.security.sasl?.mechanism == .scramSHA512)
        #expect(configuration.kafka.security.tls?.keyPassword == "env-key")
        #expect(configuration.ruleFiles == ["/etc/flywheel/r.yaml"])
        #expect(!"\(configuration.kafka.security.sasl!)".contains("env-secret"), "secrets are not printed")
    }

    @Test("every problem names its field and place")
    func problems() {
        let found = errors("""
            kafka:
              bootstrap_servers: [broker-without-port]
              security: {protocol: sasl_ssl}
            inputs:
              data_arivals: {topics: [in]}
              code_changes: {topics: [flywheel.state]}
            rules: [r.yaml]
            delivery: twice
            http: {port: 70000}
            """)
        let lines = found.map(\.description)
        #expect(lines.contains("flywheel.yaml:2:22: error: kafka.bootstrap_servers: 'broker-without-port' has no port (hint: host:port, like broker-1:9092)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("flywheel.yaml:3:24: error: kafka.security.protocol SASL_SSL needs kafka.security.sasl") }, "\(lines)")
        #expect(lines.contains("flywheel.yaml:5:3: error: unknown field data_arivals in inputs (hint: did you mean data_arrivals?)"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("flywheel.yaml:8:11: error: delivery must be exactly-once or at-least-once, not 'twice'") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("flywheel.yaml:9:14: error: http.port must be a port number") }, "\(lines)")
        #expect(lines.contains { $0.contains("input topic flywheel.state is also state_topic") }, "\(lines)")
    }

    @Test("missing required fields are named", arguments: [
        ("inputs: {data_arrivals: {topics: [in]}}\nrules: [r.yaml]", "missing field kafka"),
        ("kafka: {bootstrap_servers: [a:1]}\nrules: [r.yaml]", "missing field inputs"),
        ("kafka: {bootstrap_servers: [a:1]}\ninputs: {data_arrivals: {topics: [in]}}", "missing field rules"),
        ("kafka: {bootstrap_servers: [a:1]}\ninputs: {data_arrivals: {}}\nrules: [r.yaml]", "missing field inputs.data_arrivals.topics"),
        ("", "the configuration is empty"),
        ("kafka: [", "not valid YAML"),
    ])
    func missing(_ yaml: String, _ message: String) {
        let found = errors(yaml)
        #expect(found.contains { $0.message.contains(message) }, "\(found)")
    }

    @Test("broker_check_interval: 2 s by default, set by a duration, refused outside 100 ms to 5 min")
    func brokerCheckInterval() throws {
        let base = "kafka: {bootstrap_servers: [b:9092]}\ninputs: {data_arrivals: {topics: [in]}}\nrules: [r.yaml]\n"
        #expect(try ServeConfiguration.parse(yaml: base, path: "flywheel.yaml").brokerCheckInterval == .seconds(2))
        #expect(try ServeConfiguration.parse(yaml: base + "broker_check_interval: 500ms", path: "flywheel.yaml").brokerCheckInterval == .milliseconds(500))
        let lines = errors(base + "broker_check_interval: 10m").map(\.description)
        #expect(lines.contains { $0.hasPrefix("flywheel.yaml:4:24: error: broker_check_interval must be from 100ms to 5m") }, "\(lines)")
    }

    @Test("max_batch_bytes: 32 MiB by default, set in bytes or KiB, MiB, GiB, refused outside 64 KiB to 1 GiB")
    func maxBatchBytes() throws {
        let base = "kafka: {bootstrap_servers: [b:9092]}\ninputs: {data_arrivals: {topics: [in]}}\nrules: [r.yaml]\n"
        func parsed(_ line: String) throws -> Int { try ServeConfiguration.parse(yaml: base + line, path: "flywheel.yaml").maxBatchBytes }
        #expect(try parsed("") == 32 << 20)
        #expect(try parsed("max_batch_bytes: 8MiB") == 8 << 20)
        #expect(try parsed("max_batch_bytes: 512KiB") == 512 << 10)
        #expect(try parsed("max_batch_bytes: 1GiB") == 1 << 30)
        #expect(try parsed("max_batch_bytes: 1048576") == 1 << 20)
        for bad in ["1000", "2GiB", "8 MiB", "8MB", "'1048576'", "-1MiB", "lots"] {
            let lines = errors(base + "max_batch_bytes: \(bad)").map(\.description)
            #expect(lines.contains { $0.hasPrefix("flywheel.yaml:4:18: error: max_batch_bytes must be a size from 64KiB to 1GiB") }, "\(bad): \(lines)")
        }
    }

    @Test("outputs.compression: lz4 by default, any librdkafka codec or none, anything else refused where it is")
    func compression() throws {
        let base = "kafka: {bootstrap_servers: [b:9092]}\ninputs: {data_arrivals: {topics: [in]}}\nrules: [r.yaml]\n"
        func parsed(_ line: String) throws -> KafkaProducerConfiguration.Compression {
            try ServeConfiguration.parse(yaml: base + line, path: "flywheel.yaml").compression
        }
        #expect(try parsed("") == .lz4)
        #expect(try parsed("outputs: {compression: zstd}") == .zstd)
        #expect(try parsed("outputs: {compression: none}") == .none)
        for bad in ["lz5", "LZ4", "true", "[lz4]"] {
            let lines = errors(base + "outputs: {compression: \(bad)}").map(\.description)
            #expect(lines.contains { $0.hasPrefix("flywheel.yaml:4:24: error: outputs.compression must be one of none, gzip, snappy, lz4, zstd") }, "\(bad): \(lines)")
        }
    }

    @Test("a file that cannot be read is an error naming it")
    func unreadable() {
        #expect(throws: ServiceError.self) { try ServeConfiguration.load(path: "/nonexistent/flywheel.yaml") }
    }
}
