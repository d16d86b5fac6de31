/*
 * merge_table.c
 *		What merge and unmerge need to know about a table, and the SPI calls
 *		they make.
 *
 * Every statement merge builds depends only on the table's shape, so the
 * same few statements run for every merge into a table.  They are prepared
 * once per backend and kept (SPI_keepplan); the plan cache replans them when
 * the table changes, and privileges are checked at each execution, as the
 * caller.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "citus.h"
#include "compat.h"
#include "merge.h"
#include "privileges.h"

MergeTable *
merge_table_open(Oid relid, bool require_pk)
{
	Relation	rel = try_relation_open(relid, AccessShareLock);
	TupleDesc	desc;
	MergeTable *t = palloc0(sizeof(MergeTable));
	Oid			pkindex;
	Oid			citus;

	/* dropped since it was named (a log row of a dropped table, a race) */
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	desc = RelationGetDescr(rel);
	t->relid = relid;
	t->qname = contacts_quoted_relation(relid);
	/*
	 * Messages name the table schema-qualified: the merge runs under a
	 * pinned search_path, so regclass would print it qualified anyway.
	 */
	t->display = t->qname;
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", t->display),
				 errhint("Merge works on the rows of ordinary and partitioned tables.")));

	t->cols = palloc0(sizeof(MergeColumn) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		MergeColumn *c;

		if (att->attisdropped)
			continue;
		c = &t->cols[t->ncols++];
		c->name = pstrdup(NameStr(att->attname));
		c->qname = pstrdup(quote_identifier(c->name));
		c->type = att->atttypid;
		c->attnum = att->attnum;
		c->generated = (att->attgenerated != '\0');
		c->identity_always = (att->attidentity == ATTRIBUTE_IDENTITY_ALWAYS);
	}

	pkindex = contacts_primary_key_index(rel);
	if (OidIsValid(pkindex))
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(pkindex));
		Form_pg_index index;

		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for index %u", pkindex);
		index = (Form_pg_index) GETSTRUCT(tup);
		t->npk = index->indnkeyatts;
		t->pk = palloc(sizeof(int) * t->npk);
		for (int k = 0; k < t->npk; k++)
		{
			AttrNumber	attnum = index->indkey.values[k];

			t->pk[k] = -1;
			for (int i = 0; i < t->ncols; i++)
				if (t->cols[i].attnum == attnum)
					t->pk[k] = i;
			Assert(t->pk[k] >= 0);
		}
		ReleaseSysCache(tup);
	}
	else if (require_pk)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("table \"%s\" has no primary key", t->display),
				 errhint("Merge identifies rows by their primary key: add one with ALTER TABLE ... ADD PRIMARY KEY.")));

	/*
	 * A Citus table's rows are written one at a time by key; its shards are
	 * not merged apart from it.
	 */
	citus = contacts_citus_table_of(relid);
	if (OidIsValid(citus) && citus != relid)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("\"%s\" is a shard of the Citus table \"%s\"", t->display, get_rel_name(citus)),
				 errhint("Merge and unmerge rows of the Citus table, on the coordinator.")));
	t->by_key = OidIsValid(citus);
	if (t->by_key && t->npk == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("Citus table \"%s\" has no primary key", t->display),
				 errhint("A merge finds the rows of a Citus table by their primary key: add one with ALTER TABLE ... ADD PRIMARY KEY.")));

	/* keep the lock until the end of the transaction */
	relation_close(rel, NoLock);
	return t;
}

/* Index in t->cols of the column named name, or -1. */
int
merge_table_column(const MergeTable *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return i;
	return -1;
}

bool
merge_table_has_pk_column(const MergeTable *t, int col)
{
	for (int k = 0; k < t->npk; k++)
		if (t->pk[k] == col)
			return true;
	return false;
}

/*
 * "l.k1 = r.k1 AND l.k2 = r.k2 ..." over the primary key, each with the key
 * type's own equality operator, qualified: a row comparison
 * "(l.k1, l.k2) = (r.k1, r.k2)" would look "=" up on the search_path.
 */
char *
merge_key_equality(const MergeTable *t, const char *left, const char *right)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = 0; k < t->npk; k++)
	{
		const MergeColumn *c = &t->cols[t->pk[k]];

		if (k > 0)
			appendStringInfoString(&buf, " AND ");
		contacts_append_equality(&buf, psprintf("%s.%s", left, c->qname), c->type,
								 psprintf("%s.%s", right, c->qname));
	}
	return buf.data;
}

/* "p.\"a\", p.\"b\"" for the given columns; prefix may be "" */
char *
merge_column_list(const MergeTable *t, const int *cols, int n, const char *prefix)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s%s", i > 0 ? ", " : "", prefix, t->cols[cols[i]].qname);
	return buf.data;
}

char *
merge_pk_list(const MergeTable *t, const char *prefix)
{
	return merge_column_list(t, t->pk, t->npk, prefix);
}

