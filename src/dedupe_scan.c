/*
 * dedupe_scan.c
 *		The blocking and scoring passes of a run: how many pairs each rule's
 *		blocks hold, and every pair within a block compared once.
 *
 * Per rule, the records of its blocks come sorted by blocking key (a
 * statement run to completion, so it may use parallel workers) and a block
 * at a time (at most max_block_size records) is held and compared pair by
 * pair: never a cross join.  A pair an earlier rule
 * already compared is skipped.  What is done with a compared pair is the
 * caller's (EM counts its pattern, scoring stores it).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "common/hashfn.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/memutils.h"

#include "core/match_keys.h"
#include "dedupe.h"
#include "spi_util.h"
#include "textconv.h"

/*
 * Plan the blocking from the key counts of every candidate rule: per rule,
 * the pairs of its keys of 2 to max_block_size records (n(n-1)/2 each,
 * before removing the pairs an earlier rule yields), the records in them,
 * the records in keys too common to compare and the commonest key's size.
 * Counted over a share p of the rows, a key seen c times stands for c/p
 * records, and c(c-1)/2 pairs among the sampled rows for c(c-1)/2p^2
 * (each pair is sampled with probability p^2).  Then ct_block_plan()
 * chooses within max_pairs.  The blocks a chosen rule skips are reported.
 */
int64
dedupe_plan_rules(DedupeConfig *cfg, const char *counts_sql, double share, bool choose)
{
	StringInfoData sql;
	CtBlockRuleStats stats[DEDUPE_MAX_RULES];
	CtPlanReason reasons[DEDUPE_MAX_RULES];
	int64		total;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT field - 100, round(coalesce(sum(n * (n - 1) / 2) FILTER (WHERE n <= %1$.9g), 0) / %2$.9g)::bigint, "
					 "round(coalesce(sum(n) FILTER (WHERE n <= %1$.9g), 0) / %3$.9g)::bigint, "
					 "round(coalesce(sum(n) FILTER (WHERE n > %1$.9g), 0) / %3$.9g)::bigint, round(max(n) / %3$.9g)::bigint "
					 "FROM (%4$s) c WHERE field >= 100 GROUP BY field",
					 cfg->max_block_size * share, share * share, share, counts_sql);
	/* not read-only: the counts table was filled by this transaction */
	contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	for (int r = 0; r < cfg->nrules; r++)
	{
		CtBlockRuleStats *st = &cfg->rules[r].stats;

		if (choose || cfg->rules[r].chosen)
			st->pairs = st->records = st->oversized_records = st->largest = 0;
	}
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int			r = contacts_spi_int4(SPI_tuptable, i, 1);
		CtBlockRuleStats *st;

		if (r < 0 || r >= cfg->nrules || !(choose || cfg->rules[r].chosen))
			continue;
		st = &cfg->rules[r].stats;
		st->pairs = contacts_spi_int8(SPI_tuptable, i, 2);
		st->records = contacts_spi_int8(SPI_tuptable, i, 3);
		st->oversized_records = contacts_spi_int8(SPI_tuptable, i, 4);
		st->largest = contacts_spi_int8(SPI_tuptable, i, 5);
	}
	if (!choose)
	{
		total = 0;
		for (int r = 0; r < cfg->nrules; r++)
			if (cfg->rules[r].chosen)
				total += cfg->rules[r].stats.pairs;
		return total;
	}
	for (int r = 0; r < cfg->nrules; r++)
		stats[r] = cfg->rules[r].stats;
	total = ct_block_plan(stats, cfg->nrules, cfg->max_pairs, cfg->records, reasons);
	for (int r = 0; r < cfg->nrules; r++)
	{
		DedupeRule *rule = &cfg->rules[r];

		rule->reason = reasons[r];
		rule->chosen = ct_block_plan_chosen(reasons[r]);
		if (rule->chosen && rule->stats.oversized_records > 0)
			ereport(NOTICE,
					(errmsg("dedupe \"%s\": rule %s skips keys shared by more than %d records (" INT64_FORMAT
							" records in them)", cfg->name, rule->name, cfg->max_block_size,
							rule->stats.oversized_records),
					 errhint("Those values are too common to block on; other rules still compare their records.")));
	}
	return total;
}

