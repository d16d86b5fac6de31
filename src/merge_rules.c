/*
 * merge_rules.c
 *		Which survivorship rule decides each column of a merge.
 *
 * Three layers, later ones winning: defaults by column kind, the table's
 * row in contacts.merge_config, and the rules passed to the call.  The
 * defaults: the updated-at column keeps the latest value (max), arrays keep
 * the union of their elements, email and phone columns (by type or by name)
 * keep the first valid value, columns referencing the table itself keep the
 * survivor's value, and everything else keeps the survivor's value unless it
 * is NULL (non_null).  Key, generated, GENERATED ALWAYS identity and
 * soft-delete columns are never merged.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "compat.h"
#include "errors.h"
#include "merge.h"
#include "privileges.h"

/* %s: the extension's schema */
#define CONFIG_SQL \
	"SELECT soft_delete_column::text, updated_at_column::text " \
	"FROM %s.merge_config WHERE tbl = $1"

/* each rule as text (a string unquoted) and its JSON type */
#define RULES_SQL \
	"SELECT key, value #>> '{}', pg_catalog.jsonb_typeof(value), src FROM (" \
	" SELECT e.key, e.value, 'table' AS src, 1 AS layer" \
	"   FROM %s.merge_config c, pg_catalog.jsonb_each(c.rules) e WHERE c.tbl = $1" \
	" UNION ALL" \
	" SELECT e.key, e.value, 'call', 2 FROM pg_catalog.jsonb_each(COALESCE($2::jsonb, '{}')) e" \
	") r ORDER BY layer, key"

static bool
name_contains(const char *name, const char *word)
{
	char	   *lower = asc_tolower(name, strlen(name));

	return strstr(lower, word) != NULL;
}

/*
 * Email or phone, from the column's type (email or phone of the extension's
 * schema) or name.
 */
static MergeValidator
column_validator(const MergeColumn *c, Oid schema)
{
	Oid			base = getBaseType(c->type);
	HeapTuple	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(base));
	MergeValidator typed = MERGE_VALID_NONE;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", base);
	if (((Form_pg_type) GETSTRUCT(tup))->typnamespace == schema)
	{
		const char *typname = NameStr(((Form_pg_type) GETSTRUCT(tup))->typname);

		if (strcmp(typname, "email") == 0)
			typed = MERGE_VALID_EMAIL;
		else if (strcmp(typname, "phone") == 0)
			typed = MERGE_VALID_PHONE;
	}
	ReleaseSysCache(tup);
	if (typed != MERGE_VALID_NONE)
		return typed;
	if (base != TEXTOID && base != VARCHAROID && base != BPCHAROID)
		return MERGE_VALID_NONE;
	if (name_contains(c->name, "mail"))
		return MERGE_VALID_EMAIL;
	if (name_contains(c->name, "phone") || name_contains(c->name, "mobile") ||
		name_contains(c->name, "fax") || strncmp(asc_tolower(c->name, strlen(c->name)), "tel", 3) == 0)
		return MERGE_VALID_PHONE;
	return MERGE_VALID_NONE;
}

/* "survivor, non_null, ...": every rule, as ct_surv_rule_parse() accepts it */
static char *
rule_names(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int r = 0; r < CT_SURV_RULE_COUNT; r++)
		appendStringInfo(&buf, "%s%s", r > 0 ? ", " : "", ct_surv_rule_name((CtSurvRule) r));
	return buf.data;
}

static int
named_column(MergeTable *t, const char *name, const char *what)
{
	int			col = merge_table_column(t, name);

	if (col < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table \"%s\" does not exist", name, t->display),
				 errdetail("It is named as %s.", what)));
	return col;
}

