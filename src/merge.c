/*
 * merge.c
 *		contacts.merge(): merge rows of a table into a survivor.
 *
 * In one transaction, as the caller:
 *	0. for a table whose entry trigger checks duplicates, lock the values
 *	   about to become alternates as the trigger locks them (duplicates.c),
 *	   before any row: an insert of one waits for the merge;
 *	1. lock the rows in primary key order (FOR UPDATE), so that sessions
 *	   merging overlapping sets queue behind each other instead of
 *	   deadlocking, and a committed concurrent UPDATE is seen, not lost;
 *	2. log the merge (contacts.merge_log) and repoint every reference to the
 *	   merged-away rows (merge_fk.c);
 *	3. delete the merged-away rows, or set their soft-delete flag, and keep
 *	   their emails, phones and IDs as alternates (merge_alternates.c);
 *	4. update the survivor with the values the survivorship rules pick (and
 *	   the alternates kept in its array columns).
 * Every row changed or deleted is logged with its before- and after-image in
 * contacts.merge_log_row, which is what unmerge() restores from.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "change_feed.h"
#include "merge.h"
#include "privileges.h"
#include "textconv.h"

/* Append a key value as a JSON object {"pkcol": "text", ...} */
static void
append_key(StringInfo buf, const MergeTable *t, Datum key, Oid keytype)
{
	Datum	   *fields;
	bool	   *fnulls;
	Oid		   *ftypes;
	int			nfields;

	if (type_is_rowtype(keytype))
	{
		HeapTupleHeader th = DatumGetHeapTupleHeader(key);
		TupleDesc	td = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th),
												HeapTupleHeaderGetTypMod(th));
		HeapTupleData tup;
		Datum	   *values = palloc(sizeof(Datum) * td->natts);
		bool	   *nulls = palloc(sizeof(bool) * td->natts);

		tup.t_len = HeapTupleHeaderGetDatumLength(th);
		tup.t_data = th;
		heap_deform_tuple(&tup, td, values, nulls);
		fields = palloc(sizeof(Datum) * td->natts);
		fnulls = palloc(sizeof(bool) * td->natts);
		ftypes = palloc(sizeof(Oid) * td->natts);
		nfields = 0;
		for (int i = 0; i < td->natts; i++)
		{
			if (TupleDescAttr(td, i)->attisdropped)
				continue;
			fields[nfields] = values[i];
			fnulls[nfields] = nulls[i];
			ftypes[nfields] = TupleDescAttr(td, i)->atttypid;
			nfields++;
		}
		ReleaseTupleDesc(td);
	}
	else
	{
		fields = &key;
		fnulls = palloc0(sizeof(bool));
		ftypes = &keytype;
		nfields = 1;
	}

	if (nfields != t->npk)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("keys of table \"%s\" have %d columns, but a key given has %d",
						t->display, t->npk, nfields),
				 errhint("Pass a key of a composite primary key as ROW(%s).", merge_pk_list(t, ""))));

	appendStringInfoChar(buf, '{');
	for (int i = 0; i < nfields; i++)
	{
		Oid			outfunc;
		bool		varlena;

		if (fnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a key given for table \"%s\" is null", t->display)));
		getTypeOutputInfo(ftypes[i], &outfunc, &varlena);
		if (i > 0)
			appendStringInfoChar(buf, ',');
		escape_json(buf, t->cols[t->pk[i]].name);
		appendStringInfoChar(buf, ':');
		escape_json(buf, OidOutputFunctionCall(outfunc, fields[i]));
	}
	appendStringInfoChar(buf, '}');
}

/*
 * WHERE condition: row t has one of the keys in the jsonb array $n, each
 * key column compared with its type's qualified equality.  = ANY for a
 * one-column key probes the primary key index; a composite key is a
 * semi-join, as IN (SELECT ...) was.
 */
