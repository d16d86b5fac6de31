/*
 * survivorship.c
 *		Per-column survivorship rules evaluated on candidate values.
 */
#include "survivorship.h"

#include <string.h>

#include "utf8.h"

static const char *const rule_names[CT_SURV_RULE_COUNT] = {
	[CT_SURV_SURVIVOR] = "survivor",
	[CT_SURV_NON_NULL] = "non_null",
	[CT_SURV_MOST_RECENT] = "most_recent",
	[CT_SURV_LONGEST] = "longest",
	[CT_SURV_MOST_FREQUENT] = "most_frequent",
	[CT_SURV_MAX] = "max",
	[CT_SURV_MIN] = "min",
	[CT_SURV_FIRST_VALID] = "first_valid",
	[CT_SURV_UNION] = "union",
};

bool
ct_surv_rule_parse(const char *name, size_t len, CtSurvRule *rule, CtReason *reason)
{
	for (int i = 0; i < CT_SURV_RULE_COUNT; i++)
	{
		if (strlen(rule_names[i]) == len && memcmp(rule_names[i], name, len) == 0)
		{
			*rule = (CtSurvRule) i;
			return true;
		}
	}
	reason->code = "UNKNOWN_SURVIVORSHIP_RULE";
	reason->message = "unknown survivorship rule";
	reason->hint = "Use one of survivor, non_null, most_recent, longest, most_frequent, max, min, first_valid, union.";
	return false;
}

const char *
ct_surv_rule_name(CtSurvRule rule)
{
	if ((int) rule < 0 || (int) rule >= CT_SURV_RULE_COUNT)
		return NULL;
	return rule_names[rule];
}

static bool
same_value(const CtSurvCandidate *a, const CtSurvCandidate *b)
{
	return a->len == b->len && memcmp(a->value, b->value, a->len) == 0;
}

static int
first_non_null(const CtSurvCandidate *cands, int n)
{
	for (int i = 0; i < n; i++)
		if (!cands[i].isnull)
			return i;
	return -1;
}

/* Index of the non-NULL candidate with the smallest key(), earliest on ties. */
static int
pick_min_by(const CtSurvCandidate *cands, int n, long (*key) (const CtSurvCandidate *))
{
	int			best = -1;

	for (int i = 0; i < n; i++)
	{
		if (cands[i].isnull)
			continue;
		if (best < 0 || key(&cands[i]) < key(&cands[best]))
			best = i;
	}
	return best;
}

static long
key_recency(const CtSurvCandidate *c)
{
	return c->recency;
}

static long
key_order_desc(const CtSurvCandidate *c)
{
	return -c->order;
}

static long
key_order_asc(const CtSurvCandidate *c)
{
	return c->order;
}

static long
key_length_desc(const CtSurvCandidate *c)
{
	return -(long) ct_utf8_count(c->value, c->len);
}

static int
pick_most_frequent(const CtSurvCandidate *cands, int n)
{
	int			best = -1;
	int			best_count = 0;

	for (int i = 0; i < n; i++)
	{
		int			count = 0;

		if (cands[i].isnull)
			continue;
		for (int j = 0; j < n; j++)
			if (!cands[j].isnull && same_value(&cands[i], &cands[j]))
				count++;
		if (count > best_count)
		{
			best = i;
			best_count = count;
		}
	}
	return best;
}

int
ct_surv_pick(CtSurvRule rule, const CtSurvCandidate *cands, int n)
{
	if (n <= 0)
		return -1;

	switch (rule)
	{
		case CT_SURV_SURVIVOR:
			return cands[0].isnull ? -1 : 0;
		case CT_SURV_NON_NULL:
			return first_non_null(cands, n);
		case CT_SURV_MOST_RECENT:
			return pick_min_by(cands, n, key_recency);
		case CT_SURV_LONGEST:
			return pick_min_by(cands, n, key_length_desc);
		case CT_SURV_MOST_FREQUENT:
			return pick_most_frequent(cands, n);
		case CT_SURV_MAX:
			return pick_min_by(cands, n, key_order_desc);
		case CT_SURV_MIN:
			return pick_min_by(cands, n, key_order_asc);
		case CT_SURV_FIRST_VALID:
			for (int i = 0; i < n; i++)
				if (!cands[i].isnull && cands[i].valid)
					return i;
			return first_non_null(cands, n);
		case CT_SURV_UNION:
			return -1;
	}
	return -1;
}
