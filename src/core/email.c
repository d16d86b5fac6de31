/*
 * email.c
 *		Email address validation, normalization, comparison, canonical keys
 *		and typo suggestions.
 *
 * One parser serves both validation and normalization so that the two can
 * never disagree.  The common case (an ASCII address) is checked in a single
 * pass over the bytes with no allocation and no ICU call; only non-ASCII
 * local parts (NFC, character classes) and internationalized domains (UTS
 * #46 through ICU) take the slow path.
 */
#include "email.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/uidna.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "utf8.h"

#define R(name, code, msg, hint) \
	static const CtReason name = {code, msg, hint}

R(R_EMPTY, "EMPTY", "address is empty", "Enter an address of the form name@example.com.");
R(R_MISSING_AT, "MISSING_AT", "address has no @",
  "An address is a local part, an @ and a domain, as in name@example.com.");
R(R_MULTIPLE_AT, "MULTIPLE_AT", "address has more than one @",
  "Keep one address per value; an @ inside the local part needs the rfc profile and quotes.");
R(R_INVALID_UTF8, "INVALID_UTF8", "address is not valid UTF-8", NULL);
R(R_ADDRESS_TOO_LONG, "ADDRESS_TOO_LONG", "address longer than 254 octets",
  "RFC 5321 limits a whole address to 254 octets, counted both in UTF-8 and with the domain in ASCII (xn--) form.");
R(R_LOCAL_EMPTY, "LOCAL_PART_EMPTY", "local part is empty", "Put the mailbox name before the @.");
R(R_LOCAL_TOO_LONG, "LOCAL_PART_TOO_LONG", "local part longer than 64 octets",
  "RFC 5321 limits the part before the @ to 64 octets.");
R(R_LOCAL_LEADING_DOT, "LOCAL_PART_LEADING_DOT", "local part starts with a dot",
  "Remove the dot at the start of the local part.");
R(R_LOCAL_TRAILING_DOT, "LOCAL_PART_TRAILING_DOT", "local part ends with a dot",
  "Remove the dot before the @.");
R(R_LOCAL_CONSECUTIVE_DOTS, "LOCAL_PART_CONSECUTIVE_DOTS", "local part has two dots in a row",
  "Remove one of the dots.");
R(R_LOCAL_INVALID_CHAR, "LOCAL_PART_INVALID_CHAR", "local part contains a character not allowed in an address",
  "Local parts are letters, digits and the characters . _ - + ' ! # $ % & * / = ? ^ ` { | } ~ (the rfc profile also accepts quoted local parts).");
R(R_LOCAL_RFC_ONLY_CHAR, "LOCAL_PART_RFC_ONLY_CHAR",
  "local part contains a character that mail providers do not accept for new mailboxes",
  "Characters such as ! # $ % & * / = ? ^ ` { | } ~ are valid under RFC 5322; the mailbox (default) and rfc profiles accept them.");
R(R_LOCAL_QUOTED, "LOCAL_PART_QUOTED", "quoted local part is accepted only by the rfc profile",
  "Set contacts.email_profile = 'rfc' to accept quoted local parts.");
R(R_LOCAL_QUOTED_INVALID, "LOCAL_PART_QUOTED_INVALID", "quoted local part is malformed",
  "A quoted local part is \"...\" directly followed by @, with \\ escaping \" and \\.");
R(R_DOMAIN_EMPTY, "DOMAIN_EMPTY", "domain is empty", "Put the domain after the @, as in name@example.com.");
R(R_DOMAIN_TOO_LONG, "DOMAIN_TOO_LONG", "domain longer than 253 octets",
  "DNS limits a domain name to 253 octets in its ASCII (xn--) form.");
R(R_DOMAIN_LABEL_EMPTY, "DOMAIN_LABEL_EMPTY", "domain has an empty label",
  "Remove the leading, trailing or doubled dot in the domain.");
R(R_DOMAIN_LABEL_TOO_LONG, "DOMAIN_LABEL_TOO_LONG", "domain label longer than 63 octets",
  "Each dot-separated part of a domain is at most 63 octets in ASCII form.");
R(R_DOMAIN_LABEL_HYPHEN, "DOMAIN_LABEL_HYPHEN", "domain label starts or ends with a hyphen",
  "Remove the hyphen next to the dot.");
R(R_DOMAIN_LABEL_RESERVED_HYPHENS, "DOMAIN_LABEL_RESERVED_HYPHENS",
  "domain label has hyphens in the third and fourth positions",
  "Labels of the form ab--... are reserved for internationalized (xn--) labels.");
R(R_DOMAIN_INVALID_CHAR, "DOMAIN_INVALID_CHAR", "domain contains a character not allowed in a host name",
  "Domains are letters, digits, hyphens and dots (or internationalized letters).");
R(R_DOMAIN_NUMERIC_TLD, "DOMAIN_NUMERIC_TLD", "top-level domain is numeric",
  "A numeric last label is an IP address, not a domain; the rfc profile accepts address literals such as [192.0.2.1].");
R(R_DOMAIN_TLD_INVALID, "DOMAIN_TLD_INVALID", "top-level domain is not two or more letters",
  "Check the end of the domain (.com, .es, .com.ar ...); set contacts.email_profile = 'rfc' to accept any host name.");
R(R_DOMAIN_SINGLE_LABEL, "DOMAIN_SINGLE_LABEL", "domain has no top-level domain",
  "Write the full domain, as in example.com; set contacts.email_profile = 'rfc' to accept bare host names.");
R(R_DOMAIN_IDN_INVALID, "DOMAIN_IDN_INVALID", "internationalized domain is not valid under UTS #46",
  "Check the non-ASCII or xn-- labels of the domain (mixed scripts, misplaced marks or joiners, bad punycode).");
