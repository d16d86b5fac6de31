/*
 * dedupe_distributed.c
 *		The scoring pass of dedupe_run on a hash-distributed Citus table,
 *		run on the workers.
 *
 * A block's records share a blocking key but not a shard, so they are
 * brought together first: one INSERT ... SELECT reads from the run's
 * features table, on the coordinator, the records of every block the scan
 * would compare (as its statements do, with their term frequencies), one
 * row per record and rule, and Citus copies each row to the shard of its
 * bucket (hashtext(key) & 1023) of a scratch table distributed by bucket.
 * Keying the rows again in the table's shards and repartitioning them
 * worker to worker was tried first: the features computed twice and every
 * record moved once per rule, singletons too, made a 1M-row run four times
 * slower; and Citus cannot repartition a table this transaction wrote.
 *
 * Then the aggregate contacts.dedupe_score_blocks(), grouped by bucket,
 * which Citus runs in the shards (the group is the distribution column):
 * per bucket it sorts its records by rule and key, compares every pair of
 * each block (dedupe_compare_block, as the coordinator's scan does) and
 * scores it under the model shipped in its first argument.  It returns, as
 * bytea, the pairs compared per rule, the histogram of their weights and
 * the pairs the run keeps (at or above the lowest threshold the report
 * counts clusters at, and the strongest few below the run's threshold,
 * for its samples).  The coordinator reads one row per bucket and stores
 * those pairs as it stores its own (dedupe_store_scored).
 *
 * Everything here is one transaction with the run, and the scratch table
 * is dropped before it ends.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "citus.h"
#include "dedupe.h"
#include "guc.h"
#include "privileges.h"
#include "spi_util.h"

/* the buckets blocks are spread over: some per shard, a few hundred records each at 1M rows */
#define BUCKETS 1024

/* the first int32 of a pass: its layout's version */
#define PASS_FORMAT 0x43545031	/* "CTP1" */

/* pairs kept below the run's threshold per bucket, for the report's samples */
#define BELOW_KEPT 5

/* columns of the scratch table before the fields: rule, bucket, key */
#define LEADING_COLUMNS 3

bool
dedupe_distributed(const DedupeConfig *cfg)
{
	return contacts_dedupe_on_workers && contacts_citus_coordinator() &&
		contacts_citus_distribution_column(cfg->relid) != NULL;
}

static char *
blocks_table(const DedupeConfig *cfg)
{
	return psprintf("%s.%s", cfg->schema, quote_identifier(psprintf("dedupe_blocks_%u", cfg->relid)));
}

/*
 * Create the scratch table as the extension's owner (only it may create in
 * the extension's schema, on every node), distribute it, and hand it to
 * the table's owner, who fills and reads it.  No other transaction ever
 * sees it: the run drops it before it ends.
 */
static void
create_scratch_table(const DedupeConfig *cfg, Oid owner)
{
	ContactsRoleSwitch sw;
	StringInfoData sql;
	const char *blocks = blocks_table(cfg);

	contacts_switch_to(contacts_extension_owner(), &sw);
	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE UNLOGGED TABLE %s (rule integer, bucket integer, key bigint", blocks);
	for (int f = 0; f < cfg->nfields; f++)
		appendStringInfo(&sql, ", v%d text, k%d text, t%d bigint", f + 1, f + 1, f + 1);
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			appendStringInfo(&sql, ", %s text", cfg->rules[r].column);
	appendStringInfoChar(&sql, ')');
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "SELECT pg_catalog.create_distributed_table(%s, 'bucket', colocate_with => 'none')",
					 quote_literal_cstr(blocks));
	contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	if (owner != contacts_extension_owner())
	{
		resetStringInfo(&sql);
		appendStringInfo(&sql, "ALTER TABLE %s OWNER TO %s", blocks,
						 quote_identifier(GetUserNameFromId(owner, false)));
		contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	}
	contacts_switch_back(&sw);
}

