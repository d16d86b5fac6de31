/*
 * test_fold.c
 *		fold(): language cases, the three paths agree, the generated table
 *		matches the ICU it is built with, idempotence, buffer handling.
 */
#include "unit.h"

#include <stdlib.h>

#include "fold.h"
#include "fold_table.h"
#include "utf8.h"

static char *
fold_str(const char *s)
{
	size_t		n;

	return ct_fold_alloc(&ct_malloc_allocator, s, strlen(s), &n);
}

#define CHECK_FOLD(in, want) \
	do { \
		char	   *f_ = fold_str(in); \
		CHECK_STR(f_, want); \
		free(f_); \
	} while (0)

/* Fold through the public entry and through ICU only: must agree. */
static void
check_paths_agree(const char *s, size_t len)
{
	char		a[1024];
	char		b[1024];
	size_t		na = ct_fold(s, len, a, sizeof(a), &ct_malloc_allocator);
	size_t		nb = ct_fold_icu(s, len, b, sizeof(b), &ct_malloc_allocator);

	CHECK(na == nb && na <= sizeof(a) && memcmp(a, b, na) == 0);
	if (!(na == nb && memcmp(a, b, na < sizeof(a) ? na : sizeof(a)) == 0))
		fprintf(stderr, "  input \"%.*s\": \"%.*s\" vs ICU \"%.*s\"\n",
				(int) len, s, (int) na, a, (int) nb, b);
}

static unsigned int rng_state = 12345;

static unsigned int
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) & 0xFFFFFF;
}

