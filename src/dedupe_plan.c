/*
 * dedupe_plan.c
 *		dedupe_plan(): the blocking a run of a table would choose, before
 *		running it.
 *
 * The candidate rules of the table's configured columns and of
 * dedupe_blocking_rules are keyed over the table's rows as a run keys them
 * (dedupe_feature_select), over a repeatable sample of about
 * PLAN_SAMPLE_ROWS rows on larger tables, their keys counted in one
 * grouping, and dedupe_plan_rules() chooses among them.  A run plans so
 * before building its features, which then hold the chosen rules' keys
 * only; dedupe_plan() shows the same plan without running: nothing is
 * compared and nothing is written but the table's dedupe settings row with
 * the defaults when it has none.  The
 * rules' expressions are the table owner's (only owners may write
 * dedupe_blocking_rules), so, as in a run, the table's rows are read as
 * its owner in a security-restricted operation, and the caller must own
 * the table.
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "dedupe.h"
#include "privileges.h"
#include "spi_util.h"

/* tables larger than this are planned from a sample of about this many rows */
#define PLAN_SAMPLE_ROWS 50000

int64
dedupe_plan_table(DedupeConfig *cfg)
{
	StringInfoData counts;
	ContactsRoleSwitch sw;
	double		share = 1.0;
	char	   *sample = NULL;
	int64		total = 0;

	contacts_switch_to(dedupe_table_owner(cfg->relid), &sw);
	contacts_spi_execute(psprintf("SELECT count(*) FROM %s", contacts_quoted_relation(cfg->relid)), true, 1,
						 SPI_OK_SELECT);
	cfg->records = contacts_spi_int8(SPI_tuptable, 0, 1);
	if (cfg->records > PLAN_SAMPLE_ROWS)
	{
		share = (double) PLAN_SAMPLE_ROWS / cfg->records;
		/* repeatable: the same table plans the same */
		sample = psprintf(" TABLESAMPLE BERNOULLI (%.9g) REPEATABLE (17)", 100.0 * share);
	}
	/* the keys of every rule over the rows, counted as a run's counts table */
	initStringInfo(&counts);
	appendStringInfoString(&counts, "SELECT v.field, v.k, count(*) AS n FROM (");
	dedupe_feature_select(cfg, contacts_quoted_relation(cfg->relid), sample, true, &counts);
	appendStringInfoString(&counts, ") f CROSS JOIN LATERAL (VALUES ");
	for (int r = 0; r < cfg->nrules; r++)
		appendStringInfo(&counts, "%s(%d, f.%s)", r ? ", " : "", 100 + r, cfg->rules[r].column);
	appendStringInfoString(&counts, ") v(field, k) WHERE v.k IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1");
	if (cfg->nrules > 0)
		total = dedupe_plan_rules(cfg, counts.data, share, true);
	contacts_switch_back(&sw);
	return total;
}

PG_FUNCTION_INFO_V1(contacts_dedupe_plan);

Datum
contacts_dedupe_plan(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			relid = PG_GETARG_OID(0);
	const char *name;
	DedupeConfig *cfg;
	int			search_path_level;

	contacts_require_table(relid, ACL_OWNER_CHECK | ACL_SELECT, "plan the blocking of");
	name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
	InitMaterializedSRF(fcinfo, 0);
	contacts_spi_connect();
	search_path_level = contacts_pin_search_path();
	cfg = dedupe_load_config(relid, name, true, false);
	dedupe_plan_table(cfg);

	for (int r = 0; r < cfg->nrules; r++)
	{
		DedupeRule *rule = &cfg->rules[r];
		Datum		values[9];
		bool		nulls[9] = {false};

		values[0] = CStringGetTextDatum(rule->name);
		values[1] = CStringGetTextDatum(rule->row_expr ? rule->row_expr : rule->expr);
		values[2] = CStringGetTextDatum(rule->row_expr ? "dedupe_blocking_rules" : "columns");
		values[3] = Int64GetDatum(rule->stats.pairs);
		values[4] = Int64GetDatum(rule->stats.records);
		values[5] = Int64GetDatum(rule->stats.oversized_records);
		values[6] = Int64GetDatum(rule->stats.largest);
		values[7] = BoolGetDatum(rule->chosen);
		values[8] = CStringGetTextDatum(ct_block_plan_reason(rule->reason));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	contacts_unpin_search_path(search_path_level);
	contacts_spi_finish();
	return (Datum) 0;
}
