@testable import FlywheelRules
import Testing

@Suite("Event ids kept in state")
struct CompactEventIDTests {
    @Test("every id comes back as it was given; only lower-case UUIDs are packed", arguments: [
        ("0f8fad5b-d9cb-469f-a165-70867728950e", true),
        ("00000000-0000-0000-0000-000000000000", true),
        ("ffffffff-ffff-ffff-ffff-ffffffffffff", true),
        ("0F8FAD5B-D9CB-469F-A165-70867728950E", false),
        ("0f8fad5b-d9cb-469f-a165-70867728950", false),
        ("0f8fad5bd-9cb-469f-a165-70867728950e", false),
        ("0f8fad5b-d9cb-469f-a165-70867728950g", false),
        ("evt-000000001", false),
        ("", false),
    ])
    func roundTrip(_ id: String, _ packed: Bool) {
        let compact = CompactEventID(id)
        #expect(compact.text == id)
        if case .uuid = compact { #expect(packed) } else { #expect(!packed) }
    }
}
