/*
 * test_name_grams.c
 *		Keys and similarity of the fuzzy name index.
 */
#include <stdlib.h>

#include "name_grams.h"
#include "unit.h"

static const CtAllocator *A = &ct_malloc_allocator;

static double
sim(const char *a, const char *b)
{
	return name_search_similarity(a, strlen(a), b, strlen(b), A);
}

static int
nkeys(const char *s)
{
	NameKey    *keys;
	int			n = name_keys_extract(s, strlen(s), A, &keys);

	free(keys);
	return n;
}

static char key_buf[256];

static const char *
key(const char *s)
{
	size_t		len;
	char	   *k = name_search_key(s, strlen(s), A, &len);

	snprintf(key_buf, sizeof(key_buf), "%s", k ? k : "(null)");
	free(k);
	return key_buf;
}

/* sim(a, b) <= bound(common, |b|), the inequality the indexes rely on */
static int
bound_holds(const char *a, const char *b)
{
	NameKey    *ka,
			   *kb;
	int			na = name_keys_extract(a, strlen(a), A, &ka);
	int			nb = name_keys_extract(b, strlen(b), A, &kb);
	int			common = name_keys_common(ka, na, kb, nb);
	double		s = name_keys_similarity(ka, na, kb, nb);
	int			ok = s <= name_keys_bound(common, nb) && s <= name_keys_bound(common, na);

	free(ka);
	free(kb);
	return ok;
}

int
main(void)
{
	static const char *pairs[][2] = {
		{"José Pérez García", "garcia perez jose"},
		{"Jsoe Perez", "Juan Perez"},
		{"Guillermo Vázquez", "Gillermo Basques"},
		{"O'Brien", "obrien"},
		{"Ana", "Ena"},
		{"Иван Петров", "Петров Иван"},
	};

	/* The skeleton: folded, respelled, sorted tokens. */
	CHECK_STR(key("Pérez García, José"), "garsia jose peres");
	CHECK_STR(key("  JOSÉ   pérez-garcía "), "garsia jose peres");
	CHECK_STR(key("Vázquez"), "baskes");
	CHECK_STR(key("Stephen Thompson"), "stefen tompson");
	CHECK_STR(key("Ximena Hernández"), "ernandes jimena");
	CHECK_STR(key("Cecilia Quintero"), "kintero sesilia");
	CHECK_STR(key("Chávez Schultz"), "cabes scults");
	CHECK_STR(key("Miguel Guerrero Jiménez"), "gerero jimenes migel");
	CHECK_STR(key("Russell Kelly"), "keli rusel");
	CHECK_STR(key("Mary-Kate O'Connor"), "kate mari okonor");
	CHECK_STR(key(""), "");
	CHECK_STR(key("--- ,. "), "");
	CHECK_STR(key("h"), "");

	/* Case, accents, punctuation and token order do not matter. */
	CHECK_NEAR(sim("José Pérez García", "garcia perez, JOSE"), 1.0, 1e-12);
	CHECK_NEAR(sim("JOSÉ PÉREZ", "jose perez"), 1.0, 1e-12);
	CHECK_NEAR(sim("O'Brien", "OBRIEN"), 1.0, 1e-12);
	CHECK_NEAR(sim("Иван Петров", "петров иван"), 1.0, 1e-12);

	/* Spellings of the same sound are the same name. */
	CHECK_NEAR(sim("Vázquez", "Basques"), 1.0, 1e-12);
	CHECK_NEAR(sim("Jiménez", "Gimenez"), 1.0, 1e-12);
	CHECK_NEAR(sim("Xavier", "Javier"), 1.0, 1e-12);
	CHECK_NEAR(sim("Hernández", "Ernandes"), 1.0, 1e-12);
	CHECK_NEAR(sim("Stephen", "Stefen"), 1.0, 1e-12);
	CHECK_NEAR(sim("Russell", "Russel"), 1.0, 1e-12);
	CHECK_NEAR(sim("Quintero", "Kintero"), 1.0, 1e-12);
	CHECK_NEAR(sim("Cecilia", "Sesilia"), 1.0, 1e-12);

	/* A single edit of any kind ranks above a different name. */
	CHECK(sim("jose perez", "jsoe perez") > sim("jose perez", "juan perez"));
	CHECK(sim("jose perez", "jose pereza") > sim("jose perez", "jose paredes"));
	CHECK(sim("martinez", "martnez") > sim("martinez", "marquez"));
	CHECK(sim("martinez", "marpinez") > sim("martinez", "marquez"));
	/* A transposition keeps the sorted-letters key. */
	CHECK(sim("gary mcdonald", "gray mcdonald") > sim("gary mcdonald", "greg mcdonald"));
	CHECK(sim("rodrigo", "rodirgo") > sim("rodrigo", "rodolfo"));
	/* A typo costs less than a missing middle name. */
	CHECK(sim("charles jandet jordan", "charles janet jordan") >
		  sim("charles jandet jordan", "charles jordan"));

	/* Different names are not similar; a missing surname costs little. */
	CHECK(sim("Ana", "Ena") < 0.5);
	CHECK(sim("Juan Pérez", "María López") < 0.1);
	CHECK(sim("José Pérez García", "José Pérez") > 0.5);

	/* Nothing to compare: similarity 0, even with itself. */
	CHECK(nkeys("") == 0);
	CHECK(nkeys(" ,.- ") == 0);
	CHECK(sim("", "") == 0.0);
	CHECK(sim("", "jose") == 0.0);
	CHECK(nkeys("j") == 2);		/* "  j" and " j " */
	CHECK(nkeys("jo") == 4);	/* "  j", " jo", "jo ", letters "jo" */

	/* Symmetric, in [0, 1], and below the bound the index uses. */
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
	{
		double		ab = sim(pairs[i][0], pairs[i][1]);

		CHECK(ab == sim(pairs[i][1], pairs[i][0]));
		CHECK(ab >= 0.0 && ab <= 1.0);
		CHECK(bound_holds(pairs[i][0], pairs[i][1]));
	}
	CHECK(name_keys_bound(0, 0) == 0.0);
	CHECK(name_keys_bound(3, 4) == 0.75);

	/* Very long tokens are cut, not overflowed. */
	{
		char		longname[4000];

		memset(longname, 'a', sizeof(longname) - 1);
		for (size_t i = 0; i + 1 < sizeof(longname); i += 7)
			longname[i] = 'b' + (i / 7) % 20;
		longname[sizeof(longname) - 1] = '\0';
		CHECK(nkeys(longname) > 0);
		CHECK_NEAR(sim(longname, longname), 1.0, 1e-12);
	}
	return UNIT_DONE();
}
