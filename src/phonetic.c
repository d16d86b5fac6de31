/*
 * phonetic.c
 *		SQL interface to the phonetic keys: double_metaphone(),
 *		double_metaphone_alt() and phonetic_es().
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/memutils.h"

#include "compat.h"
#include "core/phonetic.h"
#include "textconv.h"

typedef size_t (*PhoneticKeyFn) (const char *s, size_t len, char *buf, size_t cap);

/* Apply a core key function to a text argument; the key is ASCII. */
static text *
phonetic_key(text *t, PhoneticKeyFn fn)
{
	int			len;
	char	   *s = contacts_text_to_utf8(t, &len);
	size_t		cap = Min(ct_phonetic_size_hint((size_t) len), MaxAllocSize - VARHDRSZ);
	text	   *res = palloc(VARHDRSZ + cap);
	size_t		n = fn(s, (size_t) len, VARDATA(res), cap);

	if (n > MaxAllocSize - VARHDRSZ)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("phonetic key would be longer than %d bytes", (int) (MaxAllocSize - VARHDRSZ))));
	if (n > cap)
	{
		pfree(res);
		res = palloc(VARHDRSZ + n);
		fn(s, (size_t) len, VARDATA(res), n);
	}
	SET_VARSIZE(res, VARHDRSZ + n);
	return res;
}

PG_FUNCTION_INFO_V1(contacts_double_metaphone);
Datum
contacts_double_metaphone(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(phonetic_key(PG_GETARG_TEXT_PP(0), ct_double_metaphone));
}

PG_FUNCTION_INFO_V1(contacts_double_metaphone_alt);
Datum
contacts_double_metaphone_alt(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(phonetic_key(PG_GETARG_TEXT_PP(0), ct_double_metaphone_alt));
}

PG_FUNCTION_INFO_V1(contacts_phonetic_es);
Datum
contacts_phonetic_es(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(phonetic_key(PG_GETARG_TEXT_PP(0), ct_phonetic_es));
}
