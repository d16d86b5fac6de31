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
 * The key of a row (its image, or a key object {"col": "value", ...}) as
 * parameters $first.. of the key columns' types, read by their input
 * functions from the JSON values.
 */
static void
key_params(const MergeTable *t, const char *row_json, Oid *types, Datum *values, char *nulls)
{
	Oid			argtypes[2] = {TEXTOID, TEXTARRAYOID};
	Datum		args[2];
	Datum	   *texts;
	bool	   *text_nulls;
	int			n;

	args[0] = CStringGetTextDatum(row_json);
	args[1] = merge_pk_names(t);
	merge_spi("SELECT ARRAY(SELECT $1::jsonb ->> u.c FROM pg_catalog.unnest($2) WITH ORDINALITY u(c, o) ORDER BY u.o)",
			  2, argtypes, args, NULL, true);
	deconstruct_array(DatumGetArrayTypeP(contacts_spi_datum(SPI_tuptable, 0, 1, &(bool) {false})),
					  TEXTOID, -1, false, TYPALIGN_INT, &texts, &text_nulls, &n);
	for (int k = 0; k < t->npk; k++)
	{
		const MergeColumn *c = &t->cols[t->pk[k]];
		Oid			input;
		Oid			ioparam;

		if (k >= n || text_nulls[k])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a row of table \"%s\" has no value for key column \"%s\"", t->display, c->name)));
		getTypeInputInfo(c->type, &input, &ioparam);
		types[k] = c->type;
		values[k] = OidInputFunctionCall(input, TextDatumGetCString(texts[k]), ioparam, -1);
		nulls[k] = ' ';
	}
}

/* "t.k1 = $first AND t.k2 = $first+1 ...", each with its type's equality */
static char *
key_condition(const MergeTable *t, int first)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = 0; k < t->npk; k++)
	{
		const MergeColumn *c = &t->cols[t->pk[k]];

		if (k > 0)
			appendStringInfoString(&buf, " AND ");
		contacts_append_equality(&buf, psprintf("t.%s", c->qname), c->type, psprintf("$%d", first + k));
	}
	return buf.data;
}

/* Run sql with the row's key as its parameters $first.., after nargs others. */
static int
keyed_execute(const MergeTable *t, const char *sql, const char *row_json,
			  int nargs, const Oid *argtypes, const Datum *args, bool read_only)
{
	int			total = nargs + t->npk;
	Oid		   *types = palloc(sizeof(Oid) * total);
	Datum	   *values = palloc(sizeof(Datum) * total);
	char	   *nulls = palloc(total);

	for (int i = 0; i < nargs; i++)
	{
		types[i] = argtypes[i];
		values[i] = args[i];
		nulls[i] = ' ';
	}
	key_params(t, row_json, types + nargs, values + nargs, nulls + nargs);
	return (int) contacts_spi_execute_args(sql, total, types, values, nulls, read_only, 0, CONTACTS_SPI_OK_ANY);
}

int
merge_keyed_select(const MergeTable *t, const char *row_json, const char *columns, bool for_update)
{
	return keyed_execute(t, psprintf("SELECT %s FROM %s t WHERE %s%s", columns, t->qname, key_condition(t, 1),
									 for_update ? " FOR UPDATE OF t" : ""),
						 row_json, 0, NULL, NULL, false);
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
	return keyed_execute(t, psprintf("DELETE FROM %s t WHERE %s", t->qname, key_condition(t, 1)),
						 row_json, 0, NULL, NULL, false);
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
	appendStringInfo(&sql, " WHERE %s", key_condition(t, 2));
	return keyed_execute(t, sql.data, row_json, 1, types, values, false);
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
