import FlywheelEvents
import FlywheelRules
import Testing

@Suite("emit.data templates, as triggers carry them")
struct TemplateTests {
    /// A rule on data.arrived keyed by dataset that fires once the rows add up to 1500, with `data` as its emit.data.
    func rules(data: String, threshold: String = "{sum: data.rows, gte: 1500}") -> String {
        """
        version: 1
        rules:
          - id: fresh-data
            on: data.arrived
            key: data.dataset
            threshold: \(threshold)
            emit:
              type: retrain.requested
              topic: mlops.retrain.requests
              data:
        \(data.split(separator: "\n").map { "        " + $0 }.joined(separator: "\n"))
        """
    }

    /// The one firing of `yaml` over two data.arrived events of sales-eu, 1200 then 300 rows.
    func firing(_ yaml: String, secondData: String = #"{"dataset":"sales-eu","rows":300}"#) throws -> (RuleSet, RuleFiring) {
        let ruleSet = try RuleFileFixtures.ruleSet(yaml)
        let firings = RuleFileFixtures.firings(ruleSet, [
            try RuleFileFixtures.event(
                "data.arrived", id: "e1", time: "2026-03-01T00:00:00Z", subject: "lake/sales-eu", data: #"{"dataset":"sales-eu","rows":1200}"#),
            try RuleFileFixtures.event(
                "data.arrived", id: "e2", time: "2026-03-01T00:10:00.250Z", subject: "lake/sales-eu", data: secondData),
        ])
        try #require(firings.count == 1, "\(firings.map(\.explanation))")
        return (ruleSet, firings[0])
    }

    func data(_ firing: RuleFiring) throws -> JSONObject {
        try #require(firing.trigger.data?.objectValue)
    }

    @Test("key, value, rule.id, rule.version, time and event paths render; a lone placeholder keeps its type")
    func placeholders() throws {
        let (ruleSet, firing) = try firing(
            rules(
                data: """
                    key: "{{ key }}"
                    value: "{{ value }}"
                    rule: "{{ rule.id }}"
                    version: "{{rule.version}}"
                    time: "{{ time }}"
                    rows: "{{ event.data.rows }}"
                    stats: "{{ event.data.stats }}"
                    columns: "{{ event.data.columns }}"
                    subject: "{{ event.subject }}"
                    literal: 7
                    flag: true
                    """),
            secondData: #"{"dataset":"sales-eu","rows":300,"stats":{"null_fraction":0.25,"ok":true},"columns":["a","b"]}"#)
        let data = try data(firing)
        #expect(data["key"] == .string("sales-eu"))
        #expect(data["value"] == .number(1500))
        #expect(data["rule"] == .string("fresh-data"))
        #expect(data["version"] == .string(ruleSet.rules[0].version))
        #expect(data["time"] == .string("2026-03-01T00:10:00.250Z"))
        #expect(data["rows"] == .number(300))
        #expect(data["stats"] == .object(JSONObject(["null_fraction": .number(0.25), "ok": .bool(true)])))
        #expect(data["columns"] == .array([.string("a"), .string("b")]))
        #expect(data["subject"] == .string("lake/sales-eu"))
        #expect(data["literal"] == .number(7))
        #expect(data["flag"] == .bool(true))
        #expect(firing.missingTemplateValues.isEmpty)
        // Flywheel adds the causes to the rendered data.
        #expect(data["cause"]?.arrayValue?.compactMap { $0[path: "id"]?.stringValue } == ["e1", "e2"])
        #expect(firing.trigger.subject == "sales-eu")
    }

    @Test("placeholders inside text render as text: whole numbers without .0, others as JSON writes them")
    func mixedText() throws {
        let (_, firing) = try firing(
            rules(
                data: """
                    reason: "{{ value }} rows of {{ key }} by {{ rule.id }} at {{ time }}; last {{ event.data.rows }}"
                    detail: "auc {{ event.data.auc }}, ok {{ event.data.ok }}, stats {{ event.data.stats }}"
                    padded: " {{ value }}"
                    owner: team-{{ key }}
                    """),
            secondData: #"{"dataset":"sales-eu","rows":300,"auc":0.93,"ok":false,"stats":{"a":1}}"#)
        let data = try data(firing)
        #expect(data["reason"] == .string("1500 rows of sales-eu by fresh-data at 2026-03-01T00:10:00.250Z; last 300"))
        #expect(data["detail"] == .string(#"auc 0.93, ok false, stats {"a":1}"#))
        #expect(data["padded"] == .string(" 1500"))
        #expect(data["owner"] == .string("team-sales-eu"))
    }

    @Test("a fractional value stays a number on its own and prints as a decimal in text")
    func fractionalValue() throws {
        let (_, firing) = try firing(
            rules(
                data: """
                    value: "{{ value }}"
                    reason: "average {{ value }} rows"
                    """, threshold: "{avg: data.rows, lte: 800}"),
            secondData: #"{"dataset":"sales-eu","rows":301}"#)
        let data = try data(firing)
        #expect(data["value"] == .number(750.5))
        #expect(data["reason"] == .string("average 750.5 rows"))
    }

    @Test("a missing event path renders null on its own, nothing in text, and is listed once")
    func missingPath() throws {
        let (_, firing) = try firing(
            rules(
                data: """
                    owner: "{{ event.data.owner }}"
                    reason: "owner [{{ event.data.owner }}] of {{ key }}"
                    note: "{{ event.data.note.text }}"
                    """))
        let data = try data(firing)
        #expect(data["owner"] == .null)
        #expect(data["reason"] == .string("owner [] of sales-eu"))
        #expect(data["note"] == .null)
        #expect(firing.missingTemplateValues == ["event.data.owner", "event.data.note.text"])
        #expect(firing.audit.data?[path: "missing_template_values"] == .array([.string("event.data.owner"), .string("event.data.note.text")]))
    }

    @Test("nested objects and lists in emit.data render at every depth")
    func nested() throws {
        let (_, firing) = try firing(
            rules(
                data: """
                    parameters:
                      dataset: "{{ key }}"
                      rows: "{{ value }}"
                      window: {from: "{{ event.data.rows }}", label: "rows {{ event.data.rows }}"}
                    tags: ["{{ key }}", fixed, 3, {rule: "{{ rule.id }}"}, ["{{ value }}"]]
                    """))
        let data = try data(firing)
        let expectedParameters = try JSONParser.parse(#"{"dataset":"sales-eu","rows":1500,"window":{"from":300,"label":"rows 300"}}"#)
        #expect(data["parameters"] == expectedParameters)
        let expectedTags = try JSONParser.parse(#"["sales-eu","fixed",3,{"rule":"fresh-data"},[1500]]"#)
        #expect(data["tags"] == expectedTags)
        // Members keep the order the file gives them.
        #expect(data["parameters"]?.objectValue?.keys == ["dataset", "rows", "window"])
    }

    @Test("an absence renders event paths from the key's last accepted event, and value as the silence in seconds")
    func absence() throws {
        let ruleSet = try RuleFileFixtures.ruleSet("""
            version: 1
            rules:
              - id: stale
                absent: {on: data.arrived, for: 2d}
                key: data.dataset
                emit:
                  type: retrain.requested
                  topic: mlops.retrain.requests
                  data:
                    reason: "no data for {{ key }} since {{ event.time }} ({{ event.data.rows }} rows)"
                    silence: "{{ value }}"
            """)
        let firings = RuleFileFixtures.firings(
            ruleSet,
            [
                try RuleFileFixtures.event("data.arrived", id: "e1", time: "2026-03-01T00:00:00Z", data: #"{"dataset":"sales-eu","rows":5}"#),
                try RuleFileFixtures.event("data.arrived", id: "e2", time: "2026-03-01T06:00:00Z", data: #"{"dataset":"sales-eu","rows":7}"#),
            ], until: "2026-03-04T00:00:00Z")
        let firing = try #require(firings.first)
        #expect(firings.count == 1)
        #expect(firing.trigger.time == "2026-03-03T06:00:00.000Z")
        #expect(firing.trigger.data?[path: "reason"] == .string("no data for sales-eu since 2026-03-01T06:00:00Z (7 rows)"))
        #expect(firing.trigger.data?[path: "silence"] == .number(172_800))
        #expect(firing.missingTemplateValues.isEmpty)
    }

    @Test("placeholders that cannot work are refused when the rules are checked", arguments: [
        ("{{ }}", "empty placeholder {{ }}"),
        ("{{ event.metrics.auc }}", "'metrics.auc' is neither a CloudEvent attribute nor under data"),
        ("{{ event.subject.name }}", "attribute subject has no fields"),
        ("{{ rule.name }}", "unknown placeholder {{ rule.name }}"),
    ])
    func refusedPlaceholders(_ template: String, _ message: String) throws {
        let check = RuleFileFixtures.check(rules(data: "target: \"x {{ key }} \(template)\""))
        #expect(check.ruleSet == nil)
        let error = try #require(check.errors.first)
        #expect(check.errors.count == 1)
        #expect(error.message.contains(message), "\(error)")
        // `        target: "` is 17 characters; the placeholder follows `x {{ key }} `.
        #expect(error.location.line == 11)
        #expect(error.location.column == 30, "\(error)")
    }

    @Test("emit.data may not set cause, which Flywheel fills in")
    func causeIsReserved() throws {
        let check = RuleFileFixtures.check(rules(data: #"cause: "{{ key }}""#))
        let error = try #require(check.errors.first)
        #expect(error.message == "emit.data must not set cause")
        #expect(check.ruleSet == nil)
    }
}
