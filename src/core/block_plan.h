/*
 * block_plan.h
 *		Choosing the blocking rules of a dedupe run from their key counts.
 *
 * Every candidate rule gives each record at most one key; records with the
 * same key are compared.  Before anything is compared, the number of pairs a
 * rule makes is known from its key counts: the sum over its keys of
 * n(n-1)/2 (as Splink estimates comparisons per blocking rule).  The plan
 * keeps the rules that cover the most records per pair, within a budget of
 * pairs, and drops the rules whose keys are degenerate (most of the records
 * keyed by the rule share keys too common to compare), and with them every
 * rule that reads a column whose own rule (column_key) is degenerate: joined
 * to another column, a birth date typed 01/01/1900 on most rows leaves
 * blocks on that other column alone, too coarse to be worth their pairs.
 */
#ifndef CT_BLOCK_PLAN_H
#define CT_BLOCK_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#define CT_BLOCK_PLAN_MAX_RULES 64

typedef enum CtPlanReason
{
	CT_PLAN_CHOSEN,				/* within the budget */
	CT_PLAN_FORCED,				/* enabled by the DBA, whatever it costs */
	CT_PLAN_DISABLED,			/* disabled by the DBA */
	CT_PLAN_NO_SHARED_KEYS,		/* no two records share a key: it costs no
								 * pair, and finds a new row's duplicates */
	CT_PLAN_DEGENERATE,			/* most keyed records in oversized blocks,
								 * or one key on most of the table */
	CT_PLAN_DEGENERATE_COLUMN,	/* reads a column whose own rule is degenerate */
	CT_PLAN_OVER_BUDGET,		/* its pairs do not fit in what is left */
	CT_PLAN_REASON_COUNT
} CtPlanReason;

typedef struct CtBlockRuleStats
{
	int64_t		pairs;			/* sum of n(n-1)/2 over keys of 2 <= n <= max */
	int64_t		records;		/* records in those keys */
	int64_t		oversized_records;	/* records in keys of more than max */
	int64_t		largest;		/* records of the commonest key */
	int			forced;			/* 1: the DBA enables it, -1: disables, 0: plan */
	uint32_t	columns;		/* bit c: reads column c (0: unknown) */
	bool		column_key;		/* its key is one column's whole key: it
								 * tells whether that column is degenerate */
} CtBlockRuleStats;

/*
 * Decide every rule of at most CT_BLOCK_PLAN_MAX_RULES (reasons[i], and
 * whether chosen: CT_PLAN_CHOSEN or CT_PLAN_FORCED) within budget pairs,
 * for a table of records rows; returns the pairs of the chosen
 * rules (an upper bound of the pairs compared: a pair two rules share is
 * compared once).
 */
extern int64_t ct_block_plan(const CtBlockRuleStats *rules, int nrules, int64_t budget,
							 int64_t records, CtPlanReason *reasons);

/* Whether a reason means the rule is used. */
extern bool ct_block_plan_chosen(CtPlanReason reason);

/* What a reason says, in words ("over the pair budget" ...). */
extern const char *ct_block_plan_reason(CtPlanReason reason);

#endif							/* CT_BLOCK_PLAN_H */
