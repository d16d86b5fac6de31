/*
 * phone_functions.c
 *		SQL functions on phone numbers: parse, validate, explain, format and
 *		take apart.
 *
 * The text functions come in two forms, as the email ones do: with one
 * argument they read contacts.default_region for national forms (STABLE);
 * with an explicit region (ISO 3166-1 alpha-2, any case; ZZ means the same
 * as NULL) they never read a setting and a NULL region means international
 * forms only (IMMUTABLE).  The SQL two-argument forms bind the *_in_region
 * symbols; the 0.1.0 script bound the others with a defaulted region, which
 * keep falling back to the setting for a not yet updated database.
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "compat.h"
#include "errors.h"
#include "phone_type.h"
#include "textconv.h"

/*
 * The region argument argno as a NUL-terminated code the metadata knows, or
 * NULL when the argument is NULL or ZZ (libphonenumber's unknown region, so
 * that both fall back alike); any other code is the caller's mistake (22023),
 * not a property of the number.
 */
static const char *
phone_region_argument(FunctionCallInfo fcinfo, int argno)
{
	int			len;
	char	   *region;
	const CtReason *reason;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	region = contacts_text_to_utf8(PG_GETARG_TEXT_PP(argno), &len);
	reason = ct_phone_region_reason(region, len);
	if (reason != NULL)
		contacts_reason_error(ERRCODE_INVALID_PARAMETER_VALUE, "invalid region code",
							  text_to_cstring(PG_GETARG_TEXT_PP(argno)), reason);
	return ct_phone_region_is_unknown(region, len) ? NULL : region;
}

/*
 * Parse and validate argument 0 with the region of argument 1; a NULL region
 * falls back to contacts.default_region when use_default_region.
 */
static const CtReason *
phone_parse_arguments(FunctionCallInfo fcinfo, bool use_default_region,
					  PhoneNumber *parsed)
{
	const char *region = phone_region_argument(fcinfo, 1);
	int			len;
	char	   *number = contacts_text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	const CtReason *reason;

	if (region == NULL && use_default_region)
		region = contacts_phone_region_for(number, len);
	reason = ct_phone_parse_valid(number, len, region, region ? strlen(region) : 0, parsed);
	pfree(number);
	if (reason != NULL)
		reason = contacts_phone_hint_for_region(reason, region,
									   use_default_region ?
									   "Start the number with + and its country calling code, "
									   "or pass its region, or set contacts.default_region." :
									   "Start the number with + and its country calling code, "
									   "or pass its region.");
	return reason;
}

static Datum
phone_parse_common(FunctionCallInfo fcinfo, bool use_default_region)
{
	PhoneNumber parsed;
	const CtReason *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	reason = phone_parse_arguments(fcinfo, use_default_region, &parsed);
	if (reason != NULL)
		contacts_invalid_input("phone", text_to_cstring(PG_GETARG_TEXT_PP(0)),
							   reason, NULL);
	PG_RETURN_PHONE_P(contacts_phone_from_number(&parsed));
}

static Datum
phone_valid_common(FunctionCallInfo fcinfo, bool use_default_region)
{
	PhoneNumber parsed;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_BOOL(phone_parse_arguments(fcinfo, use_default_region, &parsed) == NULL);
}

PG_FUNCTION_INFO_V1(contacts_phone_parse);
Datum
contacts_phone_parse(PG_FUNCTION_ARGS)
{
	return phone_parse_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(contacts_phone_parse_in_region);
Datum
contacts_phone_parse_in_region(PG_FUNCTION_ARGS)
{
	return phone_parse_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(contacts_phone_valid);
Datum
contacts_phone_valid(PG_FUNCTION_ARGS)
{
	return phone_valid_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(contacts_phone_valid_in_region);
Datum
contacts_phone_valid_in_region(PG_FUNCTION_ARGS)
{
	return phone_valid_common(fcinfo, false);
}

/* NULL for a valid number, else the reason code. */
static Datum
phone_check_common(FunctionCallInfo fcinfo, bool use_default_region)
{
	PhoneNumber parsed;
	const CtReason *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	reason = phone_parse_arguments(fcinfo, use_default_region, &parsed);
	if (reason == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(reason->code));
}

PG_FUNCTION_INFO_V1(contacts_phone_check);
Datum
contacts_phone_check(PG_FUNCTION_ARGS)
{
	return phone_check_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(contacts_phone_check_in_region);
Datum
contacts_phone_check_in_region(PG_FUNCTION_ARGS)
{
	return phone_check_common(fcinfo, false);
}

PG_FUNCTION_INFO_V1(contacts_phone_format);
Datum
contacts_phone_format(PG_FUNCTION_ARGS)
{
	Phone	   *phone = PG_GETARG_PHONE_P(0);
	text	   *format_name = PG_GETARG_TEXT_PP(1);
	PhoneFormat format;
	PhoneNumber number;
	char		buf[PHONE_FORMAT_BUFSIZE];
	size_t		len;

	if (!ct_phone_format_from_name(VARDATA_ANY(format_name), VARSIZE_ANY_EXHDR(format_name), &format))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid phone format: \"%s\"", text_to_cstring(format_name)),
				 errhint("Use E164, INTERNATIONAL, NATIONAL or RFC3966.")));
	contacts_phone_to_number(phone, &number);
	len = ct_phone_format(&number, format, buf, sizeof(buf));
	PG_RETURN_TEXT_P(contacts_utf8_to_text(buf, Min(len, sizeof(buf) - 1)));
}

PG_FUNCTION_INFO_V1(contacts_phone_type);
Datum
contacts_phone_type(PG_FUNCTION_ARGS)
{
	PhoneNumber number;

	contacts_phone_to_number(PG_GETARG_PHONE_P(0), &number);
	PG_RETURN_TEXT_P(cstring_to_text(ct_phone_type_name(ct_phone_type(&number))));
}

PG_FUNCTION_INFO_V1(contacts_phone_region);
Datum
contacts_phone_region(PG_FUNCTION_ARGS)
{
	PhoneNumber number;

	contacts_phone_to_number(PG_GETARG_PHONE_P(0), &number);
	PG_RETURN_TEXT_P(cstring_to_text(ct_phone_region(&number)));
}

PG_FUNCTION_INFO_V1(contacts_phone_country_code);
Datum
contacts_phone_country_code(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_PHONE_P(0)->country_code);
}

PG_FUNCTION_INFO_V1(contacts_phone_national_number);
Datum
contacts_phone_national_number(PG_FUNCTION_ARGS)
{
	PhoneNumber number;
	char		buf[PHONE_MAX_NSN_DIGITS + 1];
	size_t		len;

	contacts_phone_to_number(PG_GETARG_PHONE_P(0), &number);
	len = ct_phone_national_significant_number(&number, buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, len));
}

PG_FUNCTION_INFO_V1(contacts_phone_extension);
Datum
contacts_phone_extension(PG_FUNCTION_ARGS)
{
	PhoneNumber number;

	contacts_phone_to_number(PG_GETARG_PHONE_P(0), &number);
	if (number.extension_len == 0)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(number.extension, number.extension_len));
}
