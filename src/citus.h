/*
 * citus.h
 *		What the extension knows of Citus, read at run time (citus.c).
 */
#ifndef CONTACTS_CITUS_H
#define CONTACTS_CITUS_H

#include "postgres.h"

/*
 * The Citus table (distributed, reference or Citus-managed local) that relid
 * is, or is a shard of; InvalidOid when neither, or Citus is not installed.
 */
extern Oid	contacts_citus_table_of(Oid relid);

/*
 * Whether this node is a Citus coordinator that knows an active node, where
 * reference tables can be made.
 */
extern bool contacts_citus_coordinator(void);

/*
 * The name of the distribution column of table, a hash-distributed Citus
 * table (palloc'd in the caller's context); NULL for any other table.
 */
extern char *contacts_citus_distribution_column(Oid table);

/*
 * The relation to read the extension's copy named table by on this node
 * (citus_mirror.c), qualified and quoted: its shard here, a plain table that
 * a query reads without Citus planning it, where this node holds one (every
 * node does, once Citus has copied the reference table to it); the table
 * itself otherwise.
 */
extern char *contacts_citus_copy(const char *table);

/*
 * The schema-qualified, quoted name of relid, the same on every node (the
 * key of the citus_* copies); NULL when there is no such relation.
 */
extern char *contacts_citus_name(Oid relid);

/*
 * Raise feature_not_supported, naming function and the Citus table, when
 * relid is a Citus table or one of its shards.
 */
extern void contacts_citus_refuse(Oid relid, const char *function, const char *detail,
								  const char *hint);

#endif							/* CONTACTS_CITUS_H */
