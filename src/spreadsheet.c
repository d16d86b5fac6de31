/*
 * spreadsheet.c
 *		Cells as spreadsheets hold them: dates in the order of the sheet's
 *		country, numbers with its decimal mark, yes and no in people's
 *		words; the birth_date kind; and import_value(), which turns one
 *		staged cell into the text its target column's type reads, or says
 *		why it cannot, without ever throwing.
 *
 * SQL functions: date_parse, number_parse, yesno_parse, birth_date_check,
 * birth_date_normalize, import_value.  The reading itself is the core's
 * (date_parse.c, number_parse.c, yesno.c).
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "core/date_parse.h"
#include "core/number_parse.h"
#include "core/yesno.h"
#include "errors.h"
#include "phone_type.h"
#include "spreadsheet.h"
#include "textconv.h"

/* the region argument, upper case, else contacts.default_region, else NULL */
static const char *
region_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *r;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return contacts_phone_default_region();
	r = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	for (char *p = r; *p; p++)
		*p = pg_ascii_toupper((unsigned char) *p);
	if (r[0] == '\0' || strcmp(r, "ZZ") == 0)
		return contacts_phone_default_region();
	return r;
}

CtDateOrder
contacts_date_order(const char *order_name, const char *region)
{
	if (order_name != NULL)
	{
		int			o = ct_date_order_from_name(order_name);

		if (o < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown date order \"%s\"", order_name),
					 errhint("Use DMY (day first), MDY (month first) or YMD, or NULL for the region's order.")));
		return (CtDateOrder) o;
	}
	return ct_date_order_for_region(region);
}

/* the date order argument, else the region's */
static CtDateOrder
order_arg(FunctionCallInfo fcinfo, int argno, const char *region)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return contacts_date_order(NULL, region);
	return contacts_date_order(text_to_cstring(PG_GETARG_TEXT_PP(argno)), region);
}

/*
 * today, in the session's time zone, as of the transaction's start; kept
 * for the transaction (and time zone), since an import asks once a row
 */
static void
today(int *y, int *m, int *d)
{
	static TimestampTz cached_start = 0;
	static const pg_tz *cached_tz = NULL;
	static DateADT cached_date;
	TimestampTz start = GetCurrentTransactionStartTimestamp();

	if (start != cached_start || session_timezone != cached_tz)
	{
		cached_date = DatumGetDateADT(DirectFunctionCall1(timestamptz_date, TimestampTzGetDatum(start)));
		cached_start = start;
		cached_tz = session_timezone;
	}
	j2date(cached_date + POSTGRES_EPOCH_JDATE, y, m, d);
}

const CtReason *
contacts_birth_date_read(const char *s, size_t len, CtDateOrder order, CtDate *date)
{
	int			y,
				m,
				d;
	CtDateRules rules;
	const CtReason *reason;

	today(&y, &m, &d);
	/* a two-digit year of a birth is never in the future */
	rules.order = order;
	rules.pivot = y % 100;
	rules.serials = true;
	reason = ct_date_parse(s, len, &rules, date);
	if (reason == NULL)
		reason = ct_birth_date_check(date, y, m, d);
	return reason;
}

PG_FUNCTION_INFO_V1(contacts_birth_date_check);
Datum
contacts_birth_date_check(PG_FUNCTION_ARGS)
{
	const char *region = region_arg(fcinfo, 1);
	size_t		len;
	const char *s;
	CtDate		date;
	const CtReason *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	reason = contacts_birth_date_read(s, len, order_arg(fcinfo, 2, region), &date);
	if (reason == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(reason->code));
}

PG_FUNCTION_INFO_V1(contacts_birth_date_normalize);
Datum
contacts_birth_date_normalize(PG_FUNCTION_ARGS)
{
	const char *region = region_arg(fcinfo, 1);
	size_t		len;
	const char *s;
	CtDate		date;
	const CtReason *reason;
	char		buf[CT_DATE_BUF];

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	reason = contacts_birth_date_read(s, len, order_arg(fcinfo, 2, region), &date);
	if (reason != NULL)
		contacts_reason_error(ERRCODE_INVALID_DATETIME_FORMAT, "invalid birth date",
							  text_to_cstring(PG_GETARG_TEXT_PP(0)), reason);
	ct_date_format(&date, false, buf);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}

