import Crypto
import FlywheelEvents
import FlywheelYAML
import Yams

/// A rule's version: the lowercase hex SHA-256 of its definition as canonical JSON (members sorted by key), so
/// formatting, comments and member order in the file do not change it.
enum RuleVersion {
    static func hash(of node: Node) -> String {
        hex(SHA256.hash(data: canonicalJSON(YAMLReader.json(node))))
    }

    static func canonicalJSON(_ value: JSONValue) -> [UInt8] {
        JSONWriter.bytes(sorted(value))
    }

    private static func sorted(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var result = JSONObject()
            for member in object.members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                result[member.key] = sorted(member.value)
            }
            return .object(result)
        case .array(let items):
            return .array(items.map(sorted))
        default:
            return value
        }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
