/*
 * fold.c
 *		The accent- and case-insensitive key of a text (see fold.h).
 *
 * Three paths give the same result: pure ASCII is lower-cased in place;
 * text whose every code point is in the precomputed table (Latin letters,
 * combining diacritics, general punctuation) is mapped code point by code
 * point; anything else goes through ICU: NFKC_Casefold, canonical
 * decomposition with the diacritics dropped, letters without a
 * decomposition spelled out, and NFC again if marks kept next to dropped
 * ones might compose.
 * The table holds what the ICU path gives for each code point alone, which
 * is the same as in context because every step on those code points is
 * context-free (test_fold.c checks both facts).  All three paths end in the
 * same writer, which collapses and trims whitespace.
 */
#include "fold.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "fold_table.h"
#include "utf8.h"

#define FOLD_STACK_UNITS 512

/*
 * Output: UTF-8 with runs of spaces collapsed, leading ones dropped; the
 * trailing one is dropped by writer_finish.
 */
typedef struct FoldWriter
{
	char	   *buf;
	size_t		cap;
	size_t		len;			/* may exceed cap: then we only count */
	bool		after_space;	/* the last byte written is a collapsed space */
	bool		collapse;		/* false: write spaces as they come */
} FoldWriter;

static inline void
writer_byte(FoldWriter *w, char c)
{
	if (w->len < w->cap)
		w->buf[w->len] = c;
	w->len++;
}

/* Append one byte of folded text (spaces collapsed). */
static inline void
writer_put(FoldWriter *w, char c)
{
	if (c == ' ' && w->collapse)
	{
		if (w->len == 0 || w->after_space)
			return;
		w->after_space = true;
	}
	else
		w->after_space = false;
	writer_byte(w, c);
}

/* The folded length, without a trailing space. */
static inline size_t
writer_finish(FoldWriter *w)
{
	if (w->after_space)
		w->len--;
	w->after_space = false;
	return w->len;
}

static void
writer_put_cp(FoldWriter *w, unsigned int cp)
{
	char		tmp[4];
	int			n = ct_utf8_encode(cp, tmp);

	for (int i = 0; i < n; i++)
		writer_put(w, tmp[i]);
}

/*
 * ASCII as every path folds it: letters lower-cased, whitespace controls to
 * a space, other controls dropped ('\0' below), the grave accent (a common
 * stand-in for an apostrophe in names) to an apostrophe.
 */
static const char ascii_fold_map[129] =
	"\0\0\0\0\0\0\0\0\0     \0\0"
	"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	" !\"#$%&'()*+,-./"
	"0123456789:;<=>?"
	"@abcdefghijklmno"
	"pqrstuvwxyz[\\]^_"
	"'abcdefghijklmno"
	"pqrstuvwxyz{|}~\0";

/* The fold of an ASCII byte, or -1 for "drop". */
static inline int
fold_ascii(unsigned char c)
{
	char		f = ascii_fold_map[c];

	return f != '\0' ? f : -1;
}

/* Where cp's entry is in the table, or -1. */
static inline int
table_index(unsigned int cp)
{
	for (int r = 0; r < ct_fold_nranges; r++)
	{
		if (cp < ct_fold_ranges[r].first)
			return -1;
		if (cp <= ct_fold_ranges[r].last)
			return (int) (ct_fold_ranges[r].index + (cp - ct_fold_ranges[r].first));
	}
	return -1;
}

/*
 * Combining marks removed as diacritics: the generic combining diacritic
 * blocks (accents, cedilla, ogonek, tilde, the Turkish dot above...).
 * Marks that are letters' vowel signs in other scripts are kept.
 */
static inline bool
is_diacritic(UChar32 c)
{
	return (c >= 0x0300 && c <= 0x036F) ||
		(c >= 0x1AB0 && c <= 0x1AFF) ||
		(c >= 0x1DC0 && c <= 0x1DFF) ||
		(c >= 0x20D0 && c <= 0x20FF) ||
		(c >= 0xFE20 && c <= 0xFE2F);
}

/*
 * Letters that do not decompose into base + mark but that a key for Latin
 * names spells out, and punctuation unified to its ASCII form.  c is
 * already case-folded.  Writes the replacement into out, returns how many
 * code points (0 = drop), or -1 to keep c.
 */
