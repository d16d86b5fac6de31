/*
 * dedupe_match.c
 *		Single-row matching against a deduplicated table, match_key() and
 *		dedupe_levels().
 *
 * dedupe_match() computes the features of one row (given as jsonb, so it
 * can be a row about to be inserted), finds the records sharing any of its
 * blocking keys through the btree indexes of the features table left by the
 * last dedupe_run, then reads them, and the rows added since the run, from
 * the table as it is now and scores each with that run's model.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "core/match_keys.h"
#include "dedupe.h"
#include "duplicates.h"
#include "entry_kinds.h"
#include "privileges.h"
#include "spi_util.h"
#include "textconv.h"

/* the key kind named by kind, or an error naming the kinds */
static CtKeyKind
key_kind(text *kind)
{
	char	   *name = text_to_cstring(kind);
	int			k = ct_key_kind_from_name(name);

	if (k < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown match key kind \"%s\"", name),
				 errhint("Kinds: email, phone, phonetic, company, national_id, postcode, date, fold, identifier.")));
	return (CtKeyKind) k;
}

/* region (ISO alpha-2, any case) into buf; false when it is not two letters */
static bool
key_region(text *region, char buf[3])
{
	if (region == NULL || VARSIZE_ANY_EXHDR(region) != 2)
		return false;
	buf[0] = (char) pg_ascii_toupper(VARDATA_ANY(region)[0]);
	buf[1] = (char) pg_ascii_toupper(VARDATA_ANY(region)[1]);
	buf[2] = '\0';
	return true;
}

/* the key of value, NULL when it yields none */
static text *
key_of(CtKeyKind kind, text *value, const char *region)
{
	int			len;
	char	   *utf8 = contacts_text_to_utf8(value, &len);
	char		out[CT_KEY_MAX];
	size_t		n = ct_match_key(kind, utf8, len, region, out, &contacts_palloc_allocator);

	return n == 0 ? NULL : contacts_utf8_to_text(out, (int) n);
}

PG_FUNCTION_INFO_V1(contacts_match_key);

Datum
contacts_match_key(PG_FUNCTION_ARGS)
{
	char		region[3];
	CtKeyKind	kind;
	text	   *key;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	kind = key_kind(PG_GETARG_TEXT_PP(0));
	key = key_of(kind, PG_GETARG_TEXT_PP(1),
				 !PG_ARGISNULL(2) && key_region(PG_GETARG_TEXT_PP(2), region) ? region : NULL);
	if (key == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(key);
}

/* the keys of values[i] of kinds[i], as a text[] */
static ArrayType *
keys_array(ArrayType *kinds_array, ArrayType *values_array, const char *region)
{
	Datum	   *kinds,
			   *values,
			   *keys;
	bool	   *kind_nulls,
			   *value_nulls,
			   *key_nulls;
	int			nkinds,
				nvalues,
				dims[1],
				lbs[1] = {1};

	deconstruct_array(kinds_array, TEXTOID, -1, false, TYPALIGN_INT, &kinds, &kind_nulls, &nkinds);
	deconstruct_array(values_array, TEXTOID, -1, false, TYPALIGN_INT, &values, &value_nulls, &nvalues);
	if (nkinds != nvalues)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("match_keys got %d kinds for %d values", nkinds, nvalues),
				 errhint("Give one kind per value.")));
	if (nvalues == 0)
		return construct_empty_array(TEXTOID);
	keys = palloc(sizeof(Datum) * nvalues);
	key_nulls = palloc(sizeof(bool) * nvalues);
	for (int i = 0; i < nvalues; i++)
	{
		text	   *key = NULL;

		if (kind_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("match_keys got a NULL kind"),
					 errhint("Kinds: email, phone, phonetic, company, national_id, postcode, date, fold, identifier.")));
		if (!value_nulls[i])
			key = key_of(key_kind(DatumGetTextPP(kinds[i])), DatumGetTextPP(values[i]), region);
		key_nulls[i] = key == NULL;
		keys[i] = PointerGetDatum(key);
	}
	dims[0] = nvalues;
	return construct_md_array(keys, key_nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * match_keys(kinds, values, region): one row, the array of
 * match_key(kinds[i], values[i], region) for every i.  A dedupe run keys
 * every column of a row through it.  It returns a set so that a query
 * calling it in a subquery's select list is not flattened (a scalar call
 * would be copied into every use of every key) and runs it once per row,
 * where parallel workers may run it (an OFFSET 0 fence would keep them out).
 */
