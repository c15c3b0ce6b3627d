import SQLKit

/// A tool-calling test suite (docs/evals.md): tools offered to the model, cases with the calls
/// expected, and a system prompt applied to every case.
public struct SuiteRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var description: String
    public var systemPrompt: String
    public var createdAt: Int64
    public var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case systemPrompt = "system_prompt", createdAt = "created_at", updatedAt = "updated_at"
    }
}

/// One case: `body` is its JSON (prompt, expected_calls, should_call_tool, …).
public struct CaseRecord: Sendable, Equatable, Codable {
    public var id: String
    public var caseKey: String
    public var position: Int
    public var category: String?
    public var scorer: String
    public var body: String

    enum CodingKeys: String, CodingKey {
        case id, position, category, scorer, body
        case caseKey = "case_key"
    }
}

/// What a suite holds, as written by an import or an edit.
public struct SuiteContents: Sendable {
    public var name: String
    public var description: String
    public var systemPrompt: String
    /// Tool definitions (JSON text), in order.
    public var tools: [(name: String, definition: String)]
    public var cases: [(key: String, category: String?, scorer: String, body: String)]

    public init(name: String, description: String, systemPrompt: String, tools: [(name: String, definition: String)],
                cases: [(key: String, category: String?, scorer: String, body: String)]) {
        self.name = name
        self.description = description
        self.systemPrompt = systemPrompt
        self.tools = tools
        self.cases = cases
    }
}

/// Suites, tools and cases, owner-scoped in every query.
public struct SuiteStore: Sendable {
    let database: StudioDatabase

