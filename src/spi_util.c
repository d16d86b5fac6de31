/*
 * spi_util.c
 *		Checked SPI calls and typed getters; see spi_util.h.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "spi_util.h"

char *
contacts_quoted_relation(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

static void
spi_failed(const char *call, int rc, const char *sql)
{
	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg_internal("%s failed: %s", call, SPI_result_code_string(rc)),
			 sql ? errdetail_internal("Statement: %s", sql) : 0));
}

static uint64
spi_check(const char *call, int rc, int expected, const char *sql)
{
	if (expected == CONTACTS_SPI_OK_ANY ? rc < 0 : rc != expected)
		spi_failed(call, rc, sql);
	return SPI_processed;
}

void
contacts_spi_connect(void)
{
	int			rc = SPI_connect();

	if (rc != SPI_OK_CONNECT)
		spi_failed("SPI_connect", rc, NULL);
}

void
contacts_spi_finish(void)
{
	int			rc = SPI_finish();

	if (rc != SPI_OK_FINISH)
		spi_failed("SPI_finish", rc, NULL);
}

uint64
contacts_spi_execute(const char *sql, bool read_only, long tcount, int expected)
{
	return spi_check("SPI_execute", SPI_execute(sql, read_only, tcount), expected, sql);
}

uint64
contacts_spi_execute_args(const char *sql, int nargs, const Oid *argtypes, const Datum *values,
						  const char *nulls, bool read_only, long tcount, int expected)
{
	return spi_check("SPI_execute_with_args",
					 SPI_execute_with_args(sql, nargs, (Oid *) argtypes, (Datum *) values, nulls,
										   read_only, tcount),
					 expected, sql);
}

uint64
contacts_spi_execute_plan(SPIPlanPtr plan, const Datum *values, const char *nulls,
						  bool read_only, long tcount, int expected)
{
	return spi_check("SPI_execute_plan",
					 SPI_execute_plan(plan, (Datum *) values, nulls, read_only, tcount),
					 expected, NULL);
}

static void
dest_nothing(DestReceiver *self)
{
}

static void
dest_startup_nothing(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

void
contacts_dest_init(DestReceiver *dest, CommandDest kind,
				   bool (*receive) (TupleTableSlot *slot, DestReceiver *self),
				   void (*startup) (DestReceiver *self, int operation, TupleDesc typeinfo),
				   void (*shutdown) (DestReceiver *self))
{
	dest->receiveSlot = receive;
	dest->rStartup = startup ? startup : dest_startup_nothing;
	dest->rShutdown = shutdown ? shutdown : dest_nothing;
	dest->rDestroy = dest_nothing;
	/* any but DestNone, which SPI reads as "no rows wanted" */
	dest->mydest = kind;
}

void
contacts_spi_execute_to(SPIPlanPtr plan, bool read_only, DestReceiver *dest)
{
	SPIExecuteOptions options;
	int			rc;

	memset(&options, 0, sizeof(options));
	options.read_only = read_only;
	options.dest = dest;
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc != SPI_OK_SELECT)
		spi_failed("SPI_execute_plan_extended", rc, NULL);
}

/* a DestReceiver that inserts the rows into a table, as CREATE TABLE AS does */
typedef struct InsertReceiver
{
	DestReceiver pub;
	Relation	rel;
	CommandId	cid;
	BulkInsertState bistate;
	uint64		rows;
} InsertReceiver;

static void
insert_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	InsertReceiver *r = (InsertReceiver *) self;
	TupleDesc	reldesc = RelationGetDescr(r->rel);

	/* a mismatch is a bug of the statement's builder: never write it */
	if (typeinfo->natts != reldesc->natts)
		elog(ERROR, "statement yields %d columns for the %d of \"%s\"", typeinfo->natts,
			 reldesc->natts, RelationGetRelationName(r->rel));
	for (int i = 0; i < reldesc->natts; i++)
		if (TupleDescAttr(typeinfo, i)->atttypid != TupleDescAttr(reldesc, i)->atttypid)
			elog(ERROR, "column %d of the statement has type %u, not the %u of \"%s\"", i + 1,
				 TupleDescAttr(typeinfo, i)->atttypid, TupleDescAttr(reldesc, i)->atttypid,
				 RelationGetRelationName(r->rel));
	/* taken here, before the executor enters parallel mode */
	r->cid = GetCurrentCommandId(true);
	r->bistate = GetBulkInsertState();
}