void
dedupe_distribute_blocks(DedupeConfig *cfg)
{
	Oid			owner = dedupe_table_owner(cfg->relid);
	ContactsRoleSwitch sw;
	StringInfoData sql;
	StringInfoData rules;
	const char *counts = psprintf("%s.%s", cfg->schema,
								  quote_identifier(psprintf("%s_counts", cfg->features_table)));

	create_scratch_table(cfg, owner);

	/*
	 * One statement: a row per record and chosen rule whose block the scan
	 * would compare (a key of 2 to max_block_size records), with the term
	 * frequencies of its values as the scan's fill_tf takes them (an
	 * e-mail's domain where it has an @, any other key not empty).  One
	 * join per counted column, whatever the rules: a statement per rule
	 * built each join's hash table again, and took twice as long.
	 */
	initStringInfo(&sql);
	initStringInfo(&rules);
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			appendStringInfo(&rules, "%s(%d, f.%s)", rules.len > 0 ? ", " : "", r, cfg->rules[r].column);
	appendStringInfo(&sql, "INSERT INTO %s SELECT x.rule, pg_catalog.hashtext(x.bkey) & %d, f.key",
					 blocks_table(cfg), BUCKETS - 1);
	for (int f = 0; f < cfg->nfields; f++)
		appendStringInfo(&sql, ", f.v%d, f.k%d, %s", f + 1, f + 1,
						 ct_field_kind_tf(cfg->model.field[f].kind) ? psprintf("t%d.n", f + 1) : "NULL::bigint");
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			appendStringInfo(&sql, ", f.%s", cfg->rules[r].column);
	appendStringInfo(&sql, " FROM %s.%s f CROSS JOIN LATERAL (VALUES %s) x(rule, bkey)"
					 " JOIN %s c ON c.field = 100 + x.rule AND c.k = x.bkey AND c.n <= %d",
					 cfg->schema, quote_identifier(cfg->features_table), rules.data, counts,
					 cfg->max_block_size);
	for (int f = 0; f < cfg->nfields; f++)
		if (ct_field_kind_tf(cfg->model.field[f].kind))
			appendStringInfo(&sql, " LEFT JOIN %s t%d ON t%d.field = %d AND t%d.k = %s AND %s",
							 counts, f + 1, f + 1, f + 1, f + 1, dedupe_tf_key(cfg, f, "f"),
							 cfg->model.field[f].kind == CT_FIELD_EMAIL ?
							 psprintf("strpos(f.k%d, '@') > 0", f + 1) : psprintf("f.k%d <> ''", f + 1));
	contacts_switch_to(owner, &sw);
	contacts_spi_execute(sql.data, false, 0, SPI_OK_INSERT);
	contacts_switch_back(&sw);
}

/* What the workers need of the run, as the aggregate's first argument. */
static bytea *
pass_send(const DedupeConfig *cfg, const DedupeBlockPass *pass, double lowest_kept)
{
	StringInfoData buf;
	const CtMatchModel *model = &cfg->model;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, PASS_FORMAT);
	pq_sendint32(&buf, model->nfields);
	for (int f = 0; f < model->nfields; f++)
	{
		const CtFieldModel *fm = &model->field[f];

		pq_sendint32(&buf, fm->kind);
		pq_sendint32(&buf, fm->nlevels);
		pq_sendbyte(&buf, fm->fixed);
		pq_sendfloat8(&buf, fm->tf_reference);
		for (int l = 0; l < CT_MAX_LEVELS; l++)
		{
			pq_sendfloat8(&buf, fm->m[l]);
			pq_sendfloat8(&buf, fm->u[l]);
			pq_sendfloat8(&buf, fm->u_floor[l]);
			pq_sendfloat8(&buf, fm->weight[l]);
		}
	}
	pq_sendfloat8(&buf, model->lambda);
	pq_sendfloat8(&buf, model->tf_max_adjustment);
	pq_sendint64(&buf, cfg->records);
	pq_sendint32(&buf, cfg->max_block_size);
	pq_sendfloat8(&buf, cfg->threshold);
	pq_sendfloat8(&buf, lowest_kept);
	pq_sendint32(&buf, cfg->nrules);
	for (int r = 0; r < cfg->nrules; r++)
	{
		pq_sendbyte(&buf, cfg->rules[r].chosen);
		pq_sendint32(&buf, pass->noversized[r]);
		for (int i = 0; i < pass->noversized[r]; i++)
		{
			/* bytes as they are: both ends are the same database */
			int			len = strlen(pass->oversized[r][i]);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, pass->oversized[r][i], len);
		}
	}
	return pq_endtypsend(&buf);
}

/* One bucket's records and the run's pass, in the aggregate's memory. */
typedef struct BucketState
{
	DedupeConfig *cfg;
	DedupeBlockPass pass;
	double		lowest_kept;
	HeapTupleHeader *rows;
	int			nrows;
	int			cap;
	Oid			rowtype;
	int32		rowtypmod;
} BucketState;

static void
bad_pass(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid dedupe pass: %s", what),
			 errhint("dedupe_score_blocks() is called by dedupe_run(), with the pass it builds.")));
}