PG_FUNCTION_INFO_V1(contacts_parse_date);
Datum
contacts_parse_date(PG_FUNCTION_ARGS)
{
	const char *region = region_arg(fcinfo, 1);
	size_t		len;
	const char *s;
	CtDate		date;
	CtDateRules rules;
	const CtReason *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	rules.order = order_arg(fcinfo, 2, region);
	rules.pivot = CT_DATE_PIVOT_DEFAULT;
	rules.serials = true;
	reason = ct_date_parse(s, len, &rules, &date);
	if (reason != NULL)
		contacts_reason_error(ERRCODE_INVALID_DATETIME_FORMAT, "invalid date",
							  text_to_cstring(PG_GETARG_TEXT_PP(0)), reason);
	PG_RETURN_DATEADT(date2j(date.year, date.month, date.day) - POSTGRES_EPOCH_JDATE);
}

PG_FUNCTION_INFO_V1(contacts_parse_number);
Datum
contacts_parse_number(PG_FUNCTION_ARGS)
{
	const char *region = region_arg(fcinfo, 1);
	size_t		len;
	const char *s;
	char	   *out;
	size_t		n;
	const CtReason *reason;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	out = palloc(len + 2);
	reason = ct_number_parse(s, len, ct_decimal_mark_for_region(region), out, &n);
	if (reason != NULL)
		contacts_reason_error(ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid number",
							  text_to_cstring(PG_GETARG_TEXT_PP(0)), reason);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(out), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/* the UTF-8 words of a text[] argument (NULL elements skipped) */
static const char **
word_list(FunctionCallInfo fcinfo, int argno, int *count)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	const char **words;

	*count = 0;
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	words = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (!nulls[i])
		{
			int			l;

			words[(*count)++] = contacts_text_to_utf8(DatumGetTextPP(elems[i]), &l);
		}
	return words;
}

static CtYesNo
read_yesno(FunctionCallInfo fcinfo, const char *s, size_t len, int yes_arg, int no_arg)
{
	int			n_yes,
				n_no;
	const char **yes = word_list(fcinfo, yes_arg, &n_yes);
	const char **no = word_list(fcinfo, no_arg, &n_no);

	return ct_yesno(s, len, yes, n_yes, no, n_no, &contacts_palloc_allocator);
}

PG_FUNCTION_INFO_V1(contacts_parse_yesno);
Datum
contacts_parse_yesno(PG_FUNCTION_ARGS)
{
	size_t		len;
	const char *s;
	CtYesNo		answer;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	answer = read_yesno(fcinfo, s, len, 1, 2);
	if (answer == CT_YESNO_UNREADABLE)
		contacts_reason_error(ERRCODE_INVALID_TEXT_REPRESENTATION, "neither yes nor no",
							  text_to_cstring(PG_GETARG_TEXT_PP(0)), &ct_boolean_unreadable);
	PG_RETURN_BOOL(answer == CT_YESNO_YES);
}

/* per call site of import_value(): the target type's input, looked up once */
typedef struct TargetType
{
	Oid			typid;
	int32		typmod;
	Oid			base;			/* the domain's base type, or typid */
	int32		base_typmod;
	FmgrInfo	input;
	Oid			ioparam;
	char	   *name;
} TargetType;

static TargetType *
target_type(FunctionCallInfo fcinfo, Oid typid, int32 typmod)
{
	TargetType *t = fcinfo->flinfo->fn_extra;

	if (t == NULL || t->typid != typid || t->typmod != typmod)
	{
		MemoryContext old;
		Oid			input;

		if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(typid)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type with OID %u does not exist", typid)));
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		t = palloc0(sizeof(TargetType));
		t->typid = typid;
		t->typmod = typmod;
		t->base_typmod = typmod;
		t->base = getBaseTypeAndTypmod(typid, &t->base_typmod);
		if (t->base_typmod < 0)
			t->base_typmod = typmod;
		getTypeInputInfo(typid, &input, &t->ioparam);
		fmgr_info_cxt(input, &t->input, fcinfo->flinfo->fn_mcxt);
		t->name = format_type_with_typemod(typid, typmod);
		fcinfo->flinfo->fn_extra = t;
		MemoryContextSwitchTo(old);
	}
	return t;
}

/* whether an integer's canonical digits fit the type without asking it */
static bool
integer_fits(const char *s, Oid base)
{
	size_t		digits = strlen(s) - (s[0] == '-');

	if (strchr(s, '.') || strchr(s, 'e'))
		return false;
	return digits <= (base == INT2OID ? 4 : base == INT4OID ? 9 : 18);
}