static char *
key_match(const MergeTable *t, int param)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (t->npk == 1)
	{
		const MergeColumn *c = &t->cols[t->pk[0]];

		contacts_append_equality_any(&buf, psprintf("t.%s", c->qname), c->type,
									 psprintf("ARRAY(SELECT k.%s FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $%d::jsonb) k)",
											  c->qname, t->qname, param));
	}
	else
		appendStringInfo(&buf, "EXISTS (SELECT FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $%d::jsonb) k WHERE %s)",
						 t->qname, param, merge_key_equality(t, "t", "k"));
	return buf.data;
}

/* Candidate values of one rule column, in preference order. */
typedef struct RuleValues
{
	CtSurvCandidate *cands;
	char	  **json;			/* to_jsonb(value) text per candidate */
} RuleValues;

/*
 * The jsonb object of the survivor's new values: for each rule column whose
 * winning value differs from the survivor's.  images is the jsonb array of
 * the merged rows (survivor first).
 */
static char *
survivor_patch(const MergePlan *plan, const char *images, const char *survivor_image)
{
	const MergeTable *t = plan->table;
	StringInfoData sql;
	StringInfoData patch;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	int			n;
	RuleValues *rv = palloc0(sizeof(RuleValues) * plan->nrules);
	char	  **unions = palloc0(sizeof(char *) * plan->nrules);
	int		   *base = palloc(sizeof(int) * plan->nrules);
	int			ncols = 2;
	bool		first = true;
	const char *schema = contacts_extension_schema_quoted();
	SPITupleTable *tt;

	/*
	 * One row per merged row in preference order (survivor, then most
	 * recently updated, then key), and per rule column (but those that keep
	 * the survivor's value): the value as text, its rank in the type's
	 * order, whether it is valid, its jsonb, and for union the union.
	 */
	initStringInfo(&sql);
	if (plan->updated_at_col >= 0)
		appendStringInfo(&sql, "SELECT pg_catalog.dense_rank() OVER (ORDER BY x.%s DESC NULLS LAST) - 1, ",
						 t->cols[plan->updated_at_col].qname);
	else
		appendStringInfoString(&sql, "SELECT 0::bigint, ");
	appendStringInfoString(&sql, merge_key_equality(t, "x", "s"));
	for (int i = 0; i < plan->nrules; i++)
	{
		const MergeRule *r = &plan->rules[i];
		const char *c = t->cols[r->col].qname;

		base[i] = -1;
		if (r->rule == CT_SURV_SURVIVOR)
			continue;
		base[i] = ncols + 1;
		ncols += 5;
		appendStringInfo(&sql, ", x.%s::text", c);
		if (r->rule == CT_SURV_MAX || r->rule == CT_SURV_MIN)
			appendStringInfo(&sql, ", pg_catalog.dense_rank() OVER (ORDER BY x.%s)", c);
		else
			appendStringInfoString(&sql, ", 0::bigint");
		if (r->rule != CT_SURV_FIRST_VALID)
			appendStringInfoString(&sql, ", false");
		else if (r->validator == MERGE_VALID_EMAIL)
			appendStringInfo(&sql, ", COALESCE(%s.email_valid(x.%s::text), false)", schema, c);
		else
			appendStringInfo(&sql, ", COALESCE(%s.phone_valid(x.%s::text), false)", schema, c);
		appendStringInfo(&sql, ", pg_catalog.to_jsonb(x.%s)", c);

		/*
		 * The union of array values: distinct non-NULL elements in order of
		 * first appearance, going through the rows in preference order.
		 */
		if (r->rule == CT_SURV_UNION)
			appendStringInfo(&sql, ", (SELECT pg_catalog.to_jsonb(pg_catalog.array_agg(u.e ORDER BY u.first)) FROM "
							 "(SELECT d.e, pg_catalog.min(w.pos * 2147483648 + d.o) AS first FROM "
							 "(SELECT y.%s AS v, pg_catalog.row_number() OVER (ORDER BY %s DESC, %s, %s) AS pos "
							 "FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1::jsonb) y) w, "
							 "pg_catalog.unnest(w.v) WITH ORDINALITY d(e, o) WHERE d.e IS NOT NULL GROUP BY d.e) u)",
							 c, merge_key_equality(t, "y", "s"),
							 plan->updated_at_col >= 0 ? psprintf("y.%s DESC NULLS LAST", t->cols[plan->updated_at_col].qname) : "true",
							 merge_pk_list(t, "y."), t->qname);
		else
			appendStringInfoString(&sql, ", NULL::jsonb");
	}
	appendStringInfo(&sql, " FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1::jsonb) x, "
					 "pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb) s ORDER BY 2 DESC, 1, %s",
					 t->qname, t->qname, merge_pk_list(t, "x."));

	values[0] = CStringGetTextDatum(images);
	values[1] = CStringGetTextDatum(survivor_image);
	n = merge_spi(sql.data, 2, types, values, NULL, true);
	tt = SPI_tuptable;
	for (int i = 0; i < plan->nrules; i++)
	{
		rv[i].cands = palloc0(sizeof(CtSurvCandidate) * n);
		rv[i].json = palloc0(sizeof(char *) * n);
	}
	/* the core compares UTF-8; SPI hands back the database encoding */
	for (int row = 0; row < n; row++)
	{
		long		recency = (long) contacts_spi_int8(tt, row, 1);

		for (int i = 0; i < plan->nrules; i++)
		{
			CtSurvCandidate *c = &rv[i].cands[row];
			char	   *v;
			int			len = 0;

			if (base[i] < 0)
				continue;
			v = contacts_spi_text(tt, row, base[i]);
			c->isnull = (v == NULL);
			c->value = v ? contacts_cstring_to_utf8(v, &len) : "";
			c->len = len;
			c->recency = recency;
			c->order = (long) contacts_spi_int8(tt, row, base[i] + 1);
			c->valid = contacts_spi_bool(tt, row, base[i] + 2);
			rv[i].json[row] = contacts_spi_text(tt, row, base[i] + 3);
			if (row == 0)
				unions[i] = contacts_spi_text(tt, row, base[i] + 4);
		}
	}

	initStringInfo(&patch);
	appendStringInfoChar(&patch, '{');
	for (int i = 0; i < plan->nrules; i++)
	{
		const MergeRule *r = &plan->rules[i];
		const char *current;
		const char *chosen;

		if (base[i] < 0)
			continue;
		current = rv[i].json[0];
		if (r->rule == CT_SURV_UNION)
		{
			/* no element anywhere: keep the survivor's (NULL or empty) */
			if (unions[i] == NULL)
				continue;
			chosen = unions[i];
		}
		else
		{
			int			w = ct_surv_pick(r->rule, rv[i].cands, n);

			chosen = w >= 0 ? rv[i].json[w] : "null";
		}
		if (current == NULL)
			current = "null";
		if (strcmp(chosen, current) == 0)
			continue;
		if (!first)
			appendStringInfoChar(&patch, ',');
		first = false;
		escape_json(&patch, t->cols[r->col].name);
		appendStringInfoChar(&patch, ':');
		appendStringInfoString(&patch, chosen);
	}
	appendStringInfoChar(&patch, '}');
	return first ? NULL : patch.data;
}

