/*
 * fuzz_survivorship.c
 *		Any candidate list: every rule picks a non-NULL candidate in range
 *		(or -1 when all are NULL), deterministically; rule names never crash
 *		the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "survivorship.h"

#define MAX_CANDIDATES 16

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CtSurvCandidate cands[MAX_CANDIDATES];
	CtSurvRule	rule;
	CtReason	reason;
	int			n = 0;
	size_t		pos = 0;

	(void) ct_surv_rule_parse((const char *) data, size, &rule, &reason);

	/* each candidate: a flags byte, a length byte, then the value bytes */
	while (n < MAX_CANDIDATES && pos + 2 <= size)
	{
		uint8_t		flags = data[pos];
		size_t		len = data[pos + 1] % 32;

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		cands[n].value = (const char *) data + pos;
		cands[n].len = len;
		cands[n].isnull = (flags & 1) != 0;
		cands[n].valid = (flags & 2) != 0;
		cands[n].recency = (flags >> 2) & 3;
		cands[n].order = (flags >> 4) & 7;
		pos += len;
		n++;
	}

	for (int r = 0; r < CT_SURV_RULE_COUNT; r++)
	{
		int			w = ct_surv_pick((CtSurvRule) r, cands, n);
		bool		any = false;

		for (int i = 0; i < n; i++)
			any |= !cands[i].isnull;
		if (w < -1 || w >= n || (w >= 0 && cands[w].isnull))
			abort();
		if (w != ct_surv_pick((CtSurvRule) r, cands, n))
			abort();
		/* every rule but survivor and union finds a value when there is one */
		if (any && w < 0 && r != CT_SURV_SURVIVOR && r != CT_SURV_UNION)
			abort();
	}
	return 0;
}