    public init(database: StudioDatabase) { self.database = database }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case duplicateCase(String)
        public var description: String {
            switch self { case .duplicateCase(let key): return "a case with id \"\(key)\" exists in this suite" }
        }
    }

    static let suiteColumns = ["id", "name", "description", "system_prompt", "created_at", "updated_at"]
    static let caseColumns = ["id", "case_key", "position", "category", "scorer", "body"]

    /// Creates a suite with its tools and cases in one transaction.
    public func create(userID: String, _ contents: SuiteContents) async throws -> SuiteRecord {
        try await database.transaction { db in
            let now = Clock.milliseconds()
            let suite = SuiteRecord(id: RecordID.make(), name: contents.name, description: contents.description,
                                    systemPrompt: contents.systemPrompt, createdAt: now, updatedAt: now)
            try await db.insert(into: "tool_suites").columns(["user_id"] + Self.suiteColumns)
                .values(SQLBind(userID), SQLBind(suite.id), SQLBind(suite.name), SQLBind(suite.description), SQLBind(suite.systemPrompt),
                        SQLBind(now), SQLBind(now)).run()
            try await Self.writeTools(db, userID: userID, suiteID: suite.id, contents.tools)
            var seen = Set<String>()
            for (i, c) in contents.cases.enumerated() {
                guard seen.insert(c.key).inserted else { throw Failure.duplicateCase(c.key) }
                try await Self.insertCase(db, userID: userID, suiteID: suite.id, position: i, c)
            }
            return suite
        }
    }

    /// Replaces name, description, system prompt and tools (cases are edited one by one).
    /// Replaces a suite's settings and tools, and its cases too when given, in one
    /// transaction (a tool renamed together with the cases that expect it).
    public func update(userID: String, id: String, name: String, description: String, systemPrompt: String,
                       tools: [(name: String, definition: String)],
                       cases: [(key: String, category: String?, scorer: String, body: String)]? = nil) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("tool_suites").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.update("tool_suites").set("name", to: SQLBind(name)).set("description", to: SQLBind(description))
                .set("system_prompt", to: SQLBind(systemPrompt)).set("updated_at", to: SQLBind(Clock.milliseconds()))
                .where("user_id", .equal, userID).where("id", .equal, id).run()
            try await db.delete(from: "tool_definitions").where("user_id", .equal, userID).where("suite_id", .equal, id).run()
            try await Self.writeTools(db, userID: userID, suiteID: id, tools)
            if let cases { try await Self.writeCases(db, userID: userID, suiteID: id, cases) }
            return true
        }
    }

    public func list(userID: String) async throws -> [(SuiteRecord, cases: Int, tools: Int)] {
        try await database.withSQL { db in
            let suites = try await db.select().columns(Self.suiteColumns).from("tool_suites").where("user_id", .equal, userID)
                .orderBy("created_at").all(decoding: SuiteRecord.self)
            var result: [(SuiteRecord, cases: Int, tools: Int)] = []
            for suite in suites {
                let cases = try await db.raw("SELECT COUNT(*) AS n FROM tool_test_cases WHERE suite_id = \(bind: suite.id)")
                    .first(decodingColumn: "n", as: Int.self) ?? 0
                let tools = try await db.raw("SELECT COUNT(*) AS n FROM tool_definitions WHERE suite_id = \(bind: suite.id)")
                    .first(decodingColumn: "n", as: Int.self) ?? 0
                result.append((suite, cases, tools))
            }
            return result
        }
    }

    public func find(userID: String, id: String) async throws -> SuiteRecord? {
        try await database.withSQL { db in
            try await db.select().columns(Self.suiteColumns).from("tool_suites").where("user_id", .equal, userID)
                .where("id", .equal, id).first(decoding: SuiteRecord.self)
        }
    }

    /// Tool definitions (JSON text) in order.
    public func tools(userID: String, suiteID: String) async throws -> [String] {
        try await database.withSQL { db in
            try await db.select().column("definition").from("tool_definitions").where("user_id", .equal, userID)
                .where("suite_id", .equal, suiteID).orderBy("position").all(decodingColumn: "definition", as: String.self)
        }
    }

    /// How many cases the user's suite holds (nil: no such suite of theirs).
    public func caseCount(userID: String, suiteID: String) async throws -> Int? {
        try await database.withSQL { db in
            guard try await db.select().column("id").from("tool_suites").where("user_id", .equal, userID)
                .where("id", .equal, suiteID).first() != nil else { return nil }
            return try await db.raw("SELECT COUNT(*) AS n FROM tool_test_cases WHERE suite_id = \(bind: suiteID)")
                .first(decodingColumn: "n", as: Int.self) ?? 0
        }
    }

    public func cases(userID: String, suiteID: String) async throws -> [CaseRecord] {
        try await database.withSQL { db in
            try await db.select().columns(Self.caseColumns).from("tool_test_cases").where("user_id", .equal, userID)
                .where("suite_id", .equal, suiteID).orderBy("position").all(decoding: CaseRecord.self)
        }
    }

    public func delete(userID: String, id: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("tool_suites").where("user_id", .equal, userID)
                .where("id", .equal, id).first() != nil else { return false }
            try await db.delete(from: "tool_suites").where("user_id", .equal, userID).where("id", .equal, id).run()
            return true
        }
    }

    /// Replaces every case of the suite in one transaction (bulk edit); false when the
    /// user has no such suite.
    public func replaceCases(userID: String, suiteID: String, _ cases: [(key: String, category: String?, scorer: String, body: String)]) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("tool_suites").where("user_id", .equal, userID)
                .where("id", .equal, suiteID).first() != nil else { return false }
            try await Self.writeCases(db, userID: userID, suiteID: suiteID, cases)
            try await db.update("tool_suites").set("updated_at", to: SQLBind(Clock.milliseconds())).where("id", .equal, suiteID).run()
            return true
        }
    }

    /// A suite's cases replaced by these, in their order (inside the caller's transaction).
    static func writeCases(_ db: any SQLDatabase, userID: String, suiteID: String,
                           _ cases: [(key: String, category: String?, scorer: String, body: String)]) async throws {
        try await db.delete(from: "tool_test_cases").where("user_id", .equal, userID).where("suite_id", .equal, suiteID).run()
        var seen = Set<String>()
        for (i, c) in cases.enumerated() {
            guard seen.insert(c.key).inserted else { throw Failure.duplicateCase(c.key) }
            try await insertCase(db, userID: userID, suiteID: suiteID, position: i, c)
        }
    }

    /// Adds a case at the end; nil when the user has no such suite.
    public func addCase(userID: String, suiteID: String, key: String, category: String?, scorer: String, body: String) async throws -> CaseRecord? {
        try await database.transaction { db in
            guard try await db.select().column("id").from("tool_suites").where("user_id", .equal, userID)
                .where("id", .equal, suiteID).first() != nil else { return nil }
            if try await db.select().column("id").from("tool_test_cases").where("suite_id", .equal, suiteID)
                .where("case_key", .equal, key).first() != nil { throw Failure.duplicateCase(key) }
            let position = try await db.raw("SELECT COALESCE(MAX(position), -1) + 1 AS n FROM tool_test_cases WHERE suite_id = \(bind: suiteID)")
                .first(decodingColumn: "n", as: Int.self) ?? 0
            return try await Self.insertCase(db, userID: userID, suiteID: suiteID, position: position, (key, category, scorer, body))
        }
    }

    /// Replaces a case's content and its id in the suite (`key`, unique among the suite's
    /// cases); false when the user has no such case in that suite.
    public func updateCase(userID: String, suiteID: String, caseID: String, key: String, category: String?, scorer: String,
                           body: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("tool_test_cases").where("user_id", .equal, userID)
                .where("suite_id", .equal, suiteID).where("id", .equal, caseID).first() != nil else { return false }
            if try await db.select().column("id").from("tool_test_cases").where("suite_id", .equal, suiteID)
                .where("case_key", .equal, key).where("id", .notEqual, caseID).first() != nil { throw Failure.duplicateCase(key) }
            try await db.update("tool_test_cases").set("case_key", to: SQLBind(key)).set("category", to: SQLBind(category))
                .set("scorer", to: SQLBind(scorer)).set("body", to: SQLBind(body)).where("id", .equal, caseID).run()
            return true
        }
    }

    public func deleteCase(userID: String, suiteID: String, caseID: String) async throws -> Bool {
        try await database.transaction { db in
            guard try await db.select().column("id").from("tool_test_cases").where("user_id", .equal, userID)
                .where("suite_id", .equal, suiteID).where("id", .equal, caseID).first() != nil else { return false }
            try await db.delete(from: "tool_test_cases").where("id", .equal, caseID).run()
            return true
        }
    }

    static func writeTools(_ db: any SQLDatabase, userID: String, suiteID: String, _ tools: [(name: String, definition: String)]) async throws {
        for (i, tool) in tools.enumerated() {
            try await db.insert(into: "tool_definitions").columns("id", "suite_id", "user_id", "position", "name", "definition")
                .values(SQLBind(RecordID.make()), SQLBind(suiteID), SQLBind(userID), SQLBind(i), SQLBind(tool.name), SQLBind(tool.definition)).run()
        }
    }

    @discardableResult
    static func insertCase(_ db: any SQLDatabase, userID: String, suiteID: String, position: Int,
                           _ c: (key: String, category: String?, scorer: String, body: String)) async throws -> CaseRecord {
        let record = CaseRecord(id: RecordID.make(), caseKey: c.key, position: position, category: c.category, scorer: c.scorer, body: c.body)
        try await db.insert(into: "tool_test_cases").columns("id", "suite_id", "user_id", "case_key", "position", "category", "scorer", "body")
            .values(SQLBind(record.id), SQLBind(suiteID), SQLBind(userID), SQLBind(c.key), SQLBind(position), SQLBind(c.category),
                    SQLBind(c.scorer), SQLBind(c.body)).run()
        return record
    }
}
