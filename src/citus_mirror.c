/*
 * citus_mirror.c
 *		Copies, on every Citus node, of what the entry trigger reads.
 *
 * On a Citus cluster the entry trigger runs in the shards, on the workers,
 * and may read there only what that node holds: a trigger on a shard runs
 * no distributed query.  The configuration, the suppression list and its
 * key, and the alternates live on the coordinator, keyed by OIDs that mean
 * nothing on a worker.  The coordinator therefore keeps copies of them
 * keyed by table name (contacts.citus_entry_config, citus_suppression,
 * citus_suppression_key, citus_alternate) in Citus reference tables, of
 * which every node holds a copy.  The first change on a coordinator makes
 * them reference tables and fills them (citus_share()); citus_mirror(), a
 * trigger on the originals, then copies each change as it is made, in the
 * same transaction.  Everything runs as the extension's owner, who owns the
 * copies; nobody else may read them.  DROP EXTENSION drops them; their
 * shards are dropped first (citus_drop_copies()), since Citus leaves the
 * shards of a table dropped with its extension on every node.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "nodes/parsenodes.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "citus.h"
#include "privileges.h"
#include "spi_util.h"

static const char *const copy_tables[] = {"citus_entry_config", "citus_suppression",
	"citus_suppression_key", "citus_alternate"};

/*
 * The configuration snapshot of one table ($1), or of every configured
 * table ($1 NULL): its table_config, column_kind rows and merge_config
 * without their tbl, and whether it has a change feed.
 */
#define SNAPSHOT_SQL \
	"INSERT INTO %1$s.citus_entry_config (tbl_name, coordinator_oid, config) " \
	"SELECT pg_catalog.format('%%I.%%I', n.nspname, r.relname), r.oid, pg_catalog.jsonb_build_object(" \
	"'table', pg_catalog.to_jsonb(c) OPERATOR(pg_catalog.-) 'tbl'::pg_catalog.text, " \
	"'columns', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(k) OPERATOR(pg_catalog.-) 'tbl'::pg_catalog.text) " \
	"FROM %1$s.column_kind k WHERE k.tbl OPERATOR(pg_catalog.=) c.tbl), '[]'::pg_catalog.jsonb), " \
	"'merge', COALESCE((SELECT pg_catalog.to_jsonb(m) OPERATOR(pg_catalog.-) 'tbl'::pg_catalog.text " \
	"FROM %1$s.merge_config m WHERE m.tbl OPERATOR(pg_catalog.=) c.tbl), '{}'::pg_catalog.jsonb), " \
	"'feed', EXISTS (SELECT FROM %1$s.feed_config f WHERE f.tbl OPERATOR(pg_catalog.=) c.tbl)) " \
	"FROM %1$s.table_config c JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) c.tbl::pg_catalog.oid " \
	"JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace " \
	"WHERE $1 IS NULL OR r.oid OPERATOR(pg_catalog.=) $1"

/* Run sql as is, with $1 (an OID) given or NULL. */
static void
run(const char *sql, Oid oid, int expected)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(oid)};
	char		nulls[1] = {OidIsValid(oid) ? ' ' : 'n'};

	contacts_spi_execute_args(sql, 1, types, values, nulls, false, 0, expected);
}

static bool
copies_are_reference_tables(void)
{
	Oid			relid = get_relname_relid(copy_tables[0], contacts_extension_schema());

	return OidIsValid(relid) && contacts_citus_table_of(relid) == relid;
}

/*
 * Make the copies reference tables and fill them from the originals, as the
 * extension's owner, within SPI.  Citus copies a table's rows to the other
 * nodes when it makes it a reference table, but the rows are written after:
 * then Citus writes them on every node.
 */
