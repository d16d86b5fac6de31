/*
 * merge_fk.c
 *		Repoint every reference to merged-away rows to the survivor.
 *
 * The foreign keys come from pg_constraint (every referencing table, every
 * constraint, composite keys, self-references).  For each one, the
 * referencing rows of the merged-away rows are updated to the survivor's
 * key and their before- and after-images logged.
 *
 * Unique conflicts: repointing can make two referencing rows collide on a
 * unique index that contains a foreign key column (a tag held by both the
 * survivor and a merged-away row).  The stated rule: the referencing row
 * that is being moved is deleted (and logged) and the row it collides with
 * is kept: a row already pointing at the survivor, else the first moved row
 * (in physical order).  Before a conflicting row is deleted, the rows that
 * reference it are repointed to the row it collides with, by the same walk,
 * so its deletion never cascades and everything stays restorable.
 *
 * Because no referenced row is deleted while references to it remain,
 * ON DELETE actions (CASCADE, SET NULL, ...) never fire on merged-away
 * rows: the references they would have touched have been moved first.
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "merge.h"
#include "privileges.h"

typedef struct ForeignKey
{
	char	   *name;
	Oid			child;
	int			ncols;
	char	  **child_cols;		/* referencing columns (attname) */
	char	  **parent_cols;	/* referenced columns, same order */
	Oid		   *parent_types;	/* their types */
} ForeignKey;

typedef struct UniqueIndex
{
	Oid			indexid;
	bool		nulls_not_distinct;
	char	   *predicate;		/* WHERE clause of a partial index, or NULL */
	int			ncols;
	char	  **cols;			/* key columns (attname; NULL for an expression) */
} UniqueIndex;

#define INCOMING_FK_SQL \
	"SELECT c.oid, c.conrelid, c.conname::text, a.attname::text, fa.attname::text, fa.atttypid " \
	"FROM pg_catalog.pg_constraint c " \
	"CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(c.conkey), pg_catalog.unnest(c.confkey)) WITH ORDINALITY AS k(ck, fk, ord) " \
	"JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ck " \
	"JOIN pg_catalog.pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fk " \
	"WHERE c.contype = 'f' AND c.confrelid = $1 AND c.conparentid = 0 " \
	"ORDER BY c.conrelid, c.conname, c.oid, k.ord"

#define UNIQUE_INDEX_SQL \
	"SELECT i.indexrelid, i.indnullsnotdistinct, pg_catalog.pg_get_expr(i.indpred, i.indrelid), a.attname::text " \
	"FROM pg_catalog.pg_index i " \
	"CROSS JOIN LATERAL pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) " \
	"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum " \
	"WHERE i.indrelid = $1 AND i.indisunique AND i.indislive AND k.ord <= i.indnkeyatts " \
	"ORDER BY i.indexrelid, k.ord"

/*
 * Foreign keys and unique indexes of the tables merged, kept across calls
 * (a batch merges into the same tables again and again) until any relcache
 * invalidation, which DDL on these tables always causes.  Each entry is
 * loaded at most once per generation, so lists handed out stay valid for
 * the whole call.
 */
typedef struct TableFacts
{
	Oid			relid;
	bool		have_fks;
	bool		have_uniques;
	List	   *incoming_fks;	/* ForeignKey *, referencing this table */
	List	   *uniques;		/* UniqueIndex *, of this table */
} TableFacts;

static MemoryContext facts_cxt = NULL;
static MemoryContext retired_cxt = NULL;	/* outdated facts, freed at transaction end */
static List *facts = NIL;
static uint64 facts_generation = 0;

static List *lappend_in_cxt(List *list, void *datum);

/*
 * Outdated facts may still be in use by a merge in progress (an
 * invalidation can arrive at any lock acquisition), so they are only set
 * aside, and freed when the transaction ends.
 */
static void
free_retired_facts(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		MemoryContextReset(retired_cxt);
}

