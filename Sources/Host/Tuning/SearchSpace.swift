import StudioJSON

/// The parameters a tuner may change and the values each may take (docs/tuning.md):
///
///     {"temperature": {"min": 0, "max": 1.5, "step": 0.05},
///      "top_p": {"values": [0.8, 0.9, 1]},
///      "tool_choice": {"values": ["auto", "required"]}}
///
/// A range without a step is continuous (random and model-based search only); with
/// `"integer": true` its values are whole numbers. A configuration is one value per
/// parameter, its keys sorted, so two equal configurations are equal JSON.
public struct SearchSpace: Sendable {
    public enum Dimension: Sendable, Equatable {
        case values([JSONValue])
        case range(min: Double, max: Double, step: Double?, integer: Bool)

        /// How many values it can take; nil when continuous.
        var count: Int? {
            switch self {
            case .values(let list): return list.count
            case .range(let min, let max, let step, let integer):
                let width = integer ? Swift.max(step ?? 1, 1) : step
                guard let width else { return nil }
                return Int(((max - min) / width + 1e-9).rounded(.down)) + 1
            }
        }
    }

    public static let maxParameters = 12
    public static let maxGrid = 10_000

    /// Parameter names in a fixed (sorted) order.
    public let names: [String]
    public let dimensions: [String: Dimension]

    public init(json: JSONValue, field: String = "space") throws(FieldError) {
        guard let object = json.objectValue, !object.keys.isEmpty else {
            throw FieldError(field, "name at least one parameter, e.g. {\"temperature\": {\"min\": 0, \"max\": 1, \"step\": 0.1}}")
        }
        guard object.keys.count <= Self.maxParameters else { throw FieldError(field, "at most \(Self.maxParameters) parameters") }
        var dimensions: [String: Dimension] = [:]
        for name in object.keys {
            let spec = object[name]!, at = "\(field).\(name)"
            if let values = spec["values"]?.arrayValue {
                guard !values.isEmpty, values.count <= 100 else { throw FieldError(at, "give 1 to 100 values") }
                var seen = Set<String>()
                for value in values where !seen.insert(value.jsonString).inserted { throw FieldError(at, "\(value.jsonString) is listed twice") }
                dimensions[name] = .values(values)
                continue
            }
            guard let min = spec["min"]?.doubleValue, let max = spec["max"]?.doubleValue else {
                throw FieldError(at, "give \"values\": [...] or \"min\" and \"max\" (and a \"step\")")
            }
            guard min.isFinite, max.isFinite, min <= max else { throw FieldError(at, "min must not be above max") }
            let step = spec["step"]?.doubleValue
            if let step { guard step.isFinite, step > 0 else { throw FieldError("\(at).step", "must be above 0") } }
            let integer = spec["integer"]?.boolValue ?? false
            if integer, min.rounded() != min || max.rounded() != max { throw FieldError(at, "an integer range needs whole min and max") }
            let dimension = Dimension.range(min: min, max: max, step: step, integer: integer)
            if let count = dimension.count, count > 10_000 { throw FieldError("\(at).step", "makes \(count) values; at most 10000") }
            dimensions[name] = dimension
        }
        self.names = object.keys.sorted()
        self.dimensions = dimensions
    }

    /// How many configurations there are; nil when a range is continuous.
    public var size: Int? {
        var total = 1
        for name in names {
            guard let count = dimensions[name]!.count else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: count)
            if overflow { return Int.max }
            total = product
        }
        return total
    }

    /// A parameter's value at position `unit` ∈ [0, 1] of its range, snapped to its step
    /// (for a list: the `unit`-th fraction of the list).
    public func value(_ name: String, at unit: Double) -> JSONValue {
        let u = Swift.min(1, Swift.max(0, unit))
        switch dimensions[name]! {
        case .values(let list):
            return list[Swift.min(list.count - 1, Int(u * Double(list.count)))]
        case .range(let min, let max, let step, let integer):
            var x = min + u * (max - min)
            if let step = integer ? Swift.max(step ?? 1, 1) : step {
                x = min + ((x - min) / step).rounded() * step
                if x > max + 1e-9 { x -= step }
            }
            if integer { return .int(Int64(x.rounded())) }
            // Steps like 0.1 leave 0.30000000000000004; a tenth of a millionth is below any provider's care.
            return .double((x * 1e7).rounded() / 1e7)
        }
    }

    /// Where a value sits in its parameter's range, in [0, 1] (for a list: its slot's middle).
    public func unit(_ name: String, of value: JSONValue) -> Double {
        switch dimensions[name]! {
        case .values(let list):
            let index = list.firstIndex { $0.jsonString == value.jsonString } ?? 0
            return (Double(index) + 0.5) / Double(list.count)
        case .range(let min, let max, _, _):
            guard max > min, let x = value.doubleValue else { return 0.5 }
            return (x - min) / (max - min)
        }
    }

    /// Every configuration in order (the last parameter changing fastest); nil when a range
    /// is continuous or there are more than `maxGrid`.
    public func grid() -> [JSONObject]? {
        guard let size, size <= Self.maxGrid else { return nil }
        var lists: [[JSONValue]] = []
        for name in names {
            switch dimensions[name]! {
            case .values(let list): lists.append(list)
            case .range(let min, let max, let step, let integer):
                let count = dimensions[name]!.count!
                let width = integer ? Swift.max(step ?? 1, 1) : step!
                lists.append((0..<count).map { i in
                    let x = Swift.min(max, min + Double(i) * width)
                    return integer ? .int(Int64(x.rounded())) : .double((x * 1e7).rounded() / 1e7)
                })
            }
        }
        var out: [JSONObject] = [[:]]
        for (name, list) in zip(names, lists) {
            out = out.flatMap { partial in list.map { value in var next = partial; next[name] = value; return next } }
        }
        return out
    }

    /// One configuration drawn uniformly (per parameter).
    public func random(using generator: inout some RandomNumberGenerator) -> JSONObject {
        var config = JSONObject()
        for name in names {
            switch dimensions[name]! {
            case .values(let list): config[name] = list[Int.random(in: 0..<list.count, using: &generator)]
            case .range(_, _, let step, let integer):
                if let count = dimensions[name]!.count, step != nil || integer {
                    config[name] = value(name, at: count == 1 ? 0 : Double(Int.random(in: 0..<count, using: &generator)) / Double(count - 1))
                } else {
                    config[name] = value(name, at: Double.random(in: 0...1, using: &generator))
                }
            }
        }
        return config
    }

    /// The text that names a configuration: equal for equal configurations.
    public static func key(_ config: JSONObject) -> String {
        JSONValue.object(JSONObject(config.keys.sorted().map { ($0, config[$0]!) })).jsonString
    }
}
