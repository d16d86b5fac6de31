/*
 * match_keys.c
 *		Normalized keys of contact values for blocking and comparison.
 *
 * Dates, postcodes and national IDs are normalized here (the latter through
 * national_id.h).  The e-mail, phone, phonetic and company keys below are
 * INTERIM: they stand in for the email, phone, textsim (phonetic) and names
 * (company key) modules, which were not merged when the dedupe was written;
 * each is one small function so that it is replaced by a call to the real
 * helper when that lands.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "match_keys.h"
#include "national_id.h"

static const char *const key_kind_names[CT_KEY_COUNT] = {
	"email", "phone", "phonetic", "company", "national_id", "postcode", "date", "fold",
};

const char *
ct_key_kind_name(CtKeyKind kind)
{
	return (kind >= 0 && kind < CT_KEY_COUNT) ? key_kind_names[kind] : NULL;
}

int
ct_key_kind_from_name(const char *name)
{
	for (int i = 0; i < CT_KEY_COUNT; i++)
		if (strcmp(name, key_kind_names[i]) == 0)
			return i;
	return -1;
}

/* fold() into a CT_KEY_MAX buffer, cut at the last whole character */
static size_t
fold_key(const char *value, size_t len, char *out, const CtAllocator *alloc)
{
	size_t		n = ct_fold(value, len, out, CT_KEY_MAX - 1, alloc);

	if (n > CT_KEY_MAX - 1)
	{
		n = CT_KEY_MAX - 1;
		while (n > 0 && ((unsigned char) out[n] & 0xC0) == 0x80)
			n--;
	}
	out[n] = '\0';
	return n;
}

/* INTERIM (email module): lower case, +tag dropped, Gmail dots dropped */
static size_t
email_key(const char *value, size_t len, char *out)
{
	const char *start = value,
			   *end = value + len;
	const char *at = NULL;
	size_t		n = 0;
	bool		gmail;
	bool		in_tag = false;
	const char *domain;

	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	for (const char *p = start; p < end; p++)
	{
		if (*p == '@')
		{
			if (at)
				return 0;
			at = p;
		}
		else if ((unsigned char) *p <= ' ' || *p == ',')
			return 0;
	}
	if (!at || at == start || end - at < 4 || !memchr(at, '.', end - at) ||
		(size_t) (end - start) >= CT_KEY_MAX - 1)
		return 0;
	domain = at + 1;
	gmail = ((end - domain) == 9 && strncasecmp(domain, "gmail.com", 9) == 0) ||
		((end - domain) == 14 && strncasecmp(domain, "googlemail.com", 14) == 0);
	for (const char *p = start; p < at; p++)
	{
		if (*p == '+')
			in_tag = true;
		if (in_tag || (gmail && *p == '.'))
			continue;
		out[n++] = (char) tolower((unsigned char) *p);
	}
	if (n == 0)
		return 0;
	out[n++] = '@';
	if (gmail)
	{
		memcpy(out + n, "gmail.com", 9);
		n += 9;
	}
	else
		for (const char *p = domain; p < end; p++)
			out[n++] = (char) tolower((unsigned char) *p);
	out[n] = '\0';
	return n;
}

typedef struct CallingCode
{
	const char *region;
	const char *cc;
	bool		trunk_zero;		/* national numbers are dialled with a 0 */
} CallingCode;

static const CallingCode calling_codes[] = {
	{"AR", "54", true}, {"BR", "55", true}, {"CL", "56", true},
	{"CO", "57", false}, {"ES", "34", false}, {"FR", "33", true},
	{"GB", "44", true}, {"MX", "52", false}, {"PE", "51", true},
	{"PT", "351", false}, {"US", "1", false}, {"CA", "1", false},
	{"UY", "598", true}, {"DE", "49", true}, {"IT", "39", false},
};

/*
 * INTERIM (phone module): country code + national number, with the
 * national-only tokens removed (trunk 0, Argentine 15 and 9, Mexican 1,
 * 01, 044, 045) so that every written form of one line gives one key.
 */
