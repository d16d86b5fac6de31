/*
 * phone_parse.c
 *		Turn text into a PhoneNumber the way libphonenumber's
 *		PhoneNumberUtil::Parse does: find the number in the text (tel: URIs,
 *		punctuation, Unicode digits), split off an extension, recognise "+",
 *		international and national prefixes and carrier codes, and keep the
 *		national significant number.
 *
 * libphonenumber states these steps as regular expressions over Unicode
 * text; here each is a small scanner over code points, which is what makes
 * parsing fast.  The comments name the libphonenumber step each implements.
 */
#include "phone_internal.h"

#include <string.h>

#include <unicode/uchar.h>

#include "utf8.h"

typedef enum ParseError
{
	PARSE_OK,
	PARSE_NOT_A_NUMBER,
	PARSE_INVALID_COUNTRY_CODE,
	PARSE_TOO_SHORT_AFTER_IDD,
	PARSE_TOO_SHORT_NSN,
	PARSE_TOO_LONG
} ParseError;

static const CtReason parse_reasons[] = {
	{NULL, NULL, NULL},
	{"NOT_A_NUMBER", "text does not contain a phone number",
	"Write the number with digits, e.g. +54 9 11 1234-5678 or 011 15 1234-5678."},
	{"INVALID_COUNTRY_CODE", "unknown country calling code or missing region",
	"Start the number with + and its country calling code, or give a default region."},
	{"TOO_SHORT", "phone number has too few digits after the international prefix",
	"Check that no digits are missing."},
	{"TOO_SHORT", "phone number has too few digits",
	"Check that no digits are missing."},
	{"TOO_LONG", "phone number has too many digits",
	"Check for extra digits, or write an extension as \"ext. 123\"."},
};

/* Room for the normalised digits of the longest national number built from
 * the input (see build_national_number), plus a transform. */
#define DIGITS_CAP (2 * PHONE_MAX_INPUT_BYTES + 32)

/* Character classes of libphonenumber's parsing patterns */

/*
 * Classes of the ASCII characters, one table lookup each.  CH_UNPLAIN is
 * what may take part in a tel: URI parameter, a second number or an
 * extension label; most numbers hold no such character (see text_kinds).
 */
#define CH_DIGIT	0x01		/* 0-9 */
#define CH_PUNCT	0x02		/* kValidPunctuation ("x" in either case) */
#define CH_ALPHA	0x04		/* A-Z, a-z */
#define CH_STAR		0x08		/* '*' */
#define CH_SEMI		0x10		/* ';' */
#define CH_UNPLAIN	0x20		/* not a digit, space or one of -.()/+[]* */
#define CH_VIABLE	(CH_DIGIT | CH_PUNCT | CH_ALPHA | CH_STAR)

static const uint8_t ascii_class[128] = {
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	/* ' ' to '/' */
	0x02, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x02, 0x02, 0x08, 0x00, 0x20, 0x02, 0x02, 0x02,
	/* '0' to '?' */
	0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x20, 0x30, 0x20, 0x20, 0x20, 0x20,
	/* '@' to 'O' */
	0x20, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,
	/* 'P' to '_' */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x26, 0x24, 0x24, 0x02, 0x20, 0x02, 0x20, 0x20,
	/* '`' to 'o' */
	0x20, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24,
	/* 'p' to DEL */
	0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x24, 0x26, 0x24, 0x24, 0x20, 0x20, 0x20, 0x22, 0x20
};

/* The class bits of c; any other character only CH_UNPLAIN. */
static inline unsigned
char_class(uint32_t c)
{
	return c < 0x80 ? ascii_class[c] : CH_UNPLAIN;
}

static inline bool
is_plus(uint32_t c)
{
	return c == '+' || c == 0xFF0B;
}

static inline int
digit_value(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int) (c - '0');
	if (c < 0x660)
		return -1;
	return u_charDigitValue((UChar32) c);
}

static inline bool
is_digit(uint32_t c)
{
	return digit_value(c) >= 0;
}

