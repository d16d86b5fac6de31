/*
 * test_phone.c
 *		The phone engine with the shipped numbering tables: parsing of the
 *		forms people write in many regions, validation, number types,
 *		regions behind shared calling codes, the four formats, reasons and
 *		the small API helpers.  (Agreement with libphonenumber over every
 *		territory is the differential test's job: test/checks/phone_diff.sh.)
 */
#include "unit.h"

#include "phone.h"

/* The same number: every field equal (the type's order is in src/phone.c). */
static bool
same_number(const PhoneNumber *a, const PhoneNumber *b)
{
	return a->country_code == b->country_code && a->national_number == b->national_number &&
		a->leading_zeros == b->leading_zeros && strcmp(a->extension, b->extension) == 0;
}

/*
 * Parse text with region; the number must parse and give these E164,
 * INTERNATIONAL, NATIONAL and RFC3966 forms, this region and type.
 */
static void
check_number(const char *text, const char *region, const char *e164,
			 const char *intl, const char *natl, const char *rfc,
			 const char *want_region, PhoneType want_type)
{
	PhoneNumber num;
	const CtReason *r = ct_phone_parse(text, strlen(text), region,
									region ? strlen(region) : 0, &num);
	char		buf[PHONE_FORMAT_BUFSIZE];

	CHECK_STR(r ? r->code : NULL, NULL);
	if (r)
		return;
	ct_phone_format(&num, PHONE_FORMAT_E164, buf, sizeof(buf));
	CHECK_STR(buf, e164);
	ct_phone_format(&num, PHONE_FORMAT_INTERNATIONAL, buf, sizeof(buf));
	CHECK_STR(buf, intl);
	ct_phone_format(&num, PHONE_FORMAT_NATIONAL, buf, sizeof(buf));
	CHECK_STR(buf, natl);
	ct_phone_format(&num, PHONE_FORMAT_RFC3966, buf, sizeof(buf));
	CHECK_STR(buf, rfc);
	CHECK_STR(ct_phone_region(&num), want_region);
	CHECK_STR(ct_phone_type_name(ct_phone_type(&num)), ct_phone_type_name(want_type));
	CHECK(ct_phone_is_valid(&num) == (want_type != PHONE_TYPE_UNKNOWN));
	CHECK_STR(ct_phone_check(&num) ? ct_phone_check(&num)->code : NULL,
			  want_type != PHONE_TYPE_UNKNOWN ? NULL : "INVALID_FOR_REGION");
}

/* The text must not parse, for this reason. */
static void
check_parse_error(const char *text, const char *region, const char *code)
{
	PhoneNumber num;
	const CtReason *r = ct_phone_parse(text, strlen(text), region,
									region ? strlen(region) : 0, &num);

	CHECK_STR(r ? r->code : NULL, code);
	if (r)
	{
		CHECK(r->message != NULL && r->message[0] >= 'a' && r->message[0] <= 'z');
		CHECK(r->hint != NULL);
	}
}

/* The text parses, and ct_phone_check_text gives code (NULL: valid). */
static void
check_reason(const char *text, const char *region, const char *code)
{
	const CtReason *r = ct_phone_check_text(text, strlen(text), region,
										 region ? strlen(region) : 0);

	CHECK_STR(r ? r->code : NULL, code);
}

