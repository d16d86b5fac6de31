/*
 * entry_config.c
 *		Load and cache the per-table configuration for the entry trigger.
 *
 * A COPY of a million rows fires the trigger a million times, so the
 * configuration (and the plans it implies) is looked up once per backend and
 * kept in CacheMemoryContext.  It is dropped on any relcache
 * invalidation of the table, which both DDL on the table and every change to
 * contacts.table_config / contacts.column_kind (via config_changed()) send.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "utils/array.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "citus.h"
#include "dedupe.h"
#include "entry_config.h"
#include "privileges.h"
#include "spi_util.h"

static HTAB *config_cache = NULL;

/*
 * The entry last returned: a COPY asks for the same table's configuration
 * once per row.  Dynahash entries never move, and an invalidated entry has
 * valid = false, so the pointer is checked, not trusted.
 */
static EntryConfig *last_config = NULL;

void
contacts_config_invalidate(Oid relid)
{
	HASH_SEQ_STATUS status;
	EntryConfig *entry;

	if (config_cache == NULL)
		return;
	hash_seq_init(&status, config_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || entry->relid == relid)
			entry->valid = false;
	}
}

static EntryKind
kind_from_name(const char *kind)
{
	if (strcmp(kind, "email") == 0)
		return ENTRY_EMAIL;
	if (strcmp(kind, "phone") == 0)
		return ENTRY_PHONE;
	if (strcmp(kind, "given_name") == 0 || strcmp(kind, "family_name") == 0 ||
		strcmp(kind, "full_name") == 0)
		return ENTRY_NAME;
	if (strcmp(kind, "company") == 0)
		return ENTRY_COMPANY;
	if (strcmp(kind, "national_id") == 0)
		return ENTRY_NATIONAL_ID;
	if (strcmp(kind, "country") == 0)
		return ENTRY_COUNTRY;
	if (strcmp(kind, "birth_date") == 0)
		return ENTRY_BIRTH_DATE;
	return ENTRY_PLAIN;
}

bool
contacts_catalog_has(const char *table, const char *column)
{
	Oid			relid = get_relname_relid(table, contacts_extension_schema());

	if (!OidIsValid(relid))
		return false;
	return column == NULL || get_attnum(relid, column) != InvalidAttrNumber;
}

static AttrNumber
column_attnum(Relation rel, const char *name, bool missing_ok)
{
	int			i;

	for (i = 0; i < RelationGetDescr(rel)->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	if (!missing_ok)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" configured for table \"%s\" does not exist",
						name, RelationGetRelationName(rel)),
				 errhint("Run contacts.configure() again for this table.")));
	return InvalidAttrNumber;
}

/*
 * The statements the trigger runs per row, prepared once.  They are built
 * to mean the same under any search_path: every operator is qualified by
 * its schema (a role that can create objects on a writer's path must not
 * capture a comparison), every function and type by pg_catalog or the
 * extension's schema.
 */
