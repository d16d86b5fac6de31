/*
 * privileges.c
 *		Privilege checks, role switches and a pinned search_path for the SQL
 *		the extension runs on a caller's behalf.  See privileges.h for the
 *		rules these serve.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_operator.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "fmgr.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "compat.h"
#include "privileges.h"
#include "spi_util.h"

/*
 * The pg_extension row of contacts.  Not cached: the extension can be
 * dropped and created again in one session, and every caller is once per
 * configuration load or DBA call, not once per row.
 */
static void
extension_row(Oid *schema, Oid *owner)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("contacts"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("extension \"contacts\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION contacts.")));
	*schema = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	*owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

Oid
contacts_extension_schema(void)
{
	Oid			schema,
				owner;

	extension_row(&schema, &owner);
	return schema;
}

const char *
contacts_extension_schema_quoted(void)
{
	return quote_identifier(get_namespace_name(contacts_extension_schema()));
}

Oid
contacts_extension_owner(void)
{
	Oid			schema,
				owner;

	extension_row(&schema, &owner);
	return owner;
}

bool
contacts_is_table(Oid relid)
{
	char		relkind = get_rel_relkind(relid);

	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_FOREIGN_TABLE || relkind == RELKIND_VIEW;
}

/* The privileges of mode as SQL names them, e.g. "SELECT, UPDATE". */
static char *
privilege_names(AclMode mode)
{
	static const struct
	{
		AclMode		bit;
		const char *name;
	}			names[] = {
		{ACL_SELECT, "SELECT"}, {ACL_INSERT, "INSERT"}, {ACL_UPDATE, "UPDATE"},
		{ACL_DELETE, "DELETE"}, {ACL_TRUNCATE, "TRUNCATE"}, {ACL_REFERENCES, "REFERENCES"},
		{ACL_TRIGGER, "TRIGGER"},
	};
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(names); i++)
		if (mode & names[i].bit)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", names[i].name);
	return buf.data;
}

void
contacts_require_table(Oid relid, AclMode mode, const char *action)
{
	Oid			user = GetUserId();
	char	   *relname;
	AclMode		missing = 0;

	if (!OidIsValid(relid) || !contacts_is_table(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u is not a table", relid),
				 errhint("Pass an existing table, e.g. 'public.customers'::regclass.")));
	relname = get_rel_name(relid);

	if ((mode & ACL_OWNER_CHECK) && !contacts_is_table_owner(relid, user))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s to %s it", relname, action),
				 errhint("Run it as the table's owner or a member of the owning role.")));
	mode &= ~ACL_OWNER_CHECK;
	for (AclMode bit = 1; bit != 0 && bit <= mode; bit <<= 1)
		if ((mode & bit) && pg_class_aclcheck(relid, user, bit) != ACLCHECK_OK)
			missing |= bit;
	if (missing)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s table %s", action, relname),
				 errdetail("Role %s lacks %s privilege on table %s.",
						   GetUserNameFromId(user, false), privilege_names(missing), relname),
				 errhint("GRANT %s ON %s TO the role.", privilege_names(missing),
						 contacts_quoted_relation(relid))));
}

/* Both switches: to role, restricted, with any further context flags. */
static void
switch_restricted(Oid role, int flags, ContactsRoleSwitch *sw)
{
	GetUserIdAndSecContext(&sw->saved_user, &sw->saved_context);
	SetUserIdAndSecContext(role, sw->saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION | flags);
}

void
contacts_switch_to(Oid role, ContactsRoleSwitch *sw)
{
	switch_restricted(role, 0, sw);
}

void
contacts_switch_to_table_owner(Relation rel, ContactsRoleSwitch *sw)
{
	switch_restricted(rel->rd_rel->relowner, SECURITY_NOFORCE_RLS, sw);
}

void
contacts_switch_back(const ContactsRoleSwitch *sw)
{
	SetUserIdAndSecContext(sw->saved_user, sw->saved_context);
}

int
contacts_pin_search_path(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

void
contacts_unpin_search_path(int level)
{
	AtEOXact_GUC(true, level);
}

/*
 * "left = right", or with any "left = ANY (right)" for an array right, with
 * the equality of typid's default opclass qualified by its own schema; with
 * greater, "left > right" by its default btree opclass.
 */
static void
append_operator(StringInfo buf, const char *left, Oid typid, const char *right, bool any,
				bool greater)
{
	TypeCacheEntry *tc = lookup_type_cache(typid, greater ? TYPECACHE_GT_OPR : TYPECACHE_EQ_OPR);
	Oid			opr = greater ? tc->gt_opr : tc->eq_opr;
	HeapTuple	tup;
	Form_pg_operator op;
	Oid			righttype;

	if (!OidIsValid(opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify %s operator for type %s",
						greater ? "an ordering" : "an equality", format_type_be(typid))));
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opr));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", opr);
	op = (Form_pg_operator) GETSTRUCT(tup);
	righttype = any ? get_array_type(op->oprright) : op->oprright;
	if (!OidIsValid(righttype))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("could not find array type for data type %s", format_type_be(op->oprright))));
	/* the operands are cast to the operator's own input types */
	appendStringInfo(buf, "(%s)::%s OPERATOR(%s.%s) ",
					 left, format_type_be_qualified(op->oprleft),
					 quote_identifier(get_namespace_name(op->oprnamespace)), NameStr(op->oprname));
	appendStringInfo(buf, any ? "ANY ((%s)::%s)" : "(%s)::%s", right, format_type_be_qualified(righttype));
	ReleaseSysCache(tup);
}

void
contacts_append_equality(StringInfo buf, const char *left, Oid typid, const char *right)
{
	append_operator(buf, left, typid, right, false, false);
}

void
contacts_append_equality_any(StringInfo buf, const char *left, Oid typid, const char *right)
{
	append_operator(buf, left, typid, right, true, false);
}

void
contacts_append_greater(StringInfo buf, const char *left, Oid typid, const char *right)
{
	append_operator(buf, left, typid, right, false, true);
}

/*
 * require_privileges(tbl regclass, privileges text, action text): the check
 * contacts_require_table() makes, for the extension's SQL procedures.
 * privileges lists SELECT, INSERT, UPDATE, DELETE and OWNER, comma-separated.
 */
PG_FUNCTION_INFO_V1(contacts_require_privileges);
Datum
contacts_require_privileges(PG_FUNCTION_ARGS)
{
	char	   *list = text_to_cstring(PG_GETARG_TEXT_PP(1));
	AclMode		mode = 0;
	char	   *word;
	char	   *save = NULL;

	for (word = strtok_r(list, ", ", &save); word != NULL; word = strtok_r(NULL, ", ", &save))
	{
		if (pg_strcasecmp(word, "SELECT") == 0)
			mode |= ACL_SELECT;
		else if (pg_strcasecmp(word, "INSERT") == 0)
			mode |= ACL_INSERT;
		else if (pg_strcasecmp(word, "UPDATE") == 0)
			mode |= ACL_UPDATE;
		else if (pg_strcasecmp(word, "DELETE") == 0)
			mode |= ACL_DELETE;
		else if (pg_strcasecmp(word, "OWNER") == 0)
			mode |= ACL_OWNER_CHECK;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown privilege \"%s\"", word),
					 errhint("Use SELECT, INSERT, UPDATE, DELETE or OWNER.")));
	}
	contacts_require_table(PG_GETARG_OID(0), mode, text_to_cstring(PG_GETARG_TEXT_PP(2)));
	PG_RETURN_VOID();
}
