/*
 * entry_config.h
 *		The per-table configuration (contacts.table_config and
 *		contacts.column_kind) as the entry trigger uses it, cached per backend.
 */
#ifndef CONTACTS_ENTRY_CONFIG_H
#define CONTACTS_ENTRY_CONFIG_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/spi.h"

typedef enum EntryKind
{
	ENTRY_EMAIL,
	ENTRY_PHONE,
	ENTRY_NAME,
	ENTRY_COMPANY,
	ENTRY_NATIONAL_ID,
	ENTRY_BIRTH_DATE,			/* read by the region's (or table's) date order */
	ENTRY_COUNTRY,				/* the row's ISO region, for phones and IDs */
	ENTRY_PLAIN					/* kinds the trigger stores as typed */
} EntryKind;

typedef enum EntryInvalidAction
{
	ON_INVALID_REJECT,
	ON_INVALID_SET_NULL,
	ON_INVALID_FLAG
} EntryInvalidAction;

typedef enum EntryDuplicateAction
{
	ON_DUPLICATE_ALLOW,
	ON_DUPLICATE_REJECT,
	ON_DUPLICATE_UPDATE,
	ON_DUPLICATE_FLAG
} EntryDuplicateAction;

typedef enum EntryUndeliverableAction
{
	ON_UNDELIVERABLE_ALLOW,
	ON_UNDELIVERABLE_FLAG,
	ON_UNDELIVERABLE_REJECT
} EntryUndeliverableAction;

/* A flag column value kept for rows whose only flag is one reason here. */
typedef struct EntryFlagCache
{
	const char *code;			/* the reason's code (its address is the key) */
	Datum		flags;			/* {"invalid": {column: code}}, in the config's context */
} EntryFlagCache;

#define ENTRY_FLAG_CACHE 4

typedef struct EntryColumn
{
	AttrNumber	attnum;
	Oid			atttypid;
	char	   *name;
	char	   *kind_name;		/* as configured, e.g. "given_name" */
	EntryKind	kind;
	bool		duplicate_key;
	bool		required;
	Oid			typoutput;		/* column type -> text, for duplicate lookups */
	SPIPlanPtr	lookup_plan;	/* key of another row with this value (duplicates.c), made on first use */
	SPIPlanPtr	alternate_plan; /* the same among survivors' alternates only */
	SPIPlanPtr	citus_alternate_plan;	/* on a Citus shard: in citus_alternate */
	EntryFlagCache flag_cache[ENTRY_FLAG_CACHE];	/* filled as rows are flagged */
} EntryColumn;

typedef struct EntryConfig
{
	Oid			relid;
	bool		valid;
	MemoryContext context;		/* everything below lives here */
	char	   *table_name;		/* the table errors name: a shard's Citus table */
	char	   *citus_name;		/* on a shard: its table, schema-qualified (citus_mirror.c) */
	char	   *citus_config_copy;	/* on a shard: where this node holds the copies */
	char	   *citus_suppression_copy;
	char	   *citus_key_copy;
	char	   *citus_alternate_copy;
	AttrNumber	distribution_attnum;	/* on a shard: its distribution column */
	char	   *citus_version;	/* on a shard: the xmin of its configuration's copy */
	uint64		citus_checked;	/* the transaction count when that was last checked */
	uint64		key_locks_transaction;	/* the transaction count of key_locks */
	int			key_locks;		/* duplicate keys locked in it (duplicates.c) */
	char	   *key_column;
	AttrNumber	key_attnum;
	Oid			key_typid;
	AttrNumber	flag_attnum;	/* jsonb column receiving reasons, or 0 */
	AttrNumber	country_attnum; /* column of kind country, or 0 */
	char	   *default_region; /* ISO code, or NULL when none */
	char	   *date_order;		/* "DMY", "MDY", "YMD", or NULL: the region's */
	EntryInvalidAction on_invalid;
	EntryDuplicateAction on_duplicate;
	EntryUndeliverableAction on_undeliverable;	/* emails and phones that bounced */
	bool		email_canonical;	/* email duplicate keys: provider-aware */
	bool		has_alternates; /* the catalog has contacts.alternate */
	char	   *soft_delete_column;	/* merge_config's: rows merged away, or NULL */
	bool		soft_delete_bool;	/* it is boolean (else a date: set when merged) */
	char	   *alternate_column[3];	/* array column keeping alternates of email,
										 * phone, national_id; NULL: contacts.alternate */
	SPIPlanPtr	update_plan;	/* on_duplicate = update: fill the existing row */
	SPIPlanPtr	match_plan;		/* fuzzy_duplicates: the dedupe model's best match */
	int			ncolumns;
	EntryColumn *columns;
} EntryConfig;

/*
 * The configuration of a table, loaded on first use and kept until a
 * change to the configuration or the table invalidates it.  Errors when the
 * table is not configured.
 */
extern EntryConfig *entry_config_get(Relation rel);

/*
 * Whether the extension's schema holds table (and, when column is not NULL,
 * that column of it): a database still at an older version of the
 * extension, before ALTER EXTENSION UPDATE, may lack what this library
 * reads, and then works as that version did.
 */
extern bool contacts_catalog_has(const char *table, const char *column);

/*
 * A number that changes with every transaction of this backend, from the
 * first configuration loaded on: what a cached configuration keeps per
 * transaction is keyed by it.
 */
extern uint64 entry_transaction_count(void);

/* Forget the cached configuration of relid (InvalidOid: of every table). */
extern void contacts_config_invalidate(Oid relid);

#endif							/* CONTACTS_ENTRY_CONFIG_H */