/* kValidPunctuation */
static inline bool
is_punctuation(uint32_t c)
{
	if (c < 0x80)
		return (ascii_class[c] & CH_PUNCT) != 0;
	switch (c)
	{
		case 0x00A0:
		case 0x00AD:
		case 0x200B:
		case 0x2060:
		case 0x3000:
		case 0xFF08:
		case 0xFF09:
		case 0xFF3B:
		case 0xFF3D:
		case 0x2053:
		case 0x223C:
		case 0xFF5E:
		case 0x2212:
		case 0x30FC:
			return true;
		default:
			return (c >= 0x2010 && c <= 0x2015) || (c >= 0xFF0D && c <= 0xFF0F);
	}
}

static inline bool
is_ascii_alpha(uint32_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* [punct*alpha\d] */
static inline bool
is_viable_char(uint32_t c)
{
	if (c < 0x80)
		return (ascii_class[c] & CH_VIABLE) != 0;
	return is_punctuation(c) || is_digit(c);
}

/*
 * The classes a text holds, for the scanners to skip what it lacks: no
 * CH_SEMI, no tel: URI parameters; no CH_ALPHA, no "/ x" second number; no
 * CH_UNPLAIN, no extension.
 */
static unsigned
text_kinds(const uint32_t *cp, size_t n)
{
	unsigned	kinds = 0;

	for (size_t i = 0; i < n; i++)
		kinds |= char_class(cp[i]);
	return kinds;
}

static inline ptrdiff_t
find_ascii(const uint32_t *cp, size_t n, size_t from, const char *needle)
{
	size_t		m = strlen(needle);

	for (size_t i = from; i + m <= n; i++)
	{
		size_t		j = 0;

		while (j < m && cp[i + j] == (unsigned char) needle[j])
			j++;
		if (j == m)
			return (ptrdiff_t) i;
	}
	return -1;
}

/* Extensions (libphonenumber's extension patterns for parsing) */

static inline uint32_t
fold(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	return (uint32_t) u_tolower((UChar32) c);
}

/* Match the literal lower-case code points lit at cp[*i]; advance on success. */
static bool
take(const uint32_t *cp, size_t n, size_t *i, const uint32_t *lit, size_t m)
{
	if (*i + m > n)
		return false;
	for (size_t j = 0; j < m; j++)
		if (fold(cp[*i + j]) != lit[j])
			return false;
	*i += m;
	return true;
}

static bool
in_set(uint32_t c, const uint32_t *set)
{
	for (; *set; set++)
		if (c == *set)
			return true;
	return false;
}

static const uint32_t sep_label[] = {' ', 0xA0, '\t', ',', 0};
static const uint32_t sep_no_comma[] = {' ', 0xA0, '\t', 0};
static const uint32_t after_label_1[] = {':', '.', 0xFF0E, 0};
static const uint32_t after_label_2[] = {' ', 0xA0, '\t', ',', '-', 0};

typedef enum ExtHash
{
	HASH_NONE,					/* no "#" after the digits */
	HASH_OPTIONAL,
	HASH_REQUIRED
} ExtHash;

/*
 * After a label: [:.．]?[ \u00A0\t,-]*(\d{1,max})#?$ .  On success the
 * extension digits are cp[*ext_start .. *ext_start + *ext_len).
 */
static bool
ext_tail(const uint32_t *cp, size_t n, size_t i, int max, bool after_label,
		 ExtHash hash, size_t *ext_start, size_t *ext_len)
{
	size_t		d;

	if (after_label)
	{
		if (i < n && in_set(cp[i], after_label_1))
			i++;
		while (i < n && in_set(cp[i], after_label_2))
			i++;
	}
	d = i;
	while (i < n && is_digit(cp[i]))
		i++;
	if (i == d || i - d > (size_t) max)
		return false;
	*ext_start = d;
	*ext_len = i - d;
	if (hash != HASH_NONE && i < n && cp[i] == '#')
		i++;
	else if (hash == HASH_REQUIRED)
		return false;
	return i == n;
}

/* e?xt(?:ensi(?:o\u0301?|ó))?n? | ｅ?ｘｔｎ? | доб | anexo */
static bool
explicit_label(const uint32_t *cp, size_t n, size_t *i)
{
	static const uint32_t xt[] = {'x', 't'};
	static const uint32_t ensi[] = {'e', 'n', 's', 'i'};
	static const uint32_t fw_xt[] = {0xFF58, 0xFF54};
	static const uint32_t dob[] = {0x0434, 0x043E, 0x0431};
	static const uint32_t anexo[] = {'a', 'n', 'e', 'x', 'o'};
	size_t		j = *i;

	if (j < n && fold(cp[j]) == 'e')
		j++;
	if (take(cp, n, &j, xt, 2))
	{
		size_t		k = j;

		if (take(cp, n, &k, ensi, 4) && k < n)
		{
			uint32_t	c = fold(cp[k]);

			if (c == 'o')
			{
				k++;
				if (k < n && cp[k] == 0x0301)
					k++;
				j = k;
			}
			else if (c == 0xF3)
				j = k + 1;
		}
		if (j < n && fold(cp[j]) == 'n')
			j++;
		*i = j;
		return true;
	}
	j = *i;
	if (j < n && fold(cp[j]) == 0xFF45)
		j++;
	if (take(cp, n, &j, fw_xt, 2))
	{
		if (j < n && fold(cp[j]) == 0xFF4E)
			j++;
		*i = j;
		return true;
	}
	j = *i;
	if (take(cp, n, &j, dob, 3) || take(cp, n, &j, anexo, 5))
	{
		*i = j;
		return true;
	}
	return false;
}

/* [xｘ#＃~～] | int | ｉｎｔ */
static bool
ambiguous_label(const uint32_t *cp, size_t n, size_t *i)
{
	static const uint32_t one[] = {'x', 0xFF58, '#', 0xFF03, '~', 0xFF5E, 0};
	static const uint32_t int_ascii[] = {'i', 'n', 't'};
	static const uint32_t int_fw[] = {0xFF49, 0xFF4E, 0xFF54};

	if (*i < n && in_set(fold(cp[*i]), one))
	{
		(*i)++;
		return true;
	}
	return take(cp, n, i, int_ascii, 3) || take(cp, n, i, int_fw, 3);
}

/*
 * Does an extension start at cp[at] and run to the end?  The alternatives
 * of libphonenumber's pattern, in its order.
 */
static bool
extension_at(const uint32_t *cp, size_t n, size_t at, size_t *ext_start,
			 size_t *ext_len)
{
	static const uint32_t rfc[] = {';', 'e', 'x', 't', '='};
	size_t		i = at;
	size_t		j;

	/* RFC 3966 ";ext=" */
	if (take(cp, n, &i, rfc, 5) &&
		ext_tail(cp, n, i, PHONE_MAX_EXTENSION_DIGITS, false, HASH_NONE, ext_start, ext_len))
		return true;

	/* explicit label ("ext.", "extension", "anexo") and ambiguous ("x", "#") */
	i = at;
	while (i < n && in_set(cp[i], sep_label))
		i++;
	j = i;
	if (explicit_label(cp, n, &j) &&
		ext_tail(cp, n, j, PHONE_MAX_EXTENSION_DIGITS, true, HASH_OPTIONAL, ext_start, ext_len))
		return true;
	j = i;
	if (ambiguous_label(cp, n, &j) &&
		ext_tail(cp, n, j, 9, true, HASH_OPTIONAL, ext_start, ext_len))
		return true;

	/* American style: "- 503#" */
	i = at;
	while (i < n && (cp[i] == '-' || cp[i] == ' '))
		i++;
	if (i > at && ext_tail(cp, n, i, 6, false, HASH_REQUIRED, ext_start, ext_len))
		return true;

	/* auto-dialling ",," or ";", then only commas */
	i = at;
	while (i < n && in_set(cp[i], sep_no_comma))
		i++;
	j = i;
	if (j < n && (cp[j] == ';' || (j + 1 < n && cp[j] == ',' && cp[j + 1] == ',')))
	{
		j += cp[j] == ';' ? 1 : 2;
		if (ext_tail(cp, n, j, 15, true, HASH_OPTIONAL, ext_start, ext_len))
			return true;
	}
	j = i;
	while (j < n && cp[j] == ',')
		j++;
	if (j > i && ext_tail(cp, n, j, 9, true, HASH_OPTIONAL, ext_start, ext_len))
		return true;
	return false;
}

/*
 * Whether the separators before an extension's digits could hold what every
 * alternative but the American "- 503#" needs: a label (letters), ';', ','
 * or '~' (or a '#' that is one).  Plain characters cannot; anything else
 * is left to the matcher.
 */
static bool
may_hold_label(const uint32_t *cp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (char_class(cp[i]) & CH_UNPLAIN)
			return true;
	return false;
}

/*
 * The leftmost extension starting in [from, to]: the extension digits are
 * the trailing digit run (before an optional '#'), and everything between
 * the match start and them is label and separators, never a digit, so only
 * the non-digit run before the trailing digits can hold the start.
 */
static bool
find_extension(const uint32_t *cp, size_t n, size_t from, size_t to,
			   size_t *at, size_t *ext_start, size_t *ext_len)
{
	size_t		e = n,
				d,
				k;

	if (e > 0 && cp[e - 1] == '#')
		e--;
	d = e;
	while (d > 0 && is_digit(cp[d - 1]))
		d--;
	if (d == e || e - d > PHONE_MAX_EXTENSION_DIGITS)
		return false;
	k = d;
	while (k > 0 && !is_digit(cp[k - 1]))
		k--;
	if (k < from)
		k = from;
	if (k >= d || (e == n && !may_hold_label(cp + k, d - k)))
		return false;
	for (size_t i = k; i < d && i <= to; i++)
		if (extension_at(cp, n, i, ext_start, ext_len))
		{
			*at = i;
			return true;
		}
	return false;
}

/*
 * libphonenumber's IsViablePhoneNumber: two digits, or
 * [+＋]*(?:[punct*]*\d){3,}[punct*alpha\d]*(?:extension)? as a full match.
 */
static bool
is_viable(const uint32_t *cp, size_t n)
{
	size_t		i = 0,
				m;
	int			digits = 0;

	/* fewer than two UTF-8 bytes */
	if (n == 0 || (n == 1 && cp[0] < 0x80))
		return false;
	if (n == 2 && is_digit(cp[0]) && is_digit(cp[1]))
		return true;
	while (i < n && is_plus(cp[i]))
		i++;
	while (i < n && digits < 3)
	{
		if (is_digit(cp[i]))
			digits++;
		else if (!is_punctuation(cp[i]) && cp[i] != '*')
			return false;
		i++;
	}
	if (digits < 3)
		return false;
	m = i;
	while (m < n && is_viable_char(cp[m]))
		m++;
	if (m == n)
		return true;
	{
		size_t		at,
					s,
					l;

		return find_extension(cp, n, i, m, &at, &s, &l);
	}
}

/*
 * libphonenumber's ExtractPossibleNumber, in place; returns the new length.
 * letters: whether the text may hold the "x" of a second number.
 */
static size_t
extract_possible_number(uint32_t *cp, size_t n, bool letters)
{
	size_t		start = 0,
				end = n;

	while (start < n && !is_plus(cp[start]) && !is_digit(cp[start]))
		start++;
	if (start == n)
		return 0;
	/* drop trailing characters that are neither numbers, letters nor '#' */
	while (end > start)
	{
		uint32_t	c = cp[end - 1];

		if (c < 0x80 ? (c == '#' || (c >= '0' && c <= '9') || is_ascii_alpha(c)) :
			(U_GET_GC_MASK((UChar32) c) & (U_GC_N_MASK | U_GC_L_MASK)) != 0)
			break;
		end--;
	}
	if (end == start)
		return 0;
	if (start > 0)
		memmove(cp, cp + start, (end - start) * sizeof(uint32_t));
	n = end - start;
	/* a second number after "/ x" or "\ x": keep what precedes the last one */
	for (size_t i = letters ? n : 0; i-- > 0;)
	{
		if (cp[i] == '/' || cp[i] == '\\')
		{
			size_t		j = i + 1;

			while (j < n && cp[j] == ' ')
				j++;
			if (j < n && cp[j] == 'x')
				return i;
		}
	}
	return n;
}

/*
 * libphonenumber's BuildNationalNumberForParsing: a tel: URI with
 * ";phone-context=+..." puts the context first; ";isub=" and after is
 * dropped.  The context and the number may overlap in odd input, so cp must
 * have room for twice its n code points.  kinds: text_kinds of cp.
 */
static size_t
build_national_number(uint32_t *cp, size_t n, unsigned kinds)
{
	/* both parameters start with ';' */
	bool		semi = (kinds & CH_SEMI) != 0;
	ptrdiff_t	ctx = semi ? find_ascii(cp, n, 0, ";phone-context=") : -1;
	ptrdiff_t	isub;

	if (ctx >= 0)
	{
		uint32_t	tmp[2 * PHONE_MAX_INPUT_BYTES];
		size_t		k = 0;
		size_t		cstart = (size_t) ctx + 15;
		ptrdiff_t	tel;
		size_t		from,
					to;

		if (cstart + 1 < n && cp[cstart] == '+')
		{
			ptrdiff_t	cend = find_ascii(cp, n, cstart, ";");
			size_t		stop = cend >= 0 ? (size_t) cend : n;

			for (size_t i = cstart; i < stop; i++)
				tmp[k++] = cp[i];
		}
		tel = find_ascii(cp, n, 0, "tel:");
		from = tel >= 0 ? (size_t) tel + 4 : 0;
		to = from <= (size_t) ctx ? (size_t) ctx : n;
		for (size_t i = from; i < to; i++)
			tmp[k++] = cp[i];
		memcpy(cp, tmp, k * sizeof(uint32_t));
		n = k;
	}
	else
		n = extract_possible_number(cp, n, (kinds & CH_ALPHA) != 0);
	isub = semi ? find_ascii(cp, n, 0, ";isub=") : -1;
	if (isub >= 0)
		n = (size_t) isub;
	return n;
}

/*
 * libphonenumber's Normalize: with three or more ASCII letters, letters
 * become keypad digits and everything but ASCII letters and digits is
 * dropped; otherwise only (any script's) decimal digits are kept.
 */
static size_t
normalize(const uint32_t *cp, size_t n, char *out)
{
	static const char keypad[] = "22233344455566677778889999";
	int			letters = 0;
	size_t		k = 0;

	/* digits, counting letters on the way (with three, redone as keypad) */
	for (size_t i = 0; i < n; i++)
	{
		uint32_t	c = cp[i];

		/* ASCII: store, keep only a digit (digits and separators alternate) */
		if (c < 0x80)
		{
			out[k] = (char) c;
			k += c - '0' < 10;
			letters += is_ascii_alpha(c);
		}
		else
		{
			int			d = digit_value(c);

			if (d >= 0)
				out[k++] = (char) ('0' + d);
		}
	}
	if (letters >= 3)
	{
		k = 0;
		for (size_t i = 0; i < n; i++)
		{
			uint32_t	c = cp[i];

			if (c >= '0' && c <= '9')
				out[k++] = (char) c;
			else if (is_ascii_alpha(c))
				out[k++] = keypad[(c | 0x20) - 'a'];
		}
	}
	out[k] = '\0';
	return k;
}

static bool
general_match(const PhoneTerritory *t, const char *digits, size_t len)
{
	return t->general.dfa != 0 && ct_phone_dfa_match(t->general.dfa, digits, len);
}

/*
 * libphonenumber's MaybeStripNationalPrefixAndCarrierCode (carrier dropped):
 * on success the rewritten number is in out (capacity cap, NUL-ended).
 */
bool
ct_phone_strip_national_prefix(const PhoneTerritory *t, const char *digits,
							size_t len, char *out, size_t *out_len, size_t cap)
{
	int			caps[PHONE_CAPS];
	int			group;
	bool		viable;
	size_t		k = 0;

	if (len == 0 || t->national_prefix_for_parsing.start < 0 ||
		!ct_phone_program_match(t->national_prefix_for_parsing, digits, (int) len,
							 false, caps))
		return false;
	viable = general_match(t, digits, len);
	/* RE2's Consume with two arguments needs two groups: then the second counts */
	group = t->national_prefix_for_parsing.ngroups >= 2 ? 2 : 1;
	if (t->national_prefix_transform_rule != NULL &&
		t->national_prefix_for_parsing.ngroups >= 1 &&
		caps[2 * group] >= 0 && caps[2 * group + 1] > caps[2 * group])
	{
		for (const char *p = t->national_prefix_transform_rule; *p; p++)
		{
			if (*p == '$' && p[1] >= '1' && p[1] <= '9')
			{
				int			g = p[1] - '0';

				if (g <= PHONE_MAX_GROUPS && caps[2 * g] >= 0)
					for (int i = caps[2 * g]; i < caps[2 * g + 1] && k < cap; i++)
						out[k++] = digits[i];
				p++;
			}
			else if (k < cap)
				out[k++] = *p;
		}
	}
	for (size_t i = (size_t) caps[1]; i < len && k < cap; i++)
		out[k++] = digits[i];
	/* k == cap: it did not fit (nor would a NUL) */
	if (k >= cap || (viable && !general_match(t, out, k)))
		return false;
	out[k] = '\0';
	*out_len = k;
	return true;
}

/*
 * libphonenumber's ExtractCountryCode: the calling code is the first one,
 * two or three digits that name a known calling code.
 */
static int
leading_country_code(char *digits, size_t *len)
{
	int			code = 0;

	if (*len == 0 || digits[0] == '0')
		return 0;
	for (size_t i = 1; i <= 3 && i <= *len; i++)
	{
		code = code * 10 + (digits[i - 1] - '0');
		if (ct_phone_calling_code(code) != NULL)
		{
			memmove(digits, digits + i, *len - i + 1);
			*len -= i;
			return code;
		}
	}
	return 0;
}

/*
 * libphonenumber's MaybeExtractCountryCode on the number's digits (after
 * Normalize; plus: the text began with "+"): find a calling code after "+",
 * after the default region's international prefix, or (a number that
 * repeats its own code) at the start.  Leaves digits as they are when it
 * fails.
 */
static ParseError
extract_country_code(const PhoneTerritory *def, bool plus, char *digits,
					 size_t *dlen, int *country_code)
{
	bool		international = plus;

	*country_code = 0;
	if (!international && def != NULL && def->international_prefix.start >= 0)
	{
		int			caps[PHONE_CAPS];

		if (ct_phone_program_match(def->international_prefix, digits, (int) *dlen,
								false, caps) &&
			!(caps[1] < (int) *dlen && digits[caps[1]] == '0'))
		{
			memmove(digits, digits + caps[1], *dlen - caps[1] + 1);
			*dlen -= caps[1];
			international = true;
		}
	}
	if (international)
	{
		if (*dlen <= 2)
			return PARSE_TOO_SHORT_AFTER_IDD;
		*country_code = leading_country_code(digits, dlen);
		return *country_code ? PARSE_OK : PARSE_INVALID_COUNTRY_CODE;
	}
	if (def != NULL)
	{
		/* do the digits start with the calling code (1-3 digits, no 0 first)? */
		size_t		cclen = def->country_code >= 100 ? 3 : def->country_code >= 10 ? 2 : 1;
		int			lead = 0;

		for (size_t k = 0; k < cclen && k < *dlen; k++)
			lead = lead * 10 + (digits[k] - '0');
		if (*dlen >= cclen && lead == def->country_code)
		{
			char		stripped[DIGITS_CAP];
			const char *potential = digits + cclen;
			size_t		plen = *dlen - cclen;

			if (ct_phone_strip_national_prefix(def, potential, plen, stripped, &plen,
											sizeof(stripped)))
				potential = stripped;
			if ((!general_match(def, digits, *dlen) &&
				 general_match(def, potential, plen)) ||
				ct_phone_test_length(*dlen, def) == PHONE_LENGTH_TOO_LONG)
			{
				memmove(digits, potential, plen + 1);
				*dlen = plen;
				*country_code = def->country_code;
			}
		}
	}
	return PARSE_OK;
}

/*
 * The separators of plain text, space ( ) - . / [ ]: kValidPunctuation
 * without the letters and the characters that may begin a label or a
 * parameter.  A bit for each character from ' ' (0x20) to '_' (0x5F).
 */
#define PLAIN_BIT(c) (UINT64_C(1) << ((c) - 0x20))
static const uint64_t plain_separators =
	PLAIN_BIT(' ') | PLAIN_BIT('(') | PLAIN_BIT(')') | PLAIN_BIT('-') |
	PLAIN_BIT('.') | PLAIN_BIT('/') | PLAIN_BIT('[') | PLAIN_BIT(']');

/* Without a branch: digits and separators alternate unpredictably. */
static inline bool
is_plain_separator(unsigned char c)
{
	unsigned	bit = (unsigned) c - 0x20;

	return (bit < 64) & (unsigned) (plain_separators >> (bit & 63));
}

/*
 * How most numbers are written, in one pass over the bytes: ASCII digits,
 * plain separators and leading "+" signs, with three digits or more.  On
 * such text the scanners' steps come down to this: no tel: URI, second
 * number or extension; the number starts at the first "+" or digit and is
 * viable; Normalize keeps its digits.  Other text (or fewer digits) is left
 * to them: returns false.
 */
static bool
plain_number(const char *text, size_t len, bool *plus, char *digits, size_t *dlen)
{
	size_t		i = 0,
				k = 0;
	bool		other = false;

	while (i < len && is_plain_separator((unsigned char) text[i]))
		i++;
	*plus = i < len && text[i] == '+';
	while (i < len && text[i] == '+')
		i++;
	for (; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];
		bool		digit = (unsigned) (c - '0') < 10;

		/* store, keep only a digit */
		digits[k] = (char) c;
		k += digit;
		other |= !digit & !is_plain_separator(c);
	}
	if (other || k < 3)
		return false;
	digits[k] = '\0';
	*dlen = k;
	return true;
}