R(R_DOMAIN_SPECIAL_USE, "DOMAIN_SPECIAL_USE", "domain is a special-use name that cannot receive mail",
  "Names under .invalid, .test, .localhost, .local, .onion, .alt and .arpa never reach a public mail server (IANA special-use domain names); set contacts.email_profile = 'rfc' to accept them.");
R(R_DOMAIN_ADDRESS_LITERAL, "DOMAIN_ADDRESS_LITERAL", "address literal is accepted only by the rfc profile",
  "Set contacts.email_profile = 'rfc' to accept domains such as [192.0.2.1].");
R(R_DOMAIN_LITERAL_INVALID, "DOMAIN_LITERAL_INVALID", "address literal is not an IPv4 or IPv6 address",
  "Write [192.0.2.1] or [IPv6:2001:db8::1].");
R(R_IDNA_UNAVAILABLE, "IDNA_UNAVAILABLE", "ICU could not process the internationalized domain", NULL);

/* Longest raw domain handed to ICU: ignorable characters can make a valid domain longer than 255. */
#define EMAIL_RAW_DOMAIN_MAX (4 * EMAIL_BUF_SIZE)

/*
 * Byte classes drive the two hot loops (local part, domain): one table
 * lookup per byte, and runs of ordinary characters are skipped in a tight
 * loop.  Generated once with a few lines of Python from the RFC 5322 atext
 * and RFC 1035 LDH sets.
 */
#define LC_BAD		0			/* never allowed unquoted */
#define LC_OK		1			/* letters, digits, _ - + ' (every profile) */
#define LC_DOT		2
#define LC_RFC		3			/* ! # $ % & * / = ? ^ ` { | } ~ (not the provider profile) */
#define LC_QUOTE	4
#define LC_AT		5
#define LC_HIGH		6			/* first byte of a non-ASCII character */

#define DC_BAD		0
#define DC_LDH		1			/* letters, digits, hyphen */
#define DC_DOT		2
#define DC_HIGH		3
#define DC_AT		4

/* Local part byte classes (LC_*), one row per 16 byte values. */
static const unsigned char local_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 10 */
	0, 3, 4, 3, 3, 3, 3, 1, 0, 0, 3, 1, 0, 1, 2, 3,	/* 20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 3, 0, 3,	/* 30 */
	5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 3, 1,	/* 50 */
	3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 0,	/* 70 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* 80 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* 90 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* a0 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* b0 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* c0 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* d0 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* e0 */
	6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,	/* f0 */
};

/* Domain byte classes (DC_*), one row per 16 byte values. */
static const unsigned char domain_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 10 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0,	/* 20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,	/* 30 */
	4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* 50 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,	/* 70 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* 80 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* 90 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* a0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* b0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* c0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* d0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* e0 */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,	/* f0 */
};

static inline bool
is_alpha(unsigned char c)
{
	return (unsigned) ((c | 0x20) - 'a') < 26;
}

static inline bool
is_digit(unsigned char c)
{
	return (unsigned) (c - '0') < 10;
}

static inline unsigned char
ascii_lower(unsigned char c)
{
	return (unsigned) (c - 'A') < 26 ? c | 0x20 : c;
}

static inline bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_space((unsigned char) **s))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_space((unsigned char) (*s)[*len - 1]))
		(*len)--;
}

/*
 * Non-ASCII characters in a local part: letters, marks and numbers for the
 * mailbox and provider profiles; anything but controls, separators,
 * private-use, unassigned and surrogate code points for the rfc profile.
 */
static bool
local_char_allowed(UChar32 cp, EmailProfile profile)
{
	uint32_t	mask = U_GET_GC_MASK(cp);

	if (profile != EMAIL_PROFILE_RFC)
		return (mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_N_MASK)) != 0;
	return (mask & (U_GC_CC_MASK | U_GC_CN_MASK | U_GC_CO_MASK | U_GC_CS_MASK | U_GC_Z_MASK)) == 0;
}

/* Decode one UTF-8 character at p[*i]; negative on an ill-formed sequence. */
static inline UChar32
next_char(const char *p, size_t *i, size_t len)
{
	UChar32		cp;
	int32_t		pos = (int32_t) *i;

	U8_NEXT((const uint8_t *) p, pos, (int32_t) len, cp);
	*i = (size_t) pos;
	return cp;
}

/*
 * Text made only of code points below U+0300 (ASCII, Latin-1, Latin
 * Extended-A and -B, IPA) is already in NFC: none of them decomposes, and
 * every composition joins a character with a mark or jamo at or above
 * U+0300.  So "josé" or "björn" skip ICU's normalizer entirely.
 */
#define NFC_STABLE_BELOW 0x300

/*
 * An unquoted local part (RFC 5322 dot-atom, narrowed by the profile), up to
 * the @ that ends it: sets *local_len.
 */
static const CtReason *
scan_dot_atom(const char *p, size_t len, EmailProfile profile, size_t *local_len,
			  bool *needs_nfc)
{
	const unsigned char *u = (const unsigned char *) p;
	bool		prev_dot = false;
	size_t		i = 0;

	*needs_nfc = false;
	for (;;)
	{
		size_t		run = i;

		while (i < len && local_class[u[i]] == LC_OK)
			i++;
		if (i > run)
			prev_dot = false;
		if (i == len)
			return &R_MISSING_AT;
		switch (local_class[u[i]])
		{
			case LC_AT:
				if (i == 0)
					return &R_LOCAL_EMPTY;
				if (prev_dot)
					return &R_LOCAL_TRAILING_DOT;
				*local_len = i;
				return NULL;
			case LC_DOT:
				if (i == 0)
					return &R_LOCAL_LEADING_DOT;
				if (prev_dot)
					return &R_LOCAL_CONSECUTIVE_DOTS;
				prev_dot = true;
				i++;
				break;
			case LC_RFC:
				if (profile == EMAIL_PROFILE_PROVIDER)
					return &R_LOCAL_RFC_ONLY_CHAR;
				prev_dot = false;
				i++;
				break;
			case LC_QUOTE:
				return profile != EMAIL_PROFILE_RFC ? &R_LOCAL_QUOTED : &R_LOCAL_QUOTED_INVALID;
			case LC_HIGH:
				{
					UChar32		cp = next_char(p, &i, len);

					if (cp < 0)
						return &R_INVALID_UTF8;
					if (!local_char_allowed(cp, profile))
						return &R_LOCAL_INVALID_CHAR;
					if (cp >= NFC_STABLE_BELOW)
						*needs_nfc = true;
					prev_dot = false;
				}
				break;
			default:
				return &R_LOCAL_INVALID_CHAR;
		}
	}
}

