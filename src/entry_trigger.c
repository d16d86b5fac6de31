/*
 * entry_trigger.c
 *		contacts.enforce(): a BEFORE INSERT OR UPDATE row trigger that holds
 *		every entry path to the table's configured standard.
 *
 * For each configured column it checks the value (emails, phones, national
 * IDs, birth dates), normalizes it in place (email domain lower-cased, phone
 * to E.164, names proper-cased, company normalized, a birth date written the
 * sheet's country's way to ISO 8601) and, for invalid values, rejects
 * the row, sets the value NULL or keeps it and records the reason in the
 * table's jsonb flag column.  For exact duplicate keys it looks up another
 * row with the same normalized value, or a merged record keeping it as an
 * alternate (duplicates.c), under an advisory lock on the value, so that
 * two concurrent inserts of the same person cannot both miss each other,
 * and rejects, flags, or turns the insert into an update of the existing
 * row.
 *
 * The per-kind work is done by the core functions the SQL functions wrap
 * (see entry_kinds.c), so the trigger and the functions a user calls can
 * never disagree.  With the table's change feed on, the outcome of each row
 * (insert, update or reject) is published by change_feed.c.
 *
 * contacts.clean() applies the same rules to the rows a table already has
 * (clean.c) and writes what they decided: its updates pass through here
 * as written (contacts_enforce_execute_passing).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/datum.h"
#include "utils/typcache.h"

#include "bounce.h"
#include "change_feed.h"
#include "core/phone.h"
#include "duplicates.h"
#include "entry_config.h"
#include "entry_kinds.h"
#include "entry_trigger.h"
#include "errors.h"
#include "privileges.h"
#include "spi_util.h"
#include "suppression.h"
#include "textconv.h"

/* The table whose updates pass as written, while one statement runs. */
static Oid	passing_relid = InvalidOid;

uint64
contacts_enforce_execute_passing(Oid relid, SPIPlanPtr plan, const Datum *values,
								 const char *nulls, int expected)
{
	uint64		n = 0;

	passing_relid = relid;
	PG_TRY();
	{
		n = contacts_spi_execute_plan(plan, values, nulls, false, 0, expected);
	}
	PG_FINALLY();
	{
		passing_relid = InvalidOid;
	}
	PG_END_TRY();
	return n;
}

/*
 * On a shard, the distribution column keeps the value Citus routed the row
 * by: another would leave the row in a shard where lookups of its value
 * never look.  normal is the value the rules give, or 0 for NULL.
 */
static void
refuse_routed_change(const EntryConfig *cfg, EntryColumn *col, Datum value, Datum normal)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("contacts.enforce() would change the distribution column \"%s\" of the Citus table \"%s\" "
					"after Citus routed the row by it", col->name, cfg->table_name),
			 normal == (Datum) 0 ?
			 errdetail("\"%s\" is invalid, and the table's on_invalid is set_null.", entry_column_text(col, value)) :
			 errdetail("\"%s\" normalizes to \"%s\".", entry_column_text(col, value), entry_column_text(col, normal)),
			 errhint("Normalize before Citus routes the row: make the column contacts.email or contacts.phone, "
					 "whose input normalizes on the coordinator, or insert normalized values; see docs/citus.md.")));
}

/*
 * On a shard, a duplicate key is looked for among the shard's rows only, so
 * every row with the key must be in this shard.  They are when the key, read
 * as the distribution column's type, equals the value Citus routed the row
 * by: equal values hash alike.  (A contacts.email column compares addresses
 * case-folded, as email_key() does; a text column holds the key itself.)
 */
