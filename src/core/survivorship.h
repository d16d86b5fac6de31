/*
 * survivorship.h
 *		Which member's value a merged record keeps, column by column.
 *
 * When rows are merged, each column of the surviving row is decided by a
 * rule.  The glue reads the merged rows, describes each row's value of a
 * column as a CtSurvCandidate (the value's text, and ranks the database
 * computed: how recent the row is, where the value sorts, whether it is a
 * valid email or phone), lists the candidates in preference order (the
 * survivor first, then the most recently updated, then by key) and asks
 * ct_surv_pick() which candidate wins.  Ties always go to the earlier
 * candidate, so results are deterministic.  The union of array values is
 * not a pick and is computed by the glue in SQL.
 */
#ifndef CT_SURVIVORSHIP_H
#define CT_SURVIVORSHIP_H

#include <stdbool.h>
#include <stddef.h>

#include "ct_reason.h"

typedef enum CtSurvRule
{
	CT_SURV_SURVIVOR,			/* keep the survivor's value, even NULL */
	CT_SURV_NON_NULL,			/* survivor's value unless NULL, else first non-NULL */
	CT_SURV_MOST_RECENT,		/* non-NULL value of the most recently updated row */
	CT_SURV_LONGEST,			/* most complete: the longest non-NULL value, in code points */
	CT_SURV_MOST_FREQUENT,		/* the non-NULL value most rows agree on */
	CT_SURV_MAX,				/* greatest non-NULL value in the type's order */
	CT_SURV_MIN,				/* least non-NULL value in the type's order */
	CT_SURV_FIRST_VALID,		/* first valid value (email or phone), else first non-NULL */
	CT_SURV_UNION				/* arrays: distinct elements of all values */
} CtSurvRule;

#define CT_SURV_RULE_COUNT ((int) CT_SURV_UNION + 1)

typedef struct CtSurvCandidate
{
	const char *value;			/* UTF-8 text of the value, or NULL */
	size_t		len;
	bool		isnull;
	long		recency;		/* 0 = most recently updated row; larger = older */
	long		order;			/* rank of the value in the type's sort order */
	bool		valid;			/* passes the column's validator */
} CtSurvCandidate;

/*
 * Parse a rule name ("survivor", "non_null", "most_recent", "longest",
 * "most_frequent", "max", "min", "first_valid", "union").  On failure
 * returns false and fills *reason (code UNKNOWN_SURVIVORSHIP_RULE).
 */
extern bool ct_surv_rule_parse(const char *name, size_t len, CtSurvRule *rule,
							   CtReason *reason);

/* The rule's name as ct_surv_rule_parse() accepts it. */
extern const char *ct_surv_rule_name(CtSurvRule rule);

/*
 * The index of the winning candidate among n (in preference order), or -1
 * when the result is NULL (no candidates, or every value NULL).  For
 * CT_SURV_SURVIVOR the survivor is candidate 0.  CT_SURV_UNION is not a
 * pick: returns -1.
 */
extern int	ct_surv_pick(CtSurvRule rule, const CtSurvCandidate *cands, int n);

#endif							/* CT_SURVIVORSHIP_H */
