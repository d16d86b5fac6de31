/*
 * spi_util.h
 *		Checked SPI calls and typed getters for the SQL the glue runs.
 *
 * Every SPI call of the extension goes through here, so that a failure
 * nobody expected reads the same everywhere: SQLSTATE XX000 (it is a bug,
 * not something a user did: errors in the statements themselves are
 * raised by the server with their own SQLSTATE), naming the call and the
 * statement.
 */
#ifndef CONTACTS_SPI_UTIL_H
#define CONTACTS_SPI_UTIL_H

#include "postgres.h"

#include "executor/spi.h"

/* expected result of a statement whose kind the caller does not know */
#define CONTACTS_SPI_OK_ANY 0

/* The schema-qualified, quoted name of a relation, for SQL text. */
extern char *contacts_quoted_relation(Oid relid);

extern void contacts_spi_connect(void);
extern void contacts_spi_finish(void);

/*
 * Run a statement; errors unless SPI answers expected (an SPI_OK_* code, or
 * CONTACTS_SPI_OK_ANY for any success).  Returns SPI_processed; the rows
 * are in SPI_tuptable.
 */
extern uint64 contacts_spi_execute(const char *sql, bool read_only, long tcount, int expected);
extern uint64 contacts_spi_execute_args(const char *sql, int nargs, const Oid *argtypes,
										const Datum *values, const char *nulls,
										bool read_only, long tcount, int expected);
extern uint64 contacts_spi_execute_plan(SPIPlanPtr plan, const Datum *values, const char *nulls,
										bool read_only, long tcount, int expected);

/*
 * Set up a DestReceiver living on its caller's stack (nothing to destroy);
 * startup and shutdown may be NULL.
 */
extern void contacts_dest_init(DestReceiver *dest, CommandDest kind,
							   bool (*receive) (TupleTableSlot *slot, DestReceiver *self),
							   void (*startup) (DestReceiver *self, int operation, TupleDesc typeinfo),
							   void (*shutdown) (DestReceiver *self));

/*
 * Run a prepared SELECT to completion, its rows handed to dest as they
 * come.  Unlike a cursor, a statement run to completion may use a parallel
 * plan (prepare it with CURSOR_OPT_PARALLEL_OK); dest then runs in parallel
 * mode, where nothing may be written.
 */
extern void contacts_spi_execute_to(SPIPlanPtr plan, bool read_only, DestReceiver *dest);

/*
 * Run a prepared SELECT to completion, inserting its rows into the table
 * relid, as CREATE TABLE AS fills its table: the rows are written by this
 * backend as they come, so the SELECT may use a parallel plan (prepare it
 * with CURSOR_OPT_PARALLEL_OK), which INSERT ... SELECT may not.  Only for
 * a table this transaction created, without indexes, triggers or
 * constraints (an error otherwise); the SELECT's columns must have the
 * table's types.  Returns the rows inserted.
 */
extern uint64 contacts_spi_execute_into_table(SPIPlanPtr plan, Oid relid);

/* SPI_prepare_cursor, checked; keep: SPI_keepplan the result. */
extern SPIPlanPtr contacts_spi_prepare(const char *sql, int nargs, const Oid *argtypes,
									   int cursor_options, bool keep);

/*
 * Column col (1-based) of row (0-based) of a result.  text: the output
 * function's text, NULL for SQL NULL; the others read the binary value and
 * give false, 0 or InvalidOid for SQL NULL (float8: dflt).
 */
extern char *contacts_spi_text(SPITupleTable *tt, uint64 row, int col);
extern bool contacts_spi_bool(SPITupleTable *tt, uint64 row, int col);
extern int32 contacts_spi_int4(SPITupleTable *tt, uint64 row, int col);
extern int64 contacts_spi_int8(SPITupleTable *tt, uint64 row, int col);
extern Oid	contacts_spi_oid(SPITupleTable *tt, uint64 row, int col);
extern double contacts_spi_float8(SPITupleTable *tt, uint64 row, int col, double dflt);
extern Datum contacts_spi_datum(SPITupleTable *tt, uint64 row, int col, bool *isnull);

#endif							/* CONTACTS_SPI_UTIL_H */
