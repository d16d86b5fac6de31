/*
 * entry_kinds.c
 *		Check and normalize one value of a column kind through the core, and
 *		the flag column's value for a row's reasons: what the entry trigger
 *		and contacts.clean() both make of a configured value.
 *
 * The entry trigger runs for every row of a COPY, so it calls the same core
 * functions the SQL functions wrap (ct_email_normalize, ct_phone_parse +
 * ct_phone_check + ct_phone_format, ct_normalize_name, ct_normalize_company,
 * ct_national_id_normalize, ct_date_parse) directly: one parse per value, no function-call
 * or argument-conversion overhead, and results identical to the SQL
 * functions a user calls.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/jsonb.h"

#include "core/company.h"
#include "core/email.h"
#include "core/names.h"
#include "core/national_id.h"
#include "core/phone.h"
#include "email_glue.h"
#include "entry_kinds.h"
#include "guc.h"
#include "phone_type.h"
#include "spreadsheet.h"
#include "textconv.h"

/*
 * The row's or table's region, else contacts.default_region, else NULL.  An
 * empty or ZZ (unknown) region is no region, for national IDs as for phones.
 */
static const char *
effective_region(const char *region)
{
	if (region == NULL || region[0] == '\0' || ct_phone_region_is_unknown(region, strlen(region)))
		return contacts_phone_default_region();
	return region;
}

/*
 * The normalized form as a datum: value itself when the normalized bytes are
 * the bytes typed (most rows arrive clean, and the trigger then leaves the
 * tuple alone), else a new text.  typed and out are UTF-8.
 */
static Datum
normalized_datum(Datum value, const char *typed, size_t typed_len, const char *out, size_t out_len)
{
	if (out_len == typed_len && memcmp(out, typed, out_len) == 0)
		return value;
	return PointerGetDatum(contacts_utf8_to_text(out, (int) out_len));
}

const CtReason *
entry_kind_normalize(EntryKind kind, Datum value, const char *s, size_t len,
					 const char *region, const char *date_order, Datum *normal)
{
	const CtReason *reason = NULL;

	*normal = value;
	switch (kind)
	{
		case ENTRY_NAME:
		case ENTRY_COMPANY:
			{
				/* Always valid: only their written form changes. */
				size_t		out_len;
				char	   *out = (kind == ENTRY_NAME ? ct_normalize_name : ct_normalize_company)
					(&contacts_palloc_allocator, s, len, &out_len);

				*normal = normalized_datum(value, s, len, out, out_len);
				break;
			}
		case ENTRY_EMAIL:
			{
				char		buf[EMAIL_BUF_SIZE];
				EmailParts	parts;

				reason = contacts_email_normalize_setting(s, len, buf, &parts);
				if (reason == NULL)
					*normal = normalized_datum(value, s, len, buf, parts.len);
				break;
			}
		case ENTRY_PHONE:
			{
				PhoneNumber num;
				char		buf[PHONE_E164_BUFSIZE];
				const char *r = effective_region(region);

				/* E.164 as the phone type writes it: an extension is kept. */
				reason = ct_phone_parse_valid(s, len, r, r ? strlen(r) : 0, &num);
				if (reason == NULL)
					*normal = normalized_datum(value, s, len, buf, contacts_phone_number_e164_ext(&num, buf));
				break;
			}
		case ENTRY_NATIONAL_ID:
			{
				/*
				 * Without a region, or for a country whose documents are not
				 * known, an ID cannot be checked: it is kept as typed.
				 */
				const char *r = effective_region(region);
				char		buf[CT_NATIONAL_ID_MAX];

				if (r != NULL)
					reason = ct_national_id_normalize(r, NULL, s, len, buf, NULL);
				if (r == NULL || reason == &ct_id_unsupported_country)
					reason = NULL;
				else if (reason == NULL)
					*normal = normalized_datum(value, s, len, buf, strlen(buf));
				break;
			}
		case ENTRY_BIRTH_DATE:
			{
				/* stored as ISO 8601, which every DateStyle reads alike */
				const char *r = effective_region(region);
				CtDate		date;
				char		buf[CT_DATE_BUF];

				reason = contacts_birth_date_read(s, len, contacts_date_order(date_order, r), &date);
				if (reason == NULL)
					*normal = normalized_datum(value, s, len, buf, ct_date_format(&date, false, buf));
				break;
			}
		case ENTRY_PLAIN:
		case ENTRY_COUNTRY:
			break;
	}
	return reason;
}

text *
entry_kind_suppression_form(EntryKind kind, Datum normal)
{
	text	   *t = DatumGetTextPP(normal);
	int			len;
	char	   *s;
	char	   *buf;

	if (kind != ENTRY_EMAIL)
		return t;
	s = contacts_text_to_utf8(t, &len);
	buf = palloc(EMAIL_BUF_SIZE);
	return contacts_utf8_to_text(buf, ct_email_canonical(s, len, buf));
}

const CtReason *
entry_birth_date_plausible(DateADT date)
{
	char		buf[CT_DATE_BUF];
	CtDate		d;
	int			y,
				m,
				dd;

	/* infinity and years the core does not know are not birth dates */
	if (DATE_NOT_FINITE(date))
		return &ct_date_year_range;
	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	if (y < 1 || y > 9999)
		return &ct_date_year_range;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, dd);
	return contacts_birth_date_read(buf, strlen(buf), CT_DATE_YMD, &d);
}