static void
prepare_plans(EntryConfig *cfg, Relation rel, bool fuzzy)
{
	char	   *relname = contacts_quoted_relation(RelationGetRelid(rel));
	const char *key = quote_identifier(cfg->key_column);
	StringInfoData sql;
	Oid		   *argtypes;
	int			i,
				n = 0;

	/* the duplicate lookups are prepared on first use (duplicates.c) */
	if (cfg->on_duplicate != ON_DUPLICATE_ALLOW && fuzzy)
	{
		/*
		 * Likely duplicates: the dedupe model's best match above the table's
		 * threshold, among the records of its last run (dedupe_match).
		 */
		Oid			match_args[1] = {JSONBOID};
		const char *schema = contacts_extension_schema_quoted();

		initStringInfo(&sql);
		appendStringInfo(&sql,
						 "SELECT m.key::pg_catalog.text, pg_catalog.round(m.probability::pg_catalog.numeric, 3) "
						 "FROM %s.dedupe_match(%u::pg_catalog.oid::pg_catalog.regclass, $1, 2, "
						 "COALESCE((SELECT s.threshold FROM %s.dedupe_settings s "
						 "WHERE s.tbl OPERATOR(pg_catalog.=) %u::pg_catalog.oid::pg_catalog.regclass), 0.9)) m",
						 schema, RelationGetRelid(rel), schema, RelationGetRelid(rel));
		cfg->match_plan = contacts_spi_prepare(sql.data, 1, match_args, 0, true);
	}

	if (cfg->on_duplicate != ON_DUPLICATE_UPDATE)
		return;

	/*
	 * UPDATE t SET c1 = COALESCE(c1, $1), ... WHERE key = $n: the incoming
	 * row fills what the existing record lacks and never overwrites it, so a
	 * sloppier second entry cannot destroy a good first one.
	 */
	argtypes = palloc(sizeof(Oid) * (cfg->ncolumns + 1));
	initStringInfo(&sql);
	appendStringInfo(&sql, "UPDATE %s SET ", relname);
	for (i = 0; i < cfg->ncolumns; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		const char *qc = quote_identifier(col->name);

		if (col->attnum == cfg->key_attnum)
			continue;
		argtypes[n++] = col->atttypid;
		appendStringInfo(&sql, "%s%s = COALESCE(%s, $%d)", n > 1 ? ", " : "", qc, qc, n);
	}
	argtypes[n++] = cfg->key_typid;
	appendStringInfoString(&sql, " WHERE ");
	contacts_append_equality(&sql, key, cfg->key_typid, psprintf("$%d", n));
	if (n == 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("on_duplicate = 'update' needs configured columns other than the key")));
	cfg->update_plan = contacts_spi_prepare(sql.data, n, argtypes, 0, true);
}

static void
refuse_shard_feature(const EntryConfig *cfg, const char *what, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("contacts.enforce() cannot %s on the Citus table \"%s\"", what, cfg->table_name),
			 errdetail("The trigger runs in each shard, on its worker, where it sees that shard's rows and "
					   "the copies of the configuration, suppression list and alternates that every node holds."),
			 errhint("%s; see docs/citus.md.", hint)));
}

/*
 * On a shard, what the trigger cannot do there is refused before any row
 * is written: the workers hold no dedupe model, change feed or bounces, and
 * a duplicate key is found in this shard only when rows of one key share
 * a shard, that is when it is the distribution column.
 */
static void
refuse_on_shard(const EntryConfig *cfg, const char *distribution, bool fuzzy, bool feed)
{
	int			i;

	if (feed)
		refuse_shard_feature(cfg, "publish a change feed",
							 "Remove the table's change feed (its row in contacts.feed_config): "
							 "events written on a worker would never reach the coordinator");
	if (cfg->on_undeliverable != ON_UNDELIVERABLE_ALLOW)
		refuse_shard_feature(cfg, "check bounces",
							 "Configure on_undeliverable => 'allow' (bounces are recorded on the coordinator)");
	if (cfg->on_duplicate == ON_DUPLICATE_ALLOW)
		return;
	if (fuzzy)
		refuse_shard_feature(cfg, "look for likely duplicates",
							 "Configure fuzzy_duplicates => false, and find likely duplicates with contacts.dedupe_run()");
	for (i = 0; i < cfg->ncolumns; i++)
	{
		const EntryColumn *col = &cfg->columns[i];

		if (!col->duplicate_key)
			continue;
		if (col->attnum != cfg->distribution_attnum)
			refuse_shard_feature(cfg, psprintf("check duplicates of column \"%s\" (the table is distributed by \"%s\")",
											   col->name, distribution),
								 "Distribute the table by that column, or leave it out of duplicate_keys and check it "
								 "on the coordinator, as contacts.import() does");
		if ((col->kind == ENTRY_EMAIL && cfg->alternate_column[0] != NULL) ||
			(col->kind == ENTRY_PHONE && cfg->alternate_column[1] != NULL) ||
			(col->kind == ENTRY_NATIONAL_ID && cfg->alternate_column[2] != NULL))
			refuse_shard_feature(cfg, psprintf("find the alternates of column \"%s\" in an array column", col->name),
								 "Keep the table's alternates in contacts.alternate "
								 "(contacts.merge_configure(..., alternate_columns => '{}'))");
	}
}

/*
 * Read the table's configuration rows.  Any role that may write the table
 * needs them, whatever its rights on the extension's tables, so they are
 * read as the extension's owner (a security-restricted operation that runs
 * nothing of the table's).  Returns fuzzy_duplicates.
 */