static TableFacts *
table_facts(Oid relid)
{
	ListCell   *lc;
	TableFacts *f;

	if (facts_cxt == NULL)
	{
		retired_cxt = AllocSetContextCreate(CacheMemoryContext, "contacts merge retired facts",
											ALLOCSET_SMALL_SIZES);
		facts_cxt = AllocSetContextCreate(CacheMemoryContext, "contacts merge catalog facts",
										  ALLOCSET_SMALL_SIZES);
		RegisterXactCallback(free_retired_facts, NULL);
		facts_generation = merge_cache_generation();
	}
	if (facts_generation != merge_cache_generation())
	{
		MemoryContextSetParent(facts_cxt, retired_cxt);
		facts_cxt = AllocSetContextCreate(CacheMemoryContext, "contacts merge catalog facts",
										  ALLOCSET_SMALL_SIZES);
		facts = NIL;
		facts_generation = merge_cache_generation();
	}
	foreach(lc, facts)
	{
		f = lfirst(lc);
		if (f->relid == relid)
			return f;
	}
	f = MemoryContextAllocZero(facts_cxt, sizeof(TableFacts));
	f->relid = relid;
	facts = lappend_in_cxt(facts, f);
	return f;
}

static List *
lappend_in_cxt(List *list, void *datum)
{
	MemoryContext old = MemoryContextSwitchTo(facts_cxt);

	list = lappend(list, datum);
	MemoryContextSwitchTo(old);
	return list;
}

static List *
incoming_foreign_keys(Oid parent)
{
	TableFacts *f = table_facts(parent);
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(parent)};
	int			n;
	SPITupleTable *tt;
	ForeignKey *fk = NULL;
	Oid			last = InvalidOid;
	MemoryContext old;

	if (f->have_fks)
		return f->incoming_fks;
	n = merge_spi(INCOMING_FK_SQL, 1, types, values, NULL, true);
	tt = SPI_tuptable;
	old = MemoryContextSwitchTo(facts_cxt);
	for (int i = 0; i < n; i++)
	{
		Oid			conoid = contacts_spi_oid(tt, i, 1);

		if (fk == NULL || conoid != last)
		{
			fk = palloc0(sizeof(ForeignKey));
			fk->child = contacts_spi_oid(tt, i, 2);
			fk->name = contacts_spi_text(tt, i, 3);
			fk->child_cols = palloc(sizeof(char *) * INDEX_MAX_KEYS);
			fk->parent_cols = palloc(sizeof(char *) * INDEX_MAX_KEYS);
			fk->parent_types = palloc(sizeof(Oid) * INDEX_MAX_KEYS);
			f->incoming_fks = lappend(f->incoming_fks, fk);
			last = conoid;
		}
		fk->child_cols[fk->ncols] = contacts_spi_text(tt, i, 4);
		fk->parent_cols[fk->ncols] = contacts_spi_text(tt, i, 5);
		fk->parent_types[fk->ncols] = contacts_spi_oid(tt, i, 6);
		fk->ncols++;
	}
	f->have_fks = true;
	MemoryContextSwitchTo(old);
	return f->incoming_fks;
}

static List *
unique_indexes(Oid relid)
{
	TableFacts *f = table_facts(relid);
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	int			n;
	SPITupleTable *tt;
	UniqueIndex *ui = NULL;
	MemoryContext old;

	if (f->have_uniques)
		return f->uniques;
	n = merge_spi(UNIQUE_INDEX_SQL, 1, types, values, NULL, true);
	tt = SPI_tuptable;
	old = MemoryContextSwitchTo(facts_cxt);
	for (int i = 0; i < n; i++)
	{
		Oid			indexid = contacts_spi_oid(tt, i, 1);

		if (ui == NULL || ui->indexid != indexid)
		{
			ui = palloc0(sizeof(UniqueIndex));
			ui->indexid = indexid;
			ui->nulls_not_distinct = contacts_spi_bool(tt, i, 2);
			ui->predicate = contacts_spi_text(tt, i, 3);
			ui->cols = palloc(sizeof(char *) * INDEX_MAX_KEYS);
			f->uniques = lappend(f->uniques, ui);
		}
		ui->cols[ui->ncols++] = contacts_spi_text(tt, i, 4);
	}
	f->have_uniques = true;
	MemoryContextSwitchTo(old);
	return f->uniques;
}

