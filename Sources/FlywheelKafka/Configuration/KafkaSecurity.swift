/// How a client authenticates and encrypts: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
public struct KafkaSecurity: Sendable {
    /// The Kafka `security.protocol`.
    public struct SecurityProtocol: Hashable, Sendable, CustomStringConvertible {
        let value: String
        public static let plaintext = SecurityProtocol(value: "plaintext")
        public static let ssl = SecurityProtocol(value: "ssl")
        public static let saslPlaintext = SecurityProtocol(value: "sasl_plaintext")
        public static let saslSSL = SecurityProtocol(value: "sasl_ssl")
        public var description: String { value.uppercased() }
    }

    public var securityProtocol: SecurityProtocol
    public var sasl: KafkaSASL?
    public var tls: KafkaTLS?

    public init(securityProtocol: SecurityProtocol, sasl: KafkaSASL? = nil, tls: KafkaTLS? = nil) {
        self.securityProtocol = securityProtocol
        self.sasl = sasl
        self.tls = tls
    }

    public static let plaintext = KafkaSecurity(securityProtocol: .plaintext)
    public static func ssl(_ tls: KafkaTLS = KafkaTLS()) -> KafkaSecurity {
        KafkaSecurity(securityProtocol: .ssl, tls: tls)
    }
    public static func saslPlaintext(_ sasl: KafkaSASL) -> KafkaSecurity {
        KafkaSecurity(securityProtocol: .saslPlaintext, sasl: sasl)
    }
    public static func saslSSL(_ sasl: KafkaSASL, tls: KafkaTLS = KafkaTLS()) -> KafkaSecurity {
        KafkaSecurity(securityProtocol: .saslSSL, sasl: sasl, tls: tls)
    }

    func apply(to properties: inout RDKafkaProperties) {
        properties.set("security.protocol", securityProtocol.value, field: "security.securityProtocol")
        if let sasl {
            properties.set("sasl.mechanisms", sasl.mechanism.value, field: "security.sasl.mechanism")
            properties.set("sasl.username", sasl.username, field: "security.sasl.username")
            properties.set("sasl.password", sasl.password, field: "security.sasl.password", isSecret: true)
        }
        if let tls {
            if let caFile = tls.caFile { properties.set("ssl.ca.location", caFile, field: "security.tls.caFile") }
            if let certificateFile = tls.certificateFile {
                properties.set("ssl.certificate.location", certificateFile, field: "security.tls.certificateFile")
            }
            if let keyFile = tls.keyFile { properties.set("ssl.key.location", keyFile, field: "security.tls.keyFile") }
            if let keyPassword = tls.keyPassword {
                properties.set("ssl.key.password", keyPassword, field: "security.tls.keyPassword", isSecret: true)
            }
            properties.set(
                "ssl.endpoint.identification.algorithm", tls.verifyHostname ? "https" : "none",
                field: "security.tls.verifyHostname")
        }
    }
}

/// SASL credentials.
public struct KafkaSASL: Sendable, CustomStringConvertible {
    public struct Mechanism: Hashable, Sendable {
        let value: String
        public static let plain = Mechanism(value: "PLAIN")
        public static let scramSHA256 = Mechanism(value: "SCRAM-SHA-256")
        public static let scramSHA512 = Mechanism(value: "SCRAM-SHA-512")
    }

    public var mechanism: Mechanism
    public var username: String
    /// Never logged nor printed.
    public var password: String

    public init(mechanism: Mechanism, username: String, password: String) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
    }

    public var description: String { "KafkaSASL(\(mechanism.value), username: \(username), password: <redacted>)" }
}

/// TLS files and checks.
public struct KafkaTLS: Sendable, CustomStringConvertible {
    /// PEM file of the CA certificates that sign the brokers'; `nil` uses the system's store.
    public var caFile: String?
    /// Client certificate (PEM) for mutual TLS.
    public var certificateFile: String?
    public var keyFile: String?
    /// Never logged nor printed.
    public var keyPassword: String?
    public var verifyHostname: Bool

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, keyPassword: String? = nil,
        verifyHostname: Bool = true
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyPassword = keyPassword
        self.verifyHostname = verifyHostname
    }

    public var description: String {
        "KafkaTLS(caFile: \(caFile ?? "system"), certificateFile: \(certificateFile ?? "none"), "
            + "keyFile: \(keyFile ?? "none"), keyPassword: \(keyPassword == nil ? "none" : "<redacted>"), "
            + "verifyHostname: \(verifyHostname))"
    }
}
