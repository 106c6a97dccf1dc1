import Foundation
import KafkaClient
import KafkaListeners
import KafkaListenersTesting
import Testing

extension ParserFuzzTests {
    static let secretValue = "Sup3r-S3cret-Value-4711"

    static func declaredListeners() throws -> [DeclaredListener] {
        try ["orders", "order-events", "a"].flatMap { id in
            try Listen(id, topics: "t-\(id)") { (value: String, _) in _ = value }.declaredListeners()
        }
    }

    /// Checks an override outcome: applied listeners keep valid settings; an error hides the secret.
    static func checkOverrides(_ apply: () throws -> [DeclaredListener], input: String) {
        do {
            for listener in try apply() {
                let endpoint = listener.endpoint
                #expect(endpoint.concurrency >= 1 && endpoint.maxPollRecords >= 1, "\(input)")
                switch endpoint.ackMode {
                case .time(let time), .countTime(_, let time):
                    #expect(time >= .zero && time <= DurationText.maximum, "\(input)")
                default: break
                }
            }
        } catch let error as ListenerOverrideError {
            let key = error.key.lowercased()
            if ["password", "oauthbearer_config", "oauthbearer.config", "key_pem", "key.pem"].contains(where: {
                key.contains($0)
            }) {
                #expect(
                    !"\(error)".contains(secretValue) && !String(reflecting: error).contains(secretValue), "\(error)")
            }
            #expect(error.key.count <= InputExcerpt.limit + 24 && error.value.count <= InputExcerpt.limit + 24)
        } catch {
            Issue.record("not a ListenerOverrideError: \(error) for \(input)")
        }
    }

    @Test("KAFKA_LISTENERS_* variables: any key and value is applied or refused naming the key, never echoing a secret")
    func environmentOverrides() throws {
        var fuzz = FuzzInput(seed: 0xE4_7)
        let listeners = try Self.declaredListeners()
        let ids = ["ORDERS", "ORDER_EVENTS", "A", "", "_", "ORDERS_", "PAYMENTS", "LOG"]
        let settings = [
            "CONCURRENCY", "ACK_MODE", "ACK_TIME", "ACK_COUNT", "MAX_POLL_RECORDS", "AUTO_STARTUP", "PAUSED",
            "GROUP_ID", "PROPERTIES_",
            "PROPERTIES", "PROPERTIES_SASL_PASSWORD", "PROPERTIES_SASL_OAUTHBEARER_CONFIG", "PROPERTIES_SSL_KEY_PEM",
            "LEVEL", "", "_",
        ]
        let values =
            FuzzInput.awkwardNumbers + ["count-time", "time", "count", "manual", "true", "FALSE", "5s", "366d", "500"]
        for _ in 0..<fuzzIterations {
            var environment: [String: String] = [:]
            for _ in 0..<fuzz.int(in: 1...3) {
                var key = ListenerOverrides.environmentPrefix + fuzz.pick(ids) + "_" + fuzz.pick(settings)
                if fuzz.chance(0.3) { key = fuzz.mutate(key) }
                if fuzz.chance(0.05) { key = ListenerOverrides.environmentPrefix }
                let value = fuzz.chance(0.3) ? fuzz.mutate(fuzz.pick(values)) : fuzz.pick(values)
                let secret = ["PASSWORD", "OAUTHBEARER_CONFIG", "KEY_PEM"].contains { key.contains($0) }
                environment[key] = secret ? Self.secretValue : value
            }
            let overrides = ListenerOverrides(environment: environment)
            Self.checkOverrides({ try overrides.apply(to: listeners) }, input: "\(environment)")
        }
    }

    @Test("JSON overrides: mutated documents and odd keys (empty, '.', nested) are applied or refused, never trap")
    func jsonOverrides() throws {
        var fuzz = FuzzInput(seed: 0x750_4)
        let listeners = try Self.declaredListeners()
        let seeds = [
            #"{"kafka": {"listeners": {"orders": {"concurrency": 2, "ack-mode": "time", "ack-time": "5s"}}}}"#,
            #"{"orders": {"ack-mode": "count-time", "ack-count": 1e300, "ack-time": 9223372036854775807}}"#,
            #"{"": 1}"#, #"{".": {"": 2}}"#, #"{"orders": {"": 1}}"#, #"{"orders.": 3}"#, #"{"": {"concurrency": 1}}"#,
            #"{"orders": {"properties": {"sasl.password": "Sup3r-S3cret-Value-4711", "": "x"}}}"#,
            #"{"orders": {"concurrency": -1}}"#, #"{"orders": {"concurrency": 1.5e10}}"#, #"[1, 2]"#, #""text""#, "{",
            "",
            #"{"orders": {"ack-mode": "time", "ack-time": "1e400s"}}"#, #"{"orders": {"paused": null}}"#,
        ]
        for iteration in 0..<fuzzIterations {
            let text = iteration < seeds.count ? seeds[iteration] : fuzz.mutate(fuzz.pick(seeds))
            let overrides: ListenerOverrides
            do {
                overrides = try ListenerOverrides(json: Data(text.utf8))
            } catch let error as ListenerOverrideError {
                #expect(error.key.count <= InputExcerpt.limit + 24, "\(error)")
                continue
            } catch {
                Issue.record("not a ListenerOverrideError: \(error)")
                continue
            }
            Self.checkOverrides({ try overrides.apply(to: listeners) }, input: text)
        }
        // Flat keys with an empty id or setting.
        for key in ["", ".", "..", ".concurrency", "orders.", "orders..x"] {
            Self.checkOverrides({ try ListenerOverrides(values: [key: "1"]).apply(to: listeners) }, input: key)
        }
    }

    @Test("the kafka-listeners tool's KAFKA_LISTENERS_LOG_LEVEL is not read as a listener override")
    func reservedVariable() throws {
        let overrides = ListenerOverrides(environment: [
            "KAFKA_LISTENERS_LOG_LEVEL": "debug", "KAFKA_LISTENERS_ORDERS_CONCURRENCY": "2",
        ])
        #expect(overrides.entries.map(\.origin) == ["KAFKA_LISTENERS_ORDERS_CONCURRENCY"])
        #expect(try overrides.apply(to: Self.declaredListeners())[0].endpoint.concurrency == 2)
    }
}
