/*
 * textconv.c
 *		Encoding conversion between the database and the UTF-8 core, and the
 *		palloc-backed core allocator.
 *
 * Going to UTF-8 never loses anything.  Coming back can: the core case-maps,
 * case-folds and NFKC-normalizes, and in a non-UTF-8 database the result of
 * doing that to a character the database can hold may be one it cannot
 * (LATIN1: fold('µ') is Greek μ U+03BC, upper('ÿ') is Ÿ U+0178, NFKC('¼') is
 * "1⁄4" with U+2044).  A value that was valid in the database must never make
 * a normalizing function fail, so the way back follows one rule:
 *
 *	1. what the database encoding can represent is converted as is;
 *	2. a sequence that is the case mapping, case folding or normalization of
 *	   a representable character becomes that character again (μ→µ, Ÿ→ÿ,
 *	   "1⁄4"→¼): the normalizer keeps the input's character;
 *	3. any other unrepresentable code point becomes the representable part
 *	   of its compatibility decomposition (ŵ→w), or '?' when none is.
 *
 * Rule 2 needs the set of representable characters, so its map is built
 * once per backend for single-byte server encodings (the common non-UTF-8
 * case); multi-byte encodings get rules 1 and 3.  A UTF-8 database takes none
 * of this: every entry point tests the encoding first.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "compat.h"
#include "textconv.h"

/*
 * Convert len bytes from the database encoding to UTF-8.  In a UTF-8
 * database (the common case) this is one copy and no scan.
 */
static char *
db_to_utf8(const char *s, int len, int *outlen)
{
	char	   *res;

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *conv = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
															  GetDatabaseEncoding(), PG_UTF8);

		if (conv != s)
		{
			*outlen = strlen(conv);
			return conv;
		}
	}
	res = palloc(len + 1);
	memcpy(res, s, len);
	res[len] = '\0';
	*outlen = len;
	return res;
}

char *
contacts_text_to_utf8(text *t, int *len)
{
	return db_to_utf8(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), len);
}

const char *
contacts_text_utf8_view(text *t, size_t *len)
{
	char	   *s;
	int			n;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		*len = VARSIZE_ANY_EXHDR(t);
		return VARDATA_ANY(t);
	}
	s = contacts_text_to_utf8(t, &n);
	*len = (size_t) n;
	return s;
}

char *
contacts_cstring_to_utf8(const char *s, int *len)
{
	return db_to_utf8(s, strlen(s), len);
}

/* ---------------------------------------------------------------------------
 * The way back from UTF-8 to a non-UTF-8 database encoding.
 */

/*
 * A UTF-8 sequence the database cannot hold that stands for a character it
 * can (rule 2).  lead is the byte offset of the first unrepresentable code
 * point in utf8 and lead_chars the number of (representable, hence one byte
 * each) code points before it: when conversion stops there, those have
 * already been written and are taken back.
 */
typedef struct RoundTrip
{
	char	   *utf8;
	int			len;
	int			lead;
	int			lead_chars;
	char		repl;			/* the character in the database encoding */
} RoundTrip;

static struct
{
	bool		ready;			/* the procs are looked up */
	bool		mapped;			/* the map is built (or needs none) */
	Oid			from_utf8;		/* conversion procs, UTF-8 <-> database */
	Oid			to_utf8;
	RoundTrip  *map;			/* longest first, so "1⁄4" wins over "⁄" */
	int			nmap;
} back;

/* Bytes converted in one call: bounds the worst-case output buffer. */
#define CONV_CHUNK	65536

/*
 * Convert at most len bytes of UTF-8 into dst (room for len * 4 + 5 bytes),
 * stopping before the first code point the database cannot hold.  Returns
 * the number of bytes of s converted; dst is NUL-terminated.
 */
static int
convert_prefix(const char *s, int len, char *dst)
{
	return pg_do_encoding_conversion_buf(back.from_utf8, PG_UTF8, GetDatabaseEncoding(),
										 (unsigned char *) s, len,
										 (unsigned char *) dst,
										 len * MAX_CONVERSION_GROWTH + 5, true);
}

