import Foundation

/// CPU time per thread group over a run, from `/proc/self/task/*/stat` (user + system ticks).
///
/// Wall-clock rates on this 2-core machine swing by ±30 % between runs; the CPU each thread group burns per
/// record is much steadier and shows where a side's time goes (librdkafka's broker thread, the mock broker,
/// the consumer's own thread, Swift's cooperative pool).
struct ThreadCPU {
    /// Ticks per thread id, with the thread's name.
    let ticks: [Int: (name: String, ticks: Int)]

    static func snapshot() -> ThreadCPU {
        var ticks: [Int: (String, Int)] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let id = Int(task),
                let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            // Fields after the name: state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { continue }
            ticks[id] = (name, user + system)
        }
        return ThreadCPU(ticks: ticks)
    }

    /// Seconds of CPU per thread group between `start` and `self`.
    func since(_ start: ThreadCPU) -> [(group: String, seconds: Double)] {
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        var groups: [String: Int] = [:]
        for (id, now) in ticks {
            let before = start.ticks[id]?.ticks ?? 0
            groups[Self.group(now.name), default: 0] += now.ticks - before
        }
        return groups.filter { $0.value > 0 }.map { ($0.key, Double($0.value) / hertz) }.sorted {
            $0.seconds > $1.seconds
        }
    }

    /// Thread names folded into groups (numbers dropped: `kcons-4` and `kcons-5` are both the consumer).
    static func group(_ name: String) -> String {
        if name.hasSuffix("default-qos") || name.contains("qos") { return "swift pool" }
        return String(name.reversed().drop { $0.isNumber || $0 == "-" }.reversed())
    }
}
