/*
 * merge_keyed.c
 *		The row statements of a merge and an unmerge on a Citus table: one row
 *		at a time, addressed by its primary key.
 *
 * Citus sends a statement to one shard when it filters the distribution
 * column by a value known when it is planned, and a distributed table's
 * primary key always holds its distribution column.  So on a Citus table
 * (MergeTable.by_key) every statement below names one row by all its key
 * columns, with the values as parameters of the columns' own types (a text
 * parameter cast to a type whose input reads a setting, as contacts.email,
 * could not be routed) and a plan made for each call: Citus routes a custom
 * plan, not a generic one.  Rows are found by key, never by ctid (a shard's
 * own); no statement joins the table with the extension's log tables (the
 * caller logs what these return); and images are read by a SELECT under
 * the row lock, as Citus takes no stable function in RETURNING.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "merge.h"
#include "privileges.h"

/*
 * Parameters for columns cols[0..n) of t, read from the JSON object
 * row_json at the names json_names[0..n) by the columns' input functions:
 * for a key, the row's own column names; for references, the referenced
 * row's.  A missing or null value is a NULL parameter, which equals nothing.
 */
static void
column_params(const MergeTable *t, const int *cols, char *const *json_names, int n,
			  const char *row_json, Oid *types, Datum *values, char *nulls)
{
	Oid			argtypes[2] = {TEXTOID, TEXTARRAYOID};
	Datum		args[2];
	Datum	   *texts;
	bool	   *text_nulls;
	int			ntexts;

	args[0] = CStringGetTextDatum(row_json);
	args[1] = merge_text_array(json_names, n);
	merge_spi("SELECT ARRAY(SELECT $1::jsonb ->> u.c FROM pg_catalog.unnest($2) WITH ORDINALITY u(c, o) ORDER BY u.o)",
			  2, argtypes, args, NULL, true);
	deconstruct_array(DatumGetArrayTypeP(contacts_spi_datum(SPI_tuptable, 0, 1, &(bool) {false})),
					  TEXTOID, -1, false, TYPALIGN_INT, &texts, &text_nulls, &ntexts);
	for (int i = 0; i < n; i++)
	{
		const MergeColumn *c = &t->cols[cols[i]];
		Oid			input;
		Oid			ioparam;

		types[i] = c->type;
		nulls[i] = (i >= ntexts || text_nulls[i]) ? 'n' : ' ';
		if (nulls[i] == 'n')
		{
			values[i] = (Datum) 0;
			continue;
		}
		getTypeInputInfo(c->type, &input, &ioparam);
		values[i] = OidInputFunctionCall(input, TextDatumGetCString(texts[i]), ioparam, -1);
	}
}

/* "t.c1 = $first AND t.c2 = $first+1 ...", each with its type's equality */
static char *
columns_condition(const MergeTable *t, const int *cols, int n, int first)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
	{
		const MergeColumn *c = &t->cols[cols[i]];

		if (i > 0)
			appendStringInfoString(&buf, " AND ");
		contacts_append_equality(&buf, psprintf("t.%s", c->qname), c->type, psprintf("$%d", first + i));
	}
	return buf.data;
}

/*
 * Run sql, whose parameters are nargs others and then the values of
 * columns cols of t read from row_json (at json_names).
 */
static int
execute_with_columns(const MergeTable *t, const char *sql, const int *cols, char *const *json_names, int n,
					 const char *row_json, int nargs, const Oid *argtypes, const Datum *args)
{
	int			total = nargs + n;
	Oid		   *types = palloc(sizeof(Oid) * total);
	Datum	   *values = palloc(sizeof(Datum) * total);
	char	   *nulls = palloc(total);

	for (int i = 0; i < nargs; i++)
	{
		types[i] = argtypes[i];
		values[i] = args[i];
		nulls[i] = ' ';
	}
	column_params(t, cols, json_names, n, row_json, types + nargs, values + nargs, nulls + nargs);
	return (int) contacts_spi_execute_args(sql, total, types, values, nulls, false, 0, CONTACTS_SPI_OK_ANY);
}

/* Run sql with the row's key as its parameters, after nargs others. */
static int
keyed_execute(const MergeTable *t, const char *sql, const char *row_json,
			  int nargs, const Oid *argtypes, const Datum *args)
{
	return execute_with_columns(t, sql, t->pk, merge_pk_column_names(t), t->npk, row_json, nargs, argtypes, args);
}