PG_FUNCTION_INFO_V1(contacts_match_keys);

Datum
contacts_match_keys(PG_FUNCTION_ARGS)
{
	FuncCallContext *funcctx;

	if (SRF_IS_FIRSTCALL())
		funcctx = SRF_FIRSTCALL_INIT();
	funcctx = SRF_PERCALL_SETUP();
	if (funcctx->call_cntr == 0 && !PG_ARGISNULL(0) && !PG_ARGISNULL(1))
	{
		char		region[3];
		bool		has_region = !PG_ARGISNULL(2) && key_region(PG_GETARG_TEXT_PP(2), region);

		SRF_RETURN_NEXT(funcctx, PointerGetDatum(keys_array(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1),
															has_region ? region : NULL)));
	}
	SRF_RETURN_DONE(funcctx);
}

PG_FUNCTION_INFO_V1(contacts_dedupe_levels);

Datum
contacts_dedupe_levels(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CtMatchModel model;

	InitMaterializedSRF(fcinfo, 0);
	for (int kind = 0; kind < CT_FIELD_KIND_COUNT; kind++)
	{
		CtFieldKind k = (CtFieldKind) kind;

		ct_model_init(&model, &k, 1);
		for (int l = 0; l < model.field[0].nlevels; l++)
		{
			Datum		values[6];
			bool		nulls[6] = {false};

			values[0] = CStringGetTextDatum(ct_field_kind_name(k));
			values[1] = Int32GetDatum(l);
			values[2] = CStringGetTextDatum(ct_field_level_name(k, l));
			values[3] = Float8GetDatum(model.field[0].m[l]);
			values[4] = Float8GetDatum(model.field[0].u[l]);
			values[5] = BoolGetDatum(ct_field_level_tf(k, l));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

typedef struct Match
{
	int64		key;
	double		probability;
	double		weight;
	char	   *explanation;
} Match;

static int
more_probable_first(const void *x, const void *y)
{
	const Match *a = x,
			   *b = y;

	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	return a->key < b->key ? -1 : (a->key > b->key);
}

/* The tables whose missing features this backend has warned about. */
static List *warned_tables = NIL;

/*
 * Whether the features of the last run are there to match against, the
 * number of records of that run and its largest key (*has_max_key false for
 * features built before the key was kept; *max_key_null for a run of no
 * records).  They may not be: unlogged, they are
 * emptied by crash recovery; or they were dropped, or built for an owner
 * the table no longer has.  Matching then finds nothing rather than failing
 * every insert through the entry trigger, and warns once per backend and
 * table that a run rebuilds them.  Reads as the table's owner (see
 * contacts_dedupe_match).
 */
static bool
features_ready(DedupeConfig *cfg, Oid owner, bool *has_max_key, bool *max_key_null, int64 *max_key)
{
	Oid			nsp = contacts_extension_schema();
	char	   *counts = psprintf("%s_counts", cfg->features_table);
	Oid			ft_oid = get_relname_relid(cfg->features_table, nsp);
	Oid			counts_oid = get_relname_relid(counts, nsp);
	const char *detail = NULL;

	if (!OidIsValid(ft_oid) || !OidIsValid(counts_oid))
		detail = "Its features table is missing.";
	else if (pg_class_aclcheck(ft_oid, owner, ACL_SELECT) != ACLCHECK_OK ||
			 pg_class_aclcheck(counts_oid, owner, ACL_SELECT) != ACLCHECK_OK)
		detail = "Its features table was built for another owner of the table.";
	else
	{
		StringInfoData sql;
		ContactsRoleSwitch sw;

		/* term frequencies are relative to the records of the run */
		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT c.n, EXISTS (SELECT FROM %s.%s), m.field IS NOT NULL, m.n IS NULL, m.n "
						 "FROM %s.%s c LEFT JOIN %s.%s m ON m.field = -1 WHERE c.field = 0",
						 cfg->schema, quote_identifier(cfg->features_table),
						 cfg->schema, quote_identifier(counts), cfg->schema, quote_identifier(counts));
		contacts_switch_to(owner, &sw);
		contacts_spi_execute(sql.data, true, 1, SPI_OK_SELECT);
		contacts_switch_back(&sw);
		if (SPI_processed == 1)
		{
			*has_max_key = contacts_spi_bool(SPI_tuptable, 0, 3);
			*max_key_null = contacts_spi_bool(SPI_tuptable, 0, 4);
			*max_key = *has_max_key && !*max_key_null ? contacts_spi_int8(SPI_tuptable, 0, 5) : 0;
			cfg->records = contacts_spi_int8(SPI_tuptable, 0, 1);
			if (cfg->records == 0 || contacts_spi_bool(SPI_tuptable, 0, 2))
				return true;
		}
		detail = "Its features table is empty: unlogged, it is emptied by crash recovery.";
	}

	if (!list_member_oid(warned_tables, cfg->relid))
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		warned_tables = lappend_oid(warned_tables, cfg->relid);
		MemoryContextSwitchTo(old);
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no likely duplicates of table %s can be found until it is deduplicated again",
						cfg->name),
				 errdetail("%s", detail),
				 errhint("Run contacts.dedupe_run('%s') to rebuild its features.", cfg->name)));
	}
	return false;
}