/* Columns of relid in foreign keys that reference relid itself. */
List *
merge_self_reference_columns(Oid relid)
{
	List	   *cols = NIL;
	ListCell   *lc;

	foreach(lc, incoming_foreign_keys(relid))
	{
		ForeignKey *fk = lfirst(lc);

		if (fk->child == relid)
			for (int i = 0; i < fk->ncols; i++)
				cols = lappend(cols, fk->child_cols[i]);
	}
	return cols;
}

static int
fk_column(const ForeignKey *fk, const char *name)
{
	for (int i = 0; i < fk->ncols; i++)
		if (name != NULL && strcmp(fk->child_cols[i], name) == 0)
			return i;
	return -1;
}

/* Does an expression of the index read one of the foreign key's columns? */
static bool
index_expressions_use(Oid indexid, const MergeTable *child, const ForeignKey *fk)
{
	Relation	index = relation_open(indexid, AccessShareLock);
	List	   *exprs = RelationGetIndexExpressions(index);
	Bitmapset  *attrs = NULL;
	bool		uses = false;

	pull_varattnos((Node *) exprs, 1, &attrs);
	for (int i = 0; i < fk->ncols && !uses; i++)
	{
		int			col = merge_table_column(child, fk->child_cols[i]);

		uses = bms_is_member(child->cols[col].attnum - FirstLowInvalidHeapAttributeNumber, attrs);
	}
	relation_close(index, NoLock);
	return uses;
}

/*
 * WHERE condition: row r references one of the parent rows in $1 (a jsonb
 * array of images of the parent), each column compared with its type's
 * qualified equality.  = ANY keeps the index on a one-column foreign key
 * usable; a composite one is a semi-join, as IN (SELECT ...) was.
 */
static void
append_references(StringInfo buf, const ForeignKey *fk, const char *parent_qname)
{
	if (fk->ncols == 1)
	{
		contacts_append_equality_any(buf, psprintf("r.%s", quote_identifier(fk->child_cols[0])),
									 fk->parent_types[0],
									 psprintf("ARRAY(SELECT s.%s FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1::jsonb) s)",
											  quote_identifier(fk->parent_cols[0]), parent_qname));
		return;
	}
	appendStringInfo(buf, "EXISTS (SELECT FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1::jsonb) s WHERE ",
					 parent_qname);
	for (int i = 0; i < fk->ncols; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, " AND ");
		contacts_append_equality(buf, psprintf("r.%s", quote_identifier(fk->child_cols[i])),
								 fk->parent_types[i],
								 psprintf("s.%s", quote_identifier(fk->parent_cols[i])));
	}
	appendStringInfoChar(buf, ')');
}

/*
 * "l1 = a.c1 AND l2 = a.c2 ...": a row has the unique key ui that a moved
 * row a (of the moved-rows CTE, whose key columns are projected as c1..cn)
 * will have.  The left side is a row of child (left_projected false: its
 * columns by name) or another moved row (true: c1..cn).  Each column is
 * compared with its type's qualified equality; with NULLS NOT DISTINCT two
 * NULLs are equal too.
 */
static char *
unique_key_equality(const MergeTable *child, const UniqueIndex *ui, const char *left,
					bool left_projected)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < ui->ncols; i++)
	{
		char	   *l = left_projected ? psprintf("%s.c%d", left, i + 1) :
			psprintf("%s.%s", left, quote_identifier(ui->cols[i]));
		char	   *r = psprintf("a.c%d", i + 1);
		Oid			type = child->cols[merge_table_column(child, ui->cols[i])].type;

		appendStringInfoString(&buf, i > 0 ? " AND (" : "(");
		if (ui->nulls_not_distinct)
			appendStringInfo(&buf, "%s IS NULL AND %s IS NULL OR ", l, r);
		contacts_append_equality(&buf, l, type, r);
		appendStringInfoChar(&buf, ')');
	}
	return buf.data;
}

