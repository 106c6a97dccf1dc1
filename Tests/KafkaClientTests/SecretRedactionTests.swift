import Foundation
import KafkaClient
import KafkaListenersTesting
import Logging
import Testing

@Suite("Secrets never reach a log line, an error or a description", .timeLimit(.minutes(2)))
struct SecretRedactionTests {
    static let secret = "Zx9-SECRET-Qw7-do-not-print"

    /// Every secret-bearing property librdkafka accepts on a plaintext connection, each holding `secret`.
    static var secretProperties: [String: String] {
        [
            "security.protocol": "plaintext",
            "sasl.username": "user-\(secret)",
            "sasl.password": secret,
            "sasl.oauthbearer.config": "principal=admin extra=\(secret)",
            "ssl.key.password": secret,
            "debug": "all",
            "log_level": "7",
        ]
    }

    @Test("a producer, a consumer and an admin client with every debug context on log nothing of the secret")
    func librdkafkaLogLines() async throws {
        let handler = LogCapture(level: .trace)
        var logger = Logger(label: "test.secrets") { _ in handler }
        logger.logLevel = .trace
        let topic = try TestCluster.topic("secrets", partitions: 1)

        let producer = try KafkaProducer(
            configuration: TestCluster.producerConfig(Self.secretProperties), logger: logger)
        for index in 0..<5 {
            _ = try await producer.send(ProducerRecord(topic: topic, partition: 0, value: Array("r\(index)".utf8)))
        }
        await producer.close()

        let consumer = try KafkaConsumer(
            configuration: TestCluster.consumerConfig(group: TestCluster.unique("secrets"), Self.secretProperties),
            logger: logger)
        try await consumer.assign([TopicPartitionOffset(topic, 0, 0)])
        var received: [ConsumerRecord] = []
        try await waitUntil("5 records consumed", observed: { "\(received.count)" }) {
            received += try await consumer.poll(maxRecords: 10, timeout: .milliseconds(200))
            return received.count >= 5
        }
        await consumer.close()

        let admin = try KafkaAdmin(
            configuration: TestCluster.shared.configuration(Self.secretProperties), logger: logger)
        _ = try await admin.listTopics()
        await admin.close()

        let lines = handler.lines.withLock { $0 }
        #expect(lines.count > 100, "debug=all logs plenty (\(lines.count) lines)")
        let leaking = lines.filter { line in
            line.message.contains(Self.secret) || line.metadata.values.contains { $0.contains(Self.secret) }
        }
        #expect(leaking.isEmpty, "\(leaking.prefix(3).map(\.message))")
    }

    @Test("configuration: properties, subscript, description, dump and errors show secrets as [redacted]")
    func configurationViews() throws {
        var configuration = KafkaConfiguration(Self.secretProperties)
        configuration["my.app.secret.password"] = Self.secret  // unknown to librdkafka: an error names it
        configuration.sslKeyPassword = Self.secret
        var dumped = ""
        dump(configuration, to: &dumped)
        var texts = [
            "\(configuration)", String(reflecting: configuration), dumped, "\(configuration.properties)",
            configuration["sasl.password"] ?? "", configuration.saslPassword ?? "", configuration.sslKeyPassword ?? "",
            configuration["sasl.oauthbearer.config"] ?? "",
        ]
        let error = #expect(throws: KafkaError.self) { try configuration.validate() }
        texts += [error.map { "\($0)" } ?? "", error.map { String(reflecting: $0) } ?? ""]
        #expect(error?.message.contains("my.app.secret.password") == true, "the error still names the key")

        #expect(configuration.properties.contains { $0.key == "sasl.password" && $0.value == "[redacted]" })
        for text in texts { #expect(!text.contains(Self.secret), "\(text)") }
    }

    @Test("the redaction filter: known secret values and secret key=value pairs, nothing else")
    func filter() {
        let line =
            "sasl.password = hunter2, client.id=app, SSL_KEY_PASSWORD: pw1, sasl.oauthbearer.config=principal=x scope=y\nnext"
        let redacted = SecretRedaction.redact(line + " token \(Self.secret)", secrets: [Self.secret, "ab"])
        #expect(
            redacted
                == "sasl.password = [redacted], client.id=app, SSL_KEY_PASSWORD: [redacted], sasl.oauthbearer.config=[redacted]\nnext token [redacted]"
        )
        #expect(SecretRedaction.redact("fetch.wait.max.ms=50 ab") == "fetch.wait.max.ms=50 ab")
        for key in [
            "sasl.password", "SASL_PASSWORD", "ssl.keystore.password", "sasl.oauthbearer.config", "ssl.key.pem",
            "ssl_key", "sasl.username",
            "sasl.oauthbearer.client.secret", "KAFKA_LISTENERS_ORDERS_PROPERTIES_SSL_KEY_PEM",
        ] {
            #expect(SecretRedaction.isSecretKey(key), "\(key)")
        }
        for key in ["bootstrap.servers", "ssl.key.location", "group.id", "ssl.certificate.location", "sasl.mechanisms"]
        {
            #expect(!SecretRedaction.isSecretKey(key), "\(key)")
        }
    }
}