static bool
load_config(EntryConfig *cfg, Relation rel)
{
	Oid			argtypes[2] = {OIDOID};
	Datum		args[2] = {ObjectIdGetDatum(RelationGetRelid(rel))};
	const char *schema = contacts_extension_schema_quoted();
	ContactsRoleSwitch sw;
	MemoryContext old;
	char	   *s;
	bool		fuzzy;
	uint64		i;
	/* (a catalog older than alternates and email_duplicate_key has neither) */
	bool		alternates = contacts_catalog_has("alternate", NULL);

	Oid			citus = contacts_citus_table_of(RelationGetRelid(rel));
	char	   *distribution = NULL;
	bool		feed = false;

	/*
	 * On a shard of a distributed table, its table's configuration, by name;
	 * on the coordinator (merges, cleaning), the table's own.
	 */
	if (OidIsValid(citus) && citus != RelationGetRelid(rel))
		distribution = contacts_citus_distribution_column(citus);
	if (OidIsValid(citus) && citus != RelationGetRelid(rel) && distribution == NULL)
		contacts_citus_refuse(RelationGetRelid(rel), "contacts.enforce()",
							  "The trigger runs on the shards of hash-distributed tables only.",
							  "Drop the trigger, or distribute the table with create_distributed_table()");
	old = MemoryContextSwitchTo(cfg->context);
	cfg->table_name = pstrdup(get_rel_name(OidIsValid(citus) ? citus : RelationGetRelid(rel)));
	cfg->citus_name = distribution ? contacts_citus_name(citus) : NULL;
	if (distribution != NULL)
	{
		cfg->citus_config_copy = contacts_citus_copy("citus_entry_config");
		cfg->citus_suppression_copy = contacts_citus_copy("citus_suppression");
		cfg->citus_key_copy = contacts_citus_copy("citus_suppression_key");
		cfg->citus_alternate_copy = contacts_citus_copy("citus_alternate");
	}
	MemoryContextSwitchTo(old);
	argtypes[1] = TEXTOID;
	args[1] = CStringGetTextDatum(cfg->citus_name ? cfg->citus_name : "");
	contacts_switch_to(contacts_extension_owner(), &sw);

	if (contacts_spi_execute_args(psprintf("SELECT c.key_column, c.default_region, c.on_invalid, c.on_duplicate, "
										   "c.flag_column, c.fuzzy_duplicates, %s, %s, m.soft_delete_column, %s, %s, %s, %s "
										   "%s",
										   alternates ? "c.email_duplicate_key OPERATOR(pg_catalog.=) 'email_canonical'" : "false",
										   alternates ? "m.alternate_columns ->> 'email', m.alternate_columns ->> 'phone', "
										   "m.alternate_columns ->> 'national_id'" : "NULL::text, NULL::text, NULL::text",
										   /* (and one older than issue 22 no date_order) */
										   contacts_catalog_has("table_config", "date_order") ?
										   "c.date_order" : "NULL::text",
										   /* (and one older than issue 23 no on_undeliverable) */
										   contacts_catalog_has("table_config", "on_undeliverable") ?
										   "c.on_undeliverable" : "'allow'::text",
										   cfg->citus_name ? "(r.config ->> 'feed')::pg_catalog.bool" : "false",
										   cfg->citus_name ? "r.xmin::pg_catalog.text" : "NULL::pg_catalog.text",
										   cfg->citus_name ?
										   psprintf("FROM %2$s r "
													"CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(NULL::%1$s.table_config, r.config -> 'table') c "
													"CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(NULL::%1$s.merge_config, r.config -> 'merge') m "
													"WHERE r.tbl_name OPERATOR(pg_catalog.=) $2", schema, cfg->citus_config_copy) :
										   psprintf("FROM %1$s.table_config c "
													"LEFT JOIN %1$s.merge_config m ON m.tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
													"WHERE c.tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1", schema)),
								  2, argtypes, args, NULL, true, 1, SPI_OK_SELECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not configured for contacts", cfg->table_name),
				 cfg->citus_name ?
				 errhint("Call contacts.configure('%s', ...) on the Citus coordinator; if the table was renamed since, "
						 "call contacts.citus_share() there.", cfg->citus_name) :
				 errhint("Call contacts.configure('%s', key_column => ..., kinds => '{...}') first.",
						 cfg->table_name)));

	old = MemoryContextSwitchTo(cfg->context);
	cfg->key_column = pstrdup(contacts_spi_text(SPI_tuptable, 0, 1));
	cfg->key_attnum = column_attnum(rel, cfg->key_column, false);
	cfg->key_typid = TupleDescAttr(RelationGetDescr(rel), cfg->key_attnum - 1)->atttypid;
	s = contacts_spi_text(SPI_tuptable, 0, 2);
	cfg->default_region = s ? pstrdup(s) : NULL;
	s = contacts_spi_text(SPI_tuptable, 0, 3);
	cfg->on_invalid = strcmp(s, "set_null") == 0 ? ON_INVALID_SET_NULL :
		strcmp(s, "flag") == 0 ? ON_INVALID_FLAG : ON_INVALID_REJECT;
	s = contacts_spi_text(SPI_tuptable, 0, 4);
	cfg->on_duplicate = strcmp(s, "reject") == 0 ? ON_DUPLICATE_REJECT :
		strcmp(s, "update") == 0 ? ON_DUPLICATE_UPDATE :
		strcmp(s, "flag") == 0 ? ON_DUPLICATE_FLAG : ON_DUPLICATE_ALLOW;
	s = contacts_spi_text(SPI_tuptable, 0, 5);
	cfg->flag_attnum = s ? column_attnum(rel, s, false) : InvalidAttrNumber;
	fuzzy = contacts_spi_bool(SPI_tuptable, 0, 6);
	cfg->email_canonical = contacts_spi_bool(SPI_tuptable, 0, 7);
	cfg->has_alternates = alternates;
	for (i = 0; i < 3; i++)
	{
		s = contacts_spi_text(SPI_tuptable, 0, 8 + (int) i);
		if (s != NULL)
			(void) column_attnum(rel, s, false);
		cfg->alternate_column[i] = s ? pstrdup(s) : NULL;
	}
	s = contacts_spi_text(SPI_tuptable, 0, 11);
	cfg->soft_delete_column = NULL;
	if (s != NULL)
	{
		AttrNumber	att = column_attnum(rel, s, false);

		cfg->soft_delete_column = pstrdup(s);
		cfg->soft_delete_bool = getBaseType(TupleDescAttr(RelationGetDescr(rel), att - 1)->atttypid) == BOOLOID;
	}
	s = contacts_spi_text(SPI_tuptable, 0, 12);
	cfg->date_order = s ? pstrdup(s) : NULL;
	s = contacts_spi_text(SPI_tuptable, 0, 13);
	cfg->on_undeliverable = strcmp(s, "reject") == 0 ? ON_UNDELIVERABLE_REJECT :
		strcmp(s, "flag") == 0 ? ON_UNDELIVERABLE_FLAG : ON_UNDELIVERABLE_ALLOW;
	feed = contacts_spi_bool(SPI_tuptable, 0, 14);
	s = contacts_spi_text(SPI_tuptable, 0, 15);
	cfg->citus_version = s ? pstrdup(s) : NULL;
	MemoryContextSwitchTo(old);

	contacts_spi_execute_args(psprintf("SELECT k.col, k.kind, k.duplicate_key, k.required %s ORDER BY k.col COLLATE \"C\"",
									   cfg->citus_name ?
									   psprintf("FROM %2$s r CROSS JOIN LATERAL "
												"pg_catalog.jsonb_populate_recordset(NULL::%1$s.column_kind, r.config -> 'columns') k "
												"WHERE r.tbl_name OPERATOR(pg_catalog.=) $2", schema, cfg->citus_config_copy) :
									   psprintf("FROM %s.column_kind k WHERE k.tbl::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
												schema)),
							  2, argtypes, args, NULL, true, 0, SPI_OK_SELECT);
	contacts_switch_back(&sw);

	old = MemoryContextSwitchTo(cfg->context);
	cfg->ncolumns = (int) SPI_processed;
	cfg->columns = palloc0(sizeof(EntryColumn) * Max(cfg->ncolumns, 1));
	cfg->country_attnum = InvalidAttrNumber;
	for (i = 0; i < SPI_processed; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		bool		typisvarlena;

		col->name = pstrdup(contacts_spi_text(SPI_tuptable, i, 1));
		col->kind_name = pstrdup(contacts_spi_text(SPI_tuptable, i, 2));
		col->kind = kind_from_name(col->kind_name);
		col->duplicate_key = contacts_spi_bool(SPI_tuptable, i, 3);
		col->required = contacts_spi_bool(SPI_tuptable, i, 4);
		col->attnum = column_attnum(rel, col->name, false);
		col->atttypid = TupleDescAttr(RelationGetDescr(rel), col->attnum - 1)->atttypid;
		getTypeOutputInfo(col->atttypid, &col->typoutput, &typisvarlena);
		if (col->kind == ENTRY_COUNTRY)
			cfg->country_attnum = col->attnum;
	}
	MemoryContextSwitchTo(old);
	if (distribution != NULL)
	{
		cfg->distribution_attnum = column_attnum(rel, distribution, false);
		refuse_on_shard(cfg, distribution, fuzzy, feed);
	}
	return fuzzy;
}

