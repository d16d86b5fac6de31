/*
 * test_name_grams.c
 *		Keys and similarity of the fuzzy name index.
 */
#include <stdbool.h>
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

static int
cmp_key(const void *a, const void *b)
{
	NameKey		x = *(const NameKey *) a;
	NameKey		y = *(const NameKey *) b;

	return x < y ? -1 : x > y;
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

/*
 * The bound the index computes for query q from the keys row stores is at
 * least their similarity: the inequality that makes the index lossless.
 */
static int
bound_holds(const char *row, const char *q)
{
	NameTokens	tq;
	NameQuery  *query;
	NameKey    *keys;
	int			nkeys = name_keys_extract(row, strlen(row), A, &keys);
	bool		present[4096];
	int			ok;

	name_tokens_parse(q, strlen(q), A, &tq);
	query = name_query_build(&tq, A);
	if (query == NULL || query->nkeys > 4096)
		return 0;
	for (int i = 0; i < query->nkeys; i++)
		present[i] = bsearch(&query->keys[i], keys, nkeys, sizeof(NameKey), cmp_key) != NULL;
	ok = sim(row, q) <= name_query_bound(query, present);
	free(query);
	free(keys);
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
		{"filnay whige", "finlay white"},
		{"white", "finlay white"},
		{"J. Perez", "Jose Perez"},
		{"makdonald", "Mac Donald"},
		{"jnoathan smiht", "jonathan smith"},
		{"a b c d e f g h i j k l m n o p q", "q p o n m l k j i h g f e d c b a"},
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
	CHECK(sim("gary mcdonald", "gray mcdonald") > sim("gary mcdonald", "greg mcdonald"));
	CHECK(sim("rodrigo", "rodirgo") > sim("rodrigo", "rodolfo"));
	/* A typo costs less than a missing middle name. */
	CHECK(sim("charles jandet jordan", "charles janet jordan") >
		  sim("charles jandet jordan", "charles jordan"));

	/*
	 * Transposed, replaced and dropped letters in short names: one edit per
	 * token scores 1 - 1/(L+1), so two typos in a two-token name stay well
	 * above the default threshold 0.3 (the trigram Jaccard index gave 0.27).
	 */
	CHECK_NEAR(sim("filnay whige", "finlay white"),
			   (6.0 / 7 + 4.0 / 5) / (4 - 6.0 / 7 - 4.0 / 5), 1e-12);
	CHECK(sim("filnay whige", "finlay white") > 0.6);
	CHECK_NEAR(sim("finlay white", "finaly white"), (2 - 1.0 / 7) / (2 + 1.0 / 7), 1e-12);
	CHECK(sim("finlay white", "fnlay white") > 0.8);	/* dropped letter */
	CHECK(sim("finlay white", "finlay whiite") == 1.0); /* doubled: same skeleton */
	CHECK(sim("filnay whige", "finlay white") > sim("filnay whige", "fiona wise"));
	/* Short tokens too: a typo beats another name, the same name beats both. */
	CHECK(sim("gemma wu", "gemma vu") > sim("gemma wu", "gemma iyer"));
	CHECK(sim("siobhan hall", "siobhan hzll") > sim("siobhan hall", "siobhan day"));
	CHECK(sim("Ana Ruiz", "Ena Ruiz") < sim("Ana Ruiz", "Ana Ruiz"));

	/* A missing given name is one token of the union: 1/2 for two tokens. */
	CHECK_NEAR(sim("white", "finlay white"), 0.5, 1e-12);
	CHECK_NEAR(sim("whige", "finlay white"), 0.8 / 2.2, 1e-12);
	CHECK(sim("perez garcia", "jose perez garcia") > 0.6);
	/* An initial stands for the word it starts, at half weight. */
	CHECK_NEAR(sim("J. Perez", "Jose Perez"), 1.5 / 2.5, 1e-12);
	CHECK(sim("J. Perez", "Jose Perez") > sim("J. Perez", "Ana Perez"));
	/* Several typos in one long token still count, by trigrams. */
	CHECK(sim("jnoathan smith", "jonathan smith") > sim("jnoathan smith", "john smith"));
	CHECK(sim("makdonald", "mac donald") > sim("makdonald", "mac dowell"));

	/* Different names are not similar; a missing surname costs little. */
	CHECK(sim("Juan Pérez", "María López") < 0.1);
	CHECK(sim("finlay white", "frank wilson") < 0.1);
	CHECK(sim("filnay whige", "william wise") < 0.3);
	CHECK(sim("José Pérez García", "José Pérez") > 0.6);

	/* Nothing to compare: similarity 0, even with itself. */
	CHECK(nkeys("") == 0);
	CHECK(nkeys(" ,.- ") == 0);
	CHECK(sim("", "") == 0.0);
	CHECK(sim("", "jose") == 0.0);
	/* and one key for the number of tokens: */
	CHECK(nkeys("j") == 4);		/* "  j", " j " and the variant "j" */
	CHECK(nkeys("jo") == 7);	/* "  j", " jo", "jo ", "jo", "o" and "j" */
	CHECK(nkeys("ana") == 9);	/* 4 trigrams, "ana" and its 3 deletions */

	/* Symmetric, in [0, 1], and below the bound the index uses. */
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
	{
		double		ab = sim(pairs[i][0], pairs[i][1]);

		CHECK(ab == sim(pairs[i][1], pairs[i][0]));
		CHECK(ab >= 0.0 && ab <= 1.0);
		CHECK(bound_holds(pairs[i][0], pairs[i][1]));
		CHECK(bound_holds(pairs[i][1], pairs[i][0]));
	}
	/* A row without any of the query's keys cannot match. */
	{
		NameTokens	t;
		NameQuery  *q;
		bool		none[256] = {false};

		name_tokens_parse("finlay white", 12, A, &t);
		q = name_query_build(&t, A);
		CHECK(q != NULL && q->nkeys <= 256 && name_query_bound(q, none) == 0.0);
		free(q);
	}

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
