import KafkaClient
import KafkaListenersCLICore
import KafkaListenersTesting
import Testing

/// Hostile input for the CLI's own parsers (`--command-config` files, `-X`, `consume --format`): each input is
/// accepted or refused with a ``CLIFailure`` of exit code 2, never a trap, and what is accepted keeps its invariants.
/// Seeded, so a failure repeats; no broker.
@Suite("CLI parsers of files, -X and --format never trap", .timeLimit(.minutes(1)))
struct CLIParserFuzzTests {
    static let propertySeeds = [
        "bootstrap.servers=localhost:9092\nsecurity.protocol=SASL_SSL\n",
        "# comment\n! other\n\nsasl.mechanism: PLAIN\n",
        "sasl.password = S3cretValue-1\n", "key value\n", "a=b=c\n", "ssl.ca.pem=-----BEGIN\\\n    CERT-----\\nline\n",
        "k=\\u00e9\\uD83D\\uDE00\n", "k=\\uZZZZ\n", "k=\\uD800\n", "=novalue\n", "lonely\n", "k=v\\",
        "k\\=x=1\r\nj:2\r",
        "\u{FEFF}client.id=x\n", "  \t\u{0C} indented = value  \n", "multi\\\n  line\\\n  key=1\n", "k=\\u0000\n",
        "k:\n", "\\\n",
    ]
    static let propertyAlphabet: [Character] = Array("abcz.=: \t\n\r\\#!u0D8EeFf9_-é字🙂\u{0C}\u{0}\u{1b}")
    static let secret = "S3cretValue-1"

    /// Whether `scalar` could drive a terminal: a control character (C0, DEL, C1), a bidirectional control or a line or
    /// paragraph separator. Written from Unicode's properties, apart from ``TerminalText``, so the check is independent.
    static func drivesTerminal(_ scalar: Unicode.Scalar) -> Bool {
        let category = scalar.properties.generalCategory
        return category == .control || category == .lineSeparator || category == .paragraphSeparator
            || scalar.properties.isBidiControl
    }

    /// Checks what every parser error must be: exit code 2, one line, no control characters, no secret.
    static func checkFailure(_ failure: CLIFailure, _ input: String, sourcePrefix: String? = nil) {
        #expect(failure.exitCode == 2, "\(input.debugDescription): \(failure.message)")
        #expect(
            !failure.message.unicodeScalars.contains(where: drivesTerminal),
            "\(input.debugDescription): \(failure.message.debugDescription)")
        #expect(!failure.message.contains(secret), "\(input.debugDescription): \(failure.message)")
        if let sourcePrefix { #expect(failure.message.hasPrefix(sourcePrefix), "\(failure.message)") }
    }

    @Test(
        "properties text: known files parse to known settings, or are refused with the line and reason",
        arguments: [
            ("# c\n! c\n\n  a.b = 1\nc:2\nd 3\ne=x=y\n", ["a.b=1", "c=2", "d=3", "e=x=y"], nil),
            ("k=one\\\n    two\\\n\tthree\n", ["k=onetwothree"], nil),
            ("k=a\\\\\nj=b\n", ["k=a\\", "j=b"], nil),
            ("k\\=x\\:y=\\u00e9\\uD83D\\uDE00\\t.\r\nk2=\\#\rk3=\n", ["k=x:y=é😀\t.", "k2=#", "k3="], nil),
            ("\u{FEFF}a=1\na=2\n", ["a=2"], nil),
            ("k=1\n# ends in a backslash \\\nj=2", ["k=1", "j=2"], nil),
            ("k=1\nlonely\n", [], "line 2: a line has no '=', ':' or value"),
            ("k=1\n\n=v\n", [], "line 3: a setting has an empty key"),
            ("k=\\u12\n", [], "line 1: the value of 'k' has a malformed \\u escape"),
            ("k=\\uDE00\n", [], "line 1: the value of 'k' has a malformed \\u escape"),
            ("a=1\nk=\\u0000\n", [], "line 2: the value of 'k' contains a NUL character"),
        ] as [(String, [String], String?)])
    func knownFiles(text: String, expected: [String], refusal: String?) {
        do throws(CLIFailure) {
            let settings = ClientSettings.resolve([try PropertiesFileParser.parse(text, source: "f")])
            #expect(refusal == nil, "accepted: \(settings)")
            #expect(settings.map { "\($0.key)=\($0.value)" } == expected)
        } catch {
            #expect(refusal.map { error.message.hasPrefix("f \($0)") } == true, "\(error.message)")
            #expect(error.exitCode == 2)
        }
    }

