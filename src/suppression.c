/*
 * suppression.c
 *		Keyed digests for the suppression list.
 *
 * People who asked never to be contacted again must stay out of every import
 * and entry path, but the list of them must not itself become a copy of
 * their emails and phones.  The list keeps HMAC-SHA256(key, kind:value) of
 * the normalized value instead; the key is generated at CREATE EXTENSION
 * (contacts.suppression_key, readable only by the extension's owner) and read
 * once per backend, as that owner.
 *
 * Who may use the key: roles trusted with the list (SELECT or INSERT on
 * contacts.suppression) may compute digests; the entry trigger and imports
 * check a value on behalf of whoever may write a configured table, since
 * writing a row through the trigger answers the same question.  Nobody else
 * gets a digest, so the list cannot be tested offline.  The privilege is
 * checked on every call, not when the key is cached: a SET ROLE to a less
 * privileged role loses access at once.
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "privileges.h"
#include "spi_util.h"
#include "suppression.h"
#include "textconv.h"

#define SUPPRESSION_DIGEST_LEN 32	/* SHA-256 */

static bytea *suppression_key = NULL;

/* The key in table (one row, a qualified name), read once as the extension's owner. */
static bytea *
load_key(const char *table, bytea **cached)
{
	bool		isnull;
	Datum		d;

	ContactsRoleSwitch sw;

	if (*cached != NULL)
		return *cached;

	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	if (contacts_spi_execute(psprintf("SELECT key FROM %s", table), true, 1, SPI_OK_SELECT) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the suppression key is missing"),
				 errhint("%s must hold exactly one row; it is created with the extension "
						 "(on Citus, by contacts.citus_share() on the coordinator).", table)));
	d = contacts_spi_datum(SPI_tuptable, 0, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the suppression key is NULL"),
				 errhint("%s must hold exactly one row; it is created with the extension.", table)));
	{
		bytea	   *k = DatumGetByteaPP(d);
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		*cached = (bytea *) palloc(VARSIZE_ANY(k));
		memcpy(*cached, k, VARSIZE_ANY(k));
		MemoryContextSwitchTo(old);
	}
	contacts_switch_back(&sw);
	contacts_spi_finish();
	return *cached;
}

/*
 * HMAC-SHA256(key, kind:value) of an already normalized value (see
 * suppression_normal_form()), so that every way of writing the same address
 * or number gives one digest.
 */
static bytea *
digest_under(bytea *key, text *kind, text *value)
{
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
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not compute suppression digest")));
	}
	pg_hmac_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + SUPPRESSION_DIGEST_LEN);
	return result;
}

static bytea *
digest_of(text *kind, text *value)
{
	/* (the name built only the first time: this runs for every row) */
	if (suppression_key == NULL)
		load_key(psprintf("%s.suppression_key", contacts_extension_schema_quoted()), &suppression_key);
	return digest_under(suppression_key, kind, value);
}

/* The OID of contacts.suppression, whose privileges say who may use the key. */
static Oid
suppression_table(void)
{
	return get_relname_relid("suppression", contacts_extension_schema());
}

/*
 * suppression_digest(kind text, normalized_value text) -> bytea, for roles
 * trusted with the suppression list (SELECT or INSERT on it).
 */
PG_FUNCTION_INFO_V1(contacts_suppression_digest);
Datum
contacts_suppression_digest(PG_FUNCTION_ARGS)
{
	/* pg_class_aclcheck() grants when any of the bits is held */
	if (pg_class_aclcheck(suppression_table(), GetUserId(), ACL_SELECT | ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to compute suppression digests"),
				 errdetail("Digests are for roles trusted with the suppression list."),
				 errhint("GRANT SELECT or INSERT ON contacts.suppression to the role.")));
	PG_RETURN_BYTEA_P(digest_of(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1)));
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

