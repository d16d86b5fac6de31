/*
 * ct_reason.h
 *		Why a value was rejected, as the core reports it.
 *
 * Every core module that validates something describes each way a value can
 * fail with one CtReason: a stable upper-case code (documented in the README
 * and returned by the *_check() SQL functions), a human message in
 * PostgreSQL's style (lower case, no final period) and a hint.  The glue turns
 * a CtReason into an ereport in exactly one place (src/errors.c), so every
 * module reports errors the same way.
 */
#ifndef CT_REASON_H
#define CT_REASON_H

typedef struct CtReason
{
	const char *code;			/* stable code, e.g. "LOCAL_PART_TOO_LONG" */
	const char *message;		/* e.g. "local part longer than 64 octets" */
	const char *hint;			/* what the user can do about it, or NULL */
} CtReason;

#endif							/* CT_REASON_H */
