extension String {
    /// Whether both strings have the same code points (JSON's string equality), unlike `==`, which compares by
    /// Unicode canonical equivalence. Compares the UTF-8 bytes directly.
    @inlinable
    public func hasSameCodePoints(as other: String) -> Bool {
        var left = self
        var right = other
        return left.withUTF8 { leftBytes in
            right.withUTF8 { rightBytes in leftBytes.count == rightBytes.count && leftBytes.elementsEqual(rightBytes) }
        }
    }
}
