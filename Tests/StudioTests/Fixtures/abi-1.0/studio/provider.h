/* Provider adapters: translate between the studio's normalized requests and one
 * provider's HTTP API. Sans-I/O: a provider never opens a socket, sleeps or reads the
 * clock. The host sends the bytes, timestamps every read, and feeds each read to a
 * stream decoder, which emits plain C event structs (no JSON per token).
 *
 * Cold path (once per request): JSON in, JSON out, through sinks.
 * Hot path (once per network read): bytes in, studio_stream_event_t out. */
#pragma once

#include "types.h"

STUDIO_EXTERN_C_BEGIN

#define STUDIO_PROVIDER_FACTORY_ID "studio.provider/1"

/* ---- Stream events (hot path) ------------------------------------------------------ */

typedef uint32_t studio_event_kind_t;
enum {
   /* A piece of answer text. `text` is non-empty: decoders never emit empty deltas or
    * role-only chunks, which is what lets the host stop the TTFT clock on any event
    * that carries a token. */
   STUDIO_EVENT_TEXT = 1,
   /* A piece of reasoning / thinking text. `text` is non-empty. */
   STUDIO_EVENT_REASONING = 2,
   /* A tool-call fragment. `tool_index` identifies the call within the response;
    * `tool_id` and `tool_name` are set on the first fragment of a call (may be empty
    * later); `text` is a piece of the JSON arguments (concatenate per index). A first
    * fragment with empty `text` still counts as a token (the call has begun). */
   STUDIO_EVENT_TOOL_CALL = 3,
   /* Token usage reported by the provider. Counts are -1 when not reported. */
   STUDIO_EVENT_USAGE = 4,
   /* Why generation stopped. `text` is normalized: "stop", "length", "tool_calls",
    * "content_filter" or "other"; `detail` is the provider's own word. */
   STUDIO_EVENT_FINISH = 5,
   /* The provider reported an error inside the stream. `text` is its message (may
    * contain anything the provider sent; the host sanitizes it), `detail` its code. */
   STUDIO_EVENT_ERROR = 6,
   /* The provider signalled the end of the stream ("[DONE]", message_stop, ...). */
   STUDIO_EVENT_END = 7,
};

typedef struct studio_stream_event {
   /* sizeof(studio_stream_event_t) as the plugin was compiled. */
   uint32_t struct_size;
   studio_event_kind_t kind;
   /* Meaning depends on kind (see above). Borrowed for the duration of the emit call. */
   studio_str_t text;
   studio_str_t detail;
   /* STUDIO_EVENT_TOOL_CALL only; -1 otherwise. */
   int32_t tool_index;
   studio_str_t tool_id;
   studio_str_t tool_name;
   /* STUDIO_EVENT_USAGE only; -1 when unknown (also for every other kind). */
   int64_t input_tokens;
   int64_t output_tokens;
   int64_t reasoning_tokens;
   int64_t cached_input_tokens;
} studio_stream_event_t;

/* Receives events synchronously, on the thread that called decode/finish, before that
 * call returns. `event` and every slice in it are borrowed for this call only. */
typedef void (*studio_emit_fn)(void *emit_data, const studio_stream_event_t *event);

/* Decodes one streaming response body. Created by studio_provider.decoder_create, owned
 * by the caller, used by one stream only. [one-thread-at-a-time] for every member. */
typedef struct studio_stream_decoder {
   uint32_t struct_size;
   /* Owned by the plugin. */
   void *decoder_data;

   /* Feeds one network read. `bytes` may end in the middle of an event, a JSON value or
    * a UTF-8 character: the decoder keeps the remainder for the next call. Emits zero or
    * more events before returning. A malformed event returns STUDIO_ERR_PROTOCOL with
    * the reason in `error`; the host then stops feeding this decoder. */
   studio_status_t (*decode)(struct studio_stream_decoder *self, const uint8_t *bytes, size_t len,
                             studio_emit_fn emit, void *emit_data, const studio_sink_t *error);

   /* The body ended. Flushes whatever remains (an unterminated last event). */
   studio_status_t (*finish)(struct studio_stream_decoder *self, studio_emit_fn emit,
                             void *emit_data, const studio_sink_t *error);

   /* Releases the decoder. Called exactly once; no other member call may be in flight. */
   void (*destroy)(struct studio_stream_decoder *self);
} studio_stream_decoder_t;

/* ---- Provider instance (cold path) -------------------------------------------------- */

/* One configured endpoint of a provider. Created by the factory from the endpoint config
 * JSON ({"base_url": ..., "params": {...}}; docs/schemas/provider-config.schema.json).
 * Every member except destroy is [any-thread]: an instance serves concurrent requests.
 * API keys never reach the plugin: the host applies the manifest's auth style. */
typedef struct studio_provider {
   uint32_t struct_size;
   /* Owned by the plugin. */
   void *provider_data;

   /* Normalized chat request (docs/schemas/chat-request.schema.json) → HTTP request
    * JSON {"method","url","headers":[[name,value],...],"body"} written to `out`. */
   studio_status_t (*build_request)(const struct studio_provider *self, studio_str_t request_json,
                                    const studio_sink_t *out, const studio_sink_t *error);

   /* A decoder for the streaming response to `request_json` (the same normalized
    * request; a decoder may need to know, e.g., which tools were offered). */
   studio_status_t (*decoder_create)(const struct studio_provider *self, studio_str_t request_json,
                                     studio_stream_decoder_t **out, const studio_sink_t *error);

   /* A complete non-streaming response body → normalized response JSON
    * {"text","reasoning","calls":[{"id","name","arguments"}],"finish_reason","usage"}. */
   studio_status_t (*parse_response)(const struct studio_provider *self, studio_str_t body,
                                     const studio_sink_t *out, const studio_sink_t *error);

   /* The HTTP request JSON that lists the endpoint's models (as build_request writes),
    * or STUDIO_ERR_UNSUPPORTED. */
   studio_status_t (*build_list_models)(const struct studio_provider *self, const studio_sink_t *out,
                                        const studio_sink_t *error);

   /* The model-list response body → JSON [{"id","display_name"?,"context_window"?}]. */
   studio_status_t (*parse_list_models)(const struct studio_provider *self, studio_str_t body,
                                        const studio_sink_t *out, const studio_sink_t *error);

   /* An HTTP error response → JSON {"class","message","retry_after_s"?}, where class is
    * one of the studio's error classes (rate_limited, auth_failed, http_<code>, ...). */
   studio_status_t (*classify_error)(const struct studio_provider *self, int32_t http_status,
                                     studio_str_t body, const studio_sink_t *out,
                                     const studio_sink_t *error);

   /* Releases the instance. Called exactly once, after every decoder it created has been
    * destroyed and no other member call is in flight. */
   void (*destroy)(struct studio_provider *self);
} studio_provider_t;

/* ---- Factory ------------------------------------------------------------------------ */

typedef struct studio_provider_factory {
   uint32_t struct_size;
   /* Creates an instance for one endpoint configuration. On STUDIO_OK, *out is owned by
    * the caller and released with (*out)->destroy. [any-thread] */
   studio_status_t (*create)(studio_str_t config_json, studio_provider_t **out,
                             const studio_sink_t *error);
} studio_provider_factory_t;

STUDIO_EXTERN_C_END
