/*
 * dedupe_distributed.c
 *		The scoring pass of dedupe_run on a hash-distributed Citus table,
 *		run on the workers.
 *
 * A block's records share a blocking key but not a shard, so they are
 * brought together first, in one pass over the run's features table on
 * the coordinator: each record is packed, with the term frequencies of its
 * values (as the scan fills them), once for each block of it that the run
 * compares (a key of 2 to max_block_size records, found in an in-memory
 * set of those keys), into the buffer of that block's bucket (a hash of
 * its key, 1,024 buckets).  Full buffers, chunks of about 64 kB, are
 * written to a local scratch table, which Citus then copies into one
 * distributed by bucket.  Chunks rather than a row per record: Citus's
 * per-row cost of copying some forty columns to the shards took most of
 * the time.  Keying the rows again in the table's shards and
 * repartitioning them worker to worker was tried first: the features
 * computed twice and every record moved once per rule, singletons too,
 * made a 1M-row run four times slower; and Citus cannot repartition a
 * table this transaction wrote.
 *
 * Then the aggregate contacts.dedupe_score_blocks(), grouped by bucket,
 * which Citus runs in the shards (the group is the distribution column):
 * per bucket it unpacks its chunks, sorts the records by rule and key,
 * compares every pair of each block (dedupe_compare_block, as the
 * coordinator's scan does) and scores it under the model shipped in its
 * first argument.  It returns, as
 * bytea, the pairs compared per rule, the histogram of their weights and
 * the pairs the run keeps (at or above the lowest threshold the report
 * counts clusters at, and the strongest few below the run's threshold,
 * for its samples).  The coordinator reads one row per bucket and stores
 * those pairs as it stores its own (dedupe_store_scored).
 *
 * Everything here is one transaction with the run, and the scratch tables
 * are dropped before it ends.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "citus.h"
#include "dedupe.h"
#include "guc.h"
#include "privileges.h"
#include "spi_util.h"

/* the buckets blocks are spread over: some per shard, a few thousand records each at 1M rows */
#define BUCKETS 1024

/* the first int32 of a pass: its layout's version */
#define PASS_FORMAT 0x43545031	/* "CTP1" */

/* pairs kept below the run's threshold per bucket, for the report's samples */
#define BELOW_KEPT 5

/* a bucket's records are sent in chunks of about this size */
#define CHUNK_BYTES (64 * 1024)

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

static char *
chunks_table(const DedupeConfig *cfg)
{
	return psprintf("%s.%s", cfg->schema, quote_identifier(psprintf("dedupe_chunks_%u", cfg->relid)));
}

/*
 * Create the scratch tables as the extension's owner (only it may create
 * in the extension's schema, on every node): the distributed one, and a
 * local one the chunks are written to first (Citus copies a local table's
 * rows to the shards: 1.7 s for 200k records, where an INSERT of the chunks
 * as array parameters took 12 s).  Chunks are stored uncompressed: they are
 * read once, and compressing took longer than it saved.  They stay the
 * extension owner's: Citus refuses to let another role use a placement
 * that one role created in the same transaction.  No other transaction
 * ever sees them: the run drops them before it ends.
 */
static void
create_scratch_tables(const DedupeConfig *cfg)
{
	const char *tables[2] = {blocks_table(cfg), chunks_table(cfg)};

	for (int i = 0; i < 2; i++)
	{
		contacts_spi_execute(psprintf("CREATE UNLOGGED TABLE %s (bucket integer, chunk bytea)", tables[i]),
							 false, 0, SPI_OK_UTILITY);
		contacts_spi_execute(psprintf("ALTER TABLE %s ALTER COLUMN chunk SET STORAGE EXTERNAL", tables[i]),
							 false, 0, SPI_OK_UTILITY);
	}
	contacts_spi_execute(psprintf("SELECT pg_catalog.create_distributed_table(%s, 'bucket', colocate_with => 'none')",
								  quote_literal_cstr(tables[0])), false, 0, SPI_OK_SELECT);
}

/* The records of the blocks, as they come, packed into their buckets' chunks. */
typedef struct Packer
{
	DestReceiver pub;
	DedupeConfig *cfg;
	HTAB	   *tf;
	HTAB	   *compared;		/* load_compared_blocks() */
	int			chosen[DEDUPE_MAX_RULES];	/* the chosen rules, in order */
	int			nchosen;
	StringInfoData bucket[BUCKETS];
	/* the chunks are written to the local scratch table as they fill */
	Relation	chunks;
	TupleTableSlot *chunk_slot;
	CommandId	cid;
	BulkInsertState bistate;
	MemoryContext cxt;			/* of the buffers */
	MemoryContext row_cxt;		/* reset after each row */
	int64		rows;
	int64		packed;			/* records packed, and their bytes */
	int64		bytes;
} Packer;

