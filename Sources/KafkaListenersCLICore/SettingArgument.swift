import KafkaClient

/// Parses one `-X key=value` argument (kcat's convention): the key runs to the first `=`, the value is the rest
/// (it may contain `=` and may be empty). Nothing is trimmed.
package enum SettingArgument {
    /// The setting in `argument`, the `position`-th `-X` (1-based).
    ///
    /// - Throws: ``CLIFailure`` (exit code 2). The message repeats the key but never the value, and never the
    ///   whole argument when it has no `=` (it may be a secret given without its key).
    package static func parse(_ argument: String, position: Int) throws(CLIFailure) -> ClientSetting {
        guard let equals = argument.unicodeScalars.firstIndex(of: "=") else {
            throw CLIFailure(
                message:
                    "-X takes key=value, but -X number \(position) has no '=' (its text is not shown: it may be a secret)",
                exitCode: 2)
        }
        let key = String(argument.unicodeScalars[..<equals])
        let value = String(argument.unicodeScalars[argument.unicodeScalars.index(after: equals)...])
        guard !key.isEmpty else {
            throw CLIFailure(message: "-X takes key=value, but -X number \(position) has an empty key", exitCode: 2)
        }
        let setting = ClientSetting(key: key, value: value, origin: .option(position: position))
        guard !key.unicodeScalars.contains("\0"), !value.unicodeScalars.contains("\0") else {
            throw CLIFailure(
                message: "-X number \(position) ('\(setting.shownKey)') contains a NUL character", exitCode: 2)
        }
        return setting
    }
}
