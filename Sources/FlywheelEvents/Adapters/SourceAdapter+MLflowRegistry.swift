extension SourceAdapter {
    /// MLflow model-registry webhook payloads: one `model.registered` when a version is created or changes stage or
    /// alias.
    ///
    /// Recognised by `event` and `model_name`. Event names are read in any case and with `.` for `_`
    /// (`model_version.created` is `MODEL_VERSION_CREATED`). Tag, comment and transition-request events are refused.
    public static let mlflowRegistry = SourceAdapter(
        name: "mlflow-registry",
        recognises: { payload in payload["event"]?.stringValue != nil && payload["model_name"] != nil },
        translate: { (payload) throws(CloudEventDecodingError) in [try MLflowRegistry.event(payload)] })
}

/// The translation of an MLflow model-registry webhook payload.
enum MLflowRegistry {
    /// What a registry event says about the version's stage or alias.
    enum Change {
        case created
        case stage(String?)
        case alias
    }

    static let changes: [String: Change] = [
        "MODEL_VERSION_CREATED": .created,
        "MODEL_VERSION_TRANSITIONED_STAGE": .stage(nil),
        "MODEL_VERSION_TRANSITIONED_TO_STAGING": .stage("staging"),
        "MODEL_VERSION_TRANSITIONED_TO_PRODUCTION": .stage("production"),
        "MODEL_VERSION_TRANSITIONED_TO_ARCHIVED": .stage("archived"),
        "MODEL_VERSION_ALIAS_CREATED": .alias,
        "MODEL_VERSION_ALIAS_SET": .alias,
        "REGISTERED_MODEL_ALIAS_SET": .alias,
        "REGISTERED_MODEL_ALIAS_CREATED": .alias,
    ]

    static func event(_ payload: PayloadObject) throws(CloudEventDecodingError) -> (event: CloudEvent, key: String) {
        let eventName = try payload.string("event")
        let normalized = String(eventName.uppercased().map { $0 == "." ? "_" : $0 })
        guard let change = changes[normalized] else {
            throw payload.invalid("event", "\(eventName.prefix(64)) is not a model registry change Flywheel uses")
        }
        let model = try payload.bounded(try payload.string("model_name"), "model_name")
        let version = try payload.bounded(try self.version(payload), "version")
        let artifactURI = try self.artifactURI(payload)
        let timestamp = try self.timestamp(payload)

        var data = JSONObject()
        data["model"] = .string(model)
        data["version"] = .string(version)
        data["artifact_uri"] = .string(artifactURI)
        switch change {
        case .created:
            break
        case .stage(let implied):
            // Registry stages are None, Staging, Production and Archived; None is no stage at all.
            if let stage = payload.optionalString("to_stage")?.lowercased() ?? implied, stage != "none" {
                data["stage_or_alias"] = .string(try payload.bounded(stage, "to_stage"))
            }
        case .alias:
            if let alias = payload.optionalString("alias") {
                data["stage_or_alias"] = .string(try payload.bounded(alias, "alias"))
            }
        }
        if let run = payload.optionalString("run_id") {
            var lineage = JSONObject()
            lineage["training_run"] = .string(try payload.bounded(run, "run_id"))
            data["lineage"] = .object(lineage)
        }

        let id = [model, version, normalized, String(timestamp)].joined(separator: ":")
        let time = RFC3339.string(milliseconds: timestamp)
        let event = SourceAdapter.event(type: "model.registered", id: id, source: "mlflow", subject: model, time: time, data: data)
        return (event, model)
    }

    /// The version, which MLflow sends as a string; a whole number is accepted too.
    static func version(_ payload: PayloadObject) throws(CloudEventDecodingError) -> String {
        if case .number(let number) = payload.value("version"), let version = PayloadObject.count(number) {
            return String(version)
        }
        return try payload.string("version")
    }

    /// `source` or `storage_location` as a URI; an absolute path becomes a `file://` URI.
    static func artifactURI(_ payload: PayloadObject) throws(CloudEventDecodingError) -> String {
        let key = payload.optionalString("source") != nil ? "source" : "storage_location"
        guard let location = payload.optionalString(key) else {
            throw CloudEventDecodingError(
                reason: .missingAttribute, field: payload.pointer("source"),
                detail: "the payload has neither source nor storage_location, so the model artifact cannot be found")
        }
        let uri = location.hasPrefix("/") ? "file://" + location : location
        guard isURI(uri), uri.unicodeScalars.count <= 4096 else {
            throw payload.invalid(key, "\(key) \"\(location.prefix(64))\" is not a URI")
        }
        return uri
    }

    /// `event_timestamp`, milliseconds since the Unix epoch, as a number or a string of digits.
    static func timestamp(_ payload: PayloadObject) throws(CloudEventDecodingError) -> Int64 {
        let milliseconds = try rawTimestamp(payload)
        // The last millisecond of year 9999: anything later (say, microseconds sent by mistake) is no RFC 3339 time.
        guard milliseconds <= 253_402_300_799_999 else {
            throw CloudEventDecodingError(
                reason: .invalidAttribute, field: "/event_timestamp",
                detail: "event_timestamp \(milliseconds) is after year 9999; expected milliseconds since the Unix epoch")
        }
        return milliseconds
    }

    private static func rawTimestamp(_ payload: PayloadObject) throws(CloudEventDecodingError) -> Int64 {
        if case .string(let text) = payload.value("event_timestamp"), let milliseconds = Int64(text), milliseconds >= 0 {
            return milliseconds
        }
        return try payload.count("event_timestamp")
    }

    /// A scheme, a colon and no white space, as the schemas' URI pattern says.
    static func isURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
            return false
        }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
        else { return false }
        return !text[colon...].contains(where: \.isWhitespace)
    }
}