/* Whether the whole UTF-8 string is representable in the database encoding. */
static bool
representable(const char *s, int len)
{
	char		buf[64 * MAX_CONVERSION_GROWTH + 5];

	return len <= 64 && convert_prefix(s, len, buf) == len;
}

/* UTF-16 to UTF-8 into buf (cap bytes); the length, or -1 on failure. */
static int
to_utf8(const UChar *u, int32_t ulen, char *buf, int cap)
{
	UErrorCode	err = U_ZERO_ERROR;
	int32_t		n;

	u_strToUTF8(buf, cap, &n, u, ulen, &err);
	return U_FAILURE(err) || n >= cap ? -1 : n;
}

#define MAP_DEPTH	2			/* e.g. upper case of NFKC: what the core chains */
#define MAP_STR		32			/* UTF-16 units of one transformed string */

/* Add s (UTF-8) → c to the map unless s is representable or already there. */
static void
map_add(const char *s, int len, char c, int *cap)
{
	int			lead = 0,
				lead_chars = 0;

	if (len == 0 || representable(s, len))
		return;
	for (int i = 0; i < back.nmap; i++)
		if (back.map[i].len == len && memcmp(back.map[i].utf8, s, len) == 0)
			return;				/* first (lowest byte) wins: deterministic */
	while (lead < len)
	{
		int			l = pg_utf_mblen((const unsigned char *) s + lead);

		if (!representable(s + lead, l))
			break;
		lead += l;
		lead_chars++;
	}
	if (back.nmap == *cap)
	{
		*cap *= 2;
		back.map = repalloc(back.map, sizeof(RoundTrip) * *cap);
	}
	back.map[back.nmap].utf8 = pnstrdup(s, len);
	back.map[back.nmap].len = len;
	back.map[back.nmap].lead = lead;
	back.map[back.nmap].lead_chars = lead_chars;
	back.map[back.nmap].repl = c;
	back.nmap++;
}

/*
 * One transformation of the kind the core applies: 0-3 case mappings,
 * 4-8 normalizations.  Returns the result length, or -1.
 */
#define MAP_TRANSFORMS 9

static int32_t
transform(int which, const UChar *src, int32_t len, UChar *dst)
{
	UErrorCode	err = U_ZERO_ERROR;
	const UNormalizer2 *norm = NULL;
	int32_t		n;

	switch (which)
	{
		case 0:
			n = u_strToLower(dst, MAP_STR, src, len, "", &err);
			break;
		case 1:
			n = u_strToUpper(dst, MAP_STR, src, len, "", &err);
			break;
		case 2:
			n = u_strToTitle(dst, MAP_STR, src, len, NULL, "", &err);
			break;
		case 3:
			n = u_strFoldCase(dst, MAP_STR, src, len, U_FOLD_CASE_DEFAULT, &err);
			break;
		default:
			switch (which)
			{
				case 4:
					norm = unorm2_getNFCInstance(&err);
					break;
				case 5:
					norm = unorm2_getNFDInstance(&err);
					break;
				case 6:
					norm = unorm2_getNFKCInstance(&err);
					break;
				case 7:
					norm = unorm2_getNFKDInstance(&err);
					break;
				default:
					norm = unorm2_getNFKCCasefoldInstance(&err);
					break;
			}
			if (U_FAILURE(err))
				return -1;
			n = unorm2_normalize(norm, src, len, dst, MAP_STR, &err);
			break;
	}
	return U_FAILURE(err) || n >= MAP_STR ? -1 : n;
}

/*
 * Add what the transformations (up to MAP_DEPTH deep) make of the
 * representable character c (UTF-16 in src) to the map.  Each result that
 * is a lone unrepresentable code point between spaces also maps that code
 * point alone (NFKC of ´ is " ́" and a trim leaves the combining accent).
 */
