import FlywheelKafka
import Testing

@Suite("Kafka's default partitioner")
struct KafkaPartitionerTests {
    // The values Apache Kafka's own tests give for Utils.murmur2.
    @Test("murmur2 gives Kafka's values", arguments: [
        ("21", Int32(-973_932_308)),
        ("foobar", -790_332_482),
        ("a-little-bit-long-string", -985_981_536),
        ("a-little-bit-longer-string", -1_486_304_829),
        ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
        ("abc", 479_470_107),
    ])
    func murmur2(_ key: String, _ expected: Int32) {
        #expect(KafkaPartitioner.murmur2(Array(key.utf8)) == expected)
        // The same from bytes that are not contiguous, and from a string.
        #expect(KafkaPartitioner.murmur2(AnyCollection(key.utf8)) == expected)
        #expect(KafkaPartitioner.partition(of: key, partitions: 7) == KafkaPartitioner.partition(of: Array(key.utf8), partitions: 7))
    }

    @Test("a partition is in range and stable")
    func partitions() {
        for key in ["a", "sales-eu", "model-17", String(repeating: "x", count: 1000)] {
            let partition = KafkaPartitioner.partition(of: key, partitions: 6)
            #expect((0..<6).contains(partition))
            #expect(KafkaPartitioner.partition(of: key, partitions: 6) == partition)
        }
    }
}