char *
dedupe_plan_json(const DedupeConfig *cfg, const int64 *compared)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int r = 0; r < cfg->nrules; r++)
	{
		const DedupeRule *rule = &cfg->rules[r];

		appendStringInfoString(&buf, r ? ", {\"rule\": " : "{\"rule\": ");
		escape_json(&buf, rule->name);
		appendStringInfo(&buf, ", \"estimated_pairs\": " INT64_FORMAT
						 ", \"records_covered\": " INT64_FORMAT ", \"records_in_oversized_blocks\": " INT64_FORMAT
						 ", \"largest_block\": " INT64_FORMAT ", \"chosen\": %s, \"reason\": ",
						 rule->stats.pairs, rule->stats.records, rule->stats.oversized_records,
						 rule->stats.largest, rule->chosen ? "true" : "false");
		escape_json(&buf, ct_block_plan_reason(rule->reason));
		if (rule->chosen && compared)
			appendStringInfo(&buf, ", \"pairs_compared\": " INT64_FORMAT, compared[r]);
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	return buf.data;
}

/*
 * Term frequencies of the run, in memory: a lookup per compared record is
 * much cheaper than joining the counts table to every block's rows.
 * Values no other record has are not there (count 1).  Keyed by a 64-bit
 * hash of the field and the value's UTF-8 bytes, not by the value: a
 * million values take 40 MB rather than 170, and two of them sharing a
 * hash (odds about 10^-7 at that size) would only swap a frequency.
 */
typedef struct TfEntry
{
	uint64		hash;
	int64		n;
} TfEntry;

static uint64
tf_hash(int field, const char *value, size_t len)
{
	return hash_bytes_extended((const unsigned char *) value, (int) len, (uint64) field);
}

HTAB *
dedupe_load_tf(const DedupeConfig *cfg, const char *schema)
{
	HASHCTL		ctl;
	HTAB	   *tab;
	StringInfoData sql;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(TfEntry);
	ctl.hcxt = CurrentMemoryContext;
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT field, k, n FROM %s.%s WHERE field BETWEEN 1 AND 99",
					 schema, quote_identifier(psprintf("%s_counts", cfg->features_table)));
	contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	tab = hash_create("dedupe term frequencies", Max(SPI_processed, 1024), &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		/* records' keys are compared in UTF-8: hash these so too */
		int			len;
		const char *value = contacts_cstring_to_utf8(contacts_spi_text(SPI_tuptable, i, 2), &len);
		uint64		hash = tf_hash(contacts_spi_int4(SPI_tuptable, i, 1), value, len);
		TfEntry    *e = hash_search(tab, &hash, HASH_ENTER, NULL);

		e->n = contacts_spi_int8(SPI_tuptable, i, 3);
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	SPI_freetuptable(SPI_tuptable);
	return tab;
}

void
dedupe_fill_tf(const DedupeConfig *cfg, HTAB *tab, CtFieldValue *values)
{
	for (int f = 0; f < cfg->nfields; f++)
	{
		const char *v = values[f].key;
		size_t		len = values[f].key_len;
		uint64		hash;
		TfEntry    *e;

		if (!ct_field_kind_tf(cfg->model.field[f].kind) || len == 0)
			continue;
		if (cfg->model.field[f].kind == CT_FIELD_EMAIL)
		{
			const char *at = memchr(v, '@', len);

			if (at == NULL)
				continue;
			len -= at + 1 - v;
			v = at + 1;
		}
		hash = tf_hash(f + 1, v, len);
		e = hash_search(tab, &hash, HASH_FIND, NULL);
		values[f].tf = (e ? (double) e->n : 1.0) / cfg->records;
	}
}

typedef struct BlockScan
{
	DedupeBlockPass pass;
	HTAB	   *tf;				/* term frequencies */
	/* the block being read, of pass.rule */
	DedupeBlockRecord *recs;
	int			n;
	MemoryContext block_cxt;
	MemoryContext scan_cxt;		/* the caller's: the callbacks allocate there */
	int			chosen[DEDUPE_MAX_RULES];	/* the chosen rules, in order */
	int			nchosen;
	int			bcol;			/* the rule's key column in the rows (0-based) */
	Datum	   *datums;
	bool	   *nulls;
	/* progress */
	int64		rows;
	int64		next_notice;
	int64		expected;
	const char *what;
} BlockScan;

/* the rows of a rule's statement, handed to the scan as they come */
typedef struct BlockReceiver
{
	DestReceiver pub;
	BlockScan  *scan;
	TupleDesc	tupdesc;
} BlockReceiver;

