/* ABI version of the studio plugin contract.
 *
 * A version is two numbers packed in one uint32_t: major in the high 16 bits, minor in
 * the low 16 bits. The major changes only when an existing member changes meaning or
 * layout; the host then refuses plugins of another major. The minor grows when a member
 * is appended to a struct or a new factory/extension id appears; older plugins keep
 * working because every struct carries its own size (see STUDIO_HAS_MEMBER).
 * Changelog: docs/plugin-abi.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "private/macros.h"

#define STUDIO_ABI_VERSION_MAJOR 1
#define STUDIO_ABI_VERSION_MINOR 0

#define STUDIO_ABI_MAKE_VERSION(major, minor) \
   ((uint32_t)(((uint32_t)(major) << 16) | ((uint32_t)(minor) & 0xFFFFu)))
#define STUDIO_ABI_VERSION STUDIO_ABI_MAKE_VERSION(STUDIO_ABI_VERSION_MAJOR, STUDIO_ABI_VERSION_MINOR)
#define STUDIO_ABI_VERSION_GET_MAJOR(v) ((uint32_t)(v) >> 16)
#define STUDIO_ABI_VERSION_GET_MINOR(v) ((uint32_t)(v) & 0xFFFFu)

/* True when a struct whose first field is `uint32_t struct_size` (after any version
 * field), as filled in by the other side, is large enough to contain `member`.
 * Every member added after 1.0 must be checked with this, and for NULL, before use. */
#define STUDIO_HAS_MEMBER(ptr, type, member) \
   ((ptr) != NULL && (size_t)(ptr)->struct_size >= offsetof(type, member) + sizeof(((type *)0)->member))

STUDIO_EXTERN_C_BEGIN

/* A plugin built against `plugin` works with a host speaking `host` when the majors
 * are equal. The minor does not matter in either direction: sizes decide members. */
static inline bool studio_abi_version_is_compatible(uint32_t host, uint32_t plugin) {
   return STUDIO_ABI_VERSION_GET_MAJOR(host) == STUDIO_ABI_VERSION_GET_MAJOR(plugin);
}

STUDIO_EXTERN_C_END