    @Test("properties text: parsed settings have a key, no NUL and a line in the file; errors name the file and line")
    func propertiesText() {
        var fuzz = FuzzInput(seed: 0xC0F1_6F11E)
        var accepted = 0
        for iteration in 0..<fuzzIterations {
            let text =
                iteration < Self.propertySeeds.count
                ? Self.propertySeeds[iteration]
                : fuzz.chance(0.6)
                    ? fuzz.mutate(
                        fuzz.pick(Self.propertySeeds) + fuzz.pick(Self.propertySeeds), alphabet: Self.propertyAlphabet)
                    : fuzz.text(maxLength: 60, alphabet: Self.propertyAlphabet)
            let physicalLines = text.unicodeScalars.filter { $0 == "\n" || $0 == "\r" }.count + 1
            do throws(CLIFailure) {
                let settings = try PropertiesFileParser.parse(text, source: "fuzz.properties")
                accepted += 1
                for setting in settings {
                    #expect(
                        !setting.key.isEmpty && !setting.key.unicodeScalars.contains("\0")
                            && !setting.value.unicodeScalars.contains("\0"))
                    guard case .file("fuzz.properties", let line) = setting.origin else {
                        Issue.record("origin \(setting.origin)")
                        continue
                    }
                    #expect(
                        (1...physicalLines).contains(line), "\(text.debugDescription): line \(line) of \(physicalLines)"
                    )
                }
            } catch {
                Self.checkFailure(error, text, sourcePrefix: "fuzz.properties line ")
            }
        }
        #expect(accepted > 2_000, "the generator reaches valid files too (\(accepted) accepted)")
    }

    @Test("properties bytes: binary, non-UTF-8 and oversized input is refused with the file's name, valid text parses")
    func propertiesBytes() {
        var fuzz = FuzzInput(seed: 0xB1_7E5)
        let seeds =
            Self.propertySeeds.map { Array($0.utf8) } + [
                [0xC3, 0x28], [0xFF, 0xFE, 0x6B, 0x00], [0xE2, 0x82], Array("k=v\n".utf8) + [0x80],
            ]
        var refusedAsBytes = 0
        for iteration in 0..<fuzzIterations {
            let bytes =
                iteration < seeds.count
                ? seeds[iteration]
                : fuzz.chance(0.7) ? fuzz.mutate(bytes: fuzz.pick(seeds)) : fuzz.bytes(count: fuzz.int(in: 0...40))
            do throws(CLIFailure) {
                _ = try CommandConfigFile.parse(bytes: bytes, source: "fuzz.bin")
                #expect(String(validating: bytes, as: UTF8.self) != nil, "\(bytes) accepted but not UTF-8")
                #expect(!bytes.contains(0), "\(bytes) accepted with a NUL byte")
            } catch {
                Self.checkFailure(error, "\(bytes)")
                #expect(
                    error.message.hasPrefix("--command-config fuzz.bin: ") || error.message.hasPrefix("fuzz.bin line "),
                    "\(error.message)")
                if error.message.hasPrefix("--command-config") { refusedAsBytes += 1 }
            }
        }
        #expect(refusedAsBytes > 1_000, "binary and non-UTF-8 input is reached (\(refusedAsBytes) refused)")
        let huge = Array(repeating: UInt8(ascii: "#"), count: CommandConfigFile.sizeLimit + 1)
        #expect(throws: CLIFailure.self) { try CommandConfigFile.parse(bytes: huge, source: "huge") }
    }

    @Test("properties round trip: settings written with Java escapes parse back to themselves")
    func propertiesRoundTrip() throws {
        var fuzz = FuzzInput(seed: 0x7207_7219)
        let keyAlphabet: [Character] = Array("abcdefghijklmnopqrstuvwxyz._-0123456789")
        let valueAlphabet: [Character] = Array("abc 0=:#!\\\t\n\r\u{0C}é字🙂 \u{1b}xyz")
        for _ in 0..<fuzzIterations {
            var expected: [(String, String)] = []
            var text = fuzz.chance(0.5) ? "# written\n" : ""
            for _ in 0..<fuzz.int(in: 1...4) {
                let key = "k" + fuzz.text(maxLength: 12, alphabet: keyAlphabet)
                let value = fuzz.text(maxLength: 20, alphabet: valueAlphabet)
                if let existing = expected.firstIndex(where: { $0.0 == key }) {
                    expected[existing].1 = value
                } else {
                    expected.append((key, value))
                }
                text +=
                    key + fuzz.pick(["=", ": ", " = ", " ", "\t:"]) + Self.javaEscaped(value, fuzz: &fuzz)
                    + fuzz.pick(["\n", "\r\n", "\r"])
            }
            let parsed = try PropertiesFileParser.parse(text, source: "round.properties")
            let resolved = ClientSettings.resolve([parsed]).map { ($0.key, $0.value) }
            #expect(
                resolved.map(\.0) == expected.map(\.0) && resolved.map(\.1) == expected.map(\.1),
                "\(text.debugDescription)")
        }
    }

    /// `value` as `java.util.Properties.store` writes it, with some characters as `\u` escapes and some continuations.
    static func javaEscaped(_ value: String, fuzz: inout FuzzInput) -> String {
        var output = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\t": output += "\\t"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\u{0C}": output += "\\f"
            case "=", ":", "#", "!": output += "\\" + String(scalar)
            case " ": output += "\\ "
            default:
                if !scalar.isASCII, fuzz.chance(0.5) {
                    output += String(scalar).utf16.map {
                        "\\u" + String(repeating: "0", count: 4 - String($0, radix: 16).count) + String($0, radix: 16)
                    }.joined()
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
            if fuzz.chance(0.05) { output += "\\\n" + fuzz.pick(["", "  ", "\t"]) }
        }
        return output
    }

    @Test(
        "-X: accepted arguments split at the first '=' into a non-empty key and the rest; errors never repeat a value")
    func settingArguments() {
        var fuzz = FuzzInput(seed: 0x5E77_1265)
        let seeds = [
            "sasl.password=\(Self.secret)", "a=b=c", "=x", "nokey", "k=", "debug=all", "k=\u{0}", "\u{1b}[31m=1", "é=字",
            "x" + Self.secret,
        ]
        for iteration in 0..<fuzzIterations {
            let text =
                iteration < seeds.count
                ? seeds[iteration] : fuzz.chance(0.6) ? fuzz.mutate(fuzz.pick(seeds)) : fuzz.text(maxLength: 30)
            do throws(CLIFailure) {
                let setting = try SettingArgument.parse(text, position: 3)
                #expect(!setting.key.isEmpty && !setting.key.unicodeScalars.contains("="), "\(text.debugDescription)")
                #expect(setting.key + "=" + setting.value == text, "\(text.debugDescription)")
                #expect(setting.origin == .option(position: 3))
            } catch {
                Self.checkFailure(error, text, sourcePrefix: "-X ")
                #expect(error.message.contains("3"), "\(error.message)")
            }
        }
    }

    static let formatSeeds = [
        "%t %p %o %k %s %h %T\\n", "%K:%S", "%%", "%", "\\", "%x", "\\q", "plain", "", "%s\\t%k\\r\\n\\\\", "%h%h%%%%",
        "%\u{1b}", "100%",
    ]
    static let formatAlphabet: [Character] = Array("%\\tpoksKShTnrx \u{1b}\n\t")

    @Test("--format: accepted formats print record content with no control character the format itself did not contain")
    func formats() {
        var fuzz = FuzzInput(seed: 0xF0_2A7)
        let hostile = "a\u{1b}[2J\u{7}\u{9b}\r\n\u{202e}b\0"
        let records = [
            ConsumerRecord(
                topic: "t", partition: 2, offset: 7,
                timestamp: RecordTimestamp(kind: .createTime, milliseconds: 1_700_000_000_000),
                key: Array(hostile.utf8), value: Array(hostile.utf8),
                headers: [RecordHeader(key: hostile, string: hostile), RecordHeader(key: "n", value: nil)]),
            ConsumerRecord(topic: "t", partition: 0, offset: 0, key: nil, value: nil),
            ConsumerRecord(topic: "t", partition: 0, offset: 1, key: [0xFF, 0x1B], value: [0xC3]),
        ]
        var accepted = 0
        for iteration in 0..<fuzzIterations {
            let text =
                iteration < Self.formatSeeds.count
                ? Self.formatSeeds[iteration]
                : fuzz.chance(0.6)
                    ? fuzz.mutate(fuzz.pick(Self.formatSeeds), alphabet: Self.formatAlphabet)
                    : fuzz.text(maxLength: 24, alphabet: Self.formatAlphabet)
            do throws(CLIFailure) {
                let format = try RecordFormat.parse(text)
                accepted += 1
                let literalControls = format.parts.reduce(0) { count, part in
                    guard case .literal(let literal) = part else { return count }
                    return count + literal.unicodeScalars.filter(Self.drivesTerminal).count
                }
                for record in records {
                    let output = format.render(record)
                    #expect(
                        output.unicodeScalars.filter(Self.drivesTerminal).count == literalControls,
                        "\(text.debugDescription) → \(output.debugDescription)")
                }
            } catch {
                #expect(
                    error.exitCode == 2 && error.message.hasPrefix("--format: ") && error.message.contains("position"),
                    "\(error.message)")
                #expect(
                    !error.message.unicodeScalars.contains(where: Self.drivesTerminal),
                    "\(error.message.debugDescription)")
            }
        }
        #expect(accepted > 2_000, "the generator reaches valid formats too (\(accepted) accepted)")
    }
}
