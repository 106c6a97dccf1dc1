import KafkaClient

/// Parses Java-style properties text (the format of Kafka tools' `--command-config` files) into settings.
///
/// Accepted, as `java.util.Properties` reads it: `key=value`, `key: value` and `key value`; spaces, tabs and
/// form feeds around the separator; comment lines starting with `#` or `!`; blank lines; `\n`, `\r` and `\f` or `\r\n`
/// line ends; a line ending in an odd number of backslashes continues on the next line (whose leading blanks are
/// dropped); the escapes `\t`, `\n`, `\r`, `\f`, `\uXXXX` (UTF-16, surrogate pairs combined) and `\` before any other
/// character for that character (`\=`, `\:`, `\ `, `\\`, `\#`). A leading byte-order mark is skipped.
///
/// Refused, with the line number: a line with only a key (no `=`, `:` or value), an empty key, a malformed or
/// lone-surrogate `\u` escape, and a NUL character in a key or value. Error messages never repeat a value, and
/// repeat a key only once a separator shows it is one.
package enum PropertiesFileParser {
    /// Parses `text`, naming `source` (the file's path) in errors. Later lines win over earlier ones with the same key.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) naming `source` and the line.
    package static func parse(_ text: String, source: String) throws(CLIFailure) -> [ClientSetting] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var settings: [ClientSetting] = []
        var index = 0
        var line = 1
        while index < scalars.count {
            let firstLine = line
            skipBlanks(scalars, &index)
            if index == scalars.count { break }
            if isLineEnd(scalars[index]) {
                consumeLineEnd(scalars, &index, &line)
                continue
            }
            if scalars[index] == "#" || scalars[index] == "!" {
                while index < scalars.count, !isLineEnd(scalars[index]) { index += 1 }
                consumeLineEnd(scalars, &index, &line)
                continue
            }
            // One logical line: physical lines joined where a line ends in an odd number of backslashes.
            var logical: [Unicode.Scalar] = []
            while true {
                let start = index
                while index < scalars.count, !isLineEnd(scalars[index]) { index += 1 }
                var backslashes = 0
                while backslashes < index - start, scalars[index - 1 - backslashes] == "\\" { backslashes += 1 }
                let continues = backslashes % 2 == 1
                logical += scalars[start..<(continues ? index - 1 : index)]
                let atEnd = index == scalars.count
                consumeLineEnd(scalars, &index, &line)
                guard continues, !atEnd else { break }
                skipBlanks(scalars, &index)
            }
            let (key, value) = try split(logical, line: firstLine, source: source)
            settings.append(ClientSetting(key: key, value: value, origin: .file(source, line: firstLine)))
        }
        return settings
    }

    /// Splits one logical line into its unescaped key and value.
    private static func split(
        _ scalars: [Unicode.Scalar], line: Int, source: String
    ) throws(CLIFailure) -> (String, String) {
        func failure(_ reason: String) -> CLIFailure {
            CLIFailure(message: "\(TerminalText.excerpt(source, limit: 200)) line \(line): \(reason)", exitCode: 2)
        }
        var key = String.UnicodeScalarView()
        var index = 0
        var separated = false
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\\" {
                guard let (decoded, length) = unescape(scalars, at: index) else {
                    throw failure(
                        "a key has a malformed \\u escape (expected \\u and four hexadecimal digits, surrogates in pairs)"
                    )
                }
                key.append(contentsOf: decoded)
                index += length
                continue
            }
            if scalar == "=" || scalar == ":" {
                separated = true
                index += 1
                break
            }
            if isBlank(scalar) {
                skipBlanks(scalars, &index)
                if index < scalars.count, scalars[index] == "=" || scalars[index] == ":" { index += 1 }
                separated = true
                break
            }
            key.append(scalar)
            index += 1
        }
        guard !key.isEmpty else { throw failure("a setting has an empty key (expected key=value)") }
        guard !key.contains("\0") else { throw failure("a key contains a NUL character") }
        skipBlanks(scalars, &index)
        // A line that is only one word may be a value without its key (a password on a line of its own): not repeated.
        guard separated || index < scalars.count else {
            throw failure("a line has no '=', ':' or value (expected key=value or key: value)")
        }
        let shownKey = TerminalText.excerpt(String(key))
        var value = String.UnicodeScalarView()
        while index < scalars.count {
            if scalars[index] == "\\" {
                guard let (decoded, length) = unescape(scalars, at: index) else {
                    throw failure(
                        "the value of '\(shownKey)' has a malformed \\u escape (expected \\u and four hexadecimal digits, surrogates in pairs)"
                    )
                }
                value.append(contentsOf: decoded)
                index += length
            } else {
                value.append(scalars[index])
                index += 1
            }
        }
        guard !value.contains("\0") else { throw failure("the value of '\(shownKey)' contains a NUL character") }
        return (String(key), String(value))
    }

    /// The characters an escape at `index` (a backslash) stands for and how many scalars it spans, or `nil` when malformed.
    private static func unescape(_ scalars: [Unicode.Scalar], at index: Int) -> ([Unicode.Scalar], Int)? {
        guard index + 1 < scalars.count else { return ([], 1) }  // a trailing backslash of the last line: dropped
        switch scalars[index + 1] {
        case "t": return (["\t"], 2)
        case "n": return (["\n"], 2)
        case "r": return (["\r"], 2)
        case "f": return (["\u{0C}"], 2)
        case "u":
            guard let unit = utf16Unit(scalars, at: index + 2) else { return nil }
            if let scalar = Unicode.Scalar(unit) { return ([scalar], 6) }
            // A high surrogate must be followed by \u and a low surrogate.
            guard (0xD800...0xDBFF).contains(unit), index + 7 < scalars.count, scalars[index + 6] == "\\",
                scalars[index + 7] == "u",
                let low = utf16Unit(scalars, at: index + 8), (0xDC00...0xDFFF).contains(low),
                let scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
            else { return nil }
            return ([scalar], 12)
        case let other: return ([other], 2)
        }
    }

    /// Four hexadecimal digits at `index` as a UTF-16 code unit.
    private static func utf16Unit(_ scalars: [Unicode.Scalar], at index: Int) -> UInt16? {
        guard index >= 0, index + 4 <= scalars.count else { return nil }
        var unit: UInt16 = 0
        for scalar in scalars[index..<(index + 4)] {
            guard scalar.isASCII, let digit = UInt16(String(scalar), radix: 16) else { return nil }
            unit = unit << 4 | digit
        }
        return unit
    }

    private static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\u{0C}"
    }

    private static func isLineEnd(_ scalar: Unicode.Scalar) -> Bool { scalar == "\n" || scalar == "\r" }

    private static func skipBlanks(_ scalars: [Unicode.Scalar], _ index: inout Int) {
        while index < scalars.count, isBlank(scalars[index]) { index += 1 }
    }

    /// Steps over one line end (`\n`, `\r` or `\r\n`), if there is one, counting the line.
    private static func consumeLineEnd(_ scalars: [Unicode.Scalar], _ index: inout Int, _ line: inout Int) {
        guard index < scalars.count else { return }
        if scalars[index] == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" { index += 1 }
        index += 1
        line += 1
    }
}
