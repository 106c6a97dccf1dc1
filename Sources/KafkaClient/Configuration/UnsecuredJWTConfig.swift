/// Checks `sasl.oauthbearer.config` for librdkafka's built-in unsecured JWT (`enable.sasl.oauthbearer.unsecure.jwt`)
/// before librdkafka sees it: librdkafka 2.0.2 crashes its main thread on some malformed values, and the value can
/// come from outside (a listener override, a configuration file).
///
/// The format librdkafka documents: space-separated `name=value` pairs with the names `principalClaimName`,
/// `principal` (required), `scopeClaimName`, `scope`, `lifeSeconds` (a whole number of seconds) and
/// `extension_<NAME>`, each at most once.
enum UnsecuredJWTConfig {
    static let names: Set<String> = ["principalClaimName", "principal", "scopeClaimName", "scope", "lifeSeconds"]

    /// Why `text` is not a valid unsecured-JWT configuration, or `nil` when it is. The reason never quotes a value.
    static func problem(in text: String) -> String? {
        var seen: Set<String> = []
        for pair in text.split(separator: " ", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else { return "a part has no '=' (expected name=value pairs)" }
            let name = String(pair[..<equals])
            let value = pair[pair.index(after: equals)...]
            let isExtension = name.hasPrefix("extension_") && name.count > "extension_".count
            guard names.contains(name) || isExtension else {
                return
                    "a name is none of principalClaimName, principal, scopeClaimName, scope, lifeSeconds or extension_<NAME>"
            }
            guard seen.insert(name).inserted else {
                return isExtension ? "an extension is given twice" : "'\(name)' is given twice"
            }
            if value.isEmpty { return isExtension ? "an extension has an empty value" : "'\(name)' has an empty value" }
            if name == "lifeSeconds", !(Int32(value).map { $0 > 0 } ?? false) {
                return "lifeSeconds must be a whole number of seconds from 1 to \(Int32.max)"
            }
        }
        if !seen.contains("principal") { return "'principal' is required" }
        return nil
    }

    /// Throws when `storage` enables the unsecured JWT with a malformed `sasl.oauthbearer.config`.
    static func check(_ storage: [(key: String, value: String)]) throws {
        func value(_ key: String) -> String? { storage.last { $0.key == key }?.value }
        guard value("enable.sasl.oauthbearer.unsecure.jwt")?.lowercased() == "true" else { return }
        let config = value("sasl.oauthbearer.config") ?? ""
        if let problem = problem(in: config) {
            throw KafkaError(
                kind: .configuration,
                message:
                    "invalid configuration key 'sasl.oauthbearer.config' = '\(SecretRedaction.placeholder)' for the unsecured JWT: \(problem)",
                operation: "set configuration key 'sasl.oauthbearer.config'")
        }
    }
}