bool
entry_is_text_type(Oid typid)
{
	return typid == TEXTOID || typid == VARCHAROID || typid == BPCHAROID;
}

/* A column's (non-NULL) value as text: as stored, or its type's output. */
char *
entry_column_text(const EntryColumn *col, Datum value)
{
	if (entry_is_text_type(col->atttypid))
		return TextDatumGetCString(value);
	return OidOutputFunctionCall(col->typoutput, value);
}

/* A value of only spaces is as missing as no value. */
static bool
is_blank(const char *s, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if (!scanner_isspace(s[i]))
			return false;
	return true;
}

char *
entry_row_region(const EntryConfig *cfg, const Datum *values, const bool *isnull)
{
	char	   *region = NULL;

	if (cfg->country_attnum != InvalidAttrNumber && !isnull[cfg->country_attnum - 1])
	{
		char	   *p;

		region = TextDatumGetCString(values[cfg->country_attnum - 1]);
		for (p = region; *p; p++)
			*p = pg_ascii_toupper((unsigned char) *p);
		if (ct_phone_region_is_unknown(region, strlen(region)))
			region = NULL;
	}
	return region ? region : cfg->default_region;
}

EntryVerdict
entry_column_check(const EntryConfig *cfg, const EntryColumn *col, Datum value, bool isnull,
				   const char *region, Datum *normal, const CtReason **reason)
{
	bool		is_text = entry_is_text_type(col->atttypid);
	text	   *t = (!isnull && is_text) ? DatumGetTextPP(value) : NULL;
	const char *s;
	size_t		len;

	*normal = value;
	*reason = NULL;
	if (isnull || (is_text && is_blank(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t))))
		return col->required ? ENTRY_VALUE_MISSING : ENTRY_VALUE_UNCHECKED;

	/*
	 * A birth date in a date column was read by the server's DateStyle
	 * before the trigger ran: only whether it is plausible is left.
	 */
	if (col->kind == ENTRY_BIRTH_DATE && col->atttypid == DATEOID)
		*reason = entry_birth_date_plausible(DatumGetDateADT(value));
	/* Typed columns (contacts.email, contacts.phone) were checked by their input. */
	else if (!is_text || col->kind == ENTRY_PLAIN || col->kind == ENTRY_COUNTRY)
		return ENTRY_VALUE_UNCHECKED;
	else
	{
		s = contacts_text_utf8_view(t, &len);
		*reason = entry_kind_normalize(col->kind, value, s, len, region, cfg->date_order, normal);
	}
	return *reason ? ENTRY_VALUE_INVALID : ENTRY_VALUE_VALID;
}

bool
entry_column_checked(const EntryColumn *col)
{
	if (col->kind == ENTRY_BIRTH_DATE && col->atttypid == DATEOID)
		return true;
	return entry_is_text_type(col->atttypid) && col->kind != ENTRY_PLAIN &&
		col->kind != ENTRY_COUNTRY;
}

/*
 * The flag column's value: {"invalid": {column: reason, ...}, "duplicate_of":
 * key}, either member absent when there is nothing to say.  Built directly,
 * not parsed from text: flagged rows of a large COPY pay for this.
 */
static Datum
flags_to_jsonb(EntryConfig *cfg, const char **flag_reason, const char *duplicate_of)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	bool		any_invalid = false;
	int			i;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < cfg->ncolumns; i++)
	{
		if (flag_reason[i] == NULL)
			continue;
		if (!any_invalid)
		{
			contacts_jsonb_push_string(&state, WJB_KEY, "invalid");
			pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
			any_invalid = true;
		}
		contacts_jsonb_push_string(&state, WJB_KEY, cfg->columns[i].name);
		contacts_jsonb_push_string(&state, WJB_VALUE, flag_reason[i]);
	}
	if (any_invalid)
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	if (duplicate_of)
	{
		contacts_jsonb_push_string(&state, WJB_KEY, "duplicate_of");
		contacts_jsonb_push_string(&state, WJB_VALUE, duplicate_of);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(result));
}

/*
 * The flag column's value for a row flagged only for column i: kept per
 * column and reason, since a large import flags the same few reasons over
 * and over.
 */
static Datum
single_flag_jsonb(EntryConfig *cfg, int i, const char **flag_reason)
{
	EntryFlagCache *cache = cfg->columns[i].flag_cache;
	Datum		flags;
	MemoryContext old;
	int			k;

	for (k = 0; k < ENTRY_FLAG_CACHE && cache[k].code != NULL; k++)
		if (cache[k].code == flag_reason[i])
			return cache[k].flags;
	flags = flags_to_jsonb(cfg, flag_reason, NULL);
	if (k < ENTRY_FLAG_CACHE)
	{
		old = MemoryContextSwitchTo(cfg->context);
		cache[k].flags = datumCopy(flags, false, -1);
		cache[k].code = flag_reason[i];
		MemoryContextSwitchTo(old);
	}
	return flags;
}


bool
entry_flags(EntryConfig *cfg, const char **flag_reason, int nflagged, int flagged_column,
			const char *duplicate_of, Datum *flags)
{
	if (nflagged == 1 && duplicate_of == NULL)
		*flags = single_flag_jsonb(cfg, flagged_column, flag_reason);
	else if (nflagged > 0 || duplicate_of)
		*flags = flags_to_jsonb(cfg, flag_reason, duplicate_of);
	else
		return false;
	return true;
}
