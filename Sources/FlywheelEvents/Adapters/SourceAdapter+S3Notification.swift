extension SourceAdapter {
    /// S3 event notifications, as AWS S3 and MinIO send them: one `data.arrived` per `ObjectCreated` record.
    ///
    /// Recognised by a `Records` array whose elements have an `s3` member. Other records (`ObjectRemoved`,
    /// restores, replication) are skipped, so a payload may yield no events. The dataset is the first segment of
    /// the object key.
    public static let s3Notification = SourceAdapter(
        name: "s3-notification",
        recognises: { payload in
            guard let records = payload["Records"]?.arrayValue, !records.isEmpty else { return false }
            return records.contains { $0.objectValue?["s3"]?.objectValue != nil }
        },
        translate: { (payload) throws(CloudEventDecodingError) in
            var events: [(event: CloudEvent, key: String)] = []
            for record in try payload.objects("Records") {
                if let event = try S3Notification.event(record) { events.append(event) }
            }
            return events
        })
}

/// The translation of one record of an S3 event notification.
enum S3Notification {
    static func event(_ record: PayloadObject) throws(CloudEventDecodingError) -> (event: CloudEvent, key: String)? {
        let eventName = try record.string("eventName")
        // MinIO writes `s3:ObjectCreated:Put` where AWS writes `ObjectCreated:Put`.
        guard eventName.hasPrefix("ObjectCreated:") || eventName.hasPrefix("s3:ObjectCreated:") else { return nil }
        let s3 = try record.object("s3")
        let bucketObject = try s3.object("bucket")
        let bucket = try bucketObject.string("name")
        let object = try s3.object("object")
        let key = try decodedKey(object)
        let segments = key.split(separator: "/")
        guard let first = segments.first else { throw object.invalid("key", "the object key names no path") }
        let dataset = try object.bounded(String(first), "key")
        let directories = segments.dropFirst().dropLast()
        let eTag = object.optionalString("eTag")
        let versionId = object.optionalString("versionId").flatMap { $0 == "null" ? nil : $0 }
        guard let version = versionId ?? eTag else {
            throw CloudEventDecodingError(
                reason: .missingAttribute, field: object.pointer("eTag"), detail: "the object has neither a versionId nor an eTag")
        }

        var data = JSONObject()
        data["dataset"] = .string(dataset)
        data["version"] = .string(try object.bounded(version, versionId != nil ? "versionId" : "eTag"))
        if !directories.isEmpty {
            data["partition"] = .string(try object.bounded(directories.joined(separator: "/"), "key"))
        }
        data["rows"] = .number(Double(rows(record.optionalObject("userMetadata") ?? object.optionalObject("userMetadata"))))
        data["bytes"] = .number(Double(try object.count("size")))
        data["location"] = .string("s3://" + bucket + "/" + PercentEncoding.encode(path: key))

        let id = bucket + "/" + key + "@" + (object.optionalString("sequencer") ?? version)
        let time = try record.timestamp("eventTime")
        let event = SourceAdapter.event(
            type: "data.arrived", id: id, source: "s3://" + bucket, subject: dataset, time: time, data: data)
        return (event, dataset)
    }

    /// The object key, which notifications URL-encode (`+` for a space, `%XX` for other bytes).
    static func decodedKey(_ object: PayloadObject) throws(CloudEventDecodingError) -> String {
        let encoded = try object.string("key")
        guard let key = PercentEncoding.decode(form: encoded) else {
            throw object.invalid("key", "the object key \"\(encoded.prefix(64))\" is not validly URL-encoded UTF-8")
        }
        return key
    }

    /// The `rows` user metadata (`x-amz-meta-rows`, any case), if it is a whole number; otherwise 0.
    static func rows(_ metadata: PayloadObject?) -> Int64 {
        guard let metadata else { return 0 }
        for member in metadata.object where member.key.lowercased() == "x-amz-meta-rows" {
            switch member.value {
            case .string(let text):
                if let rows = Int64(text[...].trimmingWhitespace()), rows >= 0 { return rows }
            case .number(let number):
                if let rows = PayloadObject.count(number) { return rows }
            default:
                break
            }
        }
        return 0
    }
}