static size_t
phone_key(const char *value, size_t len, const char *region, char *out)
{
	char		digits[CT_KEY_MAX];
	size_t		nd = 0;
	bool		international = false;
	const CallingCode *cc = NULL;
	char	   *nsn;
	size_t		nlen;
	size_t		i = 0;

	while (i < len && isspace((unsigned char) value[i]))
		i++;
	if (i < len && value[i] == '+')
		international = true;
	for (; i < len && nd < sizeof(digits) - 1; i++)
	{
		char		c = value[i];

		if (isdigit((unsigned char) c))
			digits[nd++] = c;
		else if (c == 'x' || c == 'X' || c == '#' || c == 'e' || c == 'i' || c == ';' || c == ',')
			break;				/* an extension follows */
		else if (c == '(' && i + 2 < len && value[i + 1] == '0' && value[i + 2] == ')')
			i += 2;				/* the British "(0)" */
	}
	digits[nd] = '\0';
	if (!international && nd > 2 && digits[0] == '0' && digits[1] == '0')
	{
		international = true;
		memmove(digits, digits + 2, nd - 1);
		nd -= 2;
	}
	if (international)
	{
		for (size_t k = 0; k < sizeof(calling_codes) / sizeof(calling_codes[0]); k++)
		{
			size_t		cl = strlen(calling_codes[k].cc);

			if (strncmp(digits, calling_codes[k].cc, cl) == 0)
			{
				cc = &calling_codes[k];
				break;
			}
		}
		if (!cc)
		{
			if (nd < 8 || nd > 15)
				return 0;
			memcpy(out, digits, nd + 1);
			return nd;
		}
		nsn = digits + strlen(cc->cc);
		nlen = nd - strlen(cc->cc);
		if (strcmp(cc->cc, "54") == 0 && nlen == 11 && nsn[0] == '9')
			nsn++, nlen--;		/* +54 9: mobile marker */
		else if (strcmp(cc->cc, "52") == 0 && nlen == 11 && nsn[0] == '1')
			nsn++, nlen--;		/* +52 1: pre-2019 mobile marker */
		else if (nlen > 0 && nsn[0] == '0' && cc->trunk_zero)
			nsn++, nlen--;
	}
	else
	{
		if (!region)
			return 0;
		for (size_t k = 0; k < sizeof(calling_codes) / sizeof(calling_codes[0]); k++)
			if (strcasecmp(calling_codes[k].region, region) == 0)
				cc = &calling_codes[k];
		if (!cc)
			return 0;
		nsn = digits;
		nlen = nd;
		if (strcmp(cc->cc, "52") == 0)
		{
			if (nlen == 13 && (strncmp(nsn, "044", 3) == 0 || strncmp(nsn, "045", 3) == 0))
				nsn += 3, nlen -= 3;
			if (nlen == 12 && strncmp(nsn, "01", 2) == 0)
				nsn += 2, nlen -= 2;
			if (nlen == 11 && nsn[0] == '0')
				nsn++, nlen--;
		}
		else if (strcmp(cc->cc, "1") == 0 && nlen == 11 && nsn[0] == '1')
			nsn++, nlen--;
		else if (cc->trunk_zero && nlen > 0 && nsn[0] == '0')
			nsn++, nlen--;
		if (strcmp(cc->cc, "54") == 0 && nlen == 12)
		{
			/* 0 + area (2-4 digits) + 15 + subscriber: drop the 15 */
			size_t		area = nsn[0] == '1' ? 2 : (nsn[0] == '2' || nsn[0] == '3') ? 3 : 4;

			if (nsn[area] == '1' && nsn[area + 1] == '5')
			{
				memmove(nsn + area, nsn + area + 2, nlen - area - 1);
				nlen -= 2;
			}
		}
	}
	if (nlen < 7 || nlen > 11)
		return 0;
	{
		size_t		cl = strlen(cc->cc);

		memcpy(out, cc->cc, cl);
		memcpy(out + cl, nsn, nlen);
		out[cl + nlen] = '\0';
		return cl + nlen;
	}
}

/*
 * INTERIM (textsim phonetic module): a Spanish-aware consonant skeleton of
 * one folded word: b/v, c/k/q, c(e,i)/s/z, g(e,i)/j, ll/y sound alike; h is
 * silent; vowels after the first letter and repeated codes are dropped.
 */