static void
pack_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	Packer	   *pk = (Packer *) self;

	/* taken here, before the executor enters parallel mode */
	pk->cid = GetCurrentCommandId(true);
	/* not in the executor's memory: the last chunks are written after it ends */
	if (pk->bistate == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(pk->cxt);

		pk->bistate = GetBulkInsertState();
		MemoryContextSwitchTo(old);
	}
}

/* a length and its bytes; -1 for none */
static void
pack_bytes(StringInfo buf, const char *bytes, int len)
{
	pq_sendint32(buf, bytes ? len : -1);
	if (bytes)
		pq_sendbytes(buf, bytes, len);
}

static void
flush_bucket(Packer *pk, int b)
{
	TupleTableSlot *slot = pk->chunk_slot;
	bytea	   *chunk = palloc(VARHDRSZ + pk->bucket[b].len);

	SET_VARSIZE(chunk, VARHDRSZ + pk->bucket[b].len);
	memcpy(VARDATA(chunk), pk->bucket[b].data, pk->bucket[b].len);
	ExecClearTuple(slot);
	slot->tts_values[0] = Int32GetDatum(b);
	slot->tts_values[1] = PointerGetDatum(chunk);
	slot->tts_isnull[0] = slot->tts_isnull[1] = false;
	ExecStoreVirtualTuple(slot);
	table_tuple_insert(pk->chunks, slot, pk->cid, TABLE_INSERT_SKIP_FSM, pk->bistate);
	ExecClearTuple(slot);
	pfree(chunk);
	pk->bytes += pk->bucket[b].len;
	resetStringInfo(&pk->bucket[b]);
}

/* a rule's blocking key as a 64-bit hash: the keys of the blocks compared */
static uint64
block_key_hash(int rule, const char *key, int len)
{
	return hash_bytes_extended((const unsigned char *) key, len, (uint64) rule);
}

/* the rows of the counts of the compared blocks, into a set */
typedef struct BlockSetReceiver
{
	DestReceiver pub;
	HTAB	   *set;
	int64		rows;
} BlockSetReceiver;

