/*
 * errors.h
 *		The one place where core reasons become PostgreSQL errors.
 */
#ifndef CONTACTS_ERRORS_H
#define CONTACTS_ERRORS_H

#include "postgres.h"

#include "compat.h"
#include "nodes/nodes.h"

#include "core/ct_reason.h"

/*
 * A value typed into a type's input function (or cast to the type) was
 * rejected: 22P02 invalid_text_representation, with the reason as detail.
 * With a soft-error context (PostgreSQL 16+, pg_input_is_valid) the error is
 * saved there instead and the function returns; callers must then return
 * (Datum) 0 themselves.
 */
extern void contacts_invalid_input(const char *typname, const char *value,
								   const CtReason *reason, Node *escontext);

/*
 * A function argument was rejected for a reason the core gave: the SQLSTATE
 * is the caller's (usually ERRCODE_INVALID_PARAMETER_VALUE) and the message
 * names what was being checked, e.g. "invalid national ID number".
 */
pg_noreturn extern void contacts_reason_error(int sqlstate, const char *what,
											  const char *value, const CtReason *reason);

/* The reason as an errdetail sentence: "Message as a sentence (CODE)." */
extern char *contacts_reason_detail(const CtReason *reason);

#endif							/* CONTACTS_ERRORS_H */
