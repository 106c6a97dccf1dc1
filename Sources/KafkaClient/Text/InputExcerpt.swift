/// A short, printable excerpt of text that came from outside, for error messages.
///
/// An error that names its input must not repeat a megabyte of it, nor control characters that could
/// forge a log line: the excerpt keeps the first ``limit`` characters, replaces control characters with
/// `?`, and says how long the whole input was when it cut it.
public enum InputExcerpt {
    /// How many characters of an input an error message repeats.
    public static let limit = 64

    /// `text`, cut to `limit` characters (with `…(N characters)` appended when cut) and with control
    /// characters replaced by `?`.
    public static func of(_ text: some StringProtocol, limit: Int = InputExcerpt.limit) -> String {
        let limit = max(limit, 0)
        var shown = ""
        var count = 0
        for character in text {
            if count == limit { break }
            shown.append(
                character.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                    ? "?" : character)
            count += 1
        }
        guard count == limit, text.count > limit else { return shown }
        return shown + "…(\(text.count) characters)"
    }
}