static int
compare_cstring(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

void
dedupe_load_oversized(DedupeBlockPass *pass, const char *schema)
{
	const DedupeConfig *cfg = pass->cfg;
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT field - 100, k FROM %s.%s WHERE field >= 100 AND n > %d ORDER BY 1",
					 schema, quote_identifier(psprintf("%s_counts", cfg->features_table)),
					 cfg->max_block_size);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	for (int r = 0; r < cfg->nrules; r++)
	{
		pass->oversized[r] = palloc(sizeof(char *) * Max(SPI_processed, 1));
		pass->noversized[r] = 0;
	}
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int			r = contacts_spi_int4(SPI_tuptable, i, 1);

		if (r >= 0 && r < cfg->nrules)
			pass->oversized[r][pass->noversized[r]++] = contacts_spi_text(SPI_tuptable, i, 2);
	}
	for (int r = 0; r < cfg->nrules; r++)
		qsort(pass->oversized[r], pass->noversized[r], sizeof(char *), compare_cstring);
}

/*
 * Whether an earlier rule puts the two records in a block of its own: the
 * pair is then compared there, not again.
 */
static bool
seen_by_earlier_rule(const DedupeBlockPass *pass, const DedupeBlockRecord *x, const DedupeBlockRecord *y)
{
	for (int r = 0; r < pass->rule; r++)
		if (pass->cfg->rules[r].chosen && x->bkey[r] && y->bkey[r] && strcmp(x->bkey[r], y->bkey[r]) == 0 &&
			(pass->noversized[r] == 0 ||
			 bsearch(&x->bkey[r], pass->oversized[r], pass->noversized[r], sizeof(char *),
					 compare_cstring) == NULL))
			return true;
	return false;
}

void
dedupe_compare_block(DedupeBlockPass *pass, DedupeBlockRecord *recs, int n, MemoryContext block_cxt)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
		{
			DedupeBlockRecord *x = &recs[i],
					   *y = &recs[j];
			uint8		gamma[CT_MAX_FIELDS];
			MemoryContext old;

			if (x->key > y->key)
			{
				DedupeBlockRecord *t = x;

				x = y;
				y = t;
			}
			if (x->key == y->key || seen_by_earlier_rule(pass, x, y))
				continue;
			old = MemoryContextSwitchTo(block_cxt);
			ct_compare(&pass->cfg->model, x->values, y->values, gamma, &contacts_palloc_allocator);
			MemoryContextSwitchTo(old);
			pass->callback(pass->state, pass->rule, x->key, y->key, gamma, x->values, y->values);
			pass->compared[pass->rule]++;
		}
}

static void
block_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	((BlockReceiver *) self)->tupdesc = typeinfo;
}

static int64
pairs_compared(const BlockScan *scan)
{
	int64		done = 0;

	for (int k = 0; k < scan->pass.cfg->nrules; k++)
		done += scan->pass.compared[k];
	return done;
}

/* a row of the rule's statement: it ends the block before it, or joins it */
static bool
block_receive(TupleTableSlot *slot, DestReceiver *self)
{
	BlockScan  *scan = ((BlockReceiver *) self)->scan;
	const DedupeConfig *cfg = scan->pass.cfg;
	DedupeBlockRecord *rec;
	text	   *bkey;
	const char *first;
	/* not the executor's, which the statement's end frees */
	MemoryContext old = MemoryContextSwitchTo(scan->scan_cxt);

	slot_getallattrs(slot);
	bkey = DatumGetTextPP(slot->tts_values[scan->bcol]);
	first = scan->n > 0 ? scan->recs[0].bkey[scan->pass.rule] : NULL;
	if (first && !(strlen(first) == VARSIZE_ANY_EXHDR(bkey) &&
				   memcmp(first, VARDATA_ANY(bkey), VARSIZE_ANY_EXHDR(bkey)) == 0))
	{
		dedupe_compare_block(&scan->pass, scan->recs, scan->n, scan->block_cxt);
		MemoryContextReset(scan->block_cxt);
		scan->n = 0;
	}
	/* the table is only read in this transaction: a bug */
	if (scan->n >= cfg->max_block_size)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg_internal("dedupe: block larger than its counted size")));
	/* keep the record: its row copied into the block's memory once, the values read in place there */
	MemoryContextSwitchTo(scan->block_cxt);
	heap_deform_tuple(ExecCopySlotHeapTuple(slot), ((BlockReceiver *) self)->tupdesc, scan->datums, scan->nulls);
	rec = &scan->recs[scan->n++];
	rec->key = DatumGetInt64(scan->datums[0]);
	rec->rule = scan->pass.rule;
	dedupe_read_side(cfg, scan->datums, scan->nulls, 1, rec->values);
	dedupe_fill_tf(cfg, scan->tf, rec->values);
	/* the keys of this rule and the earlier ones: no later one is read */
	for (int k = 0; k < scan->nchosen && scan->chosen[k] <= scan->pass.rule; k++)
	{
		int			col = 1 + 3 * cfg->nfields + k;

		rec->bkey[scan->chosen[k]] = scan->nulls[col] ? NULL : TextDatumGetCString(scan->datums[col]);
	}
	MemoryContextSwitchTo(scan->scan_cxt);
	if ((++scan->rows & 4095) == 0)
	{
		int64		done;

		CHECK_FOR_INTERRUPTS();
		done = pairs_compared(scan);
		if (done >= scan->next_notice)
		{
			ereport(NOTICE, (errmsg("dedupe \"%s\": %s " INT64_FORMAT " of about " INT64_FORMAT " pairs",
									cfg->name, scan->what, done, scan->expected)));
			scan->next_notice = done + 1000000;
		}
	}
	MemoryContextSwitchTo(old);
	return true;
}

