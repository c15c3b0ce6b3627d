import PluginABI
import StudioJSON

/// A plugin member returned a status other than STUDIO_OK.
public struct PluginCallError: Error, CustomStringConvertible, Sendable {
    public let plugin: String
    public let member: String
    public let status: studio_status_t
    public let message: String

    init(plugin: String, member: String, status: studio_status_t, message: String) {
        self.plugin = plugin
        self.member = member
        self.status = status
        self.message = message
    }

    init(plugin: String, member: String, status: Int, message: String) {
        self.init(plugin: plugin, member: member, status: studio_status_t(status), message: message)
    }

    public var statusName: String {
        switch Int(status) {
        case Int(STUDIO_ERR_INVALID_INPUT): return "invalid_input"
        case Int(STUDIO_ERR_UNSUPPORTED): return "unsupported"
        case Int(STUDIO_ERR_PROTOCOL): return "malformed_stream"
        case Int(STUDIO_ERR_OUTPUT_REFUSED): return "output_refused"
        case Int(STUDIO_ERR_OUT_OF_MEMORY): return "out_of_memory"
        case Int(Self.crashed): return "plugin_crashed"
        case Int(Self.timedOut): return "plugin_timeout"
        case Int(Self.cancelled): return "cancelled"
        case Int(Self.quarantined): return "plugin_quarantined"
        default: return "plugin_error"
        }
    }

    public var isInvalidInput: Bool { Int(status) == Int(STUDIO_ERR_INVALID_INPUT) }
    public var isUnsupported: Bool { Int(status) == Int(STUDIO_ERR_UNSUPPORTED) }
    public var isMalformedStream: Bool { Int(status) == Int(STUDIO_ERR_PROTOCOL) }

    public var description: String {
        "\(plugin).\(member) failed (\(statusName))\(message.isEmpty ? "" : ": \(message)")"
    }
}

/// Runs one JSON-in, JSON-out member call: the cold path.
func jsonCall(plugin: String, member: String,
              _ call: (UnsafePointer<studio_sink_t>, UnsafePointer<studio_sink_t>) -> studio_status_t)
    throws(PluginCallError) -> JSONValue
{
    let out = ByteSink(), error = ByteSink()
    let status = out.withSink { o in error.withSink { e in call(o, e) } }
    guard status == STUDIO_OK else {
        throw PluginCallError(plugin: plugin, member: member, status: status, message: error.text)
    }
    do {
        return try JSONParser.parse(bytes: out.bytes)
    } catch {
        throw PluginCallError(plugin: plugin, member: member, status: STUDIO_ERR_INTERNAL,
                              message: "plugin wrote invalid JSON: \(error)")
    }
}
