/*
 * fold.c
 *		SQL interface to the core fold: fold(text).
 */
#include "postgres.h"

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "compat.h"
#include "core/fold.h"
#include "foldtext.h"
#include "textconv.h"

char *
contacts_fold_text(text *t, char *buf, size_t cap, size_t *len)
{
	size_t		slen;
	const char *s = contacts_text_utf8_view(t, &slen);

	return ct_fold_buf(&contacts_palloc_allocator, s, slen, buf, cap, len);
}

/*
 * fold(text): the accent- and case-insensitive key.  In a UTF-8 database the
 * result is written straight into the returned datum.
 */
PG_FUNCTION_INFO_V1(contacts_fold);
Datum
contacts_fold(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	size_t		n;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		size_t		slen = VARSIZE_ANY_EXHDR(t);
		size_t		cap = Min(ct_fold_size_hint(slen), MaxAllocSize - VARHDRSZ);
		text	   *res = palloc(VARHDRSZ + cap);

		n = ct_fold(VARDATA_ANY(t), slen, VARDATA(res), cap, &contacts_palloc_allocator);
		if (n > MaxAllocSize - VARHDRSZ)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("folded text would be longer than %d bytes", (int) (MaxAllocSize - VARHDRSZ))));
		if (n > cap)
		{
			pfree(res);
			res = palloc(VARHDRSZ + n);
			ct_fold(VARDATA_ANY(t), slen, VARDATA(res), n, &contacts_palloc_allocator);
		}
		SET_VARSIZE(res, VARHDRSZ + n);
		PG_RETURN_TEXT_P(res);
	}
	else
	{
		char		buf[CONTACTS_FOLD_STACK];
		char	   *f = contacts_fold_text(t, buf, sizeof(buf), &n);

		PG_RETURN_TEXT_P(contacts_utf8_to_text(f, (int) n));
	}
}
