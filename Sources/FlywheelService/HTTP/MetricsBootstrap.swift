import Metrics
import Prometheus

/// Makes swift-metrics report to a Prometheus registry, once per process, and returns that registry for `/metrics`.
///
/// Only the first call bootstraps `MetricsSystem`; later calls return the same registry. Call it before any metric is
/// created: counters, timers and gauges made earlier stay with the no-op backend. Timers become histograms with
/// buckets from 0.5 ms to 10 s.
public func bootstrapPrometheusMetrics() -> PrometheusCollectorRegistry {
    prometheusRegistry
}

/// Histogram buckets for swift-metrics timers: per-event processing takes fractions of a millisecond to seconds.
let processingLatencyBuckets: [Duration] = [
    .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
    .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
]

// A global is initialised lazily and exactly once, even when several threads reach it at the same time.
private let prometheusRegistry: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    var factory = PrometheusMetricsFactory(registry: registry)
    factory.defaultDurationHistogramBuckets = processingLatencyBuckets
    MetricsSystem.bootstrap(factory)
    return registry
}()
