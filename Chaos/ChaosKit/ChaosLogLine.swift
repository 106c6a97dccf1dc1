/// One line of the handled-records log that every application process of a chaos run appends to.
///
/// Each line is written with one `write(2)` on a file opened with `O_APPEND`, so lines of different processes
/// never interleave and a SIGKILL loses nothing already written. The file's order is the order in which the
/// lines were written.
public enum ChaosLogLine: Sendable, Hashable {
    /// `H <member> <partition> <offset>`: the listener handled this record (written before it returns).
    case handled(member: String, partition: Int32, offset: Int64)
    /// `C <member> <partition> <offset>`: the broker accepted a commit of `offset` (the next record to read).
    case committed(member: String, partition: Int32, offset: Int64)
    /// `F <member> <partition>`: a commit of this partition failed.
    case commitFailed(member: String, partition: Int32)

    /// The member (the application process) that wrote the line.
    public var member: String {
        switch self {
        case .handled(let member, _, _), .committed(let member, _, _), .commitFailed(let member, _): member
        }
    }

    /// The line as written, with its newline.
    public var text: String {
        switch self {
        case .handled(let member, let partition, let offset): "H \(member) \(partition) \(offset)\n"
        case .committed(let member, let partition, let offset): "C \(member) \(partition) \(offset)\n"
        case .commitFailed(let member, let partition): "F \(member) \(partition)\n"
        }
    }

    /// Parses one line (without its newline); `nil` for anything else.
    public init?(parsing line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 3, !fields[1].isEmpty, let partition = Int32(fields[2]), partition >= 0 else {
            return nil
        }
        let member = String(fields[1])
        switch (fields[0], fields.count) {
        case ("H", 4):
            guard let offset = Int64(fields[3]), offset >= 0 else { return nil }
            self = .handled(member: member, partition: partition, offset: offset)
        case ("C", 4):
            guard let offset = Int64(fields[3]), offset >= 0 else { return nil }
            self = .committed(member: member, partition: partition, offset: offset)
        case ("F", 3):
            self = .commitFailed(member: member, partition: partition)
        default:
            return nil
        }
    }

    /// Parses a whole log. A last line without its newline (a write cut short) and lines that do not parse are
    /// counted, not returned.
    public static func parse(_ text: String) -> (lines: [ChaosLogLine], unreadable: Int) {
        var lines: [ChaosLogLine] = []
        var unreadable = 0
        let pieces = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, piece) in pieces.enumerated() {
            if index == pieces.count - 1 {
                if !piece.isEmpty { unreadable += 1 }
                break
            }
            if let line = ChaosLogLine(parsing: piece) { lines.append(line) } else { unreadable += 1 }
        }
        return (lines, unreadable)
    }
}
