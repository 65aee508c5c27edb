/// The partition a keyed record goes to under Kafka's default partitioner (the Java client's, and librdkafka's
/// `murmur2_random` for keyed records): murmur2 of the key bytes, made positive, modulo the partition count.
///
/// Flywheel's producers of keyed internal records use the same partitioner, so the service can tell where a key's
/// records are without asking the broker.
public enum KafkaPartitioner {
    /// The partition of `key` among `partitions` partitions.
    public static func partition(of key: some Collection<UInt8>, partitions: Int32) -> Int32 {
        precondition(partitions > 0, "a topic has at least one partition")
        return Int32(bitPattern: UInt32(bitPattern: murmur2(key)) & 0x7FFF_FFFF) % partitions
    }

    /// The partition of the UTF-8 bytes of `key`.
    public static func partition(of key: String, partitions: Int32) -> Int32 {
        var key = key
        return key.withUTF8 { partition(of: $0, partitions: partitions) }
    }

    /// Kafka's 32-bit murmur2 with its seed, as `org.apache.kafka.common.utils.Utils.murmur2` computes it.
    public static func murmur2(_ key: some Collection<UInt8>) -> Int32 {
        // Read in place where the bytes are contiguous (an array, a string's UTF-8): no copy per key.
        key.withContiguousStorageIfAvailable(murmur2(bytes:)) ?? Array(key).withUnsafeBufferPointer(murmur2(bytes:))
    }

    private static func murmur2(bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        let m: UInt32 = 0x5BD1_E995
        let length = UInt32(truncatingIfNeeded: bytes.count)
        var h: UInt32 = 0x9747_B28C ^ length
        let whole = bytes.count / 4
        for index in 0..<whole {
            let at = index * 4
            var k = UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            k = k &* m
            k ^= k >> 24
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = whole * 4
        switch bytes.count % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h = h &* m
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h = h &* m
        case 1:
            h ^= UInt32(bytes[tail])
            h = h &* m
        default:
            break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }
}