/* The rules in effect, as a jsonb object for the log: {"col": "rule", ...} */
static char *
rules_json(const MergePlan *plan)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	for (int i = 0; i < plan->nrules; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, ',');
		escape_json(&buf, plan->table->cols[plan->rules[i].col].name);
		appendStringInfoChar(&buf, ':');
		escape_json(&buf, ct_surv_rule_name(plan->rules[i].rule));
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

static void
missing_key_error(const MergeTable *t, const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("no row of table \"%s\" has key %s", t->display, key),
			 errhint("The row may have been merged away already: look for it in contacts.merge_log_row.")));
}

/*
 * Error for keys that match no row, naming the first one in the order given
 * (survivor, then members): ORDER BY, as the plan may find them in any order.
 */
static void
report_missing(const MergeTable *t, const char *keys)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(keys)};
	char	   *sql = psprintf("SELECT e.k::text FROM pg_catalog.jsonb_array_elements($1::jsonb) WITH ORDINALITY e(k, pos) "
							   "WHERE NOT EXISTS (SELECT FROM %s t, pg_catalog.jsonb_populate_record(NULL::%s, e.k) k WHERE %s) "
							   "ORDER BY e.pos LIMIT 1",
							   t->qname, t->qname, merge_key_equality(t, "t", "k"));

	/* not read-only: a fresh snapshot sees what a concurrent merge removed */
	missing_key_error(t, merge_spi(sql, 1, types, values, NULL, false) > 0 ?
					  contacts_spi_text(SPI_tuptable, 0, 1) : "?");
}

