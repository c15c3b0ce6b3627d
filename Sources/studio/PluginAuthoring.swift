import ArgumentParser
import Foundation
import HostAuth
import HostPlugins
import HostStorage
import StudioJSON

/// Where the plugin templates and the ABI headers are: `STUDIO_TEMPLATES`, else beside
/// the executable in a bundle (`share/`), else in the source tree the executable was
/// built from (walking up from `.build/<config>/`).
enum AuthoringFiles {
    static func root() -> (templates: String, include: String, source: String?)? {
        let fm = FileManager.default
        if let templates = ProcessInfo.processInfo.environment["STUDIO_TEMPLATES"] {
            let parent = URL(fileURLWithPath: templates).deletingLastPathComponent().path
            let include = [parent + "/Sources/PluginABI/include", parent + "/include"].first { fm.fileExists(atPath: $0 + "/studio/studio.h") }
            return (templates, include ?? "", fm.fileExists(atPath: parent + "/Package.swift") ? parent : nil)
        }
        var folder = URL(fileURLWithPath: PluginRegistry.executableDirectory() ?? ".")
        for _ in 0..<5 {
            let path = folder.path
            if fm.fileExists(atPath: path + "/share/plugin-templates") {
                return (path + "/share/plugin-templates", path + "/share/include", nil)
            }
            if fm.fileExists(atPath: path + "/plugin-templates"), fm.fileExists(atPath: path + "/Sources/PluginABI/include/studio/studio.h") {
                return (path + "/plugin-templates", path + "/Sources/PluginABI/include", path)
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }
}

extension PluginsCommand {
    /// `studio plugins new KIND LANG NAME`: a new plugin project from a template.
    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a plugin project from a template: studio plugins new scorer c my-rules",
            discussion: "KIND is provider or scorer, LANG is swift, c or rust (either order). The project is created in ./NAME (or --output).")

        @Argument(help: "KIND LANG NAME (kind and language in either order).") var words: [String]
        @Option(help: "Folder to create (default: ./NAME).") var output: String?

        func validate() throws {
            guard words.count == 3 else { throw ValidationError("give KIND LANG NAME, e.g. `studio plugins new scorer c my-rules`") }
            guard parsed != nil else { throw ValidationError("KIND is provider or scorer and LANG is swift, c or rust; got \(words[0]) \(words[1])") }
            let name = words[2]
            guard name.count <= 48, let first = name.first, first.isLowercase, first.isASCII,
                  name.allSatisfy({ ($0.isLowercase || $0.isNumber || $0 == "-") && $0.isASCII }), !name.hasSuffix("-") else {
                throw ValidationError("NAME is the plugin id: lowercase letters, digits and -, starting with a letter (e.g. my-rules)")
            }
        }

        var parsed: (kind: String, language: String)? {
            let kinds = ["provider", "scorer"], languages = ["swift", "c", "rust"]
            if kinds.contains(words[0]), languages.contains(words[1]) { return (words[0], words[1]) }
            if languages.contains(words[0]), kinds.contains(words[1]) { return (words[1], words[0]) }
            return nil
        }

        func run() throws {
            let (kind, language) = parsed!
            let name = words[2]
            guard let files = AuthoringFiles.root() else {
                printError("cannot find the plugin templates: set STUDIO_TEMPLATES to the plugin-templates folder")
                throw ExitCode.failure
            }
            let template = files.templates + "/\(language)-\(kind)"
            guard let data = FileManager.default.contents(atPath: template + "/template.json"),
                  let meta = try? JSONParser.parse(String(decoding: data, as: UTF8.self)),
                  let templateName = meta["name"]?.stringValue else {
                printError("there is no \(language) \(kind) template in \(files.templates) (or its template.json is unreadable)")
                throw ExitCode.failure
            }
            let destination = output ?? name
            guard !FileManager.default.fileExists(atPath: destination) else {
                printError("\(destination) exists: choose another NAME or --output")
                throw ExitCode.failure
            }
            let replacements = Self.replacements(from: templateName, to: name)
            do {
                try Self.copy(template, to: destination, replacing: replacements)
                if language == "c" {
                    try Self.copyTree(files.include + "/studio", to: destination + "/include/studio")
                    // The JSON reader every C template shares, kept once in c-common.
                    try Self.copyTree(files.templates + "/c-common", to: destination + "/common")
                }
                if language == "swift" {
                    guard let source = files.source else {
                        throw CLIError("Swift plugins build against PluginKit from the studio source tree: set STUDIO_TEMPLATES to <source>/plugin-templates")
                    }
                    // The template points at the source tree by a relative path; the copy by an absolute one.
                    let manifest = destination + "/Package.swift"
                    let text = try String(contentsOfFile: manifest, encoding: .utf8)
                    try text.replacingOccurrences(of: "path: \"../..\"", with: "path: \"\(source)\"").write(toFile: manifest, atomically: true, encoding: .utf8)
                }
            } catch {
                try? FileManager.default.removeItem(atPath: destination)
                printError("cannot create \(destination): \(error)")
                throw ExitCode.failure
            }
            printFlushed("created \(destination): a \(language) \(kind) plugin with id \"\(name)\"")
            printFlushed("  build:  cd \(destination) && \(meta["build"]?.stringValue ?? "make")")
            printFlushed("  test:   \(meta["test"]?.stringValue ?? "make test")")
            printFlushed("  then:   studio plugins verify <library> && studio plugins install <library>")
        }

        /// my-rules → also my_rules (C identifiers, library names) and MyRules (Swift types).
        static func replacements(from old: String, to new: String) -> [(String, String)] {
            func camel(_ s: String) -> String { s.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() }
            return [(old, new), (old.replacingOccurrences(of: "-", with: "_"), new.replacingOccurrences(of: "-", with: "_")),
                    (camel(old), camel(new))]
        }

        static let skipped: Set<String> = [".build", "target", "Package.resolved", "Cargo.lock", "include"]

        static func copy(_ from: String, to: String, replacing: [(String, String)]) throws {
            let fm = FileManager.default
            try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
            for item in try fm.contentsOfDirectory(atPath: from) where !skipped.contains(item) && !item.hasSuffix(".so") {
                var target = item
                for (old, new) in replacing { target = target.replacingOccurrences(of: old, with: new) }
                var isDirectory: ObjCBool = false
                _ = fm.fileExists(atPath: from + "/" + item, isDirectory: &isDirectory)
                if isDirectory.boolValue {
                    try copy(from + "/" + item, to: to + "/" + target, replacing: replacing)
                } else if let text = try? String(contentsOfFile: from + "/" + item, encoding: .utf8) {
                    var replaced = text
                    for (old, new) in replacing { replaced = replaced.replacingOccurrences(of: old, with: new) }
                    try replaced.write(toFile: to + "/" + target, atomically: true, encoding: .utf8)
                    let mode = (try fm.attributesOfItem(atPath: from + "/" + item)[.posixPermissions] as? Int) ?? 0o644
                    try fm.setAttributes([.posixPermissions: mode], ofItemAtPath: to + "/" + target)
                } else {
                    try fm.copyItem(atPath: from + "/" + item, toPath: to + "/" + target)
                }
            }
        }

        static func copyTree(_ from: String, to: String) throws {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: to).deletingLastPathComponent().path, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: from, toPath: to)
        }
    }

    /// `studio plugins install PATH`: verify, copy into the plugins folder, record the
    /// SHA-256 (checked again at every load) and audit it. Run on the server machine.
    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a plugin library, copy it into <data>/plugins and record its SHA-256.",
            discussion: "A running server picks it up on POST /api/admin/plugins/rescan (or at its next start).")

        @Argument(help: "Path to the plugin library (.so).") var path: String
        @Option(name: .customLong("data"), help: "The data folder.") var dataDirectory = "data"
        @Flag(help: "Replace an installed library with the same file name.") var force = false

        func run() async throws {
            let report = PluginConformance.verify(path: path)
            guard report.passed, let plugin = report.plugin else {
                for check in report.checks where !check.passed { printError("FAIL  \(check.name): \(check.detail)") }
                printError("not installed: \(path) does not pass `studio plugins verify`")
                throw ExitCode.failure
            }
            let folder = URL(fileURLWithPath: dataDirectory).appendingPathComponent("plugins").path
            let name = URL(fileURLWithPath: path).lastPathComponent
            let destination = folder + "/" + (name.hasPrefix("libstudio_") ? name : "libstudio_" + name)
            let fm = FileManager.default
            if fm.fileExists(atPath: destination) && !force {
                printError("\(destination) exists: pass --force to replace it")
                throw ExitCode.failure
            }
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            do {
                try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
                // Copy beside, then rename: a server scanning the folder never sees half a file.
                let partial = destination + ".partial"
                try? fm.removeItem(atPath: partial)
                try fm.copyItem(atPath: path, toPath: partial)
                let checksum = try PluginLoader.sha256(ofFile: partial)
                guard checksum == plugin.sha256 else { throw CLIError("the library changed while it was being installed") }
                if fm.fileExists(atPath: destination) { try fm.removeItem(atPath: destination) }
                try fm.moveItem(atPath: partial, toPath: destination)
                let resolved = URL(fileURLWithPath: destination).standardizedFileURL.path
                try await PluginStore(database: database).record(pluginID: plugin.id, version: plugin.manifest.version, path: resolved,
                                                                 sha256: checksum, installedBy: nil)
                try await AuditLog(database: database).record(userID: nil, email: nil, action: "plugin.install",
                                                              target: "\(plugin.id) \(plugin.manifest.version)", detail: "sha256 \(checksum)", ip: nil)
                printFlushed("installed \(plugin.id) \(plugin.manifest.version) → \(resolved) (sha256 \(checksum))")
            } catch {
                await database.close()
                printError("not installed: \(error)")
                throw ExitCode.failure
            }
            await database.close()
        }
    }
}
