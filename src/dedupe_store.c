/*
 * dedupe_store.c
 *		What a run keeps: the scored pairs at or above the threshold (with
 *		their explanation), the clusters they form and the estimated model.
 *
 * Pairs are written in batches of arrays through one prepared INSERT ...
 * unnest(); they are also kept in memory for clustering, bounded by
 * maintenance_work_mem.  Everything is written as the run's caller.
 *
 * For the run's report (report.sql) the store also keeps what only the
 * scoring pass sees: the histogram of every compared pair's weight, the
 * pairs just above and below the threshold, the pairs each rule found, and the links
 * down to a few thresholds below the run's, so that the clusters each of
 * those thresholds would give are counted (ct_cluster_counts).  When those
 * extra links would exceed the memory bound the lowest thresholds are given
 * up first: their cluster counts are then unknown (null).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "core/match_cluster.h"
#include "dedupe.h"
#include "privileges.h"
#include "spi_util.h"
#include "textconv.h"

/* pairs (and cluster members) stored per INSERT */
#define WRITE_BATCH 5000

/* the weight histogram: bins of HIST_WIDTH bits from HIST_MIN, ends clamped */
#define HIST_WIDTH 0.5
#define HIST_MIN (-64.0)
#define HIST_BINS DEDUPE_WEIGHT_BINS

/* thresholds counted: the run's, and NEAR_STEPS bits of weight above and below */
#define NEAR_STEPS 3
#define NEAR_MAX (2 * NEAR_STEPS + 1)

/* pairs kept just above and just below the threshold, for the report */
#define NEAR_SAMPLE 5

typedef struct SamplePair
{
	int64		a;
	int64		b;
	double		probability;
	double		weight;
	char	   *explanation;	/* JSON, in the database encoding */
} SamplePair;

/* the NEAR_SAMPLE weakest pairs above the threshold, or strongest below */
typedef struct NearSample
{
	SamplePair	pair[NEAR_SAMPLE];
	int			n;
	bool		weakest;
} NearSample;

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
	Link	   *links;			/* at or above near[nfloor - 1] */
	int64		nlinks;
	int64		nabove;			/* of them at or above the threshold */
	int64		links_cap;
	int64		links_max;		/* from maintenance_work_mem */
	int64		hist[HIST_BINS];
	double		near[NEAR_MAX];	/* descending thresholds around the run's */
	int64		near_pairs[NEAR_MAX];	/* pairs at or above each */
	int			nnear;
	int			nfloor;			/* links are kept for near[0 .. nfloor-1] */
	int			run_near;		/* the run's threshold in near[] */
	int64		found[DEDUPE_MAX_RULES];
	int64		found_through_alternates;
	NearSample	above;
	NearSample	below;
	MemoryContext sample_cxt;
	/* batches made while writes are deferred, written after */
	bool		defer;
	Tuplestorestate *pending;
	TupleDesc	pending_desc;
	MemoryContext cxt;
};

/*
 * The thresholds whose pairs and clusters the report shows: the run's,
 * and those NEAR_STEPS bits of weight above and below it, to 4 decimals.
 */
static void
set_near_thresholds(DedupePairStore *st)
{
	double		t = st->cfg->threshold;
	double		w = log2(t / (1 - t));

	st->nnear = 0;
	for (int d = NEAR_STEPS; d >= -NEAR_STEPS; d--)
	{
		double		p = d == 0 ? t : rint(ct_probability(w + d) * 10000) / 10000;

		if (p <= 0 || p >= 1 || (st->nnear > 0 && p >= st->near[st->nnear - 1]))
			continue;
		if ((d < 0 && p >= t) || (d > 0 && p <= t))
			continue;
		if (d == 0)
			st->run_near = st->nnear;
		st->near[st->nnear++] = p;
	}
	st->nfloor = st->nnear;
}

DedupePairStore *
dedupe_store_begin(DedupeConfig *cfg, int64 run_id)
{
	DedupePairStore *st = palloc0(sizeof(DedupePairStore));
	Oid			argtypes[6] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, JSONBARRAYOID};

	st->cfg = cfg;
	st->run_id = run_id;
	st->cxt = CurrentMemoryContext;
	st->insert = contacts_spi_prepare(psprintf("INSERT INTO %s.dedupe_pairs (run_id, key_a, key_b, probability, weight, explanation) "
											   "SELECT $1, a, b, p, w, e FROM unnest($2, $3, $4, $5, $6) AS u(a, b, p, w, e)",
											   cfg->schema), 6, argtypes, 0, false);
	st->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe pair writes", ALLOCSET_DEFAULT_SIZES);
	for (int f = 0; f < cfg->nfields; f++)
		st->names[f] = cfg->columns[f];
	st->links_cap = 1024;
	st->links = palloc(sizeof(Link) * st->links_cap);
	st->links_max = (int64) maintenance_work_mem * 1024 / (sizeof(Link) + 2 * sizeof(int64) + sizeof(CtLink) + 12);
	st->sample_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe pairs near the threshold",
										   ALLOCSET_SMALL_SIZES);
	st->above.weakest = true;
	set_near_thresholds(st);
	return st;
}