static void
test_regions_of_the_issue(void)
{
	/* Argentina: mobile 9, national 0 + area code + 15 */
	check_number("+54 9 11 1234-5678", "AR", "+5491112345678", "+54 9 11 1234-5678",
				 "011 15-1234-5678", "tel:+54-9-11-1234-5678", "AR", PHONE_TYPE_MOBILE);
	check_number("(011) 15 1234-5678", "AR", "+5491112345678", "+54 9 11 1234-5678",
				 "011 15-1234-5678", "tel:+54-9-11-1234-5678", "AR", PHONE_TYPE_MOBILE);
	check_number("011 4123-4567", "AR", "+541141234567", "+54 11 4123-4567",
				 "011 4123-4567", "tel:+54-11-4123-4567", "AR", PHONE_TYPE_FIXED_LINE);
	check_number("0800 123 4567", "AR", "+548001234567", "+54 800-123-4567",
				 "0800-123-4567", "tel:+54-800-123-4567", "AR", PHONE_TYPE_TOLL_FREE);
	/* Mexico: extension; the old mobile 1 is gone from the plan */
	check_number("55 1234 5678 ext. 12", "MX", "+525512345678", "+52 55 1234 5678 ext. 12",
				 "55 1234 5678 ext. 12", "tel:+52-55-1234-5678;ext=12", "MX",
				 PHONE_TYPE_FIXED_LINE_OR_MOBILE);
	check_reason("+52 1 55 1234 5678", NULL, "TOO_LONG");
	/* Spain: 00 international prefix, bare national */
	check_number("0034 612 34 56 78", "ES", "+34612345678", "+34 612 34 56 78",
				 "612 34 56 78", "tel:+34-612-34-56-78", "ES", PHONE_TYPE_MOBILE);
	check_number("612345678", "ES", "+34612345678", "+34 612 34 56 78",
				 "612 34 56 78", "tel:+34-612-34-56-78", "ES", PHONE_TYPE_MOBILE);
	check_number("+34 900 123 456", "ES", "+34900123456", "+34 900 123 456",
				 "900 123 456", "tel:+34-900-123-456", "ES", PHONE_TYPE_TOLL_FREE);
	/* Brazil: national prefix 0 + carrier code 21 */
	check_number("0 21 (11) 91234-5678", "BR", "+5511912345678", "+55 11 91234-5678",
				 "(11) 91234-5678", "tel:+55-11-91234-5678", "BR", PHONE_TYPE_MOBILE);
	check_number("(11) 3123-4567", "BR", "+551131234567", "+55 11 3123-4567",
				 "(11) 3123-4567", "tel:+55-11-3123-4567", "BR", PHONE_TYPE_FIXED_LINE);
	/* Colombia, Chile, Uruguay */
	check_number("601 2345678", "CO", "+576012345678", "+57 601 2345678",
				 "(601) 2345678", "tel:+57-601-2345678", "CO", PHONE_TYPE_FIXED_LINE);
	check_number("321 1234567", "CO", "+573211234567", "+57 321 1234567",
				 "321 1234567", "tel:+57-321-1234567", "CO", PHONE_TYPE_MOBILE);
	check_number("2 2123 4567", "CL", "+56221234567", "+56 2 2123 4567",
				 "(2) 2123 4567", "tel:+56-2-2123-4567", "CL", PHONE_TYPE_FIXED_LINE_OR_MOBILE);
	check_number("+56 600 123 4567", NULL, "+566001234567", "+56 600 123 4567",
				 "600 123 4567", "tel:+56-600-123-4567", "CL", PHONE_TYPE_SHARED_COST);
	check_number("2401 2345", "UY", "+59824012345", "+598 2401 2345",
				 "2401 2345", "tel:+598-2401-2345", "UY", PHONE_TYPE_FIXED_LINE);
	check_number("094 231 234", "UY", "+59894231234", "+598 94 231 234",
				 "094 231 234", "tel:+598-94-231-234", "UY", PHONE_TYPE_MOBILE);
	/* United States: tel: URI, x extension, vanity letters, premium rate */
	check_number("tel:+1-201-555-0123", "US", "+12015550123", "+1 201-555-0123",
				 "(201) 555-0123", "tel:+1-201-555-0123", "US", PHONE_TYPE_FIXED_LINE_OR_MOBILE);
	check_number("(201) 555-0123 x 45", "US", "+12015550123", "+1 201-555-0123 ext. 45",
				 "(201) 555-0123 ext. 45", "tel:+1-201-555-0123;ext=45", "US",
				 PHONE_TYPE_FIXED_LINE_OR_MOBILE);
	check_number("1-800-FLOWERS", "US", "+18003569377", "+1 800-356-9377",
				 "(800) 356-9377", "tel:+1-800-356-9377", "US", PHONE_TYPE_TOLL_FREE);
	check_number("+1 900 555 0123", "US", "+19005550123", "+1 900-555-0123",
				 "(900) 555-0123", "tel:+1-900-555-0123", "US", PHONE_TYPE_PREMIUM_RATE);
	/* United Kingdom and the Crown Dependencies on +44 */
	check_number("+44 20 7946 0958", "GB", "+442079460958", "+44 20 7946 0958",
				 "020 7946 0958", "tel:+44-20-7946-0958", "GB", PHONE_TYPE_FIXED_LINE);
	check_number("+44 1481 256789", "US", "+441481256789", "+44 1481 256789",
				 "01481 256789", "tel:+44-1481-256789", "GG", PHONE_TYPE_FIXED_LINE);
	check_number("+44 7781 123456", NULL, "+447781123456", "+44 7781 123456",
				 "07781 123456", "tel:+44-7781-123456", "GG", PHONE_TYPE_MOBILE);
	check_number("01624 756789", "IM", "+441624756789", "+44 1624 756789",
				 "01624 756789", "tel:+44-1624-756789", "IM", PHONE_TYPE_FIXED_LINE);
	/* Italy: the leading zero is part of the number */
	check_number("02 1234 5678", "IT", "+390212345678", "+39 02 1234 5678",
				 "02 1234 5678", "tel:+39-02-1234-5678", "IT", PHONE_TYPE_FIXED_LINE);
	check_number("312 345 6789", "IT", "+393123456789", "+39 312 345 6789",
				 "312 345 6789", "tel:+39-312-345-6789", "IT", PHONE_TYPE_MOBILE);
	/* Germany: "(0)" after the country code, fullwidth digits */
	check_number("+49 (0) 30 1234567", "DE", "+49301234567", "+49 30 1234567",
				 "030 1234567", "tel:+49-30-1234567", "DE", PHONE_TYPE_FIXED_LINE);
	check_number("\xEF\xBC\x90\xEF\xBC\x93\xEF\xBC\x90 \xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93"
				 "\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96\xEF\xBC\x97", "DE", "+49301234567",
				 "+49 30 1234567", "030 1234567", "tel:+49-30-1234567", "DE",
				 PHONE_TYPE_FIXED_LINE);
	check_number("0151 23456789", "DE", "+4915123456789", "+49 1512 3456789",
				 "01512 3456789", "tel:+49-1512-3456789", "DE", PHONE_TYPE_MOBILE);
	/* France, India, China */
	check_number("+33 (0)1 23 45 67 89", "FR", "+33123456789", "+33 1 23 45 67 89",
				 "01 23 45 67 89", "tel:+33-1-23-45-67-89", "FR", PHONE_TYPE_FIXED_LINE);
	check_number("06 12 34 56 78", "FR", "+33612345678", "+33 6 12 34 56 78",
				 "06 12 34 56 78", "tel:+33-6-12-34-56-78", "FR", PHONE_TYPE_MOBILE);
	check_number("+91 98765 43210", "IN", "+919876543210", "+91 98765 43210",
				 "098765 43210", "tel:+91-98765-43210", "IN", PHONE_TYPE_MOBILE);
	check_number("1800 123 4567", "IN", "+9118001234567", "+91 1800 123 4567",
				 "1800 123 4567", "tel:+91-1800-123-4567", "IN", PHONE_TYPE_TOLL_FREE);
	check_number("010 1234 5678", "CN", "+861012345678", "+86 10 1234 5678",
				 "010 1234 5678", "tel:+86-10-1234-5678", "CN", PHONE_TYPE_FIXED_LINE);
	check_number("+86 138 0013 8000", "CN", "+8613800138000", "+86 138 0013 8000",
				 "138 0013 8000", "tel:+86-138-0013-8000", "CN", PHONE_TYPE_MOBILE);
}