static int
special_map(UChar32 c, UChar32 *out)
{
	switch (c)
	{
		case 0x00E6:			/* æ */
			out[0] = 'a';
			out[1] = 'e';
			return 2;
		case 0x0153:			/* œ */
			out[0] = 'o';
			out[1] = 'e';
			return 2;
		case 0x00FE:			/* þ */
			out[0] = 't';
			out[1] = 'h';
			return 2;
		case 0x00F8:			/* ø */
		case 0x01FF:			/* ǿ after decomposition is ø */
			out[0] = 'o';
			return 1;
		case 0x0142:			/* ł */
		case 0x019A:			/* ƚ */
			out[0] = 'l';
			return 1;
		case 0x0111:			/* đ */
		case 0x00F0:			/* ð */
			out[0] = 'd';
			return 1;
		case 0x0127:			/* ħ */
			out[0] = 'h';
			return 1;
		case 0x0167:			/* ŧ */
			out[0] = 't';
			return 1;
		case 0x0131:			/* dotless ı: same key as i (Turkish) */
		case 0x0268:			/* ɨ */
			out[0] = 'i';
			return 1;
		case 0x0237:			/* dotless ȷ */
		case 0x0249:			/* ɉ */
			out[0] = 'j';
			return 1;
		case 0x0180:			/* ƀ */
			out[0] = 'b';
			return 1;
		case 0x0192:			/* ƒ */
			out[0] = 'f';
			return 1;
		case 0x01E5:			/* ǥ */
			out[0] = 'g';
			return 1;
		case 0x01B6:			/* ƶ */
		case 0x0225:			/* ȥ */
			out[0] = 'z';
			return 1;
		case 0x023C:			/* ȼ */
			out[0] = 'c';
			return 1;
		case 0x0247:			/* ɇ */
			out[0] = 'e';
			return 1;
		case 0x024D:			/* ɍ */
			out[0] = 'r';
			return 1;
		case 0x024F:			/* ɏ */
			out[0] = 'y';
			return 1;
		case 0x0289:			/* ʉ */
			out[0] = 'u';
			return 1;
		case 0x2018:			/* ‘ ’ ‚ ‛ ′ ‵ ʼ ʻ ʹ ‹ › */
		case 0x2019:
		case 0x201A:
		case 0x201B:
		case 0x2032:
		case 0x2035:
		case 0x02BC:
		case 0x02BB:
		case 0x02B9:
		case 0x2039:
		case 0x203A:
			out[0] = '\'';
			return 1;
		case 0x201C:			/* “ ” „ ‟ ″ ‶ « » */
		case 0x201D:
		case 0x201E:
		case 0x201F:
		case 0x2033:
		case 0x2036:
		case 0x00AB:
		case 0x00BB:
			out[0] = '"';
			return 1;
		case 0x2212:			/* minus sign */
			out[0] = '-';
			return 1;
		case 0x2044:			/* fraction slash, from NFKC of ½ */
			out[0] = '/';
			return 1;
		case 0x0085:			/* next line */
		case 0x2028:			/* line and paragraph separators */
		case 0x2029:
			out[0] = ' ';
			return 1;
		default:
			break;
	}
	if (c < 0x80)
	{
		int			a = fold_ascii((unsigned char) c);

		if (a < 0)
			return 0;
		out[0] = a;
		return 1;
	}
	if (u_charType(c) == U_DASH_PUNCTUATION)
	{
		out[0] = '-';
		return 1;
	}
	if (u_charType(c) == U_SPACE_SEPARATOR)
	{
		out[0] = ' ';
		return 1;
	}
	if (u_charType(c) == U_CONTROL_CHAR)
		return 0;
	return -1;
}

/* A growable UTF-16 scratch buffer: stack first, the allocator beyond. */
typedef struct Scratch
{
	UChar	   *p;
	int32_t		cap;
	UChar		stack[FOLD_STACK_UNITS];
	const CtAllocator *alloc;
} Scratch;

/* Room for n units, keeping what is there (grows geometrically). */
static bool
scratch_reserve(Scratch *s, int32_t n)
{
	UChar	   *grown;
	int32_t		cap;

	if (n <= s->cap)
		return true;
	if (s->alloc == NULL)
		return false;
	cap = n < INT32_MAX / 2 ? 2 * n : n;
	grown = ct_alloc(s->alloc, (size_t) cap * sizeof(UChar));
	if (grown == NULL)
		return false;
	memcpy(grown, s->p, (size_t) s->cap * sizeof(UChar));
	if (s->p != s->stack)
		ct_free(s->alloc, s->p);
	s->p = grown;
	s->cap = cap;
	return true;
}

static void
scratch_init(Scratch *s, const CtAllocator *alloc)
{
	s->p = s->stack;
	s->cap = FOLD_STACK_UNITS;
	s->alloc = alloc;
}

static void
scratch_done(Scratch *s)
{
	if (s->p != s->stack)
		ct_free(s->alloc, s->p);
}

