/*
 * duplicates.c
 *		Is this value a duplicate of an existing row?  One lookup for the
 *		entry trigger, contacts.duplicate_of() and merges (see duplicates.h).
 */
#include "postgres.h"

#include "access/table.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "duplicates.h"
#include "email_glue.h"
#include "entry_kinds.h"
#include "privileges.h"
#include "spi_util.h"
#include "textconv.h"

const char *
contacts_alternate_kind(EntryKind kind)
{
	switch (kind)
	{
		case ENTRY_EMAIL:
			return "email";
		case ENTRY_PHONE:
			return "phone";
		case ENTRY_NATIONAL_ID:
			return "national_id";
		default:
			return NULL;
	}
}

/* Index of kind in EntryConfig.alternate_column, or -1. */
static int
alternate_slot(EntryKind kind)
{
	return kind == ENTRY_EMAIL ? 0 : kind == ENTRY_PHONE ? 1 : kind == ENTRY_NATIONAL_ID ? 2 : -1;
}

char *
contacts_duplicate_key(const EntryConfig *cfg, const EntryColumn *col, const char *value)
{
	text	   *key;

	if (col->kind != ENTRY_EMAIL)
		return pstrdup(value);
	key = cfg->email_canonical ? contacts_email_canonical_duplicate_key(cstring_to_text(value)) :
		contacts_email_duplicate_key(cstring_to_text(value));
	return key ? text_to_cstring(key) : NULL;
}

void
contacts_duplicate_lock(EntryConfig *cfg, Oid relid, const EntryColumn *col, const char *key)
{
	uint32		h = hash_bytes((const unsigned char *) key, strlen(key));
	uint64		transaction = entry_transaction_count();

	if (cfg->key_locks_transaction != transaction)
	{
		cfg->key_locks_transaction = transaction;
		cfg->key_locks = 0;
	}
	if (cfg->key_locks > KEY_LOCKS_PER_TABLE)
		return;					/* the table is locked */
	if (++cfg->key_locks > KEY_LOCKS_PER_TABLE)
	{
		LockRelationOid(relid, ShareRowExclusiveLock);
		return;
	}

	DirectFunctionCall2(pg_advisory_xact_lock_int4,
						Int32GetDatum((int32) relid),
						Int32GetDatum((int32) (h ^ (uint32) col->attnum)));
}

/*
 * "a row other than the one being written ($2 is its key, or NULL), and
 * not merged away"
 */
static void
append_other_row(StringInfo sql, const EntryConfig *cfg, const char *alias)
{
	appendStringInfoString(sql, " AND ($2 IS NULL OR NOT (");
	contacts_append_equality(sql, psprintf("%s.%s", alias, quote_identifier(cfg->key_column)),
							 cfg->key_typid, psprintf("$2::%s", format_type_be_qualified(cfg->key_typid)));
	appendStringInfoString(sql, "))");
	/* rows merged away (soft-deleted) are nobody's record any more */
	if (cfg->soft_delete_column != NULL)
		appendStringInfo(sql, " AND %s.%s IS %s", alias, quote_identifier(cfg->soft_delete_column),
						 cfg->soft_delete_bool ? "NOT TRUE" : "NULL");
}

static bool
is_email_type(Oid typid)
{
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
	bool		result;

	if (!HeapTupleIsValid(tup))
		return false;
	result = ((Form_pg_type) GETSTRUCT(tup))->typnamespace == contacts_extension_schema() &&
		strcmp(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname), "email") == 0;
	ReleaseSysCache(tup);
	return result;
}

/*
 * The lookup of col, prepared once per configuration, as the writer (it
 * runs as the table's owner).  $1 is the value's duplicate key, $2 the
 * writer's own key or NULL.  It is built to mean the same under any
 * search_path: every operator, function and type is qualified.  Rows
 * holding the key in the column come first, then survivors holding it as
 * an alternate; among each, the first by the key's text, so a message
 * names the same row every time.  With alternates_only, only the
 * survivors; NULL when the kind has no alternates.
 */