int
main(void)
{
	/* Spanish, Portuguese, French, German, English, Turkish, others */
	CHECK_FOLD("  JOSÉ   Pérez ", "jose perez");
	CHECK_FOLD("Ñandú Muñoz", "nandu munoz");
	CHECK_FOLD("João Gonçalves", "joao goncalves");
	CHECK_FOLD("São Tomé e Príncipe", "sao tome e principe");
	CHECK_FOLD("François Lefèvre-Hébert", "francois lefevre-hebert");
	CHECK_FOLD("Œuvre Cœur Ægir", "oeuvre coeur aegir");
	CHECK_FOLD("Straße GROSSE Größe", "strasse grosse grosse");
	CHECK_FOLD("Müller Über", "muller uber");
	CHECK_FOLD("O’Brien D´Angelo Mc`Neil", "o'brien d'angelo mc'neil");
	CHECK_FOLD("İSTANBUL ıspanak IŞIK ışık", "istanbul ispanak isik isik");
	CHECK_FOLD("Łódź Søren Đorđević Þór", "lodz soren dordevic thor");
	CHECK_FOLD("ﬁnance ﬂoor", "finance floor");
	CHECK_FOLD("Nguyễn Thị", "nguyen thi");
	CHECK_FOLD("Ελένη ΣΟΦΊΑ", "ελενη σοφια");
	CHECK_FOLD("ＡＢＣ　１２３", "abc 123");
	CHECK_FOLD("a\u00a0b\u2003c\td\n\re", "a b c d e");
	CHECK_FOLD("x \u2014 y \u2013 z \u2212 w", "x - y - z - w");
	CHECK_FOLD("\u201cquoted\u201d \u00abguillemets\u00bb", "\"quoted\" \"guillemets\"");
	CHECK_FOLD("e\u0301 n\u0303", "e n");	/* decomposed accents */
	CHECK_FOLD("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen");
	CHECK_FOLD("½", "1/2");
	CHECK_FOLD("", "");
	CHECK_FOLD("   ", "");
	CHECK_FOLD("ctl\x01\x7f", "ctl");
	CHECK_FOLD("bad \xff\xfe utf8", "bad \xef\xbf\xbd\xef\xbf\xbd utf8");
	CHECK_FOLD("한국어 ﾊﾝｶｸ", "한국어 \u30cf\u30f3\u30ab\u30af");	/* half-width kana widened */
	/* a dropped control between a letter and a mark: they compose at once, not on a second fold */
	CHECK_FOLD("ﾊ\x01ﾟ", "\u30d1");

	/* Every ASCII character, alone and after a non-table one. */
	for (int c = 0; c < 128; c++)
	{
		char		s[8] = {(char) c, 'x', 0};
		char		t[8] = {'\xce', '\xa9', (char) c, 'x', 0};	/* Ω */

		check_paths_agree(s, 2);
		check_paths_agree(t, 4);
	}

	/* The committed table is what this ICU computes. */
	{
		int			mismatches = 0;

		for (int r = 0; r < ct_fold_nranges; r++)
			for (unsigned int cp = ct_fold_ranges[r].first; cp <= ct_fold_ranges[r].last; cp++)
			{
				int			i = ct_fold_ranges[r].index + (cp - ct_fold_ranges[r].first);
				char		out[64];
				size_t		n = ct_fold_icu_cp(cp, out, sizeof(out));

				if (n != ct_fold_length[i] ||
					memcmp(out, ct_fold_pool + ct_fold_offset[i], n) != 0)
				{
					if (mismatches++ < 5)
						fprintf(stderr, "table differs at U+%04X (regenerate with tools/gen_fold_table.sh)\n", cp);
				}
			}
		CHECK(mismatches == 0);
	}

	/* Random strings of table code points: table path == ICU in context. */
	{
		static const unsigned int pick[] = {'a', 'E', ' ', '-', 0x00C9, 0x00F1, 0x0301, 0x0308,
			0x0327, 0x00DF, 0x0130, 0x0131, 0x2019, 0x00A0, 0x1EC7, 0x01C5, 0x0345, 0x2003,
		0x00B4, 0x00BD, 0x0338, '=', 'i', 0x0307, 0x01F0, 0x1E9E, 0x2126 - 0x2126 + 'z'};
		int			npick = (int) (sizeof(pick) / sizeof(pick[0]));

		for (int iter = 0; iter < 5000; iter++)
		{
			char		s[128];
			size_t		len = 0;
			int			k = 1 + rng() % 8;

			for (int j = 0; j < k; j++)
			{
				unsigned int cp = (rng() % 3 == 0) ? pick[rng() % npick] :
				ct_fold_ranges[rng() % ct_fold_nranges].first + rng() % 0x70;

				len += ct_utf8_encode(cp, s + len);
			}
			check_paths_agree(s, len);
		}
	}

	/* Idempotent: fold(fold(x)) == fold(x). */
	{
		static const char *samples[] = {"  JOSÉ Pérez ", "ǅemal ǈ", "Ⅻ ㎏ ﬃ", "ᾳ ΐ", "İi̇ı",
		"가각 ᄀ\u1161", "x\u0338y", "a\u0345", "\u00a8 \u02dc"};

		for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		{
			char	   *f1 = fold_str(samples[i]);
			char	   *f2 = fold_str(f1);

			CHECK_STR(f2, f1);
			free(f1);
			free(f2);
		}
	}

	/* Buffer too small: the needed length is returned, prefix written. */
	{
		char		small[4];
		size_t		n = ct_fold("Straße Müller", strlen("Straße Müller"), small, sizeof(small),
								&ct_malloc_allocator);

		CHECK(n == strlen("strasse muller"));
		CHECK(memcmp(small, "stra", 4) == 0);
		CHECK(ct_fold("ÆÆÆ", strlen("ÆÆÆ"), NULL, 0, &ct_malloc_allocator) == 6);
	}

	/* Long non-Latin text goes through ICU with allocated scratch space. */
	{
		size_t		len = 3000 * 2;
		char	   *s = malloc(len);
		char	   *f;
		size_t		n;

		for (size_t i = 0; i < len; i += 2)
		{
			s[i] = '\xce';
			s[i + 1] = '\xa3';	/* Σ */
		}
		f = ct_fold_alloc(&ct_malloc_allocator, s, len, &n);
		CHECK(n == len && (unsigned char) f[0] == 0xCF && (unsigned char) f[1] == 0x83);	/* σ */
		free(f);
		free(s);
	}

	/* ICU path output longer than its input: the scratch buffer grows. */
	{
		size_t		n;
		char	   *s = malloc(400 * 2 + 2 + 1);
		char	   *want = malloc(400 * 3 + 2 + 1);
		char	   *f;

		for (int i = 0; i < 400; i++)
		{
			memcpy(s + 2 * i, "\xc2\xbc", 2);	/* ¼ */
			memcpy(want + 3 * i, "1/4", 3);
		}
		memcpy(s + 800, "\xce\xa9", 3);	/* Ω and the NUL */
		memcpy(want + 1200, "\xcf\x89", 3);	/* ω */
		f = ct_fold_alloc(&ct_malloc_allocator, s, 802, &n);
		CHECK_STR(f, want);
		free(f);
		free(s);
		free(want);
	}

	return UNIT_DONE();
}
