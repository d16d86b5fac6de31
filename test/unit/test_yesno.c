/*
 * test_yesno.c
 *		Consent and booleans in people's words.
 */
#include <string.h>

#include "unit.h"
#include "yesno.h"

static CtYesNo
yn(const char *s)
{
	return ct_yesno(s, strlen(s), NULL, 0, NULL, 0, &ct_malloc_allocator);
}

int
main(void)
{
	const char *const yes[] = {"Autorizo", "de acuerdo"};
	const char *const no[] = {"Rechazo"};
	const char *const yes_words[] = {"sí", "si", "SI", "Sí", "SÍ", "s", "S", "x", "X", "yes", "YES", "Y",
		"1", "true", "TRUE", "Verdadero", "acepto", "Acepto.", "ok", "OK!", " si ", "sim", "Sim",
		"t", "✓", "aceito", "VERDADEIRO", NULL};
	const char *const no_words[] = {"no", "NO", "No.", "n", "N", "0", "false", "FALSE", "falso",
		"Falso", "não", "NAO", "f", NULL};
	const char *const neither[] = {"", " ", "quizás", "maybe", "2", "-1", "sí no", "yes please",
		"nop", "ss", "x x", "…", "acepto condiciones", NULL};

	for (int i = 0; yes_words[i]; i++)
		CHECK(yn(yes_words[i]) == CT_YESNO_YES);
	for (int i = 0; no_words[i]; i++)
		CHECK(yn(no_words[i]) == CT_YESNO_NO);
	for (int i = 0; neither[i]; i++)
		CHECK(yn(neither[i]) == CT_YESNO_UNREADABLE);

	/* a table's own words, compared the same way */
	CHECK(ct_yesno("AUTORIZO", 8, yes, 2, no, 1, &ct_malloc_allocator) == CT_YESNO_YES);
	CHECK(ct_yesno("De  Acuerdo", 11, yes, 2, no, 1, &ct_malloc_allocator) == CT_YESNO_YES);
	CHECK(ct_yesno("rechazo", 7, yes, 2, no, 1, &ct_malloc_allocator) == CT_YESNO_NO);
	CHECK(ct_yesno("autorizo", 8, NULL, 0, NULL, 0, &ct_malloc_allocator) == CT_YESNO_UNREADABLE);
	CHECK(ct_yesno("si", 2, yes, 2, no, 1, &ct_malloc_allocator) == CT_YESNO_YES);

	/* a long cell is not folded, and not read */
	{
		char		big[1000];

		memset(big, 'x', sizeof(big));
		CHECK(ct_yesno(big, sizeof(big), NULL, 0, NULL, 0, &ct_malloc_allocator) == CT_YESNO_UNREADABLE);
	}
	CHECK_STR(ct_consent_unreadable.code, "CONSENT_UNREADABLE");
	return UNIT_DONE();
}