/* Whether row t was merged away already: its soft-delete column is set. */
static char *
soft_deleted(const MergeTable *t, const MergePlan *plan)
{
	const MergeColumn *flag;

	if (plan->soft_delete_col < 0)
		return "false";
	flag = &t->cols[plan->soft_delete_col];
	if (getBaseType(flag->type) == BOOLOID)
		return psprintf("COALESCE(t.%s, false)", flag->qname);
	return psprintf("t.%s IS NOT NULL", flag->qname);
}

/*
 * Read the rows of a merge (keys: the survivor's first), locking them in
 * key order when for_update: the survivor's image and a JSON array of the
 * others'.  A Citus table's rows are read one at a time, in key order.
 */
static void
read_rows(const MergeTable *t, const MergePlan *plan, const char *keys, const char *survivor_key,
		  int nkeys, bool for_update, char **survivor_image, char **member_images)
{
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	StringInfoData images;
	List	   *image = NIL;
	List	   *survivor = NIL;
	List	   *merged_away = NIL;
	SPITupleTable *tt;
	int			nrows;
	ListCell   *li,
			   *ls,
			   *lm;

	values[0] = CStringGetTextDatum(keys);
	values[1] = CStringGetTextDatum(survivor_key);
	if (t->by_key)
	{
		List	   *ordered = NIL;

		nrows = merge_spi(psprintf("SELECT e.k::text, e.k = $2::jsonb FROM pg_catalog.jsonb_array_elements($1::jsonb) e(k), "
								   "pg_catalog.jsonb_populate_record(NULL::%s, e.k) s ORDER BY %s",
								   t->qname, merge_pk_list(t, "s.")),
						  2, types, values, NULL, true);
		tt = SPI_tuptable;
		for (int i = 0; i < nrows; i++)
		{
			ordered = lappend(ordered, contacts_spi_text(tt, i, 1));
			survivor = lappend_int(survivor, contacts_spi_bool(tt, i, 2));
		}
		foreach(li, ordered)
		{
			if (merge_keyed_select(t, lfirst(li), psprintf("pg_catalog.to_jsonb(t)::text, %s", soft_deleted(t, plan)),
								   for_update) == 0)
				missing_key_error(t, lfirst(li));
			image = lappend(image, contacts_spi_text(SPI_tuptable, 0, 1));
			merged_away = lappend_int(merged_away, contacts_spi_bool(SPI_tuptable, 0, 2));
		}
	}
	else
	{
		nrows = merge_spi(psprintf("SELECT pg_catalog.to_jsonb(t)::text, %s, %s "
								   "FROM %s t, pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb) s "
								   "WHERE %s ORDER BY %s%s",
								   merge_key_equality(t, "t", "s"), soft_deleted(t, plan), t->qname, t->qname,
								   key_match(t, 1), merge_pk_list(t, "t."), for_update ? " FOR UPDATE OF t" : ""),
						  2, types, values, NULL, false);
		if (nrows != nkeys + 1)
			report_missing(t, keys);
		tt = SPI_tuptable;
		for (int i = 0; i < nrows; i++)
		{
			image = lappend(image, contacts_spi_text(tt, i, 1));
			survivor = lappend_int(survivor, contacts_spi_bool(tt, i, 2));
			merged_away = lappend_int(merged_away, contacts_spi_bool(tt, i, 3));
		}
	}

	*survivor_image = NULL;
	initStringInfo(&images);
	appendStringInfoChar(&images, '[');
	forthree(li, image, ls, survivor, lm, merged_away)
	{
		if (lfirst_int(lm))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("row %s of table \"%s\" was merged away already (soft-deleted)",
							merge_row_identity(t, lfirst(li)), t->display),
					 errhint("Merge into the row it was merged into (see contacts.merge_log), or unmerge first.")));
		if (lfirst_int(ls))
			*survivor_image = lfirst(li);
		else
			appendStringInfo(&images, "%s%s", images.len > 1 ? "," : "", (char *) lfirst(li));
	}
	appendStringInfoChar(&images, ']');
	Assert(*survivor_image != NULL);
	*member_images = images.data;
}

