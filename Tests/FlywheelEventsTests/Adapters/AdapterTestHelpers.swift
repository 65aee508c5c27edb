import FlywheelEvents

/// The events `SourceAdapters` makes of a payload given as text.
func adapt(_ payload: String) throws(CloudEventDecodingError) -> [AdaptedEvent] {
    try SourceAdapters.adapt(payload: Array(payload.utf8))
}

/// The error `SourceAdapters` throws for a payload given as text, or nil when it adapts.
func adaptationError(_ payload: String) -> CloudEventDecodingError? {
    do {
        _ = try adapt(payload)
        return nil
    } catch {
        return error
    }
}
