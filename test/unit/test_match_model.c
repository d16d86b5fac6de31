/*
 * Unit tests of the match keys, comparison levels, weights, EM and
 * clustering of the dedupe core.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ct_alloc.h"
#include "match_cluster.h"
#include "match_keys.h"
#include "match_model.h"
#include "unit.h"

static const CtAllocator *A = &ct_malloc_allocator;

static const char *
key(CtKeyKind kind, const char *value, const char *region)
{
	static char out[8][CT_KEY_MAX];
	static int	next;
	char	   *o = out[next++ % 8];

	ct_match_key(kind, value, strlen(value), region, o, A);
	return o;
}

static void
test_keys(void)
{
	CHECK_STR(key(CT_KEY_EMAIL, " Ana.Perez+crm@GoogleMail.com ", NULL), "anaperez@gmail.com");
	CHECK_STR(key(CT_KEY_EMAIL, "Juan.Lopez@Empresa.MX", NULL), "juan.lopez@empresa.mx");
	CHECK_STR(key(CT_KEY_EMAIL, "ana@@gmail.com", NULL), "");
	CHECK_STR(key(CT_KEY_EMAIL, "ana.gmail.com", NULL), "");
	/* a doubled dot, which no mailbox accepts, keys as one */
	CHECK_STR(key(CT_KEY_EMAIL, "florenc..iamarins@googlemail.com", NULL), "florenciamarins@gmail.com");
	CHECK_STR(key(CT_KEY_EMAIL, "michael346@gmail..com", NULL), "michael346@gmail.com");
	CHECK_STR(key(CT_KEY_EMAIL, "juan...lopez@empresa.mx", NULL), "juan.lopez@empresa.mx");
	CHECK_STR(key(CT_KEY_EMAIL, "\"ana..b\"@example.com", NULL), "");
	CHECK_STR(key(CT_KEY_EMAIL, "ana..@gmail.com", NULL), "");
	/* and so does a list's separator left at the end */
	CHECK_STR(key(CT_KEY_EMAIL, "robert665@yahoo.com, ", NULL), "robert665@yahoo.com");
	CHECK_STR(key(CT_KEY_EMAIL, "ana@gmail.com;", NULL), "ana@gmail.com");
	CHECK_STR(key(CT_KEY_EMAIL, "ana@gmail.com,x", NULL), "");

	CHECK_STR(key(CT_KEY_PHONE, "+34 612 34 56 78", NULL), "34612345678");
	CHECK_STR(key(CT_KEY_PHONE, "612-345-678", "ES"), "34612345678");
	CHECK_STR(key(CT_KEY_PHONE, "0034612345678", "ES"), "34612345678");
	CHECK_STR(key(CT_KEY_PHONE, "(011) 15 4123-4567", "AR"), "5491141234567");
	CHECK_STR(key(CT_KEY_PHONE, "+54 9 11 4123-4567", NULL), "5491141234567");
	CHECK_STR(key(CT_KEY_PHONE, "0351 15-594-8695", "AR"), "5493515948695");
	CHECK_STR(key(CT_KEY_PHONE, "+52 55 1234 5678", NULL), "525512345678");
	CHECK_STR(key(CT_KEY_PHONE, "(55) 1234-5678", "MX"), "525512345678");
	/* Mexican numbers as written before August 2019 */
	CHECK_STR(key(CT_KEY_PHONE, "01 55 6282 9534", "MX"), "525562829534");
	CHECK_STR(key(CT_KEY_PHONE, "01 477 378 8128", "MX"), "524773788128");
	CHECK_STR(key(CT_KEY_PHONE, "+52 1 55 1234 5678", NULL), "525512345678");
	CHECK_STR(key(CT_KEY_PHONE, "0052 1 442 928 8289", "ES"), "524429288289");
	CHECK_STR(key(CT_KEY_PHONE, "044 55 1234 5678", "MX"), "525512345678");
	CHECK_STR(key(CT_KEY_PHONE, "045 442 928 8289", "MX"), "524429288289");
	CHECK_STR(key(CT_KEY_PHONE, "+52 2 55 1234 5678", NULL), "");
	CHECK_STR(key(CT_KEY_PHONE, "+34 1 612 34 56 78", NULL), "");
	/* Chile's mobiles before 2016, and "00" where the region dials another prefix */
	CHECK_STR(key(CT_KEY_PHONE, "09-9262 8056", "CL"), "56992628056");
	CHECK_STR(key(CT_KEY_PHONE, "0057 601 234 5678", "CO"), "576012345678");
	CHECK_STR(key(CT_KEY_PHONE, "0057 601 234 5678", "ES"), "576012345678");
	CHECK_STR(key(CT_KEY_PHONE, "0057 306 657 7402", "CO"), "573066577402");
	/* valid as written: read as written (Italy's zero is part of the number) */
	CHECK_STR(key(CT_KEY_PHONE, "02 1234 5678", "IT"), "390212345678");
	CHECK_STR(key(CT_KEY_PHONE, "1-212-555-0134 x12", "US"), "12125550134");
	CHECK_STR(key(CT_KEY_PHONE, "+44 (0)7912 345678", NULL), "447912345678");
	CHECK_STR(key(CT_KEY_PHONE, "07912 345678", "GB"), "447912345678");
	CHECK_STR(key(CT_KEY_PHONE, "9 8765 4321", "CL"), "56987654321");
	CHECK_STR(key(CT_KEY_PHONE, "12345", "ES"), "");
	CHECK_STR(key(CT_KEY_PHONE, "612345678", NULL), "");

	CHECK_STR(key(CT_KEY_PHONETIC, "Pérez García, José", NULL), key(CT_KEY_PHONETIC, "jose perez garcia", NULL));
	CHECK_STR(key(CT_KEY_PHONETIC, "Llorente Vázquez", NULL), key(CT_KEY_PHONETIC, "Yorente Basquez", NULL));
	CHECK_STR(key(CT_KEY_PHONETIC, "Gimenez", NULL), key(CT_KEY_PHONETIC, "Jiménez", NULL));
	CHECK(strcmp(key(CT_KEY_PHONETIC, "Garcia", NULL), key(CT_KEY_PHONETIC, "Gomez", NULL)) != 0);

	CHECK_STR(key(CT_KEY_COMPANY, "Transportes del Norte S.A. de C.V.", NULL), "transportes del norte");
	CHECK_STR(key(CT_KEY_COMPANY, "TRANSPORTES DEL NORTE SA DE CV", NULL), "transportes del norte");
	CHECK_STR(key(CT_KEY_COMPANY, "Grupo Sol S. A.", NULL), "grupo sol");
	CHECK_STR(key(CT_KEY_COMPANY, "Acme, Inc.", NULL), "acme");
	CHECK_STR(key(CT_KEY_COMPANY, "Oak & Stone Ltd", NULL), "oak & stone");

	CHECK_STR(key(CT_KEY_DATE, "1978-03-05", NULL), "19780305");
	CHECK_STR(key(CT_KEY_DATE, "5/3/1978", "ES"), "19780305");
	CHECK_STR(key(CT_KEY_DATE, "03/05/1978", "US"), "19780305");
	CHECK_STR(key(CT_KEY_DATE, "25/12/1990", "US"), "19901225");
	CHECK_STR(key(CT_KEY_DATE, "31/02/1990", NULL), "");
	CHECK_STR(key(CT_KEY_DATE, "29/02/2000", NULL), "20000229");
	CHECK_STR(key(CT_KEY_DATE, "29/02/1900", NULL), "");

	CHECK_STR(key(CT_KEY_NATIONAL_ID, "12.345.678-5", "CL"), "123456785");
	CHECK_STR(key(CT_KEY_NATIONAL_ID, "12345678-z", "ES"), "12345678Z");
	CHECK_STR(key(CT_KEY_POSTCODE, "sw1a 1aa", "GB"), "SW1A1AA");
}

