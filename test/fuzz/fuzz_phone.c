/*
 * fuzz_phone.c
 *		libFuzzer target for the phone engine.  The first input byte picks a
 *		default region (or none), the rest is the text.  Whatever the input:
 *		no crash, no out-of-bounds access (ASan/UBSan), and for every valid
 *		number the formats parse back to the same number: E164 and
 *		INTERNATIONAL without a region, NATIONAL with the number's own region
 *		(extensions included, except for E164 which never carries one).
 *
 * Two exceptions, both shared with libphonenumber (same results there):
 *	- NATIONAL only has to parse back to a number of the same calling code:
 *	  national prefix rules can read a national form as another number.
 *	  Argentina's +54 345 615-6656 is "0345 615-6656", where "0 3456 15"
 *	  looks like a mobile prefix, and Gabon's +241 2 35 69 30 is
 *	  "02 35 69 30", which is also the valid 8-digit +241 02 35 69 30.
 *	- a region's preferred extension label may take at most 9 digits (GB's
 *	  " x"), so a longer extension comes back only through RFC3966's ";ext=".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "phone.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const regions[] = {
	NULL, "US", "GB", "AR", "MX", "ES", "BR", "CO", "CL", "UY", "IT", "DE",
	"FR", "IN", "CN", "RU", "JP", "AU", "GG", "RE", "XX", "001", "us"
};

static void
must_parse_back(const PhoneNumber *num, PhoneFormat format, const char *region,
				bool with_extension, bool same_code_only)
{
	char		text[PHONE_FORMAT_BUFSIZE];
	size_t		len = ct_phone_format(num, format, text, sizeof(text));
	PhoneNumber back;

	if (len >= sizeof(text))
		abort();
	if (ct_phone_parse(text, len, region, region ? strlen(region) : 0, &back) != NULL)
		abort();
	if (back.country_code != num->country_code)
		abort();
	if (same_code_only)
		return;
	if (back.national_number != num->national_number ||
		back.leading_zeros != num->leading_zeros)
		abort();
	if (with_extension && strcmp(back.extension, num->extension) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *region;
	PhoneNumber num;
	char		buf[PHONE_FORMAT_BUFSIZE];
	const char *own;

	if (size == 0)
		return 0;
	region = regions[data[0] % (sizeof(regions) / sizeof(regions[0]))];
	if (ct_phone_parse((const char *) data + 1, size - 1, region,
					region ? strlen(region) : 0, &num) != NULL)
		return 0;

	/* every accessor on any parsed number */
	(void) ct_phone_is_possible(&num);
	(void) ct_phone_check(&num);
	(void) ct_phone_type_name(ct_phone_type(&num));
	own = ct_phone_region(&num);
	for (int f = PHONE_FORMAT_E164; f <= PHONE_FORMAT_RFC3966; f++)
		if (ct_phone_format(&num, (PhoneFormat) f, buf, sizeof(buf)) >= sizeof(buf))
			abort();
	if (ct_phone_national_significant_number(&num, buf) > PHONE_MAX_NSN_DIGITS)
		abort();
	if (num.extension_len != strlen(num.extension) ||
		num.extension_len > PHONE_MAX_EXTENSION_DIGITS)
		abort();

	if (!ct_phone_is_valid(&num))
		return 0;
	must_parse_back(&num, PHONE_FORMAT_E164, NULL, false, false);
	must_parse_back(&num, PHONE_FORMAT_RFC3966, NULL, true, false);
	if (num.extension_len > 9)
		return 0;
	must_parse_back(&num, PHONE_FORMAT_INTERNATIONAL, NULL, true, false);
	if (strcmp(own, "001") != 0)
		must_parse_back(&num, PHONE_FORMAT_NATIONAL, own, true, true);
	return 0;
}
