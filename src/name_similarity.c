/*
 * name_similarity.c
 *		SQL function name_similarity(a, b).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "core/name_similarity.h"
#include "core/similarity.h"
#include "core/utf8.h"
#include "textconv.h"

/*
 * Words are compared pairwise with Jaro-Winkler, whose cost grows with the
 * product of their lengths: refuse overlong names as the other similarity
 * functions do rather than run uninterruptibly in the core (two names of a
 * few hundred thousand characters took longer than any statement_timeout).
 */
static void
check_length(const char *s, int len)
{
	/* a text has at most as many code points as bytes: count only if longer */
	if (len > CT_SIM_MAX_CP && ct_utf8_decode(s, len, NULL, 0) > CT_SIM_MAX_CP)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("name_similarity argument exceeds the maximum length of %d characters",
						CT_SIM_MAX_CP),
				 errhint("Compare shorter texts, or a prefix of each.")));
}

PG_FUNCTION_INFO_V1(contacts_name_similarity);
Datum
contacts_name_similarity(PG_FUNCTION_ARGS)
{
	int			alen,
				blen;
	char	   *a = contacts_text_to_utf8(PG_GETARG_TEXT_PP(0), &alen);
	char	   *b = contacts_text_to_utf8(PG_GETARG_TEXT_PP(1), &blen);

	check_length(a, alen);
	check_length(b, blen);
	PG_RETURN_FLOAT8(ct_name_similarity(a, alen, b, blen, &contacts_palloc_allocator));
}