static void
share(void)
{
	const char *s = contacts_extension_schema_quoted();
	int			i;

	for (i = 0; i < (int) lengthof(copy_tables); i++)
	{
		Oid			relid = get_relname_relid(copy_tables[i], contacts_extension_schema());

		if (contacts_citus_table_of(relid) == relid)
			continue;
		run("SELECT pg_catalog.create_reference_table($1::pg_catalog.regclass)", relid, SPI_OK_SELECT);
	}
	run(psprintf("DELETE FROM %s.citus_entry_config", s), InvalidOid, SPI_OK_DELETE);
	run(psprintf(SNAPSHOT_SQL, s), InvalidOid, SPI_OK_INSERT);
	run(psprintf("DELETE FROM %s.citus_suppression_key", s), InvalidOid, SPI_OK_DELETE);
	run(psprintf("INSERT INTO %1$s.citus_suppression_key SELECT k.key FROM %1$s.suppression_key k", s),
		InvalidOid, SPI_OK_INSERT);
	run(psprintf("DELETE FROM %s.citus_suppression", s), InvalidOid, SPI_OK_DELETE);
	run(psprintf("INSERT INTO %1$s.citus_suppression SELECT x.kind, x.digest FROM %1$s.suppression x", s),
		InvalidOid, SPI_OK_INSERT);
	run(psprintf("DELETE FROM %s.citus_alternate", s), InvalidOid, SPI_OK_DELETE);
	run(psprintf("INSERT INTO %1$s.citus_alternate "
				 "SELECT pg_catalog.format('%%I.%%I', n.nspname, r.relname), a.survivor, a.kind, a.value, a.merge_id "
				 "FROM %1$s.alternate a JOIN pg_catalog.pg_class r ON r.oid OPERATOR(pg_catalog.=) a.tbl::pg_catalog.oid "
				 "JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) r.relnamespace", s),
		InvalidOid, SPI_OK_INSERT);
}

/* contacts.citus_share() -> boolean */
PG_FUNCTION_INFO_V1(contacts_citus_share);
Datum
contacts_citus_share(PG_FUNCTION_ARGS)
{
	ContactsRoleSwitch sw;

	if (!contacts_citus_coordinator())
		PG_RETURN_BOOL(false);
	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	share();
	contacts_switch_back(&sw);
	contacts_spi_finish();
	PG_RETURN_BOOL(true);
}

/* the configuration of the table in column 1 of tuple, copied anew */
static void
copy_config(TupleDesc desc, HeapTuple tuple)
{
	const char *s = contacts_extension_schema_quoted();
	bool		isnull;
	Oid			relid = DatumGetObjectId(heap_getattr(tuple, 1, desc, &isnull));
	char	   *name = contacts_citus_name(relid);
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), CStringGetTextDatum(name ? name : "")};

	if (isnull)
		return;
	/* (by name too: a dropped table's name may be taken by another) */
	contacts_spi_execute_args(psprintf("DELETE FROM %s.citus_entry_config WHERE coordinator_oid OPERATOR(pg_catalog.=) $1 "
									   "OR tbl_name OPERATOR(pg_catalog.=) $2", s),
							  2, types, values, NULL, false, 0, SPI_OK_DELETE);
	if (name != NULL)
		run(psprintf(SNAPSHOT_SQL, s), relid, SPI_OK_INSERT);
}

