/*
 * dedupe_store.c
 *		What a run keeps: the scored pairs at or above the threshold (with
 *		their explanation), the clusters they form and the estimated model.
 *
 * Pairs are written in batches of arrays through one prepared INSERT ...
 * unnest(); they are also kept in memory for clustering, bounded by
 * maintenance_work_mem.  Everything is written as the run's caller.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "core/match_cluster.h"
#include "dedupe.h"
#include "spi_util.h"
#include "textconv.h"

/* pairs (and cluster members) stored per INSERT */
#define WRITE_BATCH 5000

typedef struct Link
{
	int64		a;
	int64		b;
	double		probability;
} Link;

/* The pairs of a run at or above its threshold, written in batches. */
struct DedupePairStore
{
	DedupeConfig *cfg;
	int64		run_id;
	SPIPlanPtr	insert;
	MemoryContext batch_cxt;
	int			n;
	Datum		a[WRITE_BATCH];
	Datum		b[WRITE_BATCH];
	Datum		p[WRITE_BATCH];
	Datum		w[WRITE_BATCH];
	Datum		e[WRITE_BATCH];
	const char *names[CT_MAX_FIELDS];
	Link	   *links;
	int64		nlinks;
	int64		links_cap;
	int64		links_max;		/* from maintenance_work_mem */
};

DedupePairStore *
dedupe_store_begin(DedupeConfig *cfg, int64 run_id)
{
	DedupePairStore *st = palloc0(sizeof(DedupePairStore));
	Oid			argtypes[6] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID};

	st->cfg = cfg;
	st->run_id = run_id;
	st->insert = contacts_spi_prepare(psprintf("INSERT INTO %s.dedupe_pairs (run_id, key_a, key_b, probability, weight, explanation) "
											   "SELECT $1, a, b, p, w, e::jsonb FROM unnest($2, $3, $4, $5, $6) AS u(a, b, p, w, e)",
											   cfg->schema), 6, argtypes, 0, false);
	st->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe pair writes", ALLOCSET_DEFAULT_SIZES);
	for (int f = 0; f < cfg->nfields; f++)
		st->names[f] = cfg->columns[f];
	st->links_cap = 1024;
	st->links = palloc(sizeof(Link) * st->links_cap);
	st->links_max = (int64) maintenance_work_mem * 1024 / (sizeof(Link) + 2 * sizeof(int64) + sizeof(CtLink) + 12);
	return st;
}