static void
map_closure(const UChar *src, int32_t len, char c, int depth, int *cap)
{
	for (int t = 0; t < MAP_TRANSFORMS; t++)
	{
		UChar		dst[MAP_STR];
		char		u8[MAP_STR * 3 + 1];
		int32_t		n = transform(t, src, len, dst);
		int			n8,
					start = 0,
					end;

		if (n <= 0 || (n == len && memcmp(src, dst, n * sizeof(UChar)) == 0))
			continue;
		n8 = to_utf8(dst, n, u8, sizeof(u8));
		if (n8 <= 0)
			continue;
		map_add(u8, n8, c, cap);
		end = n8;
		while (start < end && u8[start] == ' ')
			start++;
		while (end > start && u8[end - 1] == ' ')
			end--;
		if (end > start && pg_utf_mblen((unsigned char *) u8 + start) == end - start)
			map_add(u8 + start, end - start, c, cap);
		if (depth + 1 < MAP_DEPTH)
			map_closure(dst, n, c, depth + 1, cap);
	}
}

/* Longest first, then bytewise: deterministic, and "1⁄4" before "⁄". */
static int
roundtrip_cmp(const void *a, const void *b)
{
	const RoundTrip *x = a;
	const RoundTrip *y = b;

	if (x->len != y->len)
		return y->len - x->len;
	return memcmp(x->utf8, y->utf8, x->len);
}

/* Look up the conversions between UTF-8 and the database encoding. */
static void
back_init(void)
{
	int			enc = GetDatabaseEncoding();

	back.from_utf8 = FindDefaultConversionProc(PG_UTF8, enc);
	back.to_utf8 = FindDefaultConversionProc(enc, PG_UTF8);
	if (!OidIsValid(back.from_utf8) || !OidIsValid(back.to_utf8))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("no conversion between UTF8 and %s", GetDatabaseEncodingName())));
	back.ready = true;
}

/*
 * For a single-byte encoding, build the map of rule 2 (a few milliseconds):
 * only when a result first holds a character the database cannot.
 */
static void
map_init(void)
{
	int			enc = GetDatabaseEncoding();
	MemoryContext old;
	int			cap = 64;

	if (pg_encoding_max_length(enc) == 1)
	{
		old = MemoryContextSwitchTo(TopMemoryContext);
		back.map = palloc(sizeof(RoundTrip) * cap);
		back.nmap = 0;
		/* ASCII maps to ASCII under every transformation: start above it. */
		for (int b = 0x80; b < 256; b++)
		{
			unsigned char in[2] = {(unsigned char) b, 0};
			char		u8[8];
			UChar		u16[4];
			int32_t		n16;
			UErrorCode	err = U_ZERO_ERROR;
			int			n8;

			n8 = pg_do_encoding_conversion_buf(back.to_utf8, enc, PG_UTF8, in, 1,
											   (unsigned char *) u8, sizeof(u8), true);
			if (n8 != 1)
				continue;		/* a byte the encoding leaves undefined */
			u_strFromUTF8(u16, lengthof(u16), &n16, u8, strlen(u8), &err);
			if (U_SUCCESS(err))
				map_closure(u16, n16, (char) b, 0, &cap);
		}
		qsort(back.map, back.nmap, sizeof(RoundTrip), roundtrip_cmp);
		MemoryContextSwitchTo(old);
	}
	back.mapped = true;
}

/*
 * Write what stands for the code point the database cannot hold at s[pos]
 * (rules 2 and 3) and return the number of bytes of s it consumed.  seg is
 * where the output last stopped being a one-to-one conversion of s: a map
 * entry may take back only characters converted after it.
 */
