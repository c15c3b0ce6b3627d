/* The studio plugin ABI, version 1. Include this one header.
 *
 *   version.h   ABI version numbers and the struct-size rule
 *   types.h     status codes, borrowed strings, output sinks; THE OWNERSHIP RULE
 *   host.h      services the host hands to a plugin
 *   entry.h     the one exported symbol and the plugin descriptor
 *   provider.h  provider adapters and stream decoders ("studio.provider/1")
 *   scorer.h    scorers ("studio.scorer/1")
 *
 * Threading tags on members: [main-thread] the host's loading thread;
 * [any-thread] may be called concurrently from several threads;
 * [one-thread-at-a-time] never concurrently, but not always from the same thread.
 * Nothing may unwind across the boundary: catch every exception/panic inside. */
#pragma once

#include "version.h"
#include "types.h"
#include "host.h"
#include "entry.h"
#include "provider.h"
#include "scorer.h"