/*
 * The features of a row given as jsonb (the probe, or a record as it would
 * be under one of its alternates), through the same expressions as the
 * run's, without term frequencies.  *datums and *nulls (in cxt) are the
 * feature row: key, region, (v, k) per field, then the blocking keys.
 */
void
dedupe_row_features(DedupeConfig *cfg, Datum row, MemoryContext cxt, Datum **datums, bool **nulls,
					CtFieldValue *side)
{
	StringInfoData sql;
	Oid			jsonb_type[1] = {JSONBOID};
	Datum		jsonb_arg[1] = {row};
	TupleDesc	desc;
	MemoryContext old;
	Datum	   *d;
	bool	   *n;

	initStringInfo(&sql);
	dedupe_feature_select(cfg, psprintf("jsonb_populate_record(NULL::%s, $1)",
										contacts_quoted_relation(cfg->relid)), NULL, false, &sql);
	/* one row from one jsonb_populate_record(): anything else is a bug */
	if (contacts_spi_execute_args(sql.data, 1, jsonb_type, jsonb_arg, NULL, true, 1, SPI_OK_SELECT) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("dedupe_match: no features computed for the row")));
	desc = SPI_tuptable->tupdesc;
	old = MemoryContextSwitchTo(cxt);
	*datums = palloc(sizeof(Datum) * desc->natts);
	*nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(heap_copytuple(SPI_tuptable->vals[0]), desc, *datums, *nulls);
	MemoryContextSwitchTo(old);

	/* the reader expects (v, k, t) triples: rebuild them with no tf */
	d = palloc(sizeof(Datum) * 3 * cfg->nfields);
	n = palloc(sizeof(bool) * 3 * cfg->nfields);
	for (int f = 0; f < cfg->nfields; f++)
	{
		d[3 * f] = (*datums)[2 + 2 * f];
		n[3 * f] = (*nulls)[2 + 2 * f];
		d[3 * f + 1] = (*datums)[3 + 2 * f];
		n[3 * f + 1] = (*nulls)[3 + 2 * f];
		n[3 * f + 2] = true;
	}
	dedupe_read_side(cfg, d, n, 0, side);
}

