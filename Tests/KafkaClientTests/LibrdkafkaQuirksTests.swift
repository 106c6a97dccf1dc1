import Crdkafka
import Logging
import Testing

@testable import KafkaClient

@Suite(
    "Which librdkafka quirks apply: version gates, the switch and its configuration key (no broker)",
    .timeLimit(.minutes(3)))
struct LibrdkafkaQuirksTests {
    /// `rd_kafka_version()` values of some releases.
    static let v160: Int32 = 0x0106_00ff, v202: Int32 = 0x0200_02ff, v202rc: Int32 = 0x0200_0201
    static let v210: Int32 = 0x0201_00ff, v211: Int32 = 0x0201_01ff, v220: Int32 = 0x0202_00ff,
        v2150: Int32 = 0x020f_00ff

    @Test("each quirk is needed by the versions its problem exists in, and by no other")
    func versionGates() {
        #expect(LibrdkafkaQuirks.needed(byVersion: Self.v202) == .all)
        #expect(LibrdkafkaQuirks.needed(byVersion: Self.v202rc) == .all, "a release candidate counts as its release")
        #expect(
            LibrdkafkaQuirks.needed(byVersion: Self.v160) == [
                .fetchRestart, .assignmentWake, .commitNudge, .seekTimeout,
            ])
        #expect(
            LibrdkafkaQuirks.needed(byVersion: Self.v210) == [.fetchRestart, .assignmentWake, .commitNudge],
            "seeks fixed in 2.1.0")
        #expect(LibrdkafkaQuirks.needed(byVersion: Self.v211) == [.fetchRestart, .assignmentWake, .commitNudge])
        #expect(
            LibrdkafkaQuirks.needed(byVersion: Self.v220) == [.assignmentWake, .commitNudge],
            "fetch.queue.backoff.ms from 2.2.0")
        #expect(LibrdkafkaQuirks.needed(byVersion: Self.v2150) == [.assignmentWake, .commitNudge])
        #expect(
            LibrdkafkaQuirks.needed(byVersion: 0x0105_00ff) == [.fetchRestart, .assignmentWake, .commitNudge],
            "no seek_partitions before 1.6.0")
        #expect(LibrdkafkaQuirks.versions(of: .seekTimeout).fixed == LibrdkafkaVersion(2, 1, 0))
        #expect(LibrdkafkaQuirks.versions(of: .fetchRestart).fixed == LibrdkafkaVersion(2, 2, 0))
        #expect(LibrdkafkaQuirks.versions(of: .wireHeaders).description == "2.0.2 up to 2.0.3 (fixed in 2.0.3)")
        #expect(LibrdkafkaQuirks.versions(of: .commitNudge).fixed == nil)
        #expect(LibrdkafkaQuirks.neededByLoadedLibrary == LibrdkafkaQuirks.needed(byVersion: rd_kafka_version()))
    }

    @Test(
        "a quirk applies only where it is needed and allowed: switched off it is off, and on an unaffected version it is off whatever the setting"
    )
    func effective() {
        #expect(LibrdkafkaQuirks.effective(.all, version: Self.v202) == .all)
        #expect(
            LibrdkafkaQuirks.effective(.all.subtracting(.seekTimeout), version: Self.v202)
                == .all.subtracting(.seekTimeout))
        #expect(LibrdkafkaQuirks.effective([], version: Self.v202) == [])
        #expect(LibrdkafkaQuirks.effective(.all, version: Self.v220) == [.assignmentWake, .commitNudge])
        #expect(LibrdkafkaQuirks.effective([.wireHeaders, .seekTimeout, .fetchRestart], version: Self.v220) == [])
    }

    @Test("the configuration carries the switch under its own key, and librdkafka never sees that key")
    func configurationKey() throws {
        var configuration = KafkaConfiguration(bootstrapServers: "localhost:9092")
        #expect(configuration.librdkafkaQuirks == .all)
        #expect(configuration[LibrdkafkaQuirks.configurationKey] == nil, "the default writes nothing")
        configuration.librdkafkaQuirks = .all.subtracting([.seekTimeout, .commitNudge])
        #expect(configuration[LibrdkafkaQuirks.configurationKey] == "commitNudge,seekTimeout")
        #expect(configuration.librdkafkaQuirks == .all.subtracting([.seekTimeout, .commitNudge]))
        // librdkafka refuses unknown keys: validating proves the key is kept from it.
        try configuration.validate()
        #expect(throws: KafkaError.self, "a key librdkafka does not know is still refused") {
            try configuration.with("swift.librdkafka.other", "1").validate()
        }
        configuration.librdkafkaQuirks = .all
        #expect(configuration[LibrdkafkaQuirks.configurationKey] == nil)

        let raw = KafkaConfiguration([LibrdkafkaQuirks.configurationKey: " wireHeaders , fetchRestart,"])
        #expect(raw.librdkafkaQuirks == [.assignmentWake, .commitNudge, .seekTimeout])
        try raw.validate()
        #expect(KafkaConfiguration([LibrdkafkaQuirks.configurationKey: "all"]).librdkafkaQuirks == [])
        #expect(
            KafkaConfiguration().merging(raw).librdkafkaQuirks == raw.librdkafkaQuirks, "merging carries the switch")
    }

    @Test("an unknown quirk name is refused with an error that names the input")
    func unknownName() throws {
        let configuration = KafkaConfiguration([LibrdkafkaQuirks.configurationKey: "seekTimeout,noSuchQuirk\u{7}"])
        let error = try #require(throws: KafkaError.self) { try configuration.validate() }
        #expect(error.kind == .configuration)
        #expect(
            error.message.contains("noSuchQuirk?") && error.message.contains(LibrdkafkaQuirks.configurationKey),
            "\(error.message)")
        #expect(configuration.librdkafkaQuirks == .all.subtracting(.seekTimeout), "reading ignores the unknown name")
        #expect(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration) }
    }

    @Test("the seek timeout is scaled a thousand times only while the quirk is in effect, clamped and never trapping")
    func seekTimeoutArgument() {
        typealias Seek = LibrdkafkaQuirks.SeekTimeout
        #expect(Seek.argument(.seconds(10), scaled: true) == 10_000_000)
        #expect(Seek.argument(.milliseconds(1), scaled: true) == 1_000)
        #expect(Seek.argument(.seconds(10), scaled: false) == 10_000)
        #expect(Seek.argument(.seconds(86_400), scaled: true) == .max, "clamped")
        #expect(Seek.argument(.zero, scaled: true) == 0, "0 keeps meaning: do not wait")
    }

    @Test("a consumer decides its quirks once, from its configuration and the loaded librdkafka")
    func consumerDecides() async throws {
        let loaded = LibrdkafkaQuirks.neededByLoadedLibrary
        let plain = try KafkaConsumer(configuration: KafkaConfiguration(["group.id": "quirks"]))
        #expect(plain.librdkafkaQuirks == loaded)
        await plain.close()
        var off = KafkaConfiguration(["group.id": "quirks"])
        off.librdkafkaQuirks = .all.subtracting([.seekTimeout, .wireHeaders])
        let partly = try KafkaConsumer(configuration: off)
        #expect(partly.librdkafkaQuirks == loaded.subtracting([.seekTimeout, .wireHeaders]))
        await partly.close()
        off.librdkafkaQuirks = []
        let none = try KafkaConsumer(configuration: off)
        #expect(none.librdkafkaQuirks == [])
        await none.close()
    }

    @Test("the core stores one flag per quirk, from the version it is given")
    func coreFlags() throws {
        for version in [Self.v202, Self.v220] {
            for allowed: LibrdkafkaQuirks in [
                .all, [], [.seekTimeout, .commitNudge], [.fetchRestart, .assignmentWake],
            ] {
                var configuration = KafkaConfiguration(["group.id": "quirks-core"])
                configuration.librdkafkaQuirks = allowed
                let handle = try NativeHandle(
                    type: RD_KAFKA_CONSUMER, configuration: configuration, logger: Logger(label: "test"))
                let core = ConsumerCore(
                    handle: handle, configuration: configuration, logger: Logger(label: "test"),
                    librdkafkaVersion: version)
                let expected = LibrdkafkaQuirks.effective(allowed, version: version)
                #expect(core.quirks == expected)
                #expect(core.scalesSeekTimeout == expected.contains(.seekTimeout))
                #expect(core.nudgesCommits == expected.contains(.commitNudge))
                #expect(core.watchesAssignments == expected.contains(.assignmentWake))
                #expect(core.fetchRestarter.enabled == expected.contains(.fetchRestart))
                #expect(core.batch.headersInPlace == expected.contains(.wireHeaders))
                core.close()
            }
        }
    }
}