static void
test_shared_country_codes(void)
{
	check_number("+1 204 234 5678", "US", "+12042345678", "+1 204-234-5678",
				 "(204) 234-5678", "tel:+1-204-234-5678", "CA", PHONE_TYPE_FIXED_LINE_OR_MOBILE);
	check_number("+1 242 357 1234", "US", "+12423571234", "+1 242-357-1234",
				 "(242) 357-1234", "tel:+1-242-357-1234", "BS", PHONE_TYPE_MOBILE);
	check_number("+7 495 123-45-67", "US", "+74951234567", "+7 495 123-45-67",
				 "8 (495) 123-45-67", "tel:+7-495-123-45-67", "RU", PHONE_TYPE_FIXED_LINE);
	check_number("+7 7172 123456", "US", "+77172123456", "+7 7172 12 34 56",
				 "8 (7172) 12 34 56", "tel:+7-7172-12-34-56", "KZ", PHONE_TYPE_FIXED_LINE);
	check_number("+262 269 61 23 45", "FR", "+262269612345", "+262 269 61 23 45",
				 "0269 61 23 45", "tel:+262-269-61-23-45", "YT", PHONE_TYPE_FIXED_LINE);
	check_number("+262 692 12 34 56", "FR", "+262692123456", "+262 692 12 34 56",
				 "0692 12 34 56", "tel:+262-692-12-34-56", "RE", PHONE_TYPE_MOBILE);
	check_number("+590 690 00 12 34", "FR", "+590690001234", "+590 690 00 12 34",
				 "0690 00 12 34", "tel:+590-690-00-12-34", "GP", PHONE_TYPE_MOBILE);
	check_number("+61 8 9162 1234", "AU", "+61891621234", "+61 8 9162 1234",
				 "(08) 9162 1234", "tel:+61-8-9162-1234", "CC", PHONE_TYPE_FIXED_LINE);
	check_number("+800 1234 5678", NULL, "+80012345678", "+800 1234 5678",
				 "1234 5678", "tel:+800-1234-5678", "001", PHONE_TYPE_TOLL_FREE);
}

