/*
 * privileges.h
 *		Who runs what: privilege checks on the tables the extension works on,
 *		switching to another role for internal work, and a pinned search_path
 *		for SQL built in C.
 *
 * The rules (README, "Privileges and roles"):
 *	- DBA procedures check the caller's privileges on every table they touch,
 *	  with 42501 naming the privilege, and touch data as the caller.
 *	- Lookups any writer of a configured table needs (its configuration, the
 *	  suppression set, the drop cleanup) run as the extension's owner; lookups
 *	  over the table's rows on a writer's behalf (duplicate keys) run as the
 *	  table's owner, as the server's foreign key checks do.  Both switch in a
 *	  security-restricted operation, and never to a role more privileged than
 *	  the owner of the data whose expressions are evaluated.
 *	- Every statement built in C either qualifies its operators and functions
 *	  or runs under search_path = pg_catalog, pg_temp.
 */
#ifndef CONTACTS_PRIVILEGES_H
#define CONTACTS_PRIVILEGES_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/rel.h"

/* The extension's schema and owner, looked up once per backend. */
extern Oid	contacts_extension_schema(void);
extern const char *contacts_extension_schema_quoted(void);
extern Oid	contacts_extension_owner(void);

/*
 * Error 42501 unless the current user holds every privilege in mode on the
 * table (or owns it, with ACL_OWNER_CHECK); action says what was refused,
 * e.g. "merge rows of".  Also errors 42P01 when relid is no table (or view,
 * partitioned or foreign table).
 */
#define ACL_OWNER_CHECK ((AclMode) 1 << 31)
extern void contacts_require_table(Oid relid, AclMode mode, const char *action);

/* True when relid is an ordinary, partitioned or foreign table (or view). */
extern bool contacts_is_table(Oid relid);

/*
 * Run as another role in a security-restricted operation until
 * contacts_switch_back(); an error in between is undone by the transaction
 * abort, as for the server's own switches.
 */
typedef struct ContactsRoleSwitch
{
	Oid			saved_user;
	int			saved_context;
} ContactsRoleSwitch;

extern void contacts_switch_to(Oid role, ContactsRoleSwitch *sw);

/*
 * The same, to the owner of a table, for lookups over all of its rows on a
 * writer's behalf: like the server's foreign key checks, row security the
 * owner is subject to (FORCE ROW LEVEL SECURITY) does not hide rows here.
 */
extern void contacts_switch_to_table_owner(Relation rel, ContactsRoleSwitch *sw);
extern void contacts_switch_back(const ContactsRoleSwitch *sw);

/*
 * search_path = pg_catalog, pg_temp until contacts_unpin_search_path(level):
 * for statements built in C that call built-in functions unqualified.
 */
extern int	contacts_pin_search_path(void);
extern void contacts_unpin_search_path(int level);

/*
 * Append "left OPERATOR(schema.=) right" for values of type typid, with the
 * equality operator of the type's default btree or hash opclass qualified
 * by its own schema, so no operator on the caller's search_path can capture
 * the comparison.  Errors 42883 when the type has no equality.
 */
extern void contacts_append_equality(StringInfo buf, const char *left, Oid typid,
									 const char *right);

/*
 * The same for "left = ANY (right)", right an array: an index on left stays
 * usable, where a semi-join on a function returning the values would often
 * be planned as a scan of left's whole table.
 */
extern void contacts_append_equality_any(StringInfo buf, const char *left, Oid typid,
										 const char *right);

/*
 * The same for "left > right" by the ordering of typid's default btree
 * opclass (the order ORDER BY left follows): for walking a table in key
 * order.  Errors 42883 when the type has none.
 */
extern void contacts_append_greater(StringInfo buf, const char *left, Oid typid,
									const char *right);

#endif							/* CONTACTS_PRIVILEGES_H */
