/* The one symbol a plugin library exports.
 *
 * It is a function, not a data symbol, because dlsym() is only promised to find
 * functions portably (PostgreSQL's fmgr.h makes the same point), and because a function
 * can look at the host's version and refuse by returning NULL.
 *
 * Load sequence (host side, docs/plugin-abi.md has the why of each step):
 *   1. dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE); never dlclose.
 *   2. dlsym(STUDIO_PLUGIN_ENTRY_SYMBOL) and call it with STUDIO_ABI_VERSION.
 *   3. Check descriptor->abi_version major and descriptor->struct_size.
 *   4. Parse manifest_json; call init(host) once.
 *   5. get_factory(STUDIO_PROVIDER_FACTORY_ID / STUDIO_SCORER_FACTORY_ID / ...). */
#pragma once

#include "host.h"

STUDIO_EXTERN_C_BEGIN

#define STUDIO_PLUGIN_ENTRY_SYMBOL "studio_plugin_entry"

typedef struct studio_plugin_descriptor {
   /* STUDIO_ABI_VERSION the plugin was compiled against. */
   uint32_t abi_version;
   /* sizeof(studio_plugin_descriptor_t) as the plugin was compiled. */
   uint32_t struct_size;

   /* NUL-terminated UTF-8 JSON describing the library: id, name, version, kinds and,
    * per kind, its metadata (provider endpoints, parameter rules, models and prices;
    * scorer config). Schema: docs/schemas/plugin-manifest.schema.json. Static. */
   const char *manifest_json;

   /* Called exactly once, before any factory is requested. `host` is valid for the
    * life of the process; keep the pointer if you need its services. Returning an error
    * refuses the load; write the reason to `error`. [main-thread] */
   studio_status_t (*init)(const studio_host_t *host, const studio_sink_t *error);

   /* Returns the static factory for a versioned id (STUDIO_PROVIDER_FACTORY_ID,
    * STUDIO_SCORER_FACTORY_ID, ...) or NULL when the library offers none. The pointer
    * stays valid for the life of the process. [any-thread, after init] */
   const void *(*get_factory)(const char *factory_id);
} studio_plugin_descriptor_t;

typedef const studio_plugin_descriptor_t *(*studio_plugin_entry_fn)(uint32_t host_abi_version);

/* Returns the library's static descriptor, or NULL to refuse a host whose ABI version it
 * cannot serve. Must not allocate, block or call back into the host. [main-thread] */
STUDIO_EXPORT const studio_plugin_descriptor_t *studio_plugin_entry(uint32_t host_abi_version);

STUDIO_EXTERN_C_END