/*
 * Delete (and log) the referencing rows of the merged-away parents that
 * would collide on ui once repointed, after repointing what references them.
 * With among_moved false, collisions with rows that stay (already pointing
 * at the survivor); with among_moved true, collisions between moved rows,
 * the first one (in physical order) being kept.
 */
static void
resolve_conflicts(int64 merge_id, const MergeTable *child, const ForeignKey *fk,
				  const UniqueIndex *ui, bool among_moved, const char *parent_qname,
				  const char *from_images, const char *to_image, bool child_referenced,
				  int depth)
{
	StringInfoData sql;
	const char *pred = ui->predicate ? ui->predicate : "true";
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	int			n;
	SPITupleTable *tt;
	char	   *del;

	initStringInfo(&sql);

	/*
	 * mv: the rows that move, with their unique key as it will be after the
	 * move (c1..cn).  A moved row conflicts with a row that stays and has
	 * that key, or with an earlier moved row that will have it.
	 */
	appendStringInfo(&sql, "WITH tgt AS (SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb)), "
					 "mv AS (SELECT m.rel, m.tid, pg_catalog.to_jsonb(m.rw) AS img",
					 parent_qname);
	for (int i = 0; i < ui->ncols; i++)
	{
		int			k = fk_column(fk, ui->cols[i]);

		if (k >= 0)
			appendStringInfo(&sql, ", tgt.%s AS c%d", quote_identifier(fk->parent_cols[k]), i + 1);
		else
			appendStringInfo(&sql, ", (m.rw).%s AS c%d", quote_identifier(ui->cols[i]), i + 1);
	}
	appendStringInfo(&sql, ", pg_catalog.row_number() OVER (ORDER BY m.rel, m.tid) AS pos "
					 "FROM (SELECT r.tableoid AS rel, r.ctid AS tid, r AS rw FROM %s r WHERE ",
					 child->qname);
	append_references(&sql, fk, parent_qname);
	appendStringInfo(&sql, " AND (%s)) m, tgt) "
					 "SELECT z.rel, z.tid, z.img, z.partner FROM (SELECT a.rel, a.tid, a.img, a.pos, ",
					 pred);
	if (!among_moved)
		appendStringInfo(&sql, "(SELECT pg_catalog.to_jsonb(r) FROM %s r WHERE %s AND (%s) "
						 "AND NOT EXISTS (SELECT 1 FROM mv x WHERE x.rel = r.tableoid AND x.tid = r.ctid) LIMIT 1)",
						 child->qname, unique_key_equality(child, ui, "r", false), pred);
	else
		appendStringInfo(&sql, "(SELECT b.img FROM mv b WHERE %s AND b.pos < a.pos ORDER BY b.pos LIMIT 1)",
						 unique_key_equality(child, ui, "b", true));
	appendStringInfoString(&sql, " AS partner FROM mv a) z WHERE z.partner IS NOT NULL ORDER BY z.pos");

	values[0] = CStringGetTextDatum(from_images);
	values[1] = CStringGetTextDatum(to_image);
	n = merge_spi(sql.data, 2, types, values, NULL, false);
	tt = SPI_tuptable;
	del = psprintf("WITH d AS (DELETE FROM %s r WHERE r.tableoid = $1 AND r.ctid = $2::tid "
				   "RETURNING pg_catalog.to_jsonb(r) AS img) "
				   "INSERT INTO %s.merge_log_row (merge_id, tbl, action, before) "
				   "SELECT $3, $4, 'delete_conflict', d.img FROM d",
				   child->qname, contacts_extension_schema_quoted());
	for (int i = 0; i < n; i++)
	{
		char	   *rel = contacts_spi_text(tt, i, 1);
		char	   *tid = contacts_spi_text(tt, i, 2);
		char	   *img = contacts_spi_text(tt, i, 3);
		char	   *partner = contacts_spi_text(tt, i, 4);
		Oid			dtypes[4] = {OIDOID, TEXTOID, INT8OID, OIDOID};
		Datum		dvalues[4];

		CHECK_FOR_INTERRUPTS();
		if (child_referenced)
			merge_repoint_references(merge_id, child->relid, psprintf("[%s]", img), partner, depth + 1);
		dvalues[0] = ObjectIdGetDatum(atooid(rel));
		dvalues[1] = CStringGetTextDatum(tid);
		dvalues[2] = Int64GetDatum(merge_id);
		dvalues[3] = ObjectIdGetDatum(child->relid);
		if (merge_spi(del, 4, dtypes, dvalues, NULL, false) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("a row of \"%s\" in conflict moved while the merge was resolving the conflict",
							child->display),
					 errhint("Retry the merge.")));
	}
}

