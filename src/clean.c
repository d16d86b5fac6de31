/*
 * clean.c
 *		The entry trigger's rules applied to the rows a table already has:
 *		contacts.clean_batch() (one batch of the procedure contacts.clean()),
 *		contacts.clean_preview() (what a clean would change, writing nothing)
 *		and contacts.undo_clean().
 *
 * The procedure (87_clean.sql) commits between batches; each batch is one
 * call of clean_batch(): it reads the next batch_size rows in key order
 * after the run's last key, decides each configured value with the
 * trigger's own check (entry_column_check) under the table's on_invalid
 * policy (clean_decide), writes the rows that change, logs every changed
 * value in contacts.clean_change and moves the run's last key, all in the
 * batch's transaction: a cancel loses the batch in flight and nothing else,
 * and the next call resumes after the last committed key.
 *
 * The trigger lets clean's updates through as written
 * (contacts_enforce_execute_passing): they already are what its rules
 * decide, and a policy that refuses rows (reject, on_duplicate) is for rows
 * being entered, not for rows a table holds: clean leaves a row with a value
 * the policy rejects as it is and records why, and reports a normalized
 * value that makes two rows duplicates (clean_change.duplicate_of) instead
 * of refusing or merging it.
 *
 * A row is read without a lock and written only if it is still the version
 * read (its ctid): a row the application changed in between is read again,
 * locked, and decided anew.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "bounce.h"
#include "duplicates.h"
#include "entry_config.h"
#include "entry_kinds.h"
#include "entry_trigger.h"
#include "privileges.h"
#include "spi_util.h"

/* What clean does with a value; the names are clean_change.action's. */
typedef enum CleanAction
{
	CLEAN_KEEP,
	CLEAN_NORMALIZE,			/* rewritten in normal form */
	CLEAN_SET_NULL,				/* invalid (on_invalid = set_null) or undeliverable
								 * (on_undeliverable = reject), set NULL */
	CLEAN_FLAG,					/* invalid, missing or undeliverable, kept and
								 * flagged */
	CLEAN_REJECT,				/* invalid or missing, the row left as it is */
	CLEAN_FLAGS					/* the flag column, rewritten */
} CleanAction;

static const char *const action_names[] = {
	"keep", "normalize", "set_null", "flag", "reject", "flags"
};

/* One value's fate: the action, the value to store, and why. */
typedef struct CleanDecision
{
	CleanAction action;
	Datum		value;			/* CLEAN_NORMALIZE: the normal form */
	const char *reason;			/* a reason code, for invalid or missing values */
	char	   *duplicate_of;	/* CLEAN_NORMALIZE: key of a row with the same key */
} CleanDecision;

/* Preview: the values of one column that one action with one reason takes. */
typedef struct CleanCount
{
	const char *column;
	CleanAction action;
	const char *reason;
	int64		rows;
	int64		duplicates;
	List	   *examples;		/* "key: before -> after" */
} CleanCount;

/* The columns of the batch query, after the configured ones (1-based). */
#define COL_CTID	1
#define COL_KEY_TEXT 2
#define COL_KEY		3
#define COL_FIRST	4			/* the configured columns, in cfg order */

/* Rows a preview reads at a time. */
#define PREVIEW_BATCH 10000

/* The log columns clean_change is filled from, as arrays per batch. */
enum
{
	LOG_KEY, LOG_COLUMN, LOG_ACTION, LOG_REASON, LOG_BEFORE, LOG_AFTER, LOG_DUPLICATE, LOG_N
};

typedef struct CleanScan
{
	Relation	rel;
	EntryConfig *cfg;
	bool		dry;			/* preview: decide and count, write nothing */
	int			col_flags;		/* result column of the flag column, or 0 */
	SPIPlanPtr	first_plan;		/* the first batch_size rows in key order */
	SPIPlanPtr	next_plan;		/* the batch_size rows after a key */
	SPIPlanPtr	relock_plan;	/* one row by key, locked */
	SPIPlanPtr	update_plan;	/* one row: its written columns and flags */
	int			nwritten;		/* configured columns clean may write */
	int		   *written;		/* their indexes in cfg->columns */
	Oid			flags_output;	/* the flag column's output function */
	/* clean: the batch's log */
	ArrayBuildState *log[LOG_N];
	/* counts */
	int64		rows;
	int64		rows_changed;
	int64		values_changed;
	int64		values_flagged;
	int64		rows_rejected;
	int64		duplicates;
	MemoryContext keep;			/* the log's arrays, the preview's counts */
	/* preview */
	List	   *counts;
	int			examples;
} CleanScan;

/*
 * A valid email or phone that bounced too often (contacts.record_bounce),
 * when the table's on_undeliverable policy is not allow.
 */
