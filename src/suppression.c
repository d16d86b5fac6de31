/*
 * suppression.c
 *		Keyed digests for the suppression list.
 *
 * People who asked never to be contacted again must stay out of every import
 * and entry path, but the list of them must not itself become a copy of
 * their emails and phones.  The list keeps HMAC-SHA256(key, kind:value) of
 * the normalized value instead; the key is generated at CREATE EXTENSION
 * (contacts.suppression_key, readable only by its owner) and read once per
 * backend.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "suppression.h"
#include "textconv.h"

#define SUPPRESSION_DIGEST_LEN 32	/* SHA-256 */

static bytea *suppression_key = NULL;

static bytea *
load_key(void)
{
	bool		isnull;
	Datum		d;

	if (suppression_key != NULL)
		return suppression_key;

	SPI_connect();
	if (SPI_execute("SELECT key FROM contacts.suppression_key", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the suppression key is missing"),
				 errhint("contacts.suppression_key must hold exactly one row; it is created with the extension.")));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "the suppression key is NULL");
	{
		bytea	   *k = DatumGetByteaPP(d);
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		suppression_key = (bytea *) palloc(VARSIZE_ANY(k));
		memcpy(suppression_key, k, VARSIZE_ANY(k));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return suppression_key;
}

/*
 * suppression_digest(kind text, normalized_value text) -> bytea
 * The value must already be normalized (see suppression_normal_form()), so
 * that every way of writing the same address or number gives one digest.
 */
PG_FUNCTION_INFO_V1(contacts_suppression_digest);
Datum
contacts_suppression_digest(PG_FUNCTION_ARGS)
{
	text	   *kind = PG_GETARG_TEXT_PP(0);
	text	   *value = PG_GETARG_TEXT_PP(1);
	bytea	   *key = load_key();
	bytea	   *result = palloc(VARHDRSZ + SUPPRESSION_DIGEST_LEN);
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	int			vlen;
	char	   *v = contacts_text_to_utf8(value, &vlen);

	if (ctx == NULL ||
		pg_hmac_init(ctx, (uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)) < 0 ||
		pg_hmac_update(ctx, (uint8 *) VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) ":", 1) < 0 ||
		pg_hmac_update(ctx, (uint8 *) v, vlen) < 0 ||
		pg_hmac_final(ctx, (uint8 *) VARDATA(result), SUPPRESSION_DIGEST_LEN) < 0)
	{
		pg_hmac_free(ctx);
		elog(ERROR, "could not compute suppression digest");
	}
	pg_hmac_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + SUPPRESSION_DIGEST_LEN);
	PG_RETURN_BYTEA_P(result);
}

/*
 * The suppression list as the entry trigger consults it: every digest,
 * loaded once per backend into a hash set, so that checking a row costs one
 * HMAC and one lookup.  Any change to contacts.suppression sends a relcache
 * invalidation (suppression_changed()), which drops the set.
 */
typedef struct SuppressionEntry
{
	char		kind;			/* 'e'mail, 'p'hone, 'n'ational_id */
	uint8		digest[SUPPRESSION_DIGEST_LEN];
} SuppressionEntry;

static HTAB *suppression_set = NULL;
static bool suppression_set_empty;	/* valid while suppression_set is loaded */
static Oid	suppression_relid = InvalidOid;

static void
invalidate_suppression_set(Datum arg, Oid relid)
{
	if (suppression_set != NULL && (relid == InvalidOid || relid == suppression_relid))
	{
		hash_destroy(suppression_set);
		suppression_set = NULL;
	}
}

static void
load_suppression_set(void)
{
	static bool callback_registered = false;
	HASHCTL		ctl;
	uint64		i;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(invalidate_suppression_set, (Datum) 0);
		callback_registered = true;
	}
	SPI_connect();
	if (SPI_execute("SELECT 'contacts.suppression'::regclass::oid, kind, digest FROM contacts.suppression",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read contacts.suppression");
	ctl.keysize = sizeof(SuppressionEntry);
	ctl.entrysize = sizeof(SuppressionEntry);
	ctl.hcxt = CacheMemoryContext;
	suppression_set = hash_create("contacts suppression set", Max(SPI_processed, 16), &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		SuppressionEntry key;
		bool		isnull;
		bytea	   *digest;

		suppression_relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		key.kind = SPI_getvalue(tup, desc, 2)[0];
		digest = DatumGetByteaPP(SPI_getbinval(tup, desc, 3, &isnull));
		if (VARSIZE_ANY_EXHDR(digest) != SUPPRESSION_DIGEST_LEN)
			continue;
		memcpy(key.digest, VARDATA_ANY(digest), SUPPRESSION_DIGEST_LEN);
		hash_search(suppression_set, &key, HASH_ENTER, NULL);
	}
	if (SPI_processed == 0)
		suppression_relid = get_relname_relid("suppression",
											  get_namespace_oid("contacts", false));
	/* asked for every value the entry trigger checks: kept, not counted */
	suppression_set_empty = hash_get_num_entries(suppression_set) == 0;
	SPI_finish();
}

bool
contacts_suppression_list_empty(void)
{
	if (suppression_set == NULL)
		load_suppression_set();
	return suppression_set_empty;
}

bool
contacts_is_suppressed(const char *kind, text *normal_value)
{
	SuppressionEntry key;
	bytea	   *digest;

	if (contacts_suppression_list_empty())
		return false;
	digest = DatumGetByteaPP(DirectFunctionCall2(contacts_suppression_digest,
												 CStringGetTextDatum(kind),
												 PointerGetDatum(normal_value)));
	key.kind = kind[0];
	memcpy(key.digest, VARDATA_ANY(digest), SUPPRESSION_DIGEST_LEN);
	return hash_search(suppression_set, &key, HASH_FIND, NULL) != NULL;
}

/* suppression_changed(): statement trigger that invalidates every backend's set. */
PG_FUNCTION_INFO_V1(contacts_suppression_changed);
Datum
contacts_suppression_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("suppression_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