/*
 * The survivor's new values: "col = expr, ..." for an UPDATE, or
 * "expr AS col, ..." (as_select) for a SELECT, over t (the survivor's row),
 * v (the patch's), $1 (the patch) and $5.. (the new alternates of each
 * kind).  Fills cols with the columns written; returns how many.
 */
static int
append_survivor_values(StringInfo sql, const MergeTable *t, const MergePlan *plan,
					   const MergeAlternates *alt, bool as_select, int *cols)
{
	int			n = 0;

	for (int i = 0; i < plan->nrules; i++)
	{
		const MergeColumn *c = &t->cols[plan->rules[i].col];
		char	   *base;
		char	   *value;
		int			kind = -1;

		for (int k = 0; alt != NULL && k < 3; k++)
			if (alt->array_col[k] == plan->rules[i].col)
				kind = k;
		if (plan->rules[i].rule == CT_SURV_SURVIVOR && kind < 0)
			continue;
		base = plan->rules[i].rule == CT_SURV_SURVIVOR ? psprintf("t.%s", c->qname) :
			psprintf("CASE WHEN $1::jsonb OPERATOR(pg_catalog.?) %s THEN v.%s ELSE t.%s END",
					 quote_literal_cstr(c->name), c->qname, c->qname);
		if (kind < 0)
			value = base;
		else
			/* the rule's value, then the new alternates it does not hold */
			value = psprintf("CASE WHEN $%2$d IS NULL THEN %1$s ELSE pg_catalog.array_cat(%1$s, "
							 "ARRAY(SELECT e FROM pg_catalog.unnest($%2$d) e WHERE NOT (e = ANY (COALESCE((%1$s)::pg_catalog.text[], '{}'))))::%3$s) END",
							 base, 5 + kind, format_type_be_qualified(c->type));
		if (as_select)
			appendStringInfo(sql, "%s%s AS %s", n > 0 ? ", " : "", value, c->qname);
		else
			appendStringInfo(sql, "%s = %s, ", c->qname, value);
		cols[n++] = plan->rules[i].col;
	}
	return n;
}

/* Step 3 on a Citus table: each merged-away row deleted or flagged by key, and logged. */
static void
remove_by_key(const MergeTable *t, const MergePlan *plan, int64 merge_id, const char *member_images)
{
	ListCell   *lc;

	foreach(lc, merge_json_elements(member_images))
	{
		char	   *before = lfirst(lc);

		if (plan->soft_delete_col >= 0)
		{
			const MergeColumn *flag = &t->cols[plan->soft_delete_col];
			Oid			types[1] = {TEXTOID};
			Datum		values[1] = {CStringGetTextDatum(before)};

			merge_spi(psprintf("SELECT ($1::jsonb OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(%s, %s))::text",
							   quote_literal_cstr(flag->name),
							   getBaseType(flag->type) == BOOLOID ? "true" : "pg_catalog.now()"),
					  1, types, values, NULL, false);
			merge_keyed_update(t, before, contacts_spi_text(SPI_tuptable, 0, 1), &plan->soft_delete_col, 1);
			merge_keyed_log(merge_id, t->relid, "soft_delete", before, merge_keyed_image(t, before));
		}
		else
		{
			merge_keyed_delete(t, before);
			merge_keyed_log(merge_id, t->relid, "delete", before, NULL);
		}
	}
}

