/*
 * utf8.h
 *		The UTF-8 primitives of the core: decoding, encoding, validation and
 *		counting.
 *
 * Strings are byte arrays with explicit lengths.  Decoding is strict
 * (RFC 3629): overlong forms, surrogates (U+D800..U+DFFF), code points above
 * U+10FFFF, stray continuation bytes and truncated sequences are malformed.
 */
#ifndef CT_UTF8_H
#define CT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decode one code point at s[*pos] (len bytes in all, *pos < len), advancing
 * *pos.  A malformed sequence decodes to U+FFFD and advances by one byte; a
 * real U+FFFD takes three bytes, so U+FFFD with *pos advanced by one means
 * malformed input.
 */
extern uint32_t ct_utf8_next(const char *s, size_t len, size_t *pos);

/* Did ct_utf8_next, called at "at", return cp for a malformed sequence? */
#define CT_UTF8_MALFORMED(cp, at, pos) ((cp) == 0xFFFD && (pos) == (at) + 1)

/*
 * Encode a code point (at most U+10FFFF, not a surrogate) into out, which
 * has room for 4 bytes; returns the length of the encoding (bytes past it,
 * within the 4, may be overwritten).  Inline: the normalizers write every
 * code point of their output through it.
 */
static inline int
ct_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x800)
	{
		/*
		 * One byte or two, selected rather than branched on: names mix ASCII
		 * with accented letters, a pattern the branch predictor cannot learn
		 * from one row to the next.  out[1] is written either way.
		 */
		bool		two = cp >= 0x80;

		out[0] = (char) (two ? 0xC0 | (cp >> 6) : cp);
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 1 + two;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Decode into at most cap code points, malformed sequences as ct_utf8_next
 * does; returns the number of code points in s (which may exceed cap: then
 * only cap were stored).  With out NULL and cap 0 it only counts.
 */
extern size_t ct_utf8_decode(const char *s, size_t len, uint32_t *out, size_t cap);

/*
 * Decode well-formed UTF-8 into out, which has room for len code points, and
 * set *n to their number; false (and *n unset) if s is malformed anywhere.
 */
extern bool ct_utf8_decode_valid(const char *s, size_t len, uint32_t *out, size_t *n);

/* Is s well-formed UTF-8? */
extern bool ct_utf8_valid(const char *s, size_t len);

/*
 * The number of code points in well-formed s, counted as the bytes that are
 * not continuation bytes (so without decoding).
 */
extern size_t ct_utf8_count(const char *s, size_t len);

#endif							/* CT_UTF8_H */