/* The next n bytes of a pass, or an error of the caller's if it has fewer. */
static void
need(StringInfo buf, int n)
{
	if (buf->len - buf->cursor < n)
		bad_pass("truncated");
}

static int
get_int32(StringInfo buf)
{
	need(buf, 4);
	return (int) pq_getmsgint(buf, 4);
}

static double
get_float8(StringInfo buf)
{
	need(buf, 8);
	return pq_getmsgfloat8(buf);
}

static bool
get_bool(StringInfo buf)
{
	need(buf, 1);
	return pq_getmsgbyte(buf) != 0;
}

/* The pass made by pass_send, checked: the aggregate is callable by anyone. */
static void
pass_recv(bytea *data, BucketState *bs)
{
	StringInfoData buf;
	DedupeConfig *cfg = palloc0(sizeof(DedupeConfig));
	CtMatchModel *model = &cfg->model;

	buf.data = VARDATA_ANY(data);
	buf.len = VARSIZE_ANY_EXHDR(data);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if (get_int32(&buf) != PASS_FORMAT)
		bad_pass("not made by this version of contacts");
	model->nfields = get_int32(&buf);
	if (model->nfields < 1 || model->nfields > CT_MAX_FIELDS)
		bad_pass("field count out of range");
	for (int f = 0; f < model->nfields; f++)
	{
		CtFieldModel *fm = &model->field[f];
		int			kind = get_int32(&buf);

		if (kind < 0 || kind >= CT_FIELD_KIND_COUNT)
			bad_pass("unknown field kind");
		fm->kind = (CtFieldKind) kind;
		fm->nlevels = get_int32(&buf);
		if (fm->nlevels < 1 || fm->nlevels > CT_MAX_LEVELS)
			bad_pass("level count out of range");
		fm->fixed = get_bool(&buf);
		fm->tf_reference = get_float8(&buf);
		for (int l = 0; l < CT_MAX_LEVELS; l++)
		{
			fm->m[l] = get_float8(&buf);
			fm->u[l] = get_float8(&buf);
			fm->u_floor[l] = get_float8(&buf);
			fm->weight[l] = get_float8(&buf);
		}
	}
	model->lambda = get_float8(&buf);
	model->tf_max_adjustment = get_float8(&buf);
	cfg->nfields = model->nfields;
	need(&buf, 8);
	cfg->records = pq_getmsgint64(&buf);
	cfg->max_block_size = get_int32(&buf);
	cfg->threshold = get_float8(&buf);
	bs->lowest_kept = get_float8(&buf);
	cfg->nrules = get_int32(&buf);
	if (cfg->records < 1 || cfg->max_block_size < 2 || cfg->nrules < 0 || cfg->nrules > DEDUPE_MAX_RULES)
		bad_pass("run settings out of range");
	bs->pass.cfg = cfg;
	for (int r = 0; r < cfg->nrules; r++)
	{
		int			n;

		cfg->rules[r].chosen = get_bool(&buf);
		n = get_int32(&buf);
		if (n < 0 || n > buf.len - buf.cursor)
			bad_pass("oversized block count out of range");
		bs->pass.oversized[r] = palloc(sizeof(char *) * Max(n, 1));
		bs->pass.noversized[r] = n;
		for (int i = 0; i < n; i++)
		{
			int			len = get_int32(&buf);

			if (len < 0 || len > buf.len - buf.cursor)
				bad_pass("key length out of range");
			bs->pass.oversized[r][i] = pnstrdup(pq_getmsgbytes(&buf, len), len);
		}
	}
	if (buf.cursor != buf.len)
		bad_pass("trailing bytes");
	dedupe_sort_oversized(&bs->pass);
	bs->cfg = cfg;
}

PG_FUNCTION_INFO_V1(contacts_dedupe_block_add);

