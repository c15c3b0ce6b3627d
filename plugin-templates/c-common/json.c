#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 128

typedef struct {
   const char *p, *end;
   const char *error;
} reader_t;

static void skip_ws(reader_t *r) {
   while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static int fail(reader_t *r, const char *why) {
   if (!r->error) r->error = why;
   return -1;
}

static int parse_value(reader_t *r, json_t *out, int depth);

static void append_utf8(char *buf, size_t *n, unsigned code) {
   if (code < 0x80) buf[(*n)++] = (char)code;
   else if (code < 0x800) { buf[(*n)++] = (char)(0xC0 | (code >> 6)); buf[(*n)++] = (char)(0x80 | (code & 0x3F)); }
   else if (code < 0x10000) {
      buf[(*n)++] = (char)(0xE0 | (code >> 12));
      buf[(*n)++] = (char)(0x80 | ((code >> 6) & 0x3F));
      buf[(*n)++] = (char)(0x80 | (code & 0x3F));
   } else {
      buf[(*n)++] = (char)(0xF0 | (code >> 18));
      buf[(*n)++] = (char)(0x80 | ((code >> 12) & 0x3F));
      buf[(*n)++] = (char)(0x80 | ((code >> 6) & 0x3F));
      buf[(*n)++] = (char)(0x80 | (code & 0x3F));
   }
}

static int hex4(reader_t *r, unsigned *code) {
   if (r->end - r->p < 4) return fail(r, "truncated \\u escape");
   unsigned v = 0;
   for (int i = 0; i < 4; i++) {
      char c = *r->p++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
      else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
      else return fail(r, "bad hex digit in \\u escape");
   }
   *code = v;
   return 0;
}

static int parse_string(reader_t *r, char **out, size_t *out_len) {
   r->p++; /* opening quote */
   /* Unescaped output is never longer than the escaped input. */
   const char *start = r->p;
   size_t cap = 0;
   while (start + cap < r->end && start[cap] != '"') cap += (start[cap] == '\\') ? 2 : 1;
   char *buf = malloc(cap + 1);
   if (!buf) return fail(r, "out of memory");
   size_t n = 0;
   while (r->p < r->end && *r->p != '"') {
      unsigned char c = (unsigned char)*r->p;
      if (c < 0x20) { free(buf); return fail(r, "control character in a string"); }
      if (c != '\\') { buf[n++] = (char)c; r->p++; continue; }
      r->p++;
      if (r->p >= r->end) { free(buf); return fail(r, "unterminated escape"); }
      char e = *r->p++;
      switch (e) {
      case '"': buf[n++] = '"'; break;
      case '\\': buf[n++] = '\\'; break;
      case '/': buf[n++] = '/'; break;
      case 'b': buf[n++] = '\b'; break;
      case 'f': buf[n++] = '\f'; break;
      case 'n': buf[n++] = '\n'; break;
      case 'r': buf[n++] = '\r'; break;
      case 't': buf[n++] = '\t'; break;
      case 'u': {
         unsigned code;
         if (hex4(r, &code) != 0) { free(buf); return -1; }
         if (code >= 0xD800 && code <= 0xDBFF && r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u') {
            unsigned low;
            r->p += 2;
            if (hex4(r, &low) != 0) { free(buf); return -1; }
            code = (low >= 0xDC00 && low <= 0xDFFF) ? 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00) : 0xFFFD;
         } else if (code >= 0xD800 && code <= 0xDFFF) {
            code = 0xFFFD;
         }
         append_utf8(buf, &n, code);
         break;
      }
      default: free(buf); return fail(r, "invalid escape");
      }
   }
   if (r->p >= r->end) { free(buf); return fail(r, "unterminated string"); }
   r->p++; /* closing quote */
   buf[n] = '\0';
   *out = buf;
   *out_len = n;
   return 0;
}

static int parse_number(reader_t *r, json_t *out) {
   const char *s = r->p;
   if (r->p < r->end && *r->p == '-') r->p++;
   if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, "invalid number");
   if (*r->p == '0') r->p++;
   else while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
   if (r->p < r->end && *r->p == '.') {
      r->p++;
      if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, "invalid fraction");
      while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
   }
   if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
      if (r->p >= r->end || *r->p < '0' || *r->p > '9') return fail(r, "invalid exponent");
      while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
   }
   char tmp[64];
   size_t n = (size_t)(r->p - s);
   if (n >= sizeof tmp) n = sizeof tmp - 1;
   memcpy(tmp, s, n);
   tmp[n] = '\0';
   out->type = JSON_NUMBER;
   out->number = strtod(tmp, NULL);
   return 0;
}

static int literal(reader_t *r, const char *word) {
   size_t n = strlen(word);
   if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return fail(r, "invalid literal");
   r->p += n;
   return 0;
}

