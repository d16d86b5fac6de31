/*
 * merge_alternates.c
 *		What a merge keeps of the merged-away rows' identities: every
 *		distinct email, phone and national ID they held (in their configured
 *		columns, or as alternates of their own) that the survivor does not
 *		hold already becomes an alternate of the survivor.
 *
 * The table's configuration names which columns hold which kind
 * (contacts.column_kind) and, per kind, an array column of the table that
 * keeps the alternates (merge_config.alternate_columns); kinds without one
 * keep them in contacts.alternate, keyed by the merge that added them.
 * Values are stored normalized, as the entry trigger stores them; values
 * that are invalid for their kind are not kept (they cannot identify
 * anyone).  Unmerge removes exactly what the merge added: the survivor's
 * array columns are restored from the merge log with the rest of the row,
 * and the rows of contacts.alternate go by merge_id.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "duplicates.h"
#include "entry_config.h"
#include "merge.h"
#include "privileges.h"

static const char *const alternate_kinds[3] = {"email", "phone", "national_id"};

/* As the extension's owner: configuration every merger needs (see merge_rules.c). */
static int
config_spi(const char *sql, Oid relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};
	ContactsRoleSwitch sw;
	int			n;

	contacts_switch_to(contacts_extension_owner(), &sw);
	n = merge_spi(sql, 1, types, values, NULL, true);
	contacts_switch_back(&sw);
	return n;
}

/* SQL normalizing the text expression v of kind, NULL when invalid */
static char *
normalize_sql(const char *kind, const char *v, const char *region)
{
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	values[0] = CStringGetTextDatum(kind);
	values[1] = CStringGetTextDatum(v);
	values[2] = CStringGetTextDatum(region);
	merge_spi(psprintf("SELECT pg_catalog.format('CASE WHEN %%s IS NULL THEN %%s END', "
					   "%1$s.kind_check_sql($1, $2, $3), %1$s.kind_normalize_sql($1, $2, $3))",
					   contacts_extension_schema_quoted()),
			  3, types, values, NULL, true);
	return contacts_spi_text(SPI_tuptable, 0, 1);
}

/* "SELECT kind, v FROM rows UNION ALL ..." over the kind columns of relation alias */
static void
append_values(StringInfo sql, const MergeTable *t, const MergeAlternates *alt, const char *from,
			  const char *survivor_key_sql)
{
	const char *schema = contacts_extension_schema_quoted();

	appendStringInfoString(sql, "SELECT NULL::text AS kind, NULL::text AS v WHERE false");
	for (int i = 0; i < alt->ncols; i++)
		appendStringInfo(sql, " UNION ALL SELECT %s::text, r.%s::text FROM %s r",
						 quote_literal_cstr(alt->col_kind[i]), t->cols[alt->cols[i]].qname, from);
	for (int k = 0; k < 3; k++)
	{
		if (alt->array_col[k] >= 0)
			appendStringInfo(sql, " UNION ALL SELECT %s::text, e::text FROM %s r, pg_catalog.unnest(r.%s) e",
							 quote_literal_cstr(alternate_kinds[k]), from,
							 t->cols[alt->array_col[k]].qname);
	}
	/* kept in the extension's table (also before the kind had an array column) */
	appendStringInfo(sql, " UNION ALL SELECT a.kind, a.value FROM %s.alternate a "
					 "WHERE a.tbl = $3 AND a.survivor = ANY (%s)", schema, survivor_key_sql);
}

static MergeAlternates *build_plan(MergeTable *t);

/*
 * The plans of the tables merged in this backend, kept until any relcache
 * invalidation (which DDL and every change to the configuration tables
 * send, see config_changed()): a batch merges thousands of times into one
 * table.
 */
typedef struct KeptAlternates
{
	Oid			relid;
	uint64		generation;
	MergeAlternates *alt;		/* NULL: nothing to keep for this table */
	struct KeptAlternates *next;
} KeptAlternates;

static KeptAlternates *kept = NULL;

static MergeAlternates *
copy_plan(const MergeAlternates *src)
{
	MergeAlternates *alt = palloc(sizeof(MergeAlternates));

	*alt = *src;
	alt->key_name = pstrdup(src->key_name);
	alt->cols = palloc(sizeof(int) * Max(src->ncols, 1));
	alt->col_kind = palloc(sizeof(char *) * Max(src->ncols, 1));
	for (int i = 0; i < src->ncols; i++)
	{
		alt->cols[i] = src->cols[i];
		alt->col_kind[i] = pstrdup(src->col_kind[i]);
	}
	alt->collect_sql = pstrdup(src->collect_sql);
	return alt;
}

MergeAlternates *
merge_alternates_plan(MergeTable *t)
{
	uint64		generation = merge_cache_generation();
	KeptAlternates *k;
	MergeAlternates *alt;
	MemoryContext old;

	for (k = kept; k != NULL; k = k->next)
		if (k->relid == t->relid)
			break;
	if (k != NULL && k->generation == generation)
		return k->alt;
	alt = build_plan(t);
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (k == NULL)
	{
		k = palloc0(sizeof(KeptAlternates));
		k->relid = t->relid;
		k->next = kept;
		kept = k;
	}
	/* an older plan is left behind: rare, and small */
	k->alt = alt ? copy_plan(alt) : NULL;
	k->generation = generation;
	MemoryContextSwitchTo(old);
	return k->alt;
}