/* The explanation of a pair as JSON text in the database encoding. */
static char *
explain_pair(DedupePairStore *st, const uint8 *gamma, const double *weights)
{
	char		buf[2048];
	size_t		need = ct_explain(&st->cfg->model, st->names, gamma, weights, buf, sizeof(buf));

	if (need > sizeof(buf))
	{
		char	   *big = palloc(need);

		ct_explain(&st->cfg->model, st->names, gamma, weights, big, need);
		return contacts_utf8_to_cstring(big, need - 1);
	}
	return contacts_utf8_to_cstring(buf, need - 1);
}

/*
 * The same explanation as a jsonb value, built directly: parsing the text
 * of each of a large run's pairs cost as much as storing them.  A weight is
 * the number ct_explain prints (two decimals).
 */
static Jsonb *
explain_pair_jsonb(DedupePairStore *st, const uint8 *gamma, const double *weights)
{
	const CtMatchModel *model = &st->cfg->model;
	JsonbParseState *state = NULL;
	JsonbValue *result;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int f = 0; f < model->nfields; f++)
	{
		char		num[48];
		JsonbValue	weight;
		int64		hundredths;
		const char *c;

		contacts_jsonb_push_string(&state, WJB_KEY, st->names[f]);
		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		contacts_jsonb_push_string(&state, WJB_KEY, "level");
		contacts_jsonb_push_string(&state, WJB_VALUE, ct_field_level_name(model->field[f].kind, gamma[f]));
		contacts_jsonb_push_string(&state, WJB_KEY, "weight");
		/* the digits of "%.2f", so both forms round alike */
		snprintf(num, sizeof(num), "%.2f", weights[f]);
		hundredths = 0;
		for (c = num; *c; c++)
			if (*c >= '0' && *c <= '9')
				hundredths = hundredths * 10 + (*c - '0');
		weight.type = jbvNumeric;
		weight.val.numeric = int64_div_fast_to_numeric(num[0] == '-' ? -hundredths : hundredths, 2);
		pushJsonbValue(&state, WJB_VALUE, &weight);
		pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	}
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(result);
}

/*
 * Pairs in the order the report shows them: the more probable first, ties
 * by keys.
 */
static int
stronger_first(double p, int64 a, int64 b, const SamplePair *y)
{
	if (p != y->probability)
		return p > y->probability ? -1 : 1;
	if (a != y->a)
		return a < y->a ? -1 : 1;
	return b < y->b ? -1 : (b > y->b);
}

static int
compare_samples(const void *x, const void *y)
{
	const SamplePair *a = x;

	return stronger_first(a->probability, a->a, a->b, y);
}

/* Keep the pair if it is among the sample's weakest (or strongest) yet. */
static void
keep_sample(DedupePairStore *st, NearSample *ns, int64 a, int64 b, double p, double total,
			const uint8 *gamma, const double *weights)
{
	int			slot = ns->n;
	int			c;
	MemoryContext old;

	if (ns->n == NEAR_SAMPLE)
	{
		/* the kept pair this one would replace: the strongest, or weakest */
		slot = 0;
		for (int i = 1; i < NEAR_SAMPLE; i++)
		{
			c = compare_samples(&ns->pair[i], &ns->pair[slot]);
			if (ns->weakest ? c < 0 : c > 0)
				slot = i;
		}
		/* kept unless this one is stronger (weaker) than all kept */
		c = stronger_first(p, a, b, &ns->pair[slot]);
		if (ns->weakest ? c < 0 : c > 0)
			return;
		pfree(ns->pair[slot].explanation);
	}
	else
		ns->n++;
	old = MemoryContextSwitchTo(st->sample_cxt);
	ns->pair[slot].a = a;
	ns->pair[slot].b = b;
	ns->pair[slot].probability = p;
	ns->pair[slot].weight = total;
	ns->pair[slot].explanation = explain_pair(st, gamma, weights);
	MemoryContextSwitchTo(old);
}

