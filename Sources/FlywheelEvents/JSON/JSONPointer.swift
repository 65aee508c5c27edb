/// JSON pointers (RFC 6901), as error messages and dead-letter headers name a field.
public enum JSONPointer {
    /// `["data", "a/b"]` → `/data/a~1b`.
    public static func make(_ components: [String]) -> String {
        components.map { component in
            var escaped = ""
            for character in component {
                switch character {
                case "~": escaped += "~0"
                case "/": escaped += "~1"
                default: escaped.append(character)
                }
            }
            return "/" + escaped
        }.joined()
    }
}
