import MallocInterposerSwift

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts every `malloc` (and `calloc`, `realloc`, `posix_memalign`, …) of the whole process while a run
/// is measured, using ordo-one's malloc-interposer.
///
/// The interposer counts per thread and sums over all threads, so a run's count includes librdkafka's
/// broker and fetch threads and the in-process mock broker (EmbeddedKafka), not just the consuming
/// thread. Both sides pay those equally; the difference between them is what the Swift layer adds.
///
/// Interposition only works when `libMallocInterposerSwift` is loaded before libc's allocator is
/// resolved (`LD_PRELOAD` on Linux, `DYLD_INSERT_LIBRARIES` on macOS). ``ensureInterposed()`` checks
/// that an allocation is actually counted and, if not, re-executes the benchmark once with the library
/// preloaded from the directory of the executable (where SwiftPM puts it).
enum AllocationCounter {
    struct Counts: Sendable {
        var mallocs: Int
        var bytes: Int
    }

    /// Starts counting from zero.
    static func start() {
        MallocInterposerSwift.reset()
        MallocInterposerSwift.hook()
    }

    /// Stops counting and returns what was counted since ``start()``.
    static func stop() -> Counts {
        MallocInterposerSwift.unhook()
        let statistics = MallocInterposerSwift.getStatistics()
        return Counts(mallocs: statistics.mallocCount, bytes: statistics.mallocBytesCount)
    }

    /// Whether an allocation made now is seen by the interposer.
    static func isCounting() -> Bool {
        start()
        let probe = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
        probe.storeBytes(of: 1, as: UInt8.self)
        let counts = stop()
        probe.deallocate()
        return counts.mallocs > 0
    }

    private static let reexecMarker = "CONSUMER_BENCHMARK_PRELOADED"

    /// Returns `true` when allocations are counted. Otherwise re-executes this process once with the
    /// interposer preloaded (that call does not return); returns `false` if even that did not help.
    static func ensureInterposed() -> Bool {
        if isCounting() { return true }
        if getenv(reexecMarker) != nil { return false }
        #if os(Linux)
        let variable = "LD_PRELOAD"
        let library = "libMallocInterposerSwift.so"
        #else
        let variable = "DYLD_INSERT_LIBRARIES"
        let library = "libMallocInterposerSwift.dylib"
        #endif
        guard let directory = executableDirectory() else { return false }
        let path = directory + "/" + library
        guard access(path, R_OK) == 0 else { return false }
        let existing = getenv(variable).map { String(cString: $0) }
        setenv(variable, existing.map { path + ":" + $0 } ?? path, 1)
        setenv(reexecMarker, "1", 1)
        #if os(Linux)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #else
        execv(CommandLine.arguments[0], CommandLine.unsafeArgv)
        #endif
        return false  // execv only returns on failure
    }

    private static func executableDirectory() -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        let path = CommandLine.arguments[0]
        #endif
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
