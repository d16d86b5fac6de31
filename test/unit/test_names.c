/*
 * test_names.c
 *		name_normalize, name_parts and the nickname tables.
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "nicknames.h"
#include "unit.h"

static char *last;

static const char *
norm(const char *s)
{
	size_t		n;

	free(last);
	last = ct_normalize_name(&ct_malloc_allocator, s, strlen(s), &n);
	return last;
}

/* name_normalize(name_normalize(s)) == name_normalize(s) */
static void
check_idempotent(const char *s)
{
	size_t		n1,
				n2;
	char	   *a = ct_normalize_name(&ct_malloc_allocator, s, strlen(s), &n1);
	char	   *b = ct_normalize_name(&ct_malloc_allocator, a, n1, &n2);

	CHECK_STR(b, a);
	free(a);
	free(b);
}

static void
check_parts(const char *s, const char *given, const char *family, const char *first,
			const char *second, const char *suffix)
{
	CtNameParts p;

	CHECK(ct_name_parts(&ct_malloc_allocator, s, strlen(s), &p));
	CHECK_STR(p.given_names, given);
	CHECK_STR(p.family_names, family);
	CHECK_STR(p.first_family, first);
	CHECK_STR(p.second_family, second);
	CHECK_STR(p.suffix, suffix);
	free(p.given_names);
	free(p.family_names);
	free(p.first_family);
	free(p.second_family);
	free(p.suffix);
}

static bool
related(const char *a, const char *b)
{
	return ct_nickname_related(a, strlen(a), b, strlen(b));
}

/*
 * Plain text (words of letters or digits between ASCII spaces) takes a pass
 * of its own, read from the bytes.  A leading tab sends the same name
 * through the full rules, which skip it: both must write the same.
 */
static void
check_plain_pass(void)
{
	static const char *const names[] = {
		"JOSE perez", "  maría  GARCÍA lópez 17 ", "juan de la cruz", "Carmen DE LOS Ríos",
		"pedro sánchez ruiz 996", "DeVito", "dEVITO maría", "jOSE", "MARIA DEL CARMEN", "john smith jr",
		"JOHN SMITH SR", "henry viii", "Louis XIV", "pope JOHN paul ii", "mcdonald", "MACDONALD",
		"macías", "Mack", "Mac", "old macdonald", "ǅemal", "ǄEMAL", "ßtraße", "ɐbc ɐbc", "ĳssel",
		"dİ maría", "İsmail İSMAİL", "ana y juan", "ana e i", "van der berg", "VON NEUMANN",
		"3rd", "12 34", "ab cd", "aB Cd", "ÑANDÚ muñoz", "binti ALI", "ali BINTI", "x", "a b",
		"", "   ", "5",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		char		tabbed[64] = "\t";
		size_t		n1,
					n2;
		char	   *plain = ct_normalize_name(&ct_malloc_allocator, names[i], strlen(names[i]), &n1);
		char	   *full;

		strcat(tabbed, names[i]);
		full = ct_normalize_name(&ct_malloc_allocator, tabbed, strlen(tabbed), &n2);
		CHECK_STR(plain, full);
		CHECK(n1 == n2);
		free(plain);
		free(full);
	}
}

