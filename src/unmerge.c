/*
 * unmerge.c
 *		contacts.unmerge(): undo a merge exactly, or refuse.
 *
 * The log rows of the merge are replayed backwards: a changed row (the
 * survivor, a repointed reference, a soft-deleted row) is set back to its
 * before-image, a deleted row is inserted again from its before-image.  A
 * changed row is first compared with the after-image the merge left: if it
 * differs (a later merge or an UPDATE touched it) or is gone, an exact
 * restore is impossible and unmerge refuses, naming the row and, when
 * there is one, the later merge to undo first.  A deleted row whose key is
 * in use again is refused the same way.  Nothing is changed unless
 * everything can be restored (it is one transaction).  The alternates the
 * merge kept go with it: those in array columns of the survivor with its
 * before-image, those in contacts.alternate by merge_id.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "change_feed.h"
#include "merge.h"
#include "privileges.h"

/* In the statements below, %1$s is the extension's schema. */
#define LOG_SQL \
	"SELECT m.tbl, m.unmerged_at IS NOT NULL, m.erasure_id FROM %1$s.merge_log m WHERE m.merge_id = $1 FOR UPDATE"

#define LOG_ROWS_SQL \
	"SELECT r.tbl, r.before::text, r.after::text FROM %1$s.merge_log_row r " \
	"WHERE r.merge_id = $1 ORDER BY r.row_id DESC"

/*
 * A later merge (still in effect) that found a row exactly as this merge
 * left it: its before-image equals our after-image.  Both queries probe the
 * hash index on before for each row; OFFSET 0 keeps the planner from
 * turning the EXISTS into a join that would start from merge_log (whose
 * unmerged_at it cannot estimate well) and scan every later merge.
 */
#define LATER_MERGE_SQL \
	"SELECT r.merge_id FROM %1$s.merge_log_row r " \
	"WHERE r.before = $3::jsonb AND r.tbl = $2 AND r.merge_id > $1 " \
	"AND EXISTS (SELECT 1 FROM %1$s.merge_log m WHERE m.merge_id = r.merge_id AND m.unmerged_at IS NULL OFFSET 0) " \
	"ORDER BY r.merge_id LIMIT 1"

/* The last row of this merge that a later merge still in effect logged again. */
#define LATER_TOUCH_SQL \
	"SELECT mine.tbl, mine.after::text FROM %1$s.merge_log_row mine " \
	"WHERE mine.merge_id = $1 AND mine.after IS NOT NULL " \
	"AND EXISTS (SELECT 1 FROM %1$s.merge_log_row later " \
	"  WHERE later.before = mine.after AND later.tbl = mine.tbl AND later.merge_id > mine.merge_id " \
	"  AND EXISTS (SELECT 1 FROM %1$s.merge_log m " \
	"    WHERE m.merge_id = later.merge_id AND m.unmerged_at IS NULL OFFSET 0) OFFSET 0) " \
	"ORDER BY mine.row_id DESC LIMIT 1"

/* The oldest merge after merge_id, not undone, that logged the row as image. */
static char *
later_merge(int64 merge_id, const MergeTable *t, const char *image)
{
	Oid			types[3] = {INT8OID, OIDOID, TEXTOID};
	Datum		values[3];

	values[0] = Int64GetDatum(merge_id);
	values[1] = ObjectIdGetDatum(t->relid);
	values[2] = CStringGetTextDatum(image);
	if (merge_spi(psprintf(LATER_MERGE_SQL, contacts_extension_schema_quoted()), 3, types, values, NULL, true) > 0)
		return contacts_spi_text(SPI_tuptable, 0, 1);
	return NULL;
}

static void
refuse(int64 merge_id, const MergeTable *t, const char *image, const char *why,
	   const char *now)
{
	char	   *identity = merge_row_identity(t, image);
	char	   *later = later_merge(merge_id, t, image);

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("cannot unmerge merge " INT64_FORMAT ": row %s of table \"%s\" %s",
					merge_id, identity, t->display, why),
			 now ? errdetail("The merge left %s; the row is now %s.", image, now) : 0,
			 later ? errhint("Unmerge merge %s first: it changed the same row later.", later) :
			 errhint("An exact restore is impossible; the before-images are in contacts.merge_log_row (merge_id = " INT64_FORMAT ").",
					 merge_id)));
}

/*
 * FROM items and WHERE condition finding the row r of t with the identity
 * of the image in $1.
 */
static char *
identity_match(const MergeTable *t)
{
	if (t->npk == 0)
		return psprintf("%s r WHERE pg_catalog.to_jsonb(r) = $1::jsonb", t->qname);
	return psprintf("%s r, pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb) k WHERE %s",
					t->qname, t->qname, merge_key_equality(t, "r", "k"));
}

