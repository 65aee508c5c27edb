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
        let hex = RuleVersion.hex(digest)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
