import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// This machine's CPU usage, from `/proc/stat` (Linux), sampled at most once per `interval`.
///
/// Each sample compares the busy and idle jiffies with the previous sample, so the value is the usage over
/// the time between samples; calls in between return the last value (no busy loop, no thread of its own).
/// The first call reports the usage since boot. Where `/proc/stat` cannot be read it reports 0.
public final class CPULoadMonitor: LoadMonitor {
    private struct Sample {
        var busy: UInt64
        var total: UInt64
    }

    private struct State {
        var last: Sample?
        var value: Double = 0
        var sampledAt: ContinuousClock.Instant?
    }

    private let interval: Duration
    private let path: String
    private let state = Mutex(State())

    /// Creates a monitor sampling at most once per `interval`.
    public init(interval: Duration = .seconds(1), path: String = "/proc/stat") {
        self.interval = interval
        self.path = path
    }

    public func load() async -> Double {
        let now = ContinuousClock.now
        let due = state.withLock { state in state.sampledAt.map { now - $0 >= interval } ?? true }
        guard due, let sample = Self.read(path) else { return state.withLock { $0.value } }
        return state.withLock { state in
            let previous = state.last ?? Sample(busy: 0, total: 0)
            let total = sample.total &- previous.total
            let busy = sample.busy &- previous.busy
            if total > 0 && sample.total >= previous.total {
                state.value = min(100, max(0, Double(busy) / Double(total) * 100))
            }
            state.last = sample
            state.sampledAt = now
            return state.value
        }
    }

    /// Parses the first line of `/proc/stat`: `cpu user nice system idle iowait irq softirq steal …`.
    private static func read(_ path: String) -> Sample? {
        #if canImport(Glibc)
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0.trimmingCharacters(in: .newlines)) }
        guard fields.count >= 4 else { return nil }
        let idle = fields[3] + (fields.count > 4 ? fields[4] : 0)
        let total = fields.prefix(8).reduce(0, +)
        return Sample(busy: total - idle, total: total)
        #else
        return nil
        #endif
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> Substring {
        var result = self
        while let last = result.last, set.contains(last) { result = result.dropLast() }
        return result
    }
}

extension Set where Element == Character {
    fileprivate static let newlines: Set<Character> = ["\n", "\r"]
}
