// The chaos broker: librdkafka's mock cluster (EmbeddedKafka) in a process of its own, with a control file through
// which the chaos driver takes brokers down and brings them up (see Docs/Reliability.md).
//
//   ChaosBroker --brokers N --topic NAME:PARTITIONS --control PATH
//
// Prints `bootstrap.servers=<list>` once the cluster runs. Then it reads the lines appended to PATH, every 50 ms:
// `down <id>`, `up <id>` (answered on stdout with `applied <line>`, or `refused <line>: <reason>`) and `quit`. It also
// stops when its parent process goes away, so a driver that dies leaves no broker behind.
import Foundation
import KafkaListenersTesting

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("chaos-broker: \(message)\n".utf8))
    exit(2)
}

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

var brokers = 3
var topic: (String, Int32)?
var controlPath: String?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(argument) needs a value") }
    switch argument {
    case "--brokers":
        guard let count = Int(value), (1...16).contains(count) else { fail("--brokers must be 1…16, got '\(value)'") }
        brokers = count
    case "--topic":
        let parts = value.split(separator: ":")
        guard parts.count == 2, let partitions = Int32(parts[1]), partitions >= 1 else {
            fail("--topic takes NAME:PARTITIONS, got '\(value)'")
        }
        topic = (String(parts[0]), partitions)
    case "--control": controlPath = value
    default: fail("unknown argument '\(argument)'")
    }
}
guard let topic, let controlPath else { fail("--topic and --control are required") }
let parent = getppid()

let cluster = try await EmbeddedKafka.start(brokers: brokers)
do {
    try cluster.createTopic(topic.0, partitions: topic.1, replicationFactor: Int32(min(brokers, 3)))
} catch {
    fail("cannot create topic '\(topic.0)': \(error)")
}
say("bootstrap.servers=\(cluster.bootstrapServers)")

var consumed = 0
control: while true {
    try await Task.sleep(for: .milliseconds(50))
    if getppid() != parent { break }
    guard let data = FileManager.default.contents(atPath: controlPath), data.count > consumed else { continue }
    let text = String(decoding: data[consumed...], as: UTF8.self)
    guard let lastNewline = text.lastIndex(of: "\n") else { continue }
    consumed += text[...lastNewline].utf8.count
    for line in text[...lastNewline].split(separator: "\n") {
        let words = line.split(separator: " ")
        do {
            switch (words.first, words.count) {
            case ("quit", 1): break control
            case ("down", 2):
                guard let id = Int32(words[1]), (1...Int32(brokers)).contains(id) else { throw ControlFailure() }
                try cluster.setBrokerDown(id)
            case ("up", 2):
                guard let id = Int32(words[1]), (1...Int32(brokers)).contains(id) else { throw ControlFailure() }
                try cluster.setBrokerUp(id)
            default: throw ControlFailure()
            }
            say("applied \(line)")
        } catch {
            say("refused \(line): \(error)")
        }
    }
}
await cluster.stop()
say("stopped")

struct ControlFailure: Error, CustomStringConvertible {
    var description: String { "not a command (down <id>, up <id>, quit)" }
}
