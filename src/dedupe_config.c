/*
 * dedupe_config.c
 *		A table's dedupe configuration and model, as dedupe_run() and
 *		dedupe_match() read them.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "dedupe.h"
#include "privileges.h"
#include "spi_util.h"

/* a float8[] of exactly n elements into out; false when NULL or wrong size */
static bool
read_levels(SPITupleTable *tt, uint64 row, int col, int n, double *out)
{
	bool		isnull;
	Datum		d = contacts_spi_datum(tt, row, col, &isnull);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *enulls;
	int			nelems;

	if (isnull)
		return false;
	arr = DatumGetArrayTypeP(d);
	deconstruct_array(arr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls, &nelems);
	if (nelems != n)
		return false;
	for (int i = 0; i < n; i++)
	{
		if (enulls[i] || DatumGetFloat8(elems[i]) <= 0 || DatumGetFloat8(elems[i]) >= 1)
			return false;
		out[i] = DatumGetFloat8(elems[i]);
	}
	return true;
}

/*
 * The table's configuration from contacts.configure() (key column, default
 * region, column kinds; the column of kind country gives each row's region)
 * and its dedupe settings, model and blocking rules (with the rules the last
 * run chose marked chosen, for dedupe_match).  A run (create_settings) adds the
 * settings row with the defaults when there is none, and with lock takes
 * it for update so that two runs of one table take turns.
 */
