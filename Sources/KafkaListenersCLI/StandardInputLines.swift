import Foundation
import KafkaListenersCLICore

/// The lines of standard input as an async sequence, read by blocking `readLine()` on a thread of
/// their own (never on Swift's cooperative pool).
enum StandardInputLines {
    /// Starts the reader thread; the stream finishes at end of input.
    static func stream() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let reader = Thread {
            while let line = readLine(strippingNewline: true) {
                continuation.yield(line)
            }
            continuation.finish()
        }
        reader.name = "stdin-reader"
        reader.start()
        return stream
    }
}
