/*
 * dedupe_sql.c
 *		The SQL that computes and reads a table's features: the blocking
 *		rules, the select list of the features (shared by dedupe_run() and
 *		dedupe_match(), so a probe is keyed exactly as the records were) and
 *		the select list and joins reading one side of a pair.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "core/match_keys.h"
#include "dedupe.h"
#include "textconv.h"

const char *const dedupe_rule_names[RULE_COUNT] = {
	"email", "phone", "name", "family_initial", "company_city", "national_id", "postcode_year",
};

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
