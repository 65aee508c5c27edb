internal import CRdKafka

/// Facts about the librdkafka library linked at run time.
public enum LibRdKafka {
    /// The oldest librdkafka Flywheel runs with: 2.0.x mis-parses ApiVersions v3 responses of some brokers.
    public static let minimumVersion = (major: 2, minor: 8, patch: 0)

    /// The linked version, e.g. `2.8.0`.
    public static var versionString: String { String(cString: rd_kafka_version_str()) }

    /// The linked version as `0xMMmmrrpp`.
    public static var versionNumber: Int { Int(rd_kafka_version()) }

    /// The features compiled in (`builtin.features`): ssl, sasl_plain, sasl_scram, zstd, lz4, snappy, ...
    /// Read once: the loaded library does not change while the process runs, and every new client checks it.
    public static let builtinFeatures: Set<String> = {
        guard let conf = rd_kafka_conf_new() else { return [] }
        defer { rd_kafka_conf_destroy(conf) }
        var size = 0
        guard rd_kafka_conf_get(conf, "builtin.features", nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return [] }
        var buffer = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, "builtin.features", &buffer, &size) == RD_KAFKA_CONF_OK else { return [] }
        let text = String(cBuffer: buffer)
        return Set(text.split(separator: ",").map(String.init))
    }()

    /// Features Flywheel's configuration offers and so requires: TLS, SASL PLAIN and SCRAM, and the codecs.
    public static let requiredFeatures: Set<String> = ["ssl", "sasl_plain", "sasl_scram", "zstd", "lz4", "snappy"]

    /// Throws `.unsupportedLibrary` when the linked librdkafka is older than `minimumVersion` or lacks a feature.
    public static func checkSupported() throws(KafkaError) {
        let number = versionNumber
        let minimum = (minimumVersion.major << 24) | (minimumVersion.minor << 16) | (minimumVersion.patch << 8)
        if number < minimum {
            throw KafkaError(
                code: .unsupportedLibrary,
                reason: "Flywheel needs librdkafka \(minimumVersion.major).\(minimumVersion.minor).\(minimumVersion.patch)"
                    + " or newer, but the library loaded at run time is \(versionString). Run scripts/setup.sh, which"
                    + " builds librdkafka 2.8.0 from Debian's source package into .deps/, then rebuild Flywheel;"
                    + " or install librdkafka >= 2.8 system-wide"
            )
        }
        let missing = requiredFeatures.subtracting(builtinFeatures)
        if !missing.isEmpty {
            throw KafkaError(
                code: .unsupportedLibrary,
                reason: "librdkafka \(versionString) was built without \(missing.sorted().joined(separator: ", "));"
                    + " rebuild it with scripts/setup.sh"
            )
        }
    }
}