/* a record of given, family, email, phone, birth date (kinds below) */
static const CtFieldKind kinds[] = {
	CT_FIELD_GIVEN_NAME, CT_FIELD_FAMILY_NAME, CT_FIELD_EMAIL, CT_FIELD_PHONE, CT_FIELD_BIRTH_DATE,
	CT_FIELD_FULL_NAME,
};
#define NF 6

static char keybuf[2][NF][CT_KEY_MAX];

static void
make_record(int side, CtFieldValue *r, const char *given, const char *family, const char *email,
			const char *phone, const char *birth, const char *full)
{
	const char *raw[NF] = {given, family, email, phone, birth, full};

	for (int f = 0; f < NF; f++)
	{
		r[f].raw = raw[f];
		r[f].raw_len = raw[f] ? strlen(raw[f]) : 0;
		r[f].key_len = raw[f] ? ct_match_key((CtKeyKind) ct_field_kind_key(kinds[f]), raw[f],
											 strlen(raw[f]), "ES", keybuf[side][f], A) : 0;
		r[f].key = keybuf[side][f];
		r[f].tf = 0;
	}
}

static const char *
level(const CtMatchModel *m, const uint8_t *g, int f)
{
	return ct_field_level_name(m->field[f].kind, g[f]);
}

static void
test_levels(void)
{
	CtMatchModel m;
	CtFieldValue a[NF],
				b[NF];
	uint8_t		g[NF];
	double		w[NF];
	char		json[1024];

	ct_model_init(&m, kinds, NF);
	make_record(0, a, "José", "Pérez García", "jose.perez@gmail.com", "+34 612 345 678", "1978-03-05", NULL);
	make_record(1, b, "Pepe", "Perez Garcia", "joseperez+x@gmail.com", "612345678", "1978-05-03", NULL);
	ct_compare(&m, a, b, g, A);
	CHECK_STR(level(&m, g, 0), "nickname");
	CHECK_STR(level(&m, g, 1), "folded");
	CHECK_STR(level(&m, g, 2), "same mailbox");
	CHECK_STR(level(&m, g, 3), "same number");
	CHECK_STR(level(&m, g, 4), "day and month swapped");
	CHECK_STR(level(&m, g, 5), "missing");
	CHECK(ct_probability(ct_score(&m, g, a, b, w)) > 0.99);

	/* a weaker level never weighs more than a better one */
	{
		CtMatchModel mm = m;

		mm.field[0].m[3] = 0.3;
		mm.field[0].u[3] = 1e-9;
		ct_model_weights(&mm);
		CHECK(mm.field[0].weight[3] == mm.field[0].weight[2]);
		CHECK(mm.field[0].weight[2] <= mm.field[0].weight[0]);
	}

	make_record(1, b, "Pérez García", "José", "jose.perez@gmail.com", NULL, "1987-03-05", NULL);
	ct_compare(&m, a, b, g, A);
	CHECK_STR(level(&m, g, 0), "swapped with family name");
	CHECK_STR(level(&m, g, 1), "swapped with given name");
	CHECK_STR(level(&m, g, 2), "exact");
	CHECK_STR(level(&m, g, 3), "missing");
	CHECK_STR(level(&m, g, 4), "one digit off or two transposed");

	make_record(1, b, "Ana", "Pérez", "ana.perez@gmail.com", "+34 612 345 679", "1990-01-01", NULL);
	ct_compare(&m, a, b, g, A);
	CHECK_STR(level(&m, g, 0), "different");
	CHECK_STR(level(&m, g, 1), "one surname in common");
	CHECK_STR(level(&m, g, 2), "same domain");
	CHECK_STR(level(&m, g, 3), "levenshtein<=1");
	CHECK_STR(level(&m, g, 4), "different");
	CHECK(ct_probability(ct_score(&m, g, a, b, w)) < 0.5);

	/* full name counts only when given and family names are not both there */
	make_record(0, a, NULL, NULL, NULL, NULL, NULL, "Pérez García, José");
	make_record(1, b, "José", "Perez", NULL, NULL, NULL, "Jose Perez Garcia");
	ct_compare(&m, a, b, g, A);
	CHECK_STR(level(&m, g, 5), "same words");
	make_record(0, a, "José", "Pérez", NULL, NULL, NULL, "José Pérez");
	ct_compare(&m, a, b, g, A);
	CHECK_STR(level(&m, g, 5), "counted in given and family names");
	make_record(0, a, NULL, NULL, NULL, NULL, NULL, "Pepe Pérez García");
	ct_compare(&m, a, b, g, A);
	CHECK_STR(level(&m, g, 5), "nickname");

	ct_score(&m, g, a, b, w);
	CHECK(ct_explain(&m, (const char *[]) {"g", "f", "e", "p", "b", "full\"name"}, g, w, json, sizeof(json)) < sizeof(json));
	CHECK(strstr(json, "\"full\\\"name\": {\"level\": \"nickname\", \"weight\": ") != NULL);
	CHECK(strstr(json, "\"e\": {\"level\": \"missing\", \"weight\": 0.00}") != NULL);
	CHECK(ct_explain(&m, (const char *[]) {"g", "f", "e", "p", "b", "x"}, g, w, json, 10) > 10);
	CHECK(strlen(json) == 9);
}

