/*
 * phone.c
 *		Phone engine: territory lookups, validation, number types, regions
 *		and formatting, with libphonenumber's semantics (PhoneNumberUtil's
 *		isPossibleNumber, isValidNumber, getNumberType, getRegionCodeForNumber
 *		and format).  Parsing is in phone_parse.c.
 */
#include "phone_internal.h"

#include <string.h>

static const CtReason reason_invalid_country_code = {
	"INVALID_COUNTRY_CODE",
	"unknown country calling code",
	"Write the number with a valid country calling code, e.g. +44 20 7946 0958."
};
static const CtReason reason_too_short = {
	"TOO_SHORT",
	"phone number has too few digits",
	"Check that no digits are missing."
};
static const CtReason reason_too_long = {
	"TOO_LONG",
	"phone number has too many digits",
	"Check for extra digits, or write an extension as \"ext. 123\"."
};
static const CtReason reason_invalid_length = {
	"INVALID_LENGTH",
	"phone number length is not used in its country",
	"Check that no digit is missing or doubled."
};
static const CtReason reason_invalid_for_region = {
	"INVALID_FOR_REGION",
	"phone number is not in a range its country assigns",
	"Check the digits and the country; a national number needs the right region."
};
static const CtReason reason_invalid_region = {
	"INVALID_REGION",
	"unknown region code",
	"Use an ISO 3166-1 alpha-2 region code that has a numbering plan, e.g. US, GB, AR."
};

static const char *const type_names[PHONE_TYPE_COUNT] = {
	"FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE", "TOLL_FREE",
	"PREMIUM_RATE", "SHARED_COST", "VOIP", "PERSONAL_NUMBER", "PAGER", "UAN",
	"VOICEMAIL", "UNKNOWN"
};

static const char *const format_names[] = {
	"E164", "INTERNATIONAL", "NATIONAL", "RFC3966"
};

const char *
ct_phone_metadata_version(void)
{
	return ct_phone_metadata.version;
}

const char *
ct_phone_type_name(PhoneType type)
{
	if ((int) type < 0 || type >= PHONE_TYPE_COUNT)
		return "UNKNOWN";
	return type_names[type];
}

const char *
ct_phone_format_name(PhoneFormat format)
{
	if ((int) format < 0 || format > PHONE_FORMAT_RFC3966)
		return NULL;
	return format_names[format];
}

bool
ct_phone_format_from_name(const char *name, size_t len, PhoneFormat *out)
{
	for (int f = 0; f <= PHONE_FORMAT_RFC3966; f++)
	{
		const char *cand = format_names[f];

		if (strlen(cand) != len)
			continue;
		for (size_t i = 0; i < len; i++)
		{
			char		c = name[i];

			if (c >= 'a' && c <= 'z')
				c -= 'a' - 'A';
			if (c != cand[i])
				goto next;
		}
		*out = (PhoneFormat) f;
		return true;
next:
		;
	}
	return false;
}

/* Lookups */

static inline int
region_letter(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	return -1;
}

/* Geographic territories only: "001" names no single territory. */
const PhoneTerritory *
ct_phone_territory_for_region(const char *region, size_t len)
{
	int			a,
				b,
				idx;

	if (region == NULL || len != 2)
		return NULL;
	a = region_letter(region[0]);
	b = region_letter(region[1]);
	if (a < 0 || b < 0)
		return NULL;
	idx = ct_phone_metadata.region_index[a * 26 + b];
	return idx < 0 ? NULL : &ct_phone_metadata.territories[idx];
}

const PhoneCallingCode *
ct_phone_calling_code(int country_code)
{
	int			idx;

	if (country_code <= 0 || country_code >= 1000)
		return NULL;
	idx = ct_phone_metadata.calling_code_index[country_code];
	return idx < 0 ? NULL : &ct_phone_metadata.calling_codes[idx];
}

/* The territory whose rules format and length-check a calling code's numbers. */
static inline const PhoneTerritory *
main_territory(const PhoneCallingCode *cc)
{
	return &ct_phone_metadata.territories[ct_phone_metadata.region_list[cc->first]];
}

const PhoneTerritory *
ct_phone_territory_for_country_code(int country_code)
{
	const PhoneCallingCode *cc = ct_phone_calling_code(country_code);

	return cc ? main_territory(cc) : NULL;
}

bool
ct_phone_region_is_supported(const char *region, size_t len)
{
	return ct_phone_territory_for_region(region, len) != NULL;
}

/*
 * "ZZ" is libphonenumber's unknown region, which its users pass as the
 * default region of numbers written with "+"; no territory has it, so the
 * parser already finds no default territory for it, as for NULL.
 */
