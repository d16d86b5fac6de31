/*
 * bounce.c
 *		The bounce list (contacts.bounce) as the entry trigger, imports,
 *		health() and cleaning consult it.
 *
 * Which addresses bounced is kept once for the whole database and belongs
 * to the roles it is granted to (the mail system), as the suppression list
 * does: a writer of a configured table may not read it.  Asking about one
 * value of a table the caller may write or read answers what the trigger
 * would tell anyway, so that lookup runs as the extension's owner, in a
 * security-restricted operation, through the SQL that decides
 * (contacts.bounce_address() and contacts.bounce_undeliverable()).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "bounce.h"
#include "privileges.h"
#include "spi_util.h"

static SPIPlanPtr undeliverable_plan = NULL;

bool
contacts_undeliverable(const char *channel, const char *value)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	ContactsRoleSwitch sw;
	bool		isnull;
	bool		result;

	contacts_spi_connect();
	if (undeliverable_plan == NULL)
	{
		const char *schema = contacts_extension_schema_quoted();

		undeliverable_plan =
			contacts_spi_prepare(psprintf("SELECT %s.bounce_undeliverable($1, %s.bounce_address($1, $2))",
										  schema, schema),
								 2, argtypes, 0, true);
	}
	args[0] = CStringGetTextDatum(channel);
	args[1] = CStringGetTextDatum(value);
	contacts_switch_to(contacts_extension_owner(), &sw);
	contacts_spi_execute_plan(undeliverable_plan, args, NULL, true, 1, SPI_OK_SELECT);
	contacts_switch_back(&sw);
	result = DatumGetBool(contacts_spi_datum(SPI_tuptable, 0, 1, &isnull));
	if (isnull)
		result = false;			/* an invalid value has no bounces */
	contacts_spi_finish();
	return result;
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
