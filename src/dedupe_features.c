/*
 * dedupe_features.c
 *		The feature tables of a configured table: created as the extension's
 *		owner, filled as the table's owner, indexed and dropped.
 *
 * A run keeps, per table, an unlogged features table (a row per record: the
 * normalized key of every compared column and the blocking keys) and its
 * counts table (how many records share each value and blocking key), in the
 * extension's schema, for dedupe_match() to read after the run.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "dedupe.h"
#include "privileges.h"
#include "spi_util.h"

char *
dedupe_features_name(Oid relid)
{
	return psprintf("dedupe_features_%u", relid);
}

Oid
dedupe_table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * Remove every grant on a table but its owner's: a feature table holds
 * personal data, and default privileges of the extension's owner in its
 * schema (ALTER DEFAULT PRIVILEGES) must not open it to anyone.
 */
static void
revoke_grants(const char *qualified, Oid relid)
{
	StringInfoData sql;
	SPITupleTable *grantees;
	uint64		n;

	/*
	 * aclexplode() rather than the ACL array read in C: its layout changed
	 * in PostgreSQL 16, and its macros trip -Wsign-compare.
	 */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c, "
					 "pg_catalog.aclexplode(c.relacl) a WHERE c.oid = %u AND a.grantee <> c.relowner",
					 relid);
	n = contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	grantees = SPI_tuptable;
	resetStringInfo(&sql);
	appendStringInfo(&sql, "REVOKE ALL ON TABLE %s FROM PUBLIC", qualified);
	for (uint64 i = 0; i < n; i++)
	{
		Oid			grantee = contacts_spi_oid(grantees, i, 1);

		if (OidIsValid(grantee))
			appendStringInfo(&sql, ", %s", quote_identifier(GetUserNameFromId(grantee, false)));
	}
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
}

/*
 * Drop the feature tables of the table relid, if it has any; as the
 * extension's owner, who alone may let go of the extension's members.  Also
 * called when the table itself is dropped (forget_dropped_tables()).  SPI
 * must be connected.
 */
void
dedupe_drop_feature_tables(Oid relid)
{
	Oid			nsp = contacts_extension_schema();
	Oid			extension = get_extension_oid("contacts", false);
	char	   *features = dedupe_features_name(relid);
	const char *tables[2] = {features, psprintf("%s_counts", features)};
	ContactsRoleSwitch sw;

	contacts_switch_to(contacts_extension_owner(), &sw);
	for (int i = 0; i < 2; i++)
	{
		Oid			old = get_relname_relid(tables[i], nsp);

		if (!OidIsValid(old))
			continue;
		/* a member of the extension can only be dropped once it is let go */
		deleteDependencyRecordsForSpecific(RelationRelationId, old, DEPENDENCY_EXTENSION,
										   ExtensionRelationId, extension);
		CommandCounterIncrement();
		contacts_spi_execute(psprintf("DROP TABLE %s.%s", contacts_extension_schema_quoted(),
									  quote_identifier(tables[i])), false, 0, SPI_OK_UTILITY);
	}
	contacts_switch_back(&sw);
}

/*
 * Create the empty features and counts tables of a run, replacing the last
 * run's.  They hold personal data derived from the table's rows, and must
 * neither need CREATE on the extension's schema (which ordinary roles do not
 * have) nor outlive the extension.  So, as the extension's owner in a
 * security-restricted operation, this drops the old tables and creates the
 * new ones from an explicit column list (nothing of the table's is parsed
 * or evaluated with the owner's rights), makes them members of the
 * extension (DROP EXTENSION drops them), revokes every grant, and hands
 * them to the owner of the table: only the table's owner can read them, and
 * dedupe_match reads them as that owner after checking its caller's SELECT
 * on the table.
 */
static void
create_feature_tables(DedupeConfig *cfg, Oid relid, Oid owner)
{
	Oid			nsp = contacts_extension_schema();
	ObjectAddress extension;
	const char *tables[2] = {cfg->features_table, psprintf("%s_counts", cfg->features_table)};
	ContactsRoleSwitch sw;
	StringInfoData sql;

	dedupe_drop_feature_tables(relid);
	ObjectAddressSet(extension, ExtensionRelationId, get_extension_oid("contacts", false));
	initStringInfo(&sql);
	contacts_switch_to(contacts_extension_owner(), &sw);

	/* unlogged: derived data, rebuilt by the next run after a crash */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "CREATE UNLOGGED TABLE %s.%s (key bigint, region text",
					 cfg->schema, quote_identifier(tables[0]));
	for (int f = 0; f < cfg->nfields; f++)
		appendStringInfo(&sql, ", v%d text, k%d text", f + 1, f + 1);
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			appendStringInfo(&sql, ", %s text", cfg->rules[r].column);
	appendStringInfoChar(&sql, ')');
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "CREATE UNLOGGED TABLE %s.%s (field integer, k text, n bigint)",
					 cfg->schema, quote_identifier(tables[1]));
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);

	for (int i = 0; i < 2; i++)
	{
		ObjectAddress table;
		char	   *qualified = psprintf("%s.%s", cfg->schema, quote_identifier(tables[i]));

		ObjectAddressSet(table, RelationRelationId, get_relname_relid(tables[i], nsp));
		recordDependencyOn(&table, &extension, DEPENDENCY_EXTENSION);
		revoke_grants(qualified, table.objectId);
		resetStringInfo(&sql);
		appendStringInfo(&sql, "ALTER TABLE %s OWNER TO %s", qualified,
						 quote_identifier(GetUserNameFromId(owner, false)));
		contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	}
	contacts_switch_back(&sw);
}

