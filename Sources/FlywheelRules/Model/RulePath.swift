import FlywheelEvents

/// Checks of the dotted paths rules use in `match`, `condition`, `key`, aggregates and templates.
enum RulePath {
    struct Problem {
        var message: String
        var hint: String?
    }

    /// Why `path` cannot name a part of a CloudEvent, or nil when it can.
    static func problem(_ path: [String]) -> Problem? {
        guard let first = path.first, !path.contains(where: \.isEmpty) else {
            return Problem(message: "'\(path.joined(separator: "."))' is not a path", hint: "write names joined by dots, like data.dataset")
        }
        if first == "data" { return nil }
        if CloudEvent.pathAttributes.contains(first) {
            return path.count == 1
                ? nil
                : Problem(message: "attribute \(first) has no fields", hint: "fields of the payload are under data, like data.\(path.dropFirst().joined(separator: "."))")
        }
        let isExtension = first.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
        if isExtension && path.count == 1 { return nil }
        return Problem(
            message: "'\(path.joined(separator: "."))' is neither a CloudEvent attribute nor under data",
            hint: "did you mean data.\(path.joined(separator: "."))?")
    }
}