/*
 * A quoted local part (rfc profile) starting at p[0] == '"': sets *end just
 * past the closing quote.
 */
static const CtReason *
scan_quoted(const char *p, size_t len, size_t *end, bool *needs_nfc)
{
	size_t		i = 1;

	*needs_nfc = false;
	while (i < len)
	{
		unsigned char c = (unsigned char) p[i];

		if (c == '"')
		{
			*end = i + 1;
			return NULL;
		}
		if (c == '\\')
		{
			if (i + 1 >= len || (unsigned char) p[i + 1] < 32 || (unsigned char) p[i + 1] > 126)
				return &R_LOCAL_QUOTED_INVALID;
			i += 2;
		}
		else if (c >= 32 && c <= 126)
			i++;
		else if (c < 0x80)
			return &R_LOCAL_QUOTED_INVALID;
		else
		{
			UChar32		cp = next_char(p, &i, len);

			if (cp < 0)
				return &R_INVALID_UTF8;
			if (!local_char_allowed(cp, EMAIL_PROFILE_RFC))
				return &R_LOCAL_INVALID_CHAR;
			if (cp >= NFC_STABLE_BELOW)
				*needs_nfc = true;
		}
	}
	return &R_LOCAL_QUOTED_INVALID;
}

/*
 * The NFC form of a local part with characters from U+0300 up, written to out (at least
 * EMAIL_LOCAL_MAX + 1 bytes); fails with LOCAL_PART_TOO_LONG when it does
 * not fit in 64 octets.
 */
static const CtReason *
local_nfc(const char *p, size_t len, char *out, size_t *outlen)
{
	UChar		src[4 * EMAIL_LOCAL_MAX];
	UChar		dst[4 * EMAIL_LOCAL_MAX];
	int32_t		n16;
	int32_t		nnfc;
	int32_t		n8;
	UErrorCode	err = U_ZERO_ERROR;
	const UNormalizer2 *nfc;

	/* NFC composes at most four code units into one; anything longer cannot fit. */
	if (len > 4 * EMAIL_LOCAL_MAX)
		return &R_LOCAL_TOO_LONG;
	u_strFromUTF8(src, 4 * EMAIL_LOCAL_MAX, &n16, p, (int32_t) len, &err);
	nfc = unorm2_getNFCInstance(&err);
	if (U_FAILURE(err))
		return &R_INVALID_UTF8;
	nnfc = unorm2_normalize(nfc, src, n16, dst, 4 * EMAIL_LOCAL_MAX, &err);
	if (U_FAILURE(err))
		return &R_LOCAL_TOO_LONG;
	u_strToUTF8(out, EMAIL_LOCAL_MAX + 1, &n8, dst, nnfc, &err);
	if (U_FAILURE(err) || n8 > EMAIL_LOCAL_MAX)
		return &R_LOCAL_TOO_LONG;
	*outlen = (size_t) n8;
	return NULL;
}

/*
 * Top-level names of the IANA special-use domain names registry (RFC 6761
 * and successors) under which no address can receive mail: invalid, test,
 * localhost (never delegated), local (mDNS), onion (Tor), alt (non-DNS
 * namespaces) and arpa (infrastructure, home.arpa included).  The example
 * names stay valid: documentation, tests and this project's own examples use
 * them, and an address there harms no one.
 */
static bool
special_use_tld(const char *tld, size_t len)
{
	static const char *const names[] = {
		"alt", "arpa", "invalid", "local", "localhost", "onion", "test"
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		size_t		n = strlen(names[i]);
		size_t		j = 0;

		while (j < n && j < len && ascii_lower((unsigned char) tld[j]) == names[i][j])
			j++;
		if (j == n && n == len)
			return true;
	}
	return false;
}

/*
 * Host-name rules on an ASCII domain.  On raw input (after_idna false) a
 * non-ASCII byte or an xn-- label stops the scan with *needs_idna set: the
 * domain then goes through UTS #46 and this runs again on its ASCII form.
 */
