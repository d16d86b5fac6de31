/*
 * dedupe.h
 *		Shared by the files of dedupe: the configuration of a table
 *		(dedupe_config.c), the SQL of its features (dedupe_sql.c), its
 *		feature tables (dedupe_features.c), the block scan (dedupe_scan.c),
 *		what a run stores (dedupe_store.c), the run (dedupe_run.c) and
 *		single-row matching (dedupe_match.c).
 */
#ifndef CONTACTS_DEDUPE_H
#define CONTACTS_DEDUPE_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/block_plan.h"
#include "core/match_model.h"

#define DEDUPE_MAX_RULES 32

/* bins of the weight histogram of a run's compared pairs */
#define DEDUPE_WEIGHT_BINS 256

/*
 * A blocking rule: an SQL expression giving each record at most one key
 * (records with equal keys are compared), its key counts and whether the
 * plan chose it.  The candidates come from the configured columns
 * (dedupe_candidate_rules) and from dedupe_blocking_rules.
 */
typedef struct DedupeRule
{
	char	   *name;
	char	   *expr;			/* over the features' select "s" */
	char	   *row_expr;		/* the DBA's, over the table's row; or NULL */
	const char *column;			/* "b_<name>", quoted, in the features table */
	CtBlockRuleStats stats;
	CtPlanReason reason;
	bool		chosen;
} DedupeRule;

typedef struct DedupeConfig
{
	char	   *name;			/* the table, for messages */
	Oid			relid;
	const char *schema;			/* the extension's schema, quoted for SQL */
	char	   *key_column;
	char	   *region_column;	/* NULL: default_region for every row */
	char	   *default_region; /* NULL: contacts.default_region */
	double		threshold;
	int			max_cluster_size;
	int			max_block_size;
	int			em_iterations;
	int64		em_sample_pairs;
	int64		max_pairs;		/* the plan's budget of candidate pairs */
	char	   *features_table; /* in schema; NULL before the first run */
	int64		records;		/* rows in the features table */
	int			nfields;
	char	   *columns[CT_MAX_FIELDS];
	CtMatchModel model;			/* starting values, or the last run's */
	int			nrules;
	DedupeRule	rules[DEDUPE_MAX_RULES];
} DedupeConfig;

/* The "rule" of a pair that no blocking rule made: records joined by an alternate. */
#define DEDUPE_PAIR_FROM_ALTERNATE (-1)

/* dedupe_config.c */

/*
 * Read a table's configuration (SPI must be connected, search_path
 * pinned); errors if it has none.  name: the table as the caller's
 * search_path shows it, for messages.  create_settings: add the dedupe
 * settings with the defaults when missing; lock: for update, so that runs
 * of one table take turns.
 */
extern DedupeConfig *dedupe_load_config(Oid relid, const char *name, bool create_settings,
										bool lock);

/* dedupe_sql.c */

/*
 * The select computing the feature columns (key, region, v1, k1, ...,
 * the blocking key of each chosen rule, or of every rule with all_rules)
 * from the rows of from (a relation or a function call) aliased r, and
 * sample (a TABLESAMPLE clause) or NULL.
 */
extern void dedupe_feature_select(const DedupeConfig *cfg, const char *from, const char *sample,
								  bool all_rules, StringInfo buf);

/*
 * The candidate blocking rules of the configured columns, then the DBA's
 * from dedupe_blocking_rules (SPI connected): added, or enabling or
 * disabling a candidate; the rules the last run chose are marked chosen.
 */
extern void dedupe_candidate_rules(DedupeConfig *cfg, char **last_chosen, int nlast);

/*
 * The expression the term frequency of field f (0-based) counts, on the
 * features table aliased alias: an e-mail's domain, else the field's key.
 */
extern char *dedupe_tf_key(const DedupeConfig *cfg, int f, const char *alias);

/*
 * The select list reading one side of a pair from the features table
 * aliased alias: v, k and (with_tf: from the joins of dedupe_side_joins,
 * else NULL) the count of the term-frequency key of each field.
 */
extern void dedupe_side_select(const DedupeConfig *cfg, const char *alias, bool with_tf,
							   StringInfo buf);

/* The joins dedupe_side_select needs (term frequencies from the counts). */
extern void dedupe_side_joins(const DedupeConfig *cfg, const char *alias, StringInfo buf);

/*
 * Fill values[nfields] from a deformed tuple whose columns at offset are
 * what dedupe_side_select produced.  Strings point into the tuple (UTF-8
 * databases) or into memory of the current context.
 */
extern void dedupe_read_side(const DedupeConfig *cfg, Datum *datums, bool *nulls, int offset,
							 CtFieldValue *values);

/* dedupe_match.c */

