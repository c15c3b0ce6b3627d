/* Private helpers for the studio plugin ABI headers. Not part of the contract:
 * names here may change between minor versions; only their effect is promised. */
#pragma once

#if defined(_WIN32)
#  define STUDIO_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
/* Plugins should build with -fvisibility=hidden; this is the one symbol left visible. */
#  define STUDIO_EXPORT __attribute__((visibility("default")))
#else
#  define STUDIO_EXPORT
#endif

#ifdef __cplusplus
#  define STUDIO_EXTERN_C_BEGIN extern "C" {
#  define STUDIO_EXTERN_C_END }
#else
#  define STUDIO_EXTERN_C_BEGIN
#  define STUDIO_EXTERN_C_END
#endif
