import SQLKit

/// Numbered schema migrations, run in order at start-up and recorded in
/// `schema_migrations`, each in its own transaction. A migration is never edited once
/// released: changes come as a new number.
///
/// Conventions: ids are random 128-bit hex strings; times are Unix milliseconds (BIGINT);
/// JSON is TEXT; every resource row has `user_id` with ON DELETE CASCADE, except the audit
/// log, whose entries outlive their users (SET NULL).
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let statements: @Sendable (StudioDatabase.Dialect) -> [String]
    }

    public static let all: [Migration] = [
        Migration(version: 1, name: "initial schema", statements: initialSchema),
        Migration(version: 2, name: "job cancellation and history indexes", statements: { _ in [
            // Set by whoever cancels; the instance running the job sees it at its next lease renewal.
            "ALTER TABLE jobs ADD COLUMN cancel_requested_at BIGINT",
            "CREATE INDEX jobs_state_created ON jobs(state, created_at)",
            "CREATE INDEX benchmark_results_user_model ON benchmark_results(user_id, model)",
        ] }),
        Migration(version: 3, name: "case results carry their case's category and whether a call was expected", statements: { dialect in [
            "ALTER TABLE case_results ADD COLUMN category TEXT",
            "ALTER TABLE case_results ADD COLUMN expects_call \(dialect == .postgres ? "BOOLEAN" : "INTEGER")",
        ] }),
        Migration(version: 4, name: "judge reports know their job and end; verdicts name their case and model", statements: { _ in [
            "ALTER TABLE judge_reports ADD COLUMN job_id TEXT",
            "ALTER TABLE judge_reports ADD COLUMN finished_at BIGINT",
            "ALTER TABLE judge_verdicts ADD COLUMN case_key TEXT",
            "ALTER TABLE judge_verdicts ADD COLUMN target TEXT",
            "CREATE INDEX judge_reports_user_eval ON judge_reports(user_id, eval_run_id)",
            "CREATE INDEX judge_verdicts_report ON judge_verdicts(report_id)",
        ] }),
        Migration(version: 5, name: "token versions, global keys bound to a provider definition, server settings, invites", statements: { _ in [
            // Bumped on logout, password change, role change and disabling: access tokens
            // carry the version they were signed with and stop working once it moves on.
            "ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0",
            // A global (admin) key is sent only to this plugin at this base URL; rows from
            // before this migration have none and are never sent until the admin saves them again.
            "ALTER TABLE user_api_keys ADD COLUMN bound_plugin TEXT",
            "ALTER TABLE user_api_keys ADD COLUMN bound_base_url TEXT",
            // Studio-wide settings the admin changes at run time (registration mode, ...).
            "CREATE TABLE server_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at BIGINT NOT NULL)",
            """
            CREATE TABLE invites (
                id TEXT PRIMARY KEY, code_hash TEXT NOT NULL UNIQUE, email TEXT,
                created_by TEXT REFERENCES users(id) ON DELETE SET NULL, created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL, used_at BIGINT, used_by TEXT REFERENCES users(id) ON DELETE SET NULL)
            """,
        ] }),
        Migration(version: 6, name: "admin decisions about plugins: mode, disabled, deadline, quarantine", statements: { _ in [
            // One row per plugin id an admin (or the quarantine) decided about; no row: the
            // defaults of docs/plugins.md ("Isolation and trust").
            """
            CREATE TABLE plugin_policies (
                plugin_id TEXT PRIMARY KEY, mode TEXT, disabled BOOLEAN NOT NULL DEFAULT FALSE, deadline_ms INTEGER,
                quarantine_reason TEXT, updated_by TEXT REFERENCES users(id) ON DELETE SET NULL, updated_at BIGINT NOT NULL)
            """,
        ] }),
        Migration(version: 7, name: "benchmark results keep the reasoning part of their output tokens", statements: { _ in [
            "ALTER TABLE benchmark_results ADD COLUMN reasoning_tokens INTEGER",
        ] }),
        Migration(version: 8, name: "each request of a load test or benchmark, for the per-request export", statements: { dialect in
            let real = dialect == .postgres ? "DOUBLE PRECISION" : "REAL"
            return [
                """
                CREATE TABLE request_timings (
                    run_id TEXT NOT NULL REFERENCES benchmark_runs(id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
                    level TEXT NOT NULL, target TEXT NOT NULL, request_index INTEGER NOT NULL, intended_ms \(real),
                    sent_ms \(real) NOT NULL, sent_at_unix_us BIGINT NOT NULL, ttft_ms \(real), e2e_ms \(real) NOT NULL,
                    output_tokens INTEGER, error_class TEXT, request_id TEXT, token_reads TEXT NOT NULL, itl TEXT NOT NULL,
                    PRIMARY KEY (run_id, seq))
                """,
            ]
        }),
        Migration(version: 9, name: "a provider remembers the preset it was made from, whose parameter rules apply", statements: { _ in [
            "ALTER TABLE providers ADD COLUMN preset TEXT",
        ] }),
        Migration(version: 10, name: "tuning runs and their trials, experiments, model profiles, the prompt library; case results know their cost",
                  statements: { dialect in
            let real = dialect == .postgres ? "DOUBLE PRECISION" : "REAL"
            let owner = "user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE"
            return [
                "ALTER TABLE case_results ADD COLUMN cost_usd \(real)",
                // An experiment: a suite, its models and a baseline configuration; evals and
                // tuning runs linked to it make its timeline (docs/tuning.md).
                """
                CREATE TABLE experiments (
                    id TEXT PRIMARY KEY, \(owner), name TEXT NOT NULL,
                    suite_id TEXT NOT NULL REFERENCES tool_suites(id) ON DELETE CASCADE, targets TEXT NOT NULL,
                    baseline TEXT NOT NULL, baseline_eval_id TEXT REFERENCES tool_eval_runs(id) ON DELETE SET NULL,
                    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
                """,
                "ALTER TABLE tool_eval_runs ADD COLUMN experiment_id TEXT REFERENCES experiments(id) ON DELETE SET NULL",
                """
                CREATE TABLE tuning_runs (
                    id TEXT PRIMARY KEY, \(owner), job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL,
                    suite_id TEXT REFERENCES tool_suites(id) ON DELETE SET NULL,
                    experiment_id TEXT REFERENCES experiments(id) ON DELETE SET NULL, kind TEXT NOT NULL,
                    request TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT, summary TEXT)
                """,
                """
                CREATE TABLE tuning_trials (
                    tuning_run_id TEXT NOT NULL REFERENCES tuning_runs(id) ON DELETE CASCADE, \(owner), position INTEGER NOT NULL,
                    config TEXT NOT NULL, resolved TEXT NOT NULL, repeats INTEGER NOT NULL, score \(real) NOT NULL,
                    cost_usd \(real), latency_ms \(real), calls INTEGER NOT NULL, errors INTEGER NOT NULL,
                    case_scores TEXT NOT NULL, note TEXT, created_at BIGINT NOT NULL,
                    PRIMARY KEY (tuning_run_id, position))
                """,
                """
                CREATE TABLE model_profiles (
                    id TEXT PRIMARY KEY, \(owner), provider TEXT NOT NULL, model TEXT NOT NULL, name TEXT NOT NULL,
                    params TEXT NOT NULL, system_prompt TEXT, source TEXT NOT NULL, created_at BIGINT NOT NULL,
                    UNIQUE (user_id, provider, model, name))
                """,
                """
                CREATE TABLE prompt_library (
                    id TEXT PRIMARY KEY, \(owner), name TEXT NOT NULL, text TEXT NOT NULL, labels TEXT NOT NULL,
                    source TEXT NOT NULL, parent_id TEXT REFERENCES prompt_library(id) ON DELETE SET NULL,
                    tuning_run_id TEXT REFERENCES tuning_runs(id) ON DELETE SET NULL, score \(real), created_at BIGINT NOT NULL)
                """,
            ]
        }),
    ]

    /// Applies every migration not yet recorded. Returns the versions applied now.
    @discardableResult
    public static func run(on database: StudioDatabase) async throws -> [Int] {
        try await database.withSQL { db in
            try await db.raw("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)
                """).run()
        }
        let applied = Set(try await database.withSQL { db in
            try await db.select().column("version").from("schema_migrations").all(decodingColumn: "version", as: Int.self)
        })
        var now: [Int] = []
        for migration in all.sorted(by: { $0.version < $1.version }) where !applied.contains(migration.version) {
            let statements = migration.statements(database.dialect)
            try await database.transaction { db in
                for statement in statements { try await db.raw(SQLQueryString(statement)).run() }
                try await db.insert(into: "schema_migrations")
                    .columns("version", "name", "applied_at")
                    .values(SQLBind(migration.version), SQLBind(migration.name), SQLBind(Clock.milliseconds()))
                    .run()
            }
            now.append(migration.version)
        }
        return now
    }

    /// The newest version recorded.
    public static func currentVersion(of database: StudioDatabase) async throws -> Int {
        try await database.withSQL { db in
            try await db.raw("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").first(decodingColumn: "v", as: Int.self) ?? 0
        }
    }

    static func initialSchema(_ dialect: StudioDatabase.Dialect) -> [String] {
        let bool = dialect == .postgres ? "BOOLEAN" : "INTEGER"
        let real = dialect == .postgres ? "DOUBLE PRECISION" : "REAL"
        let blob = dialect == .postgres ? "BYTEA" : "BLOB"
        let yes = dialect == .postgres ? "TRUE" : "1"
        let no = dialect == .postgres ? "FALSE" : "0"
        let owner = "user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE"
        return [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
                role TEXT NOT NULL DEFAULT 'user', disabled \(bool) NOT NULL DEFAULT \(no),
                created_at BIGINT NOT NULL, last_login_at BIGINT,
                max_jobs_per_hour INTEGER, max_concurrent_jobs INTEGER)
            """,
            """
            CREATE TABLE refresh_tokens (
                id TEXT PRIMARY KEY, \(owner), family_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, rotated_at BIGINT, revoked_at BIGINT)
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id)",
            """
            CREATE TABLE cli_tokens (
                id TEXT PRIMARY KEY, \(owner), name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
                created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT)
            """,
            """
            CREATE TABLE user_api_keys (
                id TEXT PRIMARY KEY, user_id TEXT REFERENCES users(id) ON DELETE CASCADE, provider_id TEXT NOT NULL,
                ciphertext \(blob) NOT NULL, nonce \(blob) NOT NULL, last4 TEXT NOT NULL, key_version INTEGER NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            // One key per (user, provider); user_id NULL holds the admin's global fallback key.
            "CREATE UNIQUE INDEX user_api_keys_owner ON user_api_keys(user_id, provider_id)",
            """
            CREATE TABLE providers (
                id TEXT PRIMARY KEY, \(owner), slug TEXT NOT NULL, plugin_id TEXT NOT NULL, base_url TEXT NOT NULL,
                display_name TEXT NOT NULL, default_params TEXT NOT NULL DEFAULT '{}', api_key_env TEXT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (user_id, slug))
            """,
            """
            CREATE TABLE models (
                id TEXT PRIMARY KEY, \(owner), provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
                model_id TEXT NOT NULL, display_name TEXT, context_window INTEGER, max_output INTEGER,
                price_in \(real), price_out \(real), system_prompt TEXT, skip_params TEXT NOT NULL DEFAULT '[]',
                params TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL, UNIQUE (provider_id, model_id))
            """,
            """
            CREATE TABLE user_settings (
                \(owner), key TEXT NOT NULL, value TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (user_id, key))
            """,
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY, \(owner), kind TEXT NOT NULL, state TEXT NOT NULL, request TEXT NOT NULL,
                result_kind TEXT, result_id TEXT, error TEXT, schedule_id TEXT,
                created_at BIGINT NOT NULL, started_at BIGINT, finished_at BIGINT,
                claimed_by TEXT, lease_expires_at BIGINT)
            """,
            "CREATE INDEX jobs_user_state ON jobs(user_id, state)",
            """
            CREATE TABLE job_events (
                job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
                event TEXT NOT NULL, data TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (job_id, seq))
            """,
            """
            CREATE TABLE benchmark_runs (
                id TEXT PRIMARY KEY, \(owner), job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL, kind TEXT NOT NULL,
                request TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT,
                schedule_id TEXT, summary TEXT)
            """,
            "CREATE INDEX benchmark_runs_user_time ON benchmark_runs(user_id, started_at)",
            """
            CREATE TABLE benchmark_results (
                id TEXT PRIMARY KEY, run_id TEXT NOT NULL REFERENCES benchmark_runs(id) ON DELETE CASCADE, \(owner),
                target TEXT NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, context_tier INTEGER NOT NULL,
                run_index INTEGER NOT NULL, ok \(bool) NOT NULL, ttft_ms \(real), total_s \(real), queue_ms \(real),
                output_tokens INTEGER, input_tokens INTEGER, tokens_estimated \(bool) NOT NULL DEFAULT \(no),
                tokens_per_second \(real), output_speed \(real), itl_ms \(real), input_tps \(real), cost \(real),
                prompt_tokens INTEGER, error_class TEXT, error TEXT, reads TEXT, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX benchmark_results_run ON benchmark_results(run_id)",
            """
            CREATE TABLE tool_suites (
                id TEXT PRIMARY KEY, \(owner), name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
                system_prompt TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE tool_definitions (
                id TEXT PRIMARY KEY, suite_id TEXT NOT NULL REFERENCES tool_suites(id) ON DELETE CASCADE, \(owner),
                position INTEGER NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL)
            """,
            """
            CREATE TABLE tool_test_cases (
                id TEXT PRIMARY KEY, suite_id TEXT NOT NULL REFERENCES tool_suites(id) ON DELETE CASCADE, \(owner),
                case_key TEXT NOT NULL, position INTEGER NOT NULL, category TEXT, scorer TEXT NOT NULL DEFAULT 'toolcall',
                body TEXT NOT NULL, UNIQUE (suite_id, case_key))
            """,
            """
            CREATE TABLE tool_eval_runs (
                id TEXT PRIMARY KEY, \(owner), suite_id TEXT REFERENCES tool_suites(id) ON DELETE SET NULL,
                job_id TEXT REFERENCES jobs(id) ON DELETE SET NULL, request TEXT NOT NULL, status TEXT NOT NULL,
                started_at BIGINT NOT NULL, finished_at BIGINT, summary TEXT, schedule_id TEXT)
            """,
            """
            CREATE TABLE case_results (
                id TEXT PRIMARY KEY, eval_run_id TEXT NOT NULL REFERENCES tool_eval_runs(id) ON DELETE CASCADE, \(owner),
                case_key TEXT NOT NULL, target TEXT NOT NULL, repeat_index INTEGER NOT NULL, output TEXT NOT NULL,
                score \(real), passed \(bool), subscores TEXT, error_type TEXT, latency_ms \(real), created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE judge_reports (
                id TEXT PRIMARY KEY, \(owner), eval_run_id TEXT REFERENCES tool_eval_runs(id) ON DELETE CASCADE,
                compare_run_id TEXT, mode TEXT NOT NULL, judge_model TEXT NOT NULL, prompt_version TEXT NOT NULL,
                status TEXT NOT NULL, report TEXT, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE judge_verdicts (
                id TEXT PRIMARY KEY, report_id TEXT NOT NULL REFERENCES judge_reports(id) ON DELETE CASCADE, \(owner),
                case_result_id TEXT, verdict TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE schedules (
                id TEXT PRIMARY KEY, \(owner), name TEXT NOT NULL, kind TEXT NOT NULL, request TEXT NOT NULL,
                interval_hours INTEGER, cron TEXT, time_zone TEXT NOT NULL DEFAULT 'UTC', enabled \(bool) NOT NULL DEFAULT \(yes),
                next_fire_at BIGINT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE schedule_firings (
                id TEXT PRIMARY KEY, schedule_id TEXT NOT NULL REFERENCES schedules(id) ON DELETE CASCADE, \(owner),
                fired_at BIGINT NOT NULL, outcome TEXT NOT NULL, job_id TEXT, run_id TEXT, detail TEXT)
            """,
            """
            CREATE TABLE rate_limits (
                scope TEXT NOT NULL, subject TEXT NOT NULL, failures INTEGER NOT NULL, window_start BIGINT NOT NULL,
                locked_until BIGINT, PRIMARY KEY (scope, subject))
            """,
            """
            CREATE TABLE audit_log (
                id TEXT PRIMARY KEY, user_id TEXT REFERENCES users(id) ON DELETE SET NULL, actor_email TEXT,
                action TEXT NOT NULL, target TEXT, detail TEXT, ip TEXT, created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX audit_log_time ON audit_log(created_at)",
            """
            CREATE TABLE plugins (
                id TEXT PRIMARY KEY, plugin_id TEXT NOT NULL, version TEXT NOT NULL, path TEXT NOT NULL UNIQUE,
                sha256 TEXT NOT NULL, installed_by TEXT REFERENCES users(id) ON DELETE SET NULL, installed_at BIGINT NOT NULL)
            """,
        ]
    }
}