void
contacts_suppression_invalidate(Oid relid)
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
	ContactsRoleSwitch sw;
	HASHCTL		ctl;
	uint64		i;

	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	suppression_relid = suppression_table();
	contacts_spi_execute(psprintf("SELECT kind, digest FROM %s.suppression", contacts_extension_schema_quoted()),
						 true, 0, SPI_OK_SELECT);
	ctl.keysize = sizeof(SuppressionEntry);
	ctl.entrysize = sizeof(SuppressionEntry);
	ctl.hcxt = CacheMemoryContext;
	suppression_set = hash_create("contacts suppression set", Max(SPI_processed, 16), &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (i = 0; i < SPI_processed; i++)
	{
		SuppressionEntry key;
		bool		isnull;
		bytea	   *digest;

		key.kind = contacts_spi_text(SPI_tuptable, i, 1)[0];
		digest = DatumGetByteaPP(contacts_spi_datum(SPI_tuptable, i, 2, &isnull));
		if (VARSIZE_ANY_EXHDR(digest) != SUPPRESSION_DIGEST_LEN)
			continue;
		memcpy(key.digest, VARDATA_ANY(digest), SUPPRESSION_DIGEST_LEN);
		hash_search(suppression_set, &key, HASH_ENTER, NULL);
	}
	/* asked for every value the entry trigger checks: kept, not counted */
	suppression_set_empty = hash_get_num_entries(suppression_set) == 0;
	contacts_switch_back(&sw);
	contacts_spi_finish();
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
	/*
	 * Reading the key the first time may process invalidations, which can
	 * drop the set loaded above: it is asked for again after.
	 */
	digest = digest_of(cstring_to_text(kind), normal_value);
	key.kind = kind[0];
	memcpy(key.digest, VARDATA_ANY(digest), SUPPRESSION_DIGEST_LEN);
	if (contacts_suppression_list_empty())
		return false;
	return hash_search(suppression_set, &key, HASH_FIND, NULL) != NULL;
}

/*
 * On a worker: the coordinator's key and a prepared lookup, kept while the
 * copies they were read from are the same relations (a new extension makes
 * new ones, with another key).
 */
static char *citus_key_source = NULL;
static bytea *citus_key = NULL;
static char *citus_list_source = NULL;
static SPIPlanPtr citus_lookup = NULL;

bool
contacts_is_suppressed_on_citus(const char *kind, text *normal_value, const char *list_copy,
								const char *key_copy)
{
	Datum		values[2];
	ContactsRoleSwitch sw;
	bool		found;

	if (citus_key_source == NULL || strcmp(citus_key_source, key_copy) != 0)
	{
		if (citus_key != NULL)
			pfree(citus_key);
		if (citus_key_source != NULL)
			pfree(citus_key_source);
		citus_key = NULL;
		citus_key_source = MemoryContextStrdup(TopMemoryContext, key_copy);
	}
	values[0] = CStringGetTextDatum(kind);
	values[1] = PointerGetDatum(digest_under(load_key(key_copy, &citus_key),
											 (text *) DatumGetPointer(values[0]), normal_value));
	contacts_spi_connect();
	if (citus_list_source == NULL || strcmp(citus_list_source, list_copy) != 0)
	{
		Oid			types[2] = {TEXTOID, BYTEAOID};

		SPIPlanPtr	plan = contacts_spi_prepare(psprintf("SELECT FROM %s s WHERE s.kind OPERATOR(pg_catalog.=) $1 "
														 "AND s.digest OPERATOR(pg_catalog.=) $2", list_copy),
												2, types, 0, true);

		if (citus_lookup != NULL)
			SPI_freeplan(citus_lookup);
		if (citus_list_source != NULL)
			pfree(citus_list_source);
		citus_lookup = plan;
		citus_list_source = MemoryContextStrdup(TopMemoryContext, list_copy);
	}
	contacts_switch_to(contacts_extension_owner(), &sw);
	found = contacts_spi_execute_plan(citus_lookup, values, NULL, true, 1, SPI_OK_SELECT) > 0;
	contacts_switch_back(&sw);
	contacts_spi_finish();
	return found;
}

/*
 * suppression_match(tbl regclass, kind text, normal_value text) -> boolean:
 * whether an import into tbl must set the value aside.  For writers of tbl
 * only (INSERT or UPDATE on it), who would learn as much from the trigger.
 */
PG_FUNCTION_INFO_V1(contacts_suppression_match);
Datum
contacts_suppression_match(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	text	   *kind = PG_GETARG_TEXT_PP(1);
	char	   *k = text_to_cstring(kind);

	if (!contacts_is_table(relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_INSERT | ACL_UPDATE) != ACLCHECK_OK)
		contacts_require_table(relid, ACL_INSERT, "check suppressed values for");
	if (strcmp(k, "email") != 0 && strcmp(k, "phone") != 0 && strcmp(k, "national_id") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown suppression kind \"%s\"", k),
				 errhint("Kinds are email, phone and national_id.")));
	PG_RETURN_BOOL(contacts_is_suppressed(k, PG_GETARG_TEXT_PP(2)));
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