/*
 * Make room among the links: give up the lowest threshold still kept below
 * the run's, dropping the links only it needed.  False when none is left.
 */
static bool
raise_floor(DedupePairStore *st)
{
	int64		kept = 0;
	double		floor;

	if (st->nfloor - 1 <= st->run_near)
		return false;
	st->nfloor--;
	floor = st->near[st->nfloor - 1];
	for (int64 i = 0; i < st->nlinks; i++)
		if (st->links[i].probability >= floor)
			st->links[kept++] = st->links[i];
	st->nlinks = kept;
	return true;
}

/*
 * Write a batch of a run's pairs or clusters as the extension's owner: the
 * caller owns the table (checked when the run began), the values are the
 * run's own and the statement evaluates nothing of anyone's.  As the
 * caller, row security would test each of a large run's rows against the
 * tables' policies: a fifth of the run's time at 1M rows.
 */
static void
write_results(SPIPlanPtr plan, Datum *args)
{
	ContactsRoleSwitch sw;

	contacts_switch_to(contacts_extension_owner(), &sw);
	contacts_spi_execute_plan(plan, args, NULL, false, 0, SPI_OK_INSERT);
	contacts_switch_back(&sw);
}

/*
 * Keep the batch for later, while writes are deferred: in a tuplestore,
 * which spills to a temporary file past work_mem.
 */
static void
keep_pending(DedupePairStore *st)
{
	MemoryContext old = MemoryContextSwitchTo(st->cxt);

	if (st->pending_desc == NULL)
	{
		st->pending_desc = CreateTemplateTupleDesc(5);
		TupleDescInitEntry(st->pending_desc, 1, "a", INT8OID, -1, 0);
		TupleDescInitEntry(st->pending_desc, 2, "b", INT8OID, -1, 0);
		TupleDescInitEntry(st->pending_desc, 3, "p", FLOAT8OID, -1, 0);
		TupleDescInitEntry(st->pending_desc, 4, "w", FLOAT8OID, -1, 0);
		TupleDescInitEntry(st->pending_desc, 5, "e", JSONBOID, -1, 0);
	}
	if (st->pending == NULL)
		st->pending = tuplestore_begin_heap(false, false, work_mem);
	for (int i = 0; i < st->n; i++)
	{
		Datum		values[5] = {st->a[i], st->b[i], st->p[i], st->w[i], st->e[i]};
		bool		nulls[5] = {false};

		tuplestore_putvalues(st->pending, st->pending_desc, values, nulls);
	}
	MemoryContextSwitchTo(old);
	st->n = 0;
	MemoryContextReset(st->batch_cxt);
}