/*
 * The unique indexes of fk's table that repointing fk can make rows collide
 * on, in the order conflicts are resolved; errors for what merge cannot
 * repoint.
 */
static List *
conflict_indexes(const ForeignKey *fk, const MergeTable *child)
{
	List	   *uniques = NIL;
	ListCell   *lc;

	/* a repointed column that is itself referenced would break that reference */
	foreach(lc, incoming_foreign_keys(fk->child))
	{
		ForeignKey *cfk = lfirst(lc);

		for (int j = 0; j < cfk->ncols; j++)
			if (fk_column(fk, cfk->parent_cols[j]) >= 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot repoint foreign key \"%s\" of \"%s\": column \"%s\" is referenced by foreign key \"%s\"",
								fk->name, child->display, cfk->parent_cols[j], cfk->name),
						 errhint("Merge cannot move rows whose referenced key would change; repoint \"%s\" by hand.",
								 child->display)));
	}

	foreach(lc, unique_indexes(fk->child))
	{
		UniqueIndex *ui = lfirst(lc);
		bool		involved = false;
		bool		expression = false;

		for (int j = 0; j < ui->ncols; j++)
		{
			if (ui->cols[j] == NULL)
				expression = true;
			else if (fk_column(fk, ui->cols[j]) >= 0)
				involved = true;
		}

		/*
		 * Conflicts are found by comparing plain columns: an index that also
		 * has an expression can neither be checked nor ignored.
		 */
		if (expression && (involved || index_expressions_use(ui->indexid, child, fk)))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot repoint foreign key \"%s\" of \"%s\": unique expression index %s uses its columns",
							fk->name, child->display, get_rel_name(ui->indexid)),
					 errhint("Merge resolves unique conflicts on plain columns only.")));
		if (involved)
			uniques = lappend(uniques, ui);
	}
	return uniques;
}

/*
 * What repointing the references of a Citus table (repoint_by_key()) cannot
 * do, refused before anything changes: a collision on a partial unique
 * index, and the deletion of a colliding row that other tables reference
 * in turn.  A reference that is part of the key moves the row (delete and
 * insert).
 */
static void
check_citus_child(const ForeignKey *fk, const MergeTable *child, bool deletes)
{
	ListCell   *lc;

	foreach(lc, conflict_indexes(fk, child))
	{
		UniqueIndex *ui = lfirst(lc);

		if (ui->predicate != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot repoint foreign key \"%s\" of the Citus table \"%s\": partial unique index %s uses its columns",
							fk->name, child->display, get_rel_name(ui->indexid)),
					 errhint("On a Citus table, merge resolves unique conflicts on full indexes only.")));
	}
	if (deletes && incoming_foreign_keys(fk->child) != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot repoint foreign key \"%s\" of the Citus table \"%s\": a row that collides would be deleted, and other tables reference it",
						fk->name, child->display),
				 errhint("On a Citus table, merge repoints one level of references; move the deeper ones by hand first.")));
	for (int i = 0; i < fk->ncols; i++)
		if (merge_table_has_pk_column(child, merge_table_column(child, fk->child_cols[i])))
			deletes = true;
	if (deletes)
		contacts_require_table(fk->child, ACL_DELETE | ACL_INSERT, "repoint references in");
}