static bool
insert_receive(TupleTableSlot *slot, DestReceiver *self)
{
	InsertReceiver *r = (InsertReceiver *) self;

	table_tuple_insert(r->rel, slot, r->cid, TABLE_INSERT_SKIP_FSM, r->bistate);
	r->rows++;
	return true;
}

static void
insert_shutdown(DestReceiver *self)
{
	InsertReceiver *r = (InsertReceiver *) self;

	if (r->bistate)
	{
		FreeBulkInsertState(r->bistate);
		table_finish_bulk_insert(r->rel, TABLE_INSERT_SKIP_FSM);
		r->bistate = NULL;
	}
}


uint64
contacts_spi_execute_into_table(SPIPlanPtr plan, Oid relid)
{
	InsertReceiver r;

	memset(&r, 0, sizeof(r));
	contacts_dest_init(&r.pub, DestIntoRel, insert_receive, insert_startup, insert_shutdown);
	r.rel = table_open(relid, RowExclusiveLock);
	/*
	 * Nothing but the heap is written: no index, trigger or constraint is
	 * there to be checked or kept.  The workers of the statement never write
	 * (and the table, this transaction's own, is not theirs to read), so
	 * this backend alone extends it, as in CREATE TABLE AS.
	 */
	if (r.rel->rd_createSubid == InvalidSubTransactionId || r.rel->rd_rel->relhasindex ||
		r.rel->rd_rel->relhastriggers || RelationGetDescr(r.rel)->constr != NULL)
		elog(ERROR, "\"%s\" is not a bare table of this transaction: insert through SQL",
			 RelationGetRelationName(r.rel));
	contacts_spi_execute_to(plan, false, &r.pub);
	table_close(r.rel, NoLock);
	return r.rows;
}

SPIPlanPtr
contacts_spi_prepare(const char *sql, int nargs, const Oid *argtypes, int cursor_options,
					 bool keep)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, (Oid *) argtypes, cursor_options);
	int			rc;

	if (plan == NULL)
		spi_failed("SPI_prepare", SPI_result, sql);
	if (keep && (rc = SPI_keepplan(plan)) != 0)
		spi_failed("SPI_keepplan", rc, sql);
	return plan;
}

Datum
contacts_spi_datum(SPITupleTable *tt, uint64 row, int col, bool *isnull)
{
	Assert(row < tt->numvals);
	return SPI_getbinval(tt->vals[row], tt->tupdesc, col, isnull);
}

char *
contacts_spi_text(SPITupleTable *tt, uint64 row, int col)
{
	Assert(row < tt->numvals);
	return SPI_getvalue(tt->vals[row], tt->tupdesc, col);
}

bool
contacts_spi_bool(SPITupleTable *tt, uint64 row, int col)
{
	bool		isnull;
	Datum		d = contacts_spi_datum(tt, row, col, &isnull);

	return !isnull && DatumGetBool(d);
}

int32
contacts_spi_int4(SPITupleTable *tt, uint64 row, int col)
{
	bool		isnull;
	Datum		d = contacts_spi_datum(tt, row, col, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

int64
contacts_spi_int8(SPITupleTable *tt, uint64 row, int col)
{
	bool		isnull;
	Datum		d = contacts_spi_datum(tt, row, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

Oid
contacts_spi_oid(SPITupleTable *tt, uint64 row, int col)
{
	bool		isnull;
	Datum		d = contacts_spi_datum(tt, row, col, &isnull);

	return isnull ? InvalidOid : DatumGetObjectId(d);
}

double
contacts_spi_float8(SPITupleTable *tt, uint64 row, int col, double dflt)
{
	bool		isnull;
	Datum		d = contacts_spi_datum(tt, row, col, &isnull);

	return isnull ? dflt : DatumGetFloat8(d);
}