static const CtReason *
check_ascii_domain(const char *d, size_t len, EmailProfile profile, bool after_idna,
				   bool *needs_idna)
{
	const unsigned char *u = (const unsigned char *) d;
	size_t		start = 0;
	size_t		i = 0;
	bool		digits_only = true;
	bool		letters_only = true;

	*needs_idna = false;
	for (;;)
	{
		size_t		llen;

		while (i < len && domain_class[u[i]] == DC_LDH)
			i++;
		if (i < len && u[i] != '.')
		{
			if (domain_class[u[i]] == DC_HIGH && !after_idna)
			{
				*needs_idna = true;
				return NULL;
			}
			return domain_class[u[i]] == DC_AT ? &R_MULTIPLE_AT : &R_DOMAIN_INVALID_CHAR;
		}
		llen = i - start;
		if (llen == 0)
			return &R_DOMAIN_LABEL_EMPTY;
		if (llen > 63)
			return &R_DOMAIN_LABEL_TOO_LONG;
		if (d[start] == '-' || d[i - 1] == '-')
			return &R_DOMAIN_LABEL_HYPHEN;
		if (llen >= 4 && d[start + 2] == '-' && d[start + 3] == '-')
		{
			if ((d[start] | 0x20) != 'x' || (d[start + 1] | 0x20) != 'n')
				return &R_DOMAIN_LABEL_RESERVED_HYPHENS;
			if (!after_idna)
			{
				*needs_idna = true;
				return NULL;
			}
		}
		if (i == len)
			break;
		start = ++i;
	}
	if (len > EMAIL_DOMAIN_MAX)
		return &R_DOMAIN_TOO_LONG;

	/*
	 * The top-level label: never all digits; for the profiles that want a
	 * deliverable address, two or more letters and not special-use.
	 */
	for (i = start; i < len; i++)
	{
		if (is_digit(u[i]))
			letters_only = false;
		else
		{
			digits_only = false;
			if (!is_alpha(u[i]))
				letters_only = false;
		}
	}
	if (digits_only)
		return &R_DOMAIN_NUMERIC_TLD;
	if (profile != EMAIL_PROFILE_RFC)
	{
		bool		idn_tld = len - start > 4 && (d[start] | 0x20) == 'x' &&
			(d[start + 1] | 0x20) == 'n' && d[start + 2] == '-' && d[start + 3] == '-';

		if (start == 0)
			return &R_DOMAIN_SINGLE_LABEL;
		if ((!letters_only && !idn_tld) || len - start < 2)
			return &R_DOMAIN_TLD_INVALID;
		if (special_use_tld(d + start, len - start))
			return &R_DOMAIN_SPECIAL_USE;
	}
	return NULL;
}

/* The most telling reason among UTS #46 error bits. */
static const CtReason *
idna_reason(uint32_t errors)
{
	if (errors & UIDNA_ERROR_EMPTY_LABEL)
		return &R_DOMAIN_LABEL_EMPTY;
	if (errors & UIDNA_ERROR_LABEL_TOO_LONG)
		return &R_DOMAIN_LABEL_TOO_LONG;
	if (errors & (UIDNA_ERROR_LEADING_HYPHEN | UIDNA_ERROR_TRAILING_HYPHEN))
		return &R_DOMAIN_LABEL_HYPHEN;
	if (errors & UIDNA_ERROR_DISALLOWED)
		return &R_DOMAIN_INVALID_CHAR;
	return &R_DOMAIN_IDN_INVALID;
}

/*
 * Recent ToASCII results, keyed by the raw domain: real data repeats a few
 * internationalized domains over and over, and a lookup here costs a small
 * fraction of a UTS #46 conversion.  Direct-mapped; short domains only.
 */
#define IDN_CACHE_SLOTS		64
#define IDN_CACHE_KEY_MAX	64

#define IDN_CACHE_UNICODE_MAX	128

typedef struct IdnCacheEntry
{
	const CtReason *reason;		/* NULL: valid, ascii holds the result */
	unsigned char raw_len;		/* 0: empty slot */
	unsigned char ascii_len;
	unsigned char unicode_len;	/* 0: Unicode form not computed yet */
	char		raw[IDN_CACHE_KEY_MAX];
	char		ascii[IDN_CACHE_KEY_MAX];
	char		unicode[IDN_CACHE_UNICODE_MAX];
} IdnCacheEntry;

struct EmailIdna
{
	UIDNA	   *uts46;
	IdnCacheEntry cache[IDN_CACHE_SLOTS];
};

static UIDNA *
open_uts46(void)
{
	UErrorCode	err = U_ZERO_ERROR;
	UIDNA	   *uts46;

	/* Nontransitional: IDNA2008 behaviour, ß and ς stay themselves. */
	uts46 = uidna_openUTS46(UIDNA_USE_STD3_RULES | UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ |
							UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE,
							&err);
	return U_FAILURE(err) ? NULL : uts46;
}

EmailIdna *
ct_email_idna_open(const CtAllocator *allocator)
{
	EmailIdna  *idna;
	UIDNA	   *uts46 = open_uts46();

	if (uts46 == NULL)
		return NULL;
	idna = ct_alloc(allocator, sizeof(EmailIdna));
	if (idna == NULL)
	{
		uidna_close(uts46);
		return NULL;
	}
	memset(idna, 0, sizeof(EmailIdna));
	idna->uts46 = uts46;
	return idna;
}

void
ct_email_idna_close(EmailIdna *idna, const CtAllocator *allocator)
{
	if (idna == NULL)
		return;
	uidna_close(idna->uts46);
	ct_free(allocator, idna);
}

static size_t
idn_cache_slot(const char *d, size_t len)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char) d[i]) * 16777619u;
	return h % IDN_CACHE_SLOTS;
}

/*
 * UTS #46 ToASCII of a raw domain into ascii (EMAIL_DOMAIN_MAX + 1 bytes).
 * idna may be NULL: a handle is then opened for this call.  When the result
 * is in the cache, *entry (if asked for) points at it, else it is NULL.
 */