/*
 * The features of a row given as jsonb, through the same expressions as a
 * run's, without term frequencies: *datums and *nulls (in cxt) are the
 * feature row (key, region, (v, k) per field, blocking keys), side the
 * values to compare (SPI connected, search_path pinned).
 */
extern void dedupe_row_features(DedupeConfig *cfg, Datum row, MemoryContext cxt, Datum **datums,
								bool **nulls, CtFieldValue *side);

/* dedupe_random.c */

/*
 * Compare random pairs of the records of the features table and keep how
 * often each column agrees at each level as the floor of its u (see
 * ct_model_set_u_floor); returns the pairs compared.
 */
extern int64 dedupe_measure_u(DedupeConfig *cfg, const char *schema, int64 records);

/* dedupe_alternates.c */

typedef struct DedupePairStore DedupePairStore;

/*
 * Compare every record with the records keeping one of its emails, phones
 * or national IDs as an alternate (each under that value), and store the
 * pairs at or above the threshold that the blocks did not; returns them.
 */
extern int64 dedupe_alternate_pairs(DedupeConfig *cfg, DedupePairStore *st);

/* dedupe_features.c */

/* The name of a table's features table; its counts table adds "_counts". */
extern char *dedupe_features_name(Oid relid);

/* The owner of a table. */
extern Oid	dedupe_table_owner(Oid relid);

/*
 * Create a run's features and counts tables and fill them from the table's
 * rows (SPI connected, search_path pinned); returns the number of records.
 */
extern int64 dedupe_build_features(DedupeConfig *cfg, const char *schema);

/* CREATE [UNIQUE] INDEX on columns of a feature table [WHERE predicate]. */
extern void dedupe_index_feature_table(const DedupeConfig *cfg, const char *table,
									   const char *columns, bool unique, const char *predicate);

/* Drop relid's feature tables, if any (SPI connected). */
extern void dedupe_drop_feature_tables(Oid relid);

/* dedupe_scan.c */

/*
 * What is done with each compared pair: x and y are the records of a < b,
 * compared in the blocks of rule.
 */
typedef void (*DedupePairCallback) (void *state, int rule, int64 a, int64 b, const uint8 *gamma,
									const CtFieldValue *x, const CtFieldValue *y);

/*
 * The term frequencies of the run, from its counts table, in memory (SPI
 * connected): the values two or more records share.
 */
extern struct HTAB *dedupe_load_tf(const DedupeConfig *cfg, const char *schema);

/* Set the tf of each term-frequency field of a record's values from them. */
extern void dedupe_fill_tf(const DedupeConfig *cfg, struct HTAB *tf, CtFieldValue *values);

/* One record of a block being compared. */
typedef struct DedupeBlockRecord
{
	int64		key;
	int			rule;			/* of the block it was read for */
	CtFieldValue values[CT_MAX_FIELDS];
	char	   *bkey[DEDUPE_MAX_RULES]; /* blocking keys of the chosen rules up
										 * to the one compared, NULL when none */
} DedupeBlockRecord;

/*
 * A pass over the blocks of one rule at a time: which rule, the keys of
 * the blocks each rule skips (sorted: a pair sharing only such a block was
 * not compared there; none where records carry no such key), what is done
 * with each pair, the pairs compared.
 */
typedef struct DedupeBlockPass
{
	const DedupeConfig *cfg;
	int			rule;
	char	  **oversized[DEDUPE_MAX_RULES];
	int			noversized[DEDUPE_MAX_RULES];
	DedupePairCallback callback;
	void	   *state;
	int64		compared[DEDUPE_MAX_RULES];
} DedupeBlockPass;

/* The keys of the blocks each rule skips, from the counts table (SPI connected). */
extern void dedupe_load_oversized(DedupeBlockPass *pass, const char *schema);

/*
 * Compare every pair of the n records of one block of pass->rule that no
 * earlier rule compares (ct_compare allocates in block_cxt), handing each
 * to pass->callback.
 */
extern void dedupe_compare_block(DedupeBlockPass *pass, DedupeBlockRecord *recs, int n,
								 MemoryContext block_cxt);

/*
 * Count each rule's pairs from the key counts that counts_sql returns (rows
 * of field = 100 + rule, key, n) over a share of the rows (1: all); with
 * choose, choose the rules within max_pairs (ct_block_plan), else only
 * recount the chosen ones.  Returns the chosen rules' pairs.
 */
extern int64 dedupe_plan_rules(DedupeConfig *cfg, const char *counts_sql, double share, bool choose);

/*
 * Plan the blocking of a table before its features are built: every
 * candidate rule keyed over the rows (a sample of them on large tables)
 * as their owner, counted and chosen (dedupe_plan_rules).  Sets
 * cfg->records; returns the chosen rules' estimated pairs.
 */
extern int64 dedupe_plan_table(DedupeConfig *cfg);