/* n strings as a text[] datum */
Datum
merge_text_array(char *const *items, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* The primary key's column names, in key order (also their names in an image). */
char	  **
merge_pk_column_names(const MergeTable *t)
{
	char	  **names = palloc(sizeof(char *) * Max(t->npk, 1));

	for (int k = 0; k < t->npk; k++)
		names[k] = t->cols[t->pk[k]].name;
	return names;
}

/* The primary key's column names as a text[] datum. */
Datum
merge_pk_names(const MergeTable *t)
{
	return merge_text_array(merge_pk_column_names(t), t->npk);
}

/*
 * Statements prepared once per backend, found by their text.  The plan
 * cache replans them when a table they scan changes, but not when only a
 * row type they name does (NULL::tbl in jsonb_populate_record), so any
 * relcache invalidation makes every kept statement be prepared again.
 */
typedef struct KeptStatement
{
	uint32		hash;
	uint64		generation;
	char	   *sql;
	SPIPlanPtr	plan;
	struct KeptStatement *next;
} KeptStatement;

static KeptStatement *kept_statements = NULL;
static uint64 kept_generation = 0;
static bool retire_callback_registered = false;

/*
 * Plans replaced while a call may still be running one of them (a trigger
 * can merge again from inside a merge), freed when the transaction ends.
 */
static List *retired_plans = NIL;

void
merge_cache_invalidate(Oid relid)
{
	kept_generation++;
}

static void
free_retired_plans(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
		return;
	foreach(lc, retired_plans)
		SPI_freeplan(lfirst(lc));
	list_free(retired_plans);
	retired_plans = NIL;
}

/*
 * Changes whenever any relcache entry is invalidated: cached catalog facts
 * (foreign keys, unique indexes) older than this are reloaded.
 */
uint64
merge_cache_generation(void)
{
	if (!retire_callback_registered)
	{
		RegisterXactCallback(free_retired_plans, NULL);
		retire_callback_registered = true;
	}
	return kept_generation;
}

static SPIPlanPtr
kept_plan(const char *sql, int nargs, const Oid *argtypes)
{
	uint32		hash = hash_bytes((const unsigned char *) sql, strlen(sql));
	KeptStatement *s;
	SPIPlanPtr	plan;

	(void) merge_cache_generation();
	for (s = kept_statements; s != NULL; s = s->next)
		if (s->hash == hash && strcmp(s->sql, sql) == 0)
			break;
	if (s != NULL && s->generation == kept_generation)
		return s->plan;

	/*
	 * Generic plans: the parameters are jsonb images and keys, whose values
	 * tell the planner nothing, so replanning per call is wasted work.
	 */
	plan = contacts_spi_prepare(sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN, true);
	if (s == NULL)
	{
		s = MemoryContextAlloc(TopMemoryContext, sizeof(KeptStatement));
		s->hash = hash;
		s->sql = MemoryContextStrdup(TopMemoryContext, sql);
		s->next = kept_statements;
		kept_statements = s;
	}
	else
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		retired_plans = lappend(retired_plans, s->plan);
		MemoryContextSwitchTo(old);
	}
	s->plan = plan;
	s->generation = kept_generation;
	return plan;
}

/*
 * Run a statement (prepared once, kept) and return the number of rows it
 * processed; results are in SPI_tuptable.
 */
int
merge_spi(const char *sql, int nargs, const Oid *argtypes, const Datum *values,
		  const char *nulls, bool read_only)
{
	return (int) contacts_spi_execute_plan(kept_plan(sql, nargs, argtypes), values, nulls,
										   read_only, 0, CONTACTS_SPI_OK_ANY);
}

/* The row's identity: its primary key values, or the whole image without one. */
char *
merge_row_identity(const MergeTable *t, const char *image)
{
	Oid			types[2] = {TEXTOID, TEXTARRAYOID};
	Datum		values[2];

	if (t->npk == 0)
		return pstrdup(image);
	values[0] = CStringGetTextDatum(image);
	values[1] = merge_pk_names(t);
	merge_spi("SELECT pg_catalog.jsonb_object_agg(e.key, e.value)::text FROM pg_catalog.jsonb_each($1::jsonb) e "
			  "WHERE e.key = ANY ($2)", 2, types, values, NULL, true);
	return contacts_spi_text(SPI_tuptable, 0, 1);
}

/* The elements of a JSON array, as text, in order. */
List *
merge_json_elements(const char *array)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(array)};
	List	   *elements = NIL;
	int			n;

	n = merge_spi("SELECT e.v::text FROM pg_catalog.jsonb_array_elements($1::jsonb) WITH ORDINALITY e(v, pos) "
				  "ORDER BY e.pos", 1, types, values, NULL, true);
	for (int i = 0; i < n; i++)
		elements = lappend(elements, contacts_spi_text(SPI_tuptable, i, 1));
	return elements;
}