static const CtReason *
domain_to_ascii(EmailIdna *idna, const char *d, size_t len, char *ascii, size_t *alen,
				IdnCacheEntry **cached)
{
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	err = U_ZERO_ERROR;
	UIDNA	   *uts46;
	IdnCacheEntry *entry = NULL;
	const CtReason *reason = NULL;
	int32_t		n = 0;

	if (cached != NULL)
		*cached = NULL;
	if (len > EMAIL_RAW_DOMAIN_MAX)
		return &R_DOMAIN_TOO_LONG;
	if (idna != NULL && len <= IDN_CACHE_KEY_MAX)
	{
		entry = &idna->cache[idn_cache_slot(d, len)];
		if (entry->raw_len == len && memcmp(entry->raw, d, len) == 0)
		{
			if (entry->reason == NULL)
			{
				memcpy(ascii, entry->ascii, entry->ascii_len);
				*alen = entry->ascii_len;
			}
			if (cached != NULL)
				*cached = entry;
			return entry->reason;
		}
	}
	if (!ct_utf8_valid(d, len))
		return &R_INVALID_UTF8;
	uts46 = idna != NULL ? idna->uts46 : open_uts46();
	if (uts46 == NULL)
		return &R_IDNA_UNAVAILABLE;
	n = uidna_nameToASCII_UTF8(uts46, d, (int32_t) len, ascii, EMAIL_DOMAIN_MAX + 1, &info, &err);
	if (idna == NULL)
		uidna_close(uts46);
	if (err == U_BUFFER_OVERFLOW_ERROR)
		reason = &R_DOMAIN_TOO_LONG;
	else if (U_FAILURE(err))
		return &R_IDNA_UNAVAILABLE;
	/* Lengths are checked by check_ascii_domain() on the result, for its reason code. */
	else if (info.errors & ~(uint32_t) UIDNA_ERROR_DOMAIN_NAME_TOO_LONG)
		reason = idna_reason(info.errors);
	if (entry != NULL && (reason != NULL || n <= IDN_CACHE_KEY_MAX))
	{
		entry->raw_len = (unsigned char) len;
		memcpy(entry->raw, d, len);
		entry->reason = reason;
		entry->ascii_len = reason == NULL ? (unsigned char) n : 0;
		entry->unicode_len = 0;
		if (reason == NULL)
			memcpy(entry->ascii, ascii, n);
		if (cached != NULL)
			*cached = entry;
	}
	if (reason == NULL)
		*alen = (size_t) n;
	return reason;
}

/*
 * UTS #46 ToUnicode of a valid ASCII domain into out (EMAIL_BUF_SIZE bytes),
 * from and into the cache entry of its raw form when there is one.
 */
static const CtReason *
domain_to_unicode(EmailIdna *idna, IdnCacheEntry *cached, const char *ascii, size_t alen,
				  char *out, size_t *outlen)
{
	UIDNAInfo	info = UIDNA_INFO_INITIALIZER;
	UErrorCode	err = U_ZERO_ERROR;
	UIDNA	   *uts46;
	int32_t		n;

	if (cached != NULL && cached->unicode_len > 0)
	{
		memcpy(out, cached->unicode, cached->unicode_len);
		*outlen = cached->unicode_len;
		return NULL;
	}
	uts46 = idna != NULL ? idna->uts46 : open_uts46();
	if (uts46 == NULL)
		return &R_IDNA_UNAVAILABLE;
	n = uidna_nameToUnicodeUTF8(uts46, ascii, (int32_t) alen, out, EMAIL_BUF_SIZE, &info, &err);
	if (idna == NULL)
		uidna_close(uts46);
	if (U_FAILURE(err))
		return &R_DOMAIN_TOO_LONG;
	if (info.errors & ~(uint32_t) UIDNA_ERROR_DOMAIN_NAME_TOO_LONG)
		return idna_reason(info.errors);
	if (cached != NULL && n > 0 && n <= IDN_CACHE_UNICODE_MAX)
	{
		memcpy(cached->unicode, out, n);
		cached->unicode_len = (unsigned char) n;
	}
	*outlen = (size_t) n;
	return NULL;
}

/* [192.0.2.1] or [IPv6:2001:db8::1] (RFC 5321 section 4.1.3), rfc profile only. */
static const CtReason *
check_literal(const char *d, size_t len, EmailProfile profile)
{
	char		addr[64];
	unsigned char bin[16];
	const char *inner = d + 1;
	size_t		ilen;

	if (profile != EMAIL_PROFILE_RFC)
		return &R_DOMAIN_ADDRESS_LITERAL;
	if (len < 3 || d[len - 1] != ']')
		return &R_DOMAIN_LITERAL_INVALID;
	ilen = len - 2;
	if (ilen > 5 && strncmp(inner, "IPv6:", 5) == 0)
	{
		if (ilen - 5 >= sizeof(addr))
			return &R_DOMAIN_LITERAL_INVALID;
		/* inet_pton() stops at a NUL: check the characters first. */
		for (size_t i = 5; i < ilen; i++)
			if (!is_digit((unsigned char) inner[i]) && inner[i] != ':' && inner[i] != '.' &&
				!((inner[i] | 0x20) >= 'a' && (inner[i] | 0x20) <= 'f'))
				return &R_DOMAIN_LITERAL_INVALID;
		memcpy(addr, inner + 5, ilen - 5);
		addr[ilen - 5] = '\0';
		return inet_pton(AF_INET6, addr, bin) == 1 ? NULL : &R_DOMAIN_LITERAL_INVALID;
	}
	else
	{
		/* Four Snum (1 to 3 digits, at most 255) separated by dots. */
		int			octets = 0;
		size_t		i = 0;

		while (octets < 4)
		{
			unsigned	value = 0;
			size_t		digits = 0;

			while (i < ilen && is_digit((unsigned char) inner[i]) && digits < 3)
				value = value * 10 + (unsigned) (inner[i++] - '0'), digits++;
			if (digits == 0 || value > 255)
				return &R_DOMAIN_LITERAL_INVALID;
			if (++octets < 4 && (i >= ilen || inner[i++] != '.'))
				return &R_DOMAIN_LITERAL_INVALID;
		}
		return i == ilen ? NULL : &R_DOMAIN_LITERAL_INVALID;
	}
}

/*
 * The parser behind ct_email_check() and ct_email_normalize(): buf NULL means
 * validate only.
 */
