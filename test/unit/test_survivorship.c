/*
 * test_survivorship.c
 *		Every survivorship rule, its tie-breaking and its NULL handling.
 */
#include "unit.h"

#include "survivorship.h"

/* A candidate with a text value (NULL for SQL NULL) and ranks. */
static CtSurvCandidate
cand(const char *v, long recency, long order, bool valid)
{
	CtSurvCandidate c;

	c.value = v;
	c.len = v ? strlen(v) : 0;
	c.isnull = (v == NULL);
	c.recency = recency;
	c.order = order;
	c.valid = valid;
	return c;
}

int
main(void)
{
	CtSurvRule	rule;
	CtReason	reason = {0};
	CtSurvCandidate c[4];

	/* names round-trip; unknown names are rejected with a reason */
	for (int i = 0; i < CT_SURV_RULE_COUNT; i++)
	{
		const char *name = ct_surv_rule_name((CtSurvRule) i);

		CHECK(ct_surv_rule_parse(name, strlen(name), &rule, &reason) && (int) rule == i);
	}
	CHECK(!ct_surv_rule_parse("newest", 6, &rule, &reason));
	CHECK_STR(reason.code, "UNKNOWN_SURVIVORSHIP_RULE");
	CHECK(!ct_surv_rule_parse("max ", 4, &rule, &reason));
	CHECK(ct_surv_rule_name((CtSurvRule) 99) == NULL);

	/* survivor first (NULL), then older rows */
	c[0] = cand(NULL, 2, 0, false);
	c[1] = cand("Ana", 1, 1, false);
	c[2] = cand("Anabel", 0, 2, true);
	c[3] = cand("Ana", 3, 1, true);
	CHECK(ct_surv_pick(CT_SURV_SURVIVOR, c, 4) == -1);
	CHECK(ct_surv_pick(CT_SURV_NON_NULL, c, 4) == 1);
	CHECK(ct_surv_pick(CT_SURV_MOST_RECENT, c, 4) == 2);
	CHECK(ct_surv_pick(CT_SURV_LONGEST, c, 4) == 2);
	CHECK(ct_surv_pick(CT_SURV_MOST_FREQUENT, c, 4) == 1);
	CHECK(ct_surv_pick(CT_SURV_MAX, c, 4) == 2);
	CHECK(ct_surv_pick(CT_SURV_MIN, c, 4) == 1);
	CHECK(ct_surv_pick(CT_SURV_FIRST_VALID, c, 4) == 2);
	CHECK(ct_surv_pick(CT_SURV_UNION, c, 4) == -1);

	/* ties go to the earlier candidate (the survivor) */
	c[0] = cand("x", 1, 5, true);
	c[1] = cand("y", 0, 5, true);
	c[2] = cand("z", 0, 1, false);
	CHECK(ct_surv_pick(CT_SURV_SURVIVOR, c, 3) == 0);
	CHECK(ct_surv_pick(CT_SURV_MAX, c, 3) == 0);
	CHECK(ct_surv_pick(CT_SURV_LONGEST, c, 3) == 0);
	CHECK(ct_surv_pick(CT_SURV_MOST_FREQUENT, c, 3) == 0);
	CHECK(ct_surv_pick(CT_SURV_MOST_RECENT, c, 3) == 1);
	CHECK(ct_surv_pick(CT_SURV_FIRST_VALID, c, 3) == 0);

	/* no valid value: first non-NULL */
	c[0] = cand(NULL, 0, 0, false);
	c[1] = cand("bad", 1, 1, false);
	CHECK(ct_surv_pick(CT_SURV_FIRST_VALID, c, 2) == 1);

	/* all NULL and empty sets give NULL */
	c[1] = cand(NULL, 1, 0, false);
	for (int r = 0; r < CT_SURV_RULE_COUNT; r++)
	{
		CHECK(ct_surv_pick((CtSurvRule) r, c, 2) == -1);
		CHECK(ct_surv_pick((CtSurvRule) r, c, 0) == -1);
	}

	/* longest counts characters, not bytes */
	c[0] = cand("\xc3\xa9\xc3\xa9\xc3\xa9", 0, 0, false);	/* 3 chars, 6 bytes */
	c[1] = cand("abcd", 0, 0, false);
	CHECK(ct_surv_pick(CT_SURV_LONGEST, c, 2) == 1);

	return UNIT_DONE();
}
