import ArgumentParser
import Foundation
import HostAuth
import HostConfig
import HostHTTP  // seedRecords: a new admin gets the configured providers, as a registered user does
import HostStorage

/// `studio admin create|reset-password|registration`: account rescue from the machine
/// itself, for when nobody can sign in as an admin, and who may register.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create admins and reset passwords from the command line.",
                                                    subcommands: [Create.self, ResetPassword.self, Registration.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an admin account (password read from standard input).")

        @Option(help: "The admin's email.") var email: String
        @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input (required).") var passwordStdin = false
        @Option(name: .customLong("data"), help: "The data folder.") var dataDirectory = "data"
        @Option(help: "Configuration to seed the account's providers from (default ./config.yaml or the built-in one).") var config: String?

        func validate() throws {
            guard passwordStdin else { throw ValidationError("--password-stdin is required (passwords never go on the command line)") }
        }

        func run() async throws {
            let password = readPassword()
            let seed = try loadSeed(config)
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            let users = UserStore(database: database)
            do {
                try PasswordHasher.check(password)
                guard AccountService.isValidEmail(email) else { throw CLIError("email is not a valid address") }
                let user = try await users.create(email: email, passwordHash: try PasswordHasher().hash(password))
                _ = try await users.update(id: user.id, role: "admin", disabled: false)
                try await ProviderStore(database: database).replaceAll(userID: user.id, with: seed.providers.map(\.seedRecords))
                try await AuditLog(database: database).record(userID: user.id, email: user.email, action: "admin.create.cli", ip: nil)
                printFlushed("created admin \(user.email) (\(user.id))")
            } catch UserStore.Failure.emailTaken {
                printError("an account with email \(email.lowercased()) exists; use `studio admin reset-password`")
                await database.close()
                throw ExitCode.failure
            } catch {
                printError("cannot create the admin: \(error)")
                await database.close()
                throw ExitCode.failure
            }
            await database.close()
        }
    }

    struct Registration: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show or set who may register: open, invite (an invitation code is needed) or closed.")

        @Argument(help: "open, invite or closed; without it, the current mode is printed.") var mode: String?
        @Option(name: .customLong("data"), help: "The data folder.") var dataDirectory = "data"

        func validate() throws {
            if let mode, AccountService.RegistrationMode(rawValue: mode) == nil {
                throw ValidationError("the mode must be open, invite or closed (got \"\(mode)\")")
            }
        }

        func run() async throws {
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            let settings = ServerSettingsStore(database: database)
            do {
                if let mode {
                    try await settings.set(AccountService.registrationModeSetting, mode)
                    try await AuditLog(database: database).record(userID: nil, email: nil, action: "admin.registration.cli", target: mode, ip: nil)
                }
                let current = try await settings.get(AccountService.registrationModeSetting) ?? AccountService.RegistrationMode.open.rawValue
                printFlushed("registration: \(current)")
            } catch {
                printError("cannot change registration: \(error)")
                await database.close()
                throw ExitCode.failure
            }
            await database.close()
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Set a new password (read from standard input); ends every session and CLI token of the account.")

        @Option(help: "The account's email.") var email: String
        @Option(name: .customLong("data"), help: "The data folder.") var dataDirectory = "data"

        func run() async throws {
            let password = readPassword()
            let database = try await openStudioDatabase(dataDirectory: dataDirectory)
            do {
                try PasswordHasher.check(password)
                let users = UserStore(database: database)
                guard let user = try await users.find(email: email) else { throw CLIError("no account with email \(email.lowercased())") }
                try await users.setPassword(id: user.id, passwordHash: try PasswordHasher().hash(password))
                try await RefreshTokenStore(database: database).revokeAll(userID: user.id)
                try await CLITokenStore(database: database).revokeAll(userID: user.id)
                try await users.bumpTokenVersion(id: user.id)
                try await AuditLog(database: database).record(userID: user.id, email: user.email, action: "admin.reset_password.cli", ip: nil)
                printFlushed("password of \(user.email) reset; its sessions and CLI tokens are revoked")
            } catch {
                printError("cannot reset the password: \(error)")
                await database.close()
                throw ExitCode.failure
            }
            await database.close()
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One line from standard input, without its newline.
func readPassword() -> String {
    var line = readLine(strippingNewline: true) ?? ""
    if line.hasSuffix("\r") { line.removeLast() }
    return line
}

/// The configuration new accounts are seeded from.
func loadSeed(_ path: String?) throws -> StudioConfig {
    let path = path ?? (FileManager.default.fileExists(atPath: "config.yaml") ? "config.yaml" : nil)
    guard let path else { return .builtIn }
    guard let data = FileManager.default.contents(atPath: path) else {
        printError("cannot read \(path)")
        throw ExitCode.failure
    }
    do { return try StudioConfig(yaml: String(decoding: data, as: UTF8.self)) } catch {
        printError("\(path): \(error)")
        throw ExitCode.failure
    }
}
