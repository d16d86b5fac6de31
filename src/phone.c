/*
 * phone.c
 *		The contacts.phone type: text and binary I/O, comparison, hashing.
 *
 * Input is anything ct_phone_parse() accepts (E.164, any international form,
 * "tel:" URIs, extensions), optionally prefixed by a region code and a colon
 * for national forms ("ES:612 34 56 78"); without a prefix, national forms
 * use contacts.default_region.  Only valid numbers are accepted, so a phone
 * column holds numbers that can exist.  Output is E.164 with ";ext=".
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"

#include "errors.h"
#include "guc.h"
#include "phone_type.h"
#include "textconv.h"

/* First byte of the binary form, so that the layout can evolve. */
#define PHONE_BINARY_VERSION 1

#define IS_ASCII_LETTER(c) (((c) >= 'A' && (c) <= 'Z') || ((c) >= 'a' && (c) <= 'z'))

/* Country code, leading zeros, national number, extension length and digits. */
#define PHONE_HASH_KEY_BYTES (2 + 1 + 8 + 1 + PHONE_MAX_EXTENSION_DIGITS / 2)

/* 10^17: national numbers have at most 17 digits. */
#define PHONE_NATIONAL_NUMBER_LIMIT UINT64CONST(100000000000000000)

Phone *
contacts_phone_from_number(const PhoneNumber *number)
{
	Phone	   *phone = palloc0(sizeof(Phone));
	int			i;

	phone->national_number = number->national_number;
	phone->country_code = number->country_code;
	phone->leading_zeros = number->leading_zeros;
	phone->extension_len = number->extension_len;
	for (i = 0; i < number->extension_len; i++)
	{
		int			digit = number->extension[i] - '0';

		phone->extension[i / 2] |= (i % 2 == 0) ? digit << 4 : digit;
	}
	return phone;
}

void
contacts_phone_to_number(const Phone *phone, PhoneNumber *number)
{
	int			i;

	number->national_number = phone->national_number;
	number->country_code = phone->country_code;
	number->leading_zeros = phone->leading_zeros;
	number->extension_len = phone->extension_len;
	for (i = 0; i < phone->extension_len; i++)
	{
		int			byte = phone->extension[i / 2];

		number->extension[i] = '0' + ((i % 2 == 0) ? byte >> 4 : byte & 0x0F);
	}
	number->extension[phone->extension_len] = '\0';
}

const CtReason *
contacts_phone_hint_for_region(const CtReason *reason, const char *region,
					  const char *hint)
{
	CtReason   *hinted;

	if (region != NULL || strcmp(reason->code, "INVALID_COUNTRY_CODE") != 0)
		return reason;
	hinted = palloc(sizeof(CtReason));
	*hinted = *reason;
	hinted->hint = hint;
	return hinted;
}

const char *
contacts_phone_default_region(void)
{
	contacts_setting_require(CONTACTS_SETTING_DEFAULT_REGION);
	/* the GUC's check hook has accepted only supported region codes and ZZ */
	if (contacts_default_region == NULL || contacts_default_region[0] == '\0' ||
		ct_phone_region_is_unknown(contacts_default_region, strlen(contacts_default_region)))
		return NULL;
	return contacts_default_region;
}

/*
 * contacts.default_region for parsing number.  Where a Citus node does not
 * know the setting, a number that starts with + (after spaces) is parsed
 * without it, since it needs none: phones travel between Citus nodes as
 * text in E.164.  Any other number needs it, and is refused there.
 */
const char *
contacts_phone_region_for(const char *number, size_t len)
{
	if (contacts_setting_unknown(CONTACTS_SETTING_DEFAULT_REGION))
	{
		size_t		i = 0;

		while (i < len && (number[i] == ' ' || number[i] == '\t'))
			i++;
		if (i < len && number[i] == '+')
			return NULL;
	}
	return contacts_phone_default_region();
}

size_t
contacts_phone_number_e164_ext(const PhoneNumber *number, char *buf)
{
	size_t		len = ct_phone_format(number, PHONE_FORMAT_E164, buf, PHONE_E164_BUFSIZE);

	if (number->extension_len > 0)
		len += snprintf(buf + len, PHONE_E164_BUFSIZE - len, ";ext=%s", number->extension);
	return len;
}

/* E.164 with ";ext=" into buf (PHONE_E164_BUFSIZE bytes). */
static void
phone_write_e164(const Phone *phone, char *buf)
{
	PhoneNumber number;

	contacts_phone_to_number(phone, &number);
	contacts_phone_number_e164_ext(&number, buf);
}

