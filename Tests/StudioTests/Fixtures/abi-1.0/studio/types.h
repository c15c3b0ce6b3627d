/* Basic types shared by every header: status codes, borrowed strings, output sinks.
 *
 * THE OWNERSHIP RULE (one rule, everywhere in this ABI):
 * - Inputs (studio_str_t, pointers to structs) are borrowed: valid only for the duration
 *   of the call that receives them. Copy what you need to keep.
 * - Outputs are never handed over as memory. A member that produces bytes (JSON, an error
 *   message) writes them into a studio_sink_t supplied by the caller; the caller owns the
 *   sink and what was written to it. Nobody frees memory allocated by the other side.
 * - Objects (provider, stream decoder, scorer) are created by a `create` member, owned by
 *   whoever called it, and released exactly once with their own `destroy` member.
 * - Static data (manifests, factories, descriptors) lives as long as the process: the host
 *   never unloads a plugin. */
#pragma once

#include "version.h"

STUDIO_EXTERN_C_BEGIN

/* Result of every fallible member. Anything but STUDIO_OK means the outputs are to be
 * ignored; the plugin should have written a human-readable reason to the error sink. */
typedef int32_t studio_status_t;
enum {
   STUDIO_OK = 0,
   /* The input JSON or bytes are malformed or not what the member expects. */
   STUDIO_ERR_INVALID_INPUT = 1,
   /* The plugin does not implement this member or option (e.g. no model listing). */
   STUDIO_ERR_UNSUPPORTED = 2,
   /* Bytes received from a provider cannot be decoded (a malformed stream or body). */
   STUDIO_ERR_PROTOCOL = 3,
   /* A sink refused a write (the host's output limit or out of memory). */
   STUDIO_ERR_OUTPUT_REFUSED = 4,
   /* Memory could not be allocated inside the plugin. */
   STUDIO_ERR_OUT_OF_MEMORY = 5,
   /* Anything else; a bug in the plugin. The host reports it as `plugin_error`. */
   STUDIO_ERR_INTERNAL = 6,
};

/* A borrowed UTF-8 string slice, not NUL-terminated. `data` may be NULL when len is 0. */
typedef struct studio_str {
   const char *data;
   size_t len;
} studio_str_t;

/* Where a plugin writes bytes it produces. Supplied and owned by the caller.
 * `write` appends `len` bytes; it may be called any number of times during the member
 * call that received the sink, on that call's thread, and never after it returns.
 * It returns false when the caller will take no more (then return STUDIO_ERR_OUTPUT_REFUSED). */
typedef struct studio_sink {
   void *sink_data;
   bool (*write)(const struct studio_sink *sink, const char *data, size_t len);
} studio_sink_t;

STUDIO_EXTERN_C_END