static size_t
phonetic_word(const char *w, size_t len, char *out)
{
	size_t		n = 0;
	char		last = 0;

	for (size_t i = 0; i < len && n < 8; i++)
	{
		char		c = w[i];
		char		next = i + 1 < len ? w[i + 1] : 0;
		char		code;

		switch (c)
		{
			case 'a': case 'e': case 'i': case 'o': case 'u':
				code = i == 0 ? 'A' : 0;
				break;
			case 'b': case 'v': case 'w':
				code = 'B';
				break;
			case 'c':
				if (next == 'h')
				{
					code = 'X';
					i++;
				}
				else
					code = (next == 'e' || next == 'i') ? 'S' : 'K';
				break;
			case 'k': case 'q':
				code = 'K';
				break;
			case 's': case 'z': case 'x':
				code = 'S';
				break;
			case 'g':
				code = (next == 'e' || next == 'i') ? 'J' : 'G';
				break;
			case 'j':
				code = 'J';
				break;
			case 'h':
				code = 0;
				break;
			case 'l':
				if (next == 'l')
				{
					code = 'Y';
					i++;
				}
				else
					code = 'L';
				break;
			case 'y':
				code = (i == 0 || next) ? 'Y' : 0;
				break;
			case 'p':
				if (next == 'h')
				{
					code = 'F';
					i++;
				}
				else
					code = 'P';
				break;
			default:
				code = isalnum((unsigned char) c) ? (char) toupper((unsigned char) c) : 0;
				break;
		}
		if (code && code != last)
			out[n++] = code;
		if (code || (c != 'h'))
			last = code;
	}
	out[n] = '\0';
	return n;
}

static int
compare_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * The phonetic codes of the words of a name, sorted: "Pérez, José" and
 * "Jose Perez" give the same key.  Commas and periods separate words.
 */
static size_t
phonetic_key(const char *value, size_t len, char *out, const CtAllocator *alloc)
{
	char		folded[CT_KEY_MAX];
	char		codes[16][10];
	const char *sorted[16];
	int			nwords = 0;
	size_t		flen = fold_key(value, len, folded, alloc);
	size_t		n = 0;
	size_t		i = 0;

	while (i < flen && nwords < 16)
	{
		size_t		start;

		while (i < flen && !isalnum((unsigned char) folded[i]))
			i++;
		start = i;
		while (i < flen && isalnum((unsigned char) folded[i]))
			i++;
		if (i > start && phonetic_word(folded + start, i - start, codes[nwords]) > 0)
		{
			sorted[nwords] = codes[nwords];
			nwords++;
		}
	}
	qsort(sorted, nwords, sizeof(sorted[0]), compare_str);
	for (int k = 0; k < nwords; k++)
	{
		size_t		wl = strlen(sorted[k]);

		if (n + wl + 2 >= CT_KEY_MAX)
			break;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, sorted[k], wl);
		n += wl;
	}
	out[n] = '\0';
	return n;
}

/* legal forms, as folded words without periods, longest first */
static const char *const legal_forms[] = {
	"s de rl de cv", "sapi de cv", "sa de cv", "sociedad anonima",
	"sociedad limitada", "spa", "slu", "srl", "sas", "sac", "eirl", "ltda",
	"limitada", "sa", "sl", "inc", "incorporated", "llc", "corp",
	"corporation", "ltd", "limited", "plc", "llp", "co", "cia",
};

/*
 * INTERIM (names module company key): the folded name with periods and
 * commas removed, runs of one-letter words joined ("s a" is "sa") and the
 * legal form at the end dropped.
 */
static size_t
company_key(const char *value, size_t len, char *out, const CtAllocator *alloc)
{
	char		folded[CT_KEY_MAX];
	char		words[CT_KEY_MAX];
	size_t		flen = fold_key(value, len, folded, alloc);
	size_t		n = 0;
	bool		changed = true;

	/* words separated by single spaces, punctuation removed */
	for (size_t i = 0; i < flen; i++)
	{
		char		c = folded[i];

		if (c == '.' || c == ',' || c == '&' || c == '-' || c == '\'')
		{
			if (c == '&' || c == '-')
				c = ' ';
			else
			{
				/* "S.A." -> "sa", but "Oak,Stone" keeps a space */
				if (c == ',' && n && words[n - 1] != ' ')
					words[n++] = ' ';
				continue;
			}
		}
		if (c == ' ' && (n == 0 || words[n - 1] == ' '))
			continue;
		words[n++] = c;
	}
	while (n && words[n - 1] == ' ')
		n--;
	words[n] = '\0';

	/* join runs of one-letter words: "s a de c v" -> "sa de cv" */
	for (size_t i = 0; i + 2 < n; i++)
		if ((i == 0 || words[i - 1] == ' ') && words[i + 1] == ' ' &&
			isalpha((unsigned char) words[i + 2]) &&
			(i + 3 == n || words[i + 3] == ' '))
		{
			memmove(words + i + 1, words + i + 2, n - i - 1);
			n--;
			i--;				/* the joined word may take another letter */
			if (i == (size_t) -1)
				i = 0;
		}

	while (changed)
	{
		changed = false;
		for (size_t k = 0; k < sizeof(legal_forms) / sizeof(legal_forms[0]); k++)
		{
			size_t		fl = strlen(legal_forms[k]);

			if (n > fl + 1 && words[n - fl - 1] == ' ' &&
				memcmp(words + n - fl, legal_forms[k], fl) == 0)
			{
				n -= fl + 1;
				words[n] = '\0';
				changed = true;
				break;
			}
		}
	}
	memcpy(out, words, n + 1);
	return n;
}

