import Crypto

/// Deterministic trigger ids: a UUID (version 8, RFC 9562) made of the SHA-256 of rule id, key and firing time
/// (each length-prefixed), so
/// that a replay or a restarted service gives a firing the same id and downstream can drop duplicates.
enum TriggerIdentity {
    /// `ordinal` tells apart firings of one rule and key at the same time; the first (0) is not hashed.
    static func triggerID(rule: String, key: String, time: Int64, ordinal: Int32) -> String {
        var fields = ["flywheel-trigger", rule, key, String(time)]
        if ordinal > 0 { fields.append(String(ordinal)) }
        return uuid(fields)
    }

    static func auditID(triggerID: String) -> String {
        uuid(["flywheel-audit", triggerID])
    }

    /// Each field is preceded by its length, so that no two different field lists hash the same bytes.
    private static func uuid(_ fields: [String]) -> String {
        var bytes: [UInt8] = []
        for field in fields {
            let utf8 = Array(field.utf8)
            withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes += utf8
        }
        return uuid(bytes)
    }

    private static func uuid(_ bytes: [UInt8]) -> String {
        var digest = Array(SHA256.hash(data: bytes).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x80
        digest[8] = (digest[8] & 0x3F) | 0x80
        // 8-4-4-4-12 lower-case hex digits, written in place.
        return String(unsafeUninitializedCapacity: 36) { text in
            let digits: StaticString = "0123456789abcdef"
            var position = 0
            for (index, byte) in digest.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                text[position] = digits.utf8Start[Int(byte >> 4)]
                text[position + 1] = digits.utf8Start[Int(byte & 0x0F)]
                position += 2
            }
            return position
        }
    }
}