static MergeAlternates *
build_plan(MergeTable *t)
{
	MergeAlternates *alt;
	const char *schema = contacts_extension_schema_quoted();
	char	   *region;
	char	   *norm[3];
	char	   *keycol;
	int			n;
	StringInfoData sql;
	StringInfoData values;

	/* a catalog older than alternates keeps none */
	if (!contacts_catalog_has("alternate", NULL))
		return NULL;
	if (config_spi(psprintf("SELECT c.key_column::text, pg_catalog.quote_nullable(c.default_region), "
							"m.alternate_columns ->> 'email', m.alternate_columns ->> 'phone', "
							"m.alternate_columns ->> 'national_id', "
							"c.on_duplicate <> 'allow' FROM %1$s.table_config c "
							"LEFT JOIN %1$s.merge_config m ON m.tbl = c.tbl WHERE c.tbl = $1", schema),
				   t->relid) == 0)
		return NULL;
	alt = palloc0(sizeof(MergeAlternates));
	alt->relid = t->relid;
	keycol = contacts_spi_text(SPI_tuptable, 0, 1);
	alt->key_name = keycol;
	alt->lock = contacts_spi_bool(SPI_tuptable, 0, 6);
	region = contacts_spi_text(SPI_tuptable, 0, 2);
	alt->key_col = merge_table_column(t, keycol);
	if (alt->key_col < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("key column \"%s\" configured for table \"%s\" does not exist", keycol, t->display),
				 errhint("Run contacts.configure() again for this table.")));
	for (int k = 0; k < 3; k++)
	{
		char	   *c = contacts_spi_text(SPI_tuptable, 0, 3 + k);
		Oid			typ;

		alt->array_col[k] = -1;
		if (c == NULL)
			continue;
		alt->array_col[k] = merge_table_column(t, c);
		if (alt->array_col[k] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table \"%s\" does not exist", c, t->display),
					 errdetail("It is named for the %s alternates in contacts.merge_config.", alternate_kinds[k])));
		typ = getBaseType(t->cols[alt->array_col[k]].type);
		if (!OidIsValid(get_element_type(typ)))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("alternates column \"%s\" must be an array, but is of type %s",
							c, format_type_be(typ)),
					 errhint("Use a text[] column (or an array of contacts.email or contacts.phone).")));
		alt->any_array = true;
	}

	n = config_spi(psprintf("SELECT k.col::text, k.kind FROM %s.column_kind k WHERE k.tbl = $1 "
							"AND k.kind IN ('email', 'phone', 'national_id') ORDER BY k.col COLLATE \"C\"",
							schema), t->relid);
	alt->ncols = 0;
	alt->cols = palloc(sizeof(int) * Max(n, 1));
	alt->col_kind = palloc(sizeof(char *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		int			c = merge_table_column(t, contacts_spi_text(SPI_tuptable, i, 1));

		if (c < 0)
			continue;
		alt->cols[alt->ncols] = c;
		alt->col_kind[alt->ncols] = contacts_spi_text(SPI_tuptable, i, 2);
		alt->ncols++;
	}
	if (alt->ncols == 0 && !alt->any_array)
		return NULL;
	for (int k = 0; k < 3; k++)
		norm[k] = normalize_sql(alternate_kinds[k], "c.v", region);

	/*
	 * $1 the merged-away rows' images, $2 the survivor's, $3 the table: the
	 * distinct normalized values of the merged-away rows (by duplicate key:
	 * contacts.email_key for emails) that the survivor does not hold, each
	 * kind in its key order.
	 */
	initStringInfo(&values);
	appendStringInfo(&values, "CASE c.kind WHEN 'email' THEN %s WHEN 'phone' THEN %s ELSE %s END",
					 norm[0], norm[1], norm[2]);
	initStringInfo(&sql);
	appendStringInfo(&sql, "WITH m AS (SELECT * FROM pg_catalog.jsonb_populate_recordset(NULL::%s, $1::jsonb)), "
					 "s AS (SELECT * FROM pg_catalog.jsonb_populate_record(NULL::%s, $2::jsonb)), cand AS (",
					 t->qname, t->qname);
	append_values(&sql, t, alt, "m", psprintf("ARRAY(SELECT x.img ->> %s FROM pg_catalog.jsonb_array_elements($1::jsonb) x(img))",
											  quote_literal_cstr(keycol)));
	appendStringInfoString(&sql, "), held AS (");
	append_values(&sql, t, alt, "s", psprintf("ARRAY[$2::jsonb ->> %s]", quote_literal_cstr(keycol)));
	appendStringInfo(&sql, "), nc AS (SELECT c.kind, %1$s AS value FROM cand c), "
					 "nh AS (SELECT c.kind, %1$s AS value FROM held c), "
					 "kc AS (SELECT n.kind, n.value, CASE n.kind WHEN 'email' THEN %2$s.email_key(n.value) ELSE n.value END AS k FROM nc n), "
					 "kh AS (SELECT n.kind, CASE n.kind WHEN 'email' THEN %2$s.email_key(n.value) ELSE n.value END AS k FROM nh n) "
					 "SELECT DISTINCT ON (kc.kind, kc.k) kc.kind, kc.value FROM kc "
					 "WHERE kc.k IS NOT NULL AND NOT EXISTS (SELECT FROM kh WHERE kh.kind = kc.kind AND kh.k = kc.k) "
					 "ORDER BY kc.kind, kc.k, kc.value",
					 values.data, schema);
	alt->collect_sql = sql.data;
	return alt;
}

