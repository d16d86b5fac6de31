/*
 * dedupe_sql.c
 *		The SQL that computes and reads a table's features: the blocking
 *		rules, the select list of the features (shared by dedupe_run() and
 *		dedupe_match(), so a probe is keyed exactly as the records were) and
 *		the select list and joins reading one side of a pair.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "core/match_keys.h"
#include "dedupe.h"
#include "spi_util.h"
#include "textconv.h"

static int
first_field(const DedupeConfig *cfg, CtFieldKind kind)
{
	for (int f = 0; f < cfg->nfields; f++)
		if (cfg->model.field[f].kind == kind)
			return f + 1;
	return 0;
}

/* the columns of a configuration the rules read, 1-based, 0 when absent */
typedef struct RuleFields
{
	int			email,
				phone,
				full,
				given,
				family,
				company,
				city,
				nid,
				post,
				birth,
				address,
				ident;
} RuleFields;

static void
rule_fields(const DedupeConfig *cfg, RuleFields *rf)
{
	rf->email = first_field(cfg, CT_FIELD_EMAIL);
	rf->phone = first_field(cfg, CT_FIELD_PHONE);
	rf->full = first_field(cfg, CT_FIELD_FULL_NAME);
	rf->given = first_field(cfg, CT_FIELD_GIVEN_NAME);
	rf->family = first_field(cfg, CT_FIELD_FAMILY_NAME);
	rf->company = first_field(cfg, CT_FIELD_COMPANY);
	rf->city = first_field(cfg, CT_FIELD_CITY);
	rf->nid = first_field(cfg, CT_FIELD_NATIONAL_ID);
	rf->post = first_field(cfg, CT_FIELD_POSTCODE);
	rf->birth = first_field(cfg, CT_FIELD_BIRTH_DATE);
	rf->address = first_field(cfg, CT_FIELD_ADDRESS);
	rf->ident = first_field(cfg, CT_FIELD_IDENTIFIER);
}

/* the bit of column f (1-based; 0: none) in a rule's columns */
#define COL(f) ((f) ? 1u << ((f) - 1) : 0u)

/*
 * Add a candidate; columns: the bits of the columns its key reads,
 * column_key: its key is the whole key of that one column.
 */
static void
add_rule(DedupeConfig *cfg, const char *name, char *expr, char *row_expr, uint32 columns, bool column_key)
{
	DedupeRule *r;

	if (cfg->nrules >= DEDUPE_MAX_RULES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("table %s has more than %d blocking rules", cfg->name, DEDUPE_MAX_RULES),
				 errhint("Disable or delete some of its rules in contacts.dedupe_blocking_rules.")));
	r = &cfg->rules[cfg->nrules++];
	memset(r, 0, sizeof(*r));
	r->name = pstrdup(name);
	r->expr = expr;
	r->row_expr = row_expr;
	r->column = quote_identifier(psprintf("b_%s", name));
	r->stats.columns = columns;
	r->stats.column_key = column_key;
}

static DedupeRule *
find_rule(DedupeConfig *cfg, const char *name)
{
	for (int i = 0; i < cfg->nrules; i++)
		if (strcmp(cfg->rules[i].name, name) == 0)
			return &cfg->rules[i];
	return NULL;
}

/*
 * The candidate rules of the configured columns.  Each gives a record one
 * key, NULL when a part is missing.  Over the features' select: s.kN is
 * the key of column N, p.name, p.family and p.given the phonetic codes of
 * the name (its words sorted: swapped given and family names agree), of
 * the family and of the given name.  A typo breaks the keys of the column
 * it hits, never those of the others: rules over different columns
 * together survive one typo anywhere, and a transposed or mistyped digit
 * of an identifier leaves its head or its tail intact (the head is the
 * first half, the tail the last half less one character, so no
 * transposition of two neighbours touches both).  The first seven are the
 * rules dedupe always had; the plan decides which the table can afford.
 */
