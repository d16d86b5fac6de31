/*
 * dedupe.c
 *		dedupe_run(): find the duplicates of a configured table.
 *
 * Phases, each timed and reported (wall and CPU seconds):
 *   features   one pass over the table computes, per row, the normalized
 *              key of every compared column and the blocking keys (an
 *              unlogged features table, kept for dedupe_match); one
 *              grouping-sets scan counts how many rows share each value
 *              (term frequencies) and each blocking key (block sizes)
 *   blocking   the pairs each rule's blocks hold, from the counts; blocks
 *              larger than max_block_size are skipped and reported
 *   estimate   EM on the comparison vectors of the pairs of a sample of
 *              the blocks (only counts of distinct vectors are kept)
 *   scoring    per rule, the records of its blocks come sorted by key and
 *              every pair within a block is compared and scored once (a
 *              pair an earlier rule already compared is skipped): never a
 *              cross join; pairs at or above the threshold are stored with
 *              their explanation
 *   clustering union-find over those pairs with a cluster size guard
 *   indexing   btree indexes on the blocking keys, for dedupe_match
 *
 * Privileges: a run needs ownership of the table (as ANALYZE and REINDEX
 * do: it rebuilds what is derived from the table) and writes the run's
 * results as its caller.  The feature tables are created by the extension's
 * owner, belong to the table's owner and are filled as that owner; see
 * create_feature_tables() and build_features().  Every statement runs
 * under search_path = pg_catalog, pg_temp and names the extension's
 * objects through its schema.
 *
 * The work is one transaction: cancelling it (or an error) leaves no
 * partial results.  Memory: the scoring pass streams through a cursor and
 * holds one block (at most max_block_size records); the term frequencies of
 * values shared by two or more records are held in a hash table; the pairs
 * above the threshold are kept for clustering, bounded by
 * maintenance_work_mem.
 */
#include "postgres.h"

#include <math.h>
#include <sys/resource.h>

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "core/match_cluster.h"
#include "core/match_keys.h"
#include "dedupe.h"
#include "privileges.h"
#include "textconv.h"

const char *const dedupe_rule_names[RULE_COUNT] = {
	"email", "phone", "name", "family_initial", "company_city", "national_id", "postcode_year",
};

/* how many pairs or rows the cursors fetch at a time */
#define FETCH_ROWS 5000
/* pairs stored per INSERT */
#define WRITE_BATCH 5000
/* fewer sampled pairs than this and EM is not run */
#define EM_MIN_PAIRS 1000
/* an estimated share of matches outside these bounds is not believed */
#define EM_MAX_PRIOR 0.95
#define EM_MIN_PRIOR 1e-5

char *
dedupe_features_name(Oid relid)
{
	return psprintf("dedupe_features_%u", relid);
}

Oid
dedupe_table_owner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

static void
spi_exec(const char *sql, int expected)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc != expected)
		elog(ERROR, "dedupe: SPI_execute failed (%d): %s", rc, sql);
}

/* ---------------------------------------------------------------- config */

static char *
spi_text(HeapTuple tuple, TupleDesc desc, int col)
{
	return SPI_getvalue(tuple, desc, col);
}

static double
spi_float(HeapTuple tuple, TupleDesc desc, int col, double dflt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);

	return isnull ? dflt : DatumGetFloat8(d);
}