static bool
clean_undeliverable(const EntryConfig *cfg, const EntryColumn *col, Datum normal)
{
	if (cfg->on_undeliverable == ON_UNDELIVERABLE_ALLOW ||
		(col->kind != ENTRY_EMAIL && col->kind != ENTRY_PHONE))
		return false;
	return contacts_undeliverable(col->kind == ENTRY_EMAIL ? "email" : "phone",
								  entry_column_text(col, normal));
}

/*
 * What clean does with one configured value: the entry trigger's check and
 * the table's on_invalid policy, as the trigger applies them to a row being
 * written, except that a refusal is recorded instead of raised.  An address
 * that bounced too often is dead data: the table's on_undeliverable policy
 * flags it, or (reject) sets it NULL, with reason UNDELIVERABLE.
 */
static CleanDecision
clean_decide(const EntryConfig *cfg, const EntryColumn *col, Datum value, bool isnull,
			 const char *region)
{
	CleanDecision d = {CLEAN_KEEP, value, NULL, NULL};
	const CtReason *reason;

	switch (entry_column_check(cfg, col, value, isnull, region, &d.value, &reason))
	{
		case ENTRY_VALUE_UNCHECKED:
			break;
		case ENTRY_VALUE_VALID:
			if (clean_undeliverable(cfg, col, d.value))
			{
				/* on_undeliverable for rows the table holds: reject drops the dead address */
				d.reason = "UNDELIVERABLE";
				d.action = cfg->on_undeliverable == ON_UNDELIVERABLE_REJECT ? CLEAN_SET_NULL : CLEAN_FLAG;
				d.value = value;
			}
			else if (d.value != value)
				d.action = CLEAN_NORMALIZE;
			break;
		case ENTRY_VALUE_MISSING:
			/* nothing to set NULL: the flag column says it is missing */
			d.reason = "REQUIRED";
			d.action = cfg->on_invalid == ON_INVALID_REJECT ? CLEAN_REJECT : CLEAN_FLAG;
			break;
		case ENTRY_VALUE_INVALID:
			d.reason = reason->code;
			d.action = cfg->on_invalid == ON_INVALID_REJECT ? CLEAN_REJECT :
				cfg->on_invalid == ON_INVALID_SET_NULL ? CLEAN_SET_NULL : CLEAN_FLAG;
			break;
	}
	return d;
}

/* A value as text for the log (NULL for NULL). */
static char *
value_text(const EntryColumn *col, Datum value, bool isnull)
{
	return isnull ? NULL : entry_column_text(col, value);
}

static bool
is_written(const CleanScan *scan, int i)
{
	const EntryColumn *col = &scan->cfg->columns[i];

	/* the key stays: the log finds rows by it */
	return entry_column_checked(col) && col->attnum != scan->cfg->key_attnum;
}

