import ChaosKit

/// The chaos app's command line: the run settings (`ChaosRunSettings.appArguments`) and nothing else.
struct AppOptions {
    var settings = ChaosRunSettings(ackMode: .record, container: .concurrent)

    /// Parses the arguments (without the program name); throws naming the first one it does not take.
    init(arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst() else { throw AppFailure("\(flag) needs a value") }
            return next
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--ack-mode":
                let text = try value(argument)
                guard let mode = ChaosAckMode(rawValue: text) else { throw AppFailure("unknown --ack-mode '\(text)'") }
                settings.ackMode = mode
            case "--container":
                let text = try value(argument)
                guard let kind = ChaosContainer(rawValue: text) else {
                    throw AppFailure("unknown --container '\(text)'")
                }
                settings.container = kind
            case "--max-poll-records":
                let text = try value(argument)
                guard let count = Int(text), (1...10_000).contains(count) else {
                    throw AppFailure("--max-poll-records must be 1…10000, got '\(text)'")
                }
                settings.maxPollRecords = count
            case "--static": settings.staticMembership = true
            case "--cooperative": settings.cooperative = true
            case "--async-commits": settings.syncCommits = false
            default: throw AppFailure("unknown argument '\(argument)'")
            }
        }
    }
}

/// A refused argument or environment variable, with a sentence naming it.
struct AppFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