static int
replace_unrepresentable(const char *s, int len, int pos, int seg, StringInfo out)
{
	const unsigned char *p = (const unsigned char *) s + pos;
	int			l = pg_utf_mblen(p);
	UChar32		cp;
	UChar		dec[32];
	int32_t		ndec;
	UErrorCode	err = U_ZERO_ERROR;
	const UNormalizer2 *nfkd;
	int			before = out->len;

	if (!back.mapped)
		map_init();
	for (int i = 0; i < back.nmap; i++)
	{
		const RoundTrip *m = &back.map[i];
		int			start = pos - m->lead;

		if (start >= seg && start + m->len <= len &&
			memcmp(s + start, m->utf8, m->len) == 0)
		{
			out->len -= m->lead_chars;
			out->data[out->len] = '\0';
			appendStringInfoChar(out, m->repl);
			return m->len - m->lead;
		}
	}

	/* Not UTF-8 (the core never makes it) or a NUL: nothing to keep. */
	if (*p == '\0')
		return 1;
	if (l > len - pos || !pg_utf8_islegal(p, l))
	{
		appendStringInfoChar(out, '?');
		return 1;
	}

	cp = utf8_to_unicode(p);
	nfkd = unorm2_getNFKDInstance(&err);
	ndec = U_SUCCESS(err) ? unorm2_getDecomposition(nfkd, cp, dec, lengthof(dec), &err) : -1;
	if (U_SUCCESS(err) && ndec > 0)
	{
		for (int32_t i = 0; i < ndec;)
		{
			UChar32		c;
			unsigned char u8[8];
			char		conv[8 * MAX_CONVERSION_GROWTH + 5];

			U16_NEXT(dec, i, ndec, c);
			unicode_to_utf8((pg_wchar) c, u8);
			if (convert_prefix((char *) u8, pg_utf_mblen(u8), conv) == pg_utf_mblen(u8))
				appendStringInfoString(out, conv);
		}
	}
	if (out->len == before)
		appendStringInfoChar(out, '?');
	return l;
}

/*
 * UTF-8 to the database encoding by the rules at the top of this file.
 * Conversion runs in chunks so that the output buffer stays bounded.
 */
static char *
utf8_to_db(const char *s, int len)
{
	StringInfoData out;
	int			pos = 0,
				seg = 0;

	if (!back.ready)
		back_init();
	initStringInfo(&out);
	while (pos < len)
	{
		int			chunk = Min(len - pos, CONV_CHUNK);
		int			n;

		/* End the chunk on a character boundary. */
		while (pos + chunk < len && chunk > CONV_CHUNK - 4 &&
			   (s[pos + chunk] & 0xC0) == 0x80)
			chunk--;
		enlargeStringInfo(&out, chunk * MAX_CONVERSION_GROWTH + 5);
		n = convert_prefix(s + pos, chunk, out.data + out.len);
		out.len += strlen(out.data + out.len);
		pos += n;
		if (n < chunk)
		{
			pos += replace_unrepresentable(s, len, pos, seg, &out);
			seg = pos;
		}
	}
	return out.data;
}

char *
contacts_utf8_to_cstring(const char *s, int len)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		return utf8_to_db(s, len);
	return pnstrdup(s, len);
}

text *
contacts_utf8_to_text(const char *s, int len)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		return cstring_to_text(utf8_to_db(s, len));
	return cstring_to_text_with_len(s, len);
}

text *
contacts_apply_string_function(CtStringFunction fn, text *t)
{
	int			len;
	char	   *s = contacts_text_to_utf8(t, &len);
	size_t		outlen;
	char	   *out = fn(&contacts_palloc_allocator, s, len, &outlen);

	return contacts_utf8_to_text(out, outlen);
}

static void *
palloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return palloc(size ? size : 1);
}

static void
palloc_free(void *ctx, void *ptr)
{
	(void) ctx;
	pfree(ptr);
}

const CtAllocator contacts_palloc_allocator = {palloc_alloc, palloc_free, NULL};

void
contacts_jsonb_push_string(JsonbParseState **state, JsonbIteratorToken token, const char *s)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) s;
	v.val.string.len = strlen(s);
	pushJsonbValue(state, token, &v);
}