static void
require_key_in_shard(const EntryConfig *cfg, EntryColumn *col, const char *key, Datum value)
{
	TypeCacheEntry *type = lookup_type_cache(col->atttypid, TYPECACHE_EQ_OPR_FINFO);
	Oid			typinput,
				typioparam;
	Datum		k;

	getTypeInputInfo(col->atttypid, &typinput, &typioparam);
	k = OidInputFunctionCall(typinput, (char *) key, typioparam, -1);
	if (OidIsValid(type->eq_opr_finfo.fn_oid) &&
		DatumGetBool(FunctionCall2Coll(&type->eq_opr_finfo, type->typcollation, k, value)))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("contacts.enforce() cannot look for duplicates of \"%s\" in one shard of the Citus table \"%s\"",
					entry_column_text(col, value), cfg->table_name),
			 errdetail("Its duplicate key \"%s\" is not the value Citus routed the row by, so rows with that key may be in other shards.",
					   key),
			 errhint("Keep the key form in the distribution column: a contacts.email column with email_duplicate_key => 'email', "
					 "or the key itself in a text column; see docs/citus.md.")));
}

static void
reject_invalid(const EntryConfig *cfg, EntryColumn *col, const char *value, const CtReason *reason)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("invalid %s in column \"%s\" of table \"%s\": \"%s\"",
					col->kind_name, col->name, cfg->table_name, value),
			 errdetail_internal("%s", contacts_reason_detail(reason)),
			 errhint("%s", reason->hint ? reason->hint :
					 "Correct the value, or configure the table with on_invalid => 'set_null' or 'flag'.")));
}

/*
 * People on the suppression list never enter, whatever the table's policy.
 * On a shard, the list is the coordinator's, in the copies every node holds.
 */
static void
reject_if_suppressed(const EntryConfig *cfg, EntryColumn *col, Datum normal)
{
	const char *kind;

	switch (col->kind)
	{
		case ENTRY_EMAIL:
			kind = "email";
			break;
		case ENTRY_PHONE:
			kind = "phone";
			break;
		case ENTRY_NATIONAL_ID:
			kind = "national_id";
			break;
		default:
			return;
	}
	if (cfg->citus_name != NULL ?
		contacts_is_suppressed_on_citus(kind, entry_kind_suppression_form(col->kind, normal),
										cfg->citus_suppression_copy, cfg->citus_key_copy) :
		!contacts_suppression_list_empty() &&
		contacts_is_suppressed(kind, entry_kind_suppression_form(col->kind, normal)))
		ereport(ERROR,
				(errcode(ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION),
				 errmsg("%s \"%s\" in column \"%s\" of table \"%s\" is on the suppression list",
						kind, TextDatumGetCString(normal), col->name, cfg->table_name),
				 errhint("This person asked not to be contacted; see contacts.suppression.")));
}

/*
 * on_undeliverable: emails and phones of the row that bounced (contacts.bounce)
 * are rejected, or flagged as UNDELIVERABLE (in the flag column's "invalid"
 * member, like any other reason).  Values already flagged are not asked
 * about.  Returns the number of columns flagged; *last is the last of them.
 */
static pg_noinline int
check_undeliverable(EntryConfig *cfg, Relation rel, Datum *values, bool *isnull,
					const char **flag_reason, int *last)
{
	int			nflagged = 0;
	int			i;

	for (i = 0; i < cfg->ncolumns; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		int			a = col->attnum - 1;
		const char *channel;
		char	   *value;

		if (col->kind == ENTRY_EMAIL)
			channel = "email";
		else if (col->kind == ENTRY_PHONE)
			channel = "phone";
		else
			continue;
		if (isnull[a] || flag_reason[i])
			continue;
		value = entry_column_text(col, values[a]);
		if (!contacts_undeliverable(channel, value))
			continue;
		if (cfg->on_undeliverable == ON_UNDELIVERABLE_REJECT)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("undeliverable %s in column \"%s\" of table \"%s\": \"%s\"",
							channel, col->name, cfg->table_name, value),
					 errdetail("It bounced hard, or soft too often, since its last successful delivery (UNDELIVERABLE)."),
					 errhint("Ask for another %s, record a successful delivery with contacts.clear_bounces(), or configure on_undeliverable => 'flag' or 'allow'.",
							 channel)));
		flag_reason[i] = "UNDELIVERABLE";
		nflagged++;
		*last = i;
	}
	return nflagged;
}

