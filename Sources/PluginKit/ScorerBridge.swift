import PluginABI
import StudioJSON

final class ScorerBox {
    let scorer: any Scorer
    init(_ scorer: any Scorer) { self.scorer = scorer }
}

enum ScorerBridge {
    static func make(_ scorer: any Scorer) -> UnsafeMutablePointer<studio_scorer_t> {
        let s = UnsafeMutablePointer<studio_scorer_t>.allocate(capacity: 1)
        s.initialize(to: studio_scorer_t(
            struct_size: UInt32(MemoryLayout<studio_scorer_t>.size),
            scorer_data: Unmanaged.passRetained(ScorerBox(scorer)).toOpaque(),
            score: { me, testCase, output, out, error in
                guarded(error) {
                    guard let me else { throw PluginError.invalidInput("no scorer") }
                    let box = Unmanaged<ScorerBox>.fromOpaque(me.pointee.scorer_data).takeUnretainedValue()
                    let result = try box.scorer.score(case: try testCase.json(), output: try output.json())
                    try writeOrThrow(result.json.jsonString, to: out)
                }
            },
            destroy: { me in
                guard let me else { return }
                Unmanaged<ScorerBox>.fromOpaque(me.pointee.scorer_data).release()
                me.deinitialize(count: 1)
                me.deallocate()
            }))
        return s
    }
}