/* Score side against the probe; false when below min_probability. */
static bool
score_match(DedupeConfig *cfg, CtFieldValue *side, CtFieldValue *probe, const char **names,
			double min_probability, MemoryContext cxt, int64 key, Match *m)
{
	uint8		gamma[CT_MAX_FIELDS];
	double		weights[CT_MAX_FIELDS];
	double		total;
	size_t		need;
	char	   *buf;

	/* the record first: its tf values adjust agreement */
	ct_compare(&cfg->model, side, probe, gamma, &contacts_palloc_allocator);
	total = ct_score(&cfg->model, gamma, side, probe, weights);
	if (ct_probability(total) < min_probability)
		return false;
	need = ct_explain(&cfg->model, names, gamma, weights, NULL, 0);
	buf = MemoryContextAlloc(cxt, need);
	ct_explain(&cfg->model, names, gamma, weights, buf, need);
	m->key = key;
	m->weight = total;
	m->probability = ct_probability(total);
	m->explanation = buf;
	return true;
}

/*
 * The live keys of the run's records keys[0..n): a record deleted since is
 * dropped, one merged away is replaced by the record it was merged into
 * (following later merges, as the merge log says) when that one is left.
 * Returns the array of live keys (in CurrentMemoryContext), *nlive their
 * number.  Reads as the owner.
 */
static Datum *
live_keys(DedupeConfig *cfg, Oid owner, Datum *keys, int n, int *nlive)
{
	Oid			types[3] = {INT8ARRAYOID, TEXTOID, OIDOID};
	Datum		values[3];
	const char *qkey = quote_identifier(cfg->key_column);
	char	   *rel = contacts_quoted_relation(cfg->relid);
	ContactsRoleSwitch sw;
	Datum	   *live;
	uint64		found;

	*nlive = 0;
	if (n == 0)
		return NULL;
	values[0] = PointerGetDatum(construct_array(keys, n, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE));
	values[1] = CStringGetTextDatum(cfg->key_column);
	values[2] = ObjectIdGetDatum(cfg->relid);
	contacts_switch_to(owner, &sw);
	found = contacts_spi_execute_args(psprintf(
		"WITH RECURSIVE chain(orig, k, depth, alive) AS ("
		" SELECT o, o, 0, EXISTS (SELECT FROM %1$s t WHERE t.%2$s = o) FROM unnest($1) o"
		" UNION ALL"
		" SELECT c.orig, (m.survivor ->> $2)::int8, c.depth + 1,"
		"        EXISTS (SELECT FROM %1$s t WHERE t.%2$s = (m.survivor ->> $2)::int8)"
		"   FROM chain c, LATERAL (SELECT l.survivor FROM %3$s.merge_log l"
		"     WHERE l.tbl = $3 AND l.unmerged_at IS NULL"
		"       AND l.members @> jsonb_build_array(jsonb_build_object($2, c.k))"
		"     ORDER BY l.merge_id DESC LIMIT 1) m"
		"  WHERE NOT c.alive AND c.depth < 16)"
		" SELECT DISTINCT k FROM chain WHERE alive",
		rel, qkey, cfg->schema), 3, types, values, NULL, true, 0, SPI_OK_SELECT);
	contacts_switch_back(&sw);
	live = palloc(sizeof(Datum) * Max(found, 1));
	for (uint64 r = 0; r < found; r++)
		live[(*nlive)++] = Int64GetDatum(contacts_spi_int8(SPI_tuptable, r, 1));
	return live;
}

/*
 * Records keeping one of the row's emails, phones or national IDs as an
 * alternate (a merge took it from a merged-away row): each is compared with
 * the row as it would be under that value, and added when it matches.
 * Returns the matches, grown.
 */