/*
 * The dedupe model's best match for the row (its configured columns, as
 * normalized above) other than the row itself, or NULL.  *what describes it.
 */
static char *
find_likely_duplicate(EntryConfig *cfg, Relation rel, Datum *values, bool *isnull,
					  const char **flag_reason, const char *own_key, char **what)
{
	ContactsRoleSwitch sw;
	StringInfoData json;
	Datum		args[1];
	int			i;
	uint64		r;
	bool		first = true;

	initStringInfo(&json);
	appendStringInfoChar(&json, '{');
	for (i = 0; i < cfg->ncolumns; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		int			a = col->attnum - 1;

		if (isnull[a] || flag_reason[i])
			continue;
		if (!first)
			appendStringInfoString(&json, ", ");
		first = false;
		escape_json(&json, col->name);
		appendStringInfoString(&json, ": ");
		escape_json(&json, entry_column_text(col, values[a]));
	}
	appendStringInfoChar(&json, '}');
	args[0] = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data));
	/* as for exact keys: the match reads the table's records, not the writer */
	contacts_switch_to_table_owner(rel, &sw);
	contacts_spi_execute_plan(cfg->match_plan, args, NULL, true, 0, SPI_OK_SELECT);
	contacts_switch_back(&sw);
	for (r = 0; r < SPI_processed; r++)
	{
		char	   *key = contacts_spi_text(SPI_tuptable, r, 1);

		if (own_key != NULL && strcmp(key, own_key) == 0)
			continue;
		*what = psprintf("a likely duplicate (match probability %s)",
						 contacts_spi_text(SPI_tuptable, r, 2));
		return key;
	}
	return NULL;
}

/* on_duplicate = 'update': fill the existing row with this row's values. */
static void
update_existing(EntryConfig *cfg, Datum *values, bool *isnull,
				const char *existing_key)
{
	Datum	   *args = palloc(sizeof(Datum) * (cfg->ncolumns + 1));
	char	   *nulls = palloc(cfg->ncolumns + 1);
	int			i,
				n = 0;
	Oid			typinput,
				typioparam;

	for (i = 0; i < cfg->ncolumns; i++)
	{
		EntryColumn *col = &cfg->columns[i];

		if (col->attnum == cfg->key_attnum)
			continue;
		args[n] = values[col->attnum - 1];
		nulls[n] = isnull[col->attnum - 1] ? 'n' : ' ';
		n++;
	}
	getTypeInputInfo(cfg->key_typid, &typinput, &typioparam);
	args[n] = OidInputFunctionCall(typinput, (char *) existing_key, typioparam, -1);
	nulls[n] = ' ';
	n++;
	/* (the insert is dropped: the row it updates must be there) */
	if (contacts_spi_execute_plan(cfg->update_plan, args, nulls, false, 0, SPI_OK_UPDATE) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("duplicate contact in table \"%s\": the row %s = %s it would update is not %s",
						cfg->table_name, cfg->key_column, existing_key,
						cfg->citus_name ? "in this shard" : "there any more"),
				 errhint(cfg->citus_name ?
						 "A merged-away value names its survivor, which may be in another shard; update that row, "
						 "or configure on_duplicate => 'reject' or 'flag'." :
						 "Try again: it was deleted or merged away meanwhile.")));
}

/*
 * The duplicate policy, for a table whose on_duplicate is not 'allow': exact
 * duplicate keys first, then (fuzzy_duplicates) the dedupe model.  Returns
 * the key of the row this one duplicates, to flag it with (in the caller's
 * memory context), or NULL; rejects it; or, for on_duplicate = 'update',
 * updates that row instead and sets *updated.  Kept out of the trigger's
 * body, which runs for every row of a COPY.
 */