/* Prepare the statements of a scan of rel. */
static void
clean_prepare(CleanScan *scan)
{
	EntryConfig *cfg = scan->cfg;
	TupleDesc	desc = RelationGetDescr(scan->rel);
	const char *key = psprintf("t.%s", quote_identifier(cfg->key_column));
	char	   *relname = contacts_quoted_relation(RelationGetRelid(scan->rel));
	StringInfoData cols,
				sql;
	Oid			types[2];
	Oid		   *utypes;
	int			i,
				n;

	initStringInfo(&cols);
	appendStringInfo(&cols, "SELECT t.ctid, (%s)::pg_catalog.text, %s", key, key);
	for (i = 0; i < cfg->ncolumns; i++)
		appendStringInfo(&cols, ", t.%s", quote_identifier(cfg->columns[i].name));
	if (cfg->flag_attnum != InvalidAttrNumber)
	{
		const char *flags = quote_identifier(NameStr(TupleDescAttr(desc, cfg->flag_attnum - 1)->attname));

		appendStringInfo(&cols, ", t.%s", flags);
		scan->col_flags = COL_FIRST + cfg->ncolumns;
		getTypeOutputInfo(TupleDescAttr(desc, cfg->flag_attnum - 1)->atttypid,
						  &scan->flags_output, &(bool){false});
	}
	appendStringInfo(&cols, " FROM %s t", relname);

	types[0] = INT4OID;
	types[1] = TEXTOID;
	initStringInfo(&sql);
	appendStringInfo(&sql, "%s ORDER BY %s LIMIT $1", cols.data, key);
	scan->first_plan = contacts_spi_prepare(sql.data, 1, types, 0, false);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "%s WHERE ", cols.data);
	contacts_append_greater(&sql, key, cfg->key_typid, "$2");
	appendStringInfo(&sql, " ORDER BY %s LIMIT $1", key);
	scan->next_plan = contacts_spi_prepare(sql.data, 2, types, 0, false);
	if (scan->dry)
		return;

	resetStringInfo(&sql);
	appendStringInfo(&sql, "%s WHERE ", cols.data);
	contacts_append_equality(&sql, key, cfg->key_typid, "$1");
	appendStringInfoString(&sql, " FOR UPDATE OF t");
	scan->relock_plan = contacts_spi_prepare(sql.data, 1, &cfg->key_typid, 0, false);

	/* UPDATE t SET written columns, flags WHERE key = $k AND ctid = $t */
	scan->written = palloc(sizeof(int) * cfg->ncolumns);
	utypes = palloc(sizeof(Oid) * (cfg->ncolumns + 3));
	resetStringInfo(&sql);
	appendStringInfo(&sql, "UPDATE %s t SET ", relname);
	n = 0;
	for (i = 0; i < cfg->ncolumns; i++)
	{
		if (!is_written(scan, i))
			continue;
		scan->written[scan->nwritten++] = i;
		utypes[n] = cfg->columns[i].atttypid;
		appendStringInfo(&sql, "%s%s = $%d", n ? ", " : "", quote_identifier(cfg->columns[i].name), n + 1);
		n++;
	}
	if (cfg->flag_attnum != InvalidAttrNumber)
	{
		utypes[n] = TupleDescAttr(desc, cfg->flag_attnum - 1)->atttypid;
		appendStringInfo(&sql, "%s%s = $%d", n ? ", " : "",
						 quote_identifier(NameStr(TupleDescAttr(desc, cfg->flag_attnum - 1)->attname)), n + 1);
		n++;
	}
	if (n == 0)
		return;					/* nothing clean can change */
	utypes[n] = cfg->key_typid;
	utypes[n + 1] = TIDOID;
	appendStringInfoString(&sql, " WHERE ");
	contacts_append_equality(&sql, key, cfg->key_typid, psprintf("$%d", n + 1));
	appendStringInfoString(&sql, " AND ");
	contacts_append_equality(&sql, "t.ctid", TIDOID, psprintf("$%d", n + 2));
	scan->update_plan = contacts_spi_prepare(sql.data, n + 2, utypes, 0, false);
}

/* Record one value's fate: in the batch's log, or the preview's counts. */
static void
note(CleanScan *scan, const char *key, const char *column, CleanAction action,
	 const char *reason, const char *before, const char *after, const char *duplicate_of)
{
	MemoryContext old = MemoryContextSwitchTo(scan->keep);

	if (scan->dry)
	{
		ListCell   *lc;
		CleanCount *c = NULL;

		foreach(lc, scan->counts)
		{
			CleanCount *x = lfirst(lc);

			if (x->action == action && strcmp(x->column, column) == 0 &&
				(x->reason == reason || (x->reason && reason && strcmp(x->reason, reason) == 0)))
			{
				c = x;
				break;
			}
		}
		if (c == NULL)
		{
			c = palloc0(sizeof(CleanCount));
			c->column = pstrdup(column);
			c->action = action;
			c->reason = reason ? pstrdup(reason) : NULL;
			scan->counts = lappend(scan->counts, c);
		}
		c->rows++;
		if (duplicate_of)
			c->duplicates++;
		if (list_length(c->examples) < scan->examples)
			c->examples = lappend(c->examples,
								  psprintf("%s: %s -> %s", key, before ? before : "NULL",
										   after ? after : "NULL"));
	}
	else
	{
		const char *v[LOG_N] = {key, column, action_names[action], reason, before, after, duplicate_of};
		int			k;

		for (k = 0; k < LOG_N; k++)
			scan->log[k] = accumArrayResult(scan->log[k],
											v[k] ? CStringGetTextDatum(v[k]) : (Datum) 0,
											v[k] == NULL, TEXTOID, scan->keep);
	}
	MemoryContextSwitchTo(old);
}

/*
 * Decide row r of tt and, cleaning, write it if it changes.  Returns false
 * when the row was changed since it was read (its ctid is gone): the caller
 * reads it again, locked.
 */