int
merge_keyed_select_where(const MergeTable *t, const int *cols, char *const *json_names, int n,
						 const char *row_json, const char *columns, bool for_update)
{
	return execute_with_columns(t, psprintf("SELECT %s FROM %s t WHERE %s%s", columns, t->qname,
											columns_condition(t, cols, n, 1), for_update ? " FOR UPDATE OF t" : ""),
								cols, json_names, n, row_json, 0, NULL, NULL);
}

int
merge_keyed_select(const MergeTable *t, const char *row_json, const char *columns, bool for_update)
{
	return merge_keyed_select_where(t, t->pk, merge_pk_column_names(t), t->npk, row_json, columns, for_update);
}

char *
merge_keyed_image(const MergeTable *t, const char *row_json)
{
	if (merge_keyed_select(t, row_json, "pg_catalog.to_jsonb(t)::text", false) == 0)
		return NULL;
	return contacts_spi_text(SPI_tuptable, 0, 1);
}

int
merge_keyed_delete(const MergeTable *t, const char *row_json)
{
	return keyed_execute(t, psprintf("DELETE FROM %s t WHERE %s", t->qname, columns_condition(t, t->pk, t->npk, 1)),
						 row_json, 0, NULL, NULL);
}

int
merge_keyed_update(const MergeTable *t, const char *row_json, const char *image, const int *cols, int ncols)
{
	StringInfoData sql;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(image)};

	if (ncols == 0)
		return 1;
	initStringInfo(&sql);
	appendStringInfo(&sql, "UPDATE %s t SET ", t->qname);
	for (int i = 0; i < ncols; i++)
		appendStringInfo(&sql, "%s%s = (pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb)).%s",
						 i > 0 ? ", " : "", t->cols[cols[i]].qname, t->qname, t->cols[cols[i]].qname);
	appendStringInfo(&sql, " WHERE %s", columns_condition(t, t->pk, t->npk, 2));
	return keyed_execute(t, sql.data, row_json, 1, types, values);
}

/* Log a row the keyed statements changed: the log is local, the row is not. */
void
merge_keyed_log(int64 merge_id, Oid relid, const char *action, const char *before, const char *after)
{
	Oid			types[5] = {INT8OID, OIDOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

	values[0] = Int64GetDatum(merge_id);
	values[1] = ObjectIdGetDatum(relid);
	values[2] = CStringGetTextDatum(action);
	values[3] = CStringGetTextDatum(before);
	if (after != NULL)
		values[4] = CStringGetTextDatum(after);
	else
		nulls[4] = 'n';
	merge_spi(psprintf("INSERT INTO %s.merge_log_row (merge_id, tbl, action, before, after) "
					   "VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)", contacts_extension_schema_quoted()),
			  5, types, values, nulls, false);
}

/*
 * Insert a row from its image (generated columns left to compute, identity
 * values as they were); returns the rows inserted.  Citus routes the row by
 * its values: on a Citus table, a plan for this call.
 */
int
merge_insert_image(const MergeTable *t, const char *image)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(image)};
	int		   *cols = palloc(sizeof(int) * t->ncols);
	int			n = 0;
	char	   *sql;

	for (int i = 0; i < t->ncols; i++)
		if (!t->cols[i].generated)
			cols[n++] = i;
	sql = psprintf("INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s "
				   "FROM pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb) v",
				   t->qname, merge_column_list(t, cols, n, ""), merge_column_list(t, cols, n, "v."), t->qname);
	if (t->by_key)
		return (int) contacts_spi_execute_args(sql, 1, types, values, NULL, false, 0, CONTACTS_SPI_OK_ANY);
	return merge_spi(sql, 1, types, values, NULL, false);
}

/*
 * Move a row of a Citus table to another key (a repointed reference that is
 * part of it): delete it and insert its new image, as Citus lets no
 * statement change a distribution column.  Deleted first, so that the new
 * image collides with nothing of the old.  Returns the new row's image.
 */
char *
merge_keyed_move(const MergeTable *t, const char *image, const char *new_image)
{
	if (merge_keyed_delete(t, image) != 1 || merge_insert_image(t, new_image) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("row %s of table \"%s\" could not be moved to its new key",
						merge_row_identity(t, image), t->display),
				 errhint("A trigger or a row security policy on the table skipped the write.")));
	return merge_keyed_image(t, new_image);
}
