/*
 * names.c
 *		SQL functions on person names: name_normalize, name_parts,
 *		name_variants and nickname_of.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "core/fold.h"
#include "core/names.h"
#include "core/nicknames.h"
#include "textconv.h"

PG_FUNCTION_INFO_V1(contacts_normalize_name);
Datum
contacts_normalize_name(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(contacts_apply_string_function(ct_normalize_name, PG_GETARG_TEXT_PP(0)));
}

static Datum
part_datum(const char *s, bool *isnull)
{
	*isnull = (s == NULL);
	return s ? PointerGetDatum(contacts_utf8_to_text(s, strlen(s))) : (Datum) 0;
}

PG_FUNCTION_INFO_V1(contacts_name_parts);
Datum
contacts_name_parts(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *s = contacts_text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	CtNameParts parts;
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "name_parts must return a composite type");
	tupdesc = BlessTupleDesc(tupdesc);
	ct_name_parts(&contacts_palloc_allocator, s, len, &parts);
	values[0] = part_datum(parts.given_names, &nulls[0]);
	values[1] = part_datum(parts.family_names, &nulls[1]);
	values[2] = part_datum(parts.first_family, &nulls[2]);
	values[3] = part_datum(parts.second_family, &nulls[3]);
	values[4] = part_datum(parts.suffix, &nulls[4]);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* fold() a given name for the nickname tables. */
static char *
folded_arg(FunctionCallInfo fcinfo, int arg, size_t *flen)
{
	int			len;
	char	   *s = contacts_text_to_utf8(PG_GETARG_TEXT_PP(arg), &len);

	return ct_fold_alloc(&contacts_palloc_allocator, s, len, flen);
}

PG_FUNCTION_INFO_V1(contacts_name_variants);
Datum
contacts_name_variants(PG_FUNCTION_ARGS)
{
	size_t		klen;
	char	   *key = folded_arg(fcinfo, 0, &klen);
	const char *found[256];
	size_t		n = ct_nickname_variants(key, klen, found, lengthof(found));
	Datum	   *elems;

	if (n > lengthof(found))
		n = lengthof(found);
	elems = palloc(sizeof(Datum) * (n + 1));
	if (n == 0)
	{
		/* Not a known name: its only form is itself. */
		elems[0] = PointerGetDatum(contacts_utf8_to_text(key, klen));
		n = 1;
	}
	else
		for (size_t i = 0; i < n; i++)
			elems[i] = PointerGetDatum(contacts_utf8_to_text(found[i], strlen(found[i])));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

PG_FUNCTION_INFO_V1(contacts_nickname_of);
Datum
contacts_nickname_of(PG_FUNCTION_ARGS)
{
	size_t		alen,
				blen;
	char	   *a = folded_arg(fcinfo, 0, &alen);
	char	   *b = folded_arg(fcinfo, 1, &blen);

	PG_RETURN_BOOL(ct_nickname_related(a, alen, b, blen));
}
