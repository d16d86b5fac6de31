/*
 * phone_match.c
 *		Run the metadata's precompiled patterns on digit strings: DFAs for
 *		number ranges and leading digits, a small backtracking machine for
 *		patterns with capture groups (see phone_tables.h).
 */
#include "phone_internal.h"

/*
 * Steps the backtracking machine may take for one match.  The metadata's
 * patterns need a few hundred at most on 17 digits; the bound keeps a
 * pathological pattern from running away.
 */
#define PHONE_VM_BUDGET 100000

bool
ct_phone_dfa_match(uint32_t dfa, const char *digits, size_t len)
{
	const PhoneDfaState *states = ct_phone_metadata.dfa;
	uint32_t	s = dfa;

	for (size_t i = 0; i < len && s != 0; i++)
		s = states[s].next[(unsigned char) digits[i] - '0'];
	return s != 0 && ct_phone_metadata.dfa_accept[s];
}

static bool
vm_run(const PhoneInsn *code, int pc, const char *s, int sp, int n,
	   bool full, int *caps, int *budget)
{
	for (;;)
	{
		const PhoneInsn *in = &code[pc];

		if (--*budget < 0)
			return false;
		switch ((PhoneOp) in->op)
		{
			case PHONE_OP_CLASS:
				if (sp >= n || !((in->mask >> (s[sp] - '0')) & 1))
					return false;
				sp++;
				pc++;
				break;
			case PHONE_OP_SPLIT:
				if (vm_run(code, in->x, s, sp, n, full, caps, budget))
					return true;
				pc = in->y;
				break;
			case PHONE_OP_JMP:
				pc = in->x;
				break;
			case PHONE_OP_SAVE:
				{
					int			old;

					if (in->x >= PHONE_CAPS)
					{
						pc++;
						break;
					}
					old = caps[in->x];
					caps[in->x] = sp;
					if (vm_run(code, pc + 1, s, sp, n, full, caps, budget))
						return true;
					caps[in->x] = old;
					return false;
				}
			case PHONE_OP_EOL:
				if (sp != n)
					return false;
				pc++;
				break;
			case PHONE_OP_MATCH:
				if (full && sp != n)
					return false;
				caps[1] = sp;
				return true;
		}
	}
}

bool
ct_phone_program_match(PhoneProgram prog, const char *digits, int len, bool full,
					int caps[PHONE_CAPS])
{
	int			budget = PHONE_VM_BUDGET;

	if (prog.start < 0)
		return false;
	for (int i = 0; i < PHONE_CAPS; i++)
		caps[i] = -1;
	caps[0] = 0;
	return vm_run(ct_phone_metadata.insns + prog.start, 0, digits, 0, len, full,
				  caps, &budget);
}