static void
flush_pairs(DedupePairStore *st)
{
	Datum		args[6];

	if (st->n == 0)
		return;
	args[0] = Int64GetDatum(st->run_id);
	args[1] = PointerGetDatum(construct_array(st->a, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_array(st->b, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[3] = PointerGetDatum(construct_array(st->p, st->n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[4] = PointerGetDatum(construct_array(st->w, st->n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[5] = PointerGetDatum(construct_array(st->e, st->n, TEXTOID, -1, false, TYPALIGN_INT));
	contacts_spi_execute_plan(st->insert, args, NULL, false, 0, SPI_OK_INSERT);
	st->n = 0;
	MemoryContextReset(st->batch_cxt);
}

void
dedupe_store_pair(void *state, int64 a, int64 b, const uint8 *gamma,
		   const CtFieldValue *x, const CtFieldValue *y)
{
	DedupePairStore *st = (DedupePairStore *) state;
	double		weights[CT_MAX_FIELDS];
	double		total = ct_score(&st->cfg->model, gamma, x, y, weights);
	double		p = ct_probability(total);
	MemoryContext old;
	char		buf[2048];
	size_t		need;

	if (p < st->cfg->threshold)
		return;
	if (st->nlinks >= st->links_max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dedupe \"%s\": more than " INT64_FORMAT " pairs reach the threshold %.3f",
						st->cfg->name, st->links_max, st->cfg->threshold),
				 errhint("Raise the threshold in contacts.dedupe_settings or maintenance_work_mem.")));
	if (st->nlinks == st->links_cap)
	{
		st->links_cap *= 2;
		st->links = repalloc_huge(st->links, sizeof(Link) * st->links_cap);
	}
	st->links[st->nlinks].a = a;
	st->links[st->nlinks].b = b;
	st->links[st->nlinks].probability = p;
	st->nlinks++;

	old = MemoryContextSwitchTo(st->batch_cxt);
	need = ct_explain(&st->cfg->model, st->names, gamma, weights, buf, sizeof(buf));
	if (need > sizeof(buf))
	{
		char	   *big = palloc(need);

		ct_explain(&st->cfg->model, st->names, gamma, weights, big, need);
		st->e[st->n] = CStringGetTextDatum(contacts_utf8_to_cstring(big, need - 1));
	}
	else
		st->e[st->n] = CStringGetTextDatum(contacts_utf8_to_cstring(buf, need - 1));
	st->a[st->n] = Int64GetDatum(a);
	st->b[st->n] = Int64GetDatum(b);
	st->p[st->n] = Float8GetDatum(p);
	st->w[st->n] = Float8GetDatum(total);
	st->n++;
	MemoryContextSwitchTo(old);
	if (st->n == WRITE_BATCH)
		flush_pairs(st);
}

bool
dedupe_store_has_pair(DedupePairStore *st, int64 a, int64 b)
{
	for (int64 i = 0; i < st->nlinks; i++)
		if (st->links[i].a == a && st->links[i].b == b)
			return true;
	return false;
}

int64
dedupe_store_flush(DedupePairStore *st)
{
	flush_pairs(st);
	return st->nlinks;
}

static int
compare_int64(const void *x, const void *y)
{
	int64		a = *(const int64 *) x,
				b = *(const int64 *) y;

	return a < b ? -1 : a > b;
}

static uint32
key_index(const int64 *keys, int64 n, int64 key)
{
	const int64 *hit = bsearch(&key, keys, n, sizeof(int64), compare_int64);

	Assert(hit != NULL);
	return (uint32) (hit - keys);
}

/* Cluster the stored links and write dedupe_clusters. */
void
dedupe_store_clusters(DedupePairStore *st, DedupeClusterSummary *out)
{
	int64		nkeys = 0;
	int64	   *keys = palloc_extended(sizeof(int64) * Max(2 * st->nlinks, 1), MCXT_ALLOC_HUGE);
	CtLink	   *links = palloc_extended(sizeof(CtLink) * Max(st->nlinks, 1), MCXT_ALLOC_HUGE);
	uint32	   *cluster;
	bool	   *flagged;
	uint32	   *size;
	SPIPlanPtr	plan;
	Oid			argtypes[5] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, INT4ARRAYOID, BOOLARRAYOID};
	Datum	   *ca,
			   *cb,
			   *cs,
			   *cf;
	int			n = 0;
	int64		hist[11] = {0};	/* sizes 2..10, then larger */

	for (int64 i = 0; i < st->nlinks; i++)
	{
		keys[nkeys++] = st->links[i].a;
		keys[nkeys++] = st->links[i].b;
	}
	qsort(keys, nkeys, sizeof(int64), compare_int64);
	{
		int64		u = 0;

		for (int64 i = 0; i < nkeys; i++)
			if (u == 0 || keys[i] != keys[u - 1])
				keys[u++] = keys[i];
		nkeys = u;
	}
	if (nkeys > (int64) PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dedupe \"%s\": more than %u records are linked", st->cfg->name, PG_UINT32_MAX)));
	for (int64 i = 0; i < st->nlinks; i++)
	{
		links[i].a = key_index(keys, nkeys, st->links[i].a);
		links[i].b = key_index(keys, nkeys, st->links[i].b);
		links[i].probability = st->links[i].probability;
	}
	CHECK_FOR_INTERRUPTS();
	cluster = palloc_extended(sizeof(uint32) * Max(nkeys, 1), MCXT_ALLOC_HUGE);
	flagged = palloc_extended(sizeof(bool) * Max(nkeys, 1), MCXT_ALLOC_HUGE);
	size = palloc_extended(sizeof(uint32) * Max(nkeys, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	out->refused = ct_cluster((uint32) nkeys, links, st->nlinks, (uint32) st->cfg->max_cluster_size,
							  cluster, flagged, &contacts_palloc_allocator);
	if (out->refused < 0)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	for (int64 i = 0; i < nkeys; i++)
		size[cluster[i]]++;
	out->clusters = 0;
	out->records = 0;
	out->flagged = 0;
	for (int64 i = 0; i < nkeys; i++)
		if (size[cluster[i]] >= 2)
			out->records++;
	/* a record whose every link was refused stays alone: not a cluster */
	for (int64 i = 0; i < nkeys; i++)
		if (cluster[i] == i && size[i] >= 2)
		{
			out->clusters++;
			hist[Min(size[i], 12) - 2]++;
			if (flagged[i])
				out->flagged++;
		}
	initStringInfo(&out->sizes);
	appendStringInfoChar(&out->sizes, '{');
	for (int s = 0; s < 11; s++)
		if (hist[s])
			appendStringInfo(&out->sizes, "%s\"%s%d\": " INT64_FORMAT, out->sizes.len > 1 ? ", " : "",
							 s == 10 ? ">=" : "", s + 2, hist[s]);
	appendStringInfoChar(&out->sizes, '}');

	plan = contacts_spi_prepare(psprintf("INSERT INTO %s.dedupe_clusters (run_id, cluster_id, key, cluster_size, flagged) "
										 "SELECT $1, c, k, s, f FROM unnest($2, $3, $4, $5) AS u(c, k, s, f)",
										 st->cfg->schema), 5, argtypes, 0, false);
	ca = palloc(sizeof(Datum) * WRITE_BATCH);
	cb = palloc(sizeof(Datum) * WRITE_BATCH);
	cs = palloc(sizeof(Datum) * WRITE_BATCH);
	cf = palloc(sizeof(Datum) * WRITE_BATCH);
	for (int64 i = 0; i <= nkeys; i++)
	{
		if (n == WRITE_BATCH || (i == nkeys && n > 0))
		{
			Datum		args[5];

			args[0] = Int64GetDatum(st->run_id);
			args[1] = PointerGetDatum(construct_array(ca, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[2] = PointerGetDatum(construct_array(cb, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[3] = PointerGetDatum(construct_array(cs, n, INT4OID, 4, true, TYPALIGN_INT));
			args[4] = PointerGetDatum(construct_array(cf, n, BOOLOID, 1, true, TYPALIGN_CHAR));
			contacts_spi_execute_plan(plan, args, NULL, false, 0, SPI_OK_INSERT);
			n = 0;
			CHECK_FOR_INTERRUPTS();
		}
		if (i == nkeys)
			break;
		if (size[cluster[i]] < 2)
			continue;
		ca[n] = Int64GetDatum(keys[cluster[i]]);
		cb[n] = Int64GetDatum(keys[i]);
		cs[n] = Int32GetDatum((int32) size[cluster[i]]);
		cf[n] = BoolGetDatum(flagged[cluster[i]]);
		n++;
	}
	SPI_freeplan(plan);
}

/* The model as jsonb text, for the run summary. */
char *
dedupe_model_json(const DedupeConfig *cfg)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"prior\": %.6g, \"fields\": {", cfg->model.lambda);
	for (int f = 0; f < cfg->nfields; f++)
	{
		const CtFieldModel *fm = &cfg->model.field[f];

		if (f)
			appendStringInfoString(&s, ", ");
		escape_json(&s, cfg->columns[f]);
		appendStringInfo(&s, ": {\"kind\": \"%s\", \"fixed\": %s, \"levels\": [",
						 ct_field_kind_name(fm->kind), fm->fixed ? "true" : "false");
		for (int l = 0; l < fm->nlevels; l++)
			appendStringInfo(&s, "%s{\"level\": \"%s\", \"m\": %.6g, \"u\": %.6g, \"weight\": %.2f}",
							 l ? ", " : "", ct_field_level_name(fm->kind, l), fm->m[l], fm->u[l],
							 fm->weight[l]);
		appendStringInfoString(&s, "]}");
	}
	appendStringInfoString(&s, "}}");
	return s.data;
}

/* Store the estimated model as the configuration's next starting point. */
void
dedupe_store_model(const DedupeConfig *cfg)
{
	Oid			argtypes[5] = {OIDOID, TEXTOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8OID};
	SPIPlanPtr	plan = contacts_spi_prepare(psprintf("INSERT INTO %s.dedupe_model AS d (tbl, col, m, u, tf_reference) "
													 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tbl, col) DO UPDATE "
													 "SET m = CASE WHEN d.fixed THEN d.m ELSE excluded.m END, "
													 "u = CASE WHEN d.fixed THEN d.u ELSE excluded.u END, "
													 "tf_reference = excluded.tf_reference",
													 cfg->schema), 5, argtypes, 0, false);

	for (int f = 0; f < cfg->nfields; f++)
	{
		const CtFieldModel *fm = &cfg->model.field[f];
		Datum		m[CT_MAX_LEVELS],
					u[CT_MAX_LEVELS];
		Datum		args[5];
		char		nulls[5] = {' ', ' ', ' ', ' ', fm->tf_reference != 0 ? ' ' : 'n'};

		for (int l = 0; l < fm->nlevels; l++)
		{
			m[l] = Float8GetDatum(fm->m[l]);
			u[l] = Float8GetDatum(fm->u[l]);
		}
		args[0] = ObjectIdGetDatum(cfg->relid);
		args[1] = CStringGetTextDatum(cfg->columns[f]);
		args[2] = PointerGetDatum(construct_array(m, fm->nlevels, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[3] = PointerGetDatum(construct_array(u, fm->nlevels, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[4] = Float8GetDatum(fm->tf_reference);
		contacts_spi_execute_plan(plan, args, nulls, false, 0, SPI_OK_INSERT);
	}
	SPI_freeplan(plan);
}