/* Error for a restore that a trigger or a row security policy skipped. */
static void
check_restored(int64 merge_id, const MergeTable *t, const char *image, int processed)
{
	if (processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot unmerge merge " INT64_FORMAT ": row %s of table \"%s\" was not restored",
						merge_id, merge_row_identity(t, image), t->display),
				 errhint("A trigger or a row security policy on the table skipped the write.")));
}

/*
 * The columns to write back (those the merge changed, but generated ones,
 * which follow the others by themselves), from the text[] datum changed;
 * returns how many.
 */
static int
columns_to_restore(const MergeTable *t, Datum changed, int *cols)
{
	Datum	   *names;
	int			nnames;
	int			n = 0;

	deconstruct_array(DatumGetArrayTypeP(changed), TEXTOID, -1, false, TYPALIGN_INT, &names, NULL, &nnames);
	for (int i = 0; i < nnames; i++)
	{
		int			col = merge_table_column(t, TextDatumGetCString(names[i]));

		if (col >= 0 && !t->cols[col].generated)
			cols[n++] = col;
	}
	return n;
}

#define CHANGED_COLUMNS_SQL \
	"ARRAY(SELECT e.key FROM pg_catalog.jsonb_each($2::jsonb) e " \
	"      WHERE e.value IS DISTINCT FROM ($1::jsonb -> e.key) ORDER BY e.key)"

/*
 * restore_changed() on a Citus table: the row locked and read by key, then
 * compared here with what the merge left, and written back by key (moved
 * back when the merge moved it to another key).
 */
static void
restore_changed_by_key(int64 merge_id, const MergeTable *t, const char *before, const char *after)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char	   *now;
	int		   *cols = palloc(sizeof(int) * t->ncols);
	int			n;

	if (merge_keyed_select(t, after, "pg_catalog.to_jsonb(t)::text", true) == 0)
		refuse(merge_id, t, after, "no longer exists", NULL);
	now = contacts_spi_text(SPI_tuptable, 0, 1);
	values[0] = CStringGetTextDatum(after);
	values[1] = CStringGetTextDatum(before);
	values[2] = CStringGetTextDatum(now);
	merge_spi("SELECT $3::jsonb = $1::jsonb, " CHANGED_COLUMNS_SQL, 3, types, values, NULL, true);
	if (!contacts_spi_bool(SPI_tuptable, 0, 1))
		refuse(merge_id, t, after, "changed after the merge", now);
	n = columns_to_restore(t, contacts_spi_datum(SPI_tuptable, 0, 2, &(bool) {false}), cols);
	for (int i = 0; i < n; i++)
		if (merge_table_has_pk_column(t, cols[i]))
		{
			/* a repointed reference that is part of the key: moved back */
			if (merge_keyed_select(t, before, "1", false) > 0)
				refuse(merge_id, t, before, "had its key changed by the merge, and the old key is in use again", NULL);
			(void) merge_keyed_move(t, after, before);
			return;
		}
	check_restored(merge_id, t, before, merge_keyed_update(t, after, before, cols, n));
}

/* Set the row the merge left as `after` back to `before`. */
static void
restore_changed(int64 merge_id, const MergeTable *t, const char *before, const char *after)
{
	Oid			types[3] = {TEXTOID, TEXTOID, OIDOID};
	Datum		values[3];
	char	   *sql;
	char	   *rel;
	char	   *tid;
	StringInfoData set;
	int		   *cols;
	int			n;

	if (t->by_key)
	{
		restore_changed_by_key(merge_id, t, before, after);
		return;
	}

	/*
	 * Lock the row the merge left and compare it with the after-image; also
	 * get the columns the merge changed (only those are written back) and,
	 * when the merge changed the primary key (a repointed key column),
	 * whether the old key is in use again.
	 */
	initStringInfo(&set);
	appendStringInfoString(&set, "SELECT pg_catalog.to_jsonb(r)::text, r.tableoid, r.ctid, pg_catalog.to_jsonb(r) = $1::jsonb, "
						   CHANGED_COLUMNS_SQL ", ");
	/* key columns are never NULL: NOT (equal) is IS DISTINCT FROM */
	if (t->npk > 0)
		appendStringInfo(&set, "NOT (%s) AND EXISTS (SELECT FROM %s o WHERE %s) ",
						 merge_key_equality(t, "b", "r"), t->qname, merge_key_equality(t, "o", "b"));
	else
		appendStringInfoString(&set, "false ");
	appendStringInfo(&set, "FROM pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb) b, %s "
					 "LIMIT 1 FOR UPDATE OF r", t->qname, identity_match(t));
	values[0] = CStringGetTextDatum(after);
	values[1] = CStringGetTextDatum(before);
	if (merge_spi(set.data, 2, types, values, NULL, false) == 0)
		refuse(merge_id, t, after, "no longer exists", NULL);
	if (!contacts_spi_bool(SPI_tuptable, 0, 4))
		refuse(merge_id, t, after, "changed after the merge", contacts_spi_text(SPI_tuptable, 0, 1));
	if (contacts_spi_bool(SPI_tuptable, 0, 6))
		refuse(merge_id, t, before, "had its key changed by the merge, and the old key is in use again", NULL);
	rel = contacts_spi_text(SPI_tuptable, 0, 2);
	tid = contacts_spi_text(SPI_tuptable, 0, 3);
	cols = palloc(sizeof(int) * t->ncols);
	n = columns_to_restore(t, contacts_spi_datum(SPI_tuptable, 0, 5, &(bool) {false}), cols);
	if (n == 0)
		return;
	resetStringInfo(&set);
	for (int i = 0; i < n; i++)
		appendStringInfo(&set, "%s%s = v.%s", i > 0 ? ", " : "", t->cols[cols[i]].qname, t->cols[cols[i]].qname);
	sql = psprintf("UPDATE %s r SET %s FROM pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb) v "
				   "WHERE r.tableoid = $3 AND r.ctid = $2::tid", t->qname, set.data, t->qname);
	values[0] = CStringGetTextDatum(before);
	values[1] = CStringGetTextDatum(tid);
	values[2] = ObjectIdGetDatum(atooid(rel));
	check_restored(merge_id, t, before, merge_spi(sql, 3, types, values, NULL, false));
}