static int push(json_t *container, size_t *cap, char *key, json_t *value) {
   if (container->count == *cap) {
      size_t next = *cap ? *cap * 2 : 4;
      json_t *items = realloc(container->items, next * sizeof *items);
      if (!items) return -1;
      container->items = items;
      if (container->type == JSON_OBJECT) {
         char **keys = realloc(container->keys, next * sizeof *keys);
         if (!keys) return -1;
         container->keys = keys;
      }
      *cap = next;
   }
   container->items[container->count] = *value;
   if (container->type == JSON_OBJECT) container->keys[container->count] = key;
   container->count++;
   return 0;
}

static int parse_container(reader_t *r, json_t *out, int depth, bool object) {
   if (depth > JSON_MAX_DEPTH) return fail(r, "nested too deeply");
   out->type = object ? JSON_OBJECT : JSON_ARRAY;
   r->p++;
   size_t cap = 0;
   skip_ws(r);
   if (r->p < r->end && *r->p == (object ? '}' : ']')) { r->p++; return 0; }
   for (;;) {
      skip_ws(r);
      char *key = NULL;
      if (object) {
         size_t key_len;
         if (r->p >= r->end || *r->p != '"') return fail(r, "expected a string key");
         if (parse_string(r, &key, &key_len) != 0) return -1;
         skip_ws(r);
         if (r->p >= r->end || *r->p != ':') { free(key); return fail(r, "expected ':'"); }
         r->p++;
         skip_ws(r);
      }
      json_t value;
      memset(&value, 0, sizeof value);
      if (parse_value(r, &value, depth) != 0) { free(key); json_free(&value); return -1; }
      if (push(out, &cap, key, &value) != 0) { free(key); json_free(&value); return fail(r, "out of memory"); }
      skip_ws(r);
      if (r->p >= r->end) return fail(r, "unexpected end of JSON");
      if (*r->p == ',') { r->p++; continue; }
      if (*r->p == (object ? '}' : ']')) { r->p++; return 0; }
      return fail(r, object ? "expected ',' or '}'" : "expected ',' or ']'");
   }
}

static int parse_value(reader_t *r, json_t *out, int depth) {
   memset(out, 0, sizeof *out);
   skip_ws(r);
   if (r->p >= r->end) return fail(r, "unexpected end of JSON");
   switch (*r->p) {
   case '{': return parse_container(r, out, depth + 1, true);
   case '[': return parse_container(r, out, depth + 1, false);
   case '"': out->type = JSON_STRING; return parse_string(r, &out->str, &out->len);
   case 't': out->type = JSON_BOOL; out->boolean = true; return literal(r, "true");
   case 'f': out->type = JSON_BOOL; return literal(r, "false");
   case 'n': return literal(r, "null");
   default: return parse_number(r, out);
   }
}

int json_parse(const char *text, size_t len, json_t *out, char *message, size_t message_size) {
   reader_t r = {text, text + len, NULL};
   memset(out, 0, sizeof *out);
   if (!text && len) return -1;
   int rc = parse_value(&r, out, 0);
   if (rc == 0) {
      skip_ws(&r);
      if (r.p != r.end) rc = fail(&r, "unexpected data after the JSON value");
   }
   if (rc != 0) {
      json_free(out);
      if (message && message_size)
         snprintf(message, message_size, "%s at byte %zu", r.error ? r.error : "invalid JSON", (size_t)(r.p - text));
   }
   return rc;
}

void json_free(json_t *value) {
   if (!value) return;
   free(value->str);
   for (size_t i = 0; i < value->count; i++) {
      json_free(&value->items[i]);
      if (value->keys) free(value->keys[i]);
   }
   free(value->items);
   free(value->keys);
   memset(value, 0, sizeof *value);
}

const json_t *json_get(const json_t *object, const char *key) {
   if (!object || object->type != JSON_OBJECT) return NULL;
   for (size_t i = 0; i < object->count; i++)
      if (strcmp(object->keys[i], key) == 0) return &object->items[i];
   return NULL;
}

bool json_equal(const json_t *a, const json_t *b) {
   if (a->type != b->type) return false;
   switch (a->type) {
   case JSON_NULL: return true;
   case JSON_BOOL: return a->boolean == b->boolean;
   case JSON_NUMBER: return a->number == b->number;
   case JSON_STRING: return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
   case JSON_ARRAY:
      if (a->count != b->count) return false;
      for (size_t i = 0; i < a->count; i++)
         if (!json_equal(&a->items[i], &b->items[i])) return false;
      return true;
   case JSON_OBJECT:
      if (a->count != b->count) return false;
      for (size_t i = 0; i < a->count; i++) {
         const json_t *other = json_get(b, a->keys[i]);
         if (!other || !json_equal(&a->items[i], other)) return false;
      }
      return true;
   }
   return false;
}