static bool
valid_ymd(int y, int m, int d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (y < 1850 || y > 2100 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	return !(m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

/*
 * A date as typed: year first (2024-03-05, 2024/3/5, 20240305) or year last
 * (05/03/2024, 5-3-2024) with the day first except for US; when the usual
 * order gives no valid date the other is tried (13/05 is the 13th).
 */
static size_t
date_key(const char *value, size_t len, const char *region, char *out)
{
	int			part[3] = {0, 0, 0};
	int			width[3] = {0, 0, 0};
	int			np = 0;
	int			y, m, d;
	bool		month_first = region && strcasecmp(region, "US") == 0;

	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (isdigit(c))
		{
			if (np == 3 || width[np] >= 8)
				return 0;
			part[np] = part[np] * 10 + (c - '0');
			width[np]++;
		}
		else if ((c == '-' || c == '/' || c == '.' || c == ' ') && np < 3 && width[np] > 0)
			np++;
		else if (!isspace(c))
			return 0;
	}
	if (np < 3 && width[np] > 0)
		np++;
	if (np == 1 && width[0] == 8)
	{
		y = part[0] / 10000;
		m = part[0] / 100 % 100;
		d = part[0] % 100;
	}
	else if (np != 3)
		return 0;
	else if (width[0] == 4)
	{
		y = part[0];
		m = part[1];
		d = part[2];
	}
	else if (width[2] == 4)
	{
		y = part[2];
		m = month_first ? part[0] : part[1];
		d = month_first ? part[1] : part[0];
		if (!valid_ymd(y, m, d) && valid_ymd(y, d, m))
		{
			int			t = m;

			m = d;
			d = t;
		}
	}
	else
		return 0;
	if (!valid_ymd(y, m, d))
		return 0;
	out[0] = (char) ('0' + y / 1000);
	out[1] = (char) ('0' + y / 100 % 10);
	out[2] = (char) ('0' + y / 10 % 10);
	out[3] = (char) ('0' + y % 10);
	out[4] = (char) ('0' + m / 10);
	out[5] = (char) ('0' + m % 10);
	out[6] = (char) ('0' + d / 10);
	out[7] = (char) ('0' + d % 10);
	out[8] = '\0';
	return 8;
}

/* upper-case ASCII letters and digits only */
static size_t
compact_key(const char *value, size_t len, char *out)
{
	size_t		n = 0;

	for (size_t i = 0; i < len && n < CT_KEY_MAX - 1; i++)
		if (isalnum((unsigned char) value[i]))
			out[n++] = (char) toupper((unsigned char) value[i]);
	out[n] = '\0';
	return n;
}

static size_t
national_id_key(const char *value, size_t len, const char *region, char *out)
{
	char		normalized[CT_NATIONAL_ID_MAX];

	if (region && region[0] &&
		ct_national_id_normalize(region, NULL, value, len, normalized, NULL) == NULL)
	{
		size_t		n = strlen(normalized);

		memcpy(out, normalized, n + 1);
		return n;
	}
	/* invalid as typed: still compared, a typo is one edit away */
	return compact_key(value, len, out);
}

size_t
ct_match_key(CtKeyKind kind, const char *value, size_t len, const char *region,
			 char *out, const CtAllocator *alloc)
{
	out[0] = '\0';
	if (value == NULL || len == 0)
		return 0;
	switch (kind)
	{
		case CT_KEY_EMAIL:
			return email_key(value, len, out);
		case CT_KEY_PHONE:
			return phone_key(value, len, region, out);
		case CT_KEY_PHONETIC:
			return phonetic_key(value, len, out, alloc);
		case CT_KEY_COMPANY:
			return company_key(value, len, out, alloc);
		case CT_KEY_NATIONAL_ID:
			return national_id_key(value, len, region, out);
		case CT_KEY_POSTCODE:
			return compact_key(value, len, out);
		case CT_KEY_DATE:
			return date_key(value, len, region, out);
		case CT_KEY_FOLD:
			return fold_key(value, len, out, alloc);
		default:
			return 0;
	}
}
