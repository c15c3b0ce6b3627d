//! ordered-calls: the model must call the expected tools in the expected order.
//!   score  = number of positions i where called[i].name == expected[i].name
//!            / max(|expected|, |called|);  passed = score == 1
//! (arguments are not compared; pair it with a rule that does). Replace `score_case`
//! with your rule. Every entry point catches panics: a bug here becomes an error status
//! for the host, never a crash of the host.
pub mod abi;
pub mod json;

use abi::*;
use std::os::raw::{c_char, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};

static MANIFEST: &[u8] = b"{\"id\":\"ordered-calls\",\"name\":\"Ordered calls (Rust template)\",\"version\":\"0.1.0\",\
\"description\":\"The expected tools, called in the expected order.\",\"abi\":\"1.0\",\"language\":\"rust\",\
\"kinds\":[\"scorer\"],\"scorer\":{\"reads\":[\"expected_calls\"],\
\"config_schema\":{\"type\":\"object\",\"additionalProperties\":false},\"subscores\":[\"in_order\",\"expected\",\"actual\"]}}\0";

/// The rule itself, on parsed values: (score, in_order, expected, actual).
pub fn score_case(case: &json::Json, output: &json::Json) -> Result<(f64, usize, usize, usize), String> {
    let empty = Vec::new();
    let expected = match case.get("expected_calls") { None => &empty, Some(v) => v.as_array().ok_or("expected_calls must be an array")? };
    let calls = match output.get("calls") { None => &empty, Some(v) => v.as_array().ok_or("calls must be an array")? };
    let name = |call: &json::Json| call.get("name").and_then(|n| n.as_str()).map(|s| s.to_string());
    let in_order = expected.iter().zip(calls.iter()).filter(|(e, c)| name(e).is_some() && name(e) == name(c)).count();
    let denominator = expected.len().max(calls.len());
    let score = if denominator == 0 { 1.0 } else { in_order as f64 / denominator as f64 };
    Ok((score, in_order, expected.len(), calls.len()))
}

unsafe extern "C" fn score(_this: *const Scorer, case_json: Str, output_json: Str, out: *const Sink, error: *const Sink) -> Status {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let case = match json::parse(case_json.as_bytes()) { Ok(v) => v, Err(e) => { put(error, &format!("case is not valid JSON: {}", e)); return ERR_INVALID_INPUT; } };
        let output = match json::parse(output_json.as_bytes()) { Ok(v) => v, Err(e) => { put(error, &format!("output is not valid JSON: {}", e)); return ERR_INVALID_INPUT; } };
        match score_case(&case, &output) {
            Ok((value, in_order, expected, actual)) => {
                let error_type = if value == 1.0 { "null" } else if actual == 0 { "\"no_call\"" } else { "\"order\"" };
                let text = format!("{{\"score\":{},\"passed\":{},\"subscores\":{{\"in_order\":{},\"expected\":{},\"actual\":{}}},\"error_type\":{},\"details\":{{}}}}",
                                   value, value == 1.0, in_order, expected, actual, error_type);
                if put(out, &text) { OK } else { ERR_OUTPUT_REFUSED }
            }
            Err(message) => { put(error, &message); ERR_INVALID_INPUT }
        }
    }));
    result.unwrap_or_else(|_| { put(error, "ordered-calls panicked (a bug in the plugin)"); ERR_INTERNAL })
}

unsafe extern "C" fn destroy(this: *mut Scorer) {
    if !this.is_null() { drop(Box::from_raw(this)); }
}

unsafe extern "C" fn create(_config: Str, out: *mut *mut Scorer, error: *const Sink) -> Status {
    let result = catch_unwind(AssertUnwindSafe(|| {
        if out.is_null() { put(error, "no place for the scorer"); return ERR_INVALID_INPUT; }
        let scorer = Box::new(Scorer { struct_size: std::mem::size_of::<Scorer>() as u32, scorer_data: std::ptr::null_mut(),
                                       score: Some(score), destroy: Some(destroy) });
        *out = Box::into_raw(scorer);
        OK
    }));
    result.unwrap_or(ERR_OUT_OF_MEMORY)
}

static FACTORY: ScorerFactory = ScorerFactory { struct_size: std::mem::size_of::<ScorerFactory>() as u32, create: Some(create) };

unsafe extern "C" fn init(_host: *const Host, _error: *const Sink) -> Status { OK }

unsafe extern "C" fn get_factory(id: *const c_char) -> *const c_void {
    if id.is_null() { return std::ptr::null(); }
    let id = std::ffi::CStr::from_ptr(id).to_bytes();
    if id == SCORER_FACTORY_ID { &FACTORY as *const ScorerFactory as *const c_void } else { std::ptr::null() }
}

static DESCRIPTOR: Descriptor = Descriptor {
    abi_version: ABI_VERSION,
    struct_size: std::mem::size_of::<Descriptor>() as u32,
    manifest_json: MANIFEST.as_ptr() as *const c_char,
    init: Some(init),
    get_factory: Some(get_factory),
};

/// The one exported symbol.
#[no_mangle]
pub extern "C" fn studio_plugin_entry(host_abi_version: u32) -> *const Descriptor {
    if compatible(host_abi_version, ABI_VERSION) { &DESCRIPTOR } else { std::ptr::null() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> json::Json { json::parse(text.as_bytes()).unwrap() }

    #[test]
    fn order_matters() {
        let case = j(r#"{"expected_calls":[{"name":"search"},{"name":"book"}]}"#);
        assert_eq!(score_case(&case, &j(r#"{"calls":[{"name":"search"},{"name":"book"}]}"#)).unwrap().0, 1.0);
        assert_eq!(score_case(&case, &j(r#"{"calls":[{"name":"book"},{"name":"search"}]}"#)).unwrap().0, 0.0);
        assert_eq!(score_case(&case, &j(r#"{"calls":[{"name":"search"}]}"#)).unwrap().0, 0.5);
        assert_eq!(score_case(&j(r#"{}"#), &j(r#"{"calls":[]}"#)).unwrap().0, 1.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(json::parse(b"{not json").is_err());
        assert!(score_case(&j(r#"{"expected_calls":"x"}"#), &j("{}")).is_err());
        assert_eq!(j(r#""caf\u00e9 \ud83d\ude00""#), json::Json::Str("café 😀".into()));
    }

    #[test]
    fn the_layout_matches_the_headers() {
        // LP64 sizes of ABI 1.0 (ABIHeaderTests freezes the same numbers on the host side).
        assert_eq!(std::mem::size_of::<Descriptor>(), 32);
        assert_eq!(std::mem::size_of::<Scorer>(), 32);
        assert_eq!(std::mem::size_of::<ScorerFactory>(), 16);
        assert_eq!(std::mem::size_of::<Str>(), 16);
        assert_eq!(std::mem::size_of::<Sink>(), 16);
    }
}