/* the level of one field of kind k between two typed values */
static const char *
level_of(CtFieldKind k, const char *x, const char *y)
{
	static char kx[CT_KEY_MAX],
				ky[CT_KEY_MAX];
	CtMatchModel m;
	CtFieldValue a = {x, strlen(x), kx, 0, 0},
				b = {y, strlen(y), ky, 0, 0};
	uint8_t		g[1];

	ct_model_init(&m, &k, 1);
	a.key_len = ct_match_key((CtKeyKind) ct_field_kind_key(k), x, strlen(x), "ES", kx, A);
	b.key_len = ct_match_key((CtKeyKind) ct_field_kind_key(k), y, strlen(y), "ES", ky, A);
	ct_compare(&m, &a, &b, g, A);
	return ct_field_level_name(k, g[0]);
}

static void
test_date_levels(void)
{
	CtFieldKind d = CT_FIELD_BIRTH_DATE;

	CHECK_STR(level_of(d, "1978-03-05", "05/03/1978"), "same date");
	CHECK_STR(level_of(d, "1978-03-05", "1978-03-06"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "1978-03-05", "1987-03-05"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "1978-03-05", "1978-05-03"), "day and month swapped");
	CHECK_STR(level_of(d, "1978-03-05", "1980-03-05"), "different");
	CHECK_STR(level_of(d, "1979-12-25", "1980-12-25"), "year off by one or its digits swapped");
	CHECK_STR(level_of(d, "26/09/1978", "26/09/1879"), "year off by one or its digits swapped");
	CHECK_STR(level_of(d, "26/09/1995", "26/09/1599"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "16/09/1982", "16/0/91982"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "11/03/1963", "11/043/1963"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "1958-10-07", "10/07/1598"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "12/12/1972", "12/12/9172"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "12/12/9172", "12/12/1972"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "16/0/91982", "16/09/11982"), "one digit off or two transposed");
	CHECK_STR(level_of(d, "16/0/91982", "03/05/1971"), "missing");
	CHECK_STR(level_of(d, "1978-03-05", "1978-03-28"), "same year and month");
	CHECK_STR(level_of(d, "1978-03-05", "1978"), "partial date, the parts given agree");
	CHECK_STR(level_of(d, "1978-03-05", "03/1978"), "partial date, the parts given agree");
	CHECK_STR(level_of(d, "1978-03-05", "1978-04"), "same year");
	CHECK_STR(level_of(d, "1978-03-05", "1978-11-20"), "same year");
	CHECK_STR(level_of(d, "1978-03-05", "1979"), "different");
	CHECK_STR(level_of(d, "1978-03-05", "1990-07-21"), "different");
	CHECK_STR(level_of(d, "1978-03-05", "unknown"), "missing");
	CHECK_STR(level_of(d, "1978-03-05", "31/02/1978"), "partial date, the parts given agree");

	CHECK_STR(level_of(CT_FIELD_POSTCODE, "28013", "28031"), "one character off or two transposed");
	CHECK_STR(level_of(CT_FIELD_POSTCODE, "28013", "28014"), "one character off or two transposed");
	CHECK_STR(level_of(CT_FIELD_POSTCODE, "28013", "28099"), "same first 3 characters");

	CHECK_STR(level_of(CT_FIELD_ADDRESS, "Avda. de la Constitución 12", "Avenida Constitucion, 12"),
			  "same street, number and unit");
	CHECK_STR(level_of(CT_FIELD_ADDRESS, "C/ Mayor 5, 2º izda", "Calle Mayor 5"),
			  "same street and number, one unit missing");
	CHECK_STR(level_of(CT_FIELD_ADDRESS, "Calle Mayor 5", "Calle Mayor 9"), "other house number");
	CHECK_STR(level_of(CT_FIELD_ADDRESS, "Apartado de correos", "Apartado de corres"),
			  "same street, number missing");
	CHECK_STR(level_of(CT_FIELD_ADDRESS, "Calle Alcala 120", "Calle Alcla 120"),
			  "same number, street a typo away");
	CHECK_STR(level_of(CT_FIELD_ADDRESS, "P.O. Box 12", "P.O. Box 12"), "exact");

	/* another house number weighs no more than another address */
	{
		CtFieldKind k = CT_FIELD_ADDRESS;
		CtMatchModel m;

		ct_model_init(&m, &k, 1);
		m.field[0].m[6] = 0.5;
		m.field[0].u[6] = 0.001;
		ct_model_weights(&m);
		CHECK(m.field[0].weight[6] == m.field[0].weight[7]);
		CHECK(m.field[0].weight[7] < 0);
	}
	/* nor does a stronger agreement weigh less than a weaker one */
	{
		CtFieldKind k = CT_FIELD_COMPANY;
		CtMatchModel m;

		ct_model_init(&m, &k, 1);
		m.field[0].m[2] = 0.01;		/* "same company": rarer in matches than in colleagues */
		m.field[0].u[2] = 0.05;
		ct_model_weights(&m);
		CHECK(m.field[0].weight[2] == m.field[0].weight[3]);
		CHECK(m.field[0].weight[3] > 0);
		for (int l = 1; l < m.field[0].nlevels; l++)
			CHECK(m.field[0].weight[l] <= m.field[0].weight[l - 1]);
	}
}