static void
check_rule(MergePlan *plan, MergeRule *r)
{
	MergeColumn *c = &plan->table->cols[r->col];

	if (r->rule == CT_SURV_UNION && !OidIsValid(get_element_type(getBaseType(c->type))))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("survivorship rule \"union\" needs an array column, but \"%s\" is of type %s",
						c->name, format_type_be(c->type))));
	if (r->rule == CT_SURV_FIRST_VALID && r->validator == MERGE_VALID_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule \"first_valid\" needs an email or phone column, but \"%s\" is neither",
						c->name),
				 errhint("Columns of type contacts.email or contacts.phone, or text columns whose name contains \"mail\", \"phone\", \"mobile\" or \"fax\" or starts with \"tel\", have a validator.")));
	if (r->rule == CT_SURV_MOST_RECENT && plan->updated_at_col < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rule \"most_recent\" for column \"%s\" needs an updated-at column", c->name),
				 errhint("Name it with contacts.merge_configure(%s, updated_at_column => ...), or add a column named updated_at.",
						 quote_literal_cstr(plan->table->display))));
}

/*
 * Run a statement on contacts.merge_config as the extension's owner: the
 * configuration is bookkeeping that everyone allowed to merge the table (or
 * read its rules) needs, and callers of merge_plan_build() have checked
 * that before.
 */
static int
config_spi(const char *sql, int nargs, const Oid *types, const Datum *values,
		   const char *nulls)
{
	ContactsRoleSwitch sw;
	int			n;

	contacts_switch_to(contacts_extension_owner(), &sw);
	n = merge_spi(sql, nargs, types, values, nulls, true);
	contacts_switch_back(&sw);
	return n;
}

/* The caller's SELECT privilege on t is checked before. */
MergePlan *
merge_plan_build(MergeTable *t, const char *call_rules)
{
	MergePlan  *plan = palloc0(sizeof(MergePlan));
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', call_rules ? ' ' : 'n'};
	bool	   *self_fk = palloc0(sizeof(bool) * t->ncols);
	int		   *rule_of = palloc(sizeof(int) * t->ncols);
	ListCell   *lc;
	int			n;
	Oid			schema = contacts_extension_schema();
	const char *qschema = contacts_extension_schema_quoted();

	if (call_rules != NULL && call_rules[0] != '{')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("survivorship rules must be a JSON object"),
				 errhint("Map column names to rules, e.g. '{\"email\": \"most_recent\"}'.")));
	plan->table = t;
	plan->updated_at_col = -1;
	plan->soft_delete_col = -1;
	values[0] = ObjectIdGetDatum(t->relid);
	values[1] = call_rules ? CStringGetTextDatum(call_rules) : (Datum) 0;

	if (config_spi(psprintf(CONFIG_SQL, qschema), 1, types, values, nulls) > 0)
	{
		char	   *soft = contacts_spi_text(SPI_tuptable, 0, 1);
		char	   *upd = contacts_spi_text(SPI_tuptable, 0, 2);

		if (soft)
		{
			Oid			typ;

			plan->soft_delete_col = named_column(t, soft, "soft_delete_column in contacts.merge_config");
			typ = getBaseType(t->cols[plan->soft_delete_col].type);
			if (typ != BOOLOID && typ != TIMESTAMPTZOID && typ != TIMESTAMPOID && typ != DATEOID)
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("soft-delete column \"%s\" must be boolean, date or a timestamp", soft)));
			if (merge_table_has_pk_column(t, plan->soft_delete_col))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("soft-delete column \"%s\" is part of the primary key", soft)));
		}
		if (upd)
			plan->updated_at_col = named_column(t, upd, "updated_at_column in contacts.merge_config");
	}
	if (plan->updated_at_col < 0)
	{
		int			col = merge_table_column(t, "updated_at");
		Oid			typ = col >= 0 ? getBaseType(t->cols[col].type) : InvalidOid;

		if (typ == TIMESTAMPTZOID || typ == TIMESTAMPOID || typ == DATEOID)
			plan->updated_at_col = col;
	}

	foreach(lc, merge_self_reference_columns(t->relid))
		self_fk[merge_table_column(t, lfirst(lc))] = true;

	/* defaults */
	plan->rules = palloc0(sizeof(MergeRule) * t->ncols);
	for (int col = 0; col < t->ncols; col++)
	{
		MergeColumn *c = &t->cols[col];
		MergeRule  *r;

		rule_of[col] = -1;
		if (c->generated || c->identity_always || col == plan->soft_delete_col ||
			merge_table_has_pk_column(t, col))
			continue;
		rule_of[col] = plan->nrules;
		r = &plan->rules[plan->nrules++];
		r->col = col;
		r->source = "default";
		r->validator = column_validator(c, schema);
		if (col == plan->updated_at_col)
			r->rule = CT_SURV_MAX;
		else if (OidIsValid(get_element_type(getBaseType(c->type))))
			r->rule = CT_SURV_UNION;
		else if (self_fk[col])
			r->rule = CT_SURV_SURVIVOR;
		else if (r->validator != MERGE_VALID_NONE)
			r->rule = CT_SURV_FIRST_VALID;
		else
			r->rule = CT_SURV_NON_NULL;
	}

	/* the table's configuration, then the call's rules */
	n = config_spi(psprintf(RULES_SQL, qschema), 2, types, values, nulls);
	for (int i = 0; i < n; i++)
	{
		char	   *colname = contacts_spi_text(SPI_tuptable, i, 1);
		char	   *rulename = contacts_spi_text(SPI_tuptable, i, 2);
		char	   *jsontype = contacts_spi_text(SPI_tuptable, i, 3);
		char	   *source = contacts_spi_text(SPI_tuptable, i, 4);
		const char *where = strcmp(source, "call") == 0 ? "the rules argument" :
			"rules in contacts.merge_config";
		int			col = named_column(t, colname, psprintf("a key of %s", where));
		CtSurvRule	rule;
		CtReason	reason;

		if (rule_of[col] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("column \"%s\" of table \"%s\" cannot have a survivorship rule", colname, t->display),
					 errdetail("Primary key, generated, identity and soft-delete columns are never merged.")));
		/* a stored configuration is checked here too: it may predate any check */
		if (strcmp(jsontype, "string") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid survivorship rule for column \"%s\": a JSON %s", colname, jsontype),
					 errdetail("A rule is a JSON string, in %s.", where),
					 errhint("Use one of %s.", rule_names())));
		if (!ct_surv_rule_parse(rulename, strlen(rulename), &rule, &reason))
			contacts_reason_error(ERRCODE_INVALID_PARAMETER_VALUE,
								  psprintf("invalid survivorship rule for column \"%s\"", colname),
								  rulename, &reason);
		plan->rules[rule_of[col]].rule = rule;
		plan->rules[rule_of[col]].source = strcmp(source, "call") == 0 ? "call" : "table";
	}

	for (int i = 0; i < plan->nrules; i++)
		check_rule(plan, &plan->rules[i]);
	return plan;
}