/*
 * The new alternates of a merge: per kind, a text[] datum of values (NULL
 * when there are none).
 */
void
merge_alternates_collect(MergeAlternates *alt, const char *member_images, const char *survivor_image,
						 Datum *per_kind)
{
	Oid			types[3] = {TEXTOID, TEXTOID, OIDOID};
	Datum		values[3];
	int			n;
	List	   *lists[3] = {NIL, NIL, NIL};
	SPITupleTable *tt;

	values[0] = CStringGetTextDatum(member_images);
	values[1] = CStringGetTextDatum(survivor_image);
	values[2] = ObjectIdGetDatum(alt->relid);
	n = merge_spi(alt->collect_sql, 3, types, values, NULL, true);
	tt = SPI_tuptable;
	for (int i = 0; i < n; i++)
	{
		char	   *kind = contacts_spi_text(tt, i, 1);

		for (int k = 0; k < 3; k++)
			if (strcmp(kind, alternate_kinds[k]) == 0)
				lists[k] = lappend(lists[k], contacts_spi_text(tt, i, 2));
	}
	for (int k = 0; k < 3; k++)
	{
		Datum	   *elems;
		ListCell   *lc;
		int			j = 0;

		per_kind[k] = (Datum) 0;
		if (lists[k] == NIL)
			continue;
		elems = palloc(sizeof(Datum) * list_length(lists[k]));
		foreach(lc, lists[k])
			elems[j++] = CStringGetTextDatum(lfirst(lc));
		per_kind[k] = PointerGetDatum(construct_array(elems, j, TEXTOID, -1, false, TYPALIGN_INT));
	}
}

/*
 * Lock every value about to become an alternate as the entry trigger locks
 * it (duplicates.c): a concurrent insert of the value waits for the merge
 * and then finds the survivor.  Only tables whose trigger checks duplicates.
 */
void
merge_alternates_lock(MergeAlternates *alt, const Datum *per_kind)
{
	Relation	rel;
	EntryConfig *cfg;

	rel = table_open(alt->relid, AccessShareLock);
	cfg = entry_config_get(rel);
	if (cfg->on_duplicate != ON_DUPLICATE_ALLOW)
	{
		for (int k = 0; k < 3; k++)
		{
			Datum	   *elems;
			int			n;

			if (per_kind[k] == (Datum) 0)
				continue;
			deconstruct_array(DatumGetArrayTypeP(per_kind[k]), TEXTOID, -1, false, TYPALIGN_INT,
							  &elems, NULL, &n);
			for (int i = 0; i < n; i++)
				contacts_duplicate_lock_value(cfg, alt->relid, alternate_kinds[k], TextDatumGetCString(elems[i]));
		}
	}
	table_close(rel, AccessShareLock);
}

/* Keep the new alternates of kinds without an array column in contacts.alternate. */
void
merge_alternates_store(MergeAlternates *alt, int64 merge_id, const char *survivor_image,
					   const Datum *per_kind)
{
	Oid			types[5] = {OIDOID, TEXTOID, TEXTOID, TEXTARRAYOID, INT8OID};
	Datum		values[5];
	const char *schema = contacts_extension_schema_quoted();

	for (int k = 0; k < 3; k++)
	{
		if (per_kind[k] == (Datum) 0 || alt->array_col[k] >= 0)
			continue;
		values[0] = ObjectIdGetDatum(alt->relid);
		values[1] = CStringGetTextDatum(survivor_image);
		values[2] = CStringGetTextDatum(alternate_kinds[k]);
		values[3] = per_kind[k];
		values[4] = Int64GetDatum(merge_id);
		merge_spi(psprintf("INSERT INTO %s.alternate (tbl, survivor, kind, value, merge_id) "
						   "SELECT $1, $2::jsonb ->> %s, $3, v, $5 FROM pg_catalog.unnest($4) v",
						   schema, quote_literal_cstr(alt->key_name)),
				  5, types, values, NULL, false);
	}
}

/* unmerge: remove what merge merge_id added to contacts.alternate */
void
merge_alternates_remove(int64 merge_id)
{
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(merge_id)};

	if (!contacts_catalog_has("alternate", NULL))
		return;
	merge_spi(psprintf("DELETE FROM %s.alternate WHERE merge_id = $1", contacts_extension_schema_quoted()),
			  1, types, values, NULL, false);
}