static void
test_tf(void)
{
	CtFieldKind k[1] = {CT_FIELD_FAMILY_NAME};
	CtMatchModel m;
	CtFieldValue a[1] = {{"García", 7, "garcia", 6, 0.03}};
	CtFieldValue rare[1] = {{"Urquiza", 7, "urquiza", 7, 0.0001}};
	uint8_t		g[1] = {0};
	double		sums[1] = {0},
				counts[1] = {0};
	double		common_w,
				rare_w;

	ct_model_init(&m, k, 1);
	ct_tf_accumulate(&m, g, a, a, sums, counts);
	ct_tf_accumulate(&m, g, rare, rare, sums, counts);
	ct_tf_set_reference(&m, sums, counts);
	ct_score(&m, g, a, a, &common_w);
	ct_score(&m, g, rare, rare, &rare_w);
	CHECK(rare_w > common_w + 4);
	CHECK_NEAR(rare_w + common_w, 2 * log2(m.field[0].m[0] / m.field[0].u[0]), 1e-9);

	/*
	 * A weak agreement on a very common value comes to nothing, not to
	 * evidence against; a rare value still gains the whole adjustment.
	 */
	m.field[0].weight[0] = 0.5;
	ct_score(&m, g, a, a, &common_w);
	ct_score(&m, g, rare, rare, &rare_w);
	CHECK(common_w == 0);
	CHECK(rare_w > 4);
	/* a level that is evidence against is adjusted both ways */
	m.field[0].weight[0] = -1;
	ct_score(&m, g, a, a, &common_w);
	CHECK(common_w < -1);
}