static pg_noinline char *
check_duplicates(EntryConfig *cfg, TriggerData *trigdata, Datum *values, bool *isnull,
				 const char **flag_reason, bool *updated)
{
	Relation	rel = trigdata->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	bool		is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	MemoryContext caller_context = CurrentMemoryContext;
	char	   *own_key = NULL;
	char	   *existing = NULL;
	char	   *what = NULL;
	char	   *duplicate_of = NULL;
	int			i;

	if (!is_insert && !heap_attisnull(trigdata->tg_trigtuple, cfg->key_attnum, desc))
		own_key = SPI_getvalue(trigdata->tg_trigtuple, desc, cfg->key_attnum);

	contacts_spi_connect();
	for (i = 0; i < cfg->ncolumns && existing == NULL; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		int			a = col->attnum - 1;
		char	   *value;

		if (!col->duplicate_key || isnull[a] || flag_reason[i])
			continue;
		value = entry_column_text(col, values[a]);
		value = contacts_duplicate_key(cfg, col, value);
		if (value == NULL)
			continue;			/* not an address: the same as no other */
		if (col->attnum == cfg->distribution_attnum)
			require_key_in_shard(cfg, col, value, values[a]);
		/* under a lock on the key, so a concurrent insert or merge of it waits */
		existing = contacts_duplicate_find(cfg, col, rel, value, own_key, true, NULL);
		if (existing)
			what = psprintf("%s \"%s\"", col->name, value);
	}
	if (existing == NULL && cfg->match_plan != NULL)
		existing = find_likely_duplicate(cfg, rel, values, isnull, flag_reason, own_key, &what);

	if (existing != NULL)
	{
		if (cfg->on_duplicate == ON_DUPLICATE_REJECT ||
			(cfg->on_duplicate == ON_DUPLICATE_UPDATE && !is_insert))
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("duplicate contact in table \"%s\": %s already belongs to %s = %s",
							cfg->table_name, what, cfg->key_column, existing),
					 errhint("Update the existing row, merge the two with contacts.merge(), or configure on_duplicate => 'flag' or 'allow'.")));
		if (cfg->on_duplicate == ON_DUPLICATE_UPDATE)
		{
			/* Turn the insert into an update of the existing row. */
			update_existing(cfg, values, isnull, existing);
			contacts_feed_redirected(RelationGetRelid(rel), existing);
			*updated = true;
		}
		else
			duplicate_of = MemoryContextStrdup(caller_context, existing);
	}
	contacts_spi_finish();
	return duplicate_of;
}

