import FlywheelKafka
import Testing

@Suite("librdkafka")
struct LibRdKafkaTests {
    @Test("the linked librdkafka is 2.8 or newer with TLS, SASL PLAIN/SCRAM and all codecs")
    func linkedLibraryIsSupported() throws {
        #expect(LibRdKafka.versionNumber >= 0x0208_0000, "linked \(LibRdKafka.versionString)")
        let features = LibRdKafka.builtinFeatures
        for feature in ["ssl", "sasl_plain", "sasl_scram", "zstd", "lz4", "snappy"] {
            #expect(features.contains(feature), "builtin.features lacks \(feature): \(features.sorted())")
        }
        try LibRdKafka.checkSupported()
    }
}