/* Insert a row the merge deleted. */
static void
restore_deleted(int64 merge_id, const MergeTable *t, const char *before)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(before)};

	if (t->npk > 0 &&
		(t->by_key ? merge_keyed_select(t, before, "1", false) :
		 merge_spi(psprintf("SELECT 1 FROM %s", identity_match(t)), 1, types, values, NULL, true)) > 0)
		refuse(merge_id, t, before, "was merged away, and its key is in use again", NULL);
	check_restored(merge_id, t, before, merge_insert_image(t, before));
}

/*
 * Error 42501 unless the current user may restore every log row: read each
 * table, update it where the merge changed rows and insert into it where
 * the merge deleted rows.  Also 42P01 for a table dropped since the merge.
 */
static void
require_restore_privileges(SPITupleTable *rows, int n)
{
	List	   *tables = NIL;
	List	   *modes = NIL;
	ListCell   *lt;
	ListCell   *lm;

	for (int i = 0; i < n; i++)
	{
		Oid			relid = contacts_spi_oid(rows, i, 1);
		AclMode		mode = ACL_SELECT;
		bool		seen = false;
		bool		isnull;

		/* column 3 is the after-image, NULL for a deleted row */
		(void) contacts_spi_datum(rows, i, 3, &isnull);
		mode |= isnull ? ACL_INSERT : ACL_UPDATE;
		forboth(lt, tables, lm, modes)
		{
			if (lfirst_oid(lt) == relid)
			{
				lfirst_int(lm) |= (int) mode;
				seen = true;
			}
		}
		if (!seen)
		{
			tables = lappend_oid(tables, relid);
			modes = lappend_int(modes, (int) mode);
		}
	}
	forboth(lt, tables, lm, modes)
		contacts_require_table(lfirst_oid(lt), (AclMode) lfirst_int(lm), "unmerge rows of");
}

/*
 * contacts.unmerge(merge_id bigint) -> integer
 *		Restore everything merge merge_id changed; returns the number of rows
 *		restored.
 */
