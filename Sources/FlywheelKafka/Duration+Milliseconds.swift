extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka's `*.ms` properties and timeouts want them.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
