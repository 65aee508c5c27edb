import FlywheelEvents
import Testing

@Suite("S3 notification source adapter")
struct S3NotificationAdapterTests {
    @Test("an upload becomes a data.arrived for the first key segment; a deletion in the same payload is skipped")
    func awsUpload() throws {
        let events = try adapt(AdapterFixtures.s3)
        try #require(events.count == 1)
        let adapted = events[0]
        #expect(adapted.key == "sales-eu")
        #expect(adapted.original == Array(AdapterFixtures.s3.utf8))
        #expect(adapted.event.id == "acme-lake/sales-eu/dt=2026-11-22/daily export #1.parquet@0055AED6DCD90281E5")
        #expect(adapted.event.type == "data.arrived")
        #expect(adapted.event.source == "s3://acme-lake")
        #expect(adapted.event.subject == "sales-eu")
        #expect(adapted.event.time == "2026-11-22T10:00:00.000Z")
        #expect(adapted.event.datacontenttype == "application/json")
        #expect(adapted.event.dataschema == "https://flywheel.dev/schemas/data.arrived/v1.json")
        #expect(adapted.event.extensions == ["originaltype": "s3-notification"])
        #expect(adapted.event.data.map(JSONWriter.string) == #"""
            {"dataset":"sales-eu","version":"3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY","partition":"dt=2026-11-22",\#
            "rows":420000,"bytes":73400320,"location":"s3://acme-lake/sales-eu/dt=2026-11-22/daily%20export%20%231.parquet"}
            """#)
    }

    @Test("MinIO's notification: escaped slashes, metadata under the object, the eTag as version")
    func minio() throws {
        let events = try adapt(AdapterFixtures.minio)
        try #require(events.count == 1)
        let adapted = events[0]
        #expect(adapted.key == "web")
        #expect(adapted.event.id == "clickstream/web/2026/11/22/events-00.json.gz@17A9B5C3D2E1F000")
        #expect(adapted.event.type == "data.arrived")
        #expect(adapted.event.source == "s3://clickstream")
        #expect(adapted.event.subject == "web")
        #expect(adapted.event.time == "2026-11-22T10:15:42.417Z")
        #expect(adapted.event.dataschema == "https://flywheel.dev/schemas/data.arrived/v1.json")
        #expect(adapted.event.extensions == ["originaltype": "s3-notification"])
        #expect(adapted.event.data.map(JSONWriter.string) == #"""
            {"dataset":"web","version":"d41d8cd98f00b204e9800998ecf8427e","partition":"2026/11/22","rows":12500,\#
            "bytes":1048576,"location":"s3://clickstream/web/2026/11/22/events-00.json.gz"}
            """#)
    }

    static func record(key: String, metadata: String = "") -> String {
        #"""
        {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventTime": "2026-11-22T10:00:00Z",
          "eventName": "ObjectCreated:CompleteMultipartUpload", \#(metadata)
          "s3": {"bucket": {"name": "lake", "arn": "arn:aws:s3:::lake"},
                 "object": {"key": "\#(key)", "size": 0, "eTag": "abc-2"}}}]}
        """#
    }

    @Test("rows are 0 without metadata or when it is not a whole number; a top-level object is its own dataset")
    func rowsAndTopLevel() throws {
        let plain = try #require(try adapt(Self.record(key: "report.csv")).first)
        #expect(plain.event.data.map(JSONWriter.string)
            == #"{"dataset":"report.csv","version":"abc-2","rows":0,"bytes":0,"location":"s3://lake/report.csv"}"#)
        #expect(plain.event.id == "lake/report.csv@abc-2")
        let odd = try #require(try adapt(Self.record(key: "a/b.csv", metadata: #""userMetadata": {"x-amz-meta-rows": "1.5e3"},"#)).first)
        #expect(odd.event.data?[path: "rows"] == .number(0))
    }

    @Test("a payload of deletions only gives no events")
    func deletionsOnly() throws {
        let payload = Self.record(key: "a/b.csv").replacing("ObjectCreated:CompleteMultipartUpload", with: "ObjectRemoved:DeleteMarkerCreated")
        #expect(try adapt(payload).isEmpty)
    }

    @Test("a malformed key escape names the key")
    func badEscape() {
        let error = adaptationError(Self.record(key: "sales-eu/%zz.csv"))
        #expect(error?.reason == .invalidAttribute)
        #expect(error?.field == "/Records/0/s3/object/key")
    }
}