static void
write_batch(DedupePairStore *st)
{
	Datum		args[6];

	if (st->n == 0)
		return;
	args[0] = Int64GetDatum(st->run_id);
	args[1] = PointerGetDatum(construct_array(st->a, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_array(st->b, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[3] = PointerGetDatum(construct_array(st->p, st->n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[4] = PointerGetDatum(construct_array(st->w, st->n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[5] = PointerGetDatum(construct_array(st->e, st->n, JSONBOID, -1, false, TYPALIGN_INT));
	write_results(st->insert, args);
	st->n = 0;
	MemoryContextReset(st->batch_cxt);
}

/* Write the batches kept while writes were deferred. */
static void
write_pending(DedupePairStore *st)
{
	TupleTableSlot *slot;

	if (st->pending == NULL || st->defer)
		return;
	/* the batch being made goes after the kept ones */
	if (st->n > 0)
		keep_pending(st);
	slot = MakeSingleTupleTableSlot(st->pending_desc, &TTSOpsMinimalTuple);
	while (tuplestore_gettupleslot(st->pending, true, false, slot))
	{
		MemoryContext old = MemoryContextSwitchTo(st->batch_cxt);

		slot_getallattrs(slot);
		st->a[st->n] = slot->tts_values[0];
		st->b[st->n] = slot->tts_values[1];
		st->p[st->n] = slot->tts_values[2];
		st->w[st->n] = slot->tts_values[3];
		st->e[st->n] = datumCopy(slot->tts_values[4], false, -1);
		st->n++;
		MemoryContextSwitchTo(old);
		if (st->n == WRITE_BATCH)
			write_batch(st);
	}
	ExecDropSingleTupleTableSlot(slot);
	tuplestore_end(st->pending);
	st->pending = NULL;
}

static void
flush_pairs(DedupePairStore *st)
{
	if (st->defer)
	{
		if (st->n > 0)
			keep_pending(st);
		return;
	}
	write_pending(st);
	write_batch(st);
}


int
dedupe_weight_bin(double weight)
{
	double		bin = floor((weight - HIST_MIN) / HIST_WIDTH);

	/* NaN, from a model no run made, counts as the lowest */
	return !(bin >= 0) ? 0 : bin >= HIST_BINS ? HIST_BINS - 1 : (int) bin;
}

void
dedupe_store_count_weights(DedupePairStore *st, int bin, int64 pairs)
{
	if (bin < 0 || bin >= HIST_BINS)
		elog(ERROR, "dedupe: weight bin %d out of range", bin);
	st->hist[bin] += pairs;
}

double
dedupe_store_lowest_kept(const DedupePairStore *st)
{
	return st->near[st->nfloor - 1];
}

void
dedupe_store_pair(void *state, int rule, int64 a, int64 b, const uint8 *gamma,
				  const CtFieldValue *x, const CtFieldValue *y)
{
	DedupePairStore *st = (DedupePairStore *) state;
	double		weights[CT_MAX_FIELDS];
	double		total = ct_score(&st->cfg->model, gamma, x, y, weights);

	st->hist[dedupe_weight_bin(total)]++;
	dedupe_store_scored(st, rule, a, b, gamma, weights, total);
}

void
dedupe_store_scored(DedupePairStore *st, int rule, int64 a, int64 b, const uint8 *gamma,
					const double *weights, double total)
{
	double		p = ct_probability(total);
	MemoryContext old;

	/* near[] descends: the pair counts at its lowest thresholds up to p */
	for (int t = st->nnear - 1; t >= 0 && p >= st->near[t]; t--)
		st->near_pairs[t]++;
	if (p < st->cfg->threshold)
	{
		keep_sample(st, &st->below, a, b, p, total, gamma, weights);
		/* kept for counting the clusters of the lower thresholds */
		while (p >= st->near[st->nfloor - 1] && st->nlinks >= st->links_max)
			if (!raise_floor(st))
				break;
		if (p < st->near[st->nfloor - 1] || st->nlinks >= st->links_max)
			return;
	}
	else
	{
		if (rule == DEDUPE_PAIR_FROM_ALTERNATE)
			st->found_through_alternates++;
		else
			st->found[rule]++;
		keep_sample(st, &st->above, a, b, p, total, gamma, weights);
	}
	while (st->nlinks >= st->links_max)
		if (!raise_floor(st))
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
	if (p < st->cfg->threshold)
		return;
	st->nabove++;

	old = MemoryContextSwitchTo(st->batch_cxt);
	st->e[st->n] = JsonbPGetDatum(explain_pair_jsonb(st, gamma, weights));
	st->a[st->n] = Int64GetDatum(a);
	st->b[st->n] = Int64GetDatum(b);
	st->p[st->n] = Float8GetDatum(p);
	st->w[st->n] = Float8GetDatum(total);
	st->n++;
	MemoryContextSwitchTo(old);
	if (st->n == WRITE_BATCH)
		flush_pairs(st);
}

void
dedupe_store_defer_writes(DedupePairStore *st, bool defer)
{
	st->defer = defer;
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
	return st->nabove;
}

/* a sample as a jsonb array, strongest first */
static void
append_sample(StringInfo buf, NearSample *ns)
{
	qsort(ns->pair, ns->n, sizeof(SamplePair), compare_samples);
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < ns->n; i++)
		appendStringInfo(buf, "%s{\"key_a\": " INT64_FORMAT ", \"key_b\": " INT64_FORMAT
						 ", \"probability\": %.17g, \"weight\": %.17g, \"explanation\": %s}",
						 i ? ", " : "", ns->pair[i].a, ns->pair[i].b, ns->pair[i].probability,
						 ns->pair[i].weight, ns->pair[i].explanation);
	appendStringInfoChar(buf, ']');
}

void
dedupe_store_score_summary(DedupePairStore *st, DedupeScoreSummary *out)
{
	initStringInfo(&out->histogram);
	appendStringInfo(&out->histogram, "{\"bin_width\": %g, \"bins\": [", HIST_WIDTH);
	for (int i = 0, first = 1; i < HIST_BINS; i++)
		if (st->hist[i] > 0)
		{
			appendStringInfo(&out->histogram, "%s{\"from\": %g, \"to\": %g, \"pairs\": " INT64_FORMAT "}",
							 first ? "" : ", ", HIST_MIN + i * HIST_WIDTH, HIST_MIN + (i + 1) * HIST_WIDTH,
							 st->hist[i]);
			first = 0;
		}
	appendStringInfoString(&out->histogram, "]}");

	initStringInfo(&out->near);
	appendStringInfoString(&out->near, "{\"above\": ");
	append_sample(&out->near, &st->above);
	appendStringInfoString(&out->near, ", \"below\": ");
	append_sample(&out->near, &st->below);
	appendStringInfoChar(&out->near, '}');
	memcpy(out->found, st->found, sizeof(out->found));
	out->found_through_alternates = st->found_through_alternates;
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
	int64		near_clusters[NEAR_MAX];

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

	/*
	 * The clusters at the thresholds near the run's; this sorts the links
	 * strongest first, so those at or above the threshold come first.
	 */
	if (!ct_cluster_counts((uint32) nkeys, links, st->nlinks, (uint32) st->cfg->max_cluster_size,
						   st->near, st->nfloor, near_clusters, &contacts_palloc_allocator))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	initStringInfo(&out->thresholds);
	appendStringInfoChar(&out->thresholds, '[');
	for (int t = 0; t < st->nnear; t++)
	{
		appendStringInfo(&out->thresholds, "%s{\"threshold\": %.10g, \"pairs\": " INT64_FORMAT ", \"clusters\": ",
						 t ? ", " : "", st->near[t], st->near_pairs[t]);
		if (t < st->nfloor)
			appendStringInfo(&out->thresholds, INT64_FORMAT "}", near_clusters[t]);
		else
			appendStringInfoString(&out->thresholds, "null}");
	}
	appendStringInfoChar(&out->thresholds, ']');
	CHECK_FOR_INTERRUPTS();

	cluster = palloc_extended(sizeof(uint32) * Max(nkeys, 1), MCXT_ALLOC_HUGE);
	flagged = palloc_extended(sizeof(bool) * Max(nkeys, 1), MCXT_ALLOC_HUGE);
	size = palloc_extended(sizeof(uint32) * Max(nkeys, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	out->refused = ct_cluster((uint32) nkeys, links, st->nabove, (uint32) st->cfg->max_cluster_size,
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
	/* one union-find, two passes: they agree, or one of them is wrong */
	if (out->clusters != near_clusters[st->run_near])
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("dedupe: " INT64_FORMAT " clusters, but " INT64_FORMAT " counted at the threshold",
								 out->clusters, near_clusters[st->run_near])));
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
			write_results(plan, args);
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

PG_FUNCTION_INFO_V1(contacts_dedupe_run_deleted);

/*
 * Trigger after a run's row is deleted, or dedupe_runs truncated: its pairs
 * and clusters go with it.  Not a foreign key, which would check each of
 * the hundreds of thousands of rows a large run writes (9 microseconds a
 * row, 7 s at 1M rows).  Deleted as the extension's owner, as a foreign
 * key's cascade runs as the owner of the referencing table: whoever may
 * delete a run may delete what is its own.
 */
Datum
contacts_dedupe_run_deleted(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *tables[2] = {"dedupe_pairs", "dedupe_clusters"};
	Oid			argtypes[1] = {INT8OID};
	Datum		args[1];
	bool		isnull = false;
	bool		truncated;
	ContactsRoleSwitch sw;
	int			search_path_level;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!(TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event) ||
		  (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) && TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("dedupe_run_deleted() must be called as a row trigger on delete or on truncate")));
	truncated = TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event);
	if (!truncated)
		args[0] = heap_getattr(trigdata->tg_trigtuple,
							   SPI_fnumber(RelationGetDescr(trigdata->tg_relation), "run_id"),
							   RelationGetDescr(trigdata->tg_relation), &isnull);
	if (isnull)
		return PointerGetDatum(NULL);
	contacts_spi_connect();
	search_path_level = contacts_pin_search_path();
	contacts_switch_to(contacts_extension_owner(), &sw);
	for (int i = 0; i < 2; i++)
	{
		if (truncated)
			contacts_spi_execute(psprintf("TRUNCATE %s.%s", contacts_extension_schema_quoted(), tables[i]),
								 false, 0, SPI_OK_UTILITY);
		else
			contacts_spi_execute_args(psprintf("DELETE FROM %s.%s WHERE run_id = $1",
											   contacts_extension_schema_quoted(), tables[i]),
									  1, argtypes, args, NULL, false, 0, SPI_OK_DELETE);
	}
	contacts_switch_back(&sw);
	contacts_unpin_search_path(search_path_level);
	contacts_spi_finish();
	return PointerGetDatum(NULL);
}