bool
ct_phone_region_is_unknown(const char *region, size_t len)
{
	return region == NULL ||
		(len == 2 && (region[0] == 'Z' || region[0] == 'z') &&
		 (region[1] == 'Z' || region[1] == 'z'));
}

const CtReason *
ct_phone_region_reason(const char *region, size_t len)
{
	if (ct_phone_region_is_unknown(region, len) || ct_phone_region_is_supported(region, len))
		return NULL;
	return &reason_invalid_region;
}

int
ct_phone_country_code_for_region(const char *region, size_t len)
{
	const PhoneTerritory *t = ct_phone_territory_for_region(region, len);

	return t ? t->country_code : 0;
}

const char *
ct_phone_main_region_for_country_code(int country_code)
{
	const PhoneTerritory *t = ct_phone_territory_for_country_code(country_code);

	return t ? t->id : "ZZ";
}

/* Validation */

/* Number of decimal digits of v (1..20), without a loop. */
static inline size_t
decimal_len(uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
		10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
		100000000000ULL, 1000000000000ULL, 10000000000000ULL,
		100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
		100000000000000000ULL, 1000000000000000000ULL,
		10000000000000000000ULL
	};
	/* bits * 1233 >> 12 is floor(log10(2^bits)); then one comparison (0: 1) */
	uint64_t	w = v | 1;
	size_t		n = (size_t) ((64 - __builtin_clzll(w)) * 1233) >> 12;

	return n + (w >= pow10[n]);
}

/* The four digits of v < 10000, zero-padded, into buf. */
static inline void
put4(char *buf, uint32_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	memcpy(buf, &pairs[2 * (v / 100)], 2);
	memcpy(buf + 2, &pairs[2 * (v % 100)], 2);
}

/*
 * The n = decimal_len(v) digits of v into buf (no NUL), in groups of four
 * from the end: a group's two pairs do not wait for each other, nor for the
 * next group.  This runs for every number checked and formatted.
 */
static void
put_digits(char *buf, uint64_t v, size_t n)
{
	char		head[4];

	for (; n > 4; n -= 4, v /= 10000)
		put4(buf + n - 4, (uint32_t) (v % 10000));
	put4(head, (uint32_t) v);
	for (size_t i = 0; i < n; i++)
		buf[i] = head[4 - n + i];
}

/* Decimal digits of v into buf (no NUL); returns their count (<= 20). */
static size_t
put_decimal(char *buf, uint64_t v)
{
	size_t		n = decimal_len(v);

	put_digits(buf, v, n);
	return n;
}

/*
 * The NSN digits of num into buf (at most PHONE_MAX_NSN_DIGITS, NUL-ended);
 * returns how many there are in full, which exceeds PHONE_MAX_NSN_DIGITS
 * only for a number ct_phone_parse never produces (e.g. built from stored
 * fields): callers treat such a number as too long.
 */
static size_t
nsn_of(const PhoneNumber *num, char *buf)
{
	size_t		zeros = num->leading_zeros;
	size_t		len = decimal_len(num->national_number);

	if (zeros + len <= PHONE_MAX_NSN_DIGITS)
	{
		memset(buf, '0', zeros);
		put_digits(buf + zeros, num->national_number, len);
		buf[zeros + len] = '\0';
	}
	else
	{
		char		tmp[20];
		size_t		n = 0;

		put_digits(tmp, num->national_number, len);
		while (n < zeros && n < PHONE_MAX_NSN_DIGITS)
			buf[n++] = '0';
		for (size_t i = 0; i < len && n < PHONE_MAX_NSN_DIGITS; i++)
			buf[n++] = tmp[i];
		buf[n] = '\0';
	}
	return zeros + len;
}

size_t
ct_phone_national_significant_number(const PhoneNumber *num, char *buf)
{
	size_t		len = nsn_of(num, buf);

	return len > PHONE_MAX_NSN_DIGITS ? PHONE_MAX_NSN_DIGITS : len;
}

/* libphonenumber's IsNumberMatchingDesc: length pre-check, then the pattern. */
bool
ct_phone_matches_desc(const char *nsn, size_t len, const PhoneDesc *desc)
{
	if (desc->lengths != 0 && (len >= 32 || !((desc->lengths >> len) & 1)))
		return false;
	return desc->dfa != 0 && ct_phone_dfa_match(desc->dfa, nsn, len);
}

