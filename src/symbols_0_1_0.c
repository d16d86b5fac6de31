/*
 * symbols_0_1_0.c
 *		The C symbols that the 0.1.0 install script names and this library
 *		calls otherwise today.
 *
 * A database where contacts 0.1.0 was created keeps pointing at these until
 * ALTER EXTENSION contacts UPDATE runs: with this library installed, its
 * functions still load, CREATE EXTENSION contacts VERSION '0.1.0' (as
 * pg_dump and pg_upgrade of such a database issue it) still works, and the
 * update script has a 0.1.0 to start from.  Each old symbol calls the
 * function the current script binds in its place, which takes the same
 * arguments.  Drop an entry only when no supported upgrade starts at the
 * version that named it.
 */
#include "postgres.h"

#include "fmgr.h"

#define SYMBOL_0_1_0(old, current) \
	extern Datum current(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(old); \
	Datum \
	old(PG_FUNCTION_ARGS) \
	{ \
		return current(fcinfo); \
	}

SYMBOL_0_1_0(email_ascii, contacts_email_ascii)
SYMBOL_0_1_0(email_canonical_key, contacts_email_canonical)
SYMBOL_0_1_0(email_check_reason, contacts_email_check)
SYMBOL_0_1_0(email_cmp, contacts_email_cmp)
SYMBOL_0_1_0(email_domain, contacts_email_domain)
SYMBOL_0_1_0(email_eq, contacts_email_eq)
SYMBOL_0_1_0(email_from_text, contacts_email_from_text)
SYMBOL_0_1_0(email_ge, contacts_email_ge)
SYMBOL_0_1_0(email_gt, contacts_email_gt)
SYMBOL_0_1_0(email_hash, contacts_email_hash)
SYMBOL_0_1_0(email_hash_extended, contacts_email_hash_extended)
SYMBOL_0_1_0(email_in, contacts_email_in)
SYMBOL_0_1_0(email_is_disposable_fn, contacts_email_is_disposable)
SYMBOL_0_1_0(email_is_freemail_fn, contacts_email_is_freemail)
SYMBOL_0_1_0(email_is_role_fn, contacts_email_is_role)
SYMBOL_0_1_0(email_le, contacts_email_le)
SYMBOL_0_1_0(email_local, contacts_email_local)
SYMBOL_0_1_0(email_lt, contacts_email_lt)
SYMBOL_0_1_0(email_ne, contacts_email_ne)
SYMBOL_0_1_0(email_normalize_text, contacts_email_normalize)
SYMBOL_0_1_0(email_out, contacts_email_out)
SYMBOL_0_1_0(email_recv, contacts_email_recv)
SYMBOL_0_1_0(email_send, contacts_email_send)
SYMBOL_0_1_0(email_sortsupport, contacts_email_sortsupport)
SYMBOL_0_1_0(email_suggest_text, contacts_email_suggest)
SYMBOL_0_1_0(email_to_text, contacts_email_to_text)
SYMBOL_0_1_0(email_valid, contacts_email_valid)
