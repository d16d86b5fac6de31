/*
 * dedupe_run.c
 *		dedupe_run(): find the duplicates of a configured table.
 *
 * Phases, each timed and reported (wall and CPU seconds):
 *   blocking   the pairs each candidate rule's blocks hold, from its key
 *              counts over the rows (a sample on large tables); the plan
 *              chooses the rules within max_pairs and drops degenerate
 *              ones (dedupe_plan() shows the same plan); blocks larger
 *              than max_block_size are skipped and reported
 *   features   one pass over the table computes, per row, the normalized
 *              key of every compared column and the keys of the chosen
 *              rules (an unlogged features table, kept for dedupe_match);
 *              a grouped scan per counted column counts how many rows
 *              share each value (term frequencies) and each blocking key
 *              (block sizes, the chosen rules' exact pair counts)
 *   distributing  on a hash-distributed Citus table only: each block's
 *              records brought together on one worker, to be scored there
 *              (dedupe_distributed.c)
 *   estimate   EM on the comparison vectors of the pairs of a sample of
 *              the blocks (only counts of distinct vectors are kept)
 *   scoring    per rule, the records of its blocks come sorted by key and
 *              every pair within a block is compared and scored once (a
 *              pair an earlier rule already compared is skipped): never a
 *              cross join (on a hash-distributed Citus table, on the
 *              workers); pairs at or above the threshold are stored with
 *              their explanation; then each record holding a value that
 *              another keeps as an alternate (a merge kept it) is compared
 *              with that record under the value (dedupe_alternates.c)
 *   clustering union-find over those pairs with a cluster size guard
 *   indexing   btree indexes on the blocking keys, for dedupe_match
 *
 * Privileges: a run needs ownership of the table (as ANALYZE and REINDEX
 * do: it rebuilds what is derived from the table) and writes the run's
 * row and model as its caller; its pairs and clusters, many rows of values
 * the run computed, are written as the extension's owner without a row
 * security test each (dedupe_store.c).  The feature tables are created by the extension's
 * owner, belong to the table's owner and are filled as that owner; see
 * dedupe_features.c.  Every statement runs
 * under search_path = pg_catalog, pg_temp and names the extension's
 * objects through its schema.
 *
 * The phases live in files of their own: dedupe_features.c (features and
 * indexing), dedupe_scan.c (blocking, the block scan behind estimate and
 * scoring), dedupe_store.c (pairs, clusters, model); this file runs them in
 * order, times them and writes the run's summary.
 *
 * The work is one transaction: cancelling it (or an error) leaves no
 * partial results.  Memory: the scoring pass reads each rule's records as
 * its statement yields them and holds one block (at most max_block_size
 * records), the pairs to write kept in a tuplestore until the scan ends
 * (no statement may run while the scan's do); the term frequencies of
 * values shared by two or more records are held in a hash table; the pairs
 * above the threshold are kept for clustering, bounded by
 * maintenance_work_mem.
 */
#include "postgres.h"

#include <sys/resource.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "portability/instr_time.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"

#include "dedupe.h"
#include "privileges.h"
#include "spi_util.h"
#include "textconv.h"

/* fewer sampled pairs than this and EM is not run */
#define EM_MIN_PAIRS 1000

typedef struct PhaseClock
{
	instr_time	start;
	double		cpu_start;		/* this backend's CPU seconds */
	StringInfoData seconds;		/* jsonb text of the phases' wall time */
	StringInfoData cpu_seconds; /* and of their CPU time */
} PhaseClock;

/* user + system CPU seconds of this process (not its parallel workers) */
static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
phase_start(PhaseClock *clock)
{
	INSTR_TIME_SET_CURRENT(clock->start);
	clock->cpu_start = cpu_now();
}

/*
 * On a shared machine wall time depends on the neighbours: the CPU time is
 * reported beside it.
 */
static void
phase_done(PhaseClock *clock, const char *phase, const char *config, const char *detail)
{
	instr_time	now;
	double		secs,
				cpu = cpu_now() - clock->cpu_start;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, clock->start);
	secs = INSTR_TIME_GET_DOUBLE(now);
	appendStringInfo(&clock->seconds, "%s\"%s\": %.3f", clock->seconds.len > 1 ? ", " : "", phase, secs);
	appendStringInfo(&clock->cpu_seconds, "%s\"%s\": %.3f", clock->cpu_seconds.len > 1 ? ", " : "", phase, cpu);
	ereport(NOTICE,
			(errmsg("dedupe \"%s\": %s done in %.1f s (CPU %.1f s)%s%s", config, phase, secs, cpu,
					detail ? ": " : "", detail ? detail : "")));
	phase_start(clock);
}