/*
 * Index a feature table on columns, only its rows matching predicate where
 * one is given.  CREATE INDEX needs CREATE on the
 * extension's schema, which only the extension's owner has: it runs as that
 * owner, which is safe as the indexed columns are text (or integer) with
 * their built-in operator classes, so the build evaluates nothing of the
 * table's owner.  The index belongs to the feature table's owner.
 */
void
dedupe_index_feature_table(const DedupeConfig *cfg, const char *table, const char *columns, bool unique,
						   const char *predicate)
{
	ContactsRoleSwitch sw;
	char	   *sql = psprintf("CREATE %sINDEX ON %s.%s (%s)%s%s", unique ? "UNIQUE " : "", cfg->schema,
							   quote_identifier(table), columns, predicate ? " WHERE " : "",
							   predicate ? predicate : "");

	contacts_switch_to(contacts_extension_owner(), &sw);
	contacts_spi_execute(sql, false, 0, SPI_OK_UTILITY);
	contacts_switch_back(&sw);
}

/*
 * Insert the rows of a SELECT into a feature table this run created: as
 * CREATE TABLE AS does, so that the SELECT may run in parallel workers
 * (INSERT ... SELECT may not), the keys of a million rows computed on every
 * core.
 */
static uint64
fill_table(const char *select, Oid relid)
{
	SPIPlanPtr	plan = contacts_spi_prepare(select, 0, NULL, CURSOR_OPT_PARALLEL_OK, false);
	uint64		rows = contacts_spi_execute_into_table(plan, relid);

	SPI_freeplan(plan);
	CHECK_FOR_INTERRUPTS();
	return rows;
}

/*
 * Append to sql a branch counting the records sharing each value of expr
 * (as field), where two or more do.
 */
static void
count_keys(StringInfo sql, const char *schema, const char *features, int field, const char *expr)
{
	appendStringInfo(sql, "%sSELECT %d, %s, count(*) FROM %s.%s f WHERE %s IS NOT NULL "
					 "GROUP BY 2 HAVING count(*) > 1", sql->len > 0 ? " UNION ALL " : "",
					 field, expr, schema, features, expr);
}

/*
 * Fill the features table and its counts table: how many records share
 * each value of every term-frequency column (field = column position) and
 * each key of every chosen blocking rule (field = 100 + rule), values held
 * by a single record left out.  The features hold the keys of the rules
 * the plan chose (dedupe_plan_table), only.  Field 0 counts all records;
 * field -1 holds the largest key (NULL for no records).
 *
 * This reads the table's rows, evaluating its types' output functions and
 * whatever else its owner put there: it runs as the table's owner in a
 * security-restricted operation, as ANALYZE and REINDEX do, so a
 * superuser running it does not run that code with superuser rights.  The
 * caller owns the table (or is a superuser): nothing it may do is lost.
 */
int64
dedupe_build_features(DedupeConfig *cfg, const char *schema)
{
	StringInfoData sql;
	int64		rows;
	Oid			owner = dedupe_table_owner(cfg->relid);
	ContactsRoleSwitch sw;
	char	   *counts_name = psprintf("%s_counts", cfg->features_table);
	const char *ft = quote_identifier(cfg->features_table);
	const char *counts = quote_identifier(counts_name);
	Oid			counts_relid;

	create_feature_tables(cfg, cfg->relid, owner);
	counts_relid = get_relname_relid(counts_name, contacts_extension_schema());
	contacts_switch_to(owner, &sw);
	initStringInfo(&sql);
	dedupe_feature_select(cfg, contacts_quoted_relation(cfg->relid), NULL, false, &sql);
	rows = fill_table(sql.data, get_relname_relid(cfg->features_table, contacts_extension_schema()));

	/* field -1: the largest key, past which dedupe_match finds rows added since */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s.%s SELECT -1, '', max(key) FROM %s.%s", schema, counts, schema, ft);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_INSERT);

	/* field 0: all records */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s.%s VALUES (0, '', " INT64_FORMAT ")", schema, counts, rows);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_INSERT);

	/*
	 * A grouped scan per counted column, all in one statement: a parallel
	 * plan runs its branches at once, each in one process (Parallel
	 * Append).  One hashed GROUP BY over all of them (grouping sets) would
	 * keep every column in each set's entries and spill at 1M rows.
	 */
	resetStringInfo(&sql);
	for (int f = 0; f < cfg->nfields; f++)
		if (ct_field_kind_tf(cfg->model.field[f].kind))
			count_keys(&sql, schema, ft, f + 1, dedupe_tf_key(cfg, f, "f"));
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			count_keys(&sql, schema, ft, 100 + r, psprintf("f.%s", cfg->rules[r].column));
	if (sql.len > 0)
		fill_table(sql.data, counts_relid);
	contacts_switch_back(&sw);
	dedupe_index_feature_table(cfg, counts_name, "field, k", true, NULL);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "ANALYZE %s.%s", schema, counts);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "ANALYZE %s.%s", schema, ft);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	return rows;
}
