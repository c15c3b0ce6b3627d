/* jsonl-demo: a provider plugin in C, made from the studio's c-provider template.
 *
 * It speaks a small made-up streaming API that the studio's simulator also speaks, so the
 * plugin can be benchmarked with no key and no network:
 *   POST {base_url}/generate  {"model","prompt","max_tokens","stream":true}
 *   → one JSON object per line: {"event":"start"}, then {"token":"…"} per token, then
 *     {"done":true,"finish":"stop","usage":{"input_tokens":N,"output_tokens":M}}
 * Replace the request building and the line decoding with your API's.
 *
 * The plugin is pure: it builds HTTP requests as JSON and decodes bytes the host hands
 * it; the host does the network I/O and the timing (docs/plugins.md). */
#include <studio/studio.h>

#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MANIFEST[] =
   "{\"id\":\"jsonl-demo\",\"name\":\"JSON-lines demo provider (C template)\",\"version\":\"0.1.0\","
   "\"description\":\"A provider for a small JSON-lines streaming API (the simulator speaks it).\","
   "\"abi\":\"1.0\",\"language\":\"c\",\"kinds\":[\"provider\"],"
   "\"provider\":{\"api\":\"jsonl\",\"auth\":{\"style\":\"bearer\"},\"default_base_url\":\"http://127.0.0.1:8090/jsonl\","
   "\"params\":{\"max_tokens\":{\"tier\":\"universal\",\"type\":\"integer\",\"min\":1,\"default\":256},"
   "\"temperature\":{\"tier\":\"universal\",\"type\":\"number\",\"min\":0,\"max\":2}},"
   "\"conformance\":{\"sample_stream\":\"{\\\"event\\\":\\\"start\\\"}\\n{\\\"token\\\":\\\"Hello\\\"}\\n"
   "{\\\"token\\\":\\\", w\\u00f6rld\\\"}\\n{\\\"token\\\":\\\"!\\\"}\\n{\\\"done\\\":true,\\\"finish\\\":\\\"stop\\\","
   "\\\"usage\\\":{\\\"input_tokens\\\":5,\\\"output_tokens\\\":3}}\\n\",\"expected_text\":\"Hello, w\\u00f6rld!\"}}}";

/* ---- small helpers ------------------------------------------------------------------- */

static void put(const studio_sink_t *sink, const char *text) {
   if (sink && sink->write) sink->write(sink, text, strlen(text));
}

/* A growable byte buffer. */
typedef struct { char *data; size_t len, cap; bool failed; } buffer_t;

static void append(buffer_t *b, const char *data, size_t len) {
   if (b->failed) return;
   if (b->len + len + 1 > b->cap) {
      size_t cap = b->cap ? b->cap * 2 : 256;
      while (cap < b->len + len + 1) cap *= 2;
      char *grown = realloc(b->data, cap);
      if (!grown) { b->failed = true; return; }
      b->data = grown;
      b->cap = cap;
   }
   memcpy(b->data + b->len, data, len);
   b->len += len;
   b->data[b->len] = 0;
}

static void append_str(buffer_t *b, const char *s) { append(b, s, strlen(s)); }

/* Appends `s` as a JSON string literal. */
static void append_json_string(buffer_t *b, const char *s, size_t len) {
   append_str(b, "\"");
   for (size_t i = 0; i < len; i++) {
      unsigned char c = (unsigned char)s[i];
      char escape[8];
      if (c == '"' || c == '\\') { escape[0] = '\\'; escape[1] = (char)c; append(b, escape, 2); }
      else if (c == '\n') append_str(b, "\\n");
      else if (c == '\r') append_str(b, "\\r");
      else if (c == '\t') append_str(b, "\\t");
      else if (c < 0x20) { snprintf(escape, sizeof escape, "\\u%04x", c); append_str(b, escape); }
      else append(b, (const char *)&s[i], 1);
   }
   append_str(b, "\"");
}

static studio_status_t finish_output(buffer_t *b, const studio_sink_t *out) {
   if (b->failed) { free(b->data); return STUDIO_ERR_OUT_OF_MEMORY; }
   bool ok = out && out->write && out->write(out, b->data, b->len);
   free(b->data);
   return ok ? STUDIO_OK : STUDIO_ERR_OUTPUT_REFUSED;
}

/* ---- the provider ---------------------------------------------------------------------- */

typedef struct { char *base_url; } provider_state_t;

