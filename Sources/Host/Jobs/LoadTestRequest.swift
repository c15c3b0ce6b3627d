import HostBenchmark
import HostLoad
import HostMeasurement
import HostPlugins
import HostStorage
import HostTransport
import StudioJSON

/// A load test as a job (`POST /api/loadtests`): one of the user's models, and a load plan.
public struct LoadTestRequest: Sendable {
    public var provider: String
    public var model: String
    public var plan: LoadPlan

    public static var schema: JSONValue {
        var properties = LoadPlan.properties
        properties["provider"] = ["type": "string", "minLength": 1, "maxLength": 64]
        properties["model"] = ["type": "string", "minLength": 1, "maxLength": 200]
        properties["queue"] = ["type": "boolean"]
        return ["type": "object", "additionalProperties": false, "required": ["provider", "model"], "properties": .object(properties)]
    }
    public static let example: JSONValue = ["provider": "sim-openai", "model": "sim-ttft80-gap10-tok128", "concurrency": [1, 8, 32],
                                            "requests": 100, "max_tokens": 64, "slo": ["ttft_ms": 500, "itl_ms": 50], "queue": false]

    public init(json: JSONValue) {
        provider = json["provider"]?.stringValue ?? ""
        model = json["model"]?.stringValue ?? ""
        plan = LoadPlan(json: json)
    }

    public var json: JSONValue {
        var o = plan.json.objectValue ?? [:]
        o["provider"] = .string(provider)
        o["model"] = .string(model)
        return .object(o)
    }

    /// The field at fault when the plan cannot run, else nil (the schema checked the rest).
    public static func problem(_ body: JSONValue) -> (field: String, message: String)? {
        if (body["concurrency"] == nil) == (body["rate"] == nil) { return ("concurrency", "give exactly one of concurrency or rate levels") }
        if body["poisson"]?.boolValue == true, body["rate"] == nil { return ("poisson", "Poisson arrivals go with rate levels") }
        if body["requests"] != nil, body["duration_s"] != nil { return ("duration_s", "give requests or duration_s, not both") }
        let plan = LoadPlan(json: body)
        for case .rate(let rate) in plan.levels where plan.durationSeconds == nil {
            let seconds = Double(plan.warmupCount(for: .rate(rate)) + (plan.requests ?? 0)) / rate
            if seconds > LoadPlan.longestLevelSeconds {
                return ("rate", "at \(rate)/s the level's \(plan.warmupCount(for: .rate(rate)) + (plan.requests ?? 0)) requests would take "
                        + "\(Int(seconds / 86_400)) days (at most 7): raise the rate or lower requests")
            }
        }
        return nil
    }
}