static Datum
answer(const char *value, const char *code, const char *message)
{
	Datum		elems[3];
	bool		nulls[3] = {value == NULL, code == NULL, message == NULL};
	int			dims[1] = {3};
	int			lbs[1] = {1};

	elems[0] = value ? CStringGetTextDatum(value) : (Datum) 0;
	elems[1] = code ? CStringGetTextDatum(code) : (Datum) 0;
	elems[2] = message ? CStringGetTextDatum(message) : (Datum) 0;
	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * import_value(value text, target regtype, typmod int4, region text,
 * date_order text, yes_words text[], no_words text[]) returns text[]:
 * {converted, NULL, NULL} or {NULL, 'INVALID_VALUE', message}, NULL for a
 * NULL value.  Never throws for a value.
 */
PG_FUNCTION_INFO_V1(contacts_import_value);
Datum
contacts_import_value(PG_FUNCTION_ARGS)
{
	TargetType *t;
	const char *region = region_arg(fcinfo, 3);
	text	   *value;
	const char *s;
	size_t		len;
	char	   *converted = NULL;
	const CtReason *reason = NULL;
	bool		trusted = false;
	char	   *message;
	Datum		result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	t = target_type(fcinfo, PG_GETARG_OID(1), PG_ARGISNULL(2) ? -1 : PG_GETARG_INT32(2));
	value = PG_GETARG_TEXT_PP(0);
	s = contacts_text_utf8_view(value, &len);

	switch (t->base)
	{
		case BOOLOID:
			switch (read_yesno(fcinfo, s, len, 5, 6))
			{
				case CT_YESNO_YES:
					converted = "true";
					break;
				case CT_YESNO_NO:
					converted = "false";
					break;
				default:
					reason = &ct_boolean_unreadable;
			}
			trusted = true;
			break;
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			{
				CtDateRules rules = {order_arg(fcinfo, 4, region), CT_DATE_PIVOT_DEFAULT, true};
				CtDate		date;

				reason = ct_date_parse(s, len, &rules, &date);
				if (reason == NULL)
				{
					converted = palloc(CT_DATE_BUF);
					ct_date_format(&date, t->base != DATEOID, converted);
				}
				trusted = true;
				break;
			}
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
			{
				size_t		n;

				converted = palloc(len + 2);
				reason = ct_number_parse(s, len, ct_decimal_mark_for_region(region), converted, &n);
				if (reason != NULL)
					break;
				if (t->base == NUMERICOID)
					trusted = t->base_typmod < 0;
				else if (t->base == FLOAT4OID || t->base == FLOAT8OID)
					trusted = strchr(converted, 'e') == NULL && n < 16;
				else
				{
					/* 12,00 is the integer 12 */
					char	   *dot = strchr(converted, '.');

					if (dot && strspn(dot + 1, "0") == strlen(dot + 1))
						*dot = '\0';
					trusted = integer_fits(converted, t->base);
				}
				break;
			}
		case TEXTOID:
			converted = text_to_cstring(value);
			trusted = true;
			break;
		case VARCHAROID:
		case BPCHAROID:
			converted = text_to_cstring(value);
			trusted = t->base_typmod < 0 ||
				pg_mbstrlen_with_len(converted, strlen(converted)) <= t->base_typmod - VARHDRSZ;
			break;
		default:
			converted = text_to_cstring(value);
			break;
	}

	if (reason != NULL)
	{
		char	   *typed = text_to_cstring(value);

		message = psprintf("invalid %s: \"%s\": %s (%s)", t->name, typed, reason->message, reason->code);
		return answer(NULL, "INVALID_VALUE", message);
	}
	/* a domain checks its constraints whatever its base type read */
	if (t->base != t->typid)
		trusted = false;
	if (!trusted && !contacts_input_safe(&t->input, converted, t->ioparam, t->typmod, &result, &message))
	{
		char	   *typed = text_to_cstring(value);

		/* the cell as typed, when the type was given it read the local way */
		if (strcmp(typed, converted) != 0)
			message = psprintf("%s (the cell \"%s\" read as %s)", message, typed, converted);
		return answer(NULL, "INVALID_VALUE", message);
	}
	return answer(converted, NULL, NULL);
}