/*
 * A household is one piece of evidence: a mother and her son at one address
 * share a family name, the address, the postcode and the city, and that
 * must not outweigh a different given name and birth date; the same person
 * with the same agreements and a typo in the given name still matches.
 */
static void
test_household(void)
{
	static const CtFieldKind hk[6] = {CT_FIELD_GIVEN_NAME, CT_FIELD_FAMILY_NAME, CT_FIELD_ADDRESS,
	CT_FIELD_POSTCODE, CT_FIELD_CITY, CT_FIELD_BIRTH_DATE};
	static const char *const mother[6] = {"Carmen", "Ortega Ruiz", "Avenida de la Constitución 12, 3º B",
	"41001", "Sevilla", "1962-06-14"};
	static const char *const son[6] = {"Pablo", "Ortega Ruiz", "Av. Constitución 12, 3ºB",
	"41001", "Sevilla", "1991-02-11"};
	static const char *const again[6] = {"Carmne", "Ortega Ruiz", "Av. Constitución 12, 3ºB",
	"41001", "Sevilla", "14/06/1962"};
	static char kb[3][6][CT_KEY_MAX];
	const char *const *rec[3] = {mother, son, again};
	CtFieldValue r[3][6];
	CtMatchModel m;
	uint8_t		g[6];
	double		w[6];

	ct_model_init(&m, hk, 6);
	for (int i = 0; i < 3; i++)
		for (int f = 0; f < 6; f++)
		{
			r[i][f].raw = rec[i][f];
			r[i][f].raw_len = strlen(rec[i][f]);
			r[i][f].key_len = ct_match_key((CtKeyKind) ct_field_kind_key(hk[f]), rec[i][f],
										   strlen(rec[i][f]), "ES", kb[i][f], A);
			r[i][f].key = kb[i][f];
			r[i][f].tf = 0;
		}
	ct_compare(&m, r[0], r[1], g, A);
	CHECK(ct_probability(ct_score(&m, g, r[0], r[1], w)) < 0.5);
	/* only the strongest of the household's agreements counts */
	CHECK((w[1] > 0) + (w[2] > 0) + (w[3] > 0) + (w[4] > 0) == 1);
	ct_compare(&m, r[0], r[2], g, A);
	CHECK(ct_probability(ct_score(&m, g, r[0], r[2], w)) > 0.99);
}

