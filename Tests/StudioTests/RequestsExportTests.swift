import Foundation
import HostMeasurement
import StudioJSON
import Testing

/// The per-request export as a user of the CLI gets it (`studio load --requests-out`),
/// and the one CSV rule every export writes with.
@Suite struct RequestsExportTests {
    @Test func loadWritesEveryMeasuredRequestAsJSONLinesOrCSV() throws {
        let dir = TestSupport.temporaryDirectory("load-requests")
        let jsonl = dir.appendingPathComponent("requests.jsonl").path
        let arguments = ["load", "--provider", "openai", "--base-url", "simulator", "--model", "sim-ttft5-gap1-tok6",
                         "--concurrency", "1,3", "--requests", "9", "--plugins", TestSupport.cPluginFolder.path]
        let started = Date().timeIntervalSince1970
        let lines = try TestSupport.run(TestSupport.studioExecutable, arguments + ["--requests-out", jsonl, "--json"])
        #expect(lines.status == 0, "\(lines.stderr)")
        let rows = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        // 9 measured requests per level; the warm-up requests are not measured.
        #expect(rows.count == 18 && rows.filter { $0["level"] == "c=3" }.count == 9, "\(rows.count)")
        let report = try JSONParser.parse(lines.stdout)
        for level in report["levels"]?.arrayValue ?? [] {
            let mine = rows.filter { $0["level"] == level["level"] }
            // The rows are the report's requests: same count, same TTFT median.
            #expect(mine.count == level["requests"]?.intValue.map(Int.init))
            let ttfts = mine.compactMap { $0["ttft_ms"]?.doubleValue }.sorted()
            let median = try #require(level["ttft_ms"]?["p50"]?.doubleValue)
            #expect(abs(ttfts[ttfts.count / 2] - median) < 0.01, "\(ttfts) vs p50 \(median)")
        }
        for row in rows {
            #expect(row["request_id"]?.stringValue?.isEmpty == false && row["output_tokens"] == 6 && row["error_class"] == .null)
            let sent = Double(row["sent_at_unix_us"]?.intValue ?? 0) / 1e6
            #expect(sent >= started - 1 && sent <= Date().timeIntervalSince1970, "sent at \(sent)")
        }

        let csv = dir.appendingPathComponent("requests.csv").path
        let table = try TestSupport.run(TestSupport.studioExecutable, arguments + ["--requests-out", csv, "--json"])
        #expect(table.status == 0, "\(table.stderr)")
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        let records = text.split(whereSeparator: \.isNewline)
        #expect(text.hasSuffix("\r\n") && records.count == 19)
        #expect(records.first.map(String.init) == RequestTiming.columns.joined(separator: ","))

        // A path that cannot be written stops the command before any request is sent.
        let refused = try TestSupport.run(TestSupport.studioExecutable, arguments + ["--requests-out", "/nonexistent/dir/requests.csv"])
        #expect(refused.status == 2 && refused.stderr.contains("--requests-out"), "\(refused.status) \(refused.stderr)")
    }

    @Test func csvCellsAreQuotedAndNeverFormulas() {
        #expect(CSV.cell(.string("plain")) == "plain")
        #expect(CSV.cell(.string("a,b")) == "\"a,b\"")
        #expect(CSV.cell(.string("say \"hi\"")) == "\"say \"\"hi\"\"\"")
        #expect(CSV.cell(.string("=HYPERLINK(\"x\")")) == "\"'=HYPERLINK(\"\"x\"\")\"")
        #expect(CSV.cell(.string("+1")) == "'+1" && CSV.cell(.string("@sum")) == "'@sum" && CSV.cell(.string("-2")) == "'-2")
        #expect(CSV.cell(.double(-2.5)) == "-2.5" && CSV.cell(.int(7)) == "7" && CSV.cell(.null) == "" && CSV.cell(.double(.nan)) == "")
        #expect(CSV.cell(.string("two\r\nlines")) == "\"two\r\nlines\"")
        #expect(CSV.document(header: ["a", "b"], rows: [[.int(1), .string("x")]]) == "a,b\r\n1,x\r\n")
    }

    @Test func wallTimesKeepMicroseconds() {
        #expect(RequestTiming.iso8601(microseconds: 0) == "1970-01-01T00:00:00.000000Z")
        #expect(RequestTiming.iso8601(microseconds: 1_796_297_380_123_456) == "2026-12-03T11:29:40.123456Z")
        #expect(RequestTiming.iso8601(microseconds: -1) == "1969-12-31T23:59:59.999999Z")
        let origin = RequestTiming.Origin(monotonic: 5_000_000_000, unixMicroseconds: 1_000_000)
        #expect(origin.milliseconds(to: 5_001_234_567) == 1.235 && origin.unixMicroseconds(at: 5_001_234_567) == 1_001_234)
        #expect(origin.unixMicroseconds(at: 4_999_000_000) == 999_000)
    }
}