/*
 * contacts.merge_rules(tbl regclass, rules jsonb DEFAULT NULL)
 *		The rule each column of tbl would be merged with, and where it comes
 *		from: what contacts.merge() will do, before doing it.
 */
PG_FUNCTION_INFO_V1(contacts_merge_rules);
Datum
contacts_merge_rules(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MergePlan  *plan;
	char	   *call_rules = PG_ARGISNULL(1) ? NULL :
		DatumGetCString(DirectFunctionCall1(jsonb_out, PG_GETARG_DATUM(1)));
	static const char *const validator_names[] = {NULL, "email", "phone"};
	int			pinned;

	InitMaterializedSRF(fcinfo, 0);
	/* as in contacts.merge(): the plan is built by the same statements */
	pinned = contacts_pin_search_path();
	contacts_require_table(PG_GETARG_OID(0), ACL_SELECT, "read the merge rules of");
	contacts_spi_connect();
	plan = merge_plan_build(merge_table_open(PG_GETARG_OID(0), false), call_rules);
	for (int i = 0; i < plan->nrules; i++)
	{
		MergeRule  *r = &plan->rules[i];
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(plan->table->cols[r->col].name);
		values[1] = CStringGetTextDatum(ct_surv_rule_name(r->rule));
		if (r->rule == CT_SURV_FIRST_VALID)
			values[2] = CStringGetTextDatum(validator_names[r->validator]);
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum(r->source);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	contacts_spi_finish();
	contacts_unpin_search_path(pinned);
	return (Datum) 0;
}