/*
 * Transactions are counted by a callback, registered with the first
 * configuration loaded (any event: a spurious count costs one more check).
 */
static uint64 transactions_seen = 0;

static void
count_transaction(XactEvent event, void *arg)
{
	transactions_seen++;
}

uint64
entry_transaction_count(void)
{
	return transactions_seen;
}

/*
 * On a Citus worker no invalidation tells a shard's cached configuration
 * that the coordinator changed its copy, so once per transaction the copy's
 * xmin is compared with the one loaded.
 */

static bool
citus_copy_unchanged(EntryConfig *cfg)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	ContactsRoleSwitch sw;
	char	   *version = NULL;

	char	   *copy;

	if (cfg->citus_name == NULL || cfg->citus_checked == transactions_seen)
		return true;
	args[0] = CStringGetTextDatum(cfg->citus_name);
	/* (the copies themselves are made anew with the extension) */
	copy = contacts_citus_copy("citus_entry_config");
	if (strcmp(copy, cfg->citus_config_copy) != 0)
		return false;
	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	if (contacts_spi_execute_args(psprintf("SELECT r.xmin::pg_catalog.text FROM %s r "
										   "WHERE r.tbl_name OPERATOR(pg_catalog.=) $1", copy),
								  1, argtypes, args, NULL, true, 1, SPI_OK_SELECT) > 0)
		version = contacts_spi_text(SPI_tuptable, 0, 1);
	contacts_switch_back(&sw);
	if (version == NULL || strcmp(version, cfg->citus_version) != 0)
	{
		contacts_spi_finish();
		return false;
	}
	contacts_spi_finish();
	cfg->citus_checked = transactions_seen;
	return true;
}