/* one row of contacts.suppression (kind, digest) or contacts.alternate, added or removed */
static void
copy_row(const char *what, TupleDesc desc, HeapTuple tuple, bool add)
{
	const char *s = contacts_extension_schema_quoted();
	Oid			types[5] = {TEXTOID, BYTEAOID, TEXTOID, TEXTOID, INT8OID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		isnull;

	if (strcmp(what, "suppression") == 0)
	{
		values[0] = heap_getattr(tuple, 1, desc, &isnull);
		values[1] = heap_getattr(tuple, 2, desc, &isnull);
		contacts_spi_execute_args(add ?
								  psprintf("INSERT INTO %s.citus_suppression VALUES ($1, $2) ON CONFLICT DO NOTHING", s) :
								  psprintf("DELETE FROM %s.citus_suppression WHERE kind OPERATOR(pg_catalog.=) $1 "
										   "AND digest OPERATOR(pg_catalog.=) $2", s),
								  2, types, values, NULL, false, 0, add ? SPI_OK_INSERT : SPI_OK_DELETE);
		return;
	}
	/* alternate (tbl, survivor, kind, value, merge_id) */
	{
		char	   *name = contacts_citus_name(DatumGetObjectId(heap_getattr(tuple, 1, desc, &isnull)));

		types[1] = TEXTOID;
		values[0] = CStringGetTextDatum(name ? name : "");
		nulls[0] = name ? ' ' : 'n';
		values[1] = heap_getattr(tuple, 2, desc, &isnull);
		values[2] = heap_getattr(tuple, 3, desc, &isnull);
		values[3] = heap_getattr(tuple, 4, desc, &isnull);
		values[4] = heap_getattr(tuple, 5, desc, &isnull);
		if (add && name == NULL)
			return;
		/* (a merge id is one merge of one table: no name needed to remove) */
		contacts_spi_execute_args(add ?
								  psprintf("INSERT INTO %s.citus_alternate VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING", s) :
								  psprintf("DELETE FROM %s.citus_alternate WHERE survivor OPERATOR(pg_catalog.=) $2 "
										   "AND kind OPERATOR(pg_catalog.=) $3 AND value OPERATOR(pg_catalog.=) $4 "
										   "AND merge_id OPERATOR(pg_catalog.=) $5", s),
								  5, types, values, nulls, false, 0, add ? SPI_OK_INSERT : SPI_OK_DELETE);
	}
}

/*
 * citus_mirror(what): AFTER row (and TRUNCATE) trigger on the originals.
 * Off a Citus coordinator it does nothing; on one, the first change shares
 * the copies (with every row, this one among them), and later ones copy
 * their row.
 */
PG_FUNCTION_INFO_V1(contacts_citus_mirror);
Datum
contacts_citus_mirror(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	const char *what;
	ContactsRoleSwitch sw;

	if (!CALLED_AS_TRIGGER(fcinfo) || trigdata->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("citus_mirror() must be called as a trigger with one argument")));
	if (!contacts_citus_coordinator())
		return PointerGetDatum(NULL);
	what = trigdata->tg_trigger->tgargs[0];
	desc = RelationGetDescr(trigdata->tg_relation);

	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	if (!copies_are_reference_tables())
		share();
	else if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		run(psprintf("DELETE FROM %s.citus_suppression", contacts_extension_schema_quoted()),
			InvalidOid, SPI_OK_DELETE);
	else if (strcmp(what, "config") == 0)
	{
		bool		isnull;

		copy_config(desc, trigdata->tg_trigtuple);
		/* (an update that moves a row to another table changes both) */
		if (trigdata->tg_newtuple != NULL &&
			!datumIsEqual(heap_getattr(trigdata->tg_trigtuple, 1, desc, &isnull),
						  heap_getattr(trigdata->tg_newtuple, 1, desc, &isnull), true, sizeof(Oid)))
			copy_config(desc, trigdata->tg_newtuple);
	}
	else
	{
		if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
			copy_row(what, desc, trigdata->tg_trigtuple, false);
		if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
			copy_row(what, desc, trigdata->tg_trigtuple, true);
		else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
			copy_row(what, desc, trigdata->tg_newtuple, true);
	}
	contacts_switch_back(&sw);
	contacts_spi_finish();
	return PointerGetDatum(NULL);
}

/* DropStmt names contacts among the extensions it drops */
static bool
drops_this_extension(Node *parsetree)
{
	DropStmt   *stmt = (DropStmt *) parsetree;
	ListCell   *lc;

	if (!IsA(parsetree, DropStmt) || stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
	{
		if (strcmp(strVal(lfirst(lc)), "contacts") == 0)
			return true;
	}
	return false;
}

/*
 * citus_drop_copies(): ddl_command_start event trigger on DROP EXTENSION.
 * Before contacts is dropped, the shards of its copies are, on every node.
 */
PG_FUNCTION_INFO_V1(contacts_citus_drop_copies);
Datum
contacts_citus_drop_copies(PG_FUNCTION_ARGS)
{
	ContactsRoleSwitch sw;
	Oid			types[3] = {OIDOID, TEXTOID, TEXTOID};
	Datum		values[3];

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("citus_drop_copies() must be called as an event trigger")));
	if (!drops_this_extension(((EventTriggerData *) fcinfo->context)->parsetree) ||
		!contacts_citus_coordinator())
		PG_RETURN_VOID();
	values[1] = CStringGetTextDatum(get_namespace_name(contacts_extension_schema()));
	contacts_spi_connect();
	contacts_switch_to(contacts_extension_owner(), &sw);
	for (int i = 0; i < (int) lengthof(copy_tables); i++)
	{
		Oid			relid = get_relname_relid(copy_tables[i], contacts_extension_schema());

		if (!OidIsValid(relid) || contacts_citus_table_of(relid) != relid)
			continue;
		values[0] = ObjectIdGetDatum(relid);
		values[2] = CStringGetTextDatum(copy_tables[i]);
		contacts_spi_execute_args("SELECT pg_catalog.citus_drop_all_shards($1, $2, $3, false)",
								  3, types, values, NULL, false, 0, SPI_OK_SELECT);
	}
	contacts_switch_back(&sw);
	contacts_spi_finish();
	PG_RETURN_VOID();
}
