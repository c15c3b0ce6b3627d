import Foundation
import Testing

/// `Package.swift` says what each target may use (docs/architecture.md draws it). The
/// dependency lists and the sources' imports must agree: a module imported but not
/// declared builds only by accident (through another target's dependency), and one
/// declared but never imported is a dependency edge that is not real.
@Suite struct PackageManifestTests {
    /// Modules of the toolchain, which no manifest declares.
    static let toolchain: Set<String> = ["Foundation", "FoundationEssentials", "Glibc", "Musl", "Darwin", "Dispatch",
                                         "Synchronization", "Testing", "XCTest", "_Concurrency"]

    struct Target {
        let name: String
        let path: String
        let dependencies: Set<String>
    }

    /// Each target of the manifest with its path and its dependencies (target names, and
    /// the module names of products).
    static func targets(_ manifest: String) throws -> [Target] {
        let declaration = try Regex(#"\.(?:target|executableTarget|testTarget)\(name: "([^"]+)",(.*?)path: "([^"]+)""#)
            .dotMatchesNewlines()
        let product = try Regex(#"\.product\(name: "([^"]+)", package: "[^"]+"\)"#)
        let quoted = try Regex(#""([^"]+)""#)
        return manifest.matches(of: declaration).map { match in
            let name = String(match.output[1].substring ?? "")
            let body = String(match.output[2].substring ?? "")
            var dependencies = Set<String>()
            if let list = body.range(of: "dependencies:") {
                let text = String(body[list.upperBound...])
                for found in text.matches(of: product) { dependencies.insert(String(found.output[1].substring ?? "")) }
                for found in text.replacing(product, with: "").matches(of: quoted) { dependencies.insert(String(found.output[1].substring ?? "")) }
            }
            return Target(name: name, path: String(match.output[3].substring ?? ""), dependencies: dependencies)
        }
    }

    /// The modules a folder's Swift files import (fixtures excluded: they are other packages).
    static func imports(under folder: URL) -> Set<String> {
        let importLine = /^\s*(?:@\w+\s+)*(?:public\s+|package\s+|internal\s+)?import\s+(?:(?:struct|enum|class|func|protocol)\s+)?([A-Za-z_]\w*)/
        var modules = Set<String>()
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return modules }
        for case let file as URL in walker {
            if file.pathComponents.contains("Fixtures") { walker.skipDescendants(); continue }
            guard file.pathExtension == "swift", let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                if let found = line.firstMatch(of: importLine) { modules.insert(String(found.output.1)) }
            }
        }
        return modules
    }

    @Test func everyTargetDeclaresExactlyWhatItImports() throws {
        let root = TestSupport.packageRoot
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let targets = try Self.targets(manifest)
        #expect(targets.count >= 30, "the manifest's targets were read (\(targets.count))")
        var checked = 0
        for target in targets {
            let imported = Self.imports(under: root.appendingPathComponent(target.path)).subtracting(Self.toolchain)
            if imported.isEmpty && target.dependencies.isEmpty { continue }  // C targets
            checked += 1
            let undeclared = imported.subtracting(target.dependencies).sorted()
            let unused = target.dependencies.subtracting(imported).sorted()
            #expect(undeclared.isEmpty, "\(target.name) imports \(undeclared) without declaring it in Package.swift")
            #expect(unused.isEmpty, "\(target.name) declares \(unused) in Package.swift but never imports it")
        }
        #expect(checked >= 25)
    }

    /// The check itself: a target that imports an undeclared module, and one that declares
    /// a module it never imports, are both found.
    @Test func theCheckFindsBothKindsOfDisagreement() throws {
        let manifest = """
            .target(name: "A", dependencies: ["B", .product(name: "NIOCore", package: "swift-nio")], path: "x"),
            """
        let target = try #require(try Self.targets(manifest).first)
        #expect(target.name == "A" && target.path == "x" && target.dependencies == ["B", "NIOCore"])
        let imported: Set<String> = ["B", "Logging"]
        #expect(imported.subtracting(target.dependencies) == ["Logging"] && target.dependencies.subtracting(imported) == ["NIOCore"])
    }
}
