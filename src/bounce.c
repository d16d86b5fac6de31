/*
 * bounce.c
 *		The bounce list (contacts.bounce) as the entry trigger, imports,
 *		health() and cleaning consult it.
 *
 * Which addresses bounced is kept once for the whole database and belongs
 * to the roles it is granted to (the mail system), as the suppression list
 * does: a writer of a configured table may not read it.  Asking about one
 * value of a table the caller may write or read answers what the trigger
 * would tell anyway, so the lookup is made on the caller's behalf.
 *
 * It is asked once per value of every row a COPY writes, and almost every
 * value never bounced: a probe of contacts.bounce's (channel, address)
 * index says so without SPI.  Only an address with events is judged, as
 * the extension's owner in a security-restricted operation, by the SQL
 * rule (contacts.bounce_undeliverable()).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "bounce.h"
#include "email_glue.h"
#include "privileges.h"
#include "spi_util.h"

/* contacts.bounce, its index on (channel, address, at) and their columns */
static Oid	bounce_relid = InvalidOid;
static Oid	bounce_schema = InvalidOid;
static Oid	bounce_indexid = InvalidOid;
static AttrNumber channel_attnum;
static AttrNumber address_attnum;

static SPIPlanPtr undeliverable_plan = NULL;

/*
 * contacts.bounce, opened: found by name once, and again when the table
 * the OID named is gone (the extension was dropped and created again).
 */
static Relation
open_bounce(void)
{
	Relation	rel = OidIsValid(bounce_relid) ? try_table_open(bounce_relid, AccessShareLock) : NULL;

	if (rel != NULL && RelationGetNamespace(rel) == bounce_schema &&
		strcmp(RelationGetRelationName(rel), "bounce") == 0)
		return rel;
	if (rel != NULL)
		table_close(rel, AccessShareLock);
	bounce_schema = contacts_extension_schema();
	bounce_relid = get_relname_relid("bounce", bounce_schema);
	bounce_indexid = get_relname_relid("bounce_address_idx", bounce_schema);
	if (!OidIsValid(bounce_relid) || !OidIsValid(bounce_indexid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the bounce list contacts.bounce is missing"),
				 errhint("Run ALTER EXTENSION contacts UPDATE.")));
	channel_attnum = get_attnum(bounce_relid, "channel");
	address_attnum = get_attnum(bounce_relid, "address");
	return table_open(bounce_relid, AccessShareLock);
}

/* Whether contacts.bounce holds any event of the address (a key). */
static bool
has_events(const char *channel, text *address)
{
	Relation	rel = open_bounce();
	ScanKeyData key[2];
	SysScanDesc scan;
	bool		found;

	ScanKeyInit(&key[0], channel_attnum, BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(channel));
	ScanKeyInit(&key[1], address_attnum, BTEqualStrategyNumber, F_TEXTEQ,
				PointerGetDatum(address));
	/* the columns' collation, which the index is built with */
	key[0].sk_collation = DEFAULT_COLLATION_OID;
	key[1].sk_collation = DEFAULT_COLLATION_OID;
	scan = systable_beginscan(rel, bounce_indexid, true, GetActiveSnapshot(), 2, key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return found;
}

bool
contacts_undeliverable(const char *channel, const char *value)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	ContactsRoleSwitch sw;
	bool		isnull;
	bool		result;
	text	   *address;

	/* the key bounce_address() gives a value in the trigger's normal form */
	address = strcmp(channel, "email") == 0 ?
		contacts_email_duplicate_key(cstring_to_text(value)) : cstring_to_text(value);
	if (address == NULL || !has_events(channel, address))
		return false;

	contacts_spi_connect();
	if (undeliverable_plan == NULL)
		undeliverable_plan = contacts_spi_prepare(psprintf("SELECT %s.bounce_undeliverable($1, $2)",
														   contacts_extension_schema_quoted()),
												  2, argtypes, 0, true);
	args[0] = CStringGetTextDatum(channel);
	args[1] = PointerGetDatum(address);
	contacts_switch_to(contacts_extension_owner(), &sw);
	contacts_spi_execute_plan(undeliverable_plan, args, NULL, true, 1, SPI_OK_SELECT);
	contacts_switch_back(&sw);
	result = DatumGetBool(contacts_spi_datum(SPI_tuptable, 0, 1, &isnull));
	contacts_spi_finish();
	return result && !isnull;
}

/*
 * undeliverable_match(tbl regclass, channel text, value text) -> boolean:
 * for roles that may read or write tbl (import(), health(), cleaning).
 */
PG_FUNCTION_INFO_V1(contacts_undeliverable_match);
Datum
contacts_undeliverable_match(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	char	   *channel = text_to_cstring(PG_GETARG_TEXT_PP(1));

	/* pg_class_aclcheck() grants when any of the bits is held */
	if (!contacts_is_table(relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT | ACL_INSERT | ACL_UPDATE) != ACLCHECK_OK)
		contacts_require_table(relid, ACL_SELECT, "check undeliverable values of");
	if (strcmp(channel, "email") != 0 && strcmp(channel, "phone") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown channel \"%s\"", channel),
				 errhint("Channels are email and phone.")));
	PG_RETURN_BOOL(contacts_undeliverable(channel, text_to_cstring(PG_GETARG_TEXT_PP(2))));
}
