/// kcat's joined form `-Xkey=value`, split into `-X` and `key=value` before ArgumentParser sees it (ArgumentParser
/// reads `-Xkey=value` as an option named `Xkey` with the value `value`). Arguments after `--` are left alone.
enum JoinedSettingArguments {
    /// `arguments` with every `-X<key=value>` split in two.
    static func split(_ arguments: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(arguments.count)
        var afterTerminator = false
        for argument in arguments {
            if argument == "--" { afterTerminator = true }
            if !afterTerminator, argument.hasPrefix("-X"), argument.count > 2 {
                result.append("-X")
                result.append(String(argument.dropFirst(2)))
            } else {
                result.append(argument)
            }
        }
        return result
    }
}