static void
column_rules(DedupeConfig *cfg)
{
	RuleFields	rf;
	bool		name = false;
	uint32		names;
	char	   *place;
	char	   *date_parts = NULL;

	rule_fields(cfg, &rf);
	name = rf.full || rf.given || rf.family;
	names = COL(rf.full) | COL(rf.given) | COL(rf.family);
	/*
	 * Names are blocked within a city (else the country): the same person
	 * rarely changes both, and common names over a whole country make
	 * blocks too large to compare.
	 */
	place = rf.city ? psprintf("coalesce(s.k%d, s.region, '')", rf.city) : "coalesce(s.region, '')";
	if (rf.birth)
		date_parts = psprintf("left(s.k%1$d, 4) || least(substr(s.k%1$d, 5, 2), substr(s.k%1$d, 7, 2)) "
							  "|| greatest(substr(s.k%1$d, 5, 2), substr(s.k%1$d, 7, 2))", rf.birth);
	if (rf.email)
		add_rule(cfg, "email", psprintf("s.k%d", rf.email), NULL, COL(rf.email), true);
	if (rf.phone)
		add_rule(cfg, "phone", psprintf("s.k%d", rf.phone), NULL, COL(rf.phone), true);
	if (name)
		add_rule(cfg, "name", psprintf("p.name || ' ' || %s", place), NULL, names | COL(rf.city), false);
	if (rf.family && rf.given)
		add_rule(cfg, "family_initial", psprintf("p.family || ' ' || left(s.k%d, 1) || ' ' || %s", rf.given, place),
				 NULL, COL(rf.family) | COL(rf.given) | COL(rf.city), false);
	/* colleagues in one office share company and city: add the surname's initial */
	if (rf.company)
		add_rule(cfg, "company_city",
				 psprintf("s.k%d || '|' || %s || '|' || %s", rf.company,
						  rf.city ? psprintf("coalesce(s.k%d, '')", rf.city) : "''",
						  rf.family ? psprintf("coalesce(left(s.k%d, 1), '')", rf.family) :
						  rf.full ? "coalesce(left(p.name, 1), '')" : "''"),
				 NULL, COL(rf.company) | COL(rf.city) | COL(rf.family) | COL(rf.full), false);
	if (rf.nid)
		add_rule(cfg, "national_id", psprintf("s.k%d", rf.nid), NULL, COL(rf.nid), true);
	if (rf.post && rf.birth)
		add_rule(cfg, "postcode_year", psprintf("s.k%d || '|' || left(s.k%d, 4)", rf.post, rf.birth), NULL,
				 COL(rf.post) | COL(rf.birth), false);
	if (rf.ident)
	{
		add_rule(cfg, "identifier", psprintf("s.k%d", rf.ident), NULL, COL(rf.ident), true);
		add_rule(cfg, "identifier_head",
				 psprintf("CASE WHEN length(s.k%1$d) >= 6 THEN left(s.k%1$d, length(s.k%1$d) / 2) END", rf.ident), NULL, COL(rf.ident), false);
		add_rule(cfg, "identifier_tail",
				 psprintf("CASE WHEN length(s.k%1$d) >= 6 THEN right(s.k%1$d, (length(s.k%1$d) - 1) / 2) END",
						  rf.ident), NULL, COL(rf.ident), false);
	}
	if (rf.birth && rf.family)
		add_rule(cfg, "birth_family", psprintf("s.k%d || ' ' || p.family", rf.birth), NULL,
				 COL(rf.birth) | COL(rf.family), false);
	if (rf.birth && rf.given)
		add_rule(cfg, "birth_given", psprintf("s.k%d || ' ' || p.given", rf.birth), NULL,
				 COL(rf.birth) | COL(rf.given), false);
	if (rf.birth && name)
		add_rule(cfg, "birth_name", psprintf("s.k%d || ' ' || p.name", rf.birth), NULL, COL(rf.birth) | names, false);
	if (rf.post && name)
		add_rule(cfg, "name_postcode", psprintf("p.name || ' ' || s.k%d", rf.post), NULL, names | COL(rf.post), false);
	if (rf.post && rf.family)
		add_rule(cfg, "family_postcode", psprintf("p.family || ' ' || s.k%d", rf.post), NULL,
				 COL(rf.family) | COL(rf.post), false);
	if (rf.post && rf.birth)
		add_rule(cfg, "birth_postcode", psprintf("%s || ' ' || s.k%d", date_parts, rf.post), NULL,
				 COL(rf.birth) | COL(rf.post), false);
	if (rf.address && rf.post)
		add_rule(cfg, "address_postcode",
				 psprintf("substring(s.k%d from '[0-9]+') || ' ' || s.k%d", rf.address, rf.post), NULL,
				 COL(rf.address) | COL(rf.post), false);
	if (rf.birth)
		add_rule(cfg, "birth_date", date_parts, NULL, COL(rf.birth), true);
	if (rf.post)
		add_rule(cfg, "postcode", psprintf("s.k%d", rf.post), NULL, COL(rf.post), true);
}