static bool
clean_row(CleanScan *scan, SPITupleTable *tt, uint64 r)
{
	EntryConfig *cfg = scan->cfg;
	TupleDesc	desc = RelationGetDescr(scan->rel);
	int			natts = desc->natts;
	int			n = cfg->ncolumns;
	Datum	   *values = palloc0(sizeof(Datum) * natts);
	bool	   *isnull = palloc(sizeof(bool) * natts);
	CleanDecision *d = palloc(sizeof(CleanDecision) * n);
	const char **flag_reason = palloc0(sizeof(char *) * n);
	int			nflagged = 0,
				flagged_column = -1;
	char	   *key = contacts_spi_text(tt, r, COL_KEY_TEXT);
	const char *region;
	bool		any_reject = false,
				any_change = false;
	char	   *duplicate_of = NULL;
	Datum		old_flags = (Datum) 0,
				new_flags = (Datum) 0;
	bool		old_flags_null = true,
				new_flags_null = true,
				flags_change = false;
	int			i;

	memset(isnull, true, sizeof(bool) * natts);
	for (i = 0; i < n; i++)
		values[cfg->columns[i].attnum - 1] =
			contacts_spi_datum(tt, r, COL_FIRST + i, &isnull[cfg->columns[i].attnum - 1]);
	region = entry_row_region(cfg, values, isnull);

	for (i = 0; i < n; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		int			a = col->attnum - 1;

		d[i].action = CLEAN_KEEP;
		if (!is_written(scan, i))
			continue;
		d[i] = clean_decide(cfg, col, values[a], isnull[a], region);
		if (d[i].action == CLEAN_REJECT)
			any_reject = true;
		else if (d[i].action == CLEAN_SET_NULL || d[i].action == CLEAN_FLAG)
		{
			flag_reason[i] = d[i].reason;
			nflagged++;
			flagged_column = i;
		}
		if (d[i].action == CLEAN_NORMALIZE || d[i].action == CLEAN_SET_NULL)
			any_change = true;
	}

	/* on_invalid = reject: the row stays as it is, and why is recorded */
	if (any_reject)
	{
		for (i = 0; i < n; i++)
		{
			EntryColumn *col = &cfg->columns[i];
			char	   *v;

			if (d[i].action != CLEAN_REJECT)
				continue;
			v = value_text(col, values[col->attnum - 1], isnull[col->attnum - 1]);
			note(scan, key, col->name, CLEAN_REJECT, d[i].reason, v, v, NULL);
		}
		scan->rows_rejected++;
		return true;
	}

	/* a normalized key that another row has: reported, never merged */
	for (i = 0; i < n; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		char	   *dkey;

		if (d[i].action != CLEAN_NORMALIZE || !col->duplicate_key ||
			cfg->on_duplicate == ON_DUPLICATE_ALLOW)
			continue;
		dkey = contacts_duplicate_key(cfg, col, value_text(col, d[i].value, false));
		if (dkey != NULL)
			d[i].duplicate_of = contacts_duplicate_find(cfg, col, scan->rel, dkey, key, false, NULL);
		if (d[i].duplicate_of && duplicate_of == NULL)
			duplicate_of = d[i].duplicate_of;
	}

	/* the flag column, as the trigger would write it */
	if (scan->col_flags)
	{
		old_flags = contacts_spi_datum(tt, r, scan->col_flags, &old_flags_null);
		if (duplicate_of == NULL && cfg->on_duplicate == ON_DUPLICATE_FLAG && !old_flags_null)
		{
			/* a duplicate the trigger found stays flagged */
			JsonbValue	k,
					   *v;

			k.type = jbvString;
			k.val.string.val = "duplicate_of";
			k.val.string.len = strlen("duplicate_of");
			v = getKeyJsonValueFromContainer(&DatumGetJsonbP(old_flags)->root,
											 k.val.string.val, k.val.string.len, NULL);
			if (v && v->type == jbvString)
				duplicate_of = pnstrdup(v->val.string.val, v->val.string.len);
		}
		new_flags_null = !entry_flags(cfg, flag_reason, nflagged, flagged_column,
									  cfg->on_duplicate == ON_DUPLICATE_FLAG ? duplicate_of : NULL,
									  &new_flags);
		flags_change = old_flags_null != new_flags_null ||
			(!old_flags_null && !DatumGetBool(DirectFunctionCall2(jsonb_eq, old_flags, new_flags)));
	}
	if (!any_change && !flags_change)
	{
		/* flagged values that stay flagged: still what the preview reports */
		if (scan->dry)
			for (i = 0; i < n; i++)
				if (d[i].action == CLEAN_FLAG)
				{
					EntryColumn *col = &cfg->columns[i];
					char	   *v = value_text(col, values[col->attnum - 1], isnull[col->attnum - 1]);

					note(scan, key, col->name, CLEAN_FLAG, d[i].reason, v, v, NULL);
				}
		return true;
	}

	if (!scan->dry)
	{
		int			np = scan->nwritten + (scan->col_flags ? 1 : 0);
		Datum	   *args = palloc(sizeof(Datum) * (np + 2));
		char	   *nulls = palloc(np + 2);
		int			k;

		for (k = 0; k < scan->nwritten; k++)
		{
			i = scan->written[k];
			args[k] = d[i].action == CLEAN_NORMALIZE ? d[i].value : values[cfg->columns[i].attnum - 1];
			nulls[k] = (d[i].action == CLEAN_SET_NULL || isnull[cfg->columns[i].attnum - 1]) ? 'n' : ' ';
		}
		if (scan->col_flags)
		{
			args[k] = new_flags;
			nulls[k++] = new_flags_null ? 'n' : ' ';
		}
		args[k] = contacts_spi_datum(tt, r, COL_KEY, &(bool){false});
		nulls[k++] = ' ';
		args[k] = contacts_spi_datum(tt, r, COL_CTID, &(bool){false});
		nulls[k++] = ' ';
		if (contacts_enforce_execute_passing(RelationGetRelid(scan->rel), scan->update_plan,
											 args, nulls, SPI_OK_UPDATE) == 0)
			return false;
	}

	for (i = 0; i < n; i++)
	{
		EntryColumn *col = &cfg->columns[i];
		int			a = col->attnum - 1;
		char	   *before;

		if (d[i].action == CLEAN_KEEP)
			continue;
		before = value_text(col, values[a], isnull[a]);
		switch (d[i].action)
		{
			case CLEAN_NORMALIZE:
				note(scan, key, col->name, CLEAN_NORMALIZE, NULL, before,
					 value_text(col, d[i].value, false), d[i].duplicate_of);
				scan->values_changed++;
				if (d[i].duplicate_of)
					scan->duplicates++;
				break;
			case CLEAN_SET_NULL:
				note(scan, key, col->name, CLEAN_SET_NULL, d[i].reason, before, NULL, NULL);
				scan->values_changed++;
				break;
			case CLEAN_FLAG:
				note(scan, key, col->name, CLEAN_FLAG, d[i].reason, before, before, NULL);
				scan->values_flagged++;
				break;
			default:
				break;
		}
	}
	if (flags_change)
		note(scan, key, NameStr(TupleDescAttr(desc, cfg->flag_attnum - 1)->attname), CLEAN_FLAGS, NULL,
			 old_flags_null ? NULL : OidOutputFunctionCall(scan->flags_output, old_flags),
			 new_flags_null ? NULL : OidOutputFunctionCall(scan->flags_output, new_flags), NULL);
	scan->rows_changed++;
	return true;
}