static SPIPlanPtr
lookup_plan(EntryConfig *cfg, EntryColumn *col, Relation rel, bool alternates_only)
{
	Oid			relid = RelationGetRelid(rel);
	char	   *relname = contacts_quoted_relation(relid);
	const char *schema = contacts_extension_schema_quoted();
	const char *key = quote_identifier(cfg->key_column);
	const char *qc = quote_identifier(col->name);
	const char *kind = contacts_alternate_kind(col->kind);
	const char *keyfn = cfg->email_canonical ? "email_canonical_key" : "email_key";
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	StringInfoData sql;
	MemoryContext old;
	SPIPlanPtr	plan;
	SPIPlanPtr *cached = alternates_only ? &col->alternate_plan : &col->lookup_plan;
	bool		any = false;

	if (*cached != NULL)
		return *cached;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT x.k, x.p OPERATOR(pg_catalog.=) 1 FROM (");
	if (!alternates_only)
	{
		appendStringInfo(&sql, "SELECT 0 AS p, t.%s::pg_catalog.text AS k FROM %s t WHERE ", key, relname);
		/*
		 * contacts.email values are equal exactly when their email_key()s
		 * are: a column of the type is compared as itself, by the index its
		 * key or unique constraint has (the key read under the rfc profile,
		 * which reads every address the others do)
		 */
		if (col->kind == ENTRY_EMAIL && !cfg->email_canonical && is_email_type(col->atttypid))
			appendStringInfo(&sql, "t.%s OPERATOR(%s.=) %s.email($1, 'rfc')", qc, schema, schema);
		else if (col->kind == ENTRY_EMAIL)
			appendStringInfo(&sql, "%s.%s(t.%s::pg_catalog.text) OPERATOR(pg_catalog.=) $1", schema, keyfn, qc);
		else
			contacts_append_equality(&sql, psprintf("t.%s", qc), col->atttypid,
									 psprintf("$1::%s", format_type_be_qualified(col->atttypid)));
		append_other_row(&sql, cfg, "t");
		any = true;
	}
	if (kind != NULL && cfg->alternate_column[alternate_slot(col->kind)] != NULL)
	{
		/* the table keeps this kind's alternates in an array column */
		appendStringInfo(&sql, "%sSELECT 1 AS p, t.%s::pg_catalog.text AS k FROM %s t "
						 "WHERE %s.alternate_keys(%s, t.%s::pg_catalog.text[]) OPERATOR(pg_catalog.@>) ARRAY[$1]",
						 any ? " UNION ALL " : "", key, relname, schema,
						 quote_literal_cstr(col->kind == ENTRY_EMAIL && cfg->email_canonical ? "email_canonical" : kind),
						 quote_identifier(cfg->alternate_column[alternate_slot(col->kind)]));
		append_other_row(&sql, cfg, "t");
		any = true;
	}
	/* (on a Citus shard, the coordinator's are looked up apart: citus_alternate_find) */
	if (kind != NULL && cfg->has_alternates && cfg->citus_name == NULL)
	{
		/*
		 * in contacts.alternate (also kept there before the kind had an
		 * array column), for survivors that are still there
		 */
		appendStringInfo(&sql, "%sSELECT 1 AS p, t.%s::pg_catalog.text AS k FROM %s.alternate a JOIN %s t ON ",
						 any ? " UNION ALL " : "", key, schema, relname);
		contacts_append_equality(&sql, psprintf("t.%s", key), cfg->key_typid,
								 psprintf("a.survivor::%s", format_type_be_qualified(cfg->key_typid)));
		appendStringInfo(&sql, " WHERE a.tbl OPERATOR(pg_catalog.=) %u::pg_catalog.oid::pg_catalog.regclass "
						 "AND a.kind OPERATOR(pg_catalog.=) %s AND ",
						 relid, quote_literal_cstr(kind));
		if (col->kind == ENTRY_EMAIL)
			appendStringInfo(&sql, "%s.%s(a.value) OPERATOR(pg_catalog.=) $1", schema, keyfn);
		else
			appendStringInfoString(&sql, "a.value OPERATOR(pg_catalog.=) $1");
		append_other_row(&sql, cfg, "t");
		any = true;
	}
	if (!any)
		return NULL;
	appendStringInfoString(&sql, ") x ORDER BY x.p, x.k LIMIT 1");
	/* (x.p tells the caller whether it was found as an alternate) */

	plan = contacts_spi_prepare(sql.data, 2, argtypes, 0, true);
	old = MemoryContextSwitchTo(cfg->context);
	*cached = plan;
	MemoryContextSwitchTo(old);
	return plan;
}

/* Run a lookup: the key of the row found, or NULL; *alternate as above. */
static char *
run_lookup(SPIPlanPtr plan, Relation rel, const char *key, const char *own_key, bool *alternate)
{
	Datum		args[2];
	char		nulls[2] = {' ', own_key ? ' ' : 'n'};
	ContactsRoleSwitch sw;

	args[0] = CStringGetTextDatum(key);
	args[1] = own_key ? CStringGetTextDatum(own_key) : (Datum) 0;
	/* a writer need not read the table to be told it holds the key */
	contacts_switch_to_table_owner(rel, &sw);
	/* not read-only: a fresh snapshot sees what the lock waited for */
	contacts_spi_execute_plan(plan, args, nulls, false, 1, SPI_OK_SELECT);
	contacts_switch_back(&sw);
	if (SPI_processed == 0)
		return NULL;
	if (alternate != NULL)
		*alternate = contacts_spi_bool(SPI_tuptable, 0, 2);
	return contacts_spi_text(SPI_tuptable, 0, 1);
}

/*
 * On a Citus shard: the survivor keeping key as an alternate, in the copy of
 * contacts.alternate every node holds (citus_mirror.c), which only the
 * extension's owner reads.  The survivor may be in another shard, so it is
 * not joined: an alternate names its survivor until unmerge removes it.
 */
static char *
citus_alternate_find(EntryConfig *cfg, EntryColumn *col, const char *key, const char *own_key,
					 bool *alternate)
{
	const char *kind = contacts_alternate_kind(col->kind);
	Datum		args[2];
	char		nulls[2] = {' ', own_key ? ' ' : 'n'};
	ContactsRoleSwitch sw;

	if (kind == NULL || !cfg->has_alternates)
		return NULL;
	if (col->citus_alternate_plan == NULL)
	{
		const char *schema = contacts_extension_schema_quoted();
		Oid			argtypes[2] = {TEXTOID, TEXTOID};
		SPIPlanPtr	plan;
		MemoryContext old;

		plan = contacts_spi_prepare(psprintf("SELECT a.survivor FROM %s a "
											 "WHERE a.tbl_name OPERATOR(pg_catalog.=) %s AND a.kind OPERATOR(pg_catalog.=) %s "
											 "AND %s OPERATOR(pg_catalog.=) $1 "
											 "AND ($2 IS NULL OR a.survivor OPERATOR(pg_catalog.<>) $2) "
											 "ORDER BY a.survivor LIMIT 1",
											 cfg->citus_alternate_copy, quote_literal_cstr(cfg->citus_name),
											 quote_literal_cstr(kind),
											 col->kind != ENTRY_EMAIL ? "a.value" :
											 psprintf("%s.%s(a.value)", schema,
													  cfg->email_canonical ? "email_canonical_key" : "email_key")),
									2, argtypes, 0, true);
		old = MemoryContextSwitchTo(cfg->context);
		col->citus_alternate_plan = plan;
		MemoryContextSwitchTo(old);
	}
	args[0] = CStringGetTextDatum(key);
	args[1] = own_key ? CStringGetTextDatum(own_key) : (Datum) 0;
	contacts_switch_to(contacts_extension_owner(), &sw);
	contacts_spi_execute_plan(col->citus_alternate_plan, args, nulls, false, 1, SPI_OK_SELECT);
	contacts_switch_back(&sw);
	if (SPI_processed == 0)
		return NULL;
	if (alternate != NULL)
		*alternate = true;
	return contacts_spi_text(SPI_tuptable, 0, 1);
}

char *
contacts_duplicate_find(EntryConfig *cfg, EntryColumn *col, Relation rel, const char *key,
						const char *own_key, bool lock, bool *alternate)
{
	char	   *found;

	if (lock)
		contacts_duplicate_lock(cfg, RelationGetRelid(rel), col, key);
	found = run_lookup(lookup_plan(cfg, col, rel, false), rel, key, own_key, alternate);
	if (found == NULL && cfg->citus_name != NULL)
		found = citus_alternate_find(cfg, col, key, own_key, alternate);
	return found;
}

char *
contacts_alternate_find(EntryConfig *cfg, EntryColumn *col, Relation rel, const char *key,
						const char *own_key)
{
	SPIPlanPtr	plan = lookup_plan(cfg, col, rel, true);

	return plan ? run_lookup(plan, rel, key, own_key, NULL) : NULL;
}

void
contacts_duplicate_lock_value(EntryConfig *cfg, Oid relid, const char *kind, const char *value)
{
	for (int i = 0; i < cfg->ncolumns; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		const char *k = contacts_alternate_kind(col->kind);
		char	   *key;

		if (!col->duplicate_key || k == NULL || strcmp(k, kind) != 0)
			continue;
		key = contacts_duplicate_key(cfg, col, value);
		if (key != NULL)
			contacts_duplicate_lock(cfg, relid, col, key);
	}
}

/*
 * contacts.duplicate_of(tbl regclass, col name, value text,
 *						 own_key text DEFAULT NULL, lock boolean DEFAULT true)
 *		The key of the row holding value in col (directly or as an
 *		alternate), as the entry trigger would find it; NULL when none, or
 *		when the value is invalid for the column's kind.
 *
 * For roles with any of SELECT, INSERT or UPDATE on tbl: a writer is told
 * as much by the entry trigger.
 */
PG_FUNCTION_INFO_V1(contacts_duplicate_of);
Datum
contacts_duplicate_of(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *colname;
	text	   *value;
	char	   *own_key;
	bool		lock;
	Relation	rel;
	EntryConfig *cfg;
	EntryColumn *col = NULL;
	char	   *key;
	char	   *found;
	MemoryContext cxt = CurrentMemoryContext;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table and column of duplicate_of() must not be null")));
	if (PG_ARGISNULL(2))
		PG_RETURN_NULL();
	relid = PG_GETARG_OID(0);
	colname = NameStr(*PG_GETARG_NAME(1));
	value = PG_GETARG_TEXT_PP(2);
	own_key = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	lock = PG_ARGISNULL(4) ? true : PG_GETARG_BOOL(4);

	if (!contacts_is_table(relid))
		contacts_require_table(relid, ACL_SELECT, "look up duplicates in");
	if (pg_class_aclmask(relid, GetUserId(), ACL_SELECT | ACL_INSERT | ACL_UPDATE, ACLMASK_ANY) == 0)
		contacts_require_table(relid, ACL_SELECT, "look up duplicates in");

	rel = table_open(relid, AccessShareLock);
	cfg = entry_config_get(rel);
	for (int i = 0; i < cfg->ncolumns; i++)
		if (strcmp(cfg->columns[i].name, colname) == 0)
			col = &cfg->columns[i];
	if (col == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" has no kind in contacts.configure()",
						colname, RelationGetRelationName(rel)),
				 errhint("Look up duplicates by a configured column.")));

	/* the value in the normal form the trigger stores, then its key */
	{
		size_t		len;
		const char *s = contacts_text_utf8_view(value, &len);
		Datum		normal;
		const CtReason *reason;

		reason = entry_kind_normalize(col->kind, PointerGetDatum(value), s, len,
									  cfg->default_region, cfg->date_order, &normal);
		if (reason != NULL)
		{
			table_close(rel, AccessShareLock);
			PG_RETURN_NULL();
		}
		key = contacts_duplicate_key(cfg, col, TextDatumGetCString(normal));
	}
	if (key == NULL)
	{
		table_close(rel, AccessShareLock);
		PG_RETURN_NULL();
	}

	contacts_spi_connect();
	found = contacts_duplicate_find(cfg, col, rel, key, own_key, lock, NULL);
	if (found != NULL)
		found = MemoryContextStrdup(cxt, found);
	contacts_spi_finish();
	table_close(rel, AccessShareLock);
	if (found == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(found));
}
