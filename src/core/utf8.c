/*
 * utf8.c
 *		UTF-8 decoding, encoding, validation and counting (see utf8.h).
 */
#include "utf8.h"

#include <string.h>

/* The length of the ASCII prefix of s, eight bytes at a time while it lasts. */
static size_t
ascii_prefix(const char *s, size_t len)
{
	size_t		pos = 0;
	uint64_t	word;

	while (pos + 8 <= len)
	{
		memcpy(&word, s + pos, 8);
		if (word & UINT64_C(0x8080808080808080))
			break;
		pos += 8;
	}
	while (pos < len && (unsigned char) s[pos] < 0x80)
		pos++;
	return pos;
}

uint32_t
ct_utf8_next(const char *s, size_t len, size_t *pos)
{
	const unsigned char *p = (const unsigned char *) s + *pos;
	size_t		left = len - *pos;
	uint32_t	cp;
	uint32_t	min;
	int			n;

	if (p[0] < 0x80)
	{
		(*pos)++;
		return p[0];
	}
	/* C0 and C1 lead only overlong forms, F5..FF only beyond U+10FFFF */
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
	{
		n = 2;
		cp = p[0] & 0x1F;
		min = 0x80;
	}
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
	{
		n = 3;
		cp = p[0] & 0x0F;
		min = 0x800;
	}
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
	{
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	}
	else
	{
		(*pos)++;
		return 0xFFFD;
	}
	if (left < (size_t) n)
	{
		(*pos)++;
		return 0xFFFD;
	}
	for (int i = 1; i < n; i++)
	{
		if ((p[i] & 0xC0) != 0x80)
		{
			(*pos)++;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
	{
		(*pos)++;
		return 0xFFFD;
	}
	*pos += n;
	return cp;
}

size_t
ct_utf8_decode(const char *s, size_t len, uint32_t *out, size_t cap)
{
	size_t		pos = 0;
	size_t		n = 0;

	/* no more code points than bytes: when they fit, skip the bound checks */
	if (len <= cap)
	{
		/* widen the ASCII prefix (all of most folded names) in bulk */
		pos = ascii_prefix(s, len);
		for (n = 0; n < pos; n++)
			out[n] = (unsigned char) s[n];
		while (pos < len)
		{
			unsigned char c = (unsigned char) s[pos];
			unsigned char c1 = pos + 1 < len ? (unsigned char) s[pos + 1] : 0;

			/*
			 * ASCII and two-byte letters, selected rather than branched on:
			 * Latin names mix them in no pattern the branch predictor can
			 * learn from one row to the next.
			 */
			bool		two = c >= 0xC2 && c <= 0xDF && (c1 & 0xC0) == 0x80;

			if (c < 0x80 || two)
			{
				out[n++] = two ? (uint32_t) (c & 0x1F) << 6 | (c1 & 0x3F) : c;
				pos += 1 + two;
			}
			else
			{
				size_t		next = pos; /* keeps pos out of memory in the loop */

				out[n++] = ct_utf8_next(s, len, &next);
				pos = next;
			}
		}
		return n;
	}
	while (pos < len)
	{
		uint32_t	cp;

		if ((unsigned char) s[pos] < 0x80)
			cp = (unsigned char) s[pos++];
		else
			cp = ct_utf8_next(s, len, &pos);
		if (n < cap)
			out[n] = cp;
		n++;
	}
	return n;
}

bool
ct_utf8_decode_valid(const char *s, size_t len, uint32_t *out, size_t *n)
{
	size_t		pos = 0;
	size_t		k = 0;

	while (pos < len)
	{
		size_t		at = pos;
		uint32_t	cp;

		if ((unsigned char) s[pos] < 0x80)
		{
			out[k++] = (unsigned char) s[pos++];
			continue;
		}
		cp = ct_utf8_next(s, len, &pos);
		if (CT_UTF8_MALFORMED(cp, at, pos))
			return false;
		out[k++] = cp;
	}
	*n = k;
	return true;
}

bool
ct_utf8_valid(const char *s, size_t len)
{
	size_t		pos = ascii_prefix(s, len);

	while (pos < len)
	{
		size_t		at = pos;

		if (CT_UTF8_MALFORMED(ct_utf8_next(s, len, &pos), at, pos))
			return false;
	}
	return true;
}

size_t
ct_utf8_count(const char *s, size_t len)
{
	size_t		n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char) s[i] & 0xC0) != 0x80)
			n++;
	return n;
}
