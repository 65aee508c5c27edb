extension SourceAdapter {
    /// GitHub `push` webhook payloads: one `code.changed` for a push to a branch.
    ///
    /// Recognised by `ref`, `after`, `repository` and `commits`. Tag pushes and branch deletions are refused: neither
    /// changes code on a branch.
    public static let githubPush = SourceAdapter(
        name: "github-push",
        recognises: { payload in
            payload["ref"] != nil && payload["after"] != nil && payload["repository"] != nil && payload["commits"] != nil
        },
        translate: { (payload) throws(CloudEventDecodingError) in [try GitHubPush.event(payload)] })
}

/// The translation of a GitHub push payload.
enum GitHubPush {
    static let branchPrefix = "refs/heads/"

    static func event(_ payload: PayloadObject) throws(CloudEventDecodingError) -> (event: CloudEvent, key: String) {
        let ref = try payload.string("ref")
        if ref.hasPrefix("refs/tags/") {
            throw payload.invalid("ref", "\(ref.prefix(300)) is a tag push, not a code change on a branch")
        }
        guard ref.hasPrefix(branchPrefix), ref.count > branchPrefix.count else {
            throw payload.invalid("ref", "\(ref.prefix(300)) is not a branch (refs/heads/...)")
        }
        let branch = try payload.bounded(String(ref.dropFirst(branchPrefix.count)), "ref")
        let after = try payload.string("after")
        if payload.value("deleted") == .bool(true) {
            throw payload.invalid("deleted", "the push deleted branch \(branch), which is not a code change")
        }
        if after.allSatisfy({ $0 == "0" }) {
            throw payload.invalid("after", "after is all zeros: the push deleted branch \(branch), which is not a code change")
        }
        guard (7...64).contains(after.utf8.count), after.allSatisfy(\.isHexDigit) else {
            throw payload.invalid("after", "after \"\(after.prefix(64))\" is not a commit hash")
        }
        let repository = try payload.object("repository")
        let fullName = try repository.bounded(try repository.string("full_name"), "full_name")

        var paths = Set<String>()
        for commit in try payload.objects("commits") {
            for list in ["added", "removed", "modified"] {
                paths.formUnion(try commit.strings(list).filter { !$0.isEmpty })
            }
        }
        let headCommit = payload.optionalObject("head_commit")
        let author = headCommit?.optionalObject("author")?.optionalString("name")
            ?? payload.optionalObject("pusher")?.optionalString("name")

        var data = JSONObject()
        data["repository"] = .string(fullName)
        data["branch"] = .string(branch)
        data["commit"] = .string(after)
        if let author, author.unicodeScalars.count <= 256 { data["author"] = .string(author) }
        data["changed_paths"] = .array(paths.sorted().map(JSONValue.string))

        let time = try headCommit.map { (commit) throws(CloudEventDecodingError) in try commit.timestamp("timestamp") }
        let source = repository.optionalString("html_url") ?? "github"
        let event = SourceAdapter.event(
            type: "code.changed", id: fullName + "@" + after, source: source, subject: fullName, time: time, data: data)
        return (event, fullName)
    }
}
