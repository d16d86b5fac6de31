/*
 * match_keys.c
 *		Normalized keys of contact values for blocking and comparison.
 *
 * Each key is one of the extension's normalizations: the provider-aware
 * canonical mailbox (email.h), the E.164 number (phone.h), the Spanish
 * phonetic key (phonetic.h), the company key (company.h), the national ID
 * (national_id.h), fold() (fold.h).  Dates and postcodes are normalized
 * here; the phonetic key of a name has its words sorted, so that "Pérez,
 * José" and "José Pérez" block together.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "company.h"
#include "date_parse.h"
#include "email.h"
#include "fold.h"
#include "match_keys.h"
#include "national_id.h"
#include "phone.h"
#include "phonetic.h"
#include "words.h"

static const char *const key_kind_names[CT_KEY_COUNT] = {
	"email", "phone", "phonetic", "company", "national_id", "postcode", "date", "fold", "identifier",
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

/*
 * The address without the slips of the finger no mailbox accepts, into
 * buf: each run of dots made one ("ana..garcia@gmail..com") and a list's
 * separator left at its end ("ana@gmail.com," from a column of several).
 * NULL when there are none, or the address is quoted or too long.
 */
static const char *
without_slips(const char *value, size_t len, char *buf, size_t *outlen)
{
	size_t		n = 0;

	if (len >= EMAIL_BUF_SIZE || memchr(value, '"', len) != NULL)
		return NULL;
	while (len > 0 && (isspace((unsigned char) value[len - 1]) || value[len - 1] == ',' || value[len - 1] == ';'))
		len--;
	for (size_t i = 0; i < len; i++)
		if (!(value[i] == '.' && n > 0 && buf[n - 1] == '.'))
			buf[n++] = value[i];
	*outlen = n;
	return buf;
}

/*
 * The canonical mailbox (provider rules: Gmail dots, +tags ...); an address
 * only a slip keeps from being one keys as the address without it.
 */
static size_t
email_key(const char *value, size_t len, char *out)
{
	char		normalized[EMAIL_BUF_SIZE];
	char		canonical[EMAIL_BUF_SIZE];
	char		repaired[EMAIL_BUF_SIZE];
	EmailParts	parts;
	size_t		n;

	if (ct_email_normalize(value, len, EMAIL_PROFILE_MAILBOX, NULL, normalized, &parts) != NULL &&
		((value = without_slips(value, len, repaired, &len)) == NULL ||
		 ct_email_normalize(value, len, EMAIL_PROFILE_MAILBOX, NULL, normalized, &parts) != NULL))
		return 0;
	n = ct_email_canonical(normalized, parts.len, canonical);
	if (n == 0 || n >= CT_KEY_MAX)
		return 0;				/* over-long addresses are compared as typed */
	memcpy(out, canonical, n);
	out[n] = '\0';
	return n;
}

/*
 * Until its numbering plan changed in August 2019 (IFT), Mexico dialled
 * "01" or "02" before a number in another city, "044" or "045" before a
 * mobile, and a "1" after +52 before a mobile from abroad; the plan, and
 * the metadata, know only the ten digits now.  num becomes the ten digits'
 * number; whether it did.
 */
static bool
mexican_number_before_2019(PhoneNumber *num)
{
	char		nsn[PHONE_MAX_NSN_DIGITS + 1];
	size_t		n;
	size_t		drop;

	if (num->country_code != 52)
		return false;
	n = ct_phone_national_significant_number(num, nsn);
	if (n == 11 && nsn[0] == '1')
		drop = 1;
	else if (n == 12 && (memcmp(nsn, "01", 2) == 0 || memcmp(nsn, "02", 2) == 0))
		drop = 2;
	else if (n == 13 && (memcmp(nsn, "044", 3) == 0 || memcmp(nsn, "045", 3) == 0))
		drop = 3;
	else
		return false;
	num->national_number = strtoull(nsn + drop, NULL, 10);
	num->leading_zeros = 0;
	return true;
}

/*
 * A trunk "0" its country no longer dials: Chile wrote a mobile "09 1234
 * 5678" until its plan closed in 2016, and dials "9 1234 5678" now.  num
 * loses the zero; whether it had one.
 */
static bool
without_trunk_zero(PhoneNumber *num)
{
	if (num->leading_zeros == 0)
		return false;
	num->leading_zeros--;
	return true;
}

/*
 * "00" read as the international prefix, as most of the world dials it,
 * where the region dials another: Colombia dials "005", so "0057 601 234
 * 5678" parses as +7 601...; read this way it is +57 601 234 5678.
 */
static bool
after_double_zero(const char *value, size_t len, PhoneNumber *num)
{
	char		plus[PHONE_FORMAT_BUFSIZE];

	while (len > 0 && isspace((unsigned char) *value))
	{
		value++;
		len--;
	}
	if (len < 3 || len >= sizeof(plus) || value[0] != '0' || value[1] != '0')
		return false;
	plus[0] = '+';
	memcpy(plus + 1, value + 2, len - 2);
	return ct_phone_parse(plus, len - 1, NULL, 0, num) == NULL;
}

/*
 * The number in E.164 without the "+", when it has a possible length.  A
 * number not valid as written may be an older, or another country's, way
 * of writing a valid one: it keys as that one, so that it blocks and
 * compares with the same line written today (validation still refuses it).
 */