PG_FUNCTION_INFO_V1(contacts_unmerge);
Datum
contacts_unmerge(PG_FUNCTION_ARGS)
{
	int64		merge_id = PG_GETARG_INT64(0);
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(merge_id)};
	SPITupleTable *rows;
	const char *volatile restoring = NULL;
	MemoryContext cxt;
	int			n;
	const char *schema = contacts_extension_schema_quoted();
	ContactsRoleSwitch sw;
	int			pinned;

	/* as in contacts.merge(): nothing on the caller's search_path is used */
	pinned = contacts_pin_search_path();
	contacts_spi_connect();
	cxt = CurrentMemoryContext;

	/*
	 * The merge's table, read as the extension's owner, so that a caller
	 * who may not update it is told so rather than that the merge (hidden
	 * from it by row security) does not exist.
	 */
	contacts_switch_to(contacts_extension_owner(), &sw);
	n = merge_spi(psprintf("SELECT m.tbl FROM %s.merge_log m WHERE m.merge_id OPERATOR(pg_catalog.=) $1",
						   schema), 1, types, values, NULL, true);
	contacts_switch_back(&sw);
	if (n > 0)
		contacts_require_table(contacts_spi_oid(SPI_tuptable, 0, 1),
							   ACL_SELECT | ACL_UPDATE, "unmerge rows of");

	if (merge_spi(psprintf(LOG_SQL, schema), 1, types, values, NULL, false) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("merge " INT64_FORMAT " does not exist", merge_id),
				 errhint("Merges are listed in contacts.merge_log.")));
	/* erase() removed its images: nothing is left to restore from */
	if (contacts_spi_text(SPI_tuptable, 0, 3) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("merge " INT64_FORMAT " cannot be undone: a person it merged was erased", merge_id),
				 errdetail("Erasure %s removed its before-images.", contacts_spi_text(SPI_tuptable, 0, 3)),
				 errhint("An erased person is not restored; see contacts.erasure and docs/erasure.md.")));
	if (contacts_spi_bool(SPI_tuptable, 0, 2))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("merge " INT64_FORMAT " was already unmerged", merge_id),
				 errhint("See unmerged_at and unmerged_by in contacts.merge_log.")));

	/*
	 * Every row the merge logged, read as the extension's owner: a row
	 * security policy hiding the log rows of a table the caller may not read
	 * would otherwise make the unmerge partial instead of refused.  The
	 * caller must then be allowed to restore every one of them (as the
	 * caller) before anything is shown or changed.
	 */
	contacts_switch_to(contacts_extension_owner(), &sw);
	n = merge_spi(psprintf(LOG_ROWS_SQL, schema), 1, types, values, NULL, true);
	contacts_switch_back(&sw);
	rows = SPI_tuptable;
	/* every merge logs its members; none left: retention purged them */
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("merge " INT64_FORMAT " cannot be undone: its logged rows were purged", merge_id),
				 errdetail("contacts.purge_expired() removed them after the table's merge_log retention."),
				 errhint("See contacts.retention.")));
	require_restore_privileges(rows, n);
	/* a Citus table's shard, or one without a primary key, is refused here */
	for (int i = 0; i < n; i++)
		(void) merge_table_open(contacts_spi_oid(rows, i, 1), false);

	/*
	 * A row a later merge (still in effect) logged again must wait for that
	 * merge to be undone, even when its values happen to be the same (a
	 * second soft delete, a survivor left as it was).
	 */
	if (merge_spi(psprintf(LATER_TOUCH_SQL, schema), 1, types, values, NULL, true) > 0)
	{
		Oid			relid = contacts_spi_oid(SPI_tuptable, 0, 1);

		refuse(merge_id, merge_table_open(relid, false), contacts_spi_text(SPI_tuptable, 0, 2),
			   "was changed again by a later merge", NULL);
	}

	/*
	 * The alternates it kept in contacts.alternate go first: a restored row
	 * holds them again, and the entry trigger must not find them as another
	 * row's.  Those in array columns go with the survivor's before-image,
	 * the first row restored (it was logged last).
	 */
	/*
	 * As the caller: the log's policies check unmerged_by, and the
	 * alternates' let a role remove only those of merges it undid.
	 */
	merge_spi(psprintf("UPDATE %s.merge_log SET unmerged_at = pg_catalog.now(), unmerged_by = CURRENT_USER "
					   "WHERE merge_id = $1", schema), 1, types, values, NULL, false);
	merge_alternates_remove(merge_id);

	PG_TRY();
	{
		for (int i = 0; i < n; i++)
		{
			Oid			relid = contacts_spi_oid(rows, i, 1);
			char	   *before = contacts_spi_text(rows, i, 2);
			char	   *after = contacts_spi_text(rows, i, 3);
			MergeTable *t = merge_table_open(relid, false);

			CHECK_FOR_INTERRUPTS();
			restoring = t->display;
			if (after == NULL)
				restore_deleted(merge_id, t, before);
			else
				restore_changed(merge_id, t, before, after);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/*
		 * A restored row that references a row a later merge removed, or
		 * collides with one that appeared since: no exact restore.
		 */
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_FOREIGN_KEY_VIOLATION &&
			edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
			PG_RE_THROW();
		FlushErrorState();
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot unmerge merge " INT64_FORMAT ": a restored row of table \"%s\" would break a constraint",
						merge_id, restoring),
				 errdetail("%s%s%s", edata->message, edata->detail ? ": " : "",
						   edata->detail ? edata->detail : ""),
				 errhint("A later merge or change removed a row it references or added one it collides with; unmerge later merges first.")));
	}
	PG_END_TRY();

	contacts_feed_unmerge(merge_id);
	contacts_spi_finish();
	contacts_unpin_search_path(pinned);
	PG_RETURN_INT32(n);
}