Datum
contacts_dedupe_block_add(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	BucketState *bs;
	HeapTupleHeader row;
	uint32		len;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "dedupe_block_add called in non-aggregate context");
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(0))
	{
		if (PG_ARGISNULL(1))
			bad_pass("NULL");
		bs = palloc0(sizeof(BucketState));
		pass_recv(PG_GETARG_BYTEA_PP(1), bs);
		bs->cap = 64;
		bs->rows = palloc(sizeof(HeapTupleHeader) * bs->cap);
	}
	else
		bs = (BucketState *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(2))
	{
		row = PG_GETARG_HEAPTUPLEHEADER(2);
		if (bs->nrows == 0)
		{
			bs->rowtype = HeapTupleHeaderGetTypeId(row);
			bs->rowtypmod = HeapTupleHeaderGetTypMod(row);
		}
		else if (HeapTupleHeaderGetTypeId(row) != bs->rowtype || HeapTupleHeaderGetTypMod(row) != bs->rowtypmod)
			bad_pass("rows of different types");
		if (bs->nrows == bs->cap)
		{
			bs->cap *= 2;
			bs->rows = repalloc_huge(bs->rows, sizeof(HeapTupleHeader) * bs->cap);
		}
		len = HeapTupleHeaderGetDatumLength(row);
		bs->rows[bs->nrows] = palloc(len);
		memcpy(bs->rows[bs->nrows], row, len);
		bs->nrows++;
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(bs);
}

/* What the final function keeps of the pairs it scores. */
typedef struct BucketResult
{
	BucketState *bs;
	int64		hist[DEDUPE_WEIGHT_BINS];
	StringInfoData kept;		/* the pairs returned, as sent */
	int			nkept;
	/* the strongest pairs below the threshold and the lowest kept */
	struct
	{
		int			rule;
		int64		a;
		int64		b;
		double		total;
		uint8		gamma[CT_MAX_FIELDS];
		double		weights[CT_MAX_FIELDS];
	}			below[BELOW_KEPT];
	int			nbelow;
} BucketResult;

static void
send_pair(BucketResult *res, int rule, int64 a, int64 b, double total, const uint8 *gamma,
		  const double *weights)
{
	pq_sendint32(&res->kept, rule);
	pq_sendint64(&res->kept, a);
	pq_sendint64(&res->kept, b);
	pq_sendfloat8(&res->kept, total);
	for (int f = 0; f < res->bs->cfg->nfields; f++)
	{
		pq_sendbyte(&res->kept, gamma[f]);
		pq_sendfloat8(&res->kept, weights[f]);
	}
	res->nkept++;
}

/* A DedupePairCallback: score the pair; keep it when the run would. */
static void
score_pair(void *state, int rule, int64 a, int64 b, const uint8 *gamma,
		   const CtFieldValue *x, const CtFieldValue *y)
{
	BucketResult *res = (BucketResult *) state;
	const DedupeConfig *cfg = res->bs->cfg;
	double		weights[CT_MAX_FIELDS];
	double		total = ct_score(&cfg->model, gamma, x, y, weights);
	double		p = ct_probability(total);
	int			weakest = 0;

	res->hist[dedupe_weight_bin(total)]++;
	if (p >= res->bs->lowest_kept)
	{
		send_pair(res, rule, a, b, total, gamma, weights);
		return;
	}
	/* below the lowest kept: one of the strongest few, for the samples */
	if (res->nbelow == BELOW_KEPT)
	{
		for (int i = 1; i < BELOW_KEPT; i++)
			if (res->below[i].total < res->below[weakest].total)
				weakest = i;
		if (total <= res->below[weakest].total)
			return;
	}
	else
		weakest = res->nbelow++;
	res->below[weakest].rule = rule;
	res->below[weakest].a = a;
	res->below[weakest].b = b;
	res->below[weakest].total = total;
	memcpy(res->below[weakest].gamma, gamma, cfg->nfields);
	memcpy(res->below[weakest].weights, weights, sizeof(double) * cfg->nfields);
}

static int
by_rule_and_key(const void *x, const void *y)
{
	const DedupeBlockRecord *a = *(DedupeBlockRecord *const *) x;
	const DedupeBlockRecord *b = *(DedupeBlockRecord *const *) y;
	int			ra = (int) a->rule;
	int			rb = (int) b->rule;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return strcmp(a->bkey[ra], b->bkey[rb]);
}

/* The column types a pass's rows must have: rule, bucket, key, (v, k, t) per field, the keys. */
static void
check_row_type(TupleDesc desc, const DedupeConfig *cfg, int nchosen)
{
	int			natts = LEADING_COLUMNS + 3 * cfg->nfields + nchosen;

	if (desc->natts != natts)
		bad_pass("rows of another shape");
	for (int i = 0; i < natts; i++)
	{
		Oid			want;
		int			field_col = (i - LEADING_COLUMNS) % 3;

		if (i < 2)
			want = INT4OID;
		else if (i == 2)
			want = INT8OID;
		else if (i < LEADING_COLUMNS + 3 * cfg->nfields)
			want = field_col == 2 ? INT8OID : TEXTOID;
		else
			want = TEXTOID;
		if (TupleDescAttr(desc, i)->attisdropped || TupleDescAttr(desc, i)->atttypid != want)
			bad_pass("rows of another shape");
	}
}

