extension SourceAdapter {
    /// Prometheus Alertmanager webhook payloads (version 4): one `monitoring.alert` per alert, firing or resolved.
    ///
    /// Recognised by `version` "4" and an `alerts` array. Labels give the model (`model` or `model_name`),
    /// `model_version`, `kind`, `metric`, `severity` and `window`; annotations give `value` (required, numeric),
    /// `threshold` and `window`.
    public static let alertmanager = SourceAdapter(
        name: "alertmanager",
        recognises: { payload in payload["version"]?.stringValue == "4" && payload["alerts"]?.arrayValue != nil },
        translate: { (payload) throws(CloudEventDecodingError) in
            let source = payload.optionalString("externalURL") ?? "alertmanager"
            var events: [(event: CloudEvent, key: String)] = []
            for alert in try payload.objects("alerts") {
                events.append(try AlertmanagerAlert.event(alert, source: source))
            }
            return events
        })
}

/// The translation of one alert of an Alertmanager payload.
enum AlertmanagerAlert {
    static func event(_ alert: PayloadObject, source: String) throws(CloudEventDecodingError) -> (event: CloudEvent, key: String) {
        let labels = try alert.object("labels")
        let annotations = alert.optionalObject("annotations")

        let status = try alert.string("status")
        guard status == "firing" || status == "resolved" else {
            throw alert.invalid("status", "status \"\(status.prefix(64))\" is neither firing nor resolved")
        }
        let model: String
        if let name = labels.optionalString("model") {
            model = try labels.bounded(name, "model")
        } else if let name = labels.optionalString("model_name") {
            model = try labels.bounded(name, "model_name")
        } else {
            throw CloudEventDecodingError(
                reason: .missingAttribute, field: labels.pointer("model"),
                detail: "the alert has neither a model nor a model_name label, so it is about no model")
        }
        let kind = try self.kind(labels)
        let metric: String
        if let name = labels.optionalString("metric") {
            metric = try labels.bounded(name, "metric")
        } else {
            metric = try labels.bounded(try labels.string("alertname"), "alertname")
        }
        let value = try self.value(annotations, alert: alert)

        var data = JSONObject()
        data["model"] = .string(model)
        if let version = labels.optionalString("model_version") {
            data["model_version"] = .string(try labels.bounded(version, "model_version"))
        }
        data["kind"] = .string(kind)
        data["metric"] = .string(metric)
        data["value"] = .number(value)
        if let threshold = annotations?.optionalString("threshold").flatMap(number) {
            data["threshold"] = .number(threshold)
        }
        data["severity"] = .string(severity(labels.optionalString("severity")))
        if let window = (labels.optionalString("window") ?? annotations?.optionalString("window")), isWindow(window) {
            data["window"] = .string(window)
        }
        data["status"] = .string(status)

        let fingerprint = try alert.string("fingerprint")
        let startsAt = try alert.timestamp("startsAt")
        let resolved = status == "resolved"
        let time = resolved ? try alert.timestamp("endsAt") : startsAt
        let id = fingerprint + "-" + startsAt + (resolved ? "-resolved" : "")
        let event = SourceAdapter.event(type: "monitoring.alert", id: id, source: source, subject: model, time: time, data: data)
        return (event, model)
    }

    /// The `kind` label, or else the alert name, in snake case (`ModelDriftHigh` → `model_drift_high`).
    static func kind(_ labels: PayloadObject) throws(CloudEventDecodingError) -> String {
        let key = labels.optionalString("kind") != nil ? "kind" : "alertname"
        let text = try labels.string(key)
        let kind = snakeCase(text)
        guard let first = kind.unicodeScalars.first, ("a"..."z").contains(first) else {
            throw labels.invalid(key, "\(key) \"\(text.prefix(64))\" does not make an alert kind (a letter, then letters, digits or _)")
        }
        return try labels.bounded(kind, key)
    }

    /// The `value` annotation as a number; an alert without one says nothing a rule can compare.
    static func value(_ annotations: PayloadObject?, alert: PayloadObject) throws(CloudEventDecodingError) -> Double {
        guard let annotations, let text = annotations.optionalString("value") else {
            throw CloudEventDecodingError(
                reason: .missingAttribute, field: alert.pointer("annotations", "value"),
                detail: "the alert has no value annotation with the observed value of its metric")
        }
        guard let value = number(text) else {
            throw annotations.invalid("value", "value annotation \"\(text.prefix(64))\" is not a finite decimal number")
        }
        return value
    }

    /// `page`, `critical` and `error` are critical; `warning` and `warn` are warnings; anything else is info.
    static func severity(_ label: String?) -> String {
        switch label?.lowercased() {
        case "page", "critical", "error": "critical"
        case "warning", "warn": "warning"
        default: "info"
        }
    }

    /// A finite decimal number (`0.31`, `-2`, `3.1e-01`); not `NaN`, `+Inf` or hexadecimal.
    static func number(_ text: String) -> Double? {
        let trimmed = text[...].trimmingWhitespace()
        let allowed = Set("0123456789+-.eE".utf8)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ allowed.contains($0) }), let value = Double(trimmed), value.isFinite else {
            return nil
        }
        return value
    }

    /// Whether `text` is a window as the schema writes it: `15m`, `1h30m`, `7d` (units d, h, m, s in this order).
    static func isWindow(_ text: String) -> Bool {
        let units: [Character] = ["d", "h", "m", "s"]
        var nextUnit = 0
        var digits = 0
        for character in text {
            if let byte = character.asciiValue, (48...57).contains(byte) {
                digits += 1
                continue
            }
            guard digits > 0, let unit = units[nextUnit...].firstIndex(of: character) else { return false }
            nextUnit = unit + 1
            digits = 0
        }
        return digits == 0 && nextUnit > 0
    }

    /// Lower snake case: word breaks at case changes and at anything not an ASCII letter or digit.
    static func snakeCase(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        for (index, character) in characters.enumerated() {
            guard character.isASCII, character.isLetter || character.isNumber else {
                if !result.isEmpty, result.last != "_" { result.append("_") }
                continue
            }
            if character.isUppercase, index > 0, result.last != "_" {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result.append("_") }
            }
            result.append(Character(character.lowercased()))
        }
        while result.last == "_" { result.removeLast() }
        return result
    }
}