/*
 * Decide (and, cleaning, write) the batch_size rows after last_key (NULL:
 * from the first).  Returns how many rows were read; *next_key is the last
 * one's key, in the caller's memory context.
 */
static uint64
clean_rows(CleanScan *scan, const char *last_key, int batch_size, char **next_key)
{
	MemoryContext rowcxt;
	SPITupleTable *tt;
	Datum		args[2];
	uint64		nrows,
				r;

	args[0] = Int32GetDatum(batch_size);
	if (last_key == NULL)
		nrows = contacts_spi_execute_plan(scan->first_plan, args, NULL, scan->dry, 0, SPI_OK_SELECT);
	else
	{
		args[1] = CStringGetTextDatum(last_key);
		nrows = contacts_spi_execute_plan(scan->next_plan, args, NULL, scan->dry, 0, SPI_OK_SELECT);
	}
	tt = SPI_tuptable;
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "contacts clean row", ALLOCSET_DEFAULT_SIZES);
	for (r = 0; r < nrows; r++)
	{
		MemoryContext old;
		bool		done;

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(rowcxt);
		done = clean_row(scan, tt, r);
		MemoryContextSwitchTo(old);
		if (!done)
		{
			/* changed since it was read: read it again, locked, and decide anew */
			bool		isnull;
			Datum		key = contacts_spi_datum(tt, r, COL_KEY, &isnull);

			if (contacts_spi_execute_plan(scan->relock_plan, &key, NULL, false, 0, SPI_OK_SELECT) == 1)
			{
				SPITupleTable *again = SPI_tuptable;

				old = MemoryContextSwitchTo(rowcxt);
				if (!clean_row(scan, again, 0))
					elog(ERROR, "row locked by contacts.clean() changed before its update");
				MemoryContextSwitchTo(old);
				SPI_freetuptable(again);
			}
		}
		/* the log's arrays grow in the caller's context; a row's work is dropped */
		MemoryContextReset(rowcxt);
		scan->rows++;
	}
	*next_key = nrows > 0 ? contacts_spi_text(tt, nrows - 1, COL_KEY_TEXT) : NULL;
	MemoryContextDelete(rowcxt);
	SPI_freetuptable(tt);
	return nrows;
}

/*
 * The table of a clean run the caller may see, once the caller is found to
 * hold mode on it (action says what for); the run's row is locked after
 * this, which needs UPDATE on the table too.  SPI must be connected.
 */
static Oid
run_table(int64 run_id, AclMode mode, const char *action)
{
	Oid			type = INT8OID;
	Datum		arg = Int64GetDatum(run_id);
	Oid			relid;

	if (contacts_spi_execute_args(psprintf("SELECT r.tbl FROM %s.clean_run r WHERE r.run_id = $1",
										   contacts_extension_schema_quoted()),
								  1, &type, &arg, NULL, true, 0, SPI_OK_SELECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("clean run " INT64_FORMAT " does not exist", run_id),
				 errhint("Runs of the tables you may read are listed in contacts.clean_run.")));
	relid = contacts_spi_oid(SPI_tuptable, 0, 1);
	contacts_require_table(relid, mode, action);
	return relid;
}

