import FlywheelKafka
import FlywheelYAML
import Foundation
import Yams

extension ServeConfiguration {
    static let fields = [
        "kafka", "group_id", "instance_id", "inputs", "outputs", "rules", "schemas", "delivery", "state_topic", "repartition_topic", "http",
        "session_timeout", "max_batch", "max_batch_bytes", "absence_check_interval", "offset_reset", "broker_check_interval", "fetch_max_wait",
    ]
    static let kafkaFields = ["bootstrap_servers", "client_id", "security", "properties"]
    static let securityFields = ["protocol", "sasl", "tls"]
    static let saslFields = ["mechanism", "username", "password"]
    static let tlsFields = ["ca_file", "certificate_file", "key_file", "key_password", "verify_hostname"]
    static let inputFields = ["topics", "key"]
    static let outputFields = ["topics", "audit_topic", "dead_letter_topic", "compression"]
    static let httpFields = ["host", "port"]

    /// Reads the configuration file at `path`; environment variables (`Environment`) override its secrets. Every
    /// problem is reported with `file:line:column` and the field.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ServiceError) -> ServeConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ServiceError(
                code: .invalidConfiguration,
                diagnostics: [YAMLDiagnostic(location: YAMLLocation(file: path), message: "cannot read the configuration: \(error.localizedDescription)")])
        }
        return try parse(yaml: text, path: path, environment: environment)
    }

    /// Reads a configuration given as text, as the file `path` (rule files and schemas resolve against its folder).
    public static func parse(yaml text: String, path: String, environment: [String: String] = [:]) throws(ServiceError) -> ServeConfiguration {
        var reader = ConfigurationReader(yaml: YAMLReader(file: path), environment: environment)
        let configuration = reader.read(text)
        let errors = reader.yaml.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty, let configuration else {
            throw ServiceError(code: .invalidConfiguration, diagnostics: errors)
        }
        return configuration
    }
}

/// Reads the fields of a configuration file.
private struct ConfigurationReader {
    var yaml: YAMLReader
    let environment: [String: String]