/*
 * Find the number in the text: its digits (Normalize), whether it began
 * with "+", and its extension (into out).  def: the default region's
 * territory, or NULL.
 */
static ParseError
find_number(const char *text, size_t len, const PhoneTerritory *def,
			PhoneNumber *out, bool *plus, char *digits, size_t *dlen)
{
	uint32_t	cp[2 * PHONE_MAX_INPUT_BYTES];
	size_t		n,
				i = 0;
	unsigned	kinds;

	if (plain_number(text, len, plus, digits, dlen))
		return (def == NULL && !*plus) ? PARSE_INVALID_COUNTRY_CODE : PARSE_OK;

	if (!ct_utf8_decode_valid(text, len, cp, &n))
		return PARSE_NOT_A_NUMBER;
	/* what build_national_number keeps is part of this text */
	kinds = text_kinds(cp, n);
	n = build_national_number(cp, n, kinds);
	if (!is_viable(cp, n))
		return PARSE_NOT_A_NUMBER;
	*plus = is_plus(cp[0]);
	if (def == NULL && !*plus)
		return PARSE_INVALID_COUNTRY_CODE;

	/* MaybeStripExtension: the leftmost extension, if what precedes is viable */
	{
		size_t		at,
					s,
					l;

		/* may_hold_label's test on the whole text, before any scan */
		if ((kinds & CH_UNPLAIN) && find_extension(cp, n, 0, n, &at, &s, &l) &&
			is_viable(cp, at))
		{
			for (size_t j = 0; j < l; j++)
				out->extension[j] = (char) ('0' + digit_value(cp[s + j]));
			out->extension[l] = '\0';
			out->extension_len = (uint8_t) l;
			n = at;
		}
	}

	while (i < n && is_plus(cp[i]))
		i++;
	*dlen = normalize(cp + i, n - i, digits);
	return PARSE_OK;
}

