/*
 * name_gin.c
 *		GIN operator class name_gin_ops for text: the index stores each
 *		name's keys (see core/name_grams.h) and answers name %~ query.
 *
 * extractQuery hands GIN the query's keys and, as extra_data, what each key
 * tells about which query token (a NameQuery).  consistent computes from the
 * keys a row has an upper bound of its similarity (name_query_bound) and
 * lets the executor recheck the rows whose bound reaches the threshold with
 * the exact similarity.  With triConsistent, GIN's fast scan needs to read
 * only the posting lists of the rarest keys: a row that has none of them
 * cannot reach the threshold.
 */
#include "postgres.h"

#include "access/gin.h"
#include "access/stratnum.h"
#include "fmgr.h"

#include "guc.h"
#include "name_search.h"

/* Strategy numbers of the operator class. */
#define NAME_SIMILAR_STRATEGY 1

static Datum *
keys_to_datums(const NameKey *keys, int n)
{
	Datum	   *entries = palloc(n * sizeof(Datum));

	for (int i = 0; i < n; i++)
		entries[i] = Int32GetDatum((int32) keys[i]);
	return entries;
}

PG_FUNCTION_INFO_V1(contacts_name_gin_extract_value);
Datum
contacts_name_gin_extract_value(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	int32	   *nentries = (int32 *) PG_GETARG_POINTER(1);
	int			n;
	NameKey    *keys = name_search_text_keys(name, &n);

	*nentries = n;
	if (n == 0)
		PG_RETURN_POINTER(NULL);
	PG_RETURN_POINTER(keys_to_datums(keys, n));
}

PG_FUNCTION_INFO_V1(contacts_name_gin_extract_query);
Datum
contacts_name_gin_extract_query(PG_FUNCTION_ARGS)
{
	text	   *query = PG_GETARG_TEXT_PP(0);
	int32	   *nentries = (int32 *) PG_GETARG_POINTER(1);
	StrategyNumber strategy = PG_GETARG_UINT16(2);
	Pointer   **extra_data = (Pointer **) PG_GETARG_POINTER(4);
	NameQuery  *q;

	if (strategy != NAME_SIMILAR_STRATEGY)
		elog(ERROR, "unrecognized strategy number: %d", strategy);

	/*
	 * A query without keys (empty, punctuation only) matches nothing: zero
	 * entries in the default search mode tell GIN so without a scan.
	 */
	q = name_search_text_query(query);
	*nentries = q->nkeys;
	if (q->nkeys == 0)
		PG_RETURN_POINTER(NULL);
	/* every entry points to the whole query: consistent needs all of it */
	*extra_data = palloc(q->nkeys * sizeof(Pointer));
	for (int i = 0; i < q->nkeys; i++)
		(*extra_data)[i] = (Pointer) q;
	PG_RETURN_POINTER(keys_to_datums(q->keys, q->nkeys));
}

PG_FUNCTION_INFO_V1(contacts_name_gin_consistent);
Datum
contacts_name_gin_consistent(PG_FUNCTION_ARGS)
{
	bool	   *check = (bool *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	Pointer    *extra_data = (Pointer *) PG_GETARG_POINTER(4);
	bool	   *recheck = (bool *) PG_GETARG_POINTER(5);
	double		bound;

	if (strategy != NAME_SIMILAR_STRATEGY)
		elog(ERROR, "unrecognized strategy number: %d", strategy);

	bound = name_query_bound((const NameQuery *) extra_data[0], check);
	/* Only the bound is known here: the exact similarity needs the row. */
	*recheck = true;
	contacts_setting_require(CONTACTS_SETTING_NAME_THRESHOLD);
	PG_RETURN_BOOL(bound > 0.0 && bound >= contacts_name_similarity_threshold);
}

PG_FUNCTION_INFO_V1(contacts_name_gin_triconsistent);
Datum
contacts_name_gin_triconsistent(PG_FUNCTION_ARGS)
{
	GinTernaryValue *check = (GinTernaryValue *) PG_GETARG_POINTER(0);
	StrategyNumber strategy = PG_GETARG_UINT16(1);
	int32		nkeys = PG_GETARG_INT32(3);
	Pointer    *extra_data = (Pointer *) PG_GETARG_POINTER(4);
	bool		possible[NAME_QUERY_MAX_KEYS];
	double		bound;

	if (strategy != NAME_SIMILAR_STRATEGY)
		elog(ERROR, "unrecognized strategy number: %d", strategy);

	/* Keys that are or may be in the row: the most the row can have. */
	for (int i = 0; i < nkeys; i++)
		possible[i] = check[i] != GIN_FALSE;
	bound = name_query_bound((const NameQuery *) extra_data[0], possible);
	contacts_setting_require(CONTACTS_SETTING_NAME_THRESHOLD);
	if (bound <= 0.0 || bound < contacts_name_similarity_threshold)
		PG_RETURN_GIN_TERNARY_VALUE(GIN_FALSE);
	PG_RETURN_GIN_TERNARY_VALUE(GIN_MAYBE);
}