DedupeConfig *
dedupe_load_config(Oid relid, const char *name, bool create_settings, bool lock)
{
	DedupeConfig *cfg = palloc0(sizeof(DedupeConfig));
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	CtFieldKind kinds[CT_MAX_FIELDS];
	const char *schema = contacts_extension_schema_quoted();
	Oid			keytype;
	uint64		ncols;
	SPITupleTable *cols;
	double		prior;
	char	  **last_chosen = NULL;
	int			nlast = 0;

	cfg->relid = relid;
	cfg->name = pstrdup(name);
	cfg->schema = schema;
	/*
	 * The country column is the first by position: column_kind joined to
	 * pg_attribute in the query, as the compared columns below are.
	 */
	if (contacts_spi_execute_args(psprintf("SELECT t.key_column, t.default_region, "
										   "(SELECT k.col FROM %s.column_kind k JOIN pg_catalog.pg_attribute a "
										   " ON a.attrelid = k.tbl AND a.attname = k.col "
										   " WHERE k.tbl = t.tbl AND k.kind = 'country' ORDER BY a.attnum LIMIT 1) "
										   "FROM %s.table_config t WHERE t.tbl = $1", schema, schema),
								  1, argtypes, args, NULL, false, 1, SPI_OK_SELECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s is not configured for contacts", cfg->name),
				 errhint("Declare its key column and the kind of its columns with contacts.configure().")));
	cfg->key_column = contacts_spi_text(SPI_tuptable, 0, 1);
	cfg->default_region = contacts_spi_text(SPI_tuptable, 0, 2);
	cfg->region_column = contacts_spi_text(SPI_tuptable, 0, 3);
	/* a key column dropped since: no attnum, no type, not an integer */
	keytype = get_atttype(relid, get_attnum(relid, cfg->key_column));
	if (keytype != INT2OID && keytype != INT4OID && keytype != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("key column \"%s\" of table %s is not an integer column", cfg->key_column, cfg->name),
				 errhint("Dedupe identifies records by a smallint, integer or bigint key column.")));

	if (create_settings)
		contacts_spi_execute(psprintf("INSERT INTO %s.dedupe_settings (tbl) VALUES (%u) ON CONFLICT DO NOTHING",
									  schema, relid), false, 0, SPI_OK_INSERT);
	if (contacts_spi_execute_args(psprintf("SELECT threshold, max_cluster_size, max_block_size, em_iterations, "
										   "em_sample_pairs, prior, features_table, max_pairs, blocking_rules "
										   "FROM %s.dedupe_settings WHERE tbl = $1%s",
										   schema, lock ? " FOR NO KEY UPDATE" : ""),
								  1, argtypes, args, NULL, false, 1, SPI_OK_SELECT) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s has not been deduplicated yet", cfg->name),
				 errhint("Run contacts.dedupe_run('%s') first: matching uses its model and features.", cfg->name)));
	cfg->threshold = contacts_spi_float8(SPI_tuptable, 0, 1, 0.9);
	cfg->max_cluster_size = atoi(contacts_spi_text(SPI_tuptable, 0, 2));
	cfg->max_block_size = atoi(contacts_spi_text(SPI_tuptable, 0, 3));
	cfg->em_iterations = atoi(contacts_spi_text(SPI_tuptable, 0, 4));
	cfg->em_sample_pairs = strtoll(contacts_spi_text(SPI_tuptable, 0, 5), NULL, 10);
	prior = contacts_spi_float8(SPI_tuptable, 0, 6, -1);
	cfg->max_pairs = strtoll(contacts_spi_text(SPI_tuptable, 0, 8), NULL, 10);
	{
		bool		isnull;
		Datum		d = contacts_spi_datum(SPI_tuptable, 0, 9, &isnull);

		if (!isnull)
		{
			Datum	   *elems;
			bool	   *enulls;

			deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
							  &elems, &enulls, &nlast);
			last_chosen = palloc(sizeof(char *) * Max(nlast, 1));
			for (int i = 0; i < nlast; i++)
				last_chosen[i] = enulls[i] ? "" : TextDatumGetCString(elems[i]);
		}
	}

	/*
	 * The stored name only says that a run has built the features: owners
	 * of the table may write the settings row, so the name itself is
	 * derived, never read from there.
	 */
	if (contacts_spi_text(SPI_tuptable, 0, 7) != NULL)
		cfg->features_table = dedupe_features_name(relid);

	ncols = contacts_spi_execute_args(psprintf("SELECT k.col, k.kind, m.m, m.u, coalesce(m.fixed, false), m.tf_reference "
											   "FROM %s.column_kind k "
											   "JOIN pg_catalog.pg_attribute a ON a.attrelid = k.tbl AND a.attname = k.col "
											   "LEFT JOIN %s.dedupe_model m ON m.tbl = k.tbl AND m.col = k.col "
											   "WHERE k.tbl = $1 AND k.kind <> 'country' ORDER BY a.attnum",
											   schema, schema),
									  1, argtypes, args, NULL, true, 0, SPI_OK_SELECT);
	cols = SPI_tuptable;
	if (ncols == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s has no column of a kind dedupe compares", cfg->name),
				 errhint("Give its name, email, phone ... columns a kind with contacts.configure().")));
	if (ncols > CT_MAX_FIELDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("table %s has %d columns to compare, at most %d are supported",
						cfg->name, (int) ncols, CT_MAX_FIELDS)));
	cfg->nfields = (int) ncols;
	for (int f = 0; f < cfg->nfields; f++)
	{
		char	   *kind = contacts_spi_text(cols, f, 2);

		cfg->columns[f] = contacts_spi_text(cols, f, 1);
		kinds[f] = (CtFieldKind) ct_field_kind_from_name(kind);
		/* column_kind checks its kinds: one unknown here is a newer script's */
		if ((int) kinds[f] < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("dedupe cannot compare columns of kind \"%s\"", kind)));
	}
	ct_model_init(&cfg->model, kinds, cfg->nfields);
	if (prior > 0)
		cfg->model.lambda = prior;
	for (int f = 0; f < cfg->nfields; f++)
	{
		CtFieldModel *fm = &cfg->model.field[f];
		double		m[CT_MAX_LEVELS],
					u[CT_MAX_LEVELS];
		bool		fixed = contacts_spi_bool(cols, f, 5);

		fm->tf_reference = contacts_spi_float8(cols, f, 6, 0);
		if (read_levels(cols, f, 3, fm->nlevels, m) &&
			read_levels(cols, f, 4, fm->nlevels, u))
		{
			memcpy(fm->m, m, sizeof(double) * fm->nlevels);
			memcpy(fm->u, u, sizeof(double) * fm->nlevels);
			fm->fixed = fixed;
		}
		else if (fixed)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("fixed m and u of column \"%s\" must have %d values each, strictly between 0 and 1",
							cfg->columns[f], fm->nlevels),
					 errhint("See contacts.dedupe_levels() for the levels of kind %s.",
							 ct_field_kind_name(fm->kind))));
	}
	ct_model_weights(&cfg->model);
	dedupe_candidate_rules(cfg, last_chosen, nlast);
	return cfg;
}