/*
 * The estimate phase: each sampled pair's comparison pattern is counted
 * (EM needs only the counts of distinct patterns) and the term frequencies
 * of agreeing values summed, for the model's reference frequency.
 */
typedef struct EstimateState
{
	const CtMatchModel *model;
	CtPatternCounts *patterns;
	double		tf_sums[CT_MAX_FIELDS];
	double		tf_counts[CT_MAX_FIELDS];
} EstimateState;

static void
count_pattern(void *state, int rule, int64 a, int64 b, const uint8 *gamma,
			  const CtFieldValue *x, const CtFieldValue *y)
{
	EstimateState *es = (EstimateState *) state;

	if (!ct_patterns_add(es->patterns, gamma, 1))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	ct_tf_accumulate(es->model, gamma, x, y, es->tf_sums, es->tf_counts);
}

PG_FUNCTION_INFO_V1(contacts_dedupe_run);

Datum
contacts_dedupe_run(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	const char *name;
	DedupeConfig *cfg;
	const char *schema;
	PhaseClock	clock;
	StringInfoData by_rule;
	StringInfoData sql;
	int64		run_id,
				records,
				candidates,
				raw_pairs,
				sampled;
	int64		rule_compared[DEDUPE_MAX_RULES] = {0};
	int			em_iterations = 0;
	double		reduction;
	DedupePairStore *st;
	int64		links;
	int64		alternate_links;
	DedupeClusterSummary cs;
	DedupeScoreSummary ss;
	int			search_path_level;
	int			run_work_mem;
	bool		distributed;

	/*
	 * Like ANALYZE or REINDEX, a run rebuilds what is derived from the table
	 * (its features and model): its owner's business.  Its rows are read, so
	 * SELECT too.
	 */
	contacts_require_table(relid, ACL_OWNER_CHECK | ACL_SELECT, "find duplicates in");
	name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
	contacts_spi_connect();
	search_path_level = contacts_pin_search_path();

	/*
	 * A run is maintenance, like CREATE INDEX: its sorts and hashes (the key
	 * counts, the blocks in key order) get maintenance_work_mem, not a
	 * query's work_mem, shared as a parallel CREATE INDEX shares it: each
	 * process of a parallel statement sorts or hashes its own part.  JIT is
	 * off: the statements' time is in the extension's C functions, which
	 * it cannot compile, and compiling their wide rows in every process
	 * took longer than it saved.  Restored with the search path.
	 */
	run_work_mem = maintenance_work_mem / (1 + Max(max_parallel_workers_per_gather, 0));
	if (run_work_mem > work_mem)
		(void) set_config_option("work_mem", psprintf("%d", run_work_mem), PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	cfg = dedupe_load_config(relid, name, true, true);
	schema = cfg->schema;
	cfg->features_table = dedupe_features_name(relid);
	initStringInfo(&clock.seconds);
	appendStringInfoChar(&clock.seconds, '{');
	initStringInfo(&clock.cpu_seconds);
	appendStringInfoChar(&clock.cpu_seconds, '{');
	phase_start(&clock);

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s.dedupe_runs (tbl) VALUES (%u) RETURNING run_id",
					 schema, relid);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_INSERT_RETURNING);
	run_id = contacts_spi_int8(SPI_tuptable, 0, 1);

	/* blocking: the rules the table affords, from their key counts */
	raw_pairs = dedupe_plan_table(cfg);
	{
		int			nchosen = 0;

		for (int r = 0; r < cfg->nrules; r++)
			nchosen += cfg->rules[r].chosen;
		phase_done(&clock, "blocking", name,
				   psprintf("%d of %d rules chosen, about " INT64_FORMAT " pairs in blocks of at most %d records"
							" (budget " INT64_FORMAT ")",
							nchosen, cfg->nrules, raw_pairs, cfg->max_block_size, cfg->max_pairs));
	}

	/* features, with the chosen rules' keys; their pairs counted exactly */
	records = dedupe_build_features(cfg, schema);
	cfg->records = records;
	raw_pairs = dedupe_plan_rules(cfg, psprintf("SELECT field, k, n FROM %s.%s", schema,
												quote_identifier(psprintf("%s_counts", cfg->features_table))),
								  1.0, false);
	phase_done(&clock, "features", name,
			   psprintf(INT64_FORMAT " records, " INT64_FORMAT " pairs in the chosen rules' blocks", records,
						raw_pairs));

	/* on Citus, each block's records brought together on a worker, to score there */
	distributed = raw_pairs > 0 && dedupe_distributed(cfg);
	if (distributed)
		phase_done(&clock, "distributing", name, dedupe_distribute_blocks(cfg));

	/* estimate: EM on the comparison vectors of a sample of the blocks */
	{
		EstimateState es;
		int			sample = 0;
		bool		any_free = false;
		int64		random_pairs;

		for (int f = 0; f < cfg->nfields; f++)
			any_free = any_free || !cfg->model.field[f].fixed;
		if (raw_pairs > cfg->em_sample_pairs)
			sample = Max(1, (int) (65536.0 * cfg->em_sample_pairs / raw_pairs));
		sampled = 0;
		memset(&es, 0, sizeof(es));
		es.model = &cfg->model;
		es.patterns = ct_patterns_create(cfg->nfields, &contacts_palloc_allocator);
		random_pairs = dedupe_measure_u(cfg, schema, records);
		if (cfg->em_iterations > 0 && raw_pairs > 0)
		{
			sampled = dedupe_scan_blocks(cfg, schema, sample, count_pattern, &es, NULL,
								  Min(raw_pairs, cfg->em_sample_pairs), "compared for EM");
			/* a handful of pairs would teach EM nothing but noise */
			if (any_free && sampled >= EM_MIN_PAIRS)
			{
				em_iterations = ct_em(&cfg->model, es.patterns, cfg->em_iterations, 1e-5);

				/*
				 * Nearly every candidate pair a match (or none) leaves EM
				 * nothing to tell the two apart by: ct_em kept the start.
				 */
				if (em_iterations == 0)
					ereport(NOTICE,
							(errmsg("dedupe \"%s\": EM could not tell matches from the other candidate pairs, "
									"the starting values are kept", name)));
			}
			else if (any_free)
				ereport(NOTICE,
						(errmsg("dedupe \"%s\": " INT64_FORMAT " candidate pairs are too few to estimate m and u, "
								"the starting values are kept", name, sampled)));
			ct_tf_set_reference(&cfg->model, es.tf_sums, es.tf_counts);
		}
		phase_done(&clock, "estimate", name,
				   psprintf(INT64_FORMAT " random pairs, " INT64_FORMAT " pairs sampled, %zu comparison patterns, "
									"%d EM iterations, prior %.4f",
							random_pairs, sampled, ct_patterns_distinct(es.patterns), em_iterations,
							cfg->model.lambda));
		ct_patterns_free(es.patterns);
	}

	/* scoring */
	st = dedupe_store_begin(cfg, run_id);
	dedupe_store_defer_writes(st, true);
	if (distributed)
		candidates = dedupe_score_distributed(cfg, st, rule_compared);
	else
		candidates = raw_pairs > 0 ?
			dedupe_scan_blocks(cfg, schema, 0, dedupe_store_pair, st, rule_compared, raw_pairs, "scored") : 0;
	dedupe_store_defer_writes(st, false);
	/* and the records holding a value another keeps as an alternate */
	alternate_links = dedupe_alternate_pairs(cfg, st);
	links = dedupe_store_flush(st);
	dedupe_store_score_summary(st, &ss);
	reduction = records > 1 ? 1.0 - (double) candidates / ((double) records * (records - 1) / 2) : 0;
	initStringInfo(&by_rule);
	appendStringInfoChar(&by_rule, '{');
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
		{
			appendStringInfoString(&by_rule, by_rule.len > 1 ? ", " : "");
			escape_json(&by_rule, cfg->rules[r].name);
			appendStringInfo(&by_rule, ": {\"pairs_in_blocks\": " INT64_FORMAT
							 ", \"pairs_compared\": " INT64_FORMAT ", \"records_in_skipped_blocks\": " INT64_FORMAT
							 ", \"pairs_found\": " INT64_FORMAT "}",
							 cfg->rules[r].stats.pairs, rule_compared[r], cfg->rules[r].stats.oversized_records,
							 ss.found[r]);
		}
	/* pairs no rule made: records joined by a value kept as an alternate */
	if (ss.found_through_alternates > 0)
		appendStringInfo(&by_rule, "%s\"alternates\": {\"pairs_found\": " INT64_FORMAT "}",
						 by_rule.len > 1 ? ", " : "", ss.found_through_alternates);
	appendStringInfoChar(&by_rule, '}');
	phase_done(&clock, "scoring", name,
			   psprintf(INT64_FORMAT " candidate pairs compared (reduction ratio %.6f), " INT64_FORMAT " at or above %.3f"
						" (" INT64_FORMAT " through alternates)",
						candidates, reduction, links, cfg->threshold, alternate_links));

	/* clustering */
	dedupe_store_clusters(st, &cs);
	phase_done(&clock, "clustering", name,
			   psprintf(INT64_FORMAT " clusters of " INT64_FORMAT " records, " INT64_FORMAT " flagged",
						cs.clusters, cs.records, cs.flagged));

	/*
	 * Indexes on the blocking keys, for dedupe_match, which looks keys up by
	 * equality: a record without a rule's key is left out of its index (a
	 * third of them at 1M contactgen rows, sorted for nothing).
	 */
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
		{
			dedupe_index_feature_table(cfg, cfg->features_table, cfg->rules[r].column, false,
									   psprintf("%s IS NOT NULL", cfg->rules[r].column));
			CHECK_FOR_INTERRUPTS();
		}
	phase_done(&clock, "indexing", name, NULL);

	/* summary and model */
	dedupe_store_model(cfg);
	resetStringInfo(&sql);
	{
		StringInfoData chosen;

		/* the rules dedupe_match looks records up by */
		initStringInfo(&chosen);
		appendStringInfoString(&chosen, "ARRAY[]::text[]");
		for (int r = 0; r < cfg->nrules; r++)
			if (cfg->rules[r].chosen)
				appendStringInfo(&chosen, " || %s::text", quote_literal_cstr(cfg->rules[r].name));
		appendStringInfo(&sql, "UPDATE %s.dedupe_settings SET prior = %.10g, features_table = %s, "
						 "blocking_rules = %s WHERE tbl = %u",
						 schema, cfg->model.lambda, quote_literal_cstr(cfg->features_table), chosen.data, relid);
	}
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UPDATE);
	appendStringInfoChar(&clock.seconds, '}');
	appendStringInfoChar(&clock.cpu_seconds, '}');
	resetStringInfo(&sql);
	appendStringInfo(&sql,
					 "UPDATE %s.dedupe_runs SET finished_at = clock_timestamp(), records = " INT64_FORMAT
					 ", candidate_pairs = " INT64_FORMAT ", pairs_by_rule = %s, reduction_ratio = %.9f"
					 ", pairs_above_threshold = " INT64_FORMAT ", clusters = " INT64_FORMAT
					 ", records_in_clusters = " INT64_FORMAT ", cluster_sizes = %s, flagged_clusters = " INT64_FORMAT
					 ", refused_links = %ld, em_iterations = %d, model = %s, threshold = %.17g"
					 ", weight_histogram = %s, nearby_thresholds = %s, pairs_near_threshold = %s"
					 ", seconds = %s, cpu_seconds = %s, blocking = %s WHERE run_id = " INT64_FORMAT,
					 schema, records, candidates, quote_literal_cstr(by_rule.data), reduction,
					 links, cs.clusters, cs.records, quote_literal_cstr(cs.sizes.data), cs.flagged,
					 cs.refused, em_iterations, quote_literal_cstr(dedupe_model_json(cfg)), cfg->threshold,
					 quote_literal_cstr(ss.histogram.data), quote_literal_cstr(cs.thresholds.data),
					 quote_literal_cstr(ss.near.data),
					 quote_literal_cstr(clock.seconds.data), quote_literal_cstr(clock.cpu_seconds.data),
					 quote_literal_cstr(dedupe_plan_json(cfg, rule_compared)), run_id);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UPDATE);
	contacts_unpin_search_path(search_path_level);
	contacts_spi_finish();
	PG_RETURN_INT64(run_id);
}