int
main(void)
{
	static const char *const idempotent[] = {
		"JOSE perez", "ahmed AL-RASHID", "mcDONALD", "j.r.r. tolkien", "İSMAİL", "DE LA TORRE, maría",
		"smith, john, jr", "jOSE", "vIán", "JOSe", "McDONALD", "mAcDoNaLd", "o'NEILL", "ß", "\xff\xfe", "a,,b", ". . .", "ǅemal", "Ǆ",
		/* a dotless i and a mark below compose only once raised: still an initial */
		"l \xc4\xb1\xcc\xb0",
		/* an H with a mark below before a dot composes into one letter once lowered */
		"r@H\xcc\xb1.ed", NULL
	};

	check_plain_pass();

	/* Spanish and Portuguese */
	CHECK_STR(norm("  JOSE   perez  "), "Jose Perez");
	CHECK_STR(norm("MARÍA DE LOS ÁNGELES GARCÍA DE LA TORRE"), "María de los Ángeles García de la Torre");
	CHECK_STR(norm("DE LA TORRE, maría"), "De la Torre, María");
	CHECK_STR(norm("Pérez ,José"), "Pérez, José");
	CHECK_STR(norm("JOSÉ ORTEGA Y GASSET"), "José Ortega y Gasset");
	CHECK_STR(norm("JOÃO DOS SANTOS E SILVA"), "João dos Santos e Silva");
	CHECK_STR(norm("MACÍAS"), "Macías");
	CHECK_STR(norm("carlos machado"), "Carlos Machado");
	/* Decomposed accents are composed (NFC). */
	CHECK_STR(norm("jose\xcc\x81"), "Jos\xc3\xa9");
	CHECK_STR(norm("l \xc4\xb1\xcc\xb0"), "L. \xe1\xb8\xac.");
	/* a letter and its marks are one letter before a dot: "J.Perez" splits */
	CHECK_STR(norm("r@H\xcc\xb1.ed"), "R@\xe1\xba\x96. Ed");
	/* French, German, Dutch */
	CHECK_STR(norm("jean-pierre DE LA FONTAINE"), "Jean-Pierre de la Fontaine");
	CHECK_STR(norm("françois d'ARTAGNAN"), "François D'Artagnan");
	CHECK_STR(norm("hans-georg müller-lüdenscheidt"), "Hans-Georg Müller-Lüdenscheidt");
	CHECK_STR(norm("LUDWIG VAN BEETHOVEN"), "Ludwig van Beethoven");
	CHECK_STR(norm("van der berg, jan"), "Van der Berg, Jan");
	/* English, Irish, Scottish */
	CHECK_STR(norm("patrick o’brien"), "Patrick O’Brien");
	CHECK_STR(norm("ANGUS MACDONALD"), "Angus MacDonald");
	CHECK_STR(norm("mcdonald"), "McDonald");
	CHECK_STR(norm("jack mack"), "Jack Mack");
	CHECK_STR(norm("DeVito, Danny"), "DeVito, Danny");
	CHECK_STR(norm("john f kennedy jr"), "John F. Kennedy Jr.");
	CHECK_STR(norm("henry ford ii"), "Henry Ford II");
	CHECK_STR(norm("j.perez"), "J. Perez");
	CHECK_STR(norm("J.R.R. TOLKIEN"), "J.R.R. Tolkien");
	/* Turkish and Arabic */
	CHECK_STR(norm("İSMAİL ŞAHİN"), "İsmail Şahin");
	CHECK_STR(norm("ismail yılmaz"), "Ismail Yılmaz");
	CHECK_STR(norm("ahmed al-rashid"), "Ahmed al-Rashid");
	/* Caps lock, whitespace of all kinds, empty */
	CHECK_STR(norm("jOSE"), "Jose");
	CHECK_STR(norm("vIán muñoz"), "Vián Muñoz");
	CHECK_STR(norm("mcDONALD"), "McDONALD");
	CHECK_STR(norm("\xc2\xa0" "Ana\tMaría\xe2\x80\x83" "L\xc3\xb3" "pez\n"), "Ana María López");
	CHECK_STR(norm(""), "");
	CHECK_STR(norm(" , "), "");
	for (int i = 0; idempotent[i] != NULL; i++)
		check_idempotent(idempotent[i]);

	/* name_parts */
	check_parts("José Pérez García", "José", "Pérez García", "Pérez", "García", NULL);
	check_parts("María de los Ángeles García de la Torre", "María de los Ángeles",
				"García de la Torre", "García", "de la Torre", NULL);
	check_parts("PÉREZ GARCÍA, JOSÉ", "José", "Pérez García", "Pérez", "García", NULL);
	check_parts("Juan Carlos Pérez", "Juan Carlos", "Pérez", "Pérez", NULL, NULL);
	check_parts("María del Pilar Sánchez", "María del Pilar", "Sánchez", "Sánchez", NULL, NULL);
	check_parts("John Michael Smith", "John Michael", "Smith", "Smith", NULL, NULL);
	check_parts("John F. Kennedy Jr.", "John F.", "Kennedy", "Kennedy", NULL, "Jr.");
	check_parts("José Ortega y Gasset", "José", "Ortega y Gasset", "Ortega", "Gasset", NULL);
	check_parts("Ludwig van Beethoven", "Ludwig", "van Beethoven", "van Beethoven", NULL, NULL);
	check_parts("Madonna", "Madonna", NULL, NULL, NULL, NULL);
	check_parts("Smith, John, Jr.", "John", "Smith", "Smith", NULL, "Jr.");
	check_parts("", NULL, NULL, NULL, NULL, NULL);
	{
		/* More words than the splitter holds: the last takes the rest. */
		char		many[2000] = "";
		CtNameParts p;

		for (int i = 0; i < 100; i++)
			strcat(many, i % 2 ? "Ana " : "Luz ");
		CHECK(ct_name_parts(&ct_malloc_allocator, many, strlen(many), &p));
		CHECK(p.family_names != NULL && strlen(p.given_names) + strlen(p.family_names) + 1 == strlen(many) - 1);
		free(p.given_names);
		free(p.family_names);
		free(p.first_family);
		free(p.second_family);
		free(p.suffix);
	}
	CHECK(ct_name_is_particle("De", 2));
	CHECK(!ct_name_is_particle("Dean", 4));

	/* Nicknames, both lists */
	CHECK(related("pepe", "jose"));
	CHECK(related("jose", "pepe"));
	CHECK(related("paco", "francisco"));
	CHECK(related("chema", "jose maria"));
	CHECK(related("bill", "william"));
	CHECK(related("bill", "will"));
	CHECK(!related("roberto", "alberto"));
	CHECK(!related("xyz", "xyz"));
	CHECK(ct_is_given_name("michael", 7));
	CHECK(!ct_is_given_name("smith", 5));
	/* The table is sorted, as the binary searches need. */
	for (size_t i = 1; i < ct_nicknames_count; i++)
		if (strcmp(ct_nicknames[i - 1].name, ct_nicknames[i].name) > 0)
			CHECK(!"nicknames not sorted");
	for (size_t i = 1; i < ct_given_names_count; i++)
		if (strcmp(ct_given_names[i - 1], ct_given_names[i]) >= 0)
			CHECK(!"given names not sorted");
	{
		const char *v[64];
		size_t		n = ct_nickname_variants("lola", 4, v, 64);
		bool		has_dolores = false;

		for (size_t i = 0; i < n && i < 64; i++)
			has_dolores |= strcmp(v[i], "dolores") == 0;
		CHECK(n >= 3 && has_dolores);
	}

	free(last);
	return UNIT_DONE();
}
