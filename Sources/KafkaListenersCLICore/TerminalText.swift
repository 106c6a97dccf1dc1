import KafkaClient

/// Record content made safe to print on a terminal: control characters become visible escapes, so a
/// key, value or header cannot move the cursor, change colours, set the window title or break a line.
///
/// Escaped: every control character (C0, DEL and C1, such as ESC and CSI) and the characters that
/// reorder or break text (bidirectional overrides and isolates, line and paragraph separators).
/// `\n`, `\r` and `\t` are shown as those two-character escapes, other characters up to U+00FF as
/// `\xHH`, the rest as `\u{HHHH}`. Everything else, backslashes included, is printed as it is, so text
/// without control characters prints exactly as before.
package enum TerminalText {
    /// `text` with every control and reordering character escaped.
    package static func escaped(_ text: some StringProtocol) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return String(text) }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += scalar.value <= 0xFF ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
            }
        }
        return result
    }

    /// `text` escaped and cut to `limit` characters, as error messages quote outside input.
    package static func excerpt(_ text: some StringProtocol, limit: Int = InputExcerpt.limit) -> String {
        InputExcerpt.of(escaped(text), limit: limit)
    }

    /// Whether `scalar` must not reach a terminal as it is.
    package static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
