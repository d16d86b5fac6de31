/*
 * dedupe_random.c
 *		The u probabilities of a run measured on random pairs of records.
 *
 * Two random records of a table are nearly always two different people,
 * so how often their columns agree at each level is what u means.  EM
 * alone, on candidate pairs, cannot see that a column holds the same value
 * on most rows (a defaulted birth date, the one city of a local list): its
 * agreement then looks like evidence, and a table can end up as one
 * cluster.  Measured here, the agreement of such a column is found common
 * and weighs next to nothing (ct_model_set_u_floor).
 *
 * The sample is deterministic, so that two runs over the same rows agree:
 * the records whose key hashes into a share of the hash space, taken in
 * hash order, each compared with the next ones.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "dedupe.h"
#include "spi_util.h"
#include "textconv.h"

/* records sampled, and random pairs compared at most */
#define RANDOM_RECORDS 2000
#define RANDOM_PAIRS 100000
/* the starting u of each level counts as this many random pairs */
#define RANDOM_PRIOR_PAIRS 1000

int64
dedupe_measure_u(DedupeConfig *cfg, const char *schema, int64 records)
{
	StringInfoData sql;
	CtLevelCounts lc;
	CtFieldValue *values;
	uint64		n;
	int			window;
	int			cutoff;
	int64		pairs = 0;

	if (records < 2)
		return 0;
	cutoff = (int) Min(65536, 65536.0 * 2 * RANDOM_RECORDS / records + 1);
	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT f.key");
	dedupe_side_select(cfg, "f", false, &sql);
	appendStringInfo(&sql, " FROM %s.%s f WHERE (pg_catalog.hashint8(f.key) & 65535) < %d"
					 " ORDER BY pg_catalog.hashint8(f.key), f.key LIMIT %d",
					 schema, quote_identifier(cfg->features_table), cutoff, RANDOM_RECORDS);
	n = contacts_spi_execute(sql.data, false, 0, SPI_OK_SELECT);
	if (n < 2)
		return 0;
	values = palloc(sizeof(CtFieldValue) * cfg->nfields * n);
	for (uint64 i = 0; i < n; i++)
	{
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Datum	   *d = palloc(sizeof(Datum) * desc->natts);
		bool	   *nulls = palloc(sizeof(bool) * desc->natts);

		heap_deform_tuple(SPI_tuptable->vals[i], desc, d, nulls);
		dedupe_read_side(cfg, d, nulls, 1, &values[i * cfg->nfields]);
	}

	/* each record with the next window records of the hash order */
	window = (int) Min((int64) n - 1, Max(1, RANDOM_PAIRS / (int64) n));
	memset(&lc, 0, sizeof(lc));
	for (uint64 i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (uint64 j = i + 1; j <= i + window && j < n; j++)
		{
			uint8		gamma[CT_MAX_FIELDS];

			ct_compare(&cfg->model, &values[i * cfg->nfields], &values[j * cfg->nfields], gamma,
					   &contacts_palloc_allocator);
			ct_level_counts_add(&lc, &cfg->model, gamma);
			pairs++;
		}
	}
	ct_model_set_u_floor(&cfg->model, &lc, RANDOM_PRIOR_PAIRS);
	return pairs;
}