static bool
block_set_receive(TupleTableSlot *slot, DestReceiver *self)
{
	BlockSetReceiver *r = (BlockSetReceiver *) self;
	text	   *key;
	uint64		hash;

	slot_getallattrs(slot);
	key = DatumGetTextPP(slot->tts_values[1]);
	hash = block_key_hash(DatumGetInt32(slot->tts_values[0]), VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key));
	(void) hash_search(r->set, &hash, HASH_ENTER, NULL);
	if ((++r->rows & 4095) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

/*
 * The blocks the run compares, as a set of block_key_hash values: each
 * chosen rule's keys of 2 to max_block_size records.  A hash another key
 * shares only sends that key's records along: the workers count each
 * block's records themselves, and skip one of a single record.
 */
static HTAB *
load_compared_blocks(const DedupeConfig *cfg)
{
	HASHCTL		ctl;
	BlockSetReceiver r;
	SPIPlanPtr	plan;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(uint64);
	ctl.hcxt = CurrentMemoryContext;
	memset(&r, 0, sizeof(r));
	r.set = hash_create("dedupe compared blocks", 65536, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	contacts_dest_init(&r.pub, DestTuplestore, block_set_receive, NULL, NULL);
	plan = contacts_spi_prepare(psprintf("SELECT field - 100, k FROM %s.%s WHERE field >= 100 AND n <= %d",
										 cfg->schema, quote_identifier(psprintf("%s_counts", cfg->features_table)),
										 cfg->max_block_size), 0, NULL, 0, false);
	contacts_spi_execute_to(plan, false, &r.pub);
	SPI_freeplan(plan);
	return r.set;
}

/* one record, into the chunk of the bucket of its key of the c-th chosen rule */
static void
pack_record(Packer *pk, int c, text *const *bkeys, const bool *compared, int64 key,
			const CtFieldValue *values)
{
	const DedupeConfig *cfg = pk->cfg;
	int			rule = pk->chosen[c];
	int			b = (int) (hash_bytes((const unsigned char *) VARDATA_ANY(bkeys[c]), VARSIZE_ANY_EXHDR(bkeys[c])) &
						   (BUCKETS - 1));
	StringInfo	buf = &pk->bucket[b];

	if (buf->data == NULL)
		initStringInfo(buf);
	pk->packed++;
	pq_sendint32(buf, rule);
	pq_sendint64(buf, key);
	for (int f = 0; f < cfg->nfields; f++)
	{
		pack_bytes(buf, values[f].raw, (int) values[f].raw_len);
		pack_bytes(buf, values[f].key_len > 0 ? values[f].key : NULL, (int) values[f].key_len);
		pq_sendfloat8(buf, values[f].tf);
	}
	/*
	 * The keys of this rule and the earlier ones (no later one is read),
	 * those of blocks the run compares only: an earlier rule compared the
	 * pairs of those blocks, and of no other.
	 */
	for (int k = 0; k < pk->nchosen && pk->chosen[k] <= rule; k++)
		if (compared[k])
			pack_bytes(buf, VARDATA_ANY(bkeys[k]), VARSIZE_ANY_EXHDR(bkeys[k]));
		else
			pack_bytes(buf, NULL, 0);
	if (buf->len >= CHUNK_BYTES)
		flush_bucket(pk, b);
}

/*
 * A record (key, (v, k, NULL) per field, the chosen rules' keys): packed
 * as dedupe_block_add unpacks it, once for each block of it that the run
 * compares.
 */
static bool
pack_receive(TupleTableSlot *slot, DestReceiver *self)
{
	Packer	   *pk = (Packer *) self;
	const DedupeConfig *cfg = pk->cfg;
	MemoryContext old = MemoryContextSwitchTo(pk->row_cxt);
	CtFieldValue values[CT_MAX_FIELDS];
	text	   *bkeys[DEDUPE_MAX_RULES];
	bool		compared[DEDUPE_MAX_RULES];
	bool		any = false;

	slot_getallattrs(slot);
	for (int k = 0; k < pk->nchosen; k++)
	{
		int			col = 1 + 3 * cfg->nfields + k;
		uint64		hash;

		compared[k] = false;
		if (slot->tts_isnull[col])
			continue;
		bkeys[k] = DatumGetTextPP(slot->tts_values[col]);
		hash = block_key_hash(pk->chosen[k], VARDATA_ANY(bkeys[k]), VARSIZE_ANY_EXHDR(bkeys[k]));
		compared[k] = hash_search(pk->compared, &hash, HASH_FIND, NULL) != NULL;
		any |= compared[k];
	}
	if (any)
	{
		dedupe_read_side(cfg, slot->tts_values, slot->tts_isnull, 1, values);
		dedupe_fill_tf(cfg, pk->tf, values);
		MemoryContextSwitchTo(pk->cxt);
		for (int k = 0; k < pk->nchosen; k++)
			if (compared[k])
				pack_record(pk, k, bkeys, compared, DatumGetInt64(slot->tts_values[0]), values);
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(pk->row_cxt);
	if ((++pk->rows & 4095) == 0)
		CHECK_FOR_INTERRUPTS();
	return true;
}

char *
dedupe_distribute_blocks(DedupeConfig *cfg)
{
	Oid			owner = dedupe_table_owner(cfg->relid);
	ContactsRoleSwitch sw;
	StringInfoData sql;
	Packer		pk;
	SPIPlanPtr	plan;

	contacts_switch_to(contacts_extension_owner(), &sw);
	create_scratch_tables(cfg);
	contacts_switch_back(&sw);
	memset(&pk, 0, sizeof(pk));
	pk.cfg = cfg;
	pk.cxt = CurrentMemoryContext;
	pk.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe record", ALLOCSET_DEFAULT_SIZES);
	pk.tf = dedupe_load_tf(cfg, cfg->schema);
	pk.compared = load_compared_blocks(cfg);

	/* one pass over the features: a row per record with a key of a chosen rule */
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].chosen)
			pk.chosen[pk.nchosen++] = r;
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT f.key");
	dedupe_side_select(cfg, "f", false, &sql);
	for (int k = 0; k < pk.nchosen; k++)
		appendStringInfo(&sql, ", f.%s", cfg->rules[pk.chosen[k]].column);
	appendStringInfo(&sql, " FROM %s.%s f WHERE false", cfg->schema, quote_identifier(cfg->features_table));
	for (int k = 0; k < pk.nchosen; k++)
		appendStringInfo(&sql, " OR f.%s IS NOT NULL", cfg->rules[pk.chosen[k]].column);
	contacts_dest_init(&pk.pub, DestTuplestore, pack_receive, pack_startup, NULL);

	/*
	 * The features are read as the table's owner, whose they are; the
	 * chunks are written in place, not through SQL.
	 */
	contacts_switch_to(owner, &sw);
	pk.chunks = table_open(get_relname_relid(psprintf("dedupe_chunks_%u", cfg->relid), contacts_extension_schema()),
						   RowExclusiveLock);
	pk.chunk_slot = MakeSingleTupleTableSlot(RelationGetDescr(pk.chunks), &TTSOpsVirtual);
	plan = contacts_spi_prepare(sql.data, 0, NULL, CURSOR_OPT_PARALLEL_OK, false);
	contacts_spi_execute_to(plan, false, &pk.pub);
	SPI_freeplan(plan);
	for (int b = 0; b < BUCKETS; b++)
		if (pk.bucket[b].data != NULL && pk.bucket[b].len > 0)
			flush_bucket(&pk, b);
	if (pk.bistate)
	{
		FreeBulkInsertState(pk.bistate);
		table_finish_bulk_insert(pk.chunks, TABLE_INSERT_SKIP_FSM);
	}
	ExecDropSingleTupleTableSlot(pk.chunk_slot);
	table_close(pk.chunks, NoLock);
	CommandCounterIncrement();
	contacts_switch_back(&sw);
	contacts_switch_to(contacts_extension_owner(), &sw);
	contacts_spi_execute(psprintf("INSERT INTO %s SELECT bucket, chunk FROM %s", blocks_table(cfg), chunks_table(cfg)),
						 false, 0, SPI_OK_INSERT);
	contacts_spi_execute(psprintf("DROP TABLE %s", chunks_table(cfg)), false, 0, SPI_OK_UTILITY);
	contacts_switch_back(&sw);
	hash_destroy(pk.tf);
	hash_destroy(pk.compared);
	MemoryContextDelete(pk.row_cxt);
	return psprintf(INT64_FORMAT " records of the blocks (%.0f MB) brought together on the Citus workers",
					pk.packed, pk.bytes / 1048576.0);
}

/* What the workers need of the run, as the aggregate's first argument. */
static bytea *
pass_send(const DedupeConfig *cfg, double lowest_kept)
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
	pq_sendint32(&buf, cfg->max_block_size);
	pq_sendfloat8(&buf, cfg->threshold);
	pq_sendfloat8(&buf, lowest_kept);
	pq_sendint32(&buf, cfg->nrules);
	for (int r = 0; r < cfg->nrules; r++)
		pq_sendbyte(&buf, cfg->rules[r].chosen);
	return pq_endtypsend(&buf);
}

