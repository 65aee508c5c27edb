import Crypto

/// Deterministic trigger ids: a UUID (version 8, RFC 9562) made of the SHA-256 of rule id, key and firing time, so
/// that a replay or a restarted service gives a firing the same id and downstream can drop duplicates.
enum TriggerIdentity {
    /// `ordinal` tells apart firings of one rule and key at the same time; the first (0) is not hashed.
    static func triggerID(rule: String, key: String, time: Int64, ordinal: Int32) -> String {
        var text = "flywheel-trigger\u{0}\(rule)\u{0}\(key)\u{0}\(time)"
        if ordinal > 0 { text += "\u{0}\(ordinal)" }
        return uuid(Array(text.utf8))
    }

    static func auditID(triggerID: String) -> String {
        uuid(Array("flywheel-audit\u{0}\(triggerID)".utf8))
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
