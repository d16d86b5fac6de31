/*
 * dedupe.h
 *		Shared between the dedupe run (dedupe.c) and single-row matching
 *		(dedupe_match.c): the configuration of a table and how its records
 *		are read from the features table.
 */
#ifndef CONTACTS_DEDUPE_H
#define CONTACTS_DEDUPE_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/match_model.h"

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
	char	   *features_table; /* in schema; NULL before the first run */
	int64		records;		/* rows in the features table */
	int			nfields;
	char	   *columns[CT_MAX_FIELDS];
	CtMatchModel model;			/* starting values, or the last run's */
} DedupeConfig;

/* The blocking rules: which feature column each reads */
typedef enum DedupeRule
{
	RULE_EMAIL,
	RULE_PHONE,
	RULE_NAME,
	RULE_FAMILY_INITIAL,
	RULE_COMPANY_CITY,
	RULE_NATIONAL_ID,
	RULE_POSTCODE_YEAR,
	RULE_COUNT
} DedupeRule;

extern const char *const dedupe_rule_names[RULE_COUNT];

/*
 * Read a table's configuration (SPI must be connected, search_path
 * pinned); errors if it has none.  name: the table as the caller's
 * search_path shows it, for messages.  create_settings: add the dedupe
 * settings with the defaults when missing; lock: for update, so that runs
 * of one table take turns.
 */
extern DedupeConfig *dedupe_load_config(Oid relid, const char *name, bool create_settings,
										bool lock);

/* The name of a table's features table; its counts table adds "_counts". */
extern char *dedupe_features_name(Oid relid);

/* Drop relid's feature tables, if any (SPI connected). */
extern void dedupe_drop_feature_tables(Oid relid);

/* The owner of a table. */
extern Oid	dedupe_table_owner(Oid relid);

/*
 * The select list computing the feature columns (v1, k1, ..., region,
 * blocking keys b_*) from the columns of the relation aliased "r".
 */
extern void dedupe_feature_select(const DedupeConfig *cfg, StringInfo buf);

/* Whether the configuration has what the rule needs. */
extern bool dedupe_rule_applies(const DedupeConfig *cfg, DedupeRule rule);

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

#endif							/* CONTACTS_DEDUPE_H */