/* a float8[] of exactly n elements into out; false when NULL or wrong size */
static bool
read_levels(HeapTuple tuple, TupleDesc desc, int col, int n, double *out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, desc, col, &isnull);
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
 * and its dedupe settings and model.  A run (create_settings) adds the
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
	HeapTuple	t;
	TupleDesc	d;
	uint64		ncols;
	SPITupleTable *cols;
	double		prior;

	cfg->relid = relid;
	cfg->name = pstrdup(name);
	cfg->schema = schema;
	if (SPI_execute_with_args(psprintf("SELECT t.key_column, t.default_region, "
									   "(SELECT a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype) "
									   " FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.tbl AND a.attname = t.key_column), "
									   "(SELECT k.col FROM %s.column_kind k JOIN pg_catalog.pg_attribute a "
									   " ON a.attrelid = k.tbl AND a.attname = k.col "
									   " WHERE k.tbl = t.tbl AND k.kind = 'country' ORDER BY a.attnum LIMIT 1) "
									   "FROM %s.table_config t WHERE t.tbl = $1", schema, schema),
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read table_config");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s is not configured for contacts", cfg->name),
				 errhint("Declare its key column and the kind of its columns with contacts.configure().")));
	t = SPI_tuptable->vals[0];
	d = SPI_tuptable->tupdesc;
	cfg->key_column = spi_text(t, d, 1);
	cfg->default_region = spi_text(t, d, 2);
	if (!DatumGetBool(SPI_getbinval(t, d, 3, &(bool) {false})))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("key column \"%s\" of table %s is not an integer column", cfg->key_column, cfg->name),
				 errhint("Dedupe identifies records by a smallint, integer or bigint key column.")));
	cfg->region_column = spi_text(t, d, 4);

	if (create_settings)
		spi_exec(psprintf("INSERT INTO %s.dedupe_settings (tbl) VALUES (%u) ON CONFLICT DO NOTHING",
						  schema, relid), SPI_OK_INSERT);
	if (SPI_execute_with_args(psprintf("SELECT threshold, max_cluster_size, max_block_size, em_iterations, "
									   "em_sample_pairs, prior, features_table "
									   "FROM %s.dedupe_settings WHERE tbl = $1%s",
									   schema, lock ? " FOR NO KEY UPDATE" : ""),
							  1, argtypes, args, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read dedupe_settings");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table %s has not been deduplicated yet", cfg->name),
				 errhint("Run contacts.dedupe_run('%s') first: matching uses its model and features.", cfg->name)));
	t = SPI_tuptable->vals[0];
	d = SPI_tuptable->tupdesc;
	cfg->threshold = spi_float(t, d, 1, 0.9);
	cfg->max_cluster_size = atoi(spi_text(t, d, 2));
	cfg->max_block_size = atoi(spi_text(t, d, 3));
	cfg->em_iterations = atoi(spi_text(t, d, 4));
	cfg->em_sample_pairs = strtoll(spi_text(t, d, 5), NULL, 10);
	prior = spi_float(t, d, 6, -1);

	/*
	 * The stored name only says that a run has built the features: owners
	 * of the table may write the settings row, so the name itself is
	 * derived, never read from there.
	 */
	if (spi_text(t, d, 7) != NULL)
		cfg->features_table = dedupe_features_name(relid);

	if (SPI_execute_with_args(psprintf("SELECT k.col, k.kind, m.m, m.u, coalesce(m.fixed, false), m.tf_reference "
									   "FROM %s.column_kind k "
									   "JOIN pg_catalog.pg_attribute a ON a.attrelid = k.tbl AND a.attname = k.col "
									   "LEFT JOIN %s.dedupe_model m ON m.tbl = k.tbl AND m.col = k.col "
									   "WHERE k.tbl = $1 AND k.kind <> 'country' ORDER BY a.attnum",
									   schema, schema),
							  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read column_kind");
	ncols = SPI_processed;
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
		char	   *kind = spi_text(cols->vals[f], cols->tupdesc, 2);

		cfg->columns[f] = spi_text(cols->vals[f], cols->tupdesc, 1);
		kinds[f] = (CtFieldKind) ct_field_kind_from_name(kind);
		if ((int) kinds[f] < 0)
			elog(ERROR, "unknown column kind \"%s\"", kind);
	}
	ct_model_init(&cfg->model, kinds, cfg->nfields);
	if (prior > 0)
		cfg->model.lambda = prior;
	for (int f = 0; f < cfg->nfields; f++)
	{
		CtFieldModel *fm = &cfg->model.field[f];
		double		m[CT_MAX_LEVELS],
					u[CT_MAX_LEVELS];
		bool		fixed = DatumGetBool(SPI_getbinval(cols->vals[f], cols->tupdesc, 5, &(bool) {false}));

		fm->tf_reference = spi_float(cols->vals[f], cols->tupdesc, 6, 0);
		if (read_levels(cols->vals[f], cols->tupdesc, 3, fm->nlevels, m) &&
			read_levels(cols->vals[f], cols->tupdesc, 4, fm->nlevels, u))
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
	return cfg;
}

/* ---------------------------------------------------------------- features */

static int
first_field(const DedupeConfig *cfg, CtFieldKind kind)
{
	for (int f = 0; f < cfg->nfields; f++)
		if (cfg->model.field[f].kind == kind)
			return f + 1;
	return 0;
}

bool
dedupe_rule_applies(const DedupeConfig *cfg, DedupeRule rule)
{
	switch (rule)
	{
		case RULE_EMAIL:
			return first_field(cfg, CT_FIELD_EMAIL);
		case RULE_PHONE:
			return first_field(cfg, CT_FIELD_PHONE);
		case RULE_NAME:
			return first_field(cfg, CT_FIELD_FULL_NAME) ||
				first_field(cfg, CT_FIELD_GIVEN_NAME) || first_field(cfg, CT_FIELD_FAMILY_NAME);
		case RULE_FAMILY_INITIAL:
			return first_field(cfg, CT_FIELD_FAMILY_NAME) && first_field(cfg, CT_FIELD_GIVEN_NAME);
		case RULE_COMPANY_CITY:
			return first_field(cfg, CT_FIELD_COMPANY);
		case RULE_NATIONAL_ID:
			return first_field(cfg, CT_FIELD_NATIONAL_ID);
		case RULE_POSTCODE_YEAR:
			return first_field(cfg, CT_FIELD_POSTCODE) && first_field(cfg, CT_FIELD_BIRTH_DATE);
		default:
			return false;
	}
}


/* the expression of a row's region, on the relation aliased r */
static char *
region_expr(const DedupeConfig *cfg)
{
	char	   *dflt = cfg->default_region ? quote_literal_cstr(cfg->default_region) :
		"upper(nullif(pg_catalog.current_setting('contacts.default_region', true), ''))";

	if (cfg->region_column)
		return psprintf("coalesce(upper(nullif(btrim(r.%s::text), '')), %s)",
						quote_identifier(cfg->region_column), dflt);
	return dflt;
}

void
dedupe_feature_select(const DedupeConfig *cfg, StringInfo buf)
{
	const char *schema = cfg->schema;
	char	   *region = region_expr(cfg);
	int			email = first_field(cfg, CT_FIELD_EMAIL),
				phone = first_field(cfg, CT_FIELD_PHONE),
				full = first_field(cfg, CT_FIELD_FULL_NAME),
				given = first_field(cfg, CT_FIELD_GIVEN_NAME),
				family = first_field(cfg, CT_FIELD_FAMILY_NAME),
				company = first_field(cfg, CT_FIELD_COMPANY),
				city = first_field(cfg, CT_FIELD_CITY),
				nid = first_field(cfg, CT_FIELD_NATIONAL_ID),
				post = first_field(cfg, CT_FIELD_POSTCODE),
				birth = first_field(cfg, CT_FIELD_BIRTH_DATE);
	char	   *name_src;
	char	   *place;

	appendStringInfoString(buf, "SELECT s.*");
	/* blocking keys, NULL when a part is missing */
	appendStringInfo(buf, ", %s AS b_email", email ? psprintf("s.k%d", email) : "NULL::text");
	appendStringInfo(buf, ", %s AS b_phone", phone ? psprintf("s.k%d", phone) : "NULL::text");
	if (full && (given || family))
		name_src = psprintf("coalesce(s.v%d, concat_ws(' ', s.v%d, s.v%d))", full,
							given ? given : full, family ? family : full);
	else if (full)
		name_src = psprintf("s.v%d", full);
	else if (given || family)
		name_src = psprintf("nullif(concat_ws(' ', s.v%d, s.v%d), '')",
							given ? given : family, family ? family : given);
	else
		name_src = NULL;
	/*
	 * Names are blocked within a city (else the country): the same person
	 * rarely changes both, and common names over a whole country make
	 * blocks too large to compare.
	 */
	place = city ? psprintf("coalesce(s.k%d, s.region, '')", city) : "coalesce(s.region, '')";
	appendStringInfo(buf, ", %s AS b_name",
					 name_src ? psprintf("%s.match_key('phonetic', %s) || ' ' || %s",
										 schema, name_src, place) : "NULL::text");
	/* surname and initial, within a city too */
	if (family && given)
		appendStringInfo(buf, ", %s.match_key('phonetic', s.v%d) || ' ' || left(s.k%d, 1) || ' ' || %s "
						 "AS b_family_initial", schema, family, given, place);
	else
		appendStringInfoString(buf, ", NULL::text AS b_family_initial");
	/* colleagues in one office share company and city: add the surname's initial */
	if (company)
		appendStringInfo(buf, ", s.k%d || '|' || %s || '|' || %s AS b_company_city", company,
						 city ? psprintf("coalesce(s.k%d, '')", city) : "''",
						 family ? psprintf("coalesce(left(s.k%d, 1), '')", family) :
						 full ? psprintf("coalesce(left(%s.match_key('phonetic', s.v%d), 1), '')", schema, full) : "''");
	else
		appendStringInfoString(buf, ", NULL::text AS b_company_city");
	appendStringInfo(buf, ", %s AS b_national_id", nid ? psprintf("s.k%d", nid) : "NULL::text");
	if (post && birth)
		appendStringInfo(buf, ", s.k%d || '|' || left(s.k%d, 4) AS b_postcode_year", post, birth);
	else
		appendStringInfoString(buf, ", NULL::text AS b_postcode_year");

	/* the inner select: key, region, raw value and key of each field */
	appendStringInfo(buf, " FROM (SELECT r.%s::bigint AS key, %s AS region",
					 quote_identifier(cfg->key_column), region);
	for (int f = 0; f < cfg->nfields; f++)
	{
		const char *col = quote_identifier(cfg->columns[f]);
		const char *keykind = ct_key_kind_name((CtKeyKind) ct_field_kind_key(cfg->model.field[f].kind));

		appendStringInfo(buf, ", nullif(btrim(r.%s::text), '') AS v%d, %s.match_key('%s', r.%s::text, %s) AS k%d",
						 col, f + 1, schema, keykind, col, region, f + 1);
	}
	appendStringInfoString(buf, " FROM ");
}

/* the expression a field's term frequency counts, on the alias */
static char *
tf_key(const DedupeConfig *cfg, int f, const char *alias)
{
	/* an e-mail agrees on its domain: the domain's frequency counts */
	if (cfg->model.field[f].kind == CT_FIELD_EMAIL)
		return psprintf("split_part(%s.k%d, '@', 2)", alias, f + 1);
	return psprintf("%s.k%d", alias, f + 1);
}

void
dedupe_side_select(const DedupeConfig *cfg, const char *alias, bool with_tf, StringInfo buf)
{
	for (int f = 0; f < cfg->nfields; f++)
	{
		appendStringInfo(buf, ", %s.v%d, %s.k%d", alias, f + 1, alias, f + 1);
		if (with_tf && ct_field_kind_tf(cfg->model.field[f].kind))
			appendStringInfo(buf, ", %s_t%d.n", alias, f + 1);
		else
			appendStringInfoString(buf, ", NULL::bigint");
	}
}

void
dedupe_side_joins(const DedupeConfig *cfg, const char *alias, StringInfo buf)
{
	for (int f = 0; f < cfg->nfields; f++)
		if (ct_field_kind_tf(cfg->model.field[f].kind))
			appendStringInfo(buf, " LEFT JOIN %s.%s %s_t%d ON %s_t%d.field = %d AND %s_t%d.k = %s",
							 cfg->schema,
							 quote_identifier(psprintf("%s_counts", cfg->features_table)),
							 alias, f + 1, alias, f + 1, f + 1, alias, f + 1, tf_key(cfg, f, alias));
}

/* UTF-8 bytes of a text datum: in place in a UTF-8 database */
static const char *
datum_utf8(Datum d, size_t *len)
{
	return contacts_text_utf8_view((text *) PG_DETOAST_DATUM_PACKED(d), len);
}

void
dedupe_read_side(const DedupeConfig *cfg, Datum *datums, bool *nulls, int offset,
				 CtFieldValue *values)
{
	for (int f = 0; f < cfg->nfields; f++)
	{
		int			c = offset + f * 3;
		CtFieldValue *v = &values[f];

		v->raw = NULL;
		v->raw_len = 0;
		v->key = "";
		v->key_len = 0;
		v->tf = 0;
		if (!nulls[c])
			v->raw = datum_utf8(datums[c], &v->raw_len);
		if (!nulls[c + 1])
			v->key = datum_utf8(datums[c + 1], &v->key_len);
		/* values no other record has are not in the counts table */
		if (cfg->records > 0)
			v->tf = (nulls[c + 2] ? 1.0 : (double) DatumGetInt64(datums[c + 2])) / cfg->records;
	}
}

/* ---------------------------------------------------------------- helpers */

typedef struct PhaseClock
{
	instr_time	start;
	double		cpu_start;		/* this backend's CPU seconds */
	StringInfoData seconds;		/* jsonb text of the phases' wall time */
	StringInfoData cpu_seconds; /* and of their CPU time */
} PhaseClock;

/* user + system CPU seconds of this process (not its parallel workers) */
static double
cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
phase_start(PhaseClock *clock)
{
	INSTR_TIME_SET_CURRENT(clock->start);
	clock->cpu_start = cpu_now();
}

/*
 * On a shared machine wall time depends on the neighbours: the CPU time is
 * reported beside it.
 */
static void
phase_done(PhaseClock *clock, const char *phase, const char *config, const char *detail)
{
	instr_time	now;
	double		secs,
				cpu = cpu_now() - clock->cpu_start;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, clock->start);
	secs = INSTR_TIME_GET_DOUBLE(now);
	appendStringInfo(&clock->seconds, "%s\"%s\": %.3f", clock->seconds.len > 1 ? ", " : "", phase, secs);
	appendStringInfo(&clock->cpu_seconds, "%s\"%s\": %.3f", clock->cpu_seconds.len > 1 ? ", " : "", phase, cpu);
	ereport(NOTICE,
			(errmsg("dedupe \"%s\": %s done in %.1f s (CPU %.1f s)%s%s", config, phase, secs, cpu,
					detail ? ": " : "", detail ? detail : "")));
	phase_start(clock);
}

