/*
 * fuzz_email.c
 *		libFuzzer target for the email core: no crash on any bytes under
 *		any profile; a valid address normalizes to a valid address;
 *		normalizing is idempotent; an address equals its normal form; the
 *		canonical key, suggestion and lists accept whatever normalize gives.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "email.h"

static EmailIdna *idna;

static void
check_profile(const char *s, size_t len, EmailProfile profile)
{
	char		norm[EMAIL_BUF_SIZE];
	char		again[EMAIL_BUF_SIZE];
	char		key[EMAIL_BUF_SIZE];
	char		sugg[EMAIL_BUF_SIZE];
	EmailParts	parts;
	EmailParts	parts2;
	const CtReason *checked = ct_email_check(s, len, profile, idna);
	const CtReason *normalized = ct_email_normalize(s, len, profile, idna, norm, &parts);
	size_t		n;

	/* check and normalize are one parser: they must agree. */
	if ((checked == NULL) != (normalized == NULL))
		abort();
	if (checked != NULL && strcmp(checked->code, normalized->code) != 0)
		abort();
	if (ct_email_suggest(s, len, profile, idna, sugg, &n) &&
		ct_email_check(sugg, n, profile, idna) != NULL)
		abort();
	if (normalized != NULL)
		return;

	if (parts.local_len >= parts.len || norm[parts.local_len] != '@' ||
		ct_email_local_length(norm, parts.len) != parts.local_len)
		abort();
	if (ct_email_check(norm, parts.len, profile, idna) != NULL)
		abort();
	if (ct_email_normalize(norm, parts.len, profile, idna, again, &parts2) != NULL ||
		parts2.len != parts.len || memcmp(norm, again, parts.len) != 0)
		abort();
	if (ct_email_compare(norm, parts.len, again, parts2.len) != 0)
		abort();
	n = ct_email_canonical(norm, parts.len, key);
	if (n == 0 || n > EMAIL_BUF_SIZE)
		abort();
	(void) ct_email_is_disposable(norm, parts.len, idna);
	(void) ct_email_is_freemail(norm, parts.len, idna);
	(void) ct_email_is_role(norm, parts.len);
	if (ct_email_to_ascii(norm, parts.len, idna, key, &n) &&
		ct_email_check(key, n, profile, idna) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (idna == NULL)
		idna = ct_email_idna_open(&ct_malloc_allocator);
	if (size > 2048)
		return 0;
	check_profile((const char *) data, size, EMAIL_PROFILE_MAILBOX);
	check_profile((const char *) data, size, EMAIL_PROFILE_RFC);
	check_profile((const char *) data, size, EMAIL_PROFILE_PROVIDER);

	/* Split the input in two to exercise comparison on arbitrary pairs. */
	if (size >= 2)
	{
		size_t		half = size / 2;
		int			ab = ct_email_compare((const char *) data, half, (const char *) data + half, size - half);
		int			ba = ct_email_compare((const char *) data + half, size - half, (const char *) data, half);

		if ((ab < 0) != (ba > 0) || (ab == 0) != (ba == 0))
			abort();
	}
	return 0;
}