static const CtReason *
email_parse(const char *s, size_t len, EmailProfile profile, EmailIdna *idna,
			char *buf, EmailParts *parts)
{
	const CtReason *r;
	const char *d;
	size_t		local_len;
	size_t		local_out_len;
	size_t		dlen;
	size_t		ascii_len;
	bool		local_needs_nfc;
	bool		needs_idna = false;
	IdnCacheEntry *cached = NULL;
	char		local_buf[EMAIL_LOCAL_MAX + 1];
	char		ascii[EMAIL_DOMAIN_MAX + 1];
	char		udom[EMAIL_BUF_SIZE];
	size_t		ulen = 0;
	const char *local_out = s;

	trim(&s, &len);
	if (len == 0)
		return &R_EMPTY;

	/* The local part, up to the @ that separates it from the domain. */
	if (s[0] == '"' && profile == EMAIL_PROFILE_RFC)
	{
		if ((r = scan_quoted(s, len, &local_len, &local_needs_nfc)) != NULL)
			return r;
		if (local_len == len)
			return &R_MISSING_AT;
		if (s[local_len] != '@')
			return &R_LOCAL_QUOTED_INVALID;
	}
	else if ((r = scan_dot_atom(s, len, profile, &local_len, &local_needs_nfc)) != NULL)
	{
		/* Without any @, that is the problem to report, whatever else is wrong. */
		return memchr(s, '@', len) == NULL ? &R_MISSING_AT : r;
	}
	local_out = s;
	local_out_len = local_len;
	if (local_needs_nfc)
	{
		if ((r = local_nfc(s, local_len, local_buf, &local_out_len)) != NULL)
			return r;
		local_out = local_buf;
	}
	else if (local_len > EMAIL_LOCAL_MAX)
		return &R_LOCAL_TOO_LONG;

	/* The domain: a host name (maybe internationalized) or an address literal. */
	d = s + local_len + 1;
	dlen = len - local_len - 1;
	if (dlen == 0)
		return &R_DOMAIN_EMPTY;
	if (d[0] == '[')
	{
		if ((r = check_literal(d, dlen, profile)) != NULL)
			return r;
		ascii_len = dlen;
	}
	else
	{
		if ((r = check_ascii_domain(d, dlen, profile, false, &needs_idna)) != NULL)
			return r;
		ascii_len = dlen;
		if (needs_idna)
		{
			if ((r = domain_to_ascii(idna, d, dlen, ascii, &ascii_len, &cached)) != NULL)
				return r;
			if ((r = check_ascii_domain(ascii, ascii_len, profile, true, &needs_idna)) != NULL)
				return r;
			needs_idna = true;
		}
	}
	if (local_out_len + 1 + ascii_len > EMAIL_ADDRESS_MAX)
		return &R_ADDRESS_TOO_LONG;

	/*
	 * An internationalized address travels (SMTPUTF8, RFC 6531) and is stored
	 * with its domain in Unicode form, whose UTF-8 can be longer than the
	 * ASCII form: it must fit in 254 octets too.  So even validation computes
	 * it (the handle's cache keeps it for short domains).
	 */
	if (needs_idna)
	{
		if ((r = domain_to_unicode(idna, cached, ascii, ascii_len, udom, &ulen)) != NULL)
			return r;
		if (local_out_len + 1 + ulen > EMAIL_ADDRESS_MAX)
			return &R_ADDRESS_TOO_LONG;
	}
	if (buf == NULL)
		return NULL;

	/* Write the normalized form. */
	memcpy(buf, local_out, local_out_len);
	buf[local_out_len] = '@';
	parts->local_len = local_out_len;
	parts->idn = false;
	if (needs_idna)
	{
		memcpy(buf + local_out_len + 1, udom, ulen);
		for (size_t i = 0; i < ulen; i++)
			if ((unsigned char) udom[i] >= 0x80)
				parts->idn = true;
		parts->len = local_out_len + 1 + ulen;
	}
	else
	{
		for (size_t i = 0; i < dlen; i++)
			buf[local_out_len + 1 + i] = (char) ascii_lower((unsigned char) d[i]);
		/* Keep the literal's tag as RFC 5321 spells it. */
		if (dlen > 6 && memcmp(buf + local_out_len + 1, "[ipv6:", 6) == 0)
			memcpy(buf + local_out_len + 2, "IPv6", 4);
		parts->len = local_out_len + 1 + dlen;
	}
	return NULL;
}

const CtReason *
ct_email_check(const char *s, size_t len, EmailProfile profile, EmailIdna *idna)
{
	return email_parse(s, len, profile, idna, NULL, NULL);
}

const CtReason *
ct_email_normalize(const char *s, size_t len, EmailProfile profile, EmailIdna *idna,
				char *buf, EmailParts *parts)
{
	return email_parse(s, len, profile, idna, buf, parts);
}

size_t
ct_email_local_length(const char *s, size_t len)
{
	size_t		i = len;

	while (i > 0)
		if (s[--i] == '@')
			return i;
	return len;
}

/* Full Unicode case folding; byte-wise ASCII lower-casing when it cannot fit. */
static size_t
fold_unicode(const char *s, size_t len, char *buf)
{
	UChar		src[EMAIL_BUF_SIZE / 2];
	UChar		dst[EMAIL_BUF_SIZE];
	int32_t		n16;
	int32_t		nfold;
	int32_t		n8;
	UErrorCode	err = U_ZERO_ERROR;

	if (len <= EMAIL_BUF_SIZE / 2)
	{
		u_strFromUTF8(src, EMAIL_BUF_SIZE / 2, &n16, s, (int32_t) len, &err);
		nfold = u_strFoldCase(dst, EMAIL_BUF_SIZE, src, n16, U_FOLD_CASE_DEFAULT, &err);
		u_strToUTF8(buf, EMAIL_BUF_SIZE, &n8, dst, nfold, &err);
		if (U_SUCCESS(err) && err != U_STRING_NOT_TERMINATED_WARNING)
			return (size_t) n8;
	}
	len = len < EMAIL_BUF_SIZE ? len : EMAIL_BUF_SIZE;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char) ascii_lower((unsigned char) s[i]);
	return len;
}

size_t
ct_email_fold(const char *s, size_t len, char *buf)
{
	if (len > EMAIL_BUF_SIZE)
		len = EMAIL_BUF_SIZE;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c >= 0x80)
			return fold_unicode(s, len, buf);
		buf[i] = (char) ascii_lower(c);
	}
	return len;
}

