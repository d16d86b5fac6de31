/*
 * block_plan.c
 *		Choosing the blocking rules of a dedupe run from their key counts.
 *
 * A greedy answer to a knapsack: the rules the DBA enables come first and
 * always; then, best first by records covered per pair, each rule that fits
 * in what is left of the budget.  A rule covering many records with few
 * pairs (an identifier, an e-mail) is taken before one whose keys are
 * coarse (a birth date alone), which a large table cannot afford but a
 * small one can.  A rule is degenerate when at least as many of the records
 * it keys sit in blocks too large to compare as in blocks it compares, or
 * when one key is on most of the rows: a default value typed on most rows
 * ("01/01/1900") says nothing.
 */
#include "block_plan.h"

/* a key on fewer records than this is never degenerate, however small the table */
#define DEGENERATE_MIN_KEY 10

static const char *const reason_names[CT_PLAN_REASON_COUNT] = {
	[CT_PLAN_CHOSEN] = "chosen: within the pair budget",
	[CT_PLAN_FORCED] = "chosen: enabled in dedupe_blocking_rules",
	[CT_PLAN_DISABLED] = "dropped: disabled in dedupe_blocking_rules",
	[CT_PLAN_NO_SHARED_KEYS] = "chosen: no two records share a key yet, kept for dedupe_match",
	[CT_PLAN_DEGENERATE] = "dropped: degenerate, most records it keys share keys larger than max_block_size, or one key is on most rows",
	[CT_PLAN_DEGENERATE_COLUMN] = "dropped: reads a column whose own rule is degenerate",
	[CT_PLAN_OVER_BUDGET] = "dropped: its pairs do not fit in what is left of max_pairs",
};

const char *
ct_block_plan_reason(CtPlanReason reason)
{
	return reason >= 0 && reason < CT_PLAN_REASON_COUNT ? reason_names[reason] : "";
}

bool
ct_block_plan_chosen(CtPlanReason reason)
{
	return reason == CT_PLAN_CHOSEN || reason == CT_PLAN_FORCED || reason == CT_PLAN_NO_SHARED_KEYS;
}

/* records covered per pair: more first */
static bool
better(const CtBlockRuleStats *x, const CtBlockRuleStats *y)
{
	return (double) x->records / (double) (x->pairs > 0 ? x->pairs : 1) >
		(double) y->records / (double) (y->pairs > 0 ? y->pairs : 1);
}

/*
 * Whether a rule's keys are degenerate: at least as many of the records
 * it keys are in blocks too large to compare as in blocks it compares, or
 * one key (of ten records or more) is on most of the table's rows.
 */
static bool
degenerate_keys(const CtBlockRuleStats *r, int64_t records)
{
	return (r->oversized_records > 0 && r->oversized_records >= r->records) ||
		(r->largest >= DEGENERATE_MIN_KEY && r->largest * 2 > records);
}

int64_t
ct_block_plan(const CtBlockRuleStats *rules, int nrules, int64_t budget, int64_t records,
			  CtPlanReason *reasons)
{
	int			order[CT_BLOCK_PLAN_MAX_RULES];
	int			norder = 0;
	int64_t		used = 0;
	uint32_t	degenerate = 0;

	/* the columns whose rule of their own is degenerate */
	for (int i = 0; i < nrules; i++)
		if (rules[i].column_key && degenerate_keys(&rules[i], records))
			degenerate |= rules[i].columns;
	for (int i = 0; i < nrules; i++)
	{
		const CtBlockRuleStats *r = &rules[i];

		if (r->forced > 0)
		{
			reasons[i] = CT_PLAN_FORCED;
			used += r->pairs;
		}
		else if (r->forced < 0)
			reasons[i] = CT_PLAN_DISABLED;
		else if (r->pairs == 0 && r->oversized_records == 0)
			reasons[i] = CT_PLAN_NO_SHARED_KEYS;
		else if (degenerate_keys(r, records))
			reasons[i] = CT_PLAN_DEGENERATE;
		else if (r->columns & degenerate)
			reasons[i] = CT_PLAN_DEGENERATE_COLUMN;
		else
		{
			/* insertion sort, stable: ties keep the candidates' order */
			int			k = norder++;

			while (k > 0 && better(r, &rules[order[k - 1]]))
			{
				order[k] = order[k - 1];
				k--;
			}
			order[k] = i;
		}
	}
	for (int k = 0; k < norder; k++)
	{
		int			i = order[k];

		if (used + rules[i].pairs <= budget)
		{
			reasons[i] = CT_PLAN_CHOSEN;
			used += rules[i].pairs;
		}
		else
			reasons[i] = CT_PLAN_OVER_BUDGET;
	}
	return used;
}
