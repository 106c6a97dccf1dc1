import KafkaClient

/// A `consume --format` string, kcat's `-f`: literal text with `%` tokens for the parts of each record.
///
/// Tokens: `%t` topic, `%p` partition, `%o` offset, `%k` key, `%K` key length in bytes (-1 without a key), `%s` value,
/// `%S` value length in bytes (-1 for a tombstone), `%h` headers (`name=value` pairs joined by `,`, a header without a
/// value as its bare name), `%T` timestamp in milliseconds since the epoch (-1 when the broker gave none), `%%` a `%`.
/// Escapes: `\n`, `\t`, `\r`, `\\`. No newline is added: end the format with `\n` for one record per line.
/// A missing key or value prints as nothing. Keys, values and headers are printed with ``TerminalText`` escaping.
package struct RecordFormat: Sendable, Equatable {
    /// One piece of the format.
    package enum Part: Sendable, Equatable {
        /// Text printed as it is (escapes already decoded).
        case literal(String)
        /// `%t`, `%p`, `%o`, `%k`, `%K`, `%s`, `%S`, `%h` and `%T`.
        case topic, partition, offset, key, keyLength, value, valueLength, headers, timestamp
    }

    /// The pieces, in order; adjacent literal text is one piece.
    package var parts: [Part]

    /// The tokens and escapes, for help and error messages.
    package static let summary =
        "%t topic, %p partition, %o offset, %k key, %K key length, %s value, %S value length, "
        + "%h headers, %T timestamp (ms), %% a percent sign; \\n, \\t, \\r and \\\\ escapes"

    /// Parses `text`.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) naming the unknown token or escape and its position (1-based, in characters).
    package static func parse(_ text: String) throws(CLIFailure) -> RecordFormat {
        let scalars = Array(text.unicodeScalars)
        var parts: [Part] = []
        var literal = String.UnicodeScalarView()
        func add(_ part: Part) {
            if !literal.isEmpty { parts.append(.literal(String(literal))) }
            literal = String.UnicodeScalarView()
            parts.append(part)
        }
        func failure(_ reason: String, at index: Int) -> CLIFailure {
            CLIFailure(message: "--format: \(reason) at position \(index + 1) (known: \(summary))", exitCode: 2)
        }
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "%" || scalar == "\\" else {
                literal.append(scalar)
                index += 1
                continue
            }
            guard index + 1 < scalars.count else {
                throw failure(
                    "a lone '\(scalar)' at the end (write \(scalar == "%" ? "%%" : "\\\\") for the character itself)",
                    at: index)
            }
            let next = scalars[index + 1]
            if scalar == "\\" {
                switch next {
                case "n": literal.append("\n")
                case "t": literal.append("\t")
                case "r": literal.append("\r")
                case "\\": literal.append("\\")
                default: throw failure("unknown escape '\\\(TerminalText.escaped(String(next)))'", at: index)
                }
            } else {
                switch next {
                case "t": add(.topic)
                case "p": add(.partition)
                case "o": add(.offset)
                case "k": add(.key)
                case "K": add(.keyLength)
                case "s": add(.value)
                case "S": add(.valueLength)
                case "h": add(.headers)
                case "T": add(.timestamp)
                case "%": literal.append("%")
                default: throw failure("unknown token '%\(TerminalText.escaped(String(next)))'", at: index)
                }
            }
            index += 2
        }
        if !literal.isEmpty { parts.append(.literal(String(literal))) }
        return RecordFormat(parts: parts)
    }

    /// `record` in this format.
    package func render(_ record: ConsumerRecord) -> String {
        var output = ""
        for part in parts {
            switch part {
            case .literal(let text): output += text
            case .topic: output += TerminalText.escaped(record.topic)
            case .partition: output += String(record.partition)
            case .offset: output += String(record.offset)
            case .key: output += record.keyString.map(TerminalText.escaped) ?? ""
            case .keyLength: output += String(record.key?.count ?? -1)
            case .value: output += record.valueString.map(TerminalText.escaped) ?? ""
            case .valueLength: output += String(record.value?.count ?? -1)
            case .headers: output += Self.headers(record.headers)
            case .timestamp:
                output += String(record.timestamp.kind == .notAvailable ? -1 : record.timestamp.milliseconds)
            }
        }
        return output
    }

    /// `name=value,name2=value2`, every name and value escaped; a header without a value is its bare name.
    package static func headers(_ headers: [RecordHeader]) -> String {
        headers.map { header in
            let name = TerminalText.escaped(header.key)
            return header.stringValue.map { "\(name)=\(TerminalText.escaped($0))" } ?? name
        }.joined(separator: ",")
    }
}
