/*
 * textconv.h
 *		Hand text to the core as UTF-8 and take UTF-8 back.
 *
 * The core works on UTF-8 byte strings with explicit lengths whatever the
 * database encoding is; these helpers are the only place that converts.
 */
#ifndef CONTACTS_TEXTCONV_H
#define CONTACTS_TEXTCONV_H

#include "postgres.h"

#include "utils/jsonb.h"

#include "core/ct_alloc.h"

/* UTF-8 copy of a text datum's contents (not NUL-terminated unless noted). */
extern char *contacts_text_to_utf8(text *t, int *len);

/*
 * The contents of a text datum as UTF-8, for reading only: the datum's own
 * bytes in a UTF-8 database (no copy, not NUL-terminated), else a converted
 * copy.  For hot paths that hand the bytes and a length to the core.
 */
extern const char *contacts_text_utf8_view(text *t, size_t *len);

/* UTF-8 copy of a C string in the database encoding, NUL-terminated. */
extern char *contacts_cstring_to_utf8(const char *s, int *len);

/* A text datum in the database encoding from UTF-8 bytes. */
extern text *contacts_utf8_to_text(const char *s, int len);

/* A NUL-terminated C string in the database encoding from UTF-8 bytes. */
extern char *contacts_utf8_to_cstring(const char *s, int len);

/* Push a C string in the database encoding as a jsonb key or string value. */
extern void contacts_jsonb_push_string(JsonbParseState **state, JsonbIteratorToken token, const char *s);

/*
 * A core function from a UTF-8 string to a new UTF-8 string (from the
 * allocator, its length in *outlen), such as ct_normalize_name.
 */
typedef char *(*CtStringFunction) (const CtAllocator *alloc, const char *s, size_t len,
								   size_t *outlen);

/* Apply such a function to a text value: database encoding in and out. */
extern text *contacts_apply_string_function(CtStringFunction fn, text *t);

/* The core allocator backed by palloc in CurrentMemoryContext. */
extern const CtAllocator contacts_palloc_allocator;

#endif							/* CONTACTS_TEXTCONV_H */