/* ---------------------------------------------------------------- phases */

/*
 * Remove every grant on a table but its owner's: a feature table holds
 * personal data, and default privileges of the extension's owner in its
 * schema (ALTER DEFAULT PRIVILEGES) must not open it to anyone.
 */
static void
revoke_grants(const char *qualified, Oid relid)
{
	StringInfoData sql;
	SPITupleTable *grantees;
	uint64		n;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c, "
					 "pg_catalog.aclexplode(c.relacl) a WHERE c.oid = %u AND a.grantee <> c.relowner",
					 relid);
	spi_exec(sql.data, SPI_OK_SELECT);
	grantees = SPI_tuptable;
	n = SPI_processed;
	resetStringInfo(&sql);
	appendStringInfo(&sql, "REVOKE ALL ON TABLE %s FROM PUBLIC", qualified);
	for (uint64 i = 0; i < n; i++)
	{
		Oid			grantee = DatumGetObjectId(SPI_getbinval(grantees->vals[i], grantees->tupdesc, 1,
															 &(bool) {false}));

		if (OidIsValid(grantee))
			appendStringInfo(&sql, ", %s", quote_identifier(GetUserNameFromId(grantee, false)));
	}
	spi_exec(sql.data, SPI_OK_UTILITY);
}

/*
 * Create the empty features and counts tables of a run, replacing the last
 * run's.  They hold personal data derived from the table's rows, and must
 * neither need CREATE on the extension's schema (which ordinary roles do not
 * have) nor outlive the extension.  So, as the extension's owner in a
 * security-restricted operation, this drops the old tables and creates the
 * new ones from an explicit column list (nothing of the table's is parsed
 * or evaluated with the owner's rights), makes them members of the
 * extension (DROP EXTENSION drops them), revokes every grant, and hands
 * them to the owner of the table: only the table's owner can read them, and
 * dedupe_match reads them as that owner after checking its caller's SELECT
 * on the table.
 */
/*
 * Drop the feature tables of the table relid, if it has any; as the
 * extension's owner, who alone may let go of the extension's members.  Also
 * called when the table itself is dropped (forget_dropped_tables()).  SPI
 * must be connected.
 */
void
dedupe_drop_feature_tables(Oid relid)
{
	Oid			nsp = contacts_extension_schema();
	Oid			extension = get_extension_oid("contacts", false);
	char	   *features = dedupe_features_name(relid);
	const char *tables[2] = {features, psprintf("%s_counts", features)};
	ContactsRoleSwitch sw;

	contacts_switch_to(contacts_extension_owner(), &sw);
	for (int i = 0; i < 2; i++)
	{
		Oid			old = get_relname_relid(tables[i], nsp);

		if (!OidIsValid(old))
			continue;
		/* a member of the extension can only be dropped once it is let go */
		deleteDependencyRecordsForSpecific(RelationRelationId, old, DEPENDENCY_EXTENSION,
										   ExtensionRelationId, extension);
		CommandCounterIncrement();
		spi_exec(psprintf("DROP TABLE %s.%s", quote_identifier(get_namespace_name(nsp)),
						  quote_identifier(tables[i])), SPI_OK_UTILITY);
	}
	contacts_switch_back(&sw);
}

static void
create_feature_tables(DedupeConfig *cfg, Oid relid, Oid owner)
{
	Oid			nsp = contacts_extension_schema();
	ObjectAddress extension;
	const char *tables[2] = {cfg->features_table, psprintf("%s_counts", cfg->features_table)};
	ContactsRoleSwitch sw;
	StringInfoData sql;

	dedupe_drop_feature_tables(relid);
	ObjectAddressSet(extension, ExtensionRelationId, get_extension_oid("contacts", false));
	initStringInfo(&sql);
	contacts_switch_to(contacts_extension_owner(), &sw);

	/* unlogged: derived data, rebuilt by the next run after a crash */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "CREATE UNLOGGED TABLE %s.%s (key bigint, region text",
					 cfg->schema, quote_identifier(tables[0]));
	for (int f = 0; f < cfg->nfields; f++)
		appendStringInfo(&sql, ", v%d text, k%d text", f + 1, f + 1);
	for (int r = 0; r < RULE_COUNT; r++)
		appendStringInfo(&sql, ", b_%s text", dedupe_rule_names[r]);
	appendStringInfoChar(&sql, ')');
	spi_exec(sql.data, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "CREATE UNLOGGED TABLE %s.%s (field integer, k text, n bigint)",
					 cfg->schema, quote_identifier(tables[1]));
	spi_exec(sql.data, SPI_OK_UTILITY);

	for (int i = 0; i < 2; i++)
	{
		ObjectAddress table;
		char	   *qualified = psprintf("%s.%s", cfg->schema, quote_identifier(tables[i]));

		ObjectAddressSet(table, RelationRelationId, get_relname_relid(tables[i], nsp));
		recordDependencyOn(&table, &extension, DEPENDENCY_EXTENSION);
		revoke_grants(qualified, table.objectId);
		resetStringInfo(&sql);
		appendStringInfo(&sql, "ALTER TABLE %s OWNER TO %s", qualified,
						 quote_identifier(GetUserNameFromId(owner, false)));
		spi_exec(sql.data, SPI_OK_UTILITY);
	}
	contacts_switch_back(&sw);
}