static studio_status_t build_request(const studio_provider_t *self, studio_str_t request_json,
                                     const studio_sink_t *out, const studio_sink_t *error) {
   const provider_state_t *state = self->provider_data;
   json_t request;
   char message[200];
   if (json_parse(request_json.data, request_json.len, &request, message, sizeof message) != 0) {
      put(error, message);
      return STUDIO_ERR_INVALID_INPUT;
   }
   const json_t *model = json_get(&request, "model");
   const json_t *messages = json_get(&request, "messages");
   if (!model || model->type != JSON_STRING || !messages || messages->type != JSON_ARRAY) {
      json_free(&request);
      put(error, "the request needs a model (string) and messages (array)");
      return STUDIO_ERR_INVALID_INPUT;
   }
   /* This API takes one prompt: the messages' texts, one per line. */
   buffer_t prompt = {0};
   for (size_t i = 0; i < messages->count; i++) {
      const json_t *content = json_get(&messages->items[i], "content");
      if (content && content->type == JSON_STRING) {
         if (prompt.len) append_str(&prompt, "\n");
         append(&prompt, content->str, content->len);
      }
   }
   const json_t *params = json_get(&request, "params");
   const json_t *max_tokens = params ? json_get(params, "max_tokens") : NULL;

   buffer_t body = {0};
   append_str(&body, "{\"model\":");
   append_json_string(&body, model->str, model->len);
   append_str(&body, ",\"prompt\":");
   append_json_string(&body, prompt.data ? prompt.data : "", prompt.len);
   if (max_tokens && max_tokens->type == JSON_NUMBER) {
      char number[32];
      snprintf(number, sizeof number, ",\"max_tokens\":%.0f", max_tokens->number);
      append_str(&body, number);
   }
   append_str(&body, ",\"stream\":true}");
   free(prompt.data);
   json_free(&request);

   buffer_t http = {0};
   append_str(&http, "{\"method\":\"POST\",\"url\":");
   buffer_t url = {0};
   append_str(&url, state->base_url);
   append_str(&url, "/generate");
   append_json_string(&http, url.data ? url.data : "", url.len);
   free(url.data);
   append_str(&http, ",\"headers\":[[\"Content-Type\",\"application/json\"],[\"Accept\",\"application/x-ndjson\"]],\"body\":");
   append_json_string(&http, body.data ? body.data : "", body.len);
   append_str(&http, "}");
   bool failed = body.failed;
   free(body.data);
   if (failed) { free(http.data); return STUDIO_ERR_OUT_OF_MEMORY; }
   return finish_output(&http, out);
}

/* ---- the stream decoder: one JSON object per line ------------------------------------- */

static void emit_event(studio_emit_fn emit, void *emit_data, studio_event_kind_t kind, const char *text, size_t len,
                       int64_t input_tokens, int64_t output_tokens) {
   studio_stream_event_t event;
   memset(&event, 0, sizeof event);
   event.struct_size = sizeof event;
   event.kind = kind;
   event.text.data = text;
   event.text.len = len;
   event.tool_index = -1;
   event.input_tokens = input_tokens;
   event.output_tokens = output_tokens;
   event.reasoning_tokens = -1;
   event.cached_input_tokens = -1;
   emit(emit_data, &event);
}

static studio_status_t decode_line(const char *line, size_t len, studio_emit_fn emit, void *emit_data,
                                   const studio_sink_t *error) {
   while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
   if (len == 0) return STUDIO_OK;
   json_t value;
   char message[200];
   if (json_parse(line, len, &value, message, sizeof message) != 0) {
      put(error, "a line is not JSON: ");
      put(error, message);
      return STUDIO_ERR_PROTOCOL;
   }
   const json_t *token = json_get(&value, "token");
   const json_t *done = json_get(&value, "done");
   const json_t *failure = json_get(&value, "error");
   if (token && token->type == JSON_STRING && token->len > 0) {
      /* Only non-empty tokens are events: the host's TTFT clock stops on the first one. */
      emit_event(emit, emit_data, STUDIO_EVENT_TEXT, token->str, token->len, -1, -1);
   } else if (failure && failure->type == JSON_STRING) {
      emit_event(emit, emit_data, STUDIO_EVENT_ERROR, failure->str, failure->len, -1, -1);
   } else if (done && done->type == JSON_BOOL && done->boolean) {
      const json_t *usage = json_get(&value, "usage");
      const json_t *in = usage ? json_get(usage, "input_tokens") : NULL;
      const json_t *outn = usage ? json_get(usage, "output_tokens") : NULL;
      if (usage) {
         emit_event(emit, emit_data, STUDIO_EVENT_USAGE, "", 0, in && in->type == JSON_NUMBER ? (int64_t)in->number : -1,
                    outn && outn->type == JSON_NUMBER ? (int64_t)outn->number : -1);
      }
      emit_event(emit, emit_data, STUDIO_EVENT_FINISH, "stop", 4, -1, -1);
      emit_event(emit, emit_data, STUDIO_EVENT_END, "", 0, -1, -1);
   }
   json_free(&value);
   return STUDIO_OK;
}