/*
 * EM recovers the parameters of a mixture it did not see: two fields with
 * known m and u, 30% matches, conditionally independent.
 */
static void
test_em(void)
{
	CtFieldKind k[3] = {CT_FIELD_POSTCODE, CT_FIELD_NATIONAL_ID, CT_FIELD_PHONE};
	CtMatchModel truth,
				m;
	CtPatternCounts *pc = ct_patterns_create(3, A);
	uint8_t		g[3];
	int			iters;

	ct_model_init(&truth, k, 3);
	truth.lambda = 0.3;
	ct_model_init(&m, k, 3);
	/* exact expected counts of every pattern under the true model */
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 4; b++)
			for (int c = 0; c < 5; c++)
			{
				double		pm = truth.lambda * truth.field[0].m[a] * truth.field[1].m[b] * truth.field[2].m[c];
				double		pu = (1 - truth.lambda) * truth.field[0].u[a] * truth.field[1].u[b] * truth.field[2].u[c];

				g[0] = (uint8_t) a;
				g[1] = (uint8_t) b;
				g[2] = (uint8_t) c;
				CHECK(ct_patterns_add(pc, g, 1e6 * (pm + pu)));
			}
	CHECK(ct_patterns_distinct(pc) == 80);
	/* start far from the truth */
	m.lambda = 0.05;
	m.field[0].m[0] = 0.5;
	m.field[0].m[3] = 0.35;
	iters = ct_em(&m, pc, 500, 1e-9);
	CHECK(iters > 1);
	CHECK_NEAR(m.lambda, 0.3, 1e-3);
	CHECK_NEAR(m.field[0].m[0], truth.field[0].m[0], 1e-3);
	CHECK_NEAR(m.field[1].u[3], truth.field[1].u[3], 1e-3);
	CHECK_NEAR(m.field[2].m[1], truth.field[2].m[1], 1e-3);

	/* fixed fields are left alone */
	m.field[2].fixed = true;
	m.field[2].m[0] = 0.123;
	ct_em(&m, pc, 5, 1e-9);
	CHECK(m.field[2].m[0] == 0.123);
	ct_patterns_free(pc);
}

/*
 * Degenerate tables: a column with one value on every row (a birth date
 * defaulted, one city), a column nearly always missing, a tiny table.
 * Record i: given, family, city, birth date, national ID.
 */
#define DN 60
static const CtFieldKind dkinds[] = {
	CT_FIELD_GIVEN_NAME, CT_FIELD_FAMILY_NAME, CT_FIELD_CITY, CT_FIELD_BIRTH_DATE, CT_FIELD_NATIONAL_ID,
};
#define DF 5
static char dkeys[DN + 2][DF][CT_KEY_MAX];
static CtFieldValue drec[DN + 2][DF];

static void
degenerate_record(int i, const char *given, const char *family, const char *city, const char *birth,
				  const char *id)
{
	const char *raw[DF] = {given, family, city, birth, id};

	for (int f = 0; f < DF; f++)
	{
		drec[i][f].raw = raw[f];
		drec[i][f].raw_len = raw[f] ? strlen(raw[f]) : 0;
		drec[i][f].key = dkeys[i][f];
		drec[i][f].key_len = raw[f] ? ct_match_key((CtKeyKind) ct_field_kind_key(dkinds[f]), raw[f],
												   strlen(raw[f]), "ES", dkeys[i][f], A) : 0;
		drec[i][f].tf = 0;
	}
}

/* DN people, all born on one day in one city; record DN + k duplicates k */
static void
degenerate_table(void)
{
	static const char *given[] = {"Ana", "Luis", "Marta", "Jorge", "Elena", "Pablo", "Lucia", "Diego",
	"Sara", "Hugo", "Irene", "Mario"};
	static const char *family[] = {"Garcia", "Lopez", "Ruiz", "Moreno", "Navarro", "Romero", "Gil",
	"Serrano", "Molina", "Blanco", "Castro", "Ortega", "Delgado", "Rubio", "Vidal"};

	for (int i = 0; i < DN; i++)
		degenerate_record(i, given[i % 12], family[(i * 7 + i / 12) % 15], "Madrid", "1980-01-01",
						  i == 3 ? "12345678Z" : i == 40 ? "87654321X" : NULL);
	degenerate_record(DN, "Ana", "Garcia", "Madrid", "1980-01-01", "12345678Z");
	degenerate_record(DN + 1, "Luis", "Lopes", "Madrid", "1980-01-01", NULL);
}

