/*
 * national_id.c
 *		SQL functions on national ID numbers: national_id_valid,
 *		national_id_normalize, national_id_check and national_id_kind.
 *
 * All take (country, kind, value) with kind NULL meaning "detect it from the
 * value's shape"; they are not STRICT because of that, and return NULL when
 * country or value is NULL.  An unknown kind for a supported country is a
 * mistake in the query, so every function raises 22023 for it; an
 * unsupported country is a property of the data (a table mixes countries),
 * so national_id_valid returns NULL and national_id_check a reason code.
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "core/national_id.h"
#include "errors.h"
#include "textconv.h"

typedef struct IdArgs
{
	char	   *country;
	char	   *kind;			/* NULL: detect */
	char	   *value;			/* UTF-8 */
	int			vlen;
} IdArgs;

/* ASCII upper case in place: codes appear upper case in messages. */
static char *
ascii_upper(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p -= 'a' - 'A';
	return s;
}

/* Read the arguments; false when country or value is NULL. */
static bool
id_args(FunctionCallInfo fcinfo, IdArgs *args)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		return false;
	args->country = ascii_upper(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	args->kind = PG_ARGISNULL(1) ? NULL : ascii_upper(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	args->value = contacts_text_to_utf8(PG_GETARG_TEXT_PP(2), &args->vlen);
	return true;
}

/* Run the core; raise for a kind the country does not have. */
static const CtReason *
id_run(const IdArgs *args, char *out, const char **kind_out)
{
	const CtReason *reason = ct_national_id_normalize(args->country, args->kind,
													  args->value, args->vlen,
													  out, kind_out);

	if (reason == &ct_id_unknown_kind)
	{
		/* Say which kinds the country has. */
		CtReason	listed = *reason;
		StringInfoData hint;
		const char *const *kinds = ct_national_id_kinds(args->country);

		initStringInfo(&hint);
		appendStringInfo(&hint, "Kinds for %s:", args->country);
		for (int i = 0; kinds[i] != NULL; i++)
			appendStringInfo(&hint, "%s %s", i ? "," : "", kinds[i]);
		appendStringInfoString(&hint, "; or NULL to detect the kind.");
		listed.hint = hint.data;
		contacts_reason_error(ERRCODE_INVALID_PARAMETER_VALUE,
							  psprintf("unknown national ID kind for country %s", args->country),
							  args->kind, &listed);
	}
	return reason;
}

PG_FUNCTION_INFO_V1(contacts_national_id_valid);
Datum
contacts_national_id_valid(PG_FUNCTION_ARGS)
{
	IdArgs		args;
	char		out[CT_NATIONAL_ID_MAX];
	const CtReason *reason;

	if (!id_args(fcinfo, &args))
		PG_RETURN_NULL();
	reason = id_run(&args, out, NULL);
	if (reason == &ct_id_unsupported_country)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(reason == NULL);
}

PG_FUNCTION_INFO_V1(contacts_national_id_normalize);
Datum
contacts_national_id_normalize(PG_FUNCTION_ARGS)
{
	IdArgs		args;
	char		out[CT_NATIONAL_ID_MAX];
	const CtReason *reason;

	if (!id_args(fcinfo, &args))
		PG_RETURN_NULL();
	reason = id_run(&args, out, NULL);
	if (reason == &ct_id_unsupported_country)
		contacts_reason_error(ERRCODE_INVALID_PARAMETER_VALUE,
							  "unsupported country for national ID numbers",
							  args.country, reason);
	if (reason != NULL)
		contacts_reason_error(ERRCODE_INVALID_PARAMETER_VALUE,
							  psprintf("invalid %s %s", args.country,
									   args.kind ? args.kind : "national ID number"),
							  text_to_cstring(PG_GETARG_TEXT_PP(2)), reason);
	PG_RETURN_TEXT_P(contacts_utf8_to_text(out, strlen(out)));
}

PG_FUNCTION_INFO_V1(contacts_national_id_check);
Datum
contacts_national_id_check(PG_FUNCTION_ARGS)
{
	IdArgs		args;
	char		out[CT_NATIONAL_ID_MAX];
	const CtReason *reason;

	if (!id_args(fcinfo, &args))
		PG_RETURN_NULL();
	reason = id_run(&args, out, NULL);
	if (reason == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(reason->code));
}

PG_FUNCTION_INFO_V1(contacts_national_id_kind);
Datum
contacts_national_id_kind(PG_FUNCTION_ARGS)
{
	IdArgs		args;
	char		out[CT_NATIONAL_ID_MAX];
	const char *kind = NULL;

	args.country = ascii_upper(text_to_cstring(PG_GETARG_TEXT_PP(0)));
	args.kind = NULL;
	args.value = contacts_text_to_utf8(PG_GETARG_TEXT_PP(1), &args.vlen);
	if (id_run(&args, out, &kind) != NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(kind));
}
