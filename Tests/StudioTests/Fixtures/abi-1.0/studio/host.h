/* Services the host offers to plugins, handed over once in studio_plugin_descriptor.init.
 * Modelled on SQLite's sqlite3_api_routines: a table of function pointers that only grows
 * at the end, so a plugin never links against the host. The table and everything it
 * points to stay valid for the life of the process. */
#pragma once

#include "types.h"

STUDIO_EXTERN_C_BEGIN

typedef int32_t studio_log_level_t;
enum {
   STUDIO_LOG_DEBUG = 0,
   STUDIO_LOG_INFO = 1,
   STUDIO_LOG_WARNING = 2,
   STUDIO_LOG_ERROR = 3,
};

typedef struct studio_host {
   /* STUDIO_ABI_VERSION the host was built with. */
   uint32_t abi_version;
   /* sizeof(studio_host_t) as the host was built; check members added after 1.0 with
    * STUDIO_HAS_MEMBER before calling them. */
   uint32_t struct_size;
   /* Opaque to the plugin; pass the host pointer back on every call. */
   void *host_data;
   /* NUL-terminated, e.g. "studio" and "0.1.0". */
   const char *name;
   const char *version;

   /* Writes one line to the host's log, under the plugin's name. The host scrubs
    * secrets before the line is stored. `message` is borrowed. [any-thread] */
   void (*log)(const struct studio_host *host, studio_log_level_t level, studio_str_t message);

   /* General-purpose memory from the host's allocator, for plugins that want the host to
    * account for their memory. Nothing in this ABI requires it: outputs go to sinks.
    * alloc returns NULL on failure; free accepts NULL. [any-thread] */
   void *(*alloc)(const struct studio_host *host, size_t size);
   void (*free)(const struct studio_host *host, void *ptr);

   /* Returns the host extension table for a versioned id such as "studio.host-clock/1",
    * or NULL when the host does not offer it. ABI 1.0 defines no host extensions.
    * [any-thread] */
   const void *(*get_extension)(const struct studio_host *host, const char *extension_id);
} studio_host_t;

STUDIO_EXTERN_C_END