/* Run a normalizer from src into dst, growing dst as needed; -1 on failure. */
static int32_t
normalize_into(const UNormalizer2 *norm, const UChar *src, int32_t srclen, Scratch *dst)
{
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;

	n = unorm2_normalize(norm, src, srclen, dst->p, dst->cap, &status);
	if (status == U_BUFFER_OVERFLOW_ERROR || status == U_STRING_NOT_TERMINATED_WARNING)
	{
		if (!scratch_reserve(dst, n + 1))
			return -1;
		status = U_ZERO_ERROR;
		n = unorm2_normalize(norm, src, srclen, dst->p, dst->cap, &status);
	}
	return U_FAILURE(status) ? -1 : n;
}

/*
 * Map NFKC_Casefold output: drop the diacritics of each code point's
 * canonical decomposition (a code point without any is kept whole, so
 * Hangul syllables stay composed) and apply special_map.  Writes UTF-16 to
 * out; sets *need_nfc when a code point was dropped or replaced (a
 * diacritic, a control, a special_map letter) and a combining mark was
 * kept, since the mark may then compose with what is now before it: "ﾊ",
 * NUL, "ﾟ" must give "パ" the first time, as it does the second.
 */
static bool
strip_and_map(const UChar *src, int32_t srclen, Scratch *out, int32_t *outlen,
			  bool *need_nfc)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfd = unorm2_getNFDInstance(&status);
	int32_t		i = 0;
	int32_t		n = 0;
	bool		rewritten = false;
	bool		kept_mark = false;

	if (U_FAILURE(status))
		return false;
	while (i < srclen)
	{
		UChar32		c;
		UChar		dec[32];
		int32_t		declen;
		int32_t		j = 0;
		bool		has_diacritic = false;

		U16_NEXT(src, i, srclen, c);
		status = U_ZERO_ERROR;
		declen = unorm2_getDecomposition(nfd, c, dec, 32, &status);
		if (!U_FAILURE(status) && declen > 0)
		{
			while (j < declen && !has_diacritic)
			{
				UChar32		d;

				U16_NEXT(dec, j, declen, d);
				has_diacritic = is_diacritic(d);
			}
			j = 0;
		}
		if (!has_diacritic)
		{
			declen = 0;
			U16_APPEND_UNSAFE(dec, declen, c);
		}
		while (j < declen)
		{
			UChar32		d;
			UChar32		mapped[2];
			int			m;

			U16_NEXT(dec, j, declen, d);
			if (is_diacritic(d))
			{
				rewritten = true;
				continue;
			}
			m = special_map(d, mapped);
			if (m >= 0)
				rewritten |= m != 1 || mapped[0] != d;
			else
			{
				m = 1;
				mapped[0] = d;
				if (u_getCombiningClass(d) != 0)
					kept_mark = true;
			}
			if (!scratch_reserve(out, n + 4))
				return false;
			for (int k = 0; k < m; k++)
				U16_APPEND_UNSAFE(out->p, n, mapped[k]);
		}
	}
	*outlen = n;
	*need_nfc = rewritten && kept_mark;
	return true;
}

/*
 * The ICU path into a writer.  Returns false if ICU or the allocator failed;
 * the writer then holds the input unchanged, so fold still returns a
 * deterministic key.
 */
static bool
fold_icu_into(const char *s, size_t len, FoldWriter *w, const CtAllocator *alloc)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
	const UNormalizer2 *nfc;
	Scratch		a;
	Scratch		b;
	const UChar *res;
	int32_t		n;
	int32_t		i;
	bool		need_nfc;
	bool		ok = false;

	if (U_FAILURE(status) || len > INT32_MAX / 2)
		return false;
	nfc = unorm2_getNFCInstance(&status);
	if (U_FAILURE(status))
		return false;
	scratch_init(&a, alloc);
	scratch_init(&b, alloc);

	/* UTF-8 to UTF-16, invalid bytes to U+FFFD; at most len units. */
	if (!scratch_reserve(&a, (int32_t) len + 1))
		goto done;
	u_strFromUTF8WithSub(a.p, a.cap, &n, s, (int32_t) len, 0xFFFD, NULL, &status);
	if (U_FAILURE(status))
		goto done;
	/* The acute accent stands for an apostrophe (D´Angelo): keep it so. */
	for (i = 0; i < n; i++)
		if (a.p[i] == 0x00B4)
			a.p[i] = '\'';

	n = normalize_into(nfkc_cf, a.p, n, &b);
	if (n < 0 || !strip_and_map(b.p, n, &a, &n, &need_nfc))
		goto done;
	res = a.p;
	if (need_nfc)
	{
		n = normalize_into(nfc, a.p, n, &b);
		if (n < 0)
			goto done;
		res = b.p;
	}
	i = 0;
	while (i < n)
	{
		UChar32		c;

		U16_NEXT(res, i, n, c);
		writer_put_cp(w, (unsigned int) c);
	}
	ok = true;