static void
test_text_forms(void)
{
	PhoneNumber a,
				b;
	char		buf[PHONE_FORMAT_BUFSIZE];

	/* one number, many spellings */
	static const char *const forms[][2] = {
		{"+1 650 253 0000", "ZZ"}, {"(650) 253-0000", "US"}, {"650.253.0000", "US"},
		{"1 650 253 0000", "US"}, {"011 1 650 253 0000", "CA"}, {"00 1 650 253 0000", "DE"},
		{"tel:+1-650-253-0000", NULL}, {"tel:650-253-0000;phone-context=+1", NULL},
		{"++1 650 253 0000", NULL}, {"Phone: +1 (650) 253-0000.", NULL},
		{"\xEF\xBC\x8B" "1 650 253 0000", NULL},	/* fullwidth plus */
		{"+1 650\xE2\x80\x93" "253\xE2\x80\x94" "0000", NULL},	/* en and em dashes */
		{"+1\xC2\xA0" "650\xC2\xA0" "253\xC2\xA0" "0000", NULL},	/* no-break spaces */
		{"\xD9\xA6\xD9\xA5\xD9\xA0 253 0000", "US"},	/* Arabic-Indic digits */
	};

	CHECK(ct_phone_parse("+1 650 253 0000", 15, NULL, 0, &a) == NULL);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
	{
		const char *region = forms[i][1];

		CHECK(ct_phone_parse(forms[i][0], strlen(forms[i][0]), region,
						  region ? strlen(region) : 0, &b) == NULL &&
			  same_number(&a, &b));
	}

	/* extensions in their spellings; the digits are ASCII */
	static const char *const exts[][2] = {
		{"+1 650 253 0000 ext. 123", "123"}, {"+1 650 253 0000 x123", "123"},
		{"+1 650 253 0000;ext=123", "123"}, {"+1 650 253 0000 extension 123", "123"},
		{"+1 650 253 0000 #123", "123"}, {"+1 650 253 0000 - 123#", "123"},
		{"+1 650 253 0000,,123", "123"}, {"+34 912 345 678 anexo 12", "12"},
		{"+34 912 345 678 extensi\xC3\xB3n 12", "12"}, {"+52 55 1234 5678 int. 3", "3"},
		{"+7 495 123 45 67 \xD0\xB4\xD0\xBE\xD0\xB1. 12", "12"},
		{"+1 650 253 0000 x \xEF\xBC\x91\xEF\xBC\x92", "12"},
	};

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
	{
		CHECK(ct_phone_parse(exts[i][0], strlen(exts[i][0]), "US", 2, &b) == NULL);
		CHECK_STR(b.extension, exts[i][1]);
		CHECK(b.extension_len == strlen(exts[i][1]));
	}
	ct_phone_parse("+1 650 253 0000 x123", 20, NULL, 0, &b);
	ct_phone_format(&b, PHONE_FORMAT_E164, buf, sizeof(buf));
	CHECK_STR(buf, "+16502530000");	/* E164 never carries an extension */
	CHECK(!same_number(&a, &b));

	/* a second number after "/ x" is dropped, ";isub=" too */
	CHECK(ct_phone_parse("+1 650 253 0000 / x 999", 23, NULL, 0, &b) == NULL &&
		  same_number(&a, &b));
	CHECK(ct_phone_parse("tel:+1-650-253-0000;isub=12345", 30, NULL, 0, &b) == NULL &&
		  same_number(&a, &b));

	/* Italian leading zeros are kept apart from the integer */
	CHECK(ct_phone_parse("+39 02 1234 5678", 16, NULL, 0, &b) == NULL);
	CHECK(b.leading_zeros == 1 && b.national_number == 212345678ULL);
	CHECK(ct_phone_national_significant_number(&b, buf) == 10);
	CHECK_STR(buf, "0212345678");

	/* region arguments in any case */
	CHECK(ct_phone_parse("612345678", 9, "es", 2, &b) == NULL && b.country_code == 34);
}