/* The descriptions GetNumberTypeHelper tries before fixed line and mobile. */
static const PhoneType special_types[] = {
	PHONE_TYPE_PREMIUM_RATE, PHONE_TYPE_TOLL_FREE, PHONE_TYPE_SHARED_COST,
	PHONE_TYPE_VOIP, PHONE_TYPE_PERSONAL_NUMBER, PHONE_TYPE_PAGER,
	PHONE_TYPE_UAN, PHONE_TYPE_VOICEMAIL
};

/* libphonenumber's GetNumberTypeHelper. */
PhoneType
ct_phone_type_for_territory(const char *nsn, size_t len, const PhoneTerritory *t)
{
	if (!ct_phone_matches_desc(nsn, len, &t->general))
		return PHONE_TYPE_UNKNOWN;
	for (size_t i = 0; i < sizeof(special_types) / sizeof(special_types[0]); i++)
		if (ct_phone_matches_desc(nsn, len, &t->types[special_types[i]]))
			return special_types[i];
	if (ct_phone_matches_desc(nsn, len, &t->types[PHONE_TYPE_FIXED_LINE]))
	{
		if (t->same_mobile_and_fixed_line_pattern ||
			ct_phone_matches_desc(nsn, len, &t->types[PHONE_TYPE_MOBILE]))
			return PHONE_TYPE_FIXED_LINE_OR_MOBILE;
		return PHONE_TYPE_FIXED_LINE;
	}
	if (!t->same_mobile_and_fixed_line_pattern &&
		ct_phone_matches_desc(nsn, len, &t->types[PHONE_TYPE_MOBILE]))
		return PHONE_TYPE_MOBILE;
	return PHONE_TYPE_UNKNOWN;
}

/*
 * ct_phone_type_for_territory(...) != PHONE_TYPE_UNKNOWN in one walk: the
 * generator joins the general description and every type's into one DFA.
 */
static inline bool
has_type(const char *nsn, size_t len, const PhoneTerritory *t)
{
	return ct_phone_dfa_match(t->valid, nsn, len);
}

/* libphonenumber's TestNumberLength for the general description. */
PhoneLengthResult
ct_phone_test_length(size_t len, const PhoneTerritory *t)
{
	uint32_t	lengths = t->general.lengths;
	size_t		min,
				max;

	if (lengths == 0)
		return PHONE_LENGTH_INVALID;
	if (len < 32 && ((t->general.local_lengths >> len) & 1))
		return PHONE_LENGTH_POSSIBLE_LOCAL_ONLY;
	min = (size_t) __builtin_ctz(lengths);
	max = (size_t) (31 - __builtin_clz(lengths));
	if (len == min)
		return PHONE_LENGTH_POSSIBLE;
	if (len < min)
		return PHONE_LENGTH_TOO_SHORT;
	if (len > max)
		return PHONE_LENGTH_TOO_LONG;
	return ((lengths >> len) & 1) ? PHONE_LENGTH_POSSIBLE : PHONE_LENGTH_INVALID;
}

/*
 * libphonenumber's GetRegionCodeForNumber: among the territories sharing the
 * calling code, the first whose leadingDigits match (or, without
 * leadingDigits, whose number ranges match).
 */
static const PhoneTerritory *
territory_of(const PhoneCallingCode *cc, const char *nsn, size_t len)
{
	if (cc == NULL)
		return NULL;
	if (cc->count == 1)
		return main_territory(cc);
	for (int i = 0; i < cc->count; i++)
	{
		const PhoneTerritory *t =
			&ct_phone_metadata.territories[ct_phone_metadata.region_list[cc->first + i]];

		if (t->leading_digits != 0)
		{
			if (ct_phone_dfa_match(t->leading_digits, nsn, len))
				return t;
		}
		else if (has_type(nsn, len, t))
			return t;
	}
	return NULL;
}

const char *
ct_phone_region(const PhoneNumber *num)
{
	char		nsn[PHONE_MAX_NSN_DIGITS + 1];
	size_t		len = ct_phone_national_significant_number(num, nsn);
	const PhoneTerritory *t;

	t = territory_of(ct_phone_calling_code(num->country_code), nsn, len);
	return t ? t->id : "ZZ";
}

/*
 * The NSN of num into nsn (*len digits) and the territory whose numbering
 * plan it belongs to, or NULL (also for an NSN too long to be any).
 */
static const PhoneTerritory *
number_territory(const PhoneNumber *num, char *nsn, size_t *len)
{
	*len = nsn_of(num, nsn);
	if (*len > PHONE_MAX_NSN_DIGITS)
		return NULL;
	return territory_of(ct_phone_calling_code(num->country_code), nsn, *len);
}