/*
 * Index a feature table on columns.  CREATE INDEX needs CREATE on the
 * extension's schema, which only the extension's owner has: it runs as that
 * owner, which is safe as the indexed columns are text (or integer) with
 * their built-in operator classes, so the build evaluates nothing of the
 * table's owner.  The index belongs to the feature table's owner.
 */
static void
index_feature_table(const DedupeConfig *cfg, const char *table, const char *columns, bool unique)
{
	ContactsRoleSwitch sw;
	char	   *sql = psprintf("CREATE %sINDEX ON %s.%s (%s)", unique ? "UNIQUE " : "", cfg->schema,
							   quote_identifier(table), columns);

	contacts_switch_to(contacts_extension_owner(), &sw);
	spi_exec(sql, SPI_OK_UTILITY);
	contacts_switch_back(&sw);
}

/*
 * Fill the features table and its counts table: how many records share
 * each value of every term-frequency column (field = column position) and
 * each blocking key (field = 100 + rule), values held by a single record
 * left out.  Field 0 counts all records.
 *
 * This reads the table's rows, evaluating its types' output functions and
 * whatever else its owner put there: it runs as the table's owner in a
 * security-restricted operation, as ANALYZE and REINDEX do, so a
 * superuser running it does not run that code with superuser rights.  The
 * caller owns the table (or is a superuser): nothing it may do is lost.
 */
static int64
build_features(DedupeConfig *cfg, const char *schema)
{
	StringInfoData sql;
	int64		rows;
	Oid			owner = dedupe_table_owner(cfg->relid);
	ContactsRoleSwitch sw;
	const char *ft = quote_identifier(cfg->features_table);
	const char *counts = quote_identifier(psprintf("%s_counts", cfg->features_table));
	bool		first = true;

	create_feature_tables(cfg, cfg->relid, owner);
	contacts_switch_to(owner, &sw);
	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s.%s ", schema, ft);
	dedupe_feature_select(cfg, &sql);
	appendStringInfo(&sql, "%s r) s",
					 quote_qualified_identifier(get_namespace_name(get_rel_namespace(cfg->relid)),
												get_rel_name(cfg->relid)));
	spi_exec(sql.data, SPI_OK_INSERT);
	rows = SPI_processed;
	CHECK_FOR_INTERRUPTS();

	/* all counts in one scan: hashed grouping sets */
	resetStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s.%s SELECT 0, ''::text, " INT64_FORMAT "::bigint UNION ALL SELECT CASE",
					 schema, counts, rows);
	for (int f = 0; f < cfg->nfields; f++)
		if (ct_field_kind_tf(cfg->model.field[f].kind))
			appendStringInfo(&sql, " WHEN %s IS NOT NULL THEN %d", tf_key(cfg, f, "f"), f + 1);
	for (int r = 0; r < RULE_COUNT; r++)
		if (dedupe_rule_applies(cfg, (DedupeRule) r))
			appendStringInfo(&sql, " WHEN f.b_%s IS NOT NULL THEN %d", dedupe_rule_names[r], 100 + r);
	appendStringInfoString(&sql, " END, coalesce(");
	for (int f = 0; f < cfg->nfields; f++)
		if (ct_field_kind_tf(cfg->model.field[f].kind))
		{
			appendStringInfo(&sql, "%s%s", first ? "" : ", ", tf_key(cfg, f, "f"));
			first = false;
		}
	for (int r = 0; r < RULE_COUNT; r++)
		if (dedupe_rule_applies(cfg, (DedupeRule) r))
		{
			appendStringInfo(&sql, "%sf.b_%s", first ? "" : ", ", dedupe_rule_names[r]);
			first = false;
		}
	appendStringInfo(&sql, "), count(*) FROM %s.%s f GROUP BY GROUPING SETS (()", schema, ft);
	for (int f = 0; f < cfg->nfields; f++)
		if (ct_field_kind_tf(cfg->model.field[f].kind))
			appendStringInfo(&sql, ", (%s)", tf_key(cfg, f, "f"));
	for (int r = 0; r < RULE_COUNT; r++)
		if (dedupe_rule_applies(cfg, (DedupeRule) r))
			appendStringInfo(&sql, ", (f.b_%s)", dedupe_rule_names[r]);
	appendStringInfoString(&sql, ") HAVING count(*) > 1");
	spi_exec(sql.data, SPI_OK_INSERT);
	CHECK_FOR_INTERRUPTS();
	resetStringInfo(&sql);
	appendStringInfo(&sql, "DELETE FROM %s.%s WHERE field IS NULL OR (k IS NULL AND field <> 0)", schema, counts);
	spi_exec(sql.data, SPI_OK_DELETE);
	contacts_switch_back(&sw);
	index_feature_table(cfg, psprintf("%s_counts", cfg->features_table), "field, k", true);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "ANALYZE %s.%s", schema, counts);
	spi_exec(sql.data, SPI_OK_UTILITY);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "ANALYZE %s.%s", schema, ft);
	spi_exec(sql.data, SPI_OK_UTILITY);
	return rows;
}

/*
 * Candidate pairs of each rule, before removing the pairs an earlier rule
 * already yields: per block of n records (2 <= n <= max_block_size),
 * n(n-1)/2.  Blocks above the size limit are counted and reported.
 */
static int64
count_rule_pairs(DedupeConfig *cfg, const char *schema, int64 *rule_pairs, int64 *rule_skipped)
{
	StringInfoData sql;
	int64		total = 0;

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT field - 100, coalesce(sum(n * (n - 1) / 2) FILTER (WHERE n <= %d), 0)::bigint, "
					 "count(*) FILTER (WHERE n > %d) FROM %s.%s WHERE field >= 100 GROUP BY field",
					 cfg->max_block_size, cfg->max_block_size, schema,
					 quote_identifier(psprintf("%s_counts", cfg->features_table)));
	spi_exec(sql.data, SPI_OK_SELECT);
	for (int r = 0; r < RULE_COUNT; r++)
		rule_pairs[r] = rule_skipped[r] = 0;
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		int			r = DatumGetInt32(SPI_getbinval(t, d, 1, &(bool) {false}));

		if (r < 0 || r >= RULE_COUNT)
			continue;
		rule_pairs[r] = DatumGetInt64(SPI_getbinval(t, d, 2, &(bool) {false}));
		rule_skipped[r] = DatumGetInt64(SPI_getbinval(t, d, 3, &(bool) {false}));
		total += rule_pairs[r];
	}
	for (int r = 0; r < RULE_COUNT; r++)
		if (rule_skipped[r] > 0)
			ereport(NOTICE,
					(errmsg("dedupe \"%s\": rule %s skips " INT64_FORMAT " blocks of more than %d records",
							cfg->name, dedupe_rule_names[r], rule_skipped[r], cfg->max_block_size),
					 errhint("Those values are too common to block on; other rules still compare their records.")));
	return total;
}

typedef void (*PairCallback) (void *state, int64 a, int64 b, const uint8 *gamma,
							  const CtFieldValue *x, const CtFieldValue *y);

/*
 * Term frequencies of the run, in memory: a lookup per compared record is
 * much cheaper than joining the counts table to every block's rows.
 * Values no other record has are not there (count 1).
 */
typedef struct TfEntry
{
	char		key[CT_KEY_MAX + 8];	/* field number, a space, the value */
	int64		n;
} TfEntry;