/*
 * Compare all pairs within the blocks of every rule: the records of valid
 * blocks come sorted by blocking key, a block at a time is held in memory
 * (at most max_block_size records).  sample_per_65536 > 0 keeps only that
 * share of the blocks (by a hash of the key).  Returns the pairs compared.
 *
 * Each rule's statement runs to completion, handing its rows to the scan
 * as they come (not through a cursor, which never runs in parallel): the
 * join and sort of the wide feature rows, most of a scan's time, may then
 * run in parallel workers.  The callback runs while the statement does: it
 * must run no statement of its own (nor write anything, in parallel mode),
 * so a callback that writes keeps its rows until the scan is over
 * (dedupe_store_defer_writes).
 */
int64
dedupe_scan_blocks(DedupeConfig *cfg, const char *schema, int sample_per_65536,
			DedupePairCallback callback, void *state, int64 *compared, int64 expected, const char *what)
{
	BlockScan	scan;
	BlockReceiver receiver;
	StringInfoData sql;
	int64		done;

	memset(&scan, 0, sizeof(scan));
	scan.pass.cfg = cfg;
	scan.pass.callback = callback;
	scan.pass.state = state;
	scan.scan_cxt = CurrentMemoryContext;
	scan.block_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe block", ALLOCSET_DEFAULT_SIZES);
	scan.recs = palloc(sizeof(DedupeBlockRecord) * cfg->max_block_size);
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			scan.chosen[scan.nchosen++] = r;
	scan.datums = palloc(sizeof(Datum) * (1 + 3 * cfg->nfields + scan.nchosen));
	scan.nulls = palloc(sizeof(bool) * (1 + 3 * cfg->nfields + scan.nchosen));
	scan.next_notice = 1000000;
	scan.expected = expected;
	scan.what = what;
	dedupe_load_oversized(&scan.pass, schema);
	scan.tf = dedupe_load_tf(cfg, schema);
	memset(&receiver, 0, sizeof(receiver));
	contacts_dest_init(&receiver.pub, DestTuplestore, block_receive, block_startup, NULL);
	receiver.scan = &scan;
	initStringInfo(&sql);
	for (int c = 0; c < scan.nchosen; c++)
	{
		int			r = scan.chosen[c];
		const char *rule = cfg->rules[r].column;
		SPIPlanPtr	plan;

		scan.pass.rule = r;
		scan.bcol = 1 + 3 * cfg->nfields + c;
		scan.n = 0;
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT f.key");
		dedupe_side_select(cfg, "f", false, &sql);
		for (int k = 0; k < scan.nchosen; k++)
			appendStringInfo(&sql, ", f.%s", cfg->rules[scan.chosen[k]].column);
		appendStringInfo(&sql, " FROM %s.%s f", schema, quote_identifier(cfg->features_table));
		appendStringInfo(&sql, " WHERE f.%s IN (SELECT k FROM %s.%s WHERE field = %d AND n <= %d",
						 rule, schema, quote_identifier(psprintf("%s_counts", cfg->features_table)),
						 100 + r, cfg->max_block_size);
		/* a sample of the blocks, by a hash of their keys */
		if (sample_per_65536 > 0)
			appendStringInfo(&sql, " AND (hashtext(k) & 65535) < %d", sample_per_65536);
		appendStringInfo(&sql, ") ORDER BY f.%s COLLATE \"C\"", rule);
		plan = contacts_spi_prepare(sql.data, 0, NULL, CURSOR_OPT_PARALLEL_OK, false);
		contacts_spi_execute_to(plan, false, &receiver.pub);
		SPI_freeplan(plan);
		if (scan.n > 0)
			dedupe_compare_block(&scan.pass, scan.recs, scan.n, scan.block_cxt);
		MemoryContextReset(scan.block_cxt);
	}
	MemoryContextDelete(scan.block_cxt);
	hash_destroy(scan.tf);
	done = pairs_compared(&scan);
	if (compared)
		memcpy(compared, scan.pass.compared, sizeof(int64) * cfg->nrules);
	return done;
}