PhoneType
ct_phone_type(const PhoneNumber *num)
{
	char		nsn[PHONE_MAX_NSN_DIGITS + 1];
	size_t		len;
	const PhoneTerritory *t = number_territory(num, nsn, &len);

	return t ? ct_phone_type_for_territory(nsn, len, t) : PHONE_TYPE_UNKNOWN;
}

bool
ct_phone_is_valid(const PhoneNumber *num)
{
	char		nsn[PHONE_MAX_NSN_DIGITS + 1];
	size_t		len;
	const PhoneTerritory *t = number_territory(num, nsn, &len);

	return t != NULL && has_type(nsn, len, t);
}

bool
ct_phone_is_possible(const PhoneNumber *num)
{
	char		nsn[PHONE_MAX_NSN_DIGITS + 1];
	size_t		len = nsn_of(num, nsn);
	const PhoneTerritory *t = ct_phone_territory_for_country_code(num->country_code);
	PhoneLengthResult r;

	if (t == NULL || len > PHONE_MAX_NSN_DIGITS)
		return false;
	r = ct_phone_test_length(len, t);
	return r == PHONE_LENGTH_POSSIBLE || r == PHONE_LENGTH_POSSIBLE_LOCAL_ONLY;
}

const CtReason *
ct_phone_check_nsn(int country_code, const char *nsn, size_t len)
{
	const PhoneCallingCode *cc = ct_phone_calling_code(country_code);
	const PhoneTerritory *t;

	if (cc == NULL)
		return &reason_invalid_country_code;
	if (len > PHONE_MAX_NSN_DIGITS)
		return &reason_too_long;
	t = main_territory(cc);
	switch (ct_phone_test_length(len, t))
	{
		case PHONE_LENGTH_TOO_SHORT:
			return &reason_too_short;
		case PHONE_LENGTH_TOO_LONG:
			return &reason_too_long;
		case PHONE_LENGTH_INVALID:
			return &reason_invalid_length;
		case PHONE_LENGTH_POSSIBLE:
		case PHONE_LENGTH_POSSIBLE_LOCAL_ONLY:
			break;
	}
	t = territory_of(cc, nsn, len);
	if (t == NULL || !has_type(nsn, len, t))
		return &reason_invalid_for_region;
	return NULL;
}

const CtReason *
ct_phone_check(const PhoneNumber *num)
{
	char		nsn[PHONE_MAX_NSN_DIGITS + 1];
	size_t		len = nsn_of(num, nsn);

	return ct_phone_check_nsn(num->country_code, nsn, len);
}

const CtReason *
ct_phone_check_text(const char *text, size_t len, const char *default_region,
				 size_t region_len)
{
	PhoneNumber num;

	return ct_phone_parse_valid(text, len, default_region, region_len, &num);
}

/* Formatting */

/* Bounded appender: counts the full length, writes what fits. */
typedef struct Out
{
	char	   *buf;
	size_t		size;
	size_t		len;
} Out;

