/* exact-args: a scorer written in C, to prove the studio ABI serves plain C.
 *
 * A model call matches an expected call when its name is one of the expected names
 * (exactly, case-sensitive) and its arguments are deeply equal to the expected
 * arguments (object keys in any order, numbers by value, strings byte for byte).
 * Calls are matched one to one, in any order.
 *   score  = matched / max(expected, actual)   (extra calls lower it)
 *   passed = score == 1; no call expected and none made = 1.
 *
 * Built with `cc -shared -fPIC -fvisibility=hidden`: it exports studio_plugin_entry
 * only and needs no Swift runtime. */
#include <studio/studio.h>

#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char MANIFEST[] =
   "{\"id\":\"exact-args\",\"name\":\"Exact arguments (C)\",\"version\":\"0.1.0\","
   "\"description\":\"Every expected call made with exactly the expected arguments.\","
   "\"abi\":\"1.0\",\"language\":\"c\",\"kinds\":[\"scorer\"],"
   "\"scorer\":{\"reads\":[\"expected_calls\",\"should_call_tool\"],"
   "\"config_schema\":{\"type\":\"object\",\"additionalProperties\":false},"
   "\"subscores\":[\"matched\",\"expected\",\"actual\"]}}";

static void put(const studio_sink_t *sink, const char *text) {
   if (sink && sink->write) sink->write(sink, text, strlen(text));
}

/* ---- scoring --------------------------------------------------------------------- */

static bool name_matches(const json_t *expected_name, const json_t *name) {
   if (!name || name->type != JSON_STRING) return false;
   if (expected_name->type == JSON_STRING) return json_equal(expected_name, name);
   if (expected_name->type == JSON_ARRAY) {
      for (size_t i = 0; i < expected_name->count; i++)
         if (json_equal(&expected_name->items[i], name)) return true;
   }
   return false;
}

/* Arguments as sent by the model: an object, or the provider's JSON string. Returns a
 * tree the caller frees with json_free when *owned is set. */
static const json_t *call_arguments(const json_t *call, json_t *parsed, bool *owned) {
   const json_t *args = json_get(call, "arguments");
   *owned = false;
   if (args && args->type == JSON_STRING) {
      if (args->len == 0) return NULL;
      if (json_parse(args->str, args->len, parsed, NULL, 0) == 0) { *owned = true; return parsed; }
      return NULL;
   }
   return args;
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
   const json_t *should = json_get(&c, "should_call_tool");
   const json_t *calls = json_get(&o, "calls");
   size_t n_expected = (expected && expected->type == JSON_ARRAY) ? expected->count : 0;
   size_t n_actual = (calls && calls->type == JSON_ARRAY) ? calls->count : 0;
   if (should && should->type == JSON_BOOL && !should->boolean) n_expected = 0;
   if ((expected && expected->type != JSON_ARRAY) || (calls && calls->type != JSON_ARRAY)) {
      json_free(&c);
      json_free(&o);
      put(error, "expected_calls and calls must be arrays");
      return STUDIO_ERR_INVALID_INPUT;
   }

   bool *used = calloc(n_actual ? n_actual : 1, sizeof *used);
   if (!used) { json_free(&c); json_free(&o); return STUDIO_ERR_OUT_OF_MEMORY; }
   size_t matched = 0;
   for (size_t e = 0; e < n_expected; e++) {
      const json_t *want = &expected->items[e];
      const json_t *want_name = json_get(want, "name");
      const json_t *want_args = json_get(want, "arguments");
      if (!want_name) continue;
      for (size_t a = 0; a < n_actual; a++) {
         if (used[a]) continue;
         const json_t *call = &calls->items[a];
         if (!name_matches(want_name, json_get(call, "name"))) continue;
         bool owned;
         json_t parsed;
         const json_t *got = call_arguments(call, &parsed, &owned);
         bool same = !want_args || want_args->type == JSON_NULL ||
                     (got ? json_equal(want_args, got) : (want_args->type == JSON_OBJECT && want_args->count == 0));
         if (owned) json_free(&parsed);
         if (same) { used[a] = true; matched++; break; }
      }
   }
   free(used);

   size_t denominator = n_expected > n_actual ? n_expected : n_actual;
   double value = denominator == 0 ? 1.0 : (double)matched / (double)denominator;
   const char *error_type = "null";
   if (value < 1.0) {
      if (n_actual == 0) error_type = "\"no_call\"";
      else if (n_expected == 0) error_type = "\"tool_hallucination\"";
      else if (matched == n_expected) error_type = "\"extra_calls\"";
      else error_type = "\"mismatch\"";
   }
   char result[400];
   snprintf(result, sizeof result,
            "{\"score\":%.17g,\"passed\":%s,\"subscores\":{\"matched\":%zu,\"expected\":%zu,\"actual\":%zu},"
            "\"error_type\":%s,\"details\":{}}",
            value, value == 1.0 ? "true" : "false", matched, n_expected, n_actual, error_type);
   json_free(&c);
   json_free(&o);
   if (out && out->write && !out->write(out, result, strlen(result))) return STUDIO_ERR_OUTPUT_REFUSED;
   return STUDIO_OK;
}

/* ---- instances and factory --------------------------------------------------------- */

static void scorer_destroy(studio_scorer_t *self) { free(self); }

static studio_status_t scorer_create(studio_str_t config_json, studio_scorer_t **out, const studio_sink_t *error) {
   if (config_json.len > 0) {
      json_t config;
      if (json_parse(config_json.data, config_json.len, &config, NULL, 0) != 0 ||
          config.type != JSON_OBJECT || config.count != 0) {
         json_free(&config); /* a failed parse leaves a JSON_NULL: freeing it is a no-op */
         put(error, "exact-args takes no configuration (expected {})");
         return STUDIO_ERR_INVALID_INPUT;
      }
      json_free(&config);
   }
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