/* One bucket's chunks and the run's pass, in the aggregate's memory. */
typedef struct BucketState
{
	DedupeConfig *cfg;
	DedupeBlockPass pass;
	double		lowest_kept;
	List	   *chunks;			/* of bytea, detoasted copies */
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
	cfg->max_block_size = get_int32(&buf);
	cfg->threshold = get_float8(&buf);
	bs->lowest_kept = get_float8(&buf);
	cfg->nrules = get_int32(&buf);
	if (cfg->max_block_size < 2 || cfg->nrules < 0 || cfg->nrules > DEDUPE_MAX_RULES)
		bad_pass("run settings out of range");
	/* no oversized block: only keys of compared blocks come (pack_record) */
	bs->pass.cfg = cfg;
	for (int r = 0; r < cfg->nrules; r++)
		cfg->rules[r].chosen = get_bool(&buf);
	if (buf.cursor != buf.len)
		bad_pass("trailing bytes");
	bs->cfg = cfg;
}

PG_FUNCTION_INFO_V1(contacts_dedupe_block_add);

Datum
contacts_dedupe_block_add(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	MemoryContext old;
	BucketState *bs;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "dedupe_block_add called in non-aggregate context");
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(0))
	{
		if (PG_ARGISNULL(1))
			bad_pass("NULL");
		bs = palloc0(sizeof(BucketState));
		pass_recv(PG_GETARG_BYTEA_PP(1), bs);
	}
	else
		bs = (BucketState *) PG_GETARG_POINTER(0);
	if (!PG_ARGISNULL(2))
		bs->chunks = lappend(bs->chunks, PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(2)));
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

/* bytes of a packed record: a length, then as many bytes (NULL for -1) */
static const char *
get_bytes(StringInfo buf, int *len)
{
	*len = get_int32(buf);
	if (*len == -1)
		return NULL;
	if (*len < 0)
		bad_pass("negative length");
	need(buf, *len);
	return pq_getmsgbytes(buf, *len);
}