/*
 * Plain text (ASCII digits, leading "+" signs, separators) takes one pass
 * of its own instead of the scanners.  A leading no-break space sends the
 * same text through the scanners, which skip it: number and error must be
 * the same either way.
 */
static void
test_plain_text_and_scanners_agree(void)
{
	static const char *const texts[] = {
		"+34 612 34 56 78", "(+34) 612-345-678", "0034 612345678", "00 34 612 345 678",
		"612345678", "34612345678", "34 612 345 678", "[+44] 20.7946.0958",
		"++34 612345678", "+ 34 612 345 678", "+1 (201) 555-0123", "011 54 9 11 1234 5678",
		"(011) 15 1234-5678", "0 21 (11) 91234-5678", "+39 02 1234 5678", "+39 000",
		"+999 123456", "+34 12", "123", "00", "0034", "+", "-- 612 345 678 --",
		"612/345/678", "+34 6123456789012345678", "0000000000", "12", "+12", "1 2", "+1 2",
	};
	static const char *const regions[] = {"ES", "AR", "BR", "US", "IT", NULL};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (size_t r = 0; r < sizeof(regions) / sizeof(regions[0]); r++)
		{
			const char *region = regions[r];
			size_t		rlen = region ? strlen(region) : 0;
			char		nbsp[64] = "\xC2\xA0";
			PhoneNumber plain,
						scanned;
			const CtReason *rp,
					   *rs;

			strcat(nbsp, texts[i]);
			memset(&plain, 0x5A, sizeof(plain));
			memset(&scanned, 0xA5, sizeof(scanned));
			rp = ct_phone_parse(texts[i], strlen(texts[i]), region, rlen, &plain);
			rs = ct_phone_parse(nbsp, strlen(nbsp), region, rlen, &scanned);
			CHECK(rp == rs);
			CHECK(memcmp(&plain, &scanned, sizeof(plain)) == 0);
		}
}