static Match *
add_alternate_matches(DedupeConfig *cfg, Oid owner, Datum candidate, CtFieldValue *probe,
					  const char **names, double min_probability, MemoryContext cxt,
					  bool probe_has_key, int64 probe_key, Match *matches, int *nmatches)
{
	Relation	rel = table_open(cfg->relid, AccessShareLock);
	EntryConfig *ecfg;
	Jsonb	   *row = DatumGetJsonbP(candidate);

	/* dedupe runs only on configured tables */
	ecfg = entry_config_get(rel);
	for (int i = 0; i < ecfg->ncolumns; i++)
	{
		EntryColumn *col = &ecfg->columns[i];
		JsonbValue	k;
		JsonbValue *v;
		char	   *value;
		char	   *key;
		char	   *found;
		const CtReason *reason;
		Datum		normal;
		size_t		len;
		const char *u;
		text	   *t;

		if (contacts_alternate_kind(col->kind) == NULL)
			continue;
		k.type = jbvString;
		k.val.string.val = col->name;
		k.val.string.len = strlen(col->name);
		v = findJsonbValueFromContainer(&row->root, JB_FOBJECT, &k);
		if (v == NULL || v->type != jbvString)
			continue;
		value = pnstrdup(v->val.string.val, v->val.string.len);
		t = cstring_to_text(value);
		u = contacts_text_utf8_view(t, &len);
		reason = entry_kind_normalize(col->kind, PointerGetDatum(t), u, len, ecfg->default_region,
									  ecfg->date_order, &normal);
		if (reason != NULL)
			continue;
		value = TextDatumGetCString(normal);
		key = contacts_duplicate_key(ecfg, col, value);
		if (key == NULL)
			continue;
		/*
		 * a row holding the value itself is found by the blocking keys; only
		 * the survivors keeping it as an alternate are looked up (the
		 * column may have no index on its duplicate key)
		 */
		found = contacts_alternate_find(ecfg, col, rel, key,
										probe_has_key ? psprintf(INT64_FORMAT, probe_key) : NULL);
		if (found == NULL)
			continue;
		{
			Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
			Datum		values[3];
			Datum	   *datums;
			bool	   *nulls;
			CtFieldValue side[CT_MAX_FIELDS];
			ContactsRoleSwitch sw;
			Match		m;
			bool		isnull;
			Datum		image;
			MemoryContext old;

			/* the record as it would be under the alternate value */
			values[0] = CStringGetTextDatum(found);
			values[1] = CStringGetTextDatum(col->name);
			values[2] = CStringGetTextDatum(value);
			contacts_switch_to(owner, &sw);
			contacts_spi_execute_args(psprintf("SELECT pg_catalog.to_jsonb(t) || pg_catalog.jsonb_build_object($2, $3) "
											   "FROM %s t WHERE t.%s::pg_catalog.text = $1",
											   contacts_quoted_relation(cfg->relid), quote_identifier(cfg->key_column)),
									  3, types, values, NULL, true, 1, SPI_OK_SELECT);
			contacts_switch_back(&sw);
			if (SPI_processed != 1)
				continue;
			image = contacts_spi_datum(SPI_tuptable, 0, 1, &isnull);
			old = MemoryContextSwitchTo(cxt);
			image = PointerGetDatum(DatumGetJsonbPCopy(image));
			MemoryContextSwitchTo(old);
			dedupe_row_features(cfg, image, cxt, &datums, &nulls, side);
			if (!score_match(cfg, side, probe, names, min_probability, cxt, DatumGetInt64(datums[0]), &m))
				continue;
			old = MemoryContextSwitchTo(cxt);
			matches = matches ? repalloc(matches, sizeof(Match) * (*nmatches + 1)) : palloc(sizeof(Match));
			MemoryContextSwitchTo(old);
			matches[(*nmatches)++] = m;
		}
	}
	table_close(rel, AccessShareLock);
	return matches;
}

/* After sorting: one match per record, its best. */
static int
unique_matches(Match *matches, int nmatches)
{
	int			kept = 0;

	for (int i = 0; i < nmatches; i++)
	{
		bool		seen = false;

		for (int j = 0; j < kept && !seen; j++)
			seen = matches[j].key == matches[i].key;
		if (!seen)
			matches[kept++] = matches[i];
	}
	return kept;
}

PG_FUNCTION_INFO_V1(contacts_dedupe_match);

/*
 * Privileges: the caller needs SELECT on the table, whose records it is
 * shown.  The features table holds those records and only the table's owner
 * may read it (see dedupe_features.c), so it is read as the owner, in a
 * security-restricted operation, once the caller's SELECT is checked: as the
 * server's foreign key checks read the referenced table.  The candidate's
 * own features are computed as the caller, from the caller's values.
 */