PG_FUNCTION_INFO_V1(contacts_dedupe_block_score);

Datum
contacts_dedupe_block_score(PG_FUNCTION_ARGS)
{
	BucketState *bs;
	DedupeConfig *cfg;
	TupleDesc	desc;
	DedupeBlockRecord *recs;
	DedupeBlockRecord **order;
	DedupeBlockRecord *block;
	int			nrecs = 0;
	int			chosen[DEDUPE_MAX_RULES];
	int			nchosen = 0;
	Datum	   *datums;
	bool	   *nulls;
	BucketResult *res;
	MemoryContext block_cxt;
	StringInfoData out;
	int			nbins = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	bs = (BucketState *) PG_GETARG_POINTER(0);
	cfg = bs->cfg;
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			chosen[nchosen++] = r;
	res = palloc0(sizeof(BucketResult));
	res->bs = bs;
	pq_begintypsend(&res->kept);
	recs = palloc_extended(sizeof(DedupeBlockRecord) * Max(bs->nrows, 1), MCXT_ALLOC_HUGE);
	if (bs->nrows > 0)
	{
		desc = lookup_rowtype_tupdesc(bs->rowtype, bs->rowtypmod);
		check_row_type(desc, cfg, nchosen);
		datums = palloc(sizeof(Datum) * desc->natts);
		nulls = palloc(sizeof(bool) * desc->natts);
		for (int i = 0; i < bs->nrows; i++)
		{
			HeapTupleData tuple;
			DedupeBlockRecord *rec = &recs[nrecs];
			int			rule;

			tuple.t_len = HeapTupleHeaderGetDatumLength(bs->rows[i]);
			ItemPointerSetInvalid(&tuple.t_self);
			tuple.t_tableOid = InvalidOid;
			tuple.t_data = bs->rows[i];
			heap_deform_tuple(&tuple, desc, datums, nulls);
			if (nulls[0] || nulls[2])
				bad_pass("a row without its rule or key");
			rule = DatumGetInt32(datums[0]);
			if (rule < 0 || rule >= cfg->nrules || !cfg->rules[rule].chosen)
				bad_pass("a row of a rule not chosen");
			rec->key = DatumGetInt64(datums[2]);
			rec->rule = rule;
			dedupe_read_side(cfg, datums, nulls, LEADING_COLUMNS, rec->values);
			memset(rec->bkey, 0, sizeof(rec->bkey));
			for (int k = 0; k < nchosen; k++)
			{
				int			col = LEADING_COLUMNS + 3 * cfg->nfields + k;

				rec->bkey[chosen[k]] = nulls[col] ? NULL : TextDatumGetCString(datums[col]);
			}
			/* a record is in a block of its rule only with a key of it */
			if (rec->bkey[rule] != NULL)
				nrecs++;
			if ((i & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
		}
		ReleaseTupleDesc(desc);
	}
	/* sorted by pointer: a record is some hundreds of bytes */
	order = palloc_extended(sizeof(DedupeBlockRecord *) * Max(nrecs, 1), MCXT_ALLOC_HUGE);
	for (int i = 0; i < nrecs; i++)
		order[i] = &recs[i];
	qsort(order, nrecs, sizeof(DedupeBlockRecord *), by_rule_and_key);

	/* every block of the bucket, gathered, as the coordinator's scan compares them */
	bs->pass.callback = score_pair;
	bs->pass.state = res;
	block = palloc(sizeof(DedupeBlockRecord) * cfg->max_block_size);
	block_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe block", ALLOCSET_DEFAULT_SIZES);
	for (int start = 0, end; start < nrecs; start = end)
	{
		int			rule = order[start]->rule;

		for (end = start + 1; end < nrecs && order[end]->rule == rule &&
			 strcmp(order[end]->bkey[rule], order[start]->bkey[rule]) == 0; end++)
			;
		if (end - start < 2 || end - start > cfg->max_block_size)
			continue;
		for (int i = start; i < end; i++)
			block[i - start] = *order[i];
		bs->pass.rule = rule;
		dedupe_compare_block(&bs->pass, block, end - start, block_cxt);
		MemoryContextReset(block_cxt);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextDelete(block_cxt);
	for (int i = 0; i < res->nbelow; i++)
		send_pair(res, res->below[i].rule, res->below[i].a, res->below[i].b, res->below[i].total,
				  res->below[i].gamma, res->below[i].weights);

	/* compared per rule, the histogram's bins that are not empty, the pairs */
	pq_begintypsend(&out);
	pq_sendint32(&out, cfg->nrules);
	for (int r = 0; r < cfg->nrules; r++)
		pq_sendint64(&out, bs->pass.compared[r]);
	for (int b = 0; b < DEDUPE_WEIGHT_BINS; b++)
		nbins += res->hist[b] > 0;
	pq_sendint32(&out, nbins);
	for (int b = 0; b < DEDUPE_WEIGHT_BINS; b++)
		if (res->hist[b] > 0)
		{
			pq_sendint32(&out, b);
			pq_sendint64(&out, res->hist[b]);
		}
	pq_sendint32(&out, res->nkept);
	/* the pairs, past the header pq_begintypsend left in kept */
	pq_sendbytes(&out, res->kept.data + VARHDRSZ, res->kept.len - VARHDRSZ);
	PG_RETURN_BYTEA_P(pq_endtypsend(&out));
}

/* One bucket's result, into the store. */
static void
store_bucket(DedupeConfig *cfg, DedupePairStore *st, bytea *data, int64 *compared)
{
	StringInfoData buf;
	int			n;

	buf.data = VARDATA_ANY(data);
	buf.len = VARSIZE_ANY_EXHDR(data);
	buf.maxlen = buf.len;
	buf.cursor = 0;
	if ((int) pq_getmsgint(&buf, 4) != cfg->nrules)
		elog(ERROR, "dedupe: a bucket's result of another run");
	for (int r = 0; r < cfg->nrules; r++)
		compared[r] += pq_getmsgint64(&buf);
	n = pq_getmsgint(&buf, 4);
	for (int i = 0; i < n; i++)
	{
		int			bin = pq_getmsgint(&buf, 4);

		dedupe_store_count_weights(st, bin, pq_getmsgint64(&buf));
	}
	n = pq_getmsgint(&buf, 4);
	for (int i = 0; i < n; i++)
	{
		int			rule = pq_getmsgint(&buf, 4);
		int64		a = pq_getmsgint64(&buf);
		int64		b = pq_getmsgint64(&buf);
		double		total = pq_getmsgfloat8(&buf);
		uint8		gamma[CT_MAX_FIELDS];
		double		weights[CT_MAX_FIELDS];

		for (int f = 0; f < cfg->nfields; f++)
		{
			gamma[f] = pq_getmsgbyte(&buf);
			weights[f] = pq_getmsgfloat8(&buf);
		}
		if (rule < 0 || rule >= cfg->nrules)
			elog(ERROR, "dedupe: a pair of rule %d", rule);
		dedupe_store_scored(st, rule, a, b, gamma, weights, total);
	}
	pq_getmsgend(&buf);
}

int64
dedupe_score_distributed(DedupeConfig *cfg, DedupePairStore *st, int64 *compared)
{
	DedupeBlockPass pass;
	ContactsRoleSwitch sw;
	StringInfoData sql;
	SPITupleTable *buckets;
	uint64		n;
	int64		done = 0;

	memset(&pass, 0, sizeof(pass));
	pass.cfg = cfg;
	dedupe_load_oversized(&pass, cfg->schema);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s.dedupe_score_blocks(%s::bytea, b) FROM %s b GROUP BY b.bucket",
					 cfg->schema,
					 quote_literal_cstr(DatumGetCString(DirectFunctionCall1(byteaout,
																			PointerGetDatum(pass_send(cfg, &pass, dedupe_store_lowest_kept(st)))))),
					 blocks_table(cfg));
	contacts_switch_to(dedupe_table_owner(cfg->relid), &sw);
	n = contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	buckets = SPI_tuptable;
	/* the store writes through SPI: keep its pairs until the buckets are read */
	dedupe_store_defer_writes(st, true);
	memset(compared, 0, sizeof(int64) * cfg->nrules);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(buckets->vals[i], buckets->tupdesc, 1, &isnull);

		if (!isnull)
			store_bucket(cfg, st, DatumGetByteaPP(d), compared);
		CHECK_FOR_INTERRUPTS();
	}
	dedupe_store_defer_writes(st, false);
	SPI_freetuptable(buckets);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "DROP TABLE %s", blocks_table(cfg));
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	contacts_switch_back(&sw);
	for (int r = 0; r < cfg->nrules; r++)
		done += compared[r];
	return done;
}