/*
 * contacts.merge(tbl regclass, survivor anyelement, members anyarray,
 *				  rules jsonb DEFAULT NULL, reason text DEFAULT NULL) -> bigint
 *
 * members is the set of rows to merge (survivor included); keys are values
 * of the primary key, or ROW(...) values for a composite primary key.
 */
PG_FUNCTION_INFO_V1(contacts_merge);
Datum
contacts_merge(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Oid			keytype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	ArrayType  *members;
	char	   *call_rules = NULL;
	MergeTable *t;
	MergePlan  *plan;
	StringInfoData keys;
	StringInfoData survivor_key;
	StringInfoData member_keys;
	char	   *member_images = NULL;
	StringInfoData sql;
	char	   *survivor_image = NULL;
	MergeAlternates *alt;
	Datum		new_alternates[3] = {0, 0, 0};
	bool		any_array_alternates = false;
	char	   *images;
	char	   *patch;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			nelems;
	int			nkeys = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	bool		survivor_listed = false;
	int64		merge_id;
	Oid			survivor_out;
	bool		survivor_varlena;
	List	   *seen = NIL;
	Oid			types[8];
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	const char *schema = contacts_extension_schema_quoted();
	int			pinned;
	int		   *cols;
	int			ncols;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table, survivor and members of a merge must not be null")));
	relid = PG_GETARG_OID(0);
	members = PG_GETARG_ARRAYTYPE_P(2);
	if (!PG_ARGISNULL(3))
		call_rules = DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(3)));

	/*
	 * Every statement below, and what it runs (triggers, index predicates),
	 * resolves names under pg_catalog, pg_temp: no object a caller's
	 * search_path brings in can capture them.  An error resets the path with
	 * the transaction.
	 */
	pinned = contacts_pin_search_path();
	contacts_require_table(relid, ACL_SELECT | ACL_UPDATE, "merge rows of");
	contacts_spi_connect();
	t = merge_table_open(relid, true);

	/* keys as JSON objects: the survivor first, then the others, deduplicated */
	initStringInfo(&survivor_key);
	append_key(&survivor_key, t, PG_GETARG_DATUM(1), keytype);
	initStringInfo(&keys);
	initStringInfo(&member_keys);
	appendStringInfo(&keys, "[%s", survivor_key.data);
	appendStringInfoChar(&member_keys, '[');
	get_typlenbyvalalign(ARR_ELEMTYPE(members), &typlen, &typbyval, &typalign);
	deconstruct_array(members, ARR_ELEMTYPE(members), typlen, typbyval, typalign,
					  &elems, &elem_nulls, &nelems);
	for (int i = 0; i < nelems; i++)
	{
		StringInfoData key;
		ListCell   *lc;
		bool		dup = false;

		CHECK_FOR_INTERRUPTS();
		if (elem_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a key given for table \"%s\" is null", t->display)));
		initStringInfo(&key);
		append_key(&key, t, elems[i], ARR_ELEMTYPE(members));
		if (strcmp(key.data, survivor_key.data) == 0)
		{
			survivor_listed = true;
			continue;
		}
		foreach(lc, seen)
			dup |= (strcmp(lfirst(lc), key.data) == 0);
		if (dup)
			continue;
		seen = lappend(seen, key.data);
		appendStringInfo(&keys, ",%s", key.data);
		appendStringInfo(&member_keys, "%s%s", nkeys > 0 ? "," : "", key.data);
		nkeys++;
	}
	appendStringInfoChar(&keys, ']');
	appendStringInfoChar(&member_keys, ']');
	getTypeOutputInfo(keytype, &survivor_out, &survivor_varlena);
	if (!survivor_listed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivor %s is not one of the members of the merge",
						OidOutputFunctionCall(survivor_out, PG_GETARG_DATUM(1))),
				 errhint("members lists every row to merge, the survivor included.")));
	if (nkeys == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a merge needs at least two distinct rows"),
				 errhint("members lists every row to merge, the survivor included.")));

	plan = merge_plan_build(t, call_rules);
	cols = palloc(sizeof(int) * Max(plan->nrules, 1));

	/* refuse before changing anything: merged-away rows are deleted unless flagged */
	if (plan->soft_delete_col < 0)
		contacts_require_table(relid, ACL_DELETE, "merge rows of");
	merge_check_references(relid);

	/*
	 * 0. values about to become alternates are locked first, as the entry
	 * trigger locks them, and before the rows: a writer holding such a lock
	 * may be waiting for one of the rows (on_duplicate = 'update').
	 */
	alt = merge_alternates_plan(t);
	if (alt != NULL && alt->lock)
	{
		read_rows(t, plan, keys.data, survivor_key.data, nkeys, false, &survivor_image, &member_images);
		merge_alternates_collect(alt, member_images, survivor_image, new_alternates);
		merge_alternates_lock(alt, new_alternates);
	}

	/* 1. lock the rows in key order and read them */
	read_rows(t, plan, keys.data, survivor_key.data, nkeys, true, &survivor_image, &member_images);
	images = psprintf("[%s,%s", survivor_image, member_images + 1);
	if (alt != NULL)
		merge_alternates_collect(alt, member_images, survivor_image, new_alternates);

	/* 2. log the merge (keys typed as in the rows) and repoint the references */
	types[0] = OIDOID;
	types[1] = TEXTOID;
	types[2] = TEXTOID;
	types[3] = TEXTOID;
	types[4] = TEXTOID;
	types[5] = TEXTARRAYOID;
	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(survivor_image);
	values[2] = CStringGetTextDatum(member_images);
	values[3] = CStringGetTextDatum(rules_json(plan));
	if (PG_ARGISNULL(4))
		nulls[4] = 'n';
	else
		values[4] = PG_GETARG_DATUM(4);
	values[5] = merge_pk_names(t);
	/* merged_by is left to its default, CURRENT_USER: the log's policies check it */
	merge_spi(psprintf("INSERT INTO %s.merge_log (tbl, survivor, members, rules, reason) SELECT $1, "
					   "(SELECT pg_catalog.jsonb_object_agg(e.key, e.value) FROM pg_catalog.jsonb_each($2::jsonb) e WHERE e.key = ANY ($6)), "
					   "(SELECT pg_catalog.jsonb_agg((SELECT pg_catalog.jsonb_object_agg(e.key, e.value) "
					   "  FROM pg_catalog.jsonb_each(m.img) e WHERE e.key = ANY ($6)) ORDER BY m.ord) "
					   "  FROM pg_catalog.jsonb_array_elements($3::jsonb) WITH ORDINALITY m(img, ord)), "
					   "$4::jsonb, $5 RETURNING merge_id", schema),
			  6, types, values, nulls, false);
	merge_id = contacts_spi_int8(SPI_tuptable, 0, 1);

	merge_repoint_references(merge_id, relid, member_images, survivor_image, 0);

	/* 3. delete or soft-delete the merged-away rows */
	initStringInfo(&sql);
	if (t->by_key)
		remove_by_key(t, plan, merge_id, member_images);
	else if (plan->soft_delete_col >= 0)
	{
		const MergeColumn *flag = &t->cols[plan->soft_delete_col];

		appendStringInfo(&sql, "WITH old AS (SELECT t.tableoid AS rel, t.ctid AS tid, pg_catalog.to_jsonb(t) AS img "
						 "FROM %s t WHERE %s), "
						 "upd AS (UPDATE %s t SET %s = %s FROM old WHERE t.tableoid = old.rel AND t.ctid = old.tid "
						 "RETURNING old.img AS before, pg_catalog.to_jsonb(t) AS after) "
						 "INSERT INTO %s.merge_log_row (merge_id, tbl, action, before, after) "
						 "SELECT $2, $3, 'soft_delete', upd.before, upd.after FROM upd",
						 t->qname, key_match(t, 1), t->qname, flag->qname,
						 getBaseType(flag->type) == BOOLOID ? "true" : "pg_catalog.now()", schema);
	}
	else
		appendStringInfo(&sql, "WITH d AS (DELETE FROM %s t WHERE %s RETURNING pg_catalog.to_jsonb(t) AS img) "
						 "INSERT INTO %s.merge_log_row (merge_id, tbl, action, before) "
						 "SELECT $2, $3, 'delete', d.img FROM d",
						 t->qname, key_match(t, 1), schema);
	if (!t->by_key)
	{
		types[0] = TEXTOID;
		types[1] = INT8OID;
		types[2] = OIDOID;
		values[0] = CStringGetTextDatum(member_keys.data);
		values[1] = Int64GetDatum(merge_id);
		values[2] = ObjectIdGetDatum(relid);
		merge_spi(sql.data, 3, types, values, NULL, false);
	}

	/* 3b. keep the merged-away identities the survivor lacks (not in arrays) */
	if (alt != NULL)
	{
		merge_alternates_store(alt, merge_id, survivor_image, new_alternates);
		for (int k = 0; k < 3; k++)
			any_array_alternates |= (alt->array_col[k] >= 0 && new_alternates[k] != (Datum) 0);
	}

	/* 4. give the survivor the values the rules pick, and array alternates */
	patch = survivor_patch(plan, images, survivor_image);
	if (patch != NULL || any_array_alternates)
	{
		resetStringInfo(&sql);
		if (t->by_key)
		{
			/* the survivor's new image, computed here from its image */
			appendStringInfoString(&sql, "SELECT ($2::jsonb OPERATOR(pg_catalog.||) pg_catalog.to_jsonb(x))::text FROM (SELECT ");
			ncols = append_survivor_values(&sql, t, plan, alt, true, cols);
			appendStringInfo(&sql, " FROM pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb) t, "
							 "pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb) v) x", t->qname, t->qname);
		}
		else
		{
			appendStringInfo(&sql, "WITH v AS (SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%s, $1::jsonb)), "
							 "old AS (SELECT t.tableoid AS rel, t.ctid AS tid, pg_catalog.to_jsonb(t) AS img FROM %s t, "
							 "pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb) k WHERE %s), "
							 "upd AS (UPDATE %s t SET ",
							 t->qname, t->qname, t->qname, merge_key_equality(t, "t", "k"), t->qname);
			ncols = append_survivor_values(&sql, t, plan, alt, false, cols);
			sql.len -= 2;
			sql.data[sql.len] = '\0';
			appendStringInfo(&sql, " FROM old, v WHERE t.tableoid = old.rel AND t.ctid = old.tid "
							 "RETURNING old.img AS before, pg_catalog.to_jsonb(t) AS after) "
							 "INSERT INTO %s.merge_log_row (merge_id, tbl, action, before, after) "
							 "SELECT $3, $4, 'update', upd.before, upd.after FROM upd", schema);
		}
		types[0] = TEXTOID;
		types[1] = TEXTOID;
		types[2] = INT8OID;
		types[3] = OIDOID;
		values[0] = CStringGetTextDatum(patch ? patch : "{}");
		values[1] = CStringGetTextDatum(t->by_key ? survivor_image : survivor_key.data);
		values[2] = Int64GetDatum(merge_id);
		values[3] = ObjectIdGetDatum(relid);
		for (int k = 0; k < 3; k++)
		{
			types[4 + k] = TEXTARRAYOID;
			values[4 + k] = new_alternates[k];
			nulls[4 + k] = new_alternates[k] == (Datum) 0 ? 'n' : ' ';
		}
		merge_spi(sql.data, 7, types, values, nulls, false);
		if (t->by_key)
		{
			merge_keyed_update(t, survivor_image, contacts_spi_text(SPI_tuptable, 0, 1), cols, ncols);
			merge_keyed_log(merge_id, relid, "update", survivor_image, merge_keyed_image(t, survivor_image));
		}
	}

	/* 5. external ids follow the rows; the feed publishes the merge */
	contacts_feed_merge(relid, merge_id, survivor_key.data, member_keys.data, patch);

	contacts_spi_finish();
	contacts_unpin_search_path(pinned);
	PG_RETURN_INT64(merge_id);
}