/*
 * merge_repoint_references() for a Citus table's references: each
 * referencing row of each merged-away row, locked and read by the
 * reference (which holds the distribution column of a co-located table),
 * then pointed at the survivor.  A row that would then collide on a unique
 * index is deleted instead (the row it collides with is kept, as on one
 * server); one whose reference is part of its key is moved (deleted and
 * inserted with its new key); any other is updated.  All logged.
 */
static void
repoint_by_key(int64 merge_id, const ForeignKey *fk, const MergeTable *child, List *uniques,
			   const char *from_images, const char *to_image)
{
	int		   *fkcols = palloc(sizeof(int) * fk->ncols);
	int		  **unique_cols = palloc(sizeof(int *) * Max(list_length(uniques), 1));
	bool		moves = false;
	Oid			types[4] = {TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID};
	Datum		values[4];
	ListCell   *lc;

	for (int i = 0; i < fk->ncols; i++)
	{
		fkcols[i] = merge_table_column(child, fk->child_cols[i]);
		moves |= merge_table_has_pk_column(child, fkcols[i]);
	}
	foreach(lc, uniques)
	{
		UniqueIndex *ui = lfirst(lc);

		unique_cols[foreach_current_index(lc)] = palloc(sizeof(int) * ui->ncols);
		for (int j = 0; j < ui->ncols; j++)
			unique_cols[foreach_current_index(lc)][j] = merge_table_column(child, ui->cols[j]);
	}
	values[1] = merge_text_array(fk->child_cols, fk->ncols);
	values[2] = merge_text_array(fk->parent_cols, fk->ncols);
	values[3] = CStringGetTextDatum(to_image);
	foreach(lc, merge_json_elements(from_images))
	{
		List	   *rows = NIL;
		ListCell   *lr;
		int			n;

		n = merge_keyed_select_where(child, fkcols, fk->parent_cols, fk->ncols, lfirst(lc),
									 "pg_catalog.to_jsonb(t)::text", true);
		for (int i = 0; i < n; i++)
			rows = lappend(rows, contacts_spi_text(SPI_tuptable, i, 1));
		foreach(lr, rows)
		{
			char	   *image = lfirst(lr);
			char	   *moved;
			bool		conflict = false;
			ListCell   *lu;

			CHECK_FOR_INTERRUPTS();
			values[0] = CStringGetTextDatum(image);
			merge_spi("SELECT ($1::jsonb OPERATOR(pg_catalog.||) (SELECT pg_catalog.jsonb_object_agg(c.cc, $4::jsonb -> c.pc) "
					  "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) c(cc, pc)))::text", 4, types, values, NULL, true);
			moved = contacts_spi_text(SPI_tuptable, 0, 1);
			foreach(lu, uniques)
			{
				UniqueIndex *ui = lfirst(lu);

				conflict = merge_keyed_select_where(child, unique_cols[foreach_current_index(lu)], ui->cols,
													ui->ncols, moved, "1", true) > 0;
				if (conflict)
					break;
			}
			if (conflict)
			{
				merge_keyed_delete(child, image);
				merge_keyed_log(merge_id, child->relid, "delete_conflict", image, NULL);
			}
			else if (moves)
				merge_keyed_log(merge_id, child->relid, "repoint", image, merge_keyed_move(child, image, moved));
			else
			{
				merge_keyed_update(child, image, moved, fkcols, fk->ncols);
				merge_keyed_log(merge_id, child->relid, "repoint", image, merge_keyed_image(child, image));
			}
		}
	}
}

/*
 * Error 42501 unless the current user may do everything
 * merge_repoint_references(parent) may do: read and update every table
 * referencing parent, and, where repointing can collide on a unique index,
 * delete there and repoint what references the deleted rows in turn.
 * Checked for every foreign key, whether or not rows reference the merged
 * rows, so a merge is refused before anything changes.
 */