/*
 * A leading region prefix "XX:" (two ASCII letters and a colon, after
 * optional spaces): returns the region code (NUL-terminated, in region) and
 * moves *number past the colon; false when there is none.  "tel:" has three
 * letters, so it is never mistaken for a prefix.
 */
static bool
phone_split_region_prefix(const char **number, char *region)
{
	const char *p = *number;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!IS_ASCII_LETTER(p[0]) || !IS_ASCII_LETTER(p[1]) || p[2] != ':')
		return false;
	region[0] = p[0];
	region[1] = p[1];
	region[2] = '\0';
	*number = p + 3;
	return true;
}

PG_FUNCTION_INFO_V1(contacts_phone_in);
Datum
contacts_phone_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	int			len;
	char	   *utf8 = contacts_cstring_to_utf8(input, &len);
	const char *number = utf8;
	char		prefix[3];
	const char *region;
	const CtReason *reason;
	PhoneNumber parsed;

	/* a "ZZ:" prefix names no region: the setting applies, as without one */
	if (phone_split_region_prefix(&number, prefix) && !ct_phone_region_is_unknown(prefix, 2))
	{
		reason = ct_phone_region_reason(prefix, 2);
		if (reason != NULL)
		{
			contacts_invalid_input("phone", input, reason, fcinfo->context);
			return (Datum) 0;
		}
		region = prefix;
	}
	else
		region = contacts_phone_region_for(number, len - (number - utf8));

	reason = ct_phone_parse_valid(number, len - (number - utf8), region,
							   region ? strlen(region) : 0, &parsed);
	if (reason != NULL)
	{
		reason = contacts_phone_hint_for_region(reason, region,
									   "Start the number with + and its country calling code, "
									   "or write its region before it, as in \"ES:612 34 56 78\", "
									   "or set contacts.default_region.");
		contacts_invalid_input("phone", input, reason, fcinfo->context);
		return (Datum) 0;
	}
	PG_RETURN_PHONE_P(contacts_phone_from_number(&parsed));
}

PG_FUNCTION_INFO_V1(contacts_phone_out);
Datum
contacts_phone_out(PG_FUNCTION_ARGS)
{
	Phone	   *phone = PG_GETARG_PHONE_P(0);
	char		buf[PHONE_E164_BUFSIZE];

	phone_write_e164(phone, buf);
	PG_RETURN_CSTRING(pstrdup(buf));
}

/*
 * Binary form: version byte, int16 country code, int8 leading zeros, int64
 * national number, int8 extension length and the extension's ASCII digits.
 */
PG_FUNCTION_INFO_V1(contacts_phone_send);
Datum
contacts_phone_send(PG_FUNCTION_ARGS)
{
	Phone	   *phone = PG_GETARG_PHONE_P(0);
	PhoneNumber number;
	StringInfoData buf;

	contacts_phone_to_number(phone, &number);
	pq_begintypsend(&buf);
	pq_sendint8(&buf, PHONE_BINARY_VERSION);
	pq_sendint16(&buf, number.country_code);
	pq_sendint8(&buf, number.leading_zeros);
	pq_sendint64(&buf, number.national_number);
	pq_sendint8(&buf, number.extension_len);
	pq_sendbytes(&buf, number.extension, number.extension_len);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * Binary input is held to the same standard as text input: the fields must
 * be in range and make a valid number.
 */
PG_FUNCTION_INFO_V1(contacts_phone_recv);
Datum
contacts_phone_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	PhoneNumber number;
	int			version = pq_getmsgint(buf, 1);
	int			i;
	const CtReason *reason;

	if (version != PHONE_BINARY_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary format version %d for type phone", version)));
	number.country_code = pq_getmsgint(buf, 2);
	number.leading_zeros = pq_getmsgint(buf, 1);
	number.national_number = (uint64) pq_getmsgint64(buf);
	number.extension_len = pq_getmsgint(buf, 1);
	if (number.country_code < 1 || number.country_code > 999 ||
		number.leading_zeros > PHONE_MAX_NSN_DIGITS ||
		number.national_number >= PHONE_NATIONAL_NUMBER_LIMIT ||
		number.extension_len > PHONE_MAX_EXTENSION_DIGITS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external phone value"),
				 errdetail("Country code %d, %d leading zeros, national number " UINT64_FORMAT ", %d extension digits.",
						   number.country_code, number.leading_zeros,
						   number.national_number, number.extension_len)));
	pq_copymsgbytes(buf, number.extension, number.extension_len);
	number.extension[number.extension_len] = '\0';
	for (i = 0; i < number.extension_len; i++)
		if (number.extension[i] < '0' || number.extension[i] > '9')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid external phone value"),
					 errdetail("The extension has a character that is not a digit.")));

	reason = ct_phone_check(&number);
	if (reason != NULL)
	{
		char		e164[PHONE_E164_BUFSIZE];
		Phone	   *phone = contacts_phone_from_number(&number);

		phone_write_e164(phone, e164);
		contacts_reason_error(ERRCODE_INVALID_BINARY_REPRESENTATION,
							  "invalid external phone value", e164, reason);
	}
	PG_RETURN_PHONE_P(contacts_phone_from_number(&number));
}

