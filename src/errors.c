/*
 * errors.c
 *		Turn a core CtReason into an ereport.
 *
 * Messages follow PostgreSQL's style: the primary message names the type or
 * the check and quotes the value, the detail gives the reason as a sentence
 * together with its stable code (the same code the *_check() functions
 * return), and the hint says what to do.
 */
#include "postgres.h"

#include "errors.h"

/* "domain label starts with a hyphen" -> "Domain label starts with a hyphen (CODE)." */
char *
contacts_reason_detail(const CtReason *reason)
{
	char	   *s = psprintf("%s (%s).", reason->message, reason->code);

	if (s[0] >= 'a' && s[0] <= 'z')
		s[0] = s[0] - 'a' + 'A';
	return s;
}

void
contacts_invalid_input(const char *typname, const char *value,
					   const CtReason *reason, Node *escontext)
{
	errsave(escontext,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", typname, value),
			 errdetail_internal("%s", contacts_reason_detail(reason)),
			 reason->hint ? errhint("%s", reason->hint) : 0));
}

void
contacts_reason_error(int sqlstate, const char *what, const char *value,
					  const CtReason *reason)
{
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s: \"%s\"", what, value),
			 errdetail_internal("%s", contacts_reason_detail(reason)),
			 reason->hint ? errhint("%s", reason->hint) : 0));
	pg_unreachable();
}
