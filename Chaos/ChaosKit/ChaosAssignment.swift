/// What an application process holds, read from the lines it prints for its containers' events
/// (`chaos-1: assigned [chaos-2, chaos-3]`, `revoked […]`, `lost […]`).
public enum ChaosAssignment {
    /// The partitions the process's consumers hold after the last of `output`'s lines.
    public static func partitions(fromOutput output: String) -> Set<Int32> {
        var held: [Substring: Set<Int32>] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), let open = line.firstIndex(of: "["),
                let close = line.lastIndex(of: "]"), open < close
            else { continue }
            let prefix = line[..<colon]
            let container = prefix.split(separator: " ").last ?? prefix
            let verb = String(line[line.index(after: colon)..<open].filter { $0 != " " })
            let partitions = line[line.index(after: open)..<close].split(separator: ",").compactMap { item in
                item.split(separator: "-").last.flatMap { Int32(String($0.filter { $0 != " " })) }
            }
            switch verb {
            case "assigned": held[container, default: []].formUnion(partitions)
            case "revoked", "lost": held[container, default: []].subtract(partitions)
            default: continue
            }
        }
        return held.values.reduce(into: Set<Int32>()) { $0.formUnion($1) }
    }
}