/*
 * The one order of phone numbers, on the stored form (btree, sorting and the
 * comparison operators; the core has none, so indexes cannot disagree with
 * it): country code, national number, leading zeros, then no extension
 * before any, extensions digit string by digit string (a shorter one that is
 * a prefix of a longer one first).  Packed digits compare like their
 * strings because unused nibbles are zero and lengths break ties.
 */
static int
phone_cmp_internal(const Phone *a, const Phone *b)
{
	int			c;

	if (a->country_code != b->country_code)
		return a->country_code < b->country_code ? -1 : 1;
	if (a->national_number != b->national_number)
		return a->national_number < b->national_number ? -1 : 1;
	if (a->leading_zeros != b->leading_zeros)
		return a->leading_zeros < b->leading_zeros ? -1 : 1;
	if (a->extension_len == 0 || b->extension_len == 0)
		return (a->extension_len > 0) - (b->extension_len > 0);
	c = memcmp(a->extension, b->extension, sizeof(a->extension));
	if (c != 0)
		return c < 0 ? -1 : 1;
	return (a->extension_len > b->extension_len) - (a->extension_len < b->extension_len);
}

PG_FUNCTION_INFO_V1(contacts_phone_cmp);
Datum
contacts_phone_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)));
}

PG_FUNCTION_INFO_V1(contacts_phone_eq);
Datum
contacts_phone_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)) == 0);
}

PG_FUNCTION_INFO_V1(contacts_phone_ne);
Datum
contacts_phone_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)) != 0);
}

PG_FUNCTION_INFO_V1(contacts_phone_lt);
Datum
contacts_phone_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)) < 0);
}

PG_FUNCTION_INFO_V1(contacts_phone_le);
Datum
contacts_phone_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)) <= 0);
}

PG_FUNCTION_INFO_V1(contacts_phone_gt);
Datum
contacts_phone_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)) > 0);
}

PG_FUNCTION_INFO_V1(contacts_phone_ge);
Datum
contacts_phone_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(phone_cmp_internal(PG_GETARG_PHONE_P(0), PG_GETARG_PHONE_P(1)) >= 0);
}

/*
 * Hash a canonical serialization of the value (fixed field and byte order)
 * rather than the struct, so that the hash does not depend on its layout or
 * padding.  Equal phones give equal keys: unused extension nibbles are zero.
 */
static int
phone_hash_key(const Phone *phone, unsigned char *key)
{
	uint64		nn = phone->national_number;
	int			i;

	key[0] = phone->country_code >> 8;
	key[1] = phone->country_code & 0xFF;
	key[2] = phone->leading_zeros;
	for (i = 0; i < 8; i++)
		key[3 + i] = (nn >> (8 * (7 - i))) & 0xFF;
	key[11] = phone->extension_len;
	memcpy(key + 12, phone->extension, sizeof(phone->extension));
	return 12 + sizeof(phone->extension);
}

PG_FUNCTION_INFO_V1(contacts_phone_hash);
Datum
contacts_phone_hash(PG_FUNCTION_ARGS)
{
	unsigned char key[PHONE_HASH_KEY_BYTES];
	int			len = phone_hash_key(PG_GETARG_PHONE_P(0), key);

	return hash_any(key, len);
}

PG_FUNCTION_INFO_V1(contacts_phone_hash_extended);
Datum
contacts_phone_hash_extended(PG_FUNCTION_ARGS)
{
	unsigned char key[PHONE_HASH_KEY_BYTES];
	int			len = phone_hash_key(PG_GETARG_PHONE_P(0), key);

	return hash_any_extended(key, len, PG_GETARG_INT64(1));
}
