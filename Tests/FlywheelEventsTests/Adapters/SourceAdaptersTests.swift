import FlywheelEvents
import Testing

@Suite("Source adapters dispatch")
struct SourceAdaptersTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let name: String
        let payload: String
        let adapter: String
        var testDescription: String { name }
    }

    static let fixtures = [
        Fixture(name: "Alertmanager", payload: AdapterFixtures.alertmanager, adapter: "alertmanager"),
        Fixture(name: "GitHub push", payload: AdapterFixtures.githubPush, adapter: "github-push"),
        Fixture(name: "S3", payload: AdapterFixtures.s3, adapter: "s3-notification"),
        Fixture(name: "MinIO", payload: AdapterFixtures.minio, adapter: "s3-notification"),
        Fixture(name: "MLflow version created", payload: AdapterFixtures.mlflowVersionCreated, adapter: "mlflow-registry"),
        Fixture(name: "MLflow stage transition", payload: AdapterFixtures.mlflowTransitioned, adapter: "mlflow-registry"),
    ]

    @Test("each known payload is recognised by its adapter", arguments: fixtures)
    func recognition(_ fixture: Fixture) throws {
        let value = try JSONParser.parse(fixture.payload)
        #expect(SourceAdapters.adapter(for: value)?.name == fixture.adapter)
        #expect(SourceAdapters.all.filter { $0.recognises(value) }.map(\.name) == [fixture.adapter])
    }

    @Test("adapted events validate against their type's schema, in the version they name", arguments: fixtures)
    func schema(_ fixture: Fixture) throws {
        let schemas = try EventSchemas(directory: EventSchemasTests.schemasDirectory)
        let events = try adapt(fixture.payload)
        #expect(!events.isEmpty)
        for adapted in events {
            #expect(adapted.event.dataschema == EventSchemas.uri(type: adapted.event.type, version: 1))
            try schemas.validate(adapted.event)
        }
    }

    @Test("the same payload gives the same records, byte for byte", arguments: fixtures)
    func deterministic(_ fixture: Fixture) throws {
        let codec = CloudEventKafkaCodec()
        let first = try adapt(fixture.payload)
        let second = try adapt(fixture.payload)
        #expect(first == second)
        for mode in [CloudEventKafkaCodec.ContentMode.binary, .structured] {
            #expect(first.map { codec.encode($0.event, key: $0.key, mode: mode) } == second.map { codec.encode($0.event, key: $0.key, mode: mode) })
            // What the adapters make is what the codec accepts back.
            for adapted in first {
                #expect(try codec.decode(codec.encode(adapted.event, key: adapted.key, mode: mode)) == adapted.event)
            }
        }
    }

    @Test("a payload no adapter knows is refused as not a CloudEvent", arguments: [
        #"{"hello": "world"}"#,
        #"{"version": "3", "alerts": []}"#,
        #"{"Records": []}"#,
        #"[1, 2]"#,
    ])
    func unknown(payload: String) {
        let error = adaptationError(payload)
        #expect(error?.reason == .missingAttribute)
        #expect(error?.field == "specversion")
        #expect(error?.detail
            == "not a CloudEvent and not a known source payload (Alertmanager v4, GitHub push, S3 notification, MLflow registry webhook)")
    }

    @Test("bytes that are not JSON are refused as such, with the place")
    func notJSON() {
        let error = adaptationError(#"{"alerts": [}"#)
        #expect(error?.reason == .notJSON)
        #expect(error?.field == "/alerts/0")
    }
}
