import Foundation
import Testing

@Suite("Docs show code that compiles", .timeLimit(.minutes(10)))
struct DocsTests {
    @Test(
        "Docs/GettingStarted.md holds Samples/GettingStarted/main.swift verbatim (the sample is built with the package)"
    )
    func gettingStartedMatchesSample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("Docs/GettingStarted.md"), encoding: .utf8)
        let sample = try String(
            contentsOf: root.appendingPathComponent("Samples/GettingStarted/main.swift"), encoding: .utf8)
        let start = try #require(doc.range(of: "```swift\n"))
        let end = try #require(doc.range(of: "```\n", range: start.upperBound..<doc.endIndex))
        #expect(String(doc[start.upperBound..<end.lowerBound]) == sample)
    }
}