void
dedupe_candidate_rules(DedupeConfig *cfg, char **last_chosen, int nlast)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(cfg->relid)};
	SPITupleTable *tt;
	uint64		n;

	cfg->nrules = 0;
	column_rules(cfg);
	n = contacts_spi_execute_args(psprintf("SELECT rule, expression, enabled FROM %s.dedupe_blocking_rules "
										   "WHERE tbl = $1 ORDER BY rule", cfg->schema),
								  1, argtypes, args, NULL, true, 0, SPI_OK_SELECT);
	tt = SPI_tuptable;
	for (uint64 i = 0; i < n; i++)
	{
		char	   *name = contacts_spi_text(tt, i, 1);
		char	   *expr = contacts_spi_text(tt, i, 2);
		bool		isnull;
		Datum		enabled = contacts_spi_datum(tt, i, 3, &isnull);
		DedupeRule *r = find_rule(cfg, name);

		if (expr != NULL)
		{
			/* the DBA's expression over the row, computed in the inner select */
			if (r == NULL)
			{
				add_rule(cfg, name, NULL, NULL, 0, false);
				r = &cfg->rules[cfg->nrules - 1];
			}
			r->row_expr = expr;
			r->expr = psprintf("s.x%d", (int) (r - cfg->rules) + 1);
			/* what it reads is the DBA's business */
			r->stats.columns = 0;
			r->stats.column_key = false;
		}
		else if (r == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("blocking rule \"%s\" of table %s has no expression and no such rule exists",
							name, cfg->name),
					 errhint("Give it an expression, or name one of the rules contacts.dedupe_plan('%s') lists.",
							 cfg->name)));
		r->stats.forced = isnull ? 0 : DatumGetBool(enabled) ? 1 : -1;
	}
	for (int i = 0; i < nlast; i++)
	{
		DedupeRule *r = find_rule(cfg, last_chosen[i]);

		if (r)
			r->chosen = true;
	}
}

/*
 * the expression of a row's region, on the relation aliased r; an empty or ZZ
 * (unknown) country is no country, as in the entry trigger
 */
static char *
region_expr(const DedupeConfig *cfg)
{
	char	   *dflt = cfg->default_region ? quote_literal_cstr(cfg->default_region) :
		"upper(nullif(pg_catalog.current_setting('contacts.default_region', true), ''))";

	if (cfg->region_column)
		return psprintf("coalesce(nullif(upper(nullif(btrim(r.%s::text), '')), 'ZZ'), %s)",
						quote_identifier(cfg->region_column), dflt);
	return dflt;
}

/* column f (1-based) of the row r as its value in the features: trimmed, NULL when empty */
static char *
trimmed_column(const DedupeConfig *cfg, int f)
{
	return psprintf("nullif(btrim(r.%s::text), '')", quote_identifier(cfg->columns[f - 1]));
}

