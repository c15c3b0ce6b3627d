/* regex-args: a scorer plugin in C, made from the studio's c-scorer template.
 *
 * A call matches an expected call when the names are equal and every expected argument
 * is a POSIX extended regular expression that matches the whole of the actual argument
 * (numbers and booleans are compared as their JSON text), e.g.
 *   {"name": "get_weather", "arguments": {"city": "(?i)?paris|Paris( FR)?", "days": "[1-7]"}}
 * Calls are matched one to one, in any order:
 *   score  = matched / max(expected, actual);  passed = score == 1.
 *
 * The ABI rules this file follows (docs/plugins.md): one exported function,
 * studio_plugin_entry; inputs are borrowed for the duration of a call; results go into
 * the caller's sinks; every object is released by its own destroy. */
#include <studio/studio.h>

#include "json.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MANIFEST[] =
   "{\"id\":\"regex-args\",\"name\":\"Regex arguments (C template)\",\"version\":\"0.1.0\","
   "\"description\":\"Expected arguments are regular expressions the actual arguments must match.\","
   "\"abi\":\"1.0\",\"language\":\"c\",\"kinds\":[\"scorer\"],"
   "\"scorer\":{\"reads\":[\"expected_calls\"],"
   "\"config_schema\":{\"type\":\"object\",\"additionalProperties\":false},"
   "\"subscores\":[\"matched\",\"expected\",\"actual\"]}}";

static void put(const studio_sink_t *sink, const char *text) {
   if (sink && sink->write) sink->write(sink, text, strlen(text));
}

/* The actual argument as text: strings as they are, other values as JSON-ish text. */
static const char *as_text(const json_t *value, char *buffer, size_t size) {
   switch (value->type) {
   case JSON_STRING: return value->str;
   case JSON_NUMBER: snprintf(buffer, size, "%.17g", value->number); return buffer;
   case JSON_BOOL: return value->boolean ? "true" : "false";
   case JSON_NULL: return "null";
   default: return NULL; /* arrays and objects never match a pattern */
   }
}

/* Whole-string match of `pattern` against `text`. -1 when the pattern does not compile. */
static int full_match(const char *pattern, const char *text) {
   size_t n = strlen(pattern);
   char *anchored = malloc(n + 5);
   if (!anchored) return -1;
   snprintf(anchored, n + 5, "^(%s)$", pattern);
   regex_t re;
   int status = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
   free(anchored);
   if (status != 0) return -1;
   int matched = regexec(&re, text, 0, NULL, 0) == 0;
   regfree(&re);
   return matched;
}

static bool arguments_match(const json_t *want, const json_t *got, bool *bad_pattern) {
   if (!want || want->type == JSON_NULL) return true;
   if (want->type != JSON_OBJECT) return false;
   if (!got || got->type != JSON_OBJECT) return want->count == 0;
   for (size_t i = 0; i < want->count; i++) {
      const json_t *pattern = &want->items[i];
      const json_t *actual = json_get(got, want->keys[i]);
      if (!actual || pattern->type != JSON_STRING) return false;
      char buffer[64];
      const char *text = as_text(actual, buffer, sizeof buffer);
      if (!text) return false;
      int m = full_match(pattern->str, text);
      if (m < 0) { *bad_pattern = true; return false; }
      if (!m) return false;
   }
   return true;
}

static studio_status_t score(const studio_scorer_t *self, studio_str_t case_json, studio_str_t output_json,
                             const studio_sink_t *out, const studio_sink_t *error) {
   (void)self;
   json_t c, o;
   char message[200];
   if (json_parse(case_json.data, case_json.len, &c, message, sizeof message) != 0) {
      put(error, "case is not valid JSON: ");
      put(error, message);
      return STUDIO_ERR_INVALID_INPUT;
   }
   if (json_parse(output_json.data, output_json.len, &o, message, sizeof message) != 0) {
      json_free(&c);
      put(error, "output is not valid JSON: ");
      put(error, message);
      return STUDIO_ERR_INVALID_INPUT;
   }
   const json_t *expected = json_get(&c, "expected_calls");
   const json_t *calls = json_get(&o, "calls");
   if ((expected && expected->type != JSON_ARRAY) || (calls && calls->type != JSON_ARRAY)) {
      json_free(&c);
      json_free(&o);
      put(error, "expected_calls and calls must be arrays");
      return STUDIO_ERR_INVALID_INPUT;
   }
   size_t n_expected = expected ? expected->count : 0;
   size_t n_actual = calls ? calls->count : 0;
   bool *used = calloc(n_actual ? n_actual : 1, sizeof *used);
   if (!used) { json_free(&c); json_free(&o); return STUDIO_ERR_OUT_OF_MEMORY; }
   size_t matched = 0;
   bool bad_pattern = false;
   for (size_t e = 0; e < n_expected; e++) {
      const json_t *want = &expected->items[e];
      const json_t *name = json_get(want, "name");
      for (size_t a = 0; a < n_actual && name; a++) {
         if (used[a]) continue;
         const json_t *call = &calls->items[a];
         if (!json_equal(name, json_get(call, "name"))) continue;
         /* Arguments arrive as an object, or as the provider's JSON text. */
         const json_t *args = json_get(call, "arguments");
         json_t parsed;
         bool owned = false;
         if (args && args->type == JSON_STRING && json_parse(args->str, args->len, &parsed, NULL, 0) == 0) {
            owned = true;
            args = &parsed;
         }
         bool ok = arguments_match(json_get(want, "arguments"), args, &bad_pattern);
         if (owned) json_free(&parsed);
         if (ok) { used[a] = true; matched++; break; }
      }
   }
   free(used);
   json_free(&c);
   json_free(&o);
   if (bad_pattern) {
      put(error, "an expected argument is not a valid POSIX extended regular expression");
      return STUDIO_ERR_INVALID_INPUT;
   }
   size_t denominator = n_expected > n_actual ? n_expected : n_actual;
   double value = denominator == 0 ? 1.0 : (double)matched / (double)denominator;
   char result[300];
   snprintf(result, sizeof result,
            "{\"score\":%.17g,\"passed\":%s,\"subscores\":{\"matched\":%zu,\"expected\":%zu,\"actual\":%zu},"
            "\"error_type\":%s,\"details\":{}}",
            value, value == 1.0 ? "true" : "false", matched, n_expected, n_actual,
            value == 1.0 ? "null" : (n_actual == 0 ? "\"no_call\"" : "\"mismatch\""));
   if (out && out->write && !out->write(out, result, strlen(result))) return STUDIO_ERR_OUTPUT_REFUSED;
   return STUDIO_OK;
}

static void scorer_destroy(studio_scorer_t *self) { free(self); }

static studio_status_t scorer_create(studio_str_t config_json, studio_scorer_t **out, const studio_sink_t *error) {
   (void)config_json; /* this scorer takes no configuration */
   (void)error;
   studio_scorer_t *s = calloc(1, sizeof *s);
   if (!s) return STUDIO_ERR_OUT_OF_MEMORY;
   s->struct_size = sizeof *s;
   s->score = score;
   s->destroy = scorer_destroy;
   *out = s;
   return STUDIO_OK;
}

static const studio_scorer_factory_t FACTORY = {
   .struct_size = sizeof(studio_scorer_factory_t),
   .create = scorer_create,
};

static studio_status_t plugin_init(const studio_host_t *host, const studio_sink_t *error) {
   (void)host;
   (void)error;
   return STUDIO_OK;
}

static const void *get_factory(const char *factory_id) {
   if (factory_id && strcmp(factory_id, STUDIO_SCORER_FACTORY_ID) == 0) return &FACTORY;
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
