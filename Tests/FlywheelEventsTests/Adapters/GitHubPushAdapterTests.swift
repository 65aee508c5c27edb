import FlywheelEvents
import Testing

@Suite("GitHub push source adapter")
struct GitHubPushAdapterTests {
    @Test("a push to a branch becomes one code.changed with the paths of all its commits")
    func push() throws {
        let events = try adapt(AdapterFixtures.githubPush)
        try #require(events.count == 1)
        let adapted = events[0]
        #expect(adapted.key == "acme/churn")
        #expect(adapted.original == Array(AdapterFixtures.githubPush.utf8))
        #expect(adapted.event.id == "acme/churn@59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5")
        #expect(adapted.event.type == "code.changed")
        #expect(adapted.event.source == "https://github.example.com/acme/churn")
        #expect(adapted.event.subject == "acme/churn")
        #expect(adapted.event.time == "2026-11-22T11:05:31+01:00")
        #expect(adapted.event.datacontenttype == "application/json")
        #expect(adapted.event.dataschema == "https://flywheel.dev/schemas/code.changed/v1.json")
        #expect(adapted.event.extensions == ["originaltype": "github-push"])
        #expect(adapted.event.data.map(JSONWriter.string) == #"""
            {"repository":"acme/churn","branch":"main","commit":"59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5",\#
            "author":"Grace Hopper","changed_paths":["README.md","features/old_builder.py","monitoring/psi.py",\#
            "pipelines/train.py"]}
            """#)
    }

    @Test("without a head commit the pusher is the author and the event has no time")
    func noHeadCommit() throws {
        let payload = #"""
            {"ref": "refs/heads/feature/psi", "before": "0000000000000000000000000000000000000000",
             "after": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "created": true, "deleted": false,
             "repository": {"full_name": "acme/churn"}, "pusher": {"name": "octo-ml"}, "commits": [], "head_commit": null}
            """#
        let event = try #require(try adapt(payload).first).event
        #expect(event.source == "github")
        #expect(event.time == nil)
        #expect(event.data?[path: "branch"] == .string("feature/psi"))
        #expect(event.data?[path: "author"] == .string("octo-ml"))
        #expect(event.data?[path: "changed_paths"] == .array([]))
    }

    @Test("a tag push is not a code change")
    func tagPush() {
        let error = adaptationError(AdapterFixtures.githubTagPush)
        #expect(error?.reason == .invalidAttribute)
        #expect(error?.field == "/ref")
    }

    @Test("a branch deletion is not a code change")
    func branchDeletion() {
        let error = adaptationError(AdapterFixtures.githubBranchDeletion)
        #expect(error?.reason == .invalidAttribute)
        #expect(error?.field == "/deleted")
        let withoutFlag = AdapterFixtures.githubBranchDeletion.replacing(#""deleted": true"#, with: #""deleted": false"#)
        #expect(adaptationError(withoutFlag)?.field == "/after")
    }

    @Test("a changed path that is not a string names its place")
    func badPath() {
        let payload = AdapterFixtures.githubPush.replacing(#""added": ["monitoring/psi.py"]"#, with: #""added": [7]"#)
        #expect(adaptationError(payload)?.field == "/commits/0/added/0")
    }
}
