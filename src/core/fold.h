/*
 * fold.h
 *		The accent- and case-insensitive comparison key of a text.
 *
 * fold(s) is NFKC, full Unicode case folding, diacritics removed, a few
 * letters without a decomposition spelled out (ß→ss, æ→ae, œ→oe, ø→o, ł→l,
 * đ→d, þ→th, ı→i ...), Unicode spaces, dashes and quotes unified to ASCII
 * ' ', '-', '\'' and '"', control characters dropped, whitespace collapsed to
 * one space and trimmed.  Pure ASCII input never reaches ICU; text made of
 * Latin letters, combining marks and common punctuation is folded with a
 * table generated from the ICU path (fold_table.c); anything else goes
 * through ICU.  Invalid UTF-8 sequences fold to U+FFFD.
 *
 * The result depends on the ICU/Unicode version (see contacts.versions()):
 * indexes on fold() must be rebuilt when it changes.
 */
#ifndef CT_FOLD_H
#define CT_FOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_alloc.h"

/*
 * Fold len bytes of UTF-8 at s into buf (capacity cap bytes).  Returns the
 * length of the folded text; when that is more than cap, buf holds only a
 * prefix and the caller should retry with a buffer of the returned size
 * (like snprintf).  The result is not NUL-terminated.  cap may be 0 (buf may
 * then be NULL) to ask for the length.  ct_fold_size_hint(len) bytes are
 * enough for almost all input.  alloc provides scratch memory only when
 * long non-Latin input goes through ICU; short input uses the stack (alloc
 * may be NULL when s is a single code point).
 */
extern size_t ct_fold(const char *s, size_t len, char *buf, size_t cap,
					  const CtAllocator *alloc);

/* A buffer size that fits the folded form of len bytes in the usual case. */
static inline size_t
ct_fold_size_hint(size_t len)
{
	return len * 2 + 16;
}

/*
 * Fold into memory from the allocator; the result is NUL-terminated and its
 * length (without the NUL) is stored in *outlen.  Returns NULL only if the
 * allocator does.
 */
extern char *ct_fold_alloc(const CtAllocator *alloc, const char *s, size_t len,
						   size_t *outlen);

/* Fold into buf when it fits (cap bytes), else into allocated memory. */
extern char *ct_fold_buf(const CtAllocator *alloc, const char *s, size_t len,
						 char *buf, size_t cap, size_t *outlen);

/* Always through ICU (no ASCII or table path): for tests and benchmarks. */
extern size_t ct_fold_icu(const char *s, size_t len, char *buf, size_t cap,
						  const CtAllocator *alloc);

/*
 * The folded form of one code point before whitespace is collapsed (so a
 * no-break space gives " "): what tools/gen_fold_table.c stores in the
 * table.  Writes at most cap bytes, returns the length.
 */
extern size_t ct_fold_icu_cp(unsigned int cp, char *buf, size_t cap);

/*
 * Decode one UTF-8 code point at s[*pos] (len bytes in all), advancing *pos.
 * Invalid or truncated sequences decode to U+FFFD and advance by one byte.
 */
extern unsigned int ct_utf8_next(const char *s, size_t len, size_t *pos);

/* Encode a code point as UTF-8 into out (4 bytes room); returns the length. */
extern int	ct_utf8_encode(unsigned int cp, char *out);

#endif							/* CT_FOLD_H */