int
ct_email_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		n = alen < blen ? alen : blen;
	char		fa[EMAIL_BUF_SIZE];
	char		fb[EMAIL_BUF_SIZE];
	size_t		la;
	size_t		lb;
	int			c;

	size_t		i = 0;

	/* Skip identical ASCII words: normalized addresses mostly agree in case. */
	while (i + 8 <= n)
	{
		uint64_t	wa;
		uint64_t	wb;

		memcpy(&wa, a + i, 8);
		memcpy(&wb, b + i, 8);
		if (wa != wb || ((wa | wb) & UINT64_C(0x8080808080808080)) != 0)
			break;
		i += 8;
	}
	for (; i < n; i++)
	{
		unsigned char ca = (unsigned char) a[i];
		unsigned char cb = (unsigned char) b[i];

		if ((ca | cb) >= 0x80)
			goto fold;
		ca = ascii_lower(ca);
		cb = ascii_lower(cb);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	}

	/*
	 * Equal folded prefixes: case folding never maps a character to nothing,
	 * so the longer address sorts last.
	 */
	return alen == blen ? 0 : (alen < blen ? -1 : 1);

fold:
	la = ct_email_fold(a, alen, fa);
	lb = ct_email_fold(b, blen, fb);
	c = memcmp(fa, fb, la < lb ? la : lb);
	if (c != 0)
		return c < 0 ? -1 : 1;
	return la == lb ? 0 : (la < lb ? -1 : 1);
}

size_t
ct_email_duplicate_key(const char *s, size_t len, EmailIdna *idna, char *buf)
{
	char		normalized[EMAIL_BUF_SIZE];
	EmailParts	parts;

	if (ct_email_normalize(s, len, EMAIL_PROFILE_RFC, idna, normalized, &parts) != NULL)
		return 0;
	return ct_email_fold(normalized, parts.len, buf);
}

size_t
ct_email_canonical(const char *s, size_t len, char *buf)
{
	size_t		n = ct_email_fold(s, len, buf);
	size_t		local_len = ct_email_local_length(buf, n);
	const EmailProvider *provider;
	size_t		w = 0;
	size_t		dlen;

	if (local_len >= n || buf[0] == '"')
		return n;
	provider = ct_email_provider_lookup(buf + local_len + 1, n - local_len - 1);
	if (provider == NULL)
		return n;
	for (size_t i = 0; i < local_len; i++)
	{
		char		c = buf[i];

		if (c == '+' && w > 0 && (provider->rules & EMAIL_RULE_STRIP_PLUS_TAG))
			break;
		if (c == '.' && (provider->rules & EMAIL_RULE_IGNORE_DOTS))
			continue;
		buf[w++] = c;
	}
	buf[w++] = '@';
	dlen = strlen(provider->canonical);
	memcpy(buf + w, provider->canonical, dlen);
	return w + dlen;
}

/* The ASCII form of a normalized address's domain, for the ASCII lists. */
static bool
ascii_domain(const char *s, size_t len, EmailIdna *idna, char *ascii, size_t *alen)
{
	size_t		local_len = ct_email_local_length(s, len);
	const char *d = s + local_len + 1;
	size_t		dlen = len - local_len - 1;

	if (local_len >= len)
		return false;
	for (size_t i = 0; i < dlen; i++)
		if ((unsigned char) d[i] >= 0x80)
			return domain_to_ascii(idna, d, dlen, ascii, alen, NULL) == NULL;
	if (dlen > EMAIL_DOMAIN_MAX)
		return false;
	memcpy(ascii, d, dlen);
	*alen = dlen;
	return true;
}

bool
ct_email_to_ascii(const char *s, size_t len, EmailIdna *idna, char *buf, size_t *outlen)
{
	size_t		local_len = ct_email_local_length(s, len);
	size_t		dlen;

	if (!ascii_domain(s, len, idna, buf + local_len + 1, &dlen))
		return false;
	memcpy(buf, s, local_len + 1);
	*outlen = local_len + 1 + dlen;
	return true;
}

bool
ct_email_is_disposable(const char *s, size_t len, EmailIdna *idna)
{
	char		d[EMAIL_DOMAIN_MAX + 1];
	size_t		dlen;

	if (!ascii_domain(s, len, idna, d, &dlen))
		return false;
	/* The domain itself or any parent: x.mailinator.com is mailinator.com. */
	for (size_t i = 0; i < dlen; i++)
	{
		if ((i == 0 || d[i - 1] == '.') && ct_email_list_disposable(d + i, dlen - i))
			return true;
	}
	return false;
}

bool
ct_email_is_freemail(const char *s, size_t len, EmailIdna *idna)
{
	char		d[EMAIL_DOMAIN_MAX + 1];
	size_t		dlen;

	return ascii_domain(s, len, idna, d, &dlen) && ct_email_list_freemail(d, dlen);
}

/*
 * Role accounts: the local part without its +tag, lower-cased and with the
 * separators . - _ removed ("No-Reply", "no.reply" and "noreply" alike).
 */
bool
ct_email_is_role(const char *s, size_t len)
{
	size_t		local_len = ct_email_local_length(s, len);
	char		key[EMAIL_LOCAL_MAX];
	size_t		n = 0;

	if (local_len >= len || local_len > EMAIL_LOCAL_MAX)
		return false;
	for (size_t i = 0; i < local_len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '+' && n > 0)
			break;
		if (c == '.' || c == '-' || c == '_')
			continue;
		if (c >= 0x80 || c == '"')
			return false;
		key[n++] = (char) ascii_lower(c);
	}
	return ct_email_list_role(key, n);
}

