/* A configurable fixture plugin for the loader tests. Built with cc during the tests;
 * each -D switch breaks it in one way the host must refuse with a named error. */
#include <studio/studio.h>
#include <string.h>

/* Some variants leave the factory or descriptor unreferenced on purpose. */
#define FIXTURE_UNUSED __attribute__((unused))

#ifndef FIXTURE_MANIFEST
#define FIXTURE_MANIFEST \
   "{\"id\":\"fixture\",\"name\":\"Fixture\",\"version\":\"1.0.0\",\"abi\":\"1.0\",\"language\":\"c\"," \
   "\"kinds\":[\"scorer\"],\"scorer\":{}}"
#endif

#ifdef FIXTURE_UNRESOLVED
extern int studio_fixture_symbol_that_does_not_exist(void);
#endif

static studio_status_t score(const studio_scorer_t *self, studio_str_t c, studio_str_t o,
                             const studio_sink_t *out, const studio_sink_t *error) {
   (void)self; (void)c; (void)o; (void)error;
   static const char result[] = "{\"score\":0.5,\"passed\":false,\"subscores\":{},\"error_type\":null,\"details\":{}}";
   return out->write(out, result, sizeof result - 1) ? STUDIO_OK : STUDIO_ERR_OUTPUT_REFUSED;
}

static studio_scorer_t instance = {sizeof(studio_scorer_t), NULL, score, NULL};
static void destroy(studio_scorer_t *s) { (void)s; }

static studio_status_t create(studio_str_t config, studio_scorer_t **out, const studio_sink_t *error) {
   (void)config; (void)error;
   instance.destroy = destroy;
   *out = &instance;
   return STUDIO_OK;
}

FIXTURE_UNUSED static const studio_scorer_factory_t factory = {sizeof(studio_scorer_factory_t), create};

static studio_status_t init(const studio_host_t *host, const studio_sink_t *error) {
   (void)host;
#ifdef FIXTURE_UNRESOLVED
   if (studio_fixture_symbol_that_does_not_exist()) return STUDIO_ERR_INTERNAL;
#endif
#ifdef FIXTURE_INIT_FAILS
   static const char why[] = "fixture refuses to start";
   error->write(error, why, sizeof why - 1);
   return STUDIO_ERR_INTERNAL;
#else
   (void)error;
   return STUDIO_OK;
#endif
}

static const void *get_factory(const char *id) {
#ifdef FIXTURE_NO_FACTORY
   (void)id;
   return NULL;
#else
   return strcmp(id, STUDIO_SCORER_FACTORY_ID) == 0 ? &factory : NULL;
#endif
}

#ifndef FIXTURE_ABI
#define FIXTURE_ABI STUDIO_ABI_VERSION
#endif
#ifndef FIXTURE_SIZE
#define FIXTURE_SIZE sizeof(studio_plugin_descriptor_t)
#endif

FIXTURE_UNUSED static const studio_plugin_descriptor_t descriptor = {
   FIXTURE_ABI, (uint32_t)(FIXTURE_SIZE), FIXTURE_MANIFEST, init, get_factory,
};

#ifdef FIXTURE_NO_ENTRY
STUDIO_EXPORT const studio_plugin_descriptor_t *some_other_symbol(uint32_t v) { (void)v; return &descriptor; }
#else
STUDIO_EXPORT const studio_plugin_descriptor_t *studio_plugin_entry(uint32_t host_abi_version) {
#ifdef FIXTURE_ENTRY_NULL
   (void)host_abi_version;
   return NULL;
#else
   (void)host_abi_version;
   return &descriptor;
#endif
}
#endif
