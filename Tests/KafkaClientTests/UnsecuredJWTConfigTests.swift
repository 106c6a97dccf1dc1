import KafkaListenersTesting
import Testing

@testable import KafkaClient

@Suite("The unsecured JWT's sasl.oauthbearer.config is checked before librdkafka sees it", .timeLimit(.minutes(1)))
struct UnsecuredJWTConfigTests {
    static let base: [String: String] = [
        "security.protocol": "sasl_plaintext", "sasl.mechanisms": "OAUTHBEARER",
        "enable.sasl.oauthbearer.unsecure.jwt": "true",
    ]

    @Test(
        "librdkafka's documented forms are accepted",
        arguments: [
            "principal=admin",
            "principalClaimName=azp principal=admin scopeClaimName=roles scope=role1,role2 lifeSeconds=600",
            "principal=admin extension_traceId=123", "  principal=admin   lifeSeconds=1 ",
        ])
    func accepted(_ text: String) {
        #expect(UnsecuredJWTConfig.problem(in: text) == nil, "\(text)")
    }

    @Test(
        "malformed values are refused with a reason that quotes no value",
        arguments: [
            "", "admin", "principal", "principal=", "=admin", "principal=a principal=b", "user=admin",
            "principal=admin lifeSeconds=x",
            "principal=admin lifeSeconds=-5", "principal=admin lifeSeconds=99999999999", "principal=admin extension_=1",
            "scope=a,b",
            "principal=admin extension_k=", "s3cr3t-token-value",
        ])
    func refused(_ text: String) throws {
        let problem = try #require(UnsecuredJWTConfig.problem(in: text), "\(text)")
        if text.count > 3 { #expect(!problem.contains(text), "the reason quotes the value: \(problem)") }
        #expect(!problem.contains("s3cr3t"))
    }

    @Test("a consumer with a malformed value fails to start with a configuration error and the process lives on")
    func consumerRefused() throws {
        var settings = Self.base
        settings["bootstrap.servers"] = "127.0.0.1:1"
        settings["group.id"] = "jwt"
        settings["sasl.oauthbearer.config"] = "not-a-pair s3cr3t-token-value"
        do {
            _ = try KafkaConsumer(configuration: KafkaConfiguration(settings))
            Issue.record("the consumer was created")
        } catch let error as KafkaError {
            #expect(error.kind == .configuration)
            #expect(!"\(error)".contains("s3cr3t"), "\(error)")
        }
        #expect(throws: KafkaError.self) { try KafkaConfiguration(settings).validate() }
        settings["enable.sasl.oauthbearer.unsecure.jwt"] = "false"
        #expect(throws: Never.self) { try KafkaConfiguration(settings).validate() }
    }

    @Test("seeded random texts never trap the check", arguments: [5, 6] as [UInt64])
    func fuzz(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let alphabet = Array("principal=lifeSeconds extension_ scope=,x0-9=  ")
        for _ in 0..<10_000 {
            let text = String(
                (0..<Int(random.next() % 40)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            _ = UnsecuredJWTConfig.problem(in: text)
        }
    }
}