static void
out_putn(Out *o, const char *s, size_t n)
{
	if (o->len + 1 < o->size)
	{
		size_t		room = o->size - o->len - 1;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

static void
out_puts(Out *o, const char *s)
{
	out_putn(o, s, strlen(s));
}

/* libphonenumber's ChooseFormattingPatternForNumber. */
static const PhoneNumberFormat *
choose_format(const PhoneNumberFormat *formats, int n, const char *nsn,
			  size_t len, int caps[PHONE_CAPS])
{
	for (int i = 0; i < n; i++)
	{
		const PhoneNumberFormat *f = &formats[i];

		if (f->leading_digits != 0 && !ct_phone_dfa_match(f->leading_digits, nsn, len))
			continue;
		if (ct_phone_program_match(f->pattern, nsn, (int) len, true, caps))
			return f;
	}
	return NULL;
}

/* Expand "$1 $2" with the groups captured from nsn. */
static void
expand_groups(Out *o, const char *rule, const char *nsn, const int caps[PHONE_CAPS])
{
	for (const char *p = rule; *p; p++)
	{
		if (*p == '$' && p[1] >= '0' && p[1] <= '9')
		{
			int			k = p[1] - '0';

			if (k <= PHONE_MAX_GROUPS && caps[2 * k] >= 0 && caps[2 * k + 1] >= 0)
				out_putn(o, nsn + caps[2 * k], caps[2 * k + 1] - caps[2 * k]);
			p++;
		}
		else
			out_putn(o, p, 1);
	}
}

/*
 * The national-format rule: the first "$n" of the format replaced by the
 * national prefix formatting rule, whose "$1" stands for that "$n"
 * (libphonenumber's first_group_capturing_pattern): "$2 15-$3" with "0$1"
 * gives "0$2 15-$3".
 */
static void
national_rule(Out *o, const char *format, const char *np_rule)
{
	const char *p = format;

	while (*p && !(p[0] == '$' && p[1] >= '0' && p[1] <= '9'))
		p++;
	if (*p == '\0')
	{
		out_puts(o, format);
		return;
	}
	out_putn(o, format, (size_t) (p - format));
	for (const char *r = np_rule; *r; r++)
	{
		if (r[0] == '$' && r[1] == '1')
		{
			out_putn(o, p, 2);
			r++;
		}
		else
			out_putn(o, r, 1);
	}
	out_puts(o, p + 2);
}

static bool
is_separator_char(char c)
{
	/* ASCII members of libphonenumber's valid punctuation */
	return c == '-' || c == 'x' || c == ' ' || c == '(' || c == ')' ||
		c == '.' || c == '[' || c == ']' || c == '/' || c == '~';
}

size_t
ct_phone_format(const PhoneNumber *num, PhoneFormat format, char *buf,
			 size_t bufsize)
{
	/* E.164: "+", the calling code (a uint16_t), the NSN */
	char		cc[1 + 5 + PHONE_MAX_NSN_DIGITS + 1];
	size_t		cclen = 1 + put_decimal(cc + 1, num->country_code);
	char	   *nsn = cc + cclen;
	size_t		len = ct_phone_national_significant_number(num, nsn);
	const PhoneTerritory *t;
	Out			o = {buf, bufsize, 0};
	char		body[128];
	Out			b = {body, sizeof(body), 0};

	cc[0] = '+';
	if (format == PHONE_FORMAT_E164)
	{
		out_putn(&o, cc, cclen + len);
		goto done;
	}
	t = ct_phone_territory_for_country_code(num->country_code);
	if (t == NULL)
	{
		out_putn(&o, nsn, len);
		goto done;
	}

	{
		const PhoneNumberFormat *formats = ct_phone_metadata.formats;
		const PhoneNumberFormat *f;
		int			caps[PHONE_CAPS];

		if (t->n_intl_formats == 0 || format == PHONE_FORMAT_NATIONAL)
			f = choose_format(formats + t->first_format, t->n_formats, nsn, len, caps);
		else
			f = choose_format(formats + t->first_intl_format, t->n_intl_formats,
							  nsn, len, caps);
		if (f == NULL)
			out_putn(&b, nsn, len);
		else if (format == PHONE_FORMAT_NATIONAL && f->national_prefix_rule &&
				 f->national_prefix_rule[0])
		{
			char		rule[128];
			Out			r = {rule, sizeof(rule), 0};

			national_rule(&r, f->format, f->national_prefix_rule);
			rule[r.len < sizeof(rule) ? r.len : sizeof(rule) - 1] = '\0';
			expand_groups(&b, rule, nsn, caps);
		}
		else
			expand_groups(&b, f->format, nsn, caps);
	}
	if (b.len >= sizeof(body))
		b.len = sizeof(body) - 1;
	body[b.len] = '\0';

	if (format == PHONE_FORMAT_RFC3966)
	{
		/* drop leading punctuation, then each run of punctuation becomes "-" */
		size_t		i = 0;
		bool		in_sep = false;

		out_puts(&o, "tel:");
		out_putn(&o, cc, cclen);
		out_puts(&o, "-");
		while (i < b.len && is_separator_char(body[i]))
			i++;
		for (; i < b.len; i++)
		{
			if (is_separator_char(body[i]))
			{
				if (!in_sep)
					out_puts(&o, "-");
				in_sep = true;
			}
			else
			{
				out_putn(&o, &body[i], 1);
				in_sep = false;
			}
		}
	}
	else
	{
		if (format == PHONE_FORMAT_INTERNATIONAL)
		{
			out_putn(&o, cc, cclen);
			out_puts(&o, " ");
		}
		out_putn(&o, body, b.len);
	}

	if (num->extension_len > 0)
	{
		if (format == PHONE_FORMAT_RFC3966)
			out_puts(&o, ";ext=");
		else
			out_puts(&o, t->preferred_extn_prefix ? t->preferred_extn_prefix : " ext. ");
		out_putn(&o, num->extension, num->extension_len);
	}

done:
	if (bufsize > 0)
		buf[o.len < bufsize ? o.len : bufsize - 1] = '\0';
	return o.len;
}