static HTAB *
load_tf(const DedupeConfig *cfg, const char *schema)
{
	HASHCTL		ctl;
	HTAB	   *tab;
	StringInfoData sql;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = CT_KEY_MAX + 8;
	ctl.entrysize = sizeof(TfEntry);
	ctl.hcxt = CurrentMemoryContext;
	tab = hash_create("dedupe term frequencies", 1024, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT field, k, n FROM %s.%s WHERE field BETWEEN 1 AND 99",
					 schema, quote_identifier(psprintf("%s_counts", cfg->features_table)));
	spi_exec(sql.data, SPI_OK_SELECT);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		char		key[CT_KEY_MAX + 8];
		TfEntry    *e;

		int			len;

		/* records' keys are compared in UTF-8: store these so too */
		snprintf(key, sizeof(key), "%d %s", DatumGetInt32(SPI_getbinval(t, d, 1, &(bool) {false})),
				 contacts_cstring_to_utf8(SPI_getvalue(t, d, 2), &len));
		e = hash_search(tab, key, HASH_ENTER, NULL);
		e->n = DatumGetInt64(SPI_getbinval(t, d, 3, &(bool) {false}));
		if ((i & 4095) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	SPI_freetuptable(SPI_tuptable);
	return tab;
}

/* set the tf of each term-frequency field of a record from the table */
static void
fill_tf(const DedupeConfig *cfg, HTAB *tab, CtFieldValue *values)
{
	for (int f = 0; f < cfg->nfields; f++)
	{
		char		key[CT_KEY_MAX + 8];
		const char *v = values[f].key;
		size_t		len = values[f].key_len;
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
		snprintf(key, sizeof(key), "%d %.*s", f + 1, (int) len, v);
		e = hash_search(tab, key, HASH_FIND, NULL);
		values[f].tf = (e ? (double) e->n : 1.0) / cfg->records;
	}
}

/* one record of the block being compared */
typedef struct BlockRecord
{
	int64		key;
	CtFieldValue values[CT_MAX_FIELDS];
	char	   *bkey[RULE_COUNT];	/* blocking keys, NULL when none */
} BlockRecord;

typedef struct BlockScan
{
	DedupeConfig *cfg;
	int			rule;
	PairCallback callback;
	void	   *state;
	int64		compared[RULE_COUNT];	/* pairs compared, per rule */
	char	  **oversized[RULE_COUNT];	/* sorted keys of skipped blocks */
	int			noversized[RULE_COUNT];
	HTAB	   *tf;				/* term frequencies */
} BlockScan;

static int
compare_cstring(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The keys of the blocks each rule skips: few, as blocks are large. */
static void
load_oversized(BlockScan *scan, const char *schema)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT field - 100, k FROM %s.%s WHERE field >= 100 AND n > %d ORDER BY 1",
					 schema, quote_identifier(psprintf("%s_counts", scan->cfg->features_table)),
					 scan->cfg->max_block_size);
	spi_exec(sql.data, SPI_OK_SELECT);
	for (int r = 0; r < RULE_COUNT; r++)
	{
		scan->oversized[r] = palloc(sizeof(char *) * Max(SPI_processed, 1));
		scan->noversized[r] = 0;
	}
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		int			r = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &(bool) {false}));

		if (r >= 0 && r < RULE_COUNT)
			scan->oversized[r][scan->noversized[r]++] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
	}
	for (int r = 0; r < RULE_COUNT; r++)
		qsort(scan->oversized[r], scan->noversized[r], sizeof(char *), compare_cstring);
}

/*
 * Whether an earlier rule puts the two records in a block of its own: the
 * pair is then compared there, not again.
 */
static bool
seen_by_earlier_rule(const BlockScan *scan, const BlockRecord *x, const BlockRecord *y)
{
	for (int r = 0; r < scan->rule; r++)
		if (x->bkey[r] && y->bkey[r] && strcmp(x->bkey[r], y->bkey[r]) == 0 &&
			bsearch(&x->bkey[r], scan->oversized[r], scan->noversized[r], sizeof(char *),
					compare_cstring) == NULL)
			return true;
	return false;
}

static void
compare_block(BlockScan *scan, BlockRecord *recs, int n, MemoryContext block_cxt)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
		{
			BlockRecord *x = &recs[i],
					   *y = &recs[j];
			uint8		gamma[CT_MAX_FIELDS];
			MemoryContext old;

			if (x->key > y->key)
			{
				BlockRecord *t = x;

				x = y;
				y = t;
			}
			if (x->key == y->key || seen_by_earlier_rule(scan, x, y))
				continue;
			old = MemoryContextSwitchTo(block_cxt);
			ct_compare(&scan->cfg->model, x->values, y->values, gamma, &contacts_palloc_allocator);
			MemoryContextSwitchTo(old);
			scan->callback(scan->state, x->key, y->key, gamma, x->values, y->values);
			scan->compared[scan->rule]++;
		}
}

/*
 * Compare all pairs within the blocks of every rule: the records of valid
 * blocks come sorted by blocking key, a block at a time is held in memory
 * (at most max_block_size records).  sample_per_65536 > 0 keeps only that
 * share of the blocks (by a hash of the key).  Returns the pairs compared.
 */
static int64
scan_blocks(DedupeConfig *cfg, const char *schema, int sample_per_65536,
			PairCallback callback, void *state, int64 *compared, int64 expected, const char *what)
{
	BlockScan	scan;
	MemoryContext block_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe block",
													ALLOCSET_DEFAULT_SIZES);
	MemoryContext old;
	BlockRecord *recs = palloc(sizeof(BlockRecord) * cfg->max_block_size);
	int			natts = 1 + 3 * cfg->nfields + RULE_COUNT;
	Datum	   *datums = palloc(sizeof(Datum) * natts);
	bool	   *nulls = palloc(sizeof(bool) * natts);
	int64		done = 0,
				next_notice = 1000000;
	StringInfoData sql;

	memset(&scan, 0, sizeof(scan));
	scan.cfg = cfg;
	scan.callback = callback;
	scan.state = state;
	load_oversized(&scan, schema);
	scan.tf = load_tf(cfg, schema);
	initStringInfo(&sql);
	for (int r = 0; r < RULE_COUNT; r++)
	{
		const char *rule = dedupe_rule_names[r];
		SPIPlanPtr	plan;
		Portal		portal;
		int			n = 0;

		if (!dedupe_rule_applies(cfg, (DedupeRule) r))
			continue;
		scan.rule = r;
		resetStringInfo(&sql);
		appendStringInfoString(&sql, "SELECT f.key");
		dedupe_side_select(cfg, "f", false, &sql);
		for (int k = 0; k < RULE_COUNT; k++)
			appendStringInfo(&sql, ", f.b_%s", dedupe_rule_names[k]);
		appendStringInfo(&sql, " FROM %s.%s f", schema, quote_identifier(cfg->features_table));
		appendStringInfo(&sql, " WHERE f.b_%s IN (SELECT k FROM %s.%s WHERE field = %d AND n <= %d)",
						 rule, schema, quote_identifier(psprintf("%s_counts", cfg->features_table)),
						 100 + r, cfg->max_block_size);
		if (sample_per_65536 > 0)
			appendStringInfo(&sql, " AND (hashtext(f.b_%s) & 65535) < %d", rule, sample_per_65536);
		appendStringInfo(&sql, " ORDER BY f.b_%s COLLATE \"C\"", rule);
		plan = SPI_prepare(sql.data, 0, NULL);
		if (plan == NULL)
			elog(ERROR, "dedupe: SPI_prepare failed: %s", sql.data);
		portal = SPI_cursor_open(NULL, plan, NULL, NULL, false);
		for (;;)
		{
			SPITupleTable *tt;
			uint64		nrows;

			SPI_cursor_fetch(portal, true, FETCH_ROWS);
			if (SPI_processed == 0)
				break;
			/* the callbacks run SPI too: keep this fetch's table and count */
			tt = SPI_tuptable;
			nrows = SPI_processed;
			for (uint64 i = 0; i < nrows; i++)
			{
				BlockRecord *rec;
				text	   *bkey;
				int			bcol = 1 + 3 * cfg->nfields + r;

				heap_deform_tuple(tt->vals[i], tt->tupdesc, datums, nulls);
				bkey = DatumGetTextPP(datums[bcol]);
				/* a new key: compare the finished block */
				if (n > 0 && !(strlen(recs[0].bkey[r]) == VARSIZE_ANY_EXHDR(bkey) &&
							   memcmp(recs[0].bkey[r], VARDATA_ANY(bkey), VARSIZE_ANY_EXHDR(bkey)) == 0))
				{
					compare_block(&scan, recs, n, block_cxt);
					MemoryContextReset(block_cxt);
					n = 0;
				}
				if (n >= cfg->max_block_size)
					elog(ERROR, "dedupe: block larger than its counted size");
				/* keep the record, its values copied into the block's memory */
				old = MemoryContextSwitchTo(block_cxt);
				rec = &recs[n++];
				rec->key = DatumGetInt64(datums[0]);
				for (int c = 1; c <= 3 * cfg->nfields; c++)
					if (!nulls[c] && (c % 3) != 0)
						datums[c] = PointerGetDatum(PG_DETOAST_DATUM_COPY(datums[c]));
				dedupe_read_side(cfg, datums, nulls, 1, rec->values);
				fill_tf(cfg, scan.tf, rec->values);
				for (int k = 0; k < RULE_COUNT; k++)
				{
					int			c = 1 + 3 * cfg->nfields + k;

					rec->bkey[k] = nulls[c] ? NULL : TextDatumGetCString(datums[c]);
				}
				MemoryContextSwitchTo(old);
			}
			SPI_freetuptable(tt);
			CHECK_FOR_INTERRUPTS();
			done = 0;
			for (int k = 0; k < RULE_COUNT; k++)
				done += scan.compared[k];
			if (done >= next_notice)
			{
				ereport(NOTICE, (errmsg("dedupe \"%s\": %s " INT64_FORMAT " of about " INT64_FORMAT " pairs",
										cfg->name, what, done, expected)));
				next_notice = done + 1000000;
			}
		}
		if (n > 0)
			compare_block(&scan, recs, n, block_cxt);
		SPI_cursor_close(portal);
		SPI_freeplan(plan);
		MemoryContextReset(block_cxt);
	}
	MemoryContextDelete(block_cxt);
	hash_destroy(scan.tf);
	done = 0;
	for (int k = 0; k < RULE_COUNT; k++)
	{
		done += scan.compared[k];
		if (compared)
			compared[k] = scan.compared[k];
	}
	return done;
}