/*
 * Unpack the records of a chunk (pack_receive's), appending them to
 * *recs; the values point into the chunk.
 */
static void
unpack_chunk(BucketState *bs, bytea *chunk, DedupeBlockRecord **recs, int *n, int *cap)
{
	const DedupeConfig *cfg = bs->cfg;
	StringInfoData buf;

	buf.data = VARDATA(chunk);
	buf.len = VARSIZE(chunk) - VARHDRSZ;
	buf.maxlen = buf.len;
	buf.cursor = 0;
	while (buf.cursor < buf.len)
	{
		DedupeBlockRecord *rec;
		int			rule;

		if (*n == *cap)
		{
			*cap *= 2;
			*recs = repalloc_huge(*recs, sizeof(DedupeBlockRecord) * *cap);
		}
		rec = &(*recs)[*n];
		rule = get_int32(&buf);
		if (rule < 0 || rule >= cfg->nrules || !cfg->rules[rule].chosen)
			bad_pass("a record of a rule not chosen");
		rec->rule = rule;
		need(&buf, 8);
		rec->key = pq_getmsgint64(&buf);
		for (int f = 0; f < cfg->nfields; f++)
		{
			CtFieldValue *v = &rec->values[f];
			int			len;

			v->raw = get_bytes(&buf, &len);
			v->raw_len = v->raw ? len : 0;
			v->key = get_bytes(&buf, &len);
			v->key_len = v->key ? len : 0;
			if (v->key == NULL)
				v->key = "";
			v->tf = get_float8(&buf);
		}
		memset(rec->bkey, 0, sizeof(rec->bkey));
		for (int r = 0; r <= rule; r++)
			if (cfg->rules[r].chosen)
			{
				int			len;
				const char *key = get_bytes(&buf, &len);

				rec->bkey[r] = key ? pnstrdup(key, len) : NULL;
			}
		if (rec->bkey[rule] == NULL)
			bad_pass("a record without its key");
		(*n)++;
	}
}

PG_FUNCTION_INFO_V1(contacts_dedupe_block_score);

Datum
contacts_dedupe_block_score(PG_FUNCTION_ARGS)
{
	BucketState *bs;
	DedupeConfig *cfg;
	DedupeBlockRecord *recs;
	DedupeBlockRecord **order;
	DedupeBlockRecord *block;
	int			nrecs = 0;
	int			cap = 256;
	BucketResult *res;
	MemoryContext block_cxt;
	StringInfoData out;
	int			nbins = 0;
	ListCell   *lc;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	bs = (BucketState *) PG_GETARG_POINTER(0);
	cfg = bs->cfg;
	res = palloc0(sizeof(BucketResult));
	res->bs = bs;
	pq_begintypsend(&res->kept);
	recs = palloc_extended(sizeof(DedupeBlockRecord) * cap, MCXT_ALLOC_HUGE);
	foreach(lc, bs->chunks)
	{
		unpack_chunk(bs, lfirst(lc), &recs, &nrecs, &cap);
		CHECK_FOR_INTERRUPTS();
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
	ContactsRoleSwitch sw;
	StringInfoData sql;
	SPITupleTable *buckets;
	uint64		n;
	int64		done = 0;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s.dedupe_score_blocks(%s::bytea, b.chunk) FROM %s b GROUP BY b.bucket",
					 cfg->schema,
					 quote_literal_cstr(DatumGetCString(DirectFunctionCall1(byteaout,
																			PointerGetDatum(pass_send(cfg, dedupe_store_lowest_kept(st)))))),
					 blocks_table(cfg));
	/* the scratch table is the extension owner's (create_scratch_tables) */
	contacts_switch_to(contacts_extension_owner(), &sw);
	n = contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	buckets = SPI_tuptable;
	memset(compared, 0, sizeof(int64) * cfg->nrules);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(buckets->vals[i], buckets->tupdesc, 1, &isnull);

		if (!isnull)
			store_bucket(cfg, st, DatumGetByteaPP(d), compared);
		CHECK_FOR_INTERRUPTS();
	}
	SPI_freetuptable(buckets);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "DROP TABLE %s", blocks_table(cfg));
	contacts_spi_execute(sql.data, false, 0, SPI_OK_UTILITY);
	contacts_switch_back(&sw);
	for (int r = 0; r < cfg->nrules; r++)
		done += compared[r];
	return done;
}
