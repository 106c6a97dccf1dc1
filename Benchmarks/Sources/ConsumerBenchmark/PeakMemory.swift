import CHeapInfo
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The memory a run adds at its peak, two ways.
///
/// - RSS: writing `5` to `/proc/self/clear_refs` resets `VmHWM` to the current RSS, so `VmHWM` after the run
///   minus `VmRSS` before it is what the run added to the process's resident pages. Heap that earlier runs
///   freed but glibc kept is reused without growing RSS (a run can read 0), and the in-process broker's
///   pages count too.
/// - Heap: a sampler thread reads glibc's bytes in use (`mallinfo2`: arenas plus mmapped chunks) every
///   20 ms; the peak minus the value at the start is what the run held at once, whatever pages it reused.
final class PeakMemory: Sendable {
    let baseline: Int
    let heapBaseline: Int
    private let peakHeap = Atomic<Int>(0)
    private let running = Atomic<Bool>(true)

    private init(baseline: Int, heapBaseline: Int) {
        self.baseline = baseline
        self.heapBaseline = heapBaseline
        peakHeap.store(heapBaseline, ordering: .relaxed)
    }

    static func start() -> PeakMemory {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let memory = PeakMemory(baseline: status("VmRSS") ?? 0, heapBaseline: Int(heap_info_in_use()))
        Thread.detachNewThread { [memory] in
            while memory.running.load(ordering: .relaxed) {
                let now = Int(heap_info_in_use())
                if now > memory.peakHeap.load(ordering: .relaxed) { memory.peakHeap.store(now, ordering: .relaxed) }
                usleep(20_000)
            }
        }
        return memory
    }

    /// Peak RSS growth in bytes since `start()` (0 when /proc is not available).
    func growth() -> Int {
        guard let peak = Self.status("VmHWM") else { return 0 }
        return max(0, peak - baseline)
    }

    /// Peak heap-in-use growth in bytes since `start()`; stops the sampler.
    func heapGrowth() -> Int {
        running.store(false, ordering: .relaxed)
        let now = Int(heap_info_in_use())
        return max(0, max(peakHeap.load(ordering: .relaxed), now) - heapBaseline)
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
