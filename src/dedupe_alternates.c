/*
 * dedupe_alternates.c
 *		A run consults the alternates merges kept: a record holding an
 *		email, phone or national ID that another record keeps as an
 *		alternate (the same person, entered again after a merge) is compared
 *		with that record as it would be under the value, and the pair is
 *		stored when it reaches the threshold, as the blocks' pairs are.
 *
 * The pairs come from contacts.alternates() joined with the table by the
 * duplicate key of the kind (as health() counts them), read as the run's
 * caller (the table's owner); the features of both sides go through the
 * same expressions as the run's (dedupe_row_features), without term
 * frequencies.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "dedupe.h"
#include "entry_config.h"
#include "privileges.h"
#include "spi_util.h"
#include "textconv.h"

/* pairs through alternates compared per run, at most */
#define ALTERNATE_PAIRS_MAX 100000

int64
dedupe_alternate_pairs(DedupeConfig *cfg, DedupePairStore *st)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(cfg->relid)};
	const char *rel = contacts_quoted_relation(cfg->relid);
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe alternates",
											  ALLOCSET_DEFAULT_SIZES);
	SPITupleTable *cols;
	SPITupleTable *tt;
	int64		stored = 0;
	uint64		ncols;

	/* a catalog older than alternates has none to consult */
	if (!contacts_catalog_has("alternate", NULL))
	{
		MemoryContextDelete(cxt);
		return 0;
	}

	/*
	 * One query per configured column of an alternates kind: the record
	 * holding the value in that column, the record keeping it as an
	 * alternate, and that record's image under the value.  The table is
	 * joined with the alternates, then with that result, each a
	 * materialized step, which Citus can plan on a distributed table (two
	 * instances of it joined on other columns than the distribution column
	 * it cannot).
	 */
	ncols = contacts_spi_execute_args(psprintf(
		"SELECT pg_catalog.format('WITH a AS MATERIALIZED (SELECT a.key, a.value "
		"FROM %1$s.alternates(%%3$s::pg_catalog.oid::pg_catalog.regclass) a WHERE a.kind = %%6$L), "
		"h AS MATERIALIZED (SELECT t.%%1$I::int8 AS holder, pg_catalog.to_jsonb(t) AS image, a.key, a.value "
		"FROM %2$s t JOIN a ON %%4$s = %%5$s AND t.%%1$I::text <> a.key) "
		"SELECT h.holder, s.%%1$I::int8, h.image, "
		"pg_catalog.to_jsonb(s) || pg_catalog.jsonb_build_object(%%2$L, h.value) "
		"FROM h JOIN %2$s s ON s.%%1$I::text = h.key ORDER BY 1, 2 LIMIT %3$d', "
		"%4$s, k.col, %5$u, %1$s.kind_key_sql(%1$s.duplicate_key_kind(k.tbl, k.kind), pg_catalog.format('t.%%I', k.col)), "
		"%1$s.kind_key_sql(%1$s.duplicate_key_kind(k.tbl, k.kind), 'a.value'), k.kind) "
		"FROM %1$s.column_kind k WHERE k.tbl = $1 AND k.kind IN ('email', 'phone', 'national_id') "
		"ORDER BY k.col COLLATE \"C\"",
		cfg->schema, rel, ALTERNATE_PAIRS_MAX, quote_literal_cstr(cfg->key_column), cfg->relid),
		1, types, values, NULL, true, 0, SPI_OK_SELECT);
	cols = SPI_tuptable;
	for (uint64 c = 0; c < ncols; c++)
	{
		uint64		n = contacts_spi_execute(contacts_spi_text(cols, c, 1), true, 0, SPI_OK_SELECT);

		tt = SPI_tuptable;
		for (uint64 i = 0; i < n; i++)
		{
			int64		r = contacts_spi_int8(tt, i, 1);
			int64		s = contacts_spi_int8(tt, i, 2);
			int64		a = Min(r, s);
			int64		b = Max(r, s);
			bool		isnull;
			Datum		rimg = contacts_spi_datum(tt, i, 3, &isnull);
			Datum		simg = contacts_spi_datum(tt, i, 4, &isnull);
			Datum	   *d;
			bool	   *nl;
			CtFieldValue rside[CT_MAX_FIELDS];
			CtFieldValue sside[CT_MAX_FIELDS];
			uint8		gamma[CT_MAX_FIELDS];
			MemoryContext old;

			CHECK_FOR_INTERRUPTS();
			if (dedupe_store_has_pair(st, a, b))
				continue;
			old = MemoryContextSwitchTo(cxt);
			dedupe_row_features(cfg, rimg, cxt, &d, &nl, rside);
			dedupe_row_features(cfg, simg, cxt, &d, &nl, sside);
			if (r < s)
			{
				ct_compare(&cfg->model, rside, sside, gamma, &contacts_palloc_allocator);
				dedupe_store_pair(st, DEDUPE_PAIR_FROM_ALTERNATE, a, b, gamma, rside, sside);
			}
			else
			{
				ct_compare(&cfg->model, sside, rside, gamma, &contacts_palloc_allocator);
				dedupe_store_pair(st, DEDUPE_PAIR_FROM_ALTERNATE, a, b, gamma, sside, rside);
			}
			MemoryContextSwitchTo(old);
			if (dedupe_store_has_pair(st, a, b))
				stored++;
			MemoryContextReset(cxt);
		}
	}
	MemoryContextDelete(cxt);
	return stored;
}