EntryConfig *
entry_config_get(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	EntryConfig *cfg;
	bool		found;

	if (last_config != NULL && last_config->relid == relid && last_config->valid &&
		citus_copy_unchanged(last_config))
		return last_config;
	if (config_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(EntryConfig);
		ctl.hcxt = CacheMemoryContext;
		config_cache = hash_create("contacts entry config", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}

	cfg = hash_search(config_cache, &relid, HASH_ENTER, &found);
	if (found && cfg->valid && citus_copy_unchanged(cfg))
		return last_config = cfg;

	if (found)
	{
		int			i;

		for (i = 0; i < cfg->ncolumns; i++)
		{
			if (cfg->columns[i].lookup_plan)
				SPI_freeplan(cfg->columns[i].lookup_plan);
			if (cfg->columns[i].alternate_plan)
				SPI_freeplan(cfg->columns[i].alternate_plan);
			if (cfg->columns[i].citus_alternate_plan)
				SPI_freeplan(cfg->columns[i].citus_alternate_plan);
		}
		if (cfg->update_plan)
			SPI_freeplan(cfg->update_plan);
		if (cfg->match_plan)
			SPI_freeplan(cfg->match_plan);
		MemoryContextDelete(cfg->context);
	}
	memset(((char *) cfg) + sizeof(Oid), 0, sizeof(EntryConfig) - sizeof(Oid));
	cfg->context = AllocSetContextCreate(CacheMemoryContext, "contacts entry config",
										 ALLOCSET_SMALL_SIZES);
	PG_TRY();
	{
		contacts_spi_connect();
		/* plans are prepared as the writer, who runs them */
		prepare_plans(cfg, rel, load_config(cfg, rel));
		contacts_spi_finish();
	}
	PG_CATCH();
	{
		MemoryContextDelete(cfg->context);
		hash_search(config_cache, &relid, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	{
		static bool counting = false;

		if (!counting)
			RegisterXactCallback(count_transaction, NULL);
		counting = true;
	}
	cfg->citus_checked = transactions_seen;
	/* (a transaction of its own for the key locks, whatever came before) */
	cfg->key_locks_transaction = transactions_seen - 1;
	cfg->valid = true;
	return last_config = cfg;
}

/* A configuration row may outlive its table (regclass is not a foreign key). */
static void
invalidate_table(Oid relid)
{
	if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
		CacheInvalidateRelcacheByRelid(relid);
}

/*
 * config_changed(): AFTER ROW trigger on the configuration tables.  Sends a
 * relcache invalidation for the configured table, so that every backend
 * reloads its cached configuration after this transaction commits.
 */
PG_FUNCTION_INFO_V1(contacts_config_changed);
Datum
contacts_config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	bool		isnull;
	Datum		tbl;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("config_changed() must be called as a trigger")));
	desc = RelationGetDescr(trigdata->tg_relation);
	/* Both configuration tables start with tbl regclass. */
	tbl = heap_getattr(trigdata->tg_trigtuple, 1, desc, &isnull);
	if (!isnull)
		invalidate_table(DatumGetObjectId(tbl));
	if (trigdata->tg_newtuple)
	{
		tbl = heap_getattr(trigdata->tg_newtuple, 1, desc, &isnull);
		if (!isnull)
			invalidate_table(DatumGetObjectId(tbl));
	}
	return PointerGetDatum(NULL);
}

