/*
 * name_similarity.c
 *		SQL function name_similarity(a, b).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "core/name_similarity.h"
#include "textconv.h"

PG_FUNCTION_INFO_V1(contacts_name_similarity);
Datum
contacts_name_similarity(PG_FUNCTION_ARGS)
{
	int			alen,
				blen;
	char	   *a = contacts_text_to_utf8(PG_GETARG_TEXT_PP(0), &alen);
	char	   *b = contacts_text_to_utf8(PG_GETARG_TEXT_PP(1), &blen);

	PG_RETURN_FLOAT8(ct_name_similarity(a, alen, b, blen, &contacts_palloc_allocator));
}