void
dedupe_feature_select(const DedupeConfig *cfg, const char *from, const char *sample, bool all_rules,
					  StringInfo buf)
{
	const char *schema = cfg->schema;
	char	   *region = region_expr(cfg);
	RuleFields	rf;
	char	   *name_src;

	rule_fields(cfg, &rf);
	appendStringInfoString(buf, "SELECT s.key, s.region");
	for (int f = 1; f <= cfg->nfields; f++)
		appendStringInfo(buf, ", s.v%d, s.k%d", f, f);
	/* blocking keys, NULL when a part is missing */
	for (int r = 0; r < cfg->nrules; r++)
		if (all_rules || cfg->rules[r].chosen)
			appendStringInfo(buf, ", (%s)::text AS %s", cfg->rules[r].expr, cfg->rules[r].column);

	/*
	 * The row is keyed by one match_keys() call, read by subscript.  It
	 * returns a set (one row per row), which keeps the planner from
	 * flattening the level that calls it into the outer ones: that would
	 * copy the call into every key, every key into each rule that reads it.
	 * Unlike an OFFSET 0 fence, it leaves the keying to parallel workers.
	 * The last three keys are the phonetic codes of the names.
	 */
	appendStringInfoString(buf, " FROM (SELECT q.key, q.region");
	for (int f = 1; f <= cfg->nfields; f++)
		appendStringInfo(buf, ", q.v%d, q.m[%d] AS k%d", f, f, f);
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].row_expr && (all_rules || cfg->rules[r].chosen))
			appendStringInfo(buf, ", q.x%d", r + 1);
	appendStringInfo(buf, ", q.m[%d] AS name_code, q.m[%d] AS family_code, q.m[%d] AS given_code",
					 cfg->nfields + 1, cfg->nfields + 2, cfg->nfields + 3);
	appendStringInfo(buf, " FROM (SELECT r.%s::bigint AS key, %s AS region",
					 quote_identifier(cfg->key_column), region);
	for (int f = 1; f <= cfg->nfields; f++)
		appendStringInfo(buf, ", %s AS v%d", trimmed_column(cfg, f), f);
	for (int r = 0; r < cfg->nrules; r++)
		if (cfg->rules[r].row_expr && (all_rules || cfg->rules[r].chosen))
			appendStringInfo(buf, ", (%s)::text AS x%d", cfg->rules[r].row_expr, r + 1);
	appendStringInfo(buf, ", %s.match_keys(ARRAY[", schema);
	for (int f = 0; f < cfg->nfields; f++)
		appendStringInfo(buf, "'%s', ",
						 ct_key_kind_name((CtKeyKind) ct_field_kind_key(cfg->model.field[f].kind)));
	appendStringInfoString(buf, "'phonetic', 'phonetic', 'phonetic']::text[], ARRAY[");
	for (int f = 0; f < cfg->nfields; f++)
		appendStringInfo(buf, "r.%s::text, ", quote_identifier(cfg->columns[f]));

	/* the names the phonetic codes are taken of */
	if (rf.full && (rf.given || rf.family))
		name_src = psprintf("coalesce(%s, concat_ws(' ', %s, %s))", trimmed_column(cfg, rf.full),
							trimmed_column(cfg, rf.given ? rf.given : rf.full),
							trimmed_column(cfg, rf.family ? rf.family : rf.full));
	else if (rf.full)
		name_src = trimmed_column(cfg, rf.full);
	else if (rf.given || rf.family)
		name_src = psprintf("nullif(concat_ws(' ', %s, %s), '')",
							trimmed_column(cfg, rf.given ? rf.given : rf.family),
							trimmed_column(cfg, rf.family ? rf.family : rf.given));
	else
		name_src = "NULL::text";
	appendStringInfo(buf, "%s, %s, %s]::text[], %s) AS m FROM %s r%s) q) s", name_src,
					 rf.family ? trimmed_column(cfg, rf.family) : "NULL::text",
					 rf.given ? trimmed_column(cfg, rf.given) : "NULL::text", region,
					 from, sample ? sample : "");
	appendStringInfoString(buf, " CROSS JOIN LATERAL (SELECT s.name_code AS name, s.family_code AS family, "
						   "s.given_code AS given) p");
}

char *
dedupe_tf_key(const DedupeConfig *cfg, int f, const char *alias)
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
							 alias, f + 1, alias, f + 1, f + 1, alias, f + 1, dedupe_tf_key(cfg, f, alias));
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
