/*
 * test_block_plan.c
 *		The choice of blocking rules: budget, order by records per pair,
 *		degenerate keys, rules forced and disabled by the DBA.
 */
#include "unit.h"

#include "block_plan.h"

static CtBlockRuleStats
rule(int64_t pairs, int64_t records, int64_t oversized, int forced)
{
	CtBlockRuleStats r = {pairs, records, oversized, 2, forced, 0, false};

	return r;
}

int
main(void)
{
	CtBlockRuleStats rules[6];
	CtPlanReason why[6];
	int64_t		used;

	/* everything fits: all chosen */
	rules[0] = rule(100, 150, 0, 0);
	rules[1] = rule(1000, 900, 0, 0);
	used = ct_block_plan(rules, 2, 10000, 100000, why);
	CHECK(why[0] == CT_PLAN_CHOSEN && why[1] == CT_PLAN_CHOSEN);
	CHECK(used == 1100);

	/* a tight budget takes the rule with more records per pair first */
	rules[0] = rule(5000, 5000, 0, 0);	/* 1 record per pair */
	rules[1] = rule(1000, 1800, 0, 0);	/* 1.8 */
	rules[2] = rule(3000, 4000, 0, 0);	/* 1.33 */
	used = ct_block_plan(rules, 3, 4500, 100000, why);
	CHECK(why[1] == CT_PLAN_CHOSEN);
	CHECK(why[2] == CT_PLAN_CHOSEN);
	CHECK(why[0] == CT_PLAN_OVER_BUDGET);
	CHECK(used == 4000);
	CHECK(!ct_block_plan_chosen(why[0]) && ct_block_plan_chosen(why[1]));

	/* a rule that does not fit does not stop a cheaper one after it */
	rules[0] = rule(100, 200, 0, 0);
	rules[1] = rule(9000, 10000, 0, 0);
	rules[2] = rule(50, 60, 0, 0);
	used = ct_block_plan(rules, 3, 1000, 100000, why);
	CHECK(why[0] == CT_PLAN_CHOSEN && why[1] == CT_PLAN_OVER_BUDGET && why[2] == CT_PLAN_CHOSEN);
	CHECK(used == 150);

	/*
	 * degenerate: one birth date on 97% of the rows, its block skipped;
	 * the few real dates are not enough to keep the rule
	 */
	rules[0] = rule(40, 120, 4850, 0);
	rules[1] = rule(400, 700, 0, 0);
	/* a rule with one oversized block among many useful ones is kept */
	rules[2] = rule(2000, 3000, 150, 0);
	used = ct_block_plan(rules, 3, 100000, 100000, why);
	CHECK(why[0] == CT_PLAN_DEGENERATE);
	CHECK(why[1] == CT_PLAN_CHOSEN && why[2] == CT_PLAN_CHOSEN);
	CHECK(used == 2400);

	/*
	 * a degenerate column takes down the rules joining it to another: the
	 * birth date rule (column 1) is degenerate, birth + family (1 and 2)
	 * goes with it though its blocks fit, family + postcode (2 and 3) stays
	 */
	rules[0] = rule(40, 120, 4850, 0);
	rules[0].columns = 1u << 1;
	rules[0].column_key = true;
	rules[1] = rule(9000, 4000, 0, 0);
	rules[1].columns = (1u << 1) | (1u << 2);
	rules[2] = rule(500, 800, 0, 0);
	rules[2].columns = (1u << 2) | (1u << 3);
	ct_block_plan(rules, 3, 100000, 100000, why);
	CHECK(why[0] == CT_PLAN_DEGENERATE);
	CHECK(why[1] == CT_PLAN_DEGENERATE_COLUMN);
	CHECK(why[2] == CT_PLAN_CHOSEN);
	/* a degenerate part of a column (a shared prefix) says nothing of the column */
	rules[0].column_key = false;
	ct_block_plan(rules, 3, 100000, 100000, why);
	CHECK(why[0] == CT_PLAN_DEGENERATE && why[1] == CT_PLAN_CHOSEN);
	rules[0].column_key = true;
	/* a column whose rule is merely coarse (one oversized block) is not degenerate */
	rules[0] = rule(400, 900, 150, 0);
	rules[0].columns = 1u << 1;
	ct_block_plan(rules, 3, 100000, 100000, why);
	CHECK(why[0] == CT_PLAN_CHOSEN && why[1] == CT_PLAN_CHOSEN);

	/* one key on most of a small table: degenerate though its block fits */
	rules[0] = rule(97 * 96 / 2, 97, 0, 0);
	rules[0].largest = 97;
	ct_block_plan(rules, 1, 100000, 100, why);
	CHECK(why[0] == CT_PLAN_DEGENERATE);
	/* but not two records of three */
	rules[0] = rule(1, 2, 0, 0);
	ct_block_plan(rules, 1, 100000, 3, why);
	CHECK(why[0] == CT_PLAN_CHOSEN);

	/* nothing shared */
	rules[0] = rule(0, 0, 0, 0);
	ct_block_plan(rules, 1, 100, 100000, why);
	CHECK(why[0] == CT_PLAN_NO_SHARED_KEYS);
	/* kept: it costs nothing and dedupe_match looks new rows up by it */
	CHECK(ct_block_plan_chosen(why[0]));

	/* the DBA's word: forced rules count against the budget, disabled never run */
	rules[0] = rule(900, 1000, 0, 1);
	rules[1] = rule(10, 20, 0, -1);
	rules[2] = rule(200, 300, 0, 0);
	rules[3] = rule(50, 80, 0, 0);
	used = ct_block_plan(rules, 4, 1000, 100000, why);
	CHECK(why[0] == CT_PLAN_FORCED && why[1] == CT_PLAN_DISABLED);
	CHECK(why[2] == CT_PLAN_OVER_BUDGET && why[3] == CT_PLAN_CHOSEN);
	CHECK(used == 950);
	/* forced even over the budget, and even when degenerate */
	rules[0] = rule(5000, 100, 9000, 1);
	ct_block_plan(rules, 1, 10, 100000, why);
	CHECK(why[0] == CT_PLAN_FORCED);

	/* ties keep the candidates' order */
	rules[0] = rule(100, 100, 0, 0);
	rules[1] = rule(100, 100, 0, 0);
	ct_block_plan(rules, 2, 150, 100000, why);
	CHECK(why[0] == CT_PLAN_CHOSEN && why[1] == CT_PLAN_OVER_BUDGET);

	CHECK_STR(ct_block_plan_reason(CT_PLAN_OVER_BUDGET),
			  "dropped: its pairs do not fit in what is left of max_pairs");
	CHECK_STR(ct_block_plan_reason(CT_PLAN_REASON_COUNT), "");
	return UNIT_DONE();
}