    mutating func read(_ text: String) -> ServeConfiguration? {
        guard let composed = yaml.compose(text) else { return nil }
        guard let root = composed else {
            yaml.diagnostics.append(
                YAMLDiagnostic(
                    location: YAMLLocation(file: yaml.file, line: 1, column: 1), message: "the configuration is empty",
                    hint: "see docs/configuration.md for the fields"))
            return nil
        }
        guard let fields = yaml.fields(of: root, known: ServeConfiguration.fields, what: "the configuration") else { return nil }
        let folder = (yaml.file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String { path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path }

        let kafka = fields["kafka"].flatMap { self.kafka($0) }
        if fields["kafka"] == nil { yaml.error(root, "missing field kafka", hint: "kafka: {bootstrap_servers: [host:9092]}") }
        let groupID = fields["group_id"].flatMap { yaml.text($0, field: "group_id") } ?? "flywheel"
        let instanceID = environment[ServeConfiguration.Environment.instanceID]
            ?? fields["instance_id"].flatMap { yaml.text($0, field: "instance_id") } ?? ServeConfiguration.defaultInstanceID
        let inputs = fields["inputs"].map { self.inputs($0) } ?? []
        if fields["inputs"] == nil {
            yaml.error(root, "missing field inputs", hint: "inputs: {data_arrivals: {topics: [mlops.data.arrivals]}}")
        }
        var outputTopics: [String] = []
        var auditTopic = "flywheel.trigger.audit"
        var deadLetterTopic = "flywheel.deadletter"
        var compression = KafkaProducerConfiguration.Compression.lz4
        if let outputsNode = fields["outputs"], let outputs = yaml.fields(of: outputsNode, known: ServeConfiguration.outputFields, what: "outputs") {
            if let topics = outputs["topics"] { outputTopics = topicList(topics, field: "outputs.topics") }
            if let node = outputs["audit_topic"] { auditTopic = topic(node, field: "outputs.audit_topic") ?? auditTopic }
            if let node = outputs["dead_letter_topic"] { deadLetterTopic = topic(node, field: "outputs.dead_letter_topic") ?? deadLetterTopic }
            if let node = outputs["compression"] {
                if let chosen = KafkaProducerConfiguration.Compression.all.first(where: { $0.description == node.scalar?.string }) {
                    compression = chosen
                } else {
                    yaml.error(
                        node, "outputs.compression must be one of \(KafkaProducerConfiguration.Compression.all.map(\.description).joined(separator: ", ")), not \(YAMLReader.shown(node))",
                        hint: "lz4 costs little CPU; zstd compresses more")
                }
            }
        }
        var ruleFiles: [String] = []
        if let rulesNode = fields["rules"] {
            ruleFiles = stringList(rulesNode, field: "rules").map(resolve)
        } else {
            yaml.error(root, "missing field rules", hint: "rules: [rules/mlops.yaml], relative to this file")
        }
        let schemas = fields["schemas"].flatMap { yaml.text($0, field: "schemas") }.map(resolve)
        var delivery = ServeConfiguration.Delivery.exactlyOnce
        if let node = fields["delivery"] {
            let name = node.scalar?.string ?? ""
            if let chosen = ServeConfiguration.Delivery.all.first(where: { $0.name == name }) {
                delivery = chosen
            } else {
                yaml.error(node, "delivery must be exactly-once or at-least-once, not \(YAMLReader.shown(node))", hint: "at-least-once is for brokers without transactions")
            }
        }
        let stateTopic = fields["state_topic"].flatMap { topic($0, field: "state_topic") } ?? "flywheel.state"
        let repartitionTopic = fields["repartition_topic"].flatMap { topic($0, field: "repartition_topic") } ?? "flywheel.repartition"
        var http = ServeConfiguration.HTTP()
        if let httpNode = fields["http"], let httpFields = yaml.fields(of: httpNode, known: ServeConfiguration.httpFields, what: "http") {
            if let host = httpFields["host"] { http.host = yaml.text(host, field: "http.host") ?? http.host }
            if let port = httpFields["port"] {
                if let number = port.int, (0...65535).contains(number), port.tag.rawValue == Tag.Name.int.rawValue {
                    http.port = number
                } else {
                    yaml.error(port, "http.port must be a port number from 0 to 65535, not \(YAMLReader.shown(port))")
                }
            }
        }
        /// A duration field within `range` milliseconds (`shown` says the range to a reader), or `fallback`.
        func duration(_ name: String, _ fallback: Duration, range: ClosedRange<Int64>, shown: String, hint: String) -> Duration {
            guard let node = fields[name], let milliseconds = yaml.duration(node, field: name) else { return fallback }
            guard range.contains(milliseconds) else {
                yaml.error(node, "\(name) must be from \(shown)", hint: hint)
                return fallback
            }
            return .milliseconds(milliseconds)
        }
        let sessionTimeout = duration(
            "session_timeout", .seconds(45), range: 6_000...300_000, shown: "6s to 5m", hint: "brokers refuse other values by default")
        var maxBatch = ServeConfiguration.defaultMaxBatchSize
        if let node = fields["max_batch"] {
            if let number = node.int, (1...100_000).contains(number), node.tag.rawValue == Tag.Name.int.rawValue {
                maxBatch = number
            } else {
                yaml.error(node, "max_batch must be a whole number from 1 to 100000, not \(YAMLReader.shown(node))")
            }
        }
        var maxBatchBytes = ServeConfiguration.defaultMaxBatchBytes
        if let node = fields["max_batch_bytes"] {
            if let bytes = ConfigurationReader.byteSize(node), (64 << 10...1 << 30).contains(bytes) {
                maxBatchBytes = bytes
            } else {
                yaml.error(
                    node, "max_batch_bytes must be a size from 64KiB to 1GiB, not \(YAMLReader.shown(node))",
                    hint: "bytes, or a number with KiB, MiB or GiB, like 32MiB")
            }
        }
        var absenceInterval = Duration.seconds(1)
        if let node = fields["absence_check_interval"], let milliseconds = yaml.duration(node, field: "absence_check_interval") {
            absenceInterval = .milliseconds(milliseconds)
        }
        let brokerCheckInterval = duration(
            "broker_check_interval", .seconds(2), range: 100...300_000, shown: "100ms to 5m", hint: "readiness follows the cluster this often")
        let fetchMaxWait = duration(
            "fetch_max_wait", .milliseconds(20), range: 1...10_000, shown: "1ms to 10s", hint: "how long a broker may hold a fetch without new records")
        var offsetReset = KafkaConsumerConfiguration.OffsetReset.earliest
        if let node = fields["offset_reset"] {
            switch node.scalar?.string {
            case "earliest": offsetReset = .earliest
            case "latest": offsetReset = .latest
            default: yaml.error(node, "offset_reset must be earliest or latest, not \(YAMLReader.shown(node))", hint: "where a new consumer group starts on the inputs")
            }
        }
        let internalTopics = [("outputs.audit_topic", auditTopic), ("outputs.dead_letter_topic", deadLetterTopic), ("state_topic", stateTopic), ("repartition_topic", repartitionTopic)]
        for input in inputs {
            for topic in input.topics {
                if let clash = internalTopics.first(where: { $0.1 == topic }) {
                    yaml.error(fields["inputs"], "input topic \(topic) is also \(clash.0)", hint: "Flywheel's own topics must differ from its inputs")
                }
            }
        }
        guard let kafka, yaml.errorCount == 0 else { return nil }
        var configuration = ServeConfiguration(
            kafka: kafka, groupID: groupID, instanceID: instanceID, inputs: inputs, outputTopics: outputTopics, auditTopic: auditTopic,
            deadLetterTopic: deadLetterTopic, ruleFiles: ruleFiles, schemasDirectory: schemas, delivery: delivery,
            stateTopic: stateTopic, repartitionTopic: repartitionTopic, http: http, sessionTimeout: sessionTimeout,
            maxBatchSize: maxBatch, absenceCheckInterval: absenceInterval, offsetReset: offsetReset,
            brokerCheckInterval: brokerCheckInterval, fetchMaxWait: fetchMaxWait)
        configuration.maxBatchBytes = maxBatchBytes
        configuration.compression = compression
        return configuration
    }

    /// A size: a whole number of bytes, or a whole number with `KiB`, `MiB` or `GiB`; nil if it is neither.
    static func byteSize(_ node: Node) -> Int? {
        if node.tag.rawValue == Tag.Name.int.rawValue, let number = node.int { return number }
        guard let text = node.scalar?.string else { return nil }
        for (suffix, shift) in [("KiB", 10), ("MiB", 20), ("GiB", 30)] where text.hasSuffix(suffix) {
            guard let number = Int(text.dropLast(suffix.count)), number >= 0, number <= Int.max >> shift else { return nil }
            return number << shift
        }
        return nil
    }

    // MARK: Kafka

    mutating func kafka(_ node: Node) -> KafkaClientConfiguration? {
        guard let fields = yaml.fields(of: node, known: ServeConfiguration.kafkaFields, what: "kafka") else { return nil }
        var servers: [String] = []
        if let override = environment[ServeConfiguration.Environment.bootstrapServers], !override.isEmpty {
            servers = override.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        } else if let serversNode = fields["bootstrap_servers"] {
            servers = serversNode.scalar != nil
                ? (yaml.text(serversNode, field: "kafka.bootstrap_servers") ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                : stringList(serversNode, field: "kafka.bootstrap_servers")
            for server in servers where !server.contains(":") {
                yaml.error(serversNode, "kafka.bootstrap_servers: '\(server)' has no port", hint: "host:port, like broker-1:9092")
            }
        } else {
            yaml.error(node, "missing field kafka.bootstrap_servers", hint: "or set \(ServeConfiguration.Environment.bootstrapServers)")
        }
        let clientID = fields["client_id"].flatMap { yaml.text($0, field: "kafka.client_id") } ?? "flywheel"
        var security = KafkaSecurity.plaintext
        if let securityNode = fields["security"] { security = self.security(securityNode) ?? security }
        var properties: [String: String] = [:]
        if let propertiesNode = fields["properties"] {
            if case .mapping(let mapping) = propertiesNode {
                for (key, value) in mapping {
                    guard let name = key.scalar?.string, let text = value.scalar?.string else {
                        yaml.error(value, "kafka.properties values must be single values (librdkafka properties)")
                        continue
                    }
                    properties[name] = text
                }
            } else {
                yaml.error(propertiesNode, "kafka.properties must be a mapping of librdkafka properties", hint: "like {socket.keepalive.enable: true}")
            }
        }
        return KafkaClientConfiguration(bootstrapServers: servers, clientID: clientID, security: security, additionalProperties: properties)
    }

    mutating func security(_ node: Node) -> KafkaSecurity? {
        guard let fields = yaml.fields(of: node, known: ServeConfiguration.securityFields, what: "kafka.security") else { return nil }
        let protocols: [String: KafkaSecurity.SecurityProtocol] = [
            "plaintext": .plaintext, "ssl": .ssl, "sasl_plaintext": .saslPlaintext, "sasl_ssl": .saslSSL,
        ]
        guard let protocolNode = fields["protocol"] else {
            yaml.error(node, "missing field kafka.security.protocol", hint: "one of plaintext, ssl, sasl_plaintext, sasl_ssl")
            return nil
        }
        guard let securityProtocol = protocolNode.scalar.flatMap({ protocols[$0.string.lowercased()] }) else {
            yaml.error(protocolNode, "kafka.security.protocol must be one of plaintext, ssl, sasl_plaintext, sasl_ssl, not \(YAMLReader.shown(protocolNode))")
            return nil
        }
        var sasl: KafkaSASL?
        if let saslNode = fields["sasl"], let saslFields = yaml.fields(of: saslNode, known: ServeConfiguration.saslFields, what: "kafka.security.sasl") {
            let mechanisms: [String: KafkaSASL.Mechanism] = ["PLAIN": .plain, "SCRAM-SHA-256": .scramSHA256, "SCRAM-SHA-512": .scramSHA512]
            let mechanismNode = saslFields["mechanism"]
            let mechanism = mechanismNode?.scalar.flatMap { mechanisms[$0.string.uppercased()] }
            if mechanism == nil {
                yaml.error(mechanismNode ?? saslNode, "kafka.security.sasl.mechanism must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
            }
            let username = environment[ServeConfiguration.Environment.saslUsername] ?? saslFields["username"].flatMap { yaml.text($0, field: "kafka.security.sasl.username") }
            let password = environment[ServeConfiguration.Environment.saslPassword] ?? saslFields["password"].flatMap { yaml.text($0, field: "kafka.security.sasl.password") }
            if username == nil { yaml.error(saslNode, "missing kafka.security.sasl.username", hint: "or set \(ServeConfiguration.Environment.saslUsername)") }
            if password == nil { yaml.error(saslNode, "missing kafka.security.sasl.password", hint: "set \(ServeConfiguration.Environment.saslPassword) rather than writing it in the file") }
            if let mechanism, let username, let password { sasl = KafkaSASL(mechanism: mechanism, username: username, password: password) }
        }
        var tls: KafkaTLS?
        if let tlsNode = fields["tls"], let tlsFields = yaml.fields(of: tlsNode, known: ServeConfiguration.tlsFields, what: "kafka.security.tls") {
            var settings = KafkaTLS()
            settings.caFile = tlsFields["ca_file"].flatMap { yaml.text($0, field: "kafka.security.tls.ca_file") }
            settings.certificateFile = tlsFields["certificate_file"].flatMap { yaml.text($0, field: "kafka.security.tls.certificate_file") }
            settings.keyFile = tlsFields["key_file"].flatMap { yaml.text($0, field: "kafka.security.tls.key_file") }
            settings.keyPassword = environment[ServeConfiguration.Environment.tlsKeyPassword] ?? tlsFields["key_password"].flatMap { yaml.text($0, field: "kafka.security.tls.key_password") }
            if let verify = tlsFields["verify_hostname"] {
                if let flag = verify.bool { settings.verifyHostname = flag } else { yaml.error(verify, "kafka.security.tls.verify_hostname must be true or false") }
            }
            tls = settings
        }
        let usesSASL = securityProtocol == .saslPlaintext || securityProtocol == .saslSSL
        if usesSASL, sasl == nil, fields["sasl"] == nil {
            yaml.error(protocolNode, "kafka.security.protocol \(securityProtocol) needs kafka.security.sasl", hint: "sasl: {mechanism: SCRAM-SHA-512, username: flywheel}")
        }
        if !usesSASL, let saslNode = fields["sasl"] {
            yaml.error(saslNode, "kafka.security.sasl has no effect with protocol \(securityProtocol)", hint: "use sasl_plaintext or sasl_ssl")
        }
        return KafkaSecurity(securityProtocol: securityProtocol, sasl: sasl, tls: tls)
    }

    // MARK: Inputs

    mutating func inputs(_ node: Node) -> [ServeConfiguration.Input] {
        guard let fields = yaml.fields(of: node, known: ServeConfiguration.Stream.all.map(\.name), what: "inputs") else { return [] }
        var inputs: [ServeConfiguration.Input] = []
        var seen: [String: String] = [:]
        for stream in ServeConfiguration.Stream.all {
            guard let streamNode = fields[stream.name],
                let streamFields = yaml.fields(of: streamNode, known: ServeConfiguration.inputFields, what: "inputs.\(stream.name)")
            else { continue }
            guard let topicsNode = streamFields["topics"] else {
                yaml.error(streamNode, "missing field inputs.\(stream.name).topics", hint: "the topics of this stream, like [mlops.data.arrivals]")
                continue
            }
            let topics = topicList(topicsNode, field: "inputs.\(stream.name).topics")
            for topic in topics {
                if let other = seen[topic] {
                    yaml.error(topicsNode, "topic \(topic) is in both inputs.\(other) and inputs.\(stream.name)", hint: "a topic belongs to one stream")
                }
                seen[topic] = stream.name
            }
            var key: [String]?
            if let keyNode = streamFields["key"], let text = yaml.text(keyNode, field: "inputs.\(stream.name).key") {
                key = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                if key!.contains(where: \.isEmpty) {
                    yaml.error(keyNode, "inputs.\(stream.name).key must be a path like data.dataset")
                }
            }
            inputs.append(ServeConfiguration.Input(stream: stream, topics: topics, key: key))
        }
        if inputs.isEmpty, yaml.errorCount == 0 {
            yaml.error(node, "inputs names no topics", hint: "at least one of \(ServeConfiguration.Stream.all.map(\.name).joined(separator: ", "))")
        }
        return inputs
    }

    // MARK: Values

    mutating func stringList(_ node: Node, field: String) -> [String] {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            yaml.error(node, "\(field) must be a non-empty list, not \(YAMLReader.shown(node))")
            return []
        }
        return sequence.compactMap { yaml.text($0, field: field) }
    }

    mutating func topicList(_ node: Node, field: String) -> [String] {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else {
            yaml.error(node, "\(field) must be a non-empty list of topics, not \(YAMLReader.shown(node))")
            return []
        }
        return sequence.compactMap { topic($0, field: field) }
    }

    mutating func topic(_ node: Node, field: String) -> String? {
        guard let name = yaml.text(node, field: field) else { return nil }
        guard YAMLReader.isTopicName(name) else {
            yaml.error(node, "\(field): '\(name)' is not a Kafka topic name", hint: "a-z, A-Z, 0-9, '.', '_', '-'; at most 249 characters")
            return nil
        }
        return name
    }
}