/*
 * forget_dropped_tables(): sql_drop event trigger removing the configuration
 * of dropped tables (regclass is no foreign key).  It fires for every DROP
 * by any role, most of whom have no rights on the extension's tables: the
 * dropped OIDs are read as the dropping role, the deletes run as the
 * extension's owner, in a security-restricted operation with every name
 * qualified.
 */
PG_FUNCTION_INFO_V1(contacts_forget_dropped_tables);
Datum
contacts_forget_dropped_tables(PG_FUNCTION_ARGS)
{
	static const char *const config_tables[] = {"table_config", "merge_config", "alternate",
		"feed_config", "external_id", "retention", "archive", "clean_run"};
	ContactsRoleSwitch sw;
	Oid			argtypes[1] = {OIDARRAYOID};
	Datum		args[1];
	bool		isnull;
	const char *schema;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("forget_dropped_tables() must be called as an event trigger")));
	contacts_spi_connect();
	contacts_spi_execute("SELECT pg_catalog.array_agg(d.objid) FROM pg_catalog.pg_event_trigger_dropped_objects() d "
						 "WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass "
						 "AND d.objsubid OPERATOR(pg_catalog.=) 0", true, 1, SPI_OK_SELECT);
	args[0] = contacts_spi_datum(SPI_tuptable, 0, 1, &isnull);
	if (isnull)
	{
		contacts_spi_finish();
		PG_RETURN_VOID();
	}
	schema = contacts_extension_schema_quoted();
	contacts_switch_to(contacts_extension_owner(), &sw);
	for (int i = 0; i < (int) lengthof(config_tables); i++)
	{
		/* (a catalog not yet updated lacks the newer tables) */
		if (!contacts_catalog_has(config_tables[i], NULL))
			continue;
		contacts_spi_execute_args(psprintf("DELETE FROM %s.%s WHERE tbl::pg_catalog.oid "
										   "OPERATOR(pg_catalog.=) ANY ($1)", schema, config_tables[i]),
								  1, argtypes, args, NULL, false, 0, SPI_OK_DELETE);
	}
	contacts_switch_back(&sw);
	/* and the features dedupe_run derived from their rows */
	{
		Datum	   *oids;
		int			n;

		deconstruct_array(DatumGetArrayTypeP(args[0]), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
						  &oids, NULL, &n);
		for (int i = 0; i < n; i++)
			dedupe_drop_feature_tables(DatumGetObjectId(oids[i]));
	}
	contacts_spi_finish();
	PG_RETURN_VOID();
}
