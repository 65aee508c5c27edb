extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka's `*.ms` properties and timeouts want them.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// `2 s`, `1.5 s`, for messages.
    var secondsText: String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
    }
}
