/*
 * citus.c
 *		What the extension knows of Citus, read at run time from the
 *		database: contacts never links to Citus or needs it to build.
 *
 * Citus keeps its metadata in pg_catalog.pg_dist_partition (a row per Citus
 * table) and pg_catalog.pg_dist_shard (a row per shard, whose table is
 * named for its Citus table and the shard's id, as crm_102008, in the same
 * schema); both exist only where the citus extension is installed, and
 * every node of a cluster has them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "citus.h"
#include "privileges.h"
#include "spi_util.h"

/* the OID in the first row sql returns for its arguments, or InvalidOid */
static Oid
metadata_oid(const char *sql, int nargs, Oid *types, Datum *values)
{
	Oid			result = InvalidOid;

	contacts_spi_connect();
	if (contacts_spi_execute_args(sql, nargs, types, values, NULL, true, 1, SPI_OK_SELECT) > 0)
		result = contacts_spi_oid(SPI_tuptable, 0, 1);
	contacts_spi_finish();
	return result;
}

Oid
contacts_citus_table_of(Oid relid)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), (Datum) 0};
	char	   *name;
	const char *id;

	if (!OidIsValid(get_extension_oid("citus", true)))
		return InvalidOid;
	if (OidIsValid(metadata_oid("SELECT p.logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_partition p "
								"WHERE p.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
								1, types, values)))
		return relid;
	/* a shard: <table>_<shard id>, beside its table */
	name = get_rel_name(relid);
	id = name ? strrchr(name, '_') : NULL;
	if (id == NULL || id[1] == '\0' || strlen(id + 1) > 18 ||
		strspn(id + 1, "0123456789") != strlen(id + 1))
		return InvalidOid;
	values[1] = CStringGetTextDatum(id + 1);
	return metadata_oid("SELECT s.logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_shard s "
						"JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.logicalrelid "
						"WHERE s.shardid OPERATOR(pg_catalog.=) $2::pg_catalog.int8 "
						"AND c.relnamespace OPERATOR(pg_catalog.=) "
						"(SELECT r.relnamespace FROM pg_catalog.pg_class r WHERE r.oid OPERATOR(pg_catalog.=) $1)",
						2, types, values);
}

bool
contacts_citus_coordinator(void)
{
	Oid			none[1] = {InvalidOid};

	if (!OidIsValid(get_extension_oid("citus", true)))
		return false;
	/* (the group of the coordinator is 0; its node must be known for reference tables) */
	return OidIsValid(metadata_oid("SELECT 1::pg_catalog.oid FROM pg_catalog.pg_dist_local_group g "
								   "WHERE g.groupid OPERATOR(pg_catalog.=) 0 AND EXISTS (SELECT FROM pg_catalog.pg_dist_node n "
								   "WHERE n.isactive AND n.noderole OPERATOR(pg_catalog.=) 'primary')",
								   0, none, NULL));
}

char *
contacts_citus_distribution_column(Oid table)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(table)};
	MemoryContext caller = CurrentMemoryContext;
	char	   *result = NULL;

	contacts_spi_connect();
	if (contacts_spi_execute_args("SELECT pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) "
								  "FROM pg_catalog.pg_dist_partition p "
								  "WHERE p.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1 "
								  "AND p.partmethod OPERATOR(pg_catalog.=) 'h'",
								  1, types, values, NULL, true, 1, SPI_OK_SELECT) > 0)
	{
		char	   *name = contacts_spi_text(SPI_tuptable, 0, 1);

		if (name != NULL)
			result = MemoryContextStrdup(caller, name);
	}
	contacts_spi_finish();
	return result;
}

char *
contacts_citus_copy(const char *table)
{
	Oid			nsp = contacts_extension_schema();
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(get_relname_relid(table, nsp))};
	const char *name = table;

	contacts_spi_connect();
	if (contacts_spi_execute_args("SELECT s.shardid FROM pg_catalog.pg_dist_shard s "
								  "WHERE s.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
								  1, types, values, NULL, true, 1, SPI_OK_SELECT) > 0)
	{
		char	   *shard = psprintf("%s_" INT64_FORMAT, table, contacts_spi_int8(SPI_tuptable, 0, 1));

		if (OidIsValid(get_relname_relid(shard, nsp)))
			name = shard;
	}
	contacts_spi_finish();
	return psprintf("%s.%s", contacts_extension_schema_quoted(), quote_identifier(name));
}

char *
contacts_citus_name(Oid relid)
{
	char	   *name = get_rel_name(relid);

	if (name == NULL)
		return NULL;
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), name);
}

/* contacts.citus_table(tbl regclass) -> regclass: the Citus table tbl is or is a shard of */
PG_FUNCTION_INFO_V1(contacts_citus_table);
Datum
contacts_citus_table(PG_FUNCTION_ARGS)
{
	Oid			table = contacts_citus_table_of(PG_GETARG_OID(0));

	if (!OidIsValid(table))
		PG_RETURN_NULL();
	PG_RETURN_OID(table);
}

void
contacts_citus_refuse(Oid relid, const char *function, const char *detail, const char *hint)
{
	Oid			table = contacts_citus_table_of(relid);

	if (!OidIsValid(table))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 table == relid ?
			 errmsg("%s does not support the Citus table \"%s\"", function, get_rel_name(table)) :
			 errmsg("%s does not support the Citus table \"%s\" (here its shard \"%s\")",
					function, get_rel_name(table), get_rel_name(relid)),
			 errdetail("%s", detail),
			 errhint("%s; see docs/citus.md.", hint)));
}
