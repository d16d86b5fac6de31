/*
 * email.h
 *		Email addresses: validation with a reason per failure, normalization,
 *		case-insensitive comparison, provider-aware canonical keys, typo
 *		suggestions and the shipped lists (disposable, freemail, role).
 *
 * All input and output is UTF-8 with explicit lengths.  Nothing here
 * allocates (but ct_email_idna_open): results go into caller-supplied buffers
 * of EMAIL_BUF_SIZE bytes.  Internationalized domains go through ICU's UTS
 * #46 processing: callers that validate many values pass an EmailIdna from
 * ct_email_idna_open(); passing NULL makes each call open and close its own
 * ICU handle (slower, no cache).
 */
#ifndef CT_EMAIL_H
#define CT_EMAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_alloc.h"
#include "ct_reason.h"

/* Keep in step with email_profile_options in src/guc.c. */
typedef enum EmailProfile
{
	EMAIL_PROFILE_MAILBOX = 0,	/* every RFC 5322/6531 dot-atom address that can
								 * receive mail (the default) */
	EMAIL_PROFILE_RFC = 1,		/* also quoted local parts, address literals,
								 * any host name: syntax only */
	EMAIL_PROFILE_PROVIDER = 2	/* what a provider accepts for a new mailbox:
								 * letters, digits and . _ - + ' */
} EmailProfile;

/*
 * Size limits in octets, never characters: RFC 5321 section 4.5.3.1 (64 for
 * the local part, 254 for an address, the 256-octet path less its angle
 * brackets) and DNS for the domain (253 octets of text, labels of 63, in its
 * ASCII form).  RFC 6531 keeps them in octets of UTF-8.
 */
#define EMAIL_LOCAL_MAX		64
#define EMAIL_DOMAIN_MAX	253
#define EMAIL_ADDRESS_MAX	254

/*
 * Room for any normalized address, canonical key or case-folded form: the
 * local part (at most 64 octets) plus a Unicode domain whose ASCII form fits
 * in 253 octets (at most 4 UTF-8 octets per character), case folding's
 * expansion included.
 */
#define EMAIL_BUF_SIZE		4096

/* Where the parts of a normalized address are. */
typedef struct EmailParts
{
	size_t		len;			/* whole address */
	size_t		local_len;		/* local part; the '@' follows it */
	bool		idn;			/* the domain has non-ASCII characters */
} EmailParts;

/*
 * A UTS #46 handle plus a small cache of recent domain conversions, for the
 * calls below; NULL when ICU cannot open one.  The cache makes it mutable:
 * one per thread (the glue keeps one per backend).
 */
typedef struct EmailIdna EmailIdna;

extern EmailIdna *ct_email_idna_open(const CtAllocator *allocator);
extern void ct_email_idna_close(EmailIdna *idna, const CtAllocator *allocator);

/*
 * NULL when s is a valid address under profile, else why not.  Surrounding
 * ASCII white space is ignored.  The address must fit in 254 octets both as
 * UTF-8 and with its domain in ASCII form.  Does not allocate; pure-ASCII
 * addresses never reach ICU.
 */
extern const CtReason *ct_email_check(const char *s, size_t len, EmailProfile profile,
								   EmailIdna *idna);

/*
 * Validate and write the normalized form into buf (EMAIL_BUF_SIZE bytes, not
 * NUL-terminated): white space trimmed, the local part as typed in NFC, the
 * domain lower-cased and, when internationalized, in its UTS #46 Unicode
 * form (so "bücher.de" and "xn--bcher-kva.de" give the same result).
 * Returns NULL and fills parts on success.
 */
extern const CtReason *ct_email_normalize(const char *s, size_t len, EmailProfile profile,
									   EmailIdna *idna, char *buf, EmailParts *parts);

/* The length of the local part of a normalized address (its last '@'). */
extern size_t ct_email_local_length(const char *s, size_t len);

/*
 * Case-fold a normalized address into buf (EMAIL_BUF_SIZE bytes): ASCII
 * letters are lower-cased directly, anything else goes through Unicode full
 * case folding.  Returns the folded length.
 */
extern size_t ct_email_fold(const char *s, size_t len, char *buf);

/*
 * Compare two normalized addresses case-insensitively: the order of their
 * folded forms, byte by byte.  Pure-ASCII prefixes are compared without
 * folding into buffers.  This is the contacts.email type's order.
 */
extern int	ct_email_compare(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The duplicate key of an address as typed: its normalized form, folded by
 * ct_email_fold(), so that two addresses have the same key exactly when the
 * email type (ct_email_compare) holds them equal.  Normalized under the rfc
 * profile, which accepts everything the other profiles do and writes it the
 * same, so that the key never depends on contacts.email_profile.
 * Writes the key into buf (EMAIL_BUF_SIZE) and returns its length, or 0
 * when s is not an address (it then has no key).
 */
extern size_t ct_email_duplicate_key(const char *s, size_t len, EmailIdna *idna, char *buf);

/*
 * The provider-aware key of a normalized address for duplicate detection:
 * the folded address with the provider's rules applied (see the provider
 * table in email_lists.c).  Returns its length in buf (EMAIL_BUF_SIZE).
 */
extern size_t ct_email_canonical(const char *s, size_t len, char *buf);

/*
 * The address the user probably meant when s has a misspelt common domain
 * (gmial.com, hotmail.con, yaho.com.ar), normalized into buf; false when
 * there is nothing to suggest.
 */
extern bool ct_email_suggest(const char *s, size_t len, EmailProfile profile,
						  EmailIdna *idna, char *buf, size_t *outlen);

/*
 * The normalized address with its domain in ASCII (xn--) form, into buf
 * (EMAIL_BUF_SIZE); false when the domain cannot be converted.
 */
extern bool ct_email_to_ascii(const char *s, size_t len, EmailIdna *idna, char *buf,
						   size_t *outlen);

/* List membership of a normalized address. */
extern bool ct_email_is_disposable(const char *s, size_t len, EmailIdna *idna);
extern bool ct_email_is_freemail(const char *s, size_t len, EmailIdna *idna);
extern bool ct_email_is_role(const char *s, size_t len);

/* The lists themselves (email_lists.c, email_disposable.c), ASCII domains. */
extern bool ct_email_list_disposable(const char *domain, size_t len);
extern bool ct_email_list_freemail(const char *domain, size_t len);
extern bool ct_email_list_role(const char *local, size_t len);
extern bool ct_email_lists_sorted(void);

/* Length of the longest freemail domain that s (lower case) ends with, or 0. */
extern size_t ct_email_list_freemail_suffix(const char *s, size_t len);

/* Provider rules for canonical keys. */
#define EMAIL_RULE_STRIP_PLUS_TAG	0x01	/* "ana+news" is "ana" */
#define EMAIL_RULE_IGNORE_DOTS		0x02	/* "a.na" is "ana" */

typedef struct EmailProvider
{
	const char *domain;			/* as written in addresses */
	const char *canonical;		/* the domain the key uses */
	unsigned	rules;			/* EMAIL_RULE_* */
} EmailProvider;

extern const EmailProvider *ct_email_provider_lookup(const char *domain, size_t len);

/* Typo targets in order of preference for ct_email_suggest(). */
extern const char *const ct_email_typo_targets[];
extern const size_t ct_email_typo_target_count;

#endif							/* CT_EMAIL_H */
