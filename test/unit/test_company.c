/*
 * test_company.c
 *		Display form and key of company names.
 */
#include <stdlib.h>
#include <string.h>

#include "company.h"
#include "utf8.h"
#include "unit.h"

static char *last;

static const char *
display(const char *s)
{
	size_t		n;

	free(last);
	last = ct_normalize_company(&ct_malloc_allocator, s, strlen(s), &n);
	return last;
}

static const char *
key(const char *s)
{
	size_t		n;

	free(last);
	last = ct_company_key(&ct_malloc_allocator, s, strlen(s), &n);
	return last;
}

int
main(void)
{
	CHECK_STR(display("bimbo s.a. de c.v."), "bimbo S.A. de C.V.");
	CHECK_STR(display("Tienda S. de R.L. de C.V."), "Tienda S. de R.L. de C.V.");
	CHECK_STR(display("  Acme   inc"), "Acme Inc.");
	CHECK_STR(display("Acme ,Inc"), "Acme, Inc.");
	CHECK_STR(display("Construcciones López S L U"), "Construcciones López S.L.U.");
	CHECK_STR(display("Volkswagen gmbh"), "Volkswagen GmbH");
	CHECK_STR(display("Müller gmbh & co. kg"), "Müller GmbH & Co. KG");
	CHECK_STR(display("Ferrero spa"), "Ferrero S.p.A.");
	CHECK_STR(display("Koç Holding A.Ş."), "Koç Holding A.Ş.");
	CHECK_STR(display("eBay inc"), "eBay Inc.");
	CHECK_STR(display("S.A."), "S.A.");
	CHECK_STR(display(""), "");
	/* More tokens than any company name has: white space collapsed only, the same on a second pass */
	CHECK_STR(display("Acme ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++   sa"),
			  "Acme ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++ sa");
	CHECK_STR(display("Acme ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++ sa"),
			  "Acme ++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++++ sa");

	/* A word longer than a token is cut on a character boundary (was mid-character). */
	{
		char		word[3 * 100 + 1] = "";
		const char *k;

		for (int i = 0; i < 100; i++)
			strcat(word, "\xe3\x81\x82");	/* U+3042 */
		k = key(word);
		CHECK(ct_utf8_valid(k, strlen(k)));
		CHECK(strlen(k) > 0 && strlen(k) % 3 == 0);
		for (int i = 0; i < 75; i++)
			memcpy(word + 4 * i, "\xf0\x9f\x98\x80", 4);	/* U+1F600 */
		word[300] = '\0';
		k = key(word);
		CHECK(ct_utf8_valid(k, strlen(k)));
		k = display(word);
		CHECK(ct_utf8_valid(k, strlen(k)));
	}
	CHECK_STR(key("Pérez y Cía. S.A."), "perez");
	CHECK_STR(key("PEREZ & CIA SA"), "perez");
	CHECK_STR(key("pérez s. a."), "perez");
	CHECK_STR(key("GRUPO BIMBO, S.A.B. DE C.V."), "grupo bimbo");
	CHECK_STR(key("The Coca-Cola Company"), "coca cola");
	CHECK_STR(key("I.B.M. Corp"), "ibm");
	CHECK_STR(key("IBM Corporation"), "ibm");
	CHECK_STR(key("Johnson and Johnson, Inc."), "johnson & johnson");
	CHECK_STR(key("Johnson y Johnson S.A. de C.V."), "johnson & johnson");
	CHECK_STR(key("Müller GmbH & Co. KG"), "muller");
	CHECK_STR(key("Koç Holding A.Ş."), "koc holding");
	CHECK_STR(key("Siemens Aktiengesellschaft"), "siemens aktiengesellschaft");
	CHECK_STR(key("AT&T Inc."), "at & t");
	CHECK_STR(key("S.A."), "sa");
	CHECK_STR(key("the"), "the");
	CHECK_STR(key(""), "");

	free(last);
	return UNIT_DONE();
}
