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

static void
text_tokens(text *t, NameTokens *out)
{
	int			len;
	char	   *utf8 = contacts_text_to_utf8(t, &len);

	name_tokens_parse(utf8, len, &contacts_palloc_allocator, out);
	pfree(utf8);
}

NameQuery *
name_search_text_query(text *t)
{
	NameTokens	tokens;

	text_tokens(t, &tokens);
	return name_query_build(&tokens, &contacts_palloc_allocator);
}

/*
 * The query's tokens, cached in fn_extra across the rows of a scan: the
 * operators are called with the same right-hand side for every row, and
 * parsing it would otherwise double the cost of each call.
 */
typedef struct QueryTokensCache
{
	char	   *query;			/* the argument's bytes, in the database encoding */
	int			query_len;
	NameTokens	tokens;
} QueryTokensCache;

static const NameTokens *
cached_query_tokens(FunctionCallInfo fcinfo, text *query)
{
	QueryTokensCache *cache = (QueryTokensCache *) fcinfo->flinfo->fn_extra;
	const char *data = VARDATA_ANY(query);
	int			len = VARSIZE_ANY_EXHDR(query);

	if (cache != NULL && cache->query_len == len && memcmp(cache->query, data, len) == 0)
		return &cache->tokens;
	if (cache == NULL)
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(QueryTokensCache));
	else
		pfree(cache->query);
	cache->query = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, len + 1);
	memcpy(cache->query, data, len);
	cache->query_len = len;
	text_tokens(query, &cache->tokens);
	fcinfo->flinfo->fn_extra = cache;
	return &cache->tokens;
}

static double
similarity_args(FunctionCallInfo fcinfo)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	text	   *query = PG_GETARG_TEXT_PP(1);
	const NameTokens *query_tokens = cached_query_tokens(fcinfo, query);
	NameTokens	name_tokens;

	text_tokens(name, &name_tokens);
	return name_tokens_similarity(&name_tokens, query_tokens);
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
 * name %~ query: the similarity is above 0 (the names share a key) and
 * reaches contacts.name_similarity_threshold.  Requiring a shared key keeps
 * the operator true exactly where an index can find the row, even with the
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
