/// What an application process holds, read from the lines it prints for its containers' events
/// (`chaos-1: assigned [chaos-2, chaos-3]`, `revoked […]`, `lost […]`).
public enum ChaosAssignment {
    /// The partitions the process's consumers hold after the last of `output`'s lines.
    public static func partitions(fromOutput output: String) -> Set<Int32> {
        var held: [Substring: Set<Int32>] = [:]
        for line in output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let rest = line[line.index(after: colon)...]
            guard let open = rest.firstIndex(of: "["), let close = rest.lastIndex(of: "]"), open < close else {
                continue
            }
            let container = line[..<colon].split(separator: " ").last ?? line[..<colon]
            let verb = String(rest[..<open].filter { $0 != " " })
            let partitions = rest[rest.index(after: open)..<close].split(separator: ",").compactMap { item in
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