typedef struct EstimateState
{
	const CtMatchModel *model;
	CtPatternCounts *patterns;
	double		tf_sums[CT_MAX_FIELDS];
	double		tf_counts[CT_MAX_FIELDS];
} EstimateState;

static void
count_pattern(void *state, int64 a, int64 b, const uint8 *gamma,
			  const CtFieldValue *x, const CtFieldValue *y)
{
	EstimateState *es = (EstimateState *) state;

	if (!ct_patterns_add(es->patterns, gamma, 1))
		elog(ERROR, "out of memory");
	ct_tf_accumulate(es->model, gamma, x, y, es->tf_sums, es->tf_counts);
}

typedef struct Link
{
	int64		a;
	int64		b;
	double		probability;
} Link;

typedef struct ScoreState
{
	DedupeConfig *cfg;
	int64		run_id;
	SPIPlanPtr	insert;
	MemoryContext batch_cxt;
	int			n;
	Datum		a[WRITE_BATCH];
	Datum		b[WRITE_BATCH];
	Datum		p[WRITE_BATCH];
	Datum		w[WRITE_BATCH];
	Datum		e[WRITE_BATCH];
	const char *names[CT_MAX_FIELDS];
	Link	   *links;
	int64		nlinks;
	int64		links_cap;
	int64		links_max;		/* from maintenance_work_mem */
} ScoreState;