/* The trigger's work on one row: the new row to store, or NULL for none. */
static Datum
enforce_row(TriggerData *trigdata)
{
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	EntryConfig *cfg;
	Datum	   *values;
	bool	   *isnull;
	const char **flag_reason;	/* per configured column: why it is flagged */
	int			nflagged = 0;	/* columns with a flag reason */
	int			flagged_column = -1;	/* the last of them */
	char	   *duplicate_of = NULL;
	bool		changed = false;	/* the tuple must be formed anew */
	const char *region;
	bool		is_insert;
	int			i;

	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	is_insert = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event);
	tuple = is_insert ? trigdata->tg_trigtuple : trigdata->tg_newtuple;

	/* clean() or undo_clean() writing what the rules decided (or undoing it) */
	if (!is_insert && RelationGetRelid(rel) == passing_relid)
		return PointerGetDatum(tuple);

	cfg = entry_config_get(rel);

	/* one allocation for the row: values, flag reasons (zeroed), null flags */
	values = palloc(sizeof(Datum) * desc->natts + sizeof(char *) * cfg->ncolumns +
					sizeof(bool) * desc->natts);
	flag_reason = (const char **) (values + desc->natts);
	memset(flag_reason, 0, sizeof(char *) * cfg->ncolumns);
	isnull = (bool *) (flag_reason + cfg->ncolumns);
	heap_deform_tuple(tuple, desc, values, isnull);

	/* The row's region (a country column), else the table's (else the GUC). */
	region = entry_row_region(cfg, values, isnull);

	for (i = 0; i < cfg->ncolumns; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		int			a = col->attnum - 1;
		Datum		v;
		const CtReason *reason;

		switch (entry_column_check(cfg, col, values[a], isnull[a], region, &v, &reason))
		{
			case ENTRY_VALUE_UNCHECKED:
				/* a contacts.email or contacts.phone value, valid by its type, may be suppressed */
				if (!isnull[a] && !entry_column_checked(col) && (col->kind == ENTRY_EMAIL || col->kind == ENTRY_PHONE))
					reject_if_suppressed(cfg, col, CStringGetTextDatum(entry_column_text(col, values[a])));
				continue;
			case ENTRY_VALUE_MISSING:
				if (cfg->on_invalid == ON_INVALID_REJECT)
					ereport(ERROR,
							(errcode(ERRCODE_NOT_NULL_VIOLATION),
							 errmsg("column \"%s\" of table \"%s\" is required",
									col->name, cfg->table_name),
							 errhint("Supply a value, or drop the column from required in contacts.configure().")));
				flag_reason[i] = "REQUIRED";
				nflagged++;
				flagged_column = i;
				continue;
			case ENTRY_VALUE_VALID:
				reject_if_suppressed(cfg, col, v);
				/* Most values arrive normalized: then the tuple stays as it is. */
				if (v != values[a])
				{
					if (col->attnum == cfg->distribution_attnum)
					{
						if (datumIsEqual(v, values[a], false, -1))
							continue;
						refuse_routed_change(cfg, col, values[a], v);
					}
					values[a] = v;
					changed = true;
				}
				continue;
			case ENTRY_VALUE_INVALID:
				break;
		}
		flag_reason[i] = reason->code;
		nflagged++;
		flagged_column = i;
		switch (cfg->on_invalid)
		{
			case ON_INVALID_REJECT:
				reject_invalid(cfg, col, entry_column_text(col, values[a]), reason);
				break;
			case ON_INVALID_SET_NULL:
				if (col->attnum == cfg->distribution_attnum)
					refuse_routed_change(cfg, col, values[a], (Datum) 0);
				isnull[a] = true;
				changed = true;
				break;
			case ON_INVALID_FLAG:
				break;
		}
	}

	if (cfg->on_duplicate != ON_DUPLICATE_ALLOW)
	{
		bool		updated = false;

		duplicate_of = check_duplicates(cfg, trigdata, values, isnull, flag_reason, &updated);
		if (updated)
			return PointerGetDatum(NULL);
	}

	/* after duplicates, which an undeliverable address still is */
	if (cfg->on_undeliverable != ON_UNDELIVERABLE_ALLOW)
		nflagged += check_undeliverable(cfg, rel, values, isnull, flag_reason, &flagged_column);

	if (cfg->flag_attnum != InvalidAttrNumber)
	{
		int			a = cfg->flag_attnum - 1;
		bool		none = !entry_flags(cfg, flag_reason, nflagged, flagged_column,
										duplicate_of, &values[a]);

		/* A row that is now clean loses the flags it had. */
		if (!none || !isnull[a])
			changed = true;
		isnull[a] = none;
	}

	if (!changed)
		return PointerGetDatum(tuple);
	/* values holds every column already: form the tuple, no second deform. */
	return PointerGetDatum(heap_form_tuple(desc, values, isnull));
}

PG_FUNCTION_INFO_V1(contacts_enforce);
Datum
contacts_enforce(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	FeedConfig *feed;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("contacts.enforce() must be called as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("contacts.enforce() must be a BEFORE INSERT OR UPDATE ... FOR EACH ROW trigger")));

	/* with the table's change feed on, its outcome is published */
	feed = contacts_feed_config(RelationGetRelid(trigdata->tg_relation));
	if (feed == NULL)
		return enforce_row(trigdata);
	return contacts_feed_entry(feed, trigdata, enforce_row);
}