/*
 * contacts.clean_batch(run_id bigint, batch_size integer) returns integer:
 * clean the next batch of a run; returns the rows read (fewer than
 * batch_size: the run is finished).
 */
PG_FUNCTION_INFO_V1(contacts_clean_batch);
Datum
contacts_clean_batch(PG_FUNCTION_ARGS)
{
	int64		run_id = PG_GETARG_INT64(0);
	int32		batch_size = PG_GETARG_INT32(1);
	const char *schema = contacts_extension_schema_quoted();
	CleanScan	scan = {0};
	Oid			relid;
	char	   *last_key;
	char	   *next_key;
	uint64		nrows;
	int			level;
	Oid			types[9] = {INT8OID, OIDOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID};
	Datum		args[9];
	char		nulls[9];
	int			k;

	contacts_spi_connect();
	level = contacts_pin_search_path();
	relid = run_table(run_id, ACL_SELECT | ACL_UPDATE, "clean");
	if (IsTransactionBlock() || IsSubTransaction())
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("contacts.clean() cannot run inside a transaction block"),
				 errdetail("It commits after every batch, so that a cancel keeps the batches done."),
				 errhint("CALL it on its own, outside BEGIN ... COMMIT and outside functions; contacts.clean_preview() reports what it would change.")));
	if (batch_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("batch_size must be at least 1")));

	args[0] = Int64GetDatum(run_id);
	contacts_spi_execute_args(psprintf("SELECT r.tbl, r.last_key, r.finished_at IS NOT NULL, r.undone_at IS NOT NULL "
									   "FROM %s.clean_run r WHERE r.run_id = $1 FOR UPDATE", schema),
							  1, types, args, NULL, false, 0, SPI_OK_SELECT);
	last_key = contacts_spi_text(SPI_tuptable, 0, 2);
	if (contacts_spi_bool(SPI_tuptable, 0, 4))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("clean run " INT64_FORMAT " was undone", run_id),
				 errhint("Start a new run: CALL contacts.clean(tbl).")));
	if (contacts_spi_bool(SPI_tuptable, 0, 3))
	{
		contacts_unpin_search_path(level);
		contacts_spi_finish();
		PG_RETURN_INT32(0);
	}

	scan.rel = table_open(relid, RowExclusiveLock);
	scan.cfg = entry_config_get(scan.rel);
	scan.keep = CurrentMemoryContext;
	clean_prepare(&scan);
	nrows = clean_rows(&scan, last_key, batch_size, &next_key);

	/* the batch's log, then the run's position: committed together */
	if (scan.log[0] != NULL)
	{
		args[1] = ObjectIdGetDatum(relid);
		for (k = 0; k < LOG_N; k++)
			args[2 + k] = makeArrayResult(scan.log[k], CurrentMemoryContext);
		contacts_spi_execute_args(psprintf("INSERT INTO %s.clean_change "
										   "(run_id, tbl, row_key, col, action, reason, before, after, duplicate_of) "
										   "SELECT $1, $2, u.k, u.c::pg_catalog.name, u.a, u.r, u.b, u.f, u.d "
										   "FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), "
										   "pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8), "
										   "pg_catalog.unnest($9)) u(k, c, a, r, b, f, d)",
										   schema),
								  9, types, args, NULL, false, 0, SPI_OK_INSERT);
	}
	{
		Oid			rtypes[9] = {INT8OID, TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, INT8OID, BOOLOID};

		args[1] = next_key ? CStringGetTextDatum(next_key) : (Datum) 0;
		args[2] = Int64GetDatum(scan.rows);
		args[3] = Int64GetDatum(scan.rows_changed);
		args[4] = Int64GetDatum(scan.values_changed);
		args[5] = Int64GetDatum(scan.values_flagged);
		args[6] = Int64GetDatum(scan.rows_rejected);
		args[7] = Int64GetDatum(scan.duplicates);
		args[8] = BoolGetDatum(nrows < (uint64) batch_size);
		memset(nulls, ' ', sizeof(nulls));
		nulls[1] = next_key ? ' ' : 'n';
		contacts_spi_execute_args(psprintf("UPDATE %s.clean_run r SET "
										   "last_key = COALESCE($2, r.last_key), "
										   "rows_checked = r.rows_checked + $3, rows_changed = r.rows_changed + $4, "
										   "values_changed = r.values_changed + $5, values_flagged = r.values_flagged + $6, "
										   "rows_rejected = r.rows_rejected + $7, duplicates = r.duplicates + $8, "
										   "finished_at = CASE WHEN $9 THEN pg_catalog.now() END "
										   "WHERE r.run_id = $1", schema),
								  9, rtypes, args, nulls, false, 0, SPI_OK_UPDATE);
	}
	table_close(scan.rel, NoLock);
	contacts_unpin_search_path(level);
	contacts_spi_finish();
	PG_RETURN_INT32((int32) nrows);
}