static studio_status_t decode(studio_stream_decoder_t *self, const uint8_t *bytes, size_t len, studio_emit_fn emit,
                              void *emit_data, const studio_sink_t *error) {
   buffer_t *pending = self->decoder_data;
   append(pending, (const char *)bytes, len);
   if (pending->failed) return STUDIO_ERR_OUT_OF_MEMORY;
   /* Decode every complete line; keep the rest (a read may end anywhere, even inside a
    * multi-byte character) for the next call. */
   size_t start = 0;
   for (size_t i = 0; i < pending->len; i++) {
      if (pending->data[i] != '\n') continue;
      studio_status_t status = decode_line(pending->data + start, i - start, emit, emit_data, error);
      if (status != STUDIO_OK) return status;
      start = i + 1;
   }
   memmove(pending->data, pending->data + start, pending->len - start);
   pending->len -= start;
   return STUDIO_OK;
}

static studio_status_t decoder_finish(studio_stream_decoder_t *self, studio_emit_fn emit, void *emit_data,
                                      const studio_sink_t *error) {
   buffer_t *pending = self->decoder_data;
   studio_status_t status = decode_line(pending->data ? pending->data : "", pending->len, emit, emit_data, error);
   pending->len = 0;
   return status;
}

static void decoder_destroy(studio_stream_decoder_t *self) {
   buffer_t *pending = self->decoder_data;
   free(pending->data);
   free(pending);
   free(self);
}

static studio_status_t decoder_create(const studio_provider_t *self, studio_str_t request_json,
                                      studio_stream_decoder_t **out, const studio_sink_t *error) {
   (void)self;
   (void)request_json;
   (void)error;
   studio_stream_decoder_t *decoder = calloc(1, sizeof *decoder);
   buffer_t *pending = calloc(1, sizeof *pending);
   if (!decoder || !pending) { free(decoder); free(pending); return STUDIO_ERR_OUT_OF_MEMORY; }
   decoder->struct_size = sizeof *decoder;
   decoder->decoder_data = pending;
   decoder->decode = decode;
   decoder->finish = decoder_finish;
   decoder->destroy = decoder_destroy;
   *out = decoder;
   return STUDIO_OK;
}

/* ---- the rest of the provider ---------------------------------------------------------- */

static studio_status_t parse_response(const studio_provider_t *self, studio_str_t body, const studio_sink_t *out,
                                      const studio_sink_t *error) {
   (void)self;
   json_t value;
   char message[200];
   if (json_parse(body.data, body.len, &value, message, sizeof message) != 0) {
      put(error, message);
      return STUDIO_ERR_PROTOCOL;
   }
   const json_t *text = json_get(&value, "text");
   const json_t *usage = json_get(&value, "usage");
   const json_t *in = usage ? json_get(usage, "input_tokens") : NULL;
   const json_t *outn = usage ? json_get(usage, "output_tokens") : NULL;
   buffer_t result = {0};
   append_str(&result, "{\"text\":");
   append_json_string(&result, text && text->type == JSON_STRING ? text->str : "", text && text->type == JSON_STRING ? text->len : 0);
   char tail[160];
   snprintf(tail, sizeof tail, ",\"reasoning\":\"\",\"calls\":[],\"finish_reason\":\"stop\",\"usage\":{\"input_tokens\":%lld,\"output_tokens\":%lld}}",
            in && in->type == JSON_NUMBER ? (long long)in->number : -1LL, outn && outn->type == JSON_NUMBER ? (long long)outn->number : -1LL);
   append_str(&result, tail);
   json_free(&value);
   return finish_output(&result, out);
}