static void
test_reasons(void)
{
	char		long_input[PHONE_MAX_INPUT_BYTES + 2];

	check_parse_error("", "US", "NOT_A_NUMBER");
	check_parse_error("hello", "US", "NOT_A_NUMBER");
	check_parse_error("1", "US", "NOT_A_NUMBER");
	check_parse_error("\xFF\xFE 650 253 0000", "US", "NOT_A_NUMBER");	/* bad UTF-8 */
	check_parse_error("650 253 0000", NULL, "INVALID_COUNTRY_CODE");
	check_parse_error("650 253 0000", "XX", "INVALID_COUNTRY_CODE");
	check_parse_error("650 253 0000", "001", "INVALID_COUNTRY_CODE");
	check_parse_error("+999 1234567", "US", "INVALID_COUNTRY_CODE");
	check_parse_error("+1 2", "US", "NOT_A_NUMBER");	/* under three digits */
	check_parse_error("011 12", "US", "TOO_SHORT");	/* after the international prefix */
	check_parse_error("+49 1", "US", "TOO_SHORT");
	check_parse_error("+1 234 567 890 123 456 789", "US", "TOO_LONG");
	memset(long_input, '1', sizeof(long_input) - 1);
	long_input[sizeof(long_input) - 1] = '\0';
	check_parse_error(long_input, "US", "TOO_LONG");

	check_reason("(201) 555-0123", "US", NULL);
	check_reason("555-0123", "US", "INVALID_FOR_REGION");	/* local-only length */
	check_reason("+1 201 555 012", "US", "TOO_SHORT");
	check_reason("+1 201 555 01234", "US", "TOO_LONG");
	check_reason("+55 11 3123 45", "BR", "INVALID_FOR_REGION");
	check_reason("+598 2401 234", "UY", "INVALID_FOR_REGION");
	check_reason("+41 21 234 56 781", NULL, "INVALID_LENGTH");
	check_reason("+47 212 34 56", NULL, "INVALID_LENGTH");
	check_reason("+39 0039 1234", "IT", "INVALID_FOR_REGION");

	CHECK(ct_phone_region_reason("AR", 2) == NULL);
	CHECK_STR(ct_phone_region_reason("XX", 2)->code, "INVALID_REGION");
	CHECK_STR(ct_phone_region_reason("", 0)->code, "INVALID_REGION");
	CHECK(ct_phone_region_reason("001", 3) != NULL);
}

/*
 * ZZ, libphonenumber's unknown region, is accepted wherever a region is and
 * means what NULL does: international forms parse alike, national forms fail
 * with the same reason.
 */
static void
test_unknown_region(void)
{
	static const char *const unknown[] = {"ZZ", "zz", "Zz"};
	PhoneNumber with_null;

	CHECK(ct_phone_region_is_unknown(NULL, 0));
	CHECK(ct_phone_region_is_unknown("ZZ", 2));
	CHECK(ct_phone_region_is_unknown("zZ", 2));
	CHECK(!ct_phone_region_is_unknown("", 0));
	CHECK(!ct_phone_region_is_unknown("ZZZ", 3));
	CHECK(!ct_phone_region_is_unknown("ES", 2));
	CHECK(!ct_phone_region_is_supported("ZZ", 2));
	CHECK(ct_phone_region_reason(NULL, 0) == NULL);

	CHECK(ct_phone_parse("+34 612 34 56 78", 16, NULL, 0, &with_null) == NULL);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
	{
		PhoneNumber num;

		CHECK(ct_phone_region_reason(unknown[i], 2) == NULL);
		CHECK(ct_phone_parse("+34 612 34 56 78", 16, unknown[i], 2, &num) == NULL);
		CHECK(memcmp(&num, &with_null, sizeof(num)) == 0);
		check_number("+34 612 34 56 78", unknown[i], "+34612345678", "+34 612 34 56 78",
					 "612 34 56 78", "tel:+34-612-34-56-78", "ES", PHONE_TYPE_MOBILE);
		check_parse_error("612 34 56 78", unknown[i], "INVALID_COUNTRY_CODE");
		check_reason("612 34 56 78", unknown[i], "INVALID_COUNTRY_CODE");
		check_reason("+34 612 34 56 78", unknown[i], NULL);
	}
	check_parse_error("612 34 56 78", NULL, "INVALID_COUNTRY_CODE");
	CHECK(ct_phone_country_code_for_region("ZZ", 2) == 0);
}