/*
 * contacts.clean_preview(tbl regclass, examples integer) returns table
 * (column_name name, action text, reason text, rows bigint, duplicates
 * bigint, examples text[]): what clean() would do with the table now.
 */
PG_FUNCTION_INFO_V1(contacts_clean_preview);
Datum
contacts_clean_preview(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int32		examples = PG_GETARG_INT32(1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CleanScan	scan = {0};
	char	   *last_key = NULL;
	ListCell   *lc;
	int			level;

	if (examples < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("examples must not be negative")));
	contacts_require_table(relid, ACL_SELECT, "preview a clean of");
	InitMaterializedSRF(fcinfo, 0);

	contacts_spi_connect();
	level = contacts_pin_search_path();
	scan.rel = table_open(relid, AccessShareLock);
	scan.cfg = entry_config_get(scan.rel);
	scan.dry = true;
	scan.keep = CurrentMemoryContext;
	scan.examples = examples;
	clean_prepare(&scan);
	/* in batches, as clean reads it: no cursor holds a snapshot of all of it */
	while (clean_rows(&scan, last_key, PREVIEW_BATCH, &last_key) == PREVIEW_BATCH)
		;
	foreach(lc, scan.counts)
	{
		CleanCount *c = lfirst(lc);
		Datum		values[6];
		bool		isnull[6] = {false, false, c->reason == NULL, false, false, false};
		Datum	   *ex = palloc(sizeof(Datum) * (list_length(c->examples) + 1));
		ListCell   *e;
		int			k = 0;

		foreach(e, c->examples)
			ex[k++] = CStringGetTextDatum(lfirst(e));
		values[0] = DirectFunctionCall1(namein, CStringGetDatum(c->column));
		values[1] = CStringGetTextDatum(action_names[c->action]);
		values[2] = c->reason ? CStringGetTextDatum(c->reason) : (Datum) 0;
		values[3] = Int64GetDatum(c->rows);
		values[4] = Int64GetDatum(c->duplicates);
		values[5] = PointerGetDatum(construct_array(ex, k, TEXTOID, -1, false, TYPALIGN_INT));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, isnull);
	}
	table_close(scan.rel, NoLock);
	contacts_unpin_search_path(level);
	contacts_spi_finish();
	return (Datum) 0;
}

/*
 * contacts.undo_clean(run_id bigint) returns bigint: restore every value a
 * clean run changed, all or nothing; refuses, naming the row, when one of
 * them no longer holds what the run left.  Returns the values restored.
 */
