/* A small JSON reader for C plugins: parse into a tree, look up, compare, free.
 * Strict RFC 8259 syntax, depth-limited. Strings are unescaped to UTF-8. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type_t;

typedef struct json {
   json_type_t type;
   bool boolean;
   double number;
   char *str;           /* JSON_STRING: unescaped, NUL-terminated; len excludes the NUL */
   size_t len;
   struct json *items;  /* JSON_ARRAY elements or JSON_OBJECT values */
   char **keys;         /* JSON_OBJECT keys, parallel to items */
   size_t count;
} json_t;

/* Parses text[0..len) into *out. Returns 0 on success; otherwise non-zero, *out is a
 * JSON_NULL that needs no freeing, and a reason is written to message (when given). */
int json_parse(const char *text, size_t len, json_t *out, char *message, size_t message_size);
void json_free(json_t *value);
/* The member `key` of an object, or NULL. */
const json_t *json_get(const json_t *object, const char *key);
/* Deep equality: object keys in any order, numbers by value. */
bool json_equal(const json_t *a, const json_t *b);