static void
flush_pairs(ScoreState *st)
{
	Datum		args[6];

	if (st->n == 0)
		return;
	args[0] = Int64GetDatum(st->run_id);
	args[1] = PointerGetDatum(construct_array(st->a, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_array(st->b, st->n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[3] = PointerGetDatum(construct_array(st->p, st->n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[4] = PointerGetDatum(construct_array(st->w, st->n, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[5] = PointerGetDatum(construct_array(st->e, st->n, TEXTOID, -1, false, TYPALIGN_INT));
	if (SPI_execute_plan(st->insert, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "dedupe: could not store pairs");
	st->n = 0;
	MemoryContextReset(st->batch_cxt);
}

static void
score_pair(void *state, int64 a, int64 b, const uint8 *gamma,
		   const CtFieldValue *x, const CtFieldValue *y)
{
	ScoreState *st = (ScoreState *) state;
	double		weights[CT_MAX_FIELDS];
	double		total = ct_score(&st->cfg->model, gamma, x, y, weights);
	double		p = ct_probability(total);
	MemoryContext old;
	char		buf[2048];
	size_t		need;

	if (p < st->cfg->threshold)
		return;
	if (st->nlinks >= st->links_max)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("dedupe \"%s\": more than " INT64_FORMAT " pairs reach the threshold %.3f",
						st->cfg->name, st->links_max, st->cfg->threshold),
				 errhint("Raise the threshold in contacts.dedupe_settings or maintenance_work_mem.")));
	if (st->nlinks == st->links_cap)
	{
		st->links_cap *= 2;
		st->links = repalloc_huge(st->links, sizeof(Link) * st->links_cap);
	}
	st->links[st->nlinks].a = a;
	st->links[st->nlinks].b = b;
	st->links[st->nlinks].probability = p;
	st->nlinks++;

	old = MemoryContextSwitchTo(st->batch_cxt);
	need = ct_explain(&st->cfg->model, st->names, gamma, weights, buf, sizeof(buf));
	if (need > sizeof(buf))
	{
		char	   *big = palloc(need);

		ct_explain(&st->cfg->model, st->names, gamma, weights, big, need);
		st->e[st->n] = CStringGetTextDatum(contacts_utf8_to_cstring(big, need - 1));
	}
	else
		st->e[st->n] = CStringGetTextDatum(contacts_utf8_to_cstring(buf, need - 1));
	st->a[st->n] = Int64GetDatum(a);
	st->b[st->n] = Int64GetDatum(b);
	st->p[st->n] = Float8GetDatum(p);
	st->w[st->n] = Float8GetDatum(total);
	st->n++;
	MemoryContextSwitchTo(old);
	if (st->n == WRITE_BATCH)
		flush_pairs(st);
}

static int
compare_int64(const void *x, const void *y)
{
	int64		a = *(const int64 *) x,
				b = *(const int64 *) y;

	return a < b ? -1 : a > b;
}

static uint32
key_index(const int64 *keys, int64 n, int64 key)
{
	const int64 *hit = bsearch(&key, keys, n, sizeof(int64), compare_int64);

	Assert(hit != NULL);
	return (uint32) (hit - keys);
}

typedef struct ClusterSummary
{
	int64		clusters;
	int64		records;
	int64		flagged;
	long		refused;
	StringInfoData sizes;		/* jsonb text: {"2": n, "3": n, ...} */
} ClusterSummary;

/* Cluster the stored links and write dedupe_clusters. */
static void
cluster_links(ScoreState *st, const char *schema, ClusterSummary *out)
{
	int64		nkeys = 0;
	int64	   *keys = palloc_extended(sizeof(int64) * Max(2 * st->nlinks, 1), MCXT_ALLOC_HUGE);
	CtLink	   *links = palloc_extended(sizeof(CtLink) * Max(st->nlinks, 1), MCXT_ALLOC_HUGE);
	uint32	   *cluster;
	bool	   *flagged;
	uint32	   *size;
	SPIPlanPtr	plan;
	Oid			argtypes[5] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, INT4ARRAYOID, BOOLARRAYOID};
	Datum	   *ca,
			   *cb,
			   *cs,
			   *cf;
	int			n = 0;
	int64		hist[11] = {0};	/* sizes 2..10, then larger */

	for (int64 i = 0; i < st->nlinks; i++)
	{
		keys[nkeys++] = st->links[i].a;
		keys[nkeys++] = st->links[i].b;
	}
	qsort(keys, nkeys, sizeof(int64), compare_int64);
	{
		int64		u = 0;

		for (int64 i = 0; i < nkeys; i++)
			if (u == 0 || keys[i] != keys[u - 1])
				keys[u++] = keys[i];
		nkeys = u;
	}
	if (nkeys > (int64) PG_UINT32_MAX)
		elog(ERROR, "dedupe: too many linked records");
	for (int64 i = 0; i < st->nlinks; i++)
	{
		links[i].a = key_index(keys, nkeys, st->links[i].a);
		links[i].b = key_index(keys, nkeys, st->links[i].b);
		links[i].probability = st->links[i].probability;
	}
	CHECK_FOR_INTERRUPTS();
	cluster = palloc_extended(sizeof(uint32) * Max(nkeys, 1), MCXT_ALLOC_HUGE);
	flagged = palloc_extended(sizeof(bool) * Max(nkeys, 1), MCXT_ALLOC_HUGE);
	size = palloc_extended(sizeof(uint32) * Max(nkeys, 1), MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	out->refused = ct_cluster((uint32) nkeys, links, st->nlinks, (uint32) st->cfg->max_cluster_size,
							  cluster, flagged, &contacts_palloc_allocator);
	if (out->refused < 0)
		elog(ERROR, "out of memory");
	for (int64 i = 0; i < nkeys; i++)
		size[cluster[i]]++;
	out->clusters = 0;
	out->records = 0;
	out->flagged = 0;
	for (int64 i = 0; i < nkeys; i++)
		if (size[cluster[i]] >= 2)
			out->records++;
	/* a record whose every link was refused stays alone: not a cluster */
	for (int64 i = 0; i < nkeys; i++)
		if (cluster[i] == i && size[i] >= 2)
		{
			out->clusters++;
			hist[Min(size[i], 12) - 2]++;
			if (flagged[i])
				out->flagged++;
		}
	initStringInfo(&out->sizes);
	appendStringInfoChar(&out->sizes, '{');
	for (int s = 0; s < 11; s++)
		if (hist[s])
			appendStringInfo(&out->sizes, "%s\"%s%d\": " INT64_FORMAT, out->sizes.len > 1 ? ", " : "",
							 s == 10 ? ">=" : "", s + 2, hist[s]);
	appendStringInfoChar(&out->sizes, '}');

	plan = SPI_prepare(psprintf("INSERT INTO %s.dedupe_clusters (run_id, cluster_id, key, cluster_size, flagged) "
								"SELECT $1, c, k, s, f FROM unnest($2, $3, $4, $5) AS u(c, k, s, f)", schema),
					   5, argtypes);
	ca = palloc(sizeof(Datum) * WRITE_BATCH);
	cb = palloc(sizeof(Datum) * WRITE_BATCH);
	cs = palloc(sizeof(Datum) * WRITE_BATCH);
	cf = palloc(sizeof(Datum) * WRITE_BATCH);
	for (int64 i = 0; i <= nkeys; i++)
	{
		if (n == WRITE_BATCH || (i == nkeys && n > 0))
		{
			Datum		args[5];

			args[0] = Int64GetDatum(st->run_id);
			args[1] = PointerGetDatum(construct_array(ca, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[2] = PointerGetDatum(construct_array(cb, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
			args[3] = PointerGetDatum(construct_array(cs, n, INT4OID, 4, true, TYPALIGN_INT));
			args[4] = PointerGetDatum(construct_array(cf, n, BOOLOID, 1, true, TYPALIGN_CHAR));
			if (SPI_execute_plan(plan, args, NULL, false, 0) != SPI_OK_INSERT)
				elog(ERROR, "dedupe: could not store clusters");
			n = 0;
			CHECK_FOR_INTERRUPTS();
		}
		if (i == nkeys)
			break;
		if (size[cluster[i]] < 2)
			continue;
		ca[n] = Int64GetDatum(keys[cluster[i]]);
		cb[n] = Int64GetDatum(keys[i]);
		cs[n] = Int32GetDatum((int32) size[cluster[i]]);
		cf[n] = BoolGetDatum(flagged[cluster[i]]);
		n++;
	}
	SPI_freeplan(plan);
}

/* The model as jsonb text, for the run summary. */
static char *
model_json(const DedupeConfig *cfg)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfo(&s, "{\"prior\": %.6g, \"fields\": {", cfg->model.lambda);
	for (int f = 0; f < cfg->nfields; f++)
	{
		const CtFieldModel *fm = &cfg->model.field[f];

		if (f)
			appendStringInfoString(&s, ", ");
		escape_json(&s, cfg->columns[f]);
		appendStringInfo(&s, ": {\"kind\": \"%s\", \"fixed\": %s, \"levels\": [",
						 ct_field_kind_name(fm->kind), fm->fixed ? "true" : "false");
		for (int l = 0; l < fm->nlevels; l++)
			appendStringInfo(&s, "%s{\"level\": \"%s\", \"m\": %.6g, \"u\": %.6g, \"weight\": %.2f}",
							 l ? ", " : "", ct_field_level_name(fm->kind, l), fm->m[l], fm->u[l],
							 fm->weight[l]);
		appendStringInfoString(&s, "]}");
	}
	appendStringInfoString(&s, "}}");
	return s.data;
}

/* Store the estimated model as the configuration's next starting point. */
static void
save_model(const DedupeConfig *cfg, const char *schema)
{
	Oid			argtypes[5] = {OIDOID, TEXTOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8OID};
	SPIPlanPtr	plan = SPI_prepare(psprintf("INSERT INTO %s.dedupe_model AS d (tbl, col, m, u, tf_reference) "
											"VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tbl, col) DO UPDATE "
											"SET m = CASE WHEN d.fixed THEN d.m ELSE excluded.m END, "
											"u = CASE WHEN d.fixed THEN d.u ELSE excluded.u END, "
											"tf_reference = excluded.tf_reference",
											schema), 5, argtypes);

	for (int f = 0; f < cfg->nfields; f++)
	{
		const CtFieldModel *fm = &cfg->model.field[f];
		Datum		m[CT_MAX_LEVELS],
					u[CT_MAX_LEVELS];
		Datum		args[5];
		char		nulls[5] = {' ', ' ', ' ', ' ', fm->tf_reference != 0 ? ' ' : 'n'};

		for (int l = 0; l < fm->nlevels; l++)
		{
			m[l] = Float8GetDatum(fm->m[l]);
			u[l] = Float8GetDatum(fm->u[l]);
		}
		args[0] = ObjectIdGetDatum(cfg->relid);
		args[1] = CStringGetTextDatum(cfg->columns[f]);
		args[2] = PointerGetDatum(construct_array(m, fm->nlevels, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[3] = PointerGetDatum(construct_array(u, fm->nlevels, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[4] = Float8GetDatum(fm->tf_reference);
		if (SPI_execute_plan(plan, args, nulls, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "dedupe: could not store the model");
	}
	SPI_freeplan(plan);
}

PG_FUNCTION_INFO_V1(contacts_dedupe_run);

Datum
contacts_dedupe_run(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	const char *name;
	DedupeConfig *cfg;
	const char *schema;
	PhaseClock	clock;
	StringInfoData by_rule;
	StringInfoData sql;
	int64		run_id,
				records,
				candidates,
				raw_pairs,
				sampled;
	int64		rule_pairs[RULE_COUNT],
				rule_skipped[RULE_COUNT],
				rule_compared[RULE_COUNT] = {0};
	int			em_iterations = 0;
	double		reduction;
	ScoreState *st;
	ClusterSummary cs;
	Oid			argtypes[6] = {INT8OID, INT8ARRAYOID, INT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID, TEXTARRAYOID};
	int			search_path_level;

	/*
	 * Like ANALYZE or REINDEX, a run rebuilds what is derived from the table
	 * (its features and model): its owner's business.  Its rows are read, so
	 * SELECT too.
	 */
	contacts_require_table(relid, ACL_OWNER_CHECK | ACL_SELECT, "find duplicates in");
	name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(relid)));
	SPI_connect();
	search_path_level = contacts_pin_search_path();
	cfg = dedupe_load_config(relid, name, true, true);
	schema = cfg->schema;
	cfg->features_table = dedupe_features_name(relid);
	initStringInfo(&clock.seconds);
	appendStringInfoChar(&clock.seconds, '{');
	initStringInfo(&clock.cpu_seconds);
	appendStringInfoChar(&clock.cpu_seconds, '{');
	phase_start(&clock);

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s.dedupe_runs (tbl) VALUES (%u) RETURNING run_id",
					 schema, relid);
	spi_exec(sql.data, SPI_OK_INSERT_RETURNING);
	run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &(bool) {false}));

	/* features */
	records = build_features(cfg, schema);
	cfg->records = records;
	phase_done(&clock, "features", name, psprintf(INT64_FORMAT " records", records));

	/* blocking: how many pairs each rule's blocks hold */
	raw_pairs = count_rule_pairs(cfg, schema, rule_pairs, rule_skipped);
	phase_done(&clock, "blocking", name,
			   psprintf(INT64_FORMAT " pairs in blocks of at most %d records", raw_pairs, cfg->max_block_size));

	/* estimate: EM on the comparison vectors of a sample of the blocks */
	{
		EstimateState es;
		int			sample = 0;
		bool		any_free = false;

		for (int f = 0; f < cfg->nfields; f++)
			any_free = any_free || !cfg->model.field[f].fixed;
		if (raw_pairs > cfg->em_sample_pairs)
			sample = Max(1, (int) (65536.0 * cfg->em_sample_pairs / raw_pairs));
		sampled = 0;
		memset(&es, 0, sizeof(es));
		es.model = &cfg->model;
		es.patterns = ct_patterns_create(cfg->nfields, &contacts_palloc_allocator);
		if (cfg->em_iterations > 0 && raw_pairs > 0)
		{
			sampled = scan_blocks(cfg, schema, sample, count_pattern, &es, NULL,
								  Min(raw_pairs, cfg->em_sample_pairs), "compared for EM");
			/* a handful of pairs would teach EM nothing but noise */
			if (any_free && sampled >= EM_MIN_PAIRS)
			{
				CtMatchModel start = cfg->model;

				em_iterations = ct_em(&cfg->model, es.patterns, cfg->em_iterations, 1e-5);

				/*
				 * Nearly every candidate pair a match (or none) leaves EM
				 * nothing to tell the two apart by: keep the start.
				 */
				if (cfg->model.lambda > EM_MAX_PRIOR || cfg->model.lambda < EM_MIN_PRIOR)
				{
					ereport(NOTICE,
							(errmsg("dedupe \"%s\": EM found %.4f of the candidate pairs to be matches, "
									"too few of one kind to estimate from; the starting values are kept",
									name, cfg->model.lambda)));
					cfg->model = start;
					em_iterations = 0;
				}
			}
			else if (any_free)
				ereport(NOTICE,
						(errmsg("dedupe \"%s\": " INT64_FORMAT " candidate pairs are too few to estimate m and u, "
								"the starting values are kept", name, sampled)));
			ct_tf_set_reference(&cfg->model, es.tf_sums, es.tf_counts);
		}
		phase_done(&clock, "estimate", name,
				   psprintf(INT64_FORMAT " pairs sampled, %zu comparison patterns, %d EM iterations, prior %.4f",
							sampled, ct_patterns_distinct(es.patterns), em_iterations, cfg->model.lambda));
		ct_patterns_free(es.patterns);
	}

	/* scoring */
	st = palloc0(sizeof(ScoreState));
	st->cfg = cfg;
	st->run_id = run_id;
	st->insert = SPI_prepare(psprintf("INSERT INTO %s.dedupe_pairs (run_id, key_a, key_b, probability, weight, explanation) "
									  "SELECT $1, a, b, p, w, e::jsonb FROM unnest($2, $3, $4, $5, $6) AS u(a, b, p, w, e)",
									  schema), 6, argtypes);
	st->batch_cxt = AllocSetContextCreate(CurrentMemoryContext, "dedupe pair writes", ALLOCSET_DEFAULT_SIZES);
	for (int f = 0; f < cfg->nfields; f++)
		st->names[f] = cfg->columns[f];
	st->links_cap = 1024;
	st->links = palloc(sizeof(Link) * st->links_cap);
	st->links_max = (int64) maintenance_work_mem * 1024 / (sizeof(Link) + 2 * sizeof(int64) + sizeof(CtLink) + 12);
	candidates = raw_pairs > 0 ?
		scan_blocks(cfg, schema, 0, score_pair, st, rule_compared, raw_pairs, "scored") : 0;
	flush_pairs(st);
	reduction = records > 1 ? 1.0 - (double) candidates / ((double) records * (records - 1) / 2) : 0;
	initStringInfo(&by_rule);
	appendStringInfoChar(&by_rule, '{');
	for (int r = 0; r < RULE_COUNT; r++)
		if (dedupe_rule_applies(cfg, (DedupeRule) r))
			appendStringInfo(&by_rule, "%s\"%s\": {\"pairs_in_blocks\": " INT64_FORMAT
							 ", \"pairs_compared\": " INT64_FORMAT ", \"blocks_skipped\": " INT64_FORMAT "}",
							 by_rule.len > 1 ? ", " : "", dedupe_rule_names[r], rule_pairs[r],
							 rule_compared[r], rule_skipped[r]);
	appendStringInfoChar(&by_rule, '}');
	phase_done(&clock, "scoring", name,
			   psprintf(INT64_FORMAT " candidate pairs compared (reduction ratio %.6f), " INT64_FORMAT " at or above %.3f",
						candidates, reduction, st->nlinks, cfg->threshold));

	/* clustering */
	cluster_links(st, schema, &cs);
	phase_done(&clock, "clustering", name,
			   psprintf(INT64_FORMAT " clusters of " INT64_FORMAT " records, " INT64_FORMAT " flagged",
						cs.clusters, cs.records, cs.flagged));

	/* indexes on the blocking keys, for dedupe_match */
	for (int r = 0; r < RULE_COUNT; r++)
		if (dedupe_rule_applies(cfg, (DedupeRule) r))
		{
			index_feature_table(cfg, cfg->features_table, psprintf("b_%s", dedupe_rule_names[r]), false);
			CHECK_FOR_INTERRUPTS();
		}
	phase_done(&clock, "indexing", name, NULL);

	/* summary and model */
	save_model(cfg, schema);
	resetStringInfo(&sql);
	appendStringInfo(&sql, "UPDATE %s.dedupe_settings SET prior = %.10g, features_table = %s WHERE tbl = %u",
					 schema, cfg->model.lambda, quote_literal_cstr(cfg->features_table), relid);
	spi_exec(sql.data, SPI_OK_UPDATE);
	appendStringInfoChar(&clock.seconds, '}');
	appendStringInfoChar(&clock.cpu_seconds, '}');
	resetStringInfo(&sql);
	appendStringInfo(&sql,
					 "UPDATE %s.dedupe_runs SET finished_at = clock_timestamp(), records = " INT64_FORMAT
					 ", candidate_pairs = " INT64_FORMAT ", pairs_by_rule = %s, reduction_ratio = %.9f"
					 ", pairs_above_threshold = " INT64_FORMAT ", clusters = " INT64_FORMAT
					 ", records_in_clusters = " INT64_FORMAT ", cluster_sizes = %s, flagged_clusters = " INT64_FORMAT
					 ", refused_links = %ld, em_iterations = %d, model = %s, seconds = %s, cpu_seconds = %s WHERE run_id = " INT64_FORMAT,
					 schema, records, candidates, quote_literal_cstr(by_rule.data), reduction,
					 st->nlinks, cs.clusters, cs.records, quote_literal_cstr(cs.sizes.data), cs.flagged,
					 cs.refused, em_iterations, quote_literal_cstr(model_json(cfg)),
					 quote_literal_cstr(clock.seconds.data), quote_literal_cstr(clock.cpu_seconds.data), run_id);
	spi_exec(sql.data, SPI_OK_UPDATE);
	contacts_unpin_search_path(search_path_level);
	SPI_finish();
	PG_RETURN_INT64(run_id);
}