static double
pair_probability(const CtMatchModel *m, int i, int j)
{
	uint8_t		g[DF];

	ct_compare(m, drec[i], drec[j], g, A);
	return ct_probability(ct_score(m, g, drec[i], drec[j], NULL));
}

static void
test_degenerate(void)
{
	CtMatchModel start,
				m;
	CtLevelCounts lc;
	CtPatternCounts *pc = ct_patterns_create(DF, A);
	uint8_t		g[DF];
	int			a = 0,
				b = 0;

	degenerate_table();
	ct_model_init(&start, dkinds, DF);
	/* two people who share only the day and the city */
	for (a = 0; a < DN; a++)
	{
		for (b = a + 1; b < DN; b++)
		{
			ct_compare(&start, drec[a], drec[b], g, A);
			if (g[0] == 7 && g[1] == 7)
				break;
		}
		if (b < DN)
			break;
	}
	CHECK(a < DN && b < DN);
	/* the starting values, which the old estimation kept, match them */
	CHECK(pair_probability(&start, a, b) > 0.9);

	/* u from random pairs: every pair agrees on the day and the city */
	memset(&lc, 0, sizeof(lc));
	m = start;
	for (int i = 0; i < DN; i++)
		for (int j = i + 1; j < DN; j++)
		{
			ct_compare(&m, drec[i], drec[j], g, A);
			ct_level_counts_add(&lc, &m, g);
			CHECK(ct_patterns_add(pc, g, 1));
		}
	ct_model_set_u_floor(&m, &lc, 1000);
	CHECK(m.field[3].u[0] > 0.6 && m.field[2].u[0] > 0.6);
	CHECK(m.field[3].weight[0] < 0.5);
	CHECK(m.field[2].weight[0] < 0.5);
	CHECK(pair_probability(&m, a, b) < 0.01);
	/* the mostly missing ID: one pair of random records has two, not alike */
	CHECK(fabs(m.field[4].u[0] - start.field[4].u[0]) < 1e-5);
	CHECK(fabs(m.field[4].weight[0] - start.field[4].weight[0]) < 0.1);

	/*
	 * EM on these pairs and the two duplicates: nothing tells matches from
	 * the rest, and no estimate says everyone is one person.
	 */
	for (int k = 0; k < 2; k++)
	{
		ct_compare(&m, drec[k], drec[DN + k], g, A);
		CHECK(ct_patterns_add(pc, g, 1));
	}
	{
		CtMatchModel old = start;

		/* without the floors EM ends at "everything matches" and is refused */
		CHECK(ct_em(&old, pc, 100, 1e-9) == 0);
		CHECK(old.lambda == start.lambda && old.field[3].u[0] == start.field[3].u[0]);
	}
	ct_em(&m, pc, 100, 1e-9);
	CHECK(m.lambda <= CT_EM_MAX_LAMBDA);
	CHECK(m.field[3].weight[0] < 0.5);
	CHECK(m.field[2].weight[0] < 0.5);
	CHECK(m.field[3].u[0] >= 0.6);
	CHECK(pair_probability(&m, a, b) < 0.5);
	CHECK(pair_probability(&m, 0, DN) > pair_probability(&m, a, b));
	CHECK(pair_probability(&m, 1, DN + 1) > pair_probability(&m, a, b));
	for (int f = 0; f < DF; f++)
		for (int l = 0; l < m.field[f].nlevels; l++)
			CHECK(isfinite(m.field[f].weight[l]) && m.field[f].m[l] > 0 && m.field[f].u[l] > 0);
	ct_patterns_free(pc);

	/*
	 * A tiny table: three random pairs barely move the names' u; the date,
	 * alike on all three, loses some of its weight, not all.
	 */
	memset(&lc, 0, sizeof(lc));
	m = start;
	for (int i = 0; i < 3; i++)
	{
		ct_compare(&m, drec[i], drec[i + 1], g, A);
		ct_level_counts_add(&lc, &m, g);
	}
	ct_model_set_u_floor(&m, &lc, 1000);
	CHECK(fabs(m.field[0].weight[0] - start.field[0].weight[0]) < 0.1);
	CHECK(m.field[3].weight[0] > start.field[3].weight[0] - 6);
	CHECK(m.field[3].weight[0] < start.field[3].weight[0] - 1);

	/* fixed fields keep their u */
	m = start;
	m.field[3].fixed = true;
	lc.n[3][0] = 1e6;
	ct_model_set_u_floor(&m, &lc, 1000);
	CHECK(m.field[3].u[0] == start.field[3].u[0] && m.field[3].u_floor[0] == 0);
}

