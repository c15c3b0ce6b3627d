//! The studio plugin ABI 1.0, the parts a scorer needs, mirrored by hand from
//! `Sources/PluginABI/include/studio/*.h` (docs/plugins.md lists every member).
//! Layouts are `#[repr(C)]` and must match the headers exactly.
use std::os::raw::{c_char, c_void};

pub const ABI_VERSION_MAJOR: u32 = 1;
pub const ABI_VERSION_MINOR: u32 = 0;
pub const ABI_VERSION: u32 = (ABI_VERSION_MAJOR << 16) | ABI_VERSION_MINOR;
pub const SCORER_FACTORY_ID: &[u8] = b"studio.scorer/1";

pub type Status = i32;
pub const OK: Status = 0;
pub const ERR_INVALID_INPUT: Status = 1;
pub const ERR_OUTPUT_REFUSED: Status = 4;
pub const ERR_OUT_OF_MEMORY: Status = 5;
pub const ERR_INTERNAL: Status = 6;

/// Borrowed bytes (valid for the duration of the call that receives them).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Str {
    pub data: *const c_char,
    pub len: usize,
}

impl Str {
    pub fn as_bytes(&self) -> &[u8] {
        if self.data.is_null() || self.len == 0 { return &[]; }
        unsafe { std::slice::from_raw_parts(self.data as *const u8, self.len) }
    }
}

/// Where results go: the caller owns it.
#[repr(C)]
pub struct Sink {
    pub sink_data: *mut c_void,
    pub write: Option<unsafe extern "C" fn(sink: *const Sink, data: *const c_char, len: usize) -> bool>,
}

/// Writes `text` to a sink; false when the caller refused it.
pub fn put(sink: *const Sink, text: &str) -> bool {
    if sink.is_null() { return false; }
    unsafe {
        match (*sink).write {
            Some(write) => write(sink, text.as_ptr() as *const c_char, text.len()),
            None => false,
        }
    }
}

#[repr(C)]
pub struct Host {
    pub abi_version: u32,
    pub struct_size: u32,
    // The rest of studio_host_t (logging, clock, extensions) is not used by this scorer;
    // it is never read past struct_size.
}

#[repr(C)]
pub struct Scorer {
    pub struct_size: u32,
    pub scorer_data: *mut c_void,
    pub score: Option<unsafe extern "C" fn(this: *const Scorer, case_json: Str, output_json: Str, out: *const Sink, error: *const Sink) -> Status>,
    pub destroy: Option<unsafe extern "C" fn(this: *mut Scorer)>,
}

#[repr(C)]
pub struct ScorerFactory {
    pub struct_size: u32,
    pub create: Option<unsafe extern "C" fn(config_json: Str, out: *mut *mut Scorer, error: *const Sink) -> Status>,
}

#[repr(C)]
pub struct Descriptor {
    pub abi_version: u32,
    pub struct_size: u32,
    pub manifest_json: *const c_char,
    pub init: Option<unsafe extern "C" fn(host: *const Host, error: *const Sink) -> Status>,
    pub get_factory: Option<unsafe extern "C" fn(factory_id: *const c_char) -> *const c_void>,
}

// Static descriptors hold raw pointers to static data: safe to share.
unsafe impl Sync for Descriptor {}
unsafe impl Sync for ScorerFactory {}

/// Same major version, host minor ≥ plugin minor (studio_abi_version_is_compatible).
pub fn compatible(host: u32, plugin: u32) -> bool {
    (host >> 16) == (plugin >> 16) && (host & 0xFFFF) >= (plugin & 0xFFFF)
}