static void
check_references(Oid parent, int depth, List **checked)
{
	ListCell   *lc;

	if (depth > MERGE_MAX_DEPTH || list_member_oid(*checked, parent))
		return;
	*checked = lappend_oid(*checked, parent);
	foreach(lc, incoming_foreign_keys(parent))
	{
		ForeignKey *fk = lfirst(lc);
		MergeTable *child;
		bool		deletes;

		contacts_require_table(fk->child, ACL_SELECT | ACL_UPDATE, "repoint references in");
		child = merge_table_open(fk->child, false);
		deletes = conflict_indexes(fk, child) != NIL;
		if (child->by_key)
			check_citus_child(fk, child, deletes);
		if (deletes)
		{
			contacts_require_table(fk->child, ACL_DELETE, "repoint references in");
			check_references(fk->child, depth + 1, checked);
		}
	}
}

void
merge_check_references(Oid parent)
{
	List	   *checked = NIL;

	check_references(parent, 0, &checked);
}

/*
 * Move the references to the rows in from_images (a jsonb array of images
 * of rows of parent) to the row to_image, through every foreign key that
 * references parent.
 */
void
merge_repoint_references(int64 merge_id, Oid parent, const char *from_images,
						 const char *to_image, int depth)
{
	const char *parent_qname = merge_table_open(parent, false)->qname;
	ListCell   *lc;

	if (depth > MERGE_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("foreign keys nested deeper than %d tables while resolving unique conflicts", MERGE_MAX_DEPTH)));

	foreach(lc, incoming_foreign_keys(parent))
	{
		ForeignKey *fk = lfirst(lc);
		MergeTable *child = merge_table_open(fk->child, false);
		List	   *child_fks = incoming_foreign_keys(fk->child);
		List	   *uniques;
		ListCell   *lc2;
		StringInfoData sql;
		Oid			types[4] = {TEXTOID, TEXTOID, INT8OID, OIDOID};
		Datum		values[4];

		CHECK_FOR_INTERRUPTS();

		/*
		 * Unique conflicts: first every moved row that collides with a row
		 * that stays, on any index, then collisions among the moved rows that
		 * are left, so that no row is dropped for colliding with a row that
		 * is dropped itself.
		 */
		uniques = conflict_indexes(fk, child);
		if (child->by_key)
		{
			repoint_by_key(merge_id, fk, child, uniques, from_images, to_image);
			continue;
		}
		for (int pass = 0; pass < 2; pass++)
			foreach(lc2, uniques)
				resolve_conflicts(merge_id, child, fk, lfirst(lc2), pass == 1, parent_qname,
								  from_images, to_image, child_fks != NIL, depth);

		initStringInfo(&sql);
		appendStringInfo(&sql, "WITH tgt AS (SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb)), "
						 "old AS (SELECT r.tableoid AS rel, r.ctid AS tid, pg_catalog.to_jsonb(r) AS img FROM %s r WHERE ",
						 parent_qname, child->qname);
		append_references(&sql, fk, parent_qname);
		appendStringInfo(&sql, " ORDER BY r.tableoid, r.ctid FOR UPDATE OF r), "
						 "upd AS (UPDATE %s r SET ", child->qname);
		for (int i = 0; i < fk->ncols; i++)
			appendStringInfo(&sql, "%s%s = tgt.%s", i > 0 ? ", " : "",
							 quote_identifier(fk->child_cols[i]), quote_identifier(fk->parent_cols[i]));
		appendStringInfo(&sql, " FROM old, tgt WHERE r.tableoid = old.rel AND r.ctid = old.tid "
						 "RETURNING old.img AS before, pg_catalog.to_jsonb(r) AS after) "
						 "INSERT INTO %s.merge_log_row (merge_id, tbl, action, before, after) "
						 "SELECT $3, $4, 'repoint', upd.before, upd.after FROM upd",
						 contacts_extension_schema_quoted());
		values[0] = CStringGetTextDatum(from_images);
		values[1] = CStringGetTextDatum(to_image);
		values[2] = Int64GetDatum(merge_id);
		values[3] = ObjectIdGetDatum(child->relid);
		merge_spi(sql.data, 4, types, values, NULL, false);
	}
}
