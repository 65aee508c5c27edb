/// The pipeline's metric names, in one place; their labels are bounded (topic, known event type, reason).
public enum PipelineMetrics {
    public static let eventsIn = "flywheel_events_in_total"
    public static let deadLettered = "flywheel_events_dead_lettered_total"
}