PG_FUNCTION_INFO_V1(contacts_undo_clean);
Datum
contacts_undo_clean(PG_FUNCTION_ARGS)
{
	int64		run_id = PG_GETARG_INT64(0);
	const char *schema = contacts_extension_schema_quoted();
	const char *changed = "c.action OPERATOR(pg_catalog.=) ANY ('{normalize,set_null,flags}'::pg_catalog.text[])";
	Relation	rel;
	EntryConfig *cfg;
	Oid			relid;
	char	   *relname;
	const char *key;
	SPITupleTable *cols;
	uint64		ncols,
				i;
	int64		restored = 0;
	char	   *erasure;
	Oid			types[2] = {INT8OID, NAMEOID};
	Datum		args[2];
	StringInfoData join,
				sql;
	int			level;

	contacts_spi_connect();
	level = contacts_pin_search_path();
	relid = run_table(run_id, ACL_SELECT | ACL_UPDATE, "undo a clean of");
	args[0] = Int64GetDatum(run_id);
	contacts_spi_execute_args(psprintf("SELECT r.undone_at IS NOT NULL, r.erasure_id FROM %s.clean_run r "
									   "WHERE r.run_id = $1 FOR UPDATE", schema),
							  1, types, args, NULL, false, 0, SPI_OK_SELECT);
	if (contacts_spi_bool(SPI_tuptable, 0, 1))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("clean run " INT64_FORMAT " was already undone", run_id),
				 errhint("See undone_at and undone_by in contacts.clean_run.")));
	erasure = contacts_spi_text(SPI_tuptable, 0, 2);
	if (erasure != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("clean run " INT64_FORMAT " cannot be undone: it changed a person erased since (erasure %s)",
						run_id, erasure),
				 errhint("The values it logged for that person were removed by contacts.erase(); change the other rows by hand if needed.")));
	rel = table_open(relid, RowExclusiveLock);
	cfg = entry_config_get(rel);
	relname = contacts_quoted_relation(relid);
	key = psprintf("t.%s", quote_identifier(cfg->key_column));

	/* the run's rows, found by their logged keys */
	initStringInfo(&join);
	contacts_append_equality(&join, key, cfg->key_typid, "c.row_key");

	/* lock them all first: no writer changes one between check and restore */
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT FROM %s t JOIN (SELECT DISTINCT c.row_key FROM %s.clean_change c "
					 "WHERE c.run_id = $1 AND %s) c ON %s FOR UPDATE OF t",
					 relname, schema, changed, join.data);
	contacts_spi_execute_args(sql.data, 1, types, args, NULL, false, 0, SPI_OK_SELECT);

	contacts_spi_execute_args(psprintf("SELECT DISTINCT c.col FROM %s.clean_change c "
									   "WHERE c.run_id = $1 AND %s ORDER BY 1", schema, changed),
							  1, types, args, NULL, false, 0, SPI_OK_SELECT);
	cols = SPI_tuptable;
	ncols = SPI_processed;

	/* every value must still be what the run left, before anything is restored */
	for (i = 0; i < ncols; i++)
	{
		char	   *col = contacts_spi_text(cols, i, 1);
		AttrNumber	attnum = get_attnum(relid, col);
		char	   *type;

		if (attnum == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot undo clean run " INT64_FORMAT ": column \"%s\" of table %s no longer exists",
							run_id, col, relname)));
		type = format_type_be_qualified(get_atttype(relid, attnum));
		args[1] = DirectFunctionCall1(namein, CStringGetDatum(col));
		resetStringInfo(&sql);
		appendStringInfo(&sql, "SELECT c.row_key, t.ctid IS NULL, (t.%s)::pg_catalog.text, c.after "
						 "FROM %s.clean_change c LEFT JOIN %s t ON %s "
						 "WHERE c.run_id = $1 AND c.col = $2 AND %s "
						 "AND (t.ctid IS NULL OR t.%s IS DISTINCT FROM (c.after)::%s) "
						 "ORDER BY c.row_key LIMIT 1",
						 quote_identifier(col), schema, relname, join.data, changed,
						 quote_identifier(col), type);
		if (contacts_spi_execute_args(sql.data, 2, types, args, NULL, false, 0, SPI_OK_SELECT) > 0)
		{
			char	   *row = contacts_spi_text(SPI_tuptable, 0, 1);
			char	   *now = contacts_spi_text(SPI_tuptable, 0, 3);
			char	   *after = contacts_spi_text(SPI_tuptable, 0, 4);

			if (contacts_spi_bool(SPI_tuptable, 0, 2))
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot undo clean run " INT64_FORMAT ": row %s = %s of table %s was deleted",
								run_id, cfg->key_column, row, relname),
						 errhint("Nothing was restored; restore the row first.")));
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot undo clean run " INT64_FORMAT ": column \"%s\" of row %s = %s of table %s changed since",
							run_id, col, cfg->key_column, row, relname),
					 errdetail("The run left %s; the row now holds %s.",
							   after ? quote_literal_cstr(after) : "NULL",
							   now ? quote_literal_cstr(now) : "NULL"),
					 errhint("Nothing was restored.  Undo later clean runs of the table first, or set the value back to what the run left.")));
		}
	}

	for (i = 0; i < ncols; i++)
	{
		char	   *col = contacts_spi_text(cols, i, 1);
		SPIPlanPtr	plan;

		args[1] = DirectFunctionCall1(namein, CStringGetDatum(col));
		resetStringInfo(&sql);
		appendStringInfo(&sql, "UPDATE %s t SET %s = (c.before)::%s FROM %s.clean_change c "
						 "WHERE c.run_id = $1 AND c.col = $2 AND %s AND %s",
						 relname, quote_identifier(col),
						 format_type_be_qualified(get_atttype(relid, get_attnum(relid, col))),
						 schema, changed, join.data);
		plan = contacts_spi_prepare(sql.data, 2, types, 0, false);
		restored += contacts_enforce_execute_passing(relid, plan, args, NULL, SPI_OK_UPDATE);
	}

	contacts_spi_execute_args(psprintf("UPDATE %s.clean_run r SET undone_by = CURRENT_USER, undone_at = pg_catalog.now(), "
									   "finished_at = COALESCE(r.finished_at, pg_catalog.now()) WHERE r.run_id = $1",
									   schema),
							  1, types, args, NULL, false, 0, SPI_OK_UPDATE);
	table_close(rel, NoLock);
	contacts_unpin_search_path(level);
	contacts_spi_finish();
	PG_RETURN_INT64(restored);
}
