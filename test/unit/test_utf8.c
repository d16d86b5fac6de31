/*
 * test_utf8.c
 *		Unit tests of the UTF-8 primitives (utf8.h).
 */
#include "unit.h"

#include <stdint.h>

#include <unicode/utf8.h>

#include "utf8.h"

/* Decode s[0..len) with ct_utf8_next from 0: one code point, its length. */
static uint32_t
next_at_start(const char *s, size_t len, size_t *pos)
{
	*pos = 0;
	return ct_utf8_next(s, len, pos);
}

/* Is s[0..len) a single malformed sequence start (U+FFFD, one byte on)? */
static int
malformed_start(const char *s, size_t len)
{
	size_t		pos;
	uint32_t	cp = next_at_start(s, len, &pos);

	return CT_UTF8_MALFORMED(cp, 0, pos) && !ct_utf8_valid(s, len);
}

/* ct_utf8_decode agrees with a plain ct_utf8_next loop. */
static int
decode_matches_next(const char *s, size_t len, size_t cap)
{
	uint32_t	got[64];
	size_t		n = ct_utf8_decode(s, len, got, cap);
	size_t		pos = 0;
	size_t		k = 0;

	while (pos < len)
	{
		uint32_t	cp = ct_utf8_next(s, len, &pos);

		if (k < cap && got[k] != cp)
			return 0;
		k++;
	}
	return n == k;
}

/*
 * Compare ct_utf8_next with ICU's U8_NEXT (strict since ICU 60) on the
 * sequence lead, b1, b2, b3: the same verdict, and when well-formed the same
 * code point and length.  Returns 1 on agreement.
 */
static int
agrees_with_icu(const unsigned char *seq, size_t len)
{
	size_t		pos = 0;
	uint32_t	cp = ct_utf8_next((const char *) seq, len, &pos);
	int32_t		ipos = 0;
	UChar32		icp;

	U8_NEXT(seq, ipos, (int32_t) len, icp);
	if (icp < 0)
		return CT_UTF8_MALFORMED(cp, 0, pos);
	return !CT_UTF8_MALFORMED(cp, 0, pos) && cp == (uint32_t) icp && pos == (size_t) ipos;
}

