/// Keeps secrets (passwords, keys, tokens) out of log lines, error messages and descriptions.
///
/// A key is secret when, lower-cased and with `_` and `-` read as `.`, it contains `password`, `secret`,
/// `token`, `credential`, `private.key`, `sasl.jaas`, `oauthbearer.config`, `key.pem`, `sasl.username`
/// (on managed clusters the user name is an API key), or is `ssl.key` (librdkafka's `ssl_key`). The same
/// rule covers librdkafka keys (`sasl.password`), listener overrides
/// (`KAFKA_LISTENERS_ORDERS_PROPERTIES_SASL_PASSWORD`) and configuration keys
/// (`kafka.listeners.orders.properties.ssl.key.password`).
///
/// ``redact(_:secrets:)`` is the one filter every librdkafka log line and error text passes through: it
/// replaces each known secret value, and the value of every `key=value` or `key = value` whose key is
/// secret, with ``placeholder``.
public enum SecretRedaction {
    /// What is shown instead of a secret.
    public static let placeholder = "[redacted]"

    /// Shortest secret value that is also replaced wherever it appears in a line; shorter values (`1`,
    /// `ab`) would blank out unrelated text and are caught by their key instead.
    public static let minimumLiteralLength = 4

    static let secretFragments = [
        "password", "secret", "token", "credential", "private.key", "sasl.jaas", "oauthbearer.config", "key.pem",
        "sasl.username",
    ]

    /// Words one of which every secret key contains: a line without any of them needs no closer look.
    static let hints = ["pass", "secret", "token", "credential", "key", "jaas", "oauthbearer", "username"]

    /// Whether `key` names a secret.
    public static func isSecretKey(_ key: some StringProtocol) -> Bool {
        let normalized = String(key.lowercased().map { $0 == "_" || $0 == "-" ? "." : $0 })
        if normalized == "ssl.key" || normalized.hasSuffix(".ssl.key") { return true }
        return secretFragments.contains(where: { normalized.contains($0) })
    }

    /// `text` with every value of `secrets` (at least ``minimumLiteralLength`` characters) and the value
    /// of every `key=value` (or `key = value`, `key: value`) whose key is secret replaced by ``placeholder``.
    ///
    /// A secret key's value runs to the end of the line or to the next `, `, whichever comes first.
    public static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets where secret.count >= minimumLiteralLength {
            result = result.replacing(secret, with: placeholder)
        }
        let lowered = result.lowercased()
        guard hints.contains(where: { lowered.contains($0) }) else { return result }
        return redactingSecretAssignments(result)
    }

    /// `text` with the values of secret `key=value` assignments replaced.
    static func redactingSecretAssignments(_ text: String) -> String {
        let characters = Array(text)
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            output.append(character)
            index += 1
            guard character == "=" || character == ":" else { continue }
            // The key: the run of key characters before the separator (spaces between are allowed).
            var end = index - 1
            while end > 0, characters[end - 1] == " " { end -= 1 }
            var start = end
            while start > 0, isKeyCharacter(characters[start - 1]) { start -= 1 }
            guard start < end, isSecretKey(String(characters[start..<end])) else { continue }
            // Keep the spaces after the separator, then replace the value.
            while index < characters.count, characters[index] == " " {
                output.append(" ")
                index += 1
            }
            var valueEnd = index
            while valueEnd < characters.count, characters[valueEnd] != "\n",
                !(characters[valueEnd] == "," && valueEnd + 1 < characters.count && characters[valueEnd + 1] == " ")
            {
                valueEnd += 1
            }
            if valueEnd > index { output += placeholder }
            index = valueEnd
        }
        return output
    }

    private static func isKeyCharacter(_ character: Character) -> Bool {
        character.isASCII
            && (character.isLetter || character.isNumber || character == "." || character == "_" || character == "-")
    }
}
