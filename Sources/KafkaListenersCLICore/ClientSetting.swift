import KafkaClient

/// One librdkafka setting from the command line or a file, with where it came from, so an error can point at it.
package struct ClientSetting: Sendable, Equatable {
    /// Where a setting came from, in the order of precedence (later ones win).
    package enum Origin: Sendable, Equatable, CustomStringConvertible {
        /// The command's own default (such as `log_level=3`, or `linger.ms=5` for produce).
        case commandDefault
        /// Line `line` of the `--command-config` file `file`.
        case file(String, line: Int)
        /// The `position`-th `-X` option (1-based).
        case option(position: Int)
        /// A dedicated option such as `--bootstrap-servers` or `--group`.
        case flag(String)

        package var description: String {
            switch self {
            case .commandDefault: "the command's default"
            case .file(let file, let line): "\(TerminalText.excerpt(file, limit: 200)) line \(line)"
            case .option(let position): "-X number \(position)"
            case .flag(let name): name
            }
        }
    }

    /// The librdkafka key, such as `sasl.mechanism`.
    package var key: String
    /// The value as given (secret or not; never shown).
    package var value: String
    /// Where it came from.
    package var origin: Origin

    /// A setting of `key` to `value` from `origin`.
    package init(key: String, value: String, origin: Origin) {
        self.key = key
        self.value = value
        self.origin = origin
    }

    /// The key as error messages show it: cut short, without control characters.
    package var shownKey: String { TerminalText.excerpt(key) }
}