int
main(void)
{
	size_t		pos;
	char		buf[64];
	uint32_t	cps[64];
	size_t		n;

	/* ASCII, including NUL */
	CHECK(next_at_start("A", 1, &pos) == 'A' && pos == 1);
	CHECK(next_at_start("\0x", 2, &pos) == 0 && pos == 1);
	CHECK(next_at_start("\x7F", 1, &pos) == 0x7F && pos == 1);

	/* 2-, 3- and 4-byte sequences */
	CHECK(next_at_start("\xC3\xA9", 2, &pos) == 0xE9 && pos == 2);
	CHECK(next_at_start("\xC2\x80", 2, &pos) == 0x80 && pos == 2);
	CHECK(next_at_start("\xDF\xBF", 2, &pos) == 0x7FF && pos == 2);
	CHECK(next_at_start("\xE0\xA0\x80", 3, &pos) == 0x800 && pos == 3);
	CHECK(next_at_start("\xE2\x82\xAC", 3, &pos) == 0x20AC && pos == 3);
	CHECK(next_at_start("\xEF\xBF\xBF", 3, &pos) == 0xFFFF && pos == 3);
	CHECK(next_at_start("\xF0\x90\x80\x80", 4, &pos) == 0x10000 && pos == 4);
	CHECK(next_at_start("\xF0\x9F\x98\x80", 4, &pos) == 0x1F600 && pos == 4);
	CHECK(next_at_start("\xF4\x8F\xBF\xBF", 4, &pos) == 0x10FFFF && pos == 4);

	/* a real U+FFFD is not malformed */
	CHECK(next_at_start("\xEF\xBF\xBD", 3, &pos) == 0xFFFD && pos == 3);
	CHECK(!CT_UTF8_MALFORMED(0xFFFD, 0, pos));
	CHECK(ct_utf8_valid("\xEF\xBF\xBD", 3));

	/* overlong forms */
	CHECK(malformed_start("\xC0\x80", 2));
	CHECK(malformed_start("\xC1\xBF", 2));
	CHECK(malformed_start("\xE0\x80\x80", 3));
	CHECK(malformed_start("\xE0\x9F\xBF", 3));
	CHECK(malformed_start("\xF0\x80\x80\x80", 4));
	CHECK(malformed_start("\xF0\x8F\xBF\xBF", 4));

	/* surrogates, and their neighbours */
	CHECK(malformed_start("\xED\xA0\x80", 3));
	CHECK(malformed_start("\xED\xBF\xBF", 3));
	CHECK(next_at_start("\xED\x9F\xBF", 3, &pos) == 0xD7FF && pos == 3);
	CHECK(next_at_start("\xEE\x80\x80", 3, &pos) == 0xE000 && pos == 3);

	/* beyond U+10FFFF */
	CHECK(malformed_start("\xF4\x90\x80\x80", 4));
	CHECK(malformed_start("\xF5\x80\x80\x80", 4));
	CHECK(malformed_start("\xF7\xBF\xBF\xBF", 4));
	CHECK(malformed_start("\xFF", 1));

	/* truncated sequences, stray and missing continuation bytes */
	CHECK(malformed_start("\xC3", 1));
	CHECK(malformed_start("\xE2\x82", 2));
	CHECK(malformed_start("\xF0\x9F\x98", 3));
	CHECK(malformed_start("\xE2\x82\x41", 3));
	CHECK(malformed_start("\xC3\xC3\xA9", 3));
	CHECK(malformed_start("\x80", 1));
	CHECK(malformed_start("\xBF\x41", 2));
	/* the length bounds the sequence even when the bytes go on */
	CHECK(malformed_start("\xC3\xA9", 1));

	/* encode: every length boundary round-trips */
	{
		static const uint32_t edges[] = {0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000,
		0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
		static const int lengths[] = {1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4};

		for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		{
			int			len = ct_utf8_encode(edges[i], buf);

			CHECK(len == lengths[i]);
			CHECK(next_at_start(buf, (size_t) len, &pos) == edges[i] && pos == (size_t) len);
		}
	}

	/* decode: malformed bytes become one U+FFFD each */
	n = ct_utf8_decode("a\xE2\x82" "b\xC3\xA9", 6, cps, 64);
	CHECK(n == 5 && cps[0] == 'a' && cps[1] == 0xFFFD && cps[2] == 0xFFFD &&
		  cps[3] == 'b' && cps[4] == 0xE9);
	/* counting only, and a cap smaller than the count */
	CHECK(ct_utf8_decode("\xC3\xA9t\xC3\xA9", 5, NULL, 0) == 3);
	CHECK(ct_utf8_decode("", 0, NULL, 0) == 0);
	cps[1] = 0;
	CHECK(ct_utf8_decode("\xC3\xA9t\xC3\xA9", 5, cps, 2) == 3 && cps[0] == 0xE9 && cps[1] == 't');

	/*
	 * The ASCII fast path: a non-ASCII (or malformed) byte at every offset
	 * around the 8-byte words, with caps on both sides of len (the bulk path
	 * runs only when len <= cap).
	 */
	{
		int			bad = 0;
		int			wrong_verdict = 0;

		for (size_t at = 0; at <= 20; at++)
		{
			for (int kind = 0; kind < 3; kind++)
			{
				static const char *const tails[] = {"\xC3\xA9", "\xE2\x82", "\x80"};
				size_t		len = at;

				memset(buf, 'a', at);
				memcpy(buf + at, tails[kind], strlen(tails[kind]));
				len += strlen(tails[kind]);
				memcpy(buf + len, "xyz", 3);
				len += 3;
				for (size_t cap = len - 2; cap <= len + 1; cap++)
					if (!decode_matches_next(buf, len, cap))
						bad++;
				if (ct_utf8_valid(buf, len) != (kind == 0))
					wrong_verdict++;
			}
			/* all ASCII, every length */
			memset(buf, 'a', at);
			if (!decode_matches_next(buf, at, at) || !ct_utf8_valid(buf, at))
				bad++;
		}
		CHECK(bad == 0);
		CHECK(wrong_verdict == 0);
	}

	/* validating decode */
	CHECK(ct_utf8_decode_valid("x\xC3\xA9\xF0\x9F\x98\x80", 7, cps, &n) &&
		  n == 3 && cps[0] == 'x' && cps[1] == 0xE9 && cps[2] == 0x1F600);
	CHECK(ct_utf8_decode_valid("", 0, cps, &n) && n == 0);
	n = 99;
	CHECK(!ct_utf8_decode_valid("12\xED\xA0\x80", 5, cps, &n) && n == 99);
	CHECK(!ct_utf8_decode_valid("12\xC3", 3, cps, &n));
	CHECK(ct_utf8_valid("", 0));

	/* counting */
	CHECK(ct_utf8_count("", 0) == 0);
	CHECK(ct_utf8_count("abc", 3) == 3);
	CHECK(ct_utf8_count("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80" "a", 10) == 4);

	/*
	 * Agreement with ICU on every 1-, 2- and 3-byte sequence and on every
	 * lead and second byte of 4-byte ones (the later bytes from their
	 * boundary values).
	 */
	{
		static const unsigned char tail[] = {0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xFF};
		const size_t ntail = sizeof(tail);
		long		disagree = 0;
		unsigned char seq[4];

		for (unsigned int b0 = 0; b0 < 256; b0++)
		{
			seq[0] = (unsigned char) b0;
			disagree += !agrees_with_icu(seq, 1);
			for (unsigned int b1 = 0; b1 < 256; b1++)
			{
				seq[1] = (unsigned char) b1;
				disagree += !agrees_with_icu(seq, 2);
				for (unsigned int b2 = 0; b0 >= 0xE0 && b0 <= 0xEF && b2 < 256; b2++)
				{
					seq[2] = (unsigned char) b2;
					disagree += !agrees_with_icu(seq, 3);
				}
				for (size_t i = 0; b0 >= 0xF0 && i < ntail * ntail; i++)
				{
					seq[2] = tail[i / ntail];
					seq[3] = tail[i % ntail];
					disagree += !agrees_with_icu(seq, 4);
				}
			}
		}
		CHECK(disagree == 0);
	}

	return UNIT_DONE();
}
