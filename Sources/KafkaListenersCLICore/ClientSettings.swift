import KafkaClient

/// Lays the settings of a command's sources over each other and checks them with librdkafka before any client exists.
///
/// Precedence, lowest first: the command's defaults, the `--command-config` file, `-X` options (later ones win),
/// dedicated options (`--bootstrap-servers`, `--group`, `--from-beginning`). Within one file the last line wins.
package enum ClientSettings {
    static let unsecuredJWTKey = "enable.sasl.oauthbearer.unsecure.jwt"
    static let oauthbearerConfigKey = "sasl.oauthbearer.config"

    /// The settings that win, each key once, in the order keys were first set.
    package static func resolve(_ layers: [[ClientSetting]]) -> [ClientSetting] {
        var resolved: [ClientSetting] = []
        var positions: [String: Int] = [:]
        for setting in layers.joined() {
            if let position = positions[setting.key] {
                resolved[position] = setting
            } else {
                positions[setting.key] = resolved.count
                resolved.append(setting)
            }
        }
        return resolved
    }

    /// A configuration of `settings`, each checked with librdkafka on its own (so the error names where it came from),
    /// then together.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) naming the key and its origin and librdkafka's reason; a secret's value
    ///   never appears in it.
    package static func configuration(_ settings: [ClientSetting]) throws(CLIFailure) -> KafkaConfiguration {
        let secrets = settings.filter { KafkaConfiguration.isSecret($0.key) }.map(\.value)
        OutputRedaction.register(secrets)
        func failure(_ error: KafkaError, _ origin: String?) -> CLIFailure {
            let message = TerminalText.escaped(SecretRedaction.redact(error.message, secrets: secrets))
            return CLIFailure(message: origin.map { "\($0): \(message)" } ?? message, exitCode: 2)
        }
        var configuration = KafkaConfiguration()
        for setting in settings {
            var single = KafkaConfiguration().with(setting.key, setting.value)
            // Turning the unsecured JWT on is checked with sasl.oauthbearer.config below, with the settings together.
            if setting.key == unsecuredJWTKey { single[oauthbearerConfigKey] = "principal=check" }
            do {
                try single.validate()
            } catch let error as KafkaError {
                throw failure(error, setting.origin.description)
            } catch {
                throw CLIFailure(message: "\(setting.origin): '\(setting.shownKey)' was refused", exitCode: 2)
            }
            configuration[setting.key] = setting.value
        }
        do {
            try configuration.validate()
        } catch let error as KafkaError {
            // A setting the message names is where to look.
            let named = settings.last { error.message.contains("'\($0.key)'") }
            throw failure(error, named?.origin.description)
        } catch {
            throw CLIFailure(message: "the client settings were refused", exitCode: 2)
        }
        return configuration
    }
}