/* The plan as jsonb text: each rule, its counts, chosen or not and why. */
extern char *dedupe_plan_json(const DedupeConfig *cfg, const int64 *compared);

/*
 * Call callback on every pair within the blocks of every rule, each pair
 * once; sample_per_65536 > 0 keeps that share of the blocks.  compared (or
 * NULL) receives the pairs compared per rule; expected and what word the
 * progress notices.  Returns the pairs compared.
 */
extern int64 dedupe_scan_blocks(DedupeConfig *cfg, const char *schema, int sample_per_65536,
								DedupePairCallback callback, void *state, int64 *compared,
								int64 expected, const char *what);

/* dedupe_store.c */

typedef struct DedupeClusterSummary
{
	int64		clusters;
	int64		records;
	int64		flagged;
	long		refused;
	StringInfoData sizes;		/* jsonb text: {"2": n, "3": n, ...} */
	StringInfoData thresholds;	/* jsonb text: pairs and clusters at the
								 * thresholds near the run's */
} DedupeClusterSummary;

/*
 * What a run's reports read beside the pairs (the scored pairs' weight
 * histogram, the pairs just above and below the threshold) and the pairs each rule
 * found at or above it, as jsonb text.
 */
typedef struct DedupeScoreSummary
{
	StringInfoData histogram;
	StringInfoData near;
	int64		found[DEDUPE_MAX_RULES];
	int64		found_through_alternates;
} DedupeScoreSummary;

/* Store the pairs of run_id at or above the threshold, through dedupe_store_pair. */
extern DedupePairStore *dedupe_store_begin(DedupeConfig *cfg, int64 run_id);

/* A DedupePairCallback scoring a pair; state is the DedupePairStore. */
extern void dedupe_store_pair(void *state, int rule, int64 a, int64 b, const uint8 *gamma,
							  const CtFieldValue *x, const CtFieldValue *y);

/*
 * The rest of dedupe_store_pair, for a pair scored elsewhere (on a Citus
 * worker): total is its weight, weights[] each field's; the pair is not
 * counted in the weight histogram (dedupe_store_count_weights does).
 */
extern void dedupe_store_scored(DedupePairStore *st, int rule, int64 a, int64 b, const uint8 *gamma,
								const double *weights, double total);

/* The histogram bin of a pair's weight. */
extern int	dedupe_weight_bin(double weight);

/* Count pairs in a bin of the weight histogram. */
extern void dedupe_store_count_weights(DedupePairStore *st, int bin, int64 pairs);

/*
 * The lowest probability of a pair the store keeps beyond the report's
 * samples (for the clusters of the thresholds below the run's).
 */
extern double dedupe_store_lowest_kept(const DedupePairStore *st);

/*
 * While deferred, the pairs are kept (in a tuplestore) rather than written:
 * dedupe_scan_blocks calls back while its statements run, when no other
 * statement may.  Undeferred, the kept pairs are written with the next
 * batch, or by dedupe_store_flush.
 */
extern void dedupe_store_defer_writes(DedupePairStore *st, bool defer);

/* Whether the pair a < b is stored already. */
extern bool dedupe_store_has_pair(DedupePairStore *st, int64 a, int64 b);

/* Write the pairs still pending; returns the pairs stored in all. */
extern int64 dedupe_store_flush(DedupePairStore *st);

/* The histogram, the pairs near the threshold and each rule's finds. */
extern void dedupe_store_score_summary(DedupePairStore *st, DedupeScoreSummary *out);

/*
 * Cluster the stored pairs (union-find, size guard) and write the clusters;
 * count the clusters the thresholds near the run's would give.
 */
extern void dedupe_store_clusters(DedupePairStore *st, DedupeClusterSummary *out);

/* Store the estimated model as the configuration's next starting point. */
extern void dedupe_store_model(const DedupeConfig *cfg);

/* The model as jsonb text, for the run summary. */
extern char *dedupe_model_json(const DedupeConfig *cfg);

/* dedupe_distributed.c */

/*
 * Whether the run's scoring runs on Citus workers: a hash-distributed
 * table, with contacts.dedupe_on_workers on.
 */
extern bool dedupe_distributed(const DedupeConfig *cfg);

/*
 * Bring each block's records together on the workers, after the features
 * and counts (SPI connected, search_path pinned); returns what it moved,
 * for the phase's notice.
 */
extern char *dedupe_distribute_blocks(DedupeConfig *cfg);

/*
 * Score every pair of the blocks on the workers into st, whose writes the
 * caller defers (the buckets are read through SPI); compared receives the
 * pairs compared per rule.  Returns the pairs compared.
 */
extern int64 dedupe_score_distributed(DedupeConfig *cfg, DedupePairStore *st, int64 *compared);

#endif							/* CONTACTS_DEDUPE_H */
