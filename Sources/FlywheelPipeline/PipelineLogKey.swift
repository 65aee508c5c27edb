/// The pipeline's log metadata keys, in one place.
enum PipelineLogKey {
    static let source = "kafka.source"
    static let reason = "dead_letter.reason"
    static let field = "dead_letter.field"
    static let detail = "dead_letter.detail"
    static let deadLetterTopic = "dead_letter.topic"
}