/* Optimal string alignment distance, giving up above limit (returns limit + 1). */
static size_t
osa_distance(const char *a, size_t alen, const char *b, size_t blen, size_t limit)
{
	size_t		rows[3][EMAIL_DOMAIN_MAX + 2];
	size_t	   *prev2 = rows[0];
	size_t	   *prev = rows[1];
	size_t	   *cur = rows[2];

	if ((alen > blen ? alen - blen : blen - alen) > limit || blen > EMAIL_DOMAIN_MAX)
		return limit + 1;
	for (size_t j = 0; j <= blen; j++)
		prev[j] = j;
	for (size_t i = 1; i <= alen; i++)
	{
		size_t		best = cur[0] = i;
		size_t	   *t;

		for (size_t j = 1; j <= blen; j++)
		{
			size_t		cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t		v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
			if (v < best)
				best = v;
		}
		if (best > limit)
			return limit + 1;
		t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[blen];
}

/* Misspelt top-level domains that are not real ones, and what was meant. */
static const struct
{
	const char *typo;
	const char *tld;
}			tld_typos[] = {
	{"con", "com"}, {"cmo", "com"}, {"ocm", "com"}, {"comm", "com"}, {"coom", "com"},
	{"cpm", "com"}, {"vom", "com"}, {"xom", "com"}, {"cim", "com"}, {"clm", "com"},
	{"nte", "net"}, {"ent", "net"}, {"nett", "net"}, {"ogr", "org"}, {"orgg", "org"},
};

static bool
known_domain(const char *d, size_t len)
{
	if (ct_email_list_freemail(d, len))
		return true;
	for (size_t i = 0; i < ct_email_typo_target_count; i++)
		if (strlen(ct_email_typo_targets[i]) == len && memcmp(ct_email_typo_targets[i], d, len) == 0)
			return true;
	return false;
}

/*
 * Repair the domain in place: commas for dots, doubled and trailing dots,
 * misspelt top-level domains.  Returns the new length.
 */
static size_t
repair_domain(char *d, size_t len)
{
	size_t		w = 0;
	size_t		tld;

	for (size_t i = 0; i < len; i++)
	{
		char		c = d[i] == ',' ? '.' : d[i];

		if (c == '.' && (w == 0 || d[w - 1] == '.'))
			continue;
		d[w++] = c;
	}
	while (w > 0 && d[w - 1] == '.')
		w--;
	tld = w;
	while (tld > 0 && d[tld - 1] != '.')
		tld--;
	if (tld == 0)
		return w;
	for (size_t i = 0; i < sizeof(tld_typos) / sizeof(tld_typos[0]); i++)
	{
		size_t		tlen = strlen(tld_typos[i].typo);

		if (w - tld == tlen && memcmp(d + tld, tld_typos[i].typo, tlen) == 0)
		{
			size_t		rlen = strlen(tld_typos[i].tld);

			memcpy(d + tld, tld_typos[i].tld, rlen);
			return tld + rlen;
		}
	}
	return w;
}

bool
ct_email_suggest(const char *s, size_t len, EmailProfile profile, EmailIdna *idna,
			  char *buf, size_t *outlen)
{
	char		cand[EMAIL_BUF_SIZE];
	char		orig[EMAIL_BUF_SIZE];
	char		dom[EMAIL_DOMAIN_MAX + 8];
	size_t		local_len;
	size_t		dlen;
	EmailParts	parts;
	EmailParts	orig_parts;

	trim(&s, &len);
	local_len = ct_email_local_length(s, len);
	if (local_len >= len && len < EMAIL_BUF_SIZE)
	{
		/* No @ at all: "ana.garcia.gmail.com" lost it before a known domain. */
		size_t		dlen_found;

		for (size_t i = 0; i < len; i++)
			cand[i] = (char) ascii_lower((unsigned char) s[i]);
		dlen_found = ct_email_list_freemail_suffix(cand, len);
		if (dlen_found == 0 || known_domain(cand, len))
			return false;
		local_len = len - dlen_found;
		memcpy(cand, s, local_len);
		cand[local_len] = '@';
		memcpy(cand + local_len + 1, s + local_len, dlen_found);
		if (ct_email_normalize(cand, len + 1, profile, idna, buf, &parts) != NULL)
			return false;
		*outlen = parts.len;
		return true;
	}
	if (local_len >= len || len - local_len - 1 > EMAIL_DOMAIN_MAX || local_len > EMAIL_LOCAL_MAX)
		return false;
	dlen = len - local_len - 1;
	for (size_t i = 0; i < dlen; i++)
	{
		unsigned char c = (unsigned char) s[local_len + 1 + i];

		if (c >= 0x80)
			return false;		/* the common domains are all ASCII */
		dom[i] = (char) ascii_lower(c);
	}
	dlen = repair_domain(dom, dlen);
	if (!known_domain(dom, dlen))
	{
		/* The most popular target within one edit (two for long names). */
		size_t		best = 3;
		const char *target = NULL;

		for (size_t i = 0; i < ct_email_typo_target_count; i++)
		{
			const char *t = ct_email_typo_targets[i];
			size_t		tlen = strlen(t);
			size_t		limit = tlen >= 10 ? 2 : 1;
			size_t		dist = osa_distance(dom, dlen, t, tlen, limit);

			if (dist <= limit && dist < best)
			{
				best = dist;
				target = t;
			}
		}
		if (target != NULL)
		{
			dlen = strlen(target);
			memcpy(dom, target, dlen);
		}
	}

	memcpy(cand, s, local_len + 1);
	memcpy(cand + local_len + 1, dom, dlen);
	if (ct_email_normalize(cand, local_len + 1 + dlen, profile, idna, buf, &parts) != NULL)
		return false;
	/* Nothing to suggest when the address already says that. */
	if (ct_email_normalize(s, len, profile, idna, orig, &orig_parts) == NULL &&
		ct_email_compare(orig, orig_parts.len, buf, parts.len) == 0)
		return false;
	*outlen = parts.len;
	return true;
}
