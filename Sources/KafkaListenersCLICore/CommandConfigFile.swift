import Foundation
import KafkaClient

/// Reads a `--command-config` file: at most ``sizeLimit`` bytes of UTF-8 text, then ``PropertiesFileParser``.
///
/// A FIFO or process substitution (`--command-config <(vault read …)`) works too: the file is read up to the
/// limit, never all of an endless one.
package enum CommandConfigFile {
    /// The largest file accepted: far beyond any client configuration, even one with PEM certificates inline.
    package static let sizeLimit = 1 << 20

    /// The settings in the file at `path`.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) naming the file when it cannot be read, is a directory, is over
    ///   ``sizeLimit``, looks binary (NUL or other control bytes) or is not UTF-8, and naming the line when a line is malformed.
    package static func load(_ path: String) throws(CLIFailure) -> [ClientSetting] {
        let shown = TerminalText.excerpt(path, limit: 200)
        func failure(_ reason: String) -> CLIFailure {
            CLIFailure(message: "--command-config \(shown): \(reason)", exitCode: 2)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw failure("no such file")
        }
        guard !isDirectory.boolValue else { throw failure("is a directory, not a properties file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw failure("cannot be read (check its permissions)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: sizeLimit + 1) ?? Data()
        } catch {
            throw failure("cannot be read: \(error.localizedDescription)")
        }
        return try parse(bytes: Array(data), source: path)
    }

    /// Checks `bytes` are small, text and UTF-8, then parses them.
    ///
    /// - Throws: ``CLIFailure`` (exit code 2) naming `source`, and the line where one is at fault.
    package static func parse(bytes: [UInt8], source: String) throws(CLIFailure) -> [ClientSetting] {
        let shown = TerminalText.excerpt(source, limit: 200)
        func failure(_ reason: String) -> CLIFailure {
            CLIFailure(message: "--command-config \(shown): \(reason)", exitCode: 2)
        }
        guard bytes.count <= sizeLimit else {
            throw failure("is larger than \(sizeLimit / 1024) KiB; a client configuration is a few lines")
        }
        var line = 1
        var lineStart = 0
        for (offset, byte) in bytes.enumerated() {
            if byte == 0x0A {
                try checkUTF8(bytes[lineStart..<offset], line: line, failure)
                line += 1
                lineStart = offset + 1
            } else if byte < 0x20 && byte != 0x09 && byte != 0x0C && byte != 0x0D || byte == 0x7F {
                throw failure(
                    "line \(line) contains the control byte 0x\(String(byte, radix: 16, uppercase: true)): not a text file"
                )
            }
        }
        try checkUTF8(bytes[lineStart...], line: line, failure)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("is not UTF-8 text") }
        return try PropertiesFileParser.parse(text, source: source)
    }

    private static func checkUTF8(
        _ bytes: ArraySlice<UInt8>, line: Int, _ failure: (String) -> CLIFailure
    ) throws(CLIFailure) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw failure("line \(line) is not UTF-8 text") }
    }
}