/*
 * ct_phone_parse, leaving the national significant number's digits in digits
 * (DIGITS_CAP bytes), *nsn_len of them, on success.
 */
static ParseError
parse(const char *text, size_t len, const char *default_region,
	  size_t region_len, PhoneNumber *out, char *digits, size_t *nsn_len)
{
	const PhoneTerritory *def;
	const PhoneTerritory *t;
	size_t		dlen;
	int			country_code;
	bool		plus;
	ParseError	err;

	memset(out, 0, sizeof(*out));
	if (len > PHONE_MAX_INPUT_BYTES)
		return PARSE_TOO_LONG;
	def = default_region ? ct_phone_territory_for_region(default_region, region_len) : NULL;
	err = find_number(text, len, def, out, &plus, digits, &dlen);
	if (err != PARSE_OK)
		return err;
	err = extract_country_code(def, plus, digits, &dlen, &country_code);
	if (err != PARSE_OK)
	{
		if (err != PARSE_INVALID_COUNTRY_CODE || !plus)
			return err;
		/* "+" followed by no known code: retry as if there were no "+" */
		extract_country_code(def, false, digits, &dlen, &country_code);
		if (country_code == 0)
			return PARSE_INVALID_COUNTRY_CODE;
	}
	if (country_code != 0)
		t = ct_phone_territory_for_country_code(country_code);
	else if (def != NULL)
	{
		t = def;
		country_code = def->country_code;
	}
	else
		return PARSE_INVALID_COUNTRY_CODE;
	if (dlen < 2)
		return PARSE_TOO_SHORT_NSN;
	if (t != NULL)
	{
		char		potential[DIGITS_CAP];
		size_t		plen;
		PhoneLengthResult r;

		/* unstripped, the potential number is the number itself */
		if (ct_phone_strip_national_prefix(t, digits, dlen, potential, &plen,
										sizeof(potential)))
		{
			r = ct_phone_test_length(plen, t);
			if (r != PHONE_LENGTH_TOO_SHORT && r != PHONE_LENGTH_POSSIBLE_LOCAL_ONLY &&
				r != PHONE_LENGTH_INVALID)
			{
				memcpy(digits, potential, plen + 1);
				dlen = plen;
			}
		}
	}
	if (dlen < 2)
		return PARSE_TOO_SHORT_NSN;
	if (dlen > PHONE_MAX_NSN_DIGITS)
		return PARSE_TOO_LONG;

	out->country_code = (uint16_t) country_code;
	/* Italian leading zeros: all but the last digit may be zeros */
	if (dlen > 1 && digits[0] == '0')
	{
		size_t		z = 1;

		while (z < dlen - 1 && digits[z] == '0')
			z++;
		out->leading_zeros = (uint8_t) z;
	}
	for (size_t i = 0; i < dlen; i++)
		out->national_number = out->national_number * 10 + (uint64_t) (digits[i] - '0');
	*nsn_len = dlen;
	return PARSE_OK;
}

/* parse, as a reason; the NSN's digits are left in digits (DIGITS_CAP bytes). */
static const CtReason *
parse_reason(const char *text, size_t len, const char *default_region,
			 size_t region_len, PhoneNumber *out, char *digits, size_t *dlen)
{
	ParseError	err = parse(text, len, default_region, region_len, out, digits, dlen);

	return err == PARSE_OK ? NULL : &parse_reasons[err];
}

const CtReason *
ct_phone_parse(const char *text, size_t len, const char *default_region,
			size_t region_len, PhoneNumber *out)
{
	char		digits[DIGITS_CAP];
	size_t		dlen;

	return parse_reason(text, len, default_region, region_len, out, digits, &dlen);
}

const CtReason *
ct_phone_parse_valid(const char *text, size_t len, const char *default_region,
				  size_t region_len, PhoneNumber *out)
{
	char		digits[DIGITS_CAP];
	size_t		dlen;
	const CtReason *r = parse_reason(text, len, default_region, region_len, out, digits, &dlen);

	/* the digits in hand are the NSN ct_phone_check would write out again */
	return r ? r : ct_phone_check_nsn(out->country_code, digits, dlen);
}
