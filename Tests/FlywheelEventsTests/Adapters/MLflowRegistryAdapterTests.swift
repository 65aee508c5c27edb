import FlywheelEvents
import Testing

@Suite("MLflow registry source adapter")
struct MLflowRegistryAdapterTests {
    @Test("a new model version becomes a model.registered with its run as lineage")
    func versionCreated() throws {
        let events = try adapt(AdapterFixtures.mlflowVersionCreated)
        try #require(events.count == 1)
        let adapted = events[0]
        #expect(adapted.key == "churn-model")
        #expect(adapted.original == Array(AdapterFixtures.mlflowVersionCreated.utf8))
        #expect(adapted.event.id == "churn-model:8:MODEL_VERSION_CREATED:1795341600250")
        #expect(adapted.event.type == "model.registered")
        #expect(adapted.event.source == "mlflow")
        #expect(adapted.event.subject == "churn-model")
        #expect(adapted.event.time == "2026-11-22T10:00:00.250Z")
        #expect(adapted.event.datacontenttype == "application/json")
        #expect(adapted.event.dataschema == "https://flywheel.dev/schemas/model.registered/v1.json")
        #expect(adapted.event.extensions == ["originaltype": "mlflow-registry"])
        #expect(adapted.event.data.map(JSONWriter.string) == #"""
            {"model":"churn-model","version":"8",\#
            "artifact_uri":"s3://acme-mlflow/artifacts/3/4f2a9c1d8e7b4b1f9d0c2a3b5e6f7a8b/artifacts/model",\#
            "lineage":{"training_run":"4f2a9c1d8e7b4b1f9d0c2a3b5e6f7a8b"}}
            """#)
    }

    @Test("a stage transition carries the new stage, lower-cased")
    func transitioned() throws {
        let events = try adapt(AdapterFixtures.mlflowTransitioned)
        try #require(events.count == 1)
        let adapted = events[0]
        #expect(adapted.key == "churn-model")
        #expect(adapted.event.id == "churn-model:8:MODEL_VERSION_TRANSITIONED_STAGE:1795345200000")
        #expect(adapted.event.type == "model.registered")
        #expect(adapted.event.source == "mlflow")
        #expect(adapted.event.subject == "churn-model")
        #expect(adapted.event.time == "2026-11-22T11:00:00.000Z")
        #expect(adapted.event.dataschema == "https://flywheel.dev/schemas/model.registered/v1.json")
        #expect(adapted.event.extensions == ["originaltype": "mlflow-registry"])
        #expect(adapted.event.data.map(JSONWriter.string) == #"""
            {"model":"churn-model","version":"8",\#
            "artifact_uri":"dbfs:/databricks/mlflow-registry/9f8e7d6c5b4a/models/churn-model","stage_or_alias":"production"}
            """#)
    }

    @Test("an alias event in MLflow's dotted naming, with a local path as source")
    func alias() throws {
        let payload = #"""
            {"event": "model_version_alias.created", "event_timestamp": "1795345200001", "model_name": "churn-model",
             "version": 9, "alias": "Champion", "source": "/mnt/mlruns/3/abc/artifacts/model"}
            """#
        let event = try #require(try adapt(payload).first).event
        #expect(event.id == "churn-model:9:MODEL_VERSION_ALIAS_CREATED:1795345200001")
        #expect(event.time == "2026-11-22T11:00:00.001Z")
        #expect(event.data.map(JSONWriter.string)
            == #"{"model":"churn-model","version":"9","artifact_uri":"file:///mnt/mlruns/3/abc/artifacts/model","stage_or_alias":"Champion"}"#)
    }

    @Test("event_timestamp milliseconds become RFC 3339 UTC time", arguments: [
        (0, "1970-01-01T00:00:00.000Z"), (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (1_795_341_600_250, "2026-11-22T10:00:00.250Z"), (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
    ] as [(Int64, String)])
    func time(milliseconds: Int64, expected: String) throws {
        let payload = AdapterFixtures.mlflowVersionCreated.replacing("1795341600250", with: String(milliseconds))
        let time = try #require(try adapt(payload).first?.event.time)
        #expect(time == expected)
        #expect(RFC3339.milliseconds(time) == milliseconds)
    }

    @Test("a timestamp past year 9999 (microseconds sent by mistake) is refused, naming the field")
    func timestampTooLarge() {
        let error = adaptationError(#"""
            {"event": "MODEL_VERSION_CREATED", "event_timestamp": 1795341600250000, "model_name": "churn-model",
             "version": "8", "source": "s3://models/churn/8"}
            """#)
        #expect(error?.field == "/event_timestamp")
        #expect(error?.reason == .invalidAttribute)
    }

    @Test("a version without source or storage_location cannot be adapted")
    func missingSource() {
        let payload = AdapterFixtures.mlflowVersionCreated.replacing(#""source":"#, with: #""notes":"#)
        let error = adaptationError(payload)
        #expect(error?.reason == .missingAttribute)
        #expect(error?.field == "/source")
    }

    @Test("other registry events are not changes Flywheel uses", arguments: ["MODEL_VERSION_TAG_SET", "COMMENT_CREATED", "TRANSITION_REQUEST_CREATED"])
    func otherEvents(name: String) {
        let payload = AdapterFixtures.mlflowTransitioned.replacing("MODEL_VERSION_TRANSITIONED_STAGE", with: name)
        let error = adaptationError(payload)
        #expect(error?.reason == .invalidAttribute)
        #expect(error?.field == "/event")
        #expect(error?.detail.contains("not a model registry change Flywheel uses") == true)
    }
}
