import Foundation

/// The process's peak resident memory during a run, over what it held when the run began.
///
/// Linux only: writing `5` to `/proc/self/clear_refs` resets the peak (`VmHWM`) to the current RSS, so
/// `VmHWM` after the run minus `VmRSS` before it is what the run added at its peak (the consumer side:
/// the embedded broker's data is already resident before the run starts).
struct PeakMemory {
    let baseline: Int

    static func start() -> PeakMemory {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return PeakMemory(baseline: status("VmRSS") ?? 0)
    }

    /// Peak growth in bytes since `start()` (0 when /proc is not available).
    func growth() -> Int {
        guard let peak = Self.status("VmHWM") else { return 0 }
        return max(0, peak - baseline)
    }

    private static func status(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            let digits = line.split(separator: " ").compactMap { Int($0) }
            if let kilobytes = digits.first { return kilobytes * 1024 }
        }
        return nil
    }
}