done:
	scratch_done(&a);
	scratch_done(&b);
	return ok;
}

size_t
ct_fold_icu(const char *s, size_t len, char *buf, size_t cap, const CtAllocator *alloc)
{
	FoldWriter	w = {buf, cap, 0, false, true};

	if (!fold_icu_into(s, len, &w, alloc))
	{
		w.len = 0;
		w.after_space = false;
		for (size_t i = 0; i < len; i++)
			writer_put(&w, s[i]);
	}
	return writer_finish(&w);
}

size_t
ct_fold_icu_cp(unsigned int cp, char *buf, size_t cap)
{
	FoldWriter	w = {buf, cap, 0, false, false};
	char		utf8[4];
	int			n = ct_utf8_encode(cp, utf8);

	if (!fold_icu_into(utf8, (size_t) n, &w, NULL))
		return 0;
	return writer_finish(&w);
}

/*
 * Fold the ASCII run at s[i] straight into the buffer, for a writer with
 * room for the rest of s (ASCII never grows): the loop most names spend
 * their fold in, free of the writer's per-byte room check.  Returns where
 * the run ends.
 */
static size_t
fold_ascii_run(const char *s, size_t i, size_t len, FoldWriter *w)
{
	char	   *out = w->buf + w->len;
	bool		after_space = w->after_space;

	/*
	 * Branch-free but for the run's end: where spaces fall in a name follows
	 * no pattern a predictor learns.  Every byte is stored, and the output
	 * advances past it unless it is dropped.
	 */
	for (; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		char		f;
		bool		space;
		bool		keep;

		if (c >= 0x80)
			break;
		f = ascii_fold_map[c];
		space = f == ' ';
		keep = f != '\0' && !(space && (after_space || out == w->buf));
		*out = f;
		out += keep;
		after_space = keep ? space : after_space;
	}
	w->len = (size_t) (out - w->buf);
	w->after_space = after_space;
	return i;
}

size_t
ct_fold(const char *s, size_t len, char *buf, size_t cap, const CtAllocator *alloc)
{
	FoldWriter	w = {buf, cap, 0, false, true};
	size_t		i = 0;

	/* ASCII inline, the rest from the table while every code point is in it. */
	while (i < len)
	{
		size_t		at = i;
		unsigned char c = (unsigned char) s[i];
		unsigned int cp;
		int			t;

		if (c < 0x80 && w.len <= w.cap && w.cap - w.len >= len - i)
		{
			i = fold_ascii_run(s, i, len, &w);
			continue;
		}
		if (c < 0x80)
		{
			char		f = ascii_fold_map[c];

			i++;
			if (f != '\0')
				writer_put(&w, f);
			continue;
		}
		{
			size_t		next = i;	/* keeps i out of memory in the loop */

			cp = ct_utf8_next(s, len, &next);
			i = next;
		}
		t = CT_UTF8_MALFORMED(cp, at, i) ? -1 : table_index(cp);
		if (t < 0)
		{
			/* Not all Latin: fold the whole text through ICU. */
			return ct_fold_icu(s, len, buf, cap, alloc);
		}
		for (int k = 0; k < ct_fold_length[t]; k++)
			writer_put(&w, ct_fold_pool[ct_fold_offset[t] + k]);
	}
	return writer_finish(&w);
}

char *
ct_fold_buf(const CtAllocator *alloc, const char *s, size_t len,
			char *buf, size_t cap, size_t *outlen)
{
	size_t		n = ct_fold(s, len, buf, cap, alloc);
	char	   *res;

	*outlen = n;
	if (n < cap)
	{
		buf[n] = '\0';
		return buf;
	}
	res = ct_alloc(alloc, n + 1);
	if (res == NULL)
		return NULL;
	ct_fold(s, len, res, n + 1, alloc);
	res[n] = '\0';
	return res;
}

char *
ct_fold_alloc(const CtAllocator *alloc, const char *s, size_t len, size_t *outlen)
{
	size_t		cap = ct_fold_size_hint(len);
	char	   *res = ct_alloc(alloc, cap);
	size_t		n;

	if (res == NULL)
		return NULL;
	n = ct_fold(s, len, res, cap, alloc);
	if (n >= cap)
	{
		ct_free(alloc, res);
		res = ct_alloc(alloc, n + 1);
		if (res == NULL)
			return NULL;
		ct_fold(s, len, res, n + 1, alloc);
	}
	res[n] = '\0';
	*outlen = n;
	return res;
}
