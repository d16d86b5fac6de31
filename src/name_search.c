/*
 * name_search.c
 *		The fuzzy name operators: similarity, distance and the threshold
 *		match behind %~ and <~> (the index support is in name_gin.c).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "guc.h"
#include "name_search.h"
#include "textconv.h"

NameKey *
name_search_text_keys(text *t, int *nkeys)
{
	int			len;
	char	   *utf8 = contacts_text_to_utf8(t, &len);
	NameKey    *keys;

	*nkeys = name_keys_extract(utf8, len, &contacts_palloc_allocator, &keys);
	pfree(utf8);
	return keys;
}

/*
 * The query's keys, cached in fn_extra across the rows of a scan: the
 * operators are called with the same right-hand side for every row, and
 * extracting its keys would otherwise double the cost of each call.
 */
typedef struct QueryKeysCache
{
	char	   *query;			/* the argument's bytes, in the database encoding */
	int			query_len;
	NameKey    *keys;
	int			nkeys;
} QueryKeysCache;

static const NameKey *
cached_query_keys(FunctionCallInfo fcinfo, text *query, int *nkeys)
{
	QueryKeysCache *cache = (QueryKeysCache *) fcinfo->flinfo->fn_extra;
	const char *data = VARDATA_ANY(query);
	int			len = VARSIZE_ANY_EXHDR(query);
	MemoryContext oldcxt;
	NameKey    *keys;

	if (cache != NULL && cache->query_len == len && memcmp(cache->query, data, len) == 0)
	{
		*nkeys = cache->nkeys;
		return cache->keys;
	}

	keys = name_search_text_keys(query, nkeys);
	oldcxt = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (cache == NULL)
		cache = palloc0(sizeof(QueryKeysCache));
	else
	{
		pfree(cache->query);
		if (cache->keys)
			pfree(cache->keys);
	}
	cache->query = palloc(len + 1);
	memcpy(cache->query, data, len);
	cache->query_len = len;
	cache->nkeys = *nkeys;
	cache->keys = NULL;
	if (*nkeys > 0)
	{
		cache->keys = palloc(*nkeys * sizeof(NameKey));
		memcpy(cache->keys, keys, *nkeys * sizeof(NameKey));
	}
	fcinfo->flinfo->fn_extra = cache;
	MemoryContextSwitchTo(oldcxt);
	if (keys)
		pfree(keys);
	return cache->keys;
}

static double
similarity_args(FunctionCallInfo fcinfo)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	text	   *query = PG_GETARG_TEXT_PP(1);
	int			nname,
				nquery;
	NameKey    *name_keys = name_search_text_keys(name, &nname);
	const NameKey *query_keys = cached_query_keys(fcinfo, query, &nquery);
	double		sim = name_keys_similarity(name_keys, nname, query_keys, nquery);

	if (name_keys)
		pfree(name_keys);
	return sim;
}

PG_FUNCTION_INFO_V1(contacts_name_search_similarity);
Datum
contacts_name_search_similarity(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT4((float4) similarity_args(fcinfo));
}

PG_FUNCTION_INFO_V1(contacts_name_search_distance);
Datum
contacts_name_search_distance(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT4((float4) (1.0 - similarity_args(fcinfo)));
}

/*
 * name %~ query: the names share keys and their similarity reaches
 * contacts.name_similarity_threshold.  Requiring a shared key keeps the
 * operator true exactly where an index can find the row, even with the
 * threshold at 0.
 */
PG_FUNCTION_INFO_V1(contacts_name_search_match);
Datum
contacts_name_search_match(PG_FUNCTION_ARGS)
{
	double		sim = similarity_args(fcinfo);

	contacts_setting_require(CONTACTS_SETTING_NAME_THRESHOLD);
	PG_RETURN_BOOL(sim > 0.0 && sim >= contacts_name_similarity_threshold);
}

PG_FUNCTION_INFO_V1(contacts_name_search_key);
Datum
contacts_name_search_key(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	int			len;
	char	   *utf8 = contacts_text_to_utf8(name, &len);
	size_t		klen;
	char	   *key = name_search_key(utf8, len, &contacts_palloc_allocator, &klen);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(key, (int) klen));
}