Datum
contacts_dedupe_match(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid = PG_GETARG_OID(0);
	char	   *name;
	Datum		candidate = PG_GETARG_DATUM(1);
	int32		max_results = PG_GETARG_INT32(2);
	double		min_probability = PG_GETARG_FLOAT8(3);
	DedupeConfig *cfg;
	StringInfoData sql;
	Datum	   *probe_datums;
	bool	   *probe_nulls;
	CtFieldValue probe[CT_MAX_FIELDS];
	bool		probe_has_key;
	int64		probe_key = 0;
	Oid			argtypes[DEDUPE_MAX_RULES + 2];
	Datum		args[DEDUPE_MAX_RULES + 2];
	char		argnulls[DEDUPE_MAX_RULES + 2];
	int			nargs = 2;
	StringInfoData blocks;
	bool		has_max_key = false,
				max_key_null = false;
	int64		max_key = 0;
	Match	   *matches;
	int			nmatches = 0;
	const char *names[CT_MAX_FIELDS];
	MemoryContext fn_cxt = CurrentMemoryContext;
	Oid			owner;
	ContactsRoleSwitch sw;
	int			search_path_level;

	if (max_results < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be at least 1")));
	contacts_require_table(relid, ACL_SELECT, "match rows against");
	owner = dedupe_table_owner(relid);
	name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
	InitMaterializedSRF(fcinfo, 0);
	contacts_spi_connect();
	search_path_level = contacts_pin_search_path();
	cfg = dedupe_load_config(relid, name, false, false);
	if (cfg->features_table == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s has not been deduplicated yet", name),
				 errhint("Run contacts.dedupe_run('%s') first: matching uses its model and features.", name)));
	if (!features_ready(cfg, owner, &has_max_key, &max_key_null, &max_key))
	{
		contacts_unpin_search_path(search_path_level);
		contacts_spi_finish();
		return (Datum) 0;
	}

	/* the probe's features, through the same expressions as the run's */
	dedupe_row_features(cfg, candidate, fn_cxt, &probe_datums, &probe_nulls, probe);
	probe_has_key = !probe_nulls[0];
	if (probe_has_key)
		probe_key = DatumGetInt64(probe_datums[0]);

	/*
	 * The probe's keys of the rules the last run chose (whose keys the
	 * features keep and index), $3 on; they follow its (v, k) pairs.
	 */
	initStringInfo(&blocks);
	appendStringInfoString(&blocks, "(false");
	argtypes[0] = INT8ARRAYOID;
	argtypes[1] = INT8OID;
	args[0] = args[1] = (Datum) 0;
	argnulls[0] = argnulls[1] = 'n';
	{
		int			col = 2 + 2 * cfg->nfields - 1;

		for (int r = 0; r < cfg->nrules; r++)
		{
			if (!cfg->rules[r].chosen)
				continue;
			col++;
			if (probe_nulls[col])
				continue;
			argtypes[nargs] = TEXTOID;
			args[nargs] = probe_datums[col];
			argnulls[nargs] = ' ';
			nargs++;
			appendStringInfo(&blocks, " OR f.%s = $%d", cfg->rules[r].column, nargs);
		}
	}
	appendStringInfoChar(&blocks, ')');
	for (int f = 0; f < cfg->nfields; f++)
		names[f] = cfg->columns[f];
	matches = NULL;
	if (nargs > 2)
	{
		Datum	   *keys;
		Datum	   *live;
		int			nlive;
		uint64		nkeys;
		const char *qkey = quote_identifier(cfg->key_column);
		const char *added;

		/* the run's records sharing a blocking key, through the indexes */
		initStringInfo(&sql);
		appendStringInfo(&sql, "SELECT f.key FROM %s.%s f WHERE %s%s LIMIT %d", cfg->schema,
						 quote_identifier(cfg->features_table), blocks.data,
						 probe_has_key ? psprintf(" AND f.key <> " INT64_FORMAT, probe_key) : "",
						 cfg->max_block_size * (nargs - 2));
		contacts_switch_to(owner, &sw);
		nkeys = contacts_spi_execute_args(sql.data, nargs, argtypes, args, argnulls, true, 0, SPI_OK_SELECT);
		contacts_switch_back(&sw);
		keys = palloc(sizeof(Datum) * Max(nkeys, 1));
		for (uint64 i = 0; i < nkeys; i++)
			keys[i] = Int64GetDatum(contacts_spi_int8(SPI_tuptable, i, 1));

		/*
		 * As they are now: deleted ones dropped, merged-away ones as their
		 * survivors; and the rows added since the run (keys past its
		 * largest) that share a blocking key.  All are keyed and compared
		 * from the table itself, so an update since the run counts too.
		 */
		live = live_keys(cfg, owner, keys, (int) nkeys, &nlive);
		args[0] = PointerGetDatum(construct_array(live, nlive, INT8OID, sizeof(int64), true, TYPALIGN_DOUBLE));
		args[1] = Int64GetDatum(max_key);
		argnulls[0] = argnulls[1] = ' ';
		added = !has_max_key ? "false" : max_key_null ? "true" : psprintf("t.%s > $2", qkey);
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT f.key, f.key");
		dedupe_side_select(cfg, "f", true, &sql);
		appendStringInfoString(&sql, " FROM (");
		dedupe_feature_select(cfg, psprintf("(SELECT t.* FROM %s t WHERE t.%s = ANY($1) OR %s)",
											contacts_quoted_relation(cfg->relid), qkey, added),
							  NULL, false, &sql);
		appendStringInfoString(&sql, ") f");
		dedupe_side_joins(cfg, "f", &sql);
		appendStringInfo(&sql, " WHERE (f.key = ANY($1) OR %s) LIMIT %d", blocks.data,
						 nlive + cfg->max_block_size * (nargs - 2));
		contacts_switch_to(owner, &sw);
		contacts_spi_execute_args(sql.data, nargs, argtypes, args, argnulls, true, 0, SPI_OK_SELECT);
		contacts_switch_back(&sw);
		matches = MemoryContextAlloc(fn_cxt, sizeof(Match) * Max(SPI_processed, 1));
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			TupleDesc	desc = SPI_tuptable->tupdesc;
			Datum	   *d = palloc(sizeof(Datum) * desc->natts);
			bool	   *n = palloc(sizeof(bool) * desc->natts);
			CtFieldValue cand[CT_MAX_FIELDS];

			CHECK_FOR_INTERRUPTS();
			heap_deform_tuple(SPI_tuptable->vals[i], desc, d, n);
			if (n[0])
				continue;
			dedupe_read_side(cfg, d, n, 2, cand);
			if (score_match(cfg, cand, probe, names, min_probability, fn_cxt, DatumGetInt64(d[0]),
							&matches[nmatches]))
				nmatches++;
		}
	}

	/*
	 * Survivors keeping one of the row's values as an alternate are compared
	 * under it.
	 */
	matches = add_alternate_matches(cfg, owner, candidate, probe, names, min_probability, fn_cxt,
									probe_has_key, probe_key, matches, &nmatches);
	if (probe_has_key)
	{
		int			kept = 0;

		for (int i = 0; i < nmatches; i++)
			if (matches[i].key != probe_key)
				matches[kept++] = matches[i];
		nmatches = kept;
	}
	if (nmatches > 1)
		qsort(matches, nmatches, sizeof(Match), more_probable_first);
	nmatches = unique_matches(matches, nmatches);
	for (int i = 0; i < nmatches && i < max_results; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {false};

		values[0] = Int64GetDatum(matches[i].key);
		values[1] = Float8GetDatum(matches[i].probability);
		values[2] = Float8GetDatum(matches[i].weight);
		values[3] = DirectFunctionCall1(jsonb_in,
										CStringGetDatum(contacts_utf8_to_cstring(matches[i].explanation,
																				 strlen(matches[i].explanation))));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	contacts_unpin_search_path(search_path_level);
	contacts_spi_finish();
	return (Datum) 0;
}