static void
test_api(void)
{
	PhoneFormat f;
	PhoneNumber num;
	char		small[8];

	CHECK(ct_phone_format_from_name("e164", 4, &f) && f == PHONE_FORMAT_E164);
	CHECK(ct_phone_format_from_name("International", 13, &f) && f == PHONE_FORMAT_INTERNATIONAL);
	CHECK(ct_phone_format_from_name("NATIONAL", 8, &f) && f == PHONE_FORMAT_NATIONAL);
	CHECK(ct_phone_format_from_name("rfc3966", 7, &f) && f == PHONE_FORMAT_RFC3966);
	CHECK(!ct_phone_format_from_name("E16", 3, &f));
	CHECK(!ct_phone_format_from_name("E1644", 5, &f));
	CHECK_STR(ct_phone_format_name(PHONE_FORMAT_RFC3966), "RFC3966");

	CHECK_STR(ct_phone_type_name(PHONE_TYPE_FIXED_LINE), "FIXED_LINE");
	CHECK_STR(ct_phone_type_name(PHONE_TYPE_VOICEMAIL), "VOICEMAIL");
	CHECK_STR(ct_phone_type_name(PHONE_TYPE_UNKNOWN), "UNKNOWN");
	CHECK_STR(ct_phone_type_name((PhoneType) 99), "UNKNOWN");

	CHECK(ct_phone_country_code_for_region("AR", 2) == 54);
	CHECK(ct_phone_country_code_for_region("gg", 2) == 44);
	CHECK(ct_phone_country_code_for_region("XX", 2) == 0);
	CHECK(ct_phone_country_code_for_region("ARG", 3) == 0);
	CHECK(ct_phone_region_is_supported("UY", 2));
	CHECK(!ct_phone_region_is_supported("ZZ", 2));
	CHECK_STR(ct_phone_main_region_for_country_code(1), "US");
	CHECK_STR(ct_phone_main_region_for_country_code(44), "GB");
	CHECK_STR(ct_phone_main_region_for_country_code(7), "RU");
	CHECK_STR(ct_phone_main_region_for_country_code(800), "001");
	CHECK_STR(ct_phone_main_region_for_country_code(999), "ZZ");
	CHECK(strstr(ct_phone_metadata_version(), "libphonenumber") != NULL);

	/* formatting reports the full length and truncates safely */
	CHECK(ct_phone_parse("+54 9 11 1234-5678", 18, NULL, 0, &num) == NULL);
	CHECK(ct_phone_format(&num, PHONE_FORMAT_INTERNATIONAL, small, sizeof(small)) == 18);
	CHECK_STR(small, "+54 9 1");
	CHECK(ct_phone_format(&num, PHONE_FORMAT_E164, small, 0) == 14);

	/* an unknown calling code formats as digits, like libphonenumber */
	num.country_code = 999;
	ct_phone_format(&num, PHONE_FORMAT_INTERNATIONAL, small, sizeof(small));
	CHECK_STR(small, "9111234");
	CHECK(!ct_phone_is_possible(&num));
	CHECK_STR(ct_phone_check(&num)->code, "INVALID_COUNTRY_CODE");
	CHECK_STR(ct_phone_region(&num), "ZZ");

	/* fields from storage with more digits than any NSN: too long, never valid */
	memset(&num, 0, sizeof(num));
	num.country_code = 49;
	num.leading_zeros = 10;
	num.national_number = 30123456ULL;
	CHECK_STR(ct_phone_check(&num)->code, "TOO_LONG");
	CHECK(!ct_phone_is_possible(&num));
	CHECK(!ct_phone_is_valid(&num));
	{
		char		nsn[PHONE_MAX_NSN_DIGITS + 1];

		CHECK(ct_phone_national_significant_number(&num, nsn) == PHONE_MAX_NSN_DIGITS);
		CHECK_STR(nsn, "00000000003012345");
	}
}

int
main(void)
{
	test_regions_of_the_issue();
	test_shared_country_codes();
	test_text_forms();
	test_plain_text_and_scanners_agree();
	test_reasons();
	test_unknown_region();
	test_api();
	return UNIT_DONE();
}
