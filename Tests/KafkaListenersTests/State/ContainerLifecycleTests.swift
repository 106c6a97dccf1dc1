import KafkaListenersTesting
import Testing

@testable import KafkaListeners

@Suite("Container lifecycle (no broker)", .timeLimit(.minutes(1)))
struct ContainerLifecycleTests {
    @Test("start, run, stop gracefully, close; start again")
    func ordinaryLife() {
        var life = ContainerLifecycle()
        #expect(!life.isActive)
        let result1 = life.start()
        #expect(result1)
        let result2 = life.start()
        #expect(!result2, "already starting")
        #expect(life.started() == .run)
        #expect(life.isActive && !life.isStopping)
        #expect(life.stop(.graceful) == .stop(.graceful))
        #expect(life.isStopping && !life.isAbrupt)
        #expect(life.stop(.graceful) == .none, "a second stop does nothing")
        let result3 = life.start()
        #expect(!result3, "no start while stopping")
        life.closed()
        #expect(!life.isActive)
        let result4 = life.start()
        #expect(result4, "a stopped container starts again")
    }

    @Test("a stop during the start is carried out when the start completes; abrupt wins over graceful")
    func stopDuringStart() {
        var life = ContainerLifecycle()
        let result5 = life.start()
        #expect(result5)
        #expect(life.stop(.graceful) == .deferredUntilStarted)
        #expect(life.stop(.abrupt) == .deferredUntilStarted)
        #expect(life.stop(.graceful) == .deferredUntilStarted)
        #expect(life.started() == .stop(.abrupt))
        #expect(life.stop(.abrupt) == .stop(.abrupt))
        #expect(life.isAbrupt)
    }

    @Test(
        "an abrupt stop overrides a graceful one under way; a start after an abrupt stop runs afresh; a failed start stops"
    )
    func abruptAndFailed() {
        var life = ContainerLifecycle()
        _ = life.start()
        _ = life.started()
        #expect(life.stop(.graceful) == .stop(.graceful))
        #expect(life.stop(.abrupt) == .none, "the loop is already stopping")
        #expect(life.isAbrupt, "but nothing more is committed")
        life.closed()
        let result6 = life.start()
        #expect(result6)
        #expect(life.started() == .run)
        #expect(!life.isAbrupt)
        life.closed()
        let result7 = life.start()
        #expect(result7)
        life.startFailed()
        #expect(!life.isActive)
        #expect(life.stop(.graceful) == .none, "stopping a stopped container does nothing")
    }
}