static studio_status_t unsupported(const studio_provider_t *self, const studio_sink_t *out, const studio_sink_t *error) {
   (void)self;
   (void)out;
   put(error, "this API has no model list");
   return STUDIO_ERR_UNSUPPORTED;
}

static studio_status_t parse_list_models(const studio_provider_t *self, studio_str_t body, const studio_sink_t *out,
                                         const studio_sink_t *error) {
   (void)body;
   return unsupported(self, out, error);
}

static studio_status_t classify_error(const studio_provider_t *self, int32_t http_status, studio_str_t body,
                                      const studio_sink_t *out, const studio_sink_t *error) {
   (void)self;
   (void)error;
   char klass[32];
   if (http_status == 429) snprintf(klass, sizeof klass, "rate_limited");
   else if (http_status == 401 || http_status == 403) snprintf(klass, sizeof klass, "auth_failed");
   else snprintf(klass, sizeof klass, "http_%d", (int)http_status);
   json_t value;
   const char *text = "request failed";
   size_t text_len = strlen(text);
   bool parsed = json_parse(body.data, body.len, &value, NULL, 0) == 0;
   const json_t *message = parsed ? json_get(&value, "error") : NULL;
   if (message && message->type == JSON_STRING) { text = message->str; text_len = message->len; }
   buffer_t result = {0};
   append_str(&result, "{\"class\":\"");
   append_str(&result, klass);
   append_str(&result, "\",\"message\":");
   append_json_string(&result, text, text_len);
   append_str(&result, "}");
   if (parsed) json_free(&value);
   return finish_output(&result, out);
}

static void provider_destroy(studio_provider_t *self) {
   provider_state_t *state = self->provider_data;
   free(state->base_url);
   free(state);
   free(self);
}

static studio_status_t provider_create(studio_str_t config_json, studio_provider_t **out, const studio_sink_t *error) {
   json_t config;
   char message[200];
   if (json_parse(config_json.data, config_json.len, &config, message, sizeof message) != 0) {
      put(error, message);
      return STUDIO_ERR_INVALID_INPUT;
   }
   const json_t *base = json_get(&config, "base_url");
   if (!base || base->type != JSON_STRING || base->len == 0) {
      json_free(&config);
      put(error, "config needs base_url");
      return STUDIO_ERR_INVALID_INPUT;
   }
   provider_state_t *state = calloc(1, sizeof *state);
   studio_provider_t *provider = calloc(1, sizeof *provider);
   char *url = malloc(base->len + 1);
   if (!state || !provider || !url) {
      free(state); free(provider); free(url); json_free(&config);
      return STUDIO_ERR_OUT_OF_MEMORY;
   }
   size_t n = base->len;
   while (n && base->str[n - 1] == '/') n--;  /* no trailing slash */
   memcpy(url, base->str, n);
   url[n] = 0;
   json_free(&config);
   state->base_url = url;
   provider->struct_size = sizeof *provider;
   provider->provider_data = state;
   provider->build_request = build_request;
   provider->decoder_create = decoder_create;
   provider->parse_response = parse_response;
   provider->build_list_models = unsupported;
   provider->parse_list_models = parse_list_models;
   provider->classify_error = classify_error;
   provider->destroy = provider_destroy;
   *out = provider;
   return STUDIO_OK;
}

static const studio_provider_factory_t FACTORY = {
   .struct_size = sizeof(studio_provider_factory_t),
   .create = provider_create,
};

static studio_status_t plugin_init(const studio_host_t *host, const studio_sink_t *error) {
   (void)host;
   (void)error;
   return STUDIO_OK;
}

static const void *get_factory(const char *factory_id) {
   if (factory_id && strcmp(factory_id, STUDIO_PROVIDER_FACTORY_ID) == 0) return &FACTORY;
   return NULL;
}

static const studio_plugin_descriptor_t DESCRIPTOR = {
   .abi_version = STUDIO_ABI_VERSION,
   .struct_size = sizeof(studio_plugin_descriptor_t),
   .manifest_json = MANIFEST,
   .init = plugin_init,
   .get_factory = get_factory,
};

STUDIO_EXPORT const studio_plugin_descriptor_t *studio_plugin_entry(uint32_t host_abi_version) {
   if (!studio_abi_version_is_compatible(host_abi_version, STUDIO_ABI_VERSION)) return NULL;
   return &DESCRIPTOR;
}