static size_t
phone_key(const char *value, size_t len, const char *region, char *out)
{
	PhoneNumber num;
	PhoneNumber intl;			/* the text with its "00" read as "+" */
	char		e164[PHONE_FORMAT_BUFSIZE];
	size_t		n;
	bool		parsed = ct_phone_parse(value, len, region, region ? strlen(region) : 0, &num) == NULL;
	bool		has_intl = after_double_zero(value, len, &intl);

	/*
	 * "00" and the region's own country code: that country's number (of a
	 * possible length), even where the digits also read as a valid number
	 * of another country (Colombia's "0057 306 ..." would be +7 306 ..., a
	 * Russian number).
	 */
	if (has_intl && region && ct_phone_is_possible(&intl) &&
		intl.country_code == ct_phone_country_code_for_region(region, strlen(region)))
		num = intl;
	else if (parsed && !ct_phone_is_valid(&num))
	{
		PhoneNumber mexican = num;
		PhoneNumber trunk = num;

		if (mexican_number_before_2019(&mexican) && ct_phone_is_possible(&mexican))
			num = mexican;
		else if (without_trunk_zero(&trunk) && ct_phone_is_valid(&trunk))
			num = trunk;
		else if (has_intl && ct_phone_is_valid(&intl))
			num = intl;
		else if (!ct_phone_is_possible(&num))
			return 0;
	}
	else if (!parsed)
	{
		if (has_intl && ct_phone_is_valid(&intl))
			num = intl;
		else
			return 0;
	}
	n = ct_phone_format(&num, PHONE_FORMAT_E164, e164, sizeof(e164));
	if (n < 2 || n >= CT_KEY_MAX)
		return 0;
	memcpy(out, e164 + 1, n - 1);
	out[n - 1] = '\0';
	return n - 1;
}

static int
compare_word(const void *a, const void *b)
{
	const CtWord *x = a,
			   *y = b;

	return ct_word_cmp(x->s, x->len, y->s, y->len);
}

/*
 * The Spanish phonetic codes of the words of a name, sorted: "Pérez, José"
 * and "Jose Perez" give the same key.
 */
static size_t
phonetic_key(const char *value, size_t len, char *out)
{
	char		codes[CT_KEY_MAX * 3 - 1];
	CtWord		words[32];
	int			nwords;
	size_t		clen = ct_phonetic_es(value, len, codes, sizeof(codes));
	size_t		n = 0;

	if (clen > sizeof(codes))
		clen = sizeof(codes);	/* the words that fit */
	nwords = ct_words_split(codes, clen, CT_WORDS_SPACE, words, 32, false);
	qsort(words, nwords, sizeof(words[0]), compare_word);
	for (int k = 0; k < nwords; k++)
	{
		if (n + words[k].len + 2 >= CT_KEY_MAX)
			break;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, words[k].s, words[k].len);
		n += words[k].len;
	}
	out[n] = '\0';
	return n;
}

/* the company key: folded, legal form and punctuation dropped */
static size_t
company_key(const char *value, size_t len, char *out, const CtAllocator *alloc)
{
	size_t		n;
	char	   *key = ct_company_key(alloc, value, len, &n);

	if (key == NULL)
		return 0;
	if (n >= CT_KEY_MAX)
	{
		n = CT_KEY_MAX - 1;
		while (n > 0 && ((unsigned char) key[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, key, n);
	out[n] = '\0';
	ct_free(alloc, key);
	return n;
}

/*
 * A date as typed, read by ct_date_parse() as imports and the birth_date
 * kind read it: in the region's order (day first when there is no region,
 * as dedupe has always assumed), years 1850-2100.  When that order gives no
 * valid date the other is tried (13/05 is the 13th): a key, unlike an
 * imported value, is better guessed than lost.
 */
static size_t
date_key(const char *value, size_t len, const char *region, char *out)
{
	CtDateRules rules = {ct_date_order_for_region(region), CT_DATE_PIVOT_DEFAULT, false};
	CtDate		d;
	const CtReason *r;

	if (rules.order == CT_DATE_ORDER_UNKNOWN)
		rules.order = CT_DATE_DMY;
	r = ct_date_parse(value, len, &rules, &d);
	if (r == &ct_date_impossible && rules.order != CT_DATE_YMD)
	{
		rules.order = rules.order == CT_DATE_DMY ? CT_DATE_MDY : CT_DATE_DMY;
		r = ct_date_parse(value, len, &rules, &d);
	}
	if (r != NULL || d.has_time || d.year < 1850 || d.year > 2100)
		return 0;
	ct_date_format(&d, false, out);
	/* YYYYMMDD */
	memmove(out + 4, out + 5, 2);
	memmove(out + 6, out + 8, 3);
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
			return phonetic_key(value, len, out);
		case CT_KEY_COMPANY:
			return company_key(value, len, out, alloc);
		case CT_KEY_NATIONAL_ID:
			return national_id_key(value, len, region, out);
		case CT_KEY_POSTCODE:
		case CT_KEY_IDENTIFIER:
			return compact_key(value, len, out);
		case CT_KEY_DATE:
			return date_key(value, len, region, out);
		case CT_KEY_FOLD:
			return fold_key(value, len, out, alloc);
		default:
			return 0;
	}
}