static void
test_cluster(void)
{
	/* 0-1-2 strongly, 2~3 weakly, 3-4 strongly; 5 alone */
	CtLink		links[] = {
		{0, 1, 0.99}, {1, 2, 0.98}, {2, 3, 0.91}, {3, 4, 0.99},
	};
	uint32_t	cluster[6];
	bool		flagged[6];

	CHECK(ct_cluster(6, links, 4, 50, cluster, flagged, A) == 0);
	CHECK(cluster[4] == 0 && cluster[3] == 0 && cluster[5] == 5);
	CHECK(!flagged[0] && !flagged[5]);

	/* at most 3 per cluster: the weak link is the one refused */
	CHECK(ct_cluster(6, links, 4, 3, cluster, flagged, A) == 1);
	CHECK(cluster[0] == 0 && cluster[1] == 0 && cluster[2] == 0);
	CHECK(cluster[3] == 3 && cluster[4] == 3);
	CHECK(flagged[0] && flagged[3] && !flagged[5]);
}

/* clusters of two records or more in a ct_cluster result */
static int64_t
count_clusters(uint32_t n, const uint32_t *cluster)
{
	int64_t		count = 0;

	for (uint32_t i = 0; i < n; i++)
	{
		bool		root = cluster[i] == i,
					member = false;

		for (uint32_t j = 0; root && j < n && !member; j++)
			member = j != i && cluster[j] == i;
		count += member;
	}
	return count;
}

/*
 * ct_cluster_counts at each threshold equals clustering the links at or
 * above it with ct_cluster, guard included, over random link sets.
 */
static void
test_cluster_counts(void)
{
	CtLink		fixed[] = {
		{0, 1, 0.99}, {1, 2, 0.98}, {2, 3, 0.91}, {3, 4, 0.99},
	};
	double		thresholds[] = {0.995, 0.99, 0.95, 0.9};
	int64_t		counts[4];
	uint32_t	seed = 12345;

	CHECK(ct_cluster_counts(6, fixed, 4, 50, thresholds, 4, counts, A));
	CHECK(counts[0] == 0 && counts[1] == 2 && counts[2] == 2 && counts[3] == 1);
	CHECK(ct_cluster_counts(6, fixed, 4, 3, thresholds, 4, counts, A));
	CHECK(counts[3] == 2);

	for (int round = 0; round < 200; round++)
	{
		enum
		{
			N = 40, L = 60
		};
		CtLink		links[L],
					subset[L];
		double		thr[5] = {0.95, 0.8, 0.6, 0.4, 0.2};
		int64_t		got[5];
		uint32_t	max_size = 2 + round % 6;

		for (int k = 0; k < L; k++)
		{
			seed = seed * 1103515245u + 12345u;
			links[k].a = (seed >> 8) % N;
			seed = seed * 1103515245u + 12345u;
			links[k].b = (seed >> 8) % N;
			if (links[k].a == links[k].b)
				links[k].b = (links[k].a + 1) % N;
			seed = seed * 1103515245u + 12345u;
			links[k].probability = ((seed >> 8) % 100) / 100.0;
		}
		CHECK(ct_cluster_counts(N, links, L, max_size, thr, 5, got, A));
		for (int t = 0; t < 5; t++)
		{
			uint32_t	cluster[N];
			bool		flagged[N];
			size_t		n = 0;

			for (int k = 0; k < L; k++)
				if (links[k].probability >= thr[t])
					subset[n++] = links[k];
			CHECK(ct_cluster(N, subset, n, max_size, cluster, flagged, A) >= 0);
			CHECK(got[t] == count_clusters(N, cluster));
		}
	}
}

int
main(void)
{
	test_keys();
	test_levels();
	test_date_levels();
	test_tf();
	test_household();
	test_em();
	test_degenerate();
	test_cluster();
	test_cluster_counts();
	return UNIT_DONE();
}
