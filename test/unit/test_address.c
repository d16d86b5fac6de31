/*
 * Unit tests of address parsing and comparison (address.h), on folded
 * input as the match keys give it.
 */
#include <string.h>

#include "address.h"
#include "ct_alloc.h"
#include "fold.h"
#include "match_keys.h"
#include "unit.h"

static const CtAllocator *A = &ct_malloc_allocator;

static void
parse(const char *typed, CtAddress *a)
{
	char		key[CT_KEY_MAX];
	size_t		n = ct_match_key(CT_KEY_FOLD, typed, strlen(typed), NULL, key, A);

	ct_address_parse(key, n, a);
}

static CtAddressAgreement
cmp(const char *x, const char *y)
{
	CtAddress	a,
				b;

	parse(x, &a);
	parse(y, &b);
	return ct_address_compare(&a, &b, A);
}

static void
test_parse(void)
{
	CtAddress	a;

	parse("Avda. de la Constitución, 12, 3º B", &a);
	CHECK_STR(a.type, "av");
	CHECK_STR(a.street, "constitucion");
	CHECK_STR(a.number, "12");
	CHECK_STR(a.unit, "3b");

	parse("C/ Mayor, 5, 2º izda, 28013 Madrid", &a);
	CHECK_STR(a.type, "calle");
	CHECK_STR(a.street, "mayor");
	CHECK_STR(a.number, "5");
	CHECK_STR(a.unit, "2izq");

	parse("Flat 3, 12B Baker Street, London", &a);
	CHECK_STR(a.type, "st");
	CHECK_STR(a.street, "baker");
	CHECK_STR(a.number, "12");
	CHECK_STR(a.unit, "3b");

	parse("Pº de Gracia nº 21, piso 4 puerta 2", &a);
	CHECK_STR(a.type, "paseo");
	CHECK_STR(a.street, "gracia");
	CHECK_STR(a.number, "21");
	CHECK_STR(a.unit, "42");

	parse("Plaza Mayor s/n", &a);
	CHECK_STR(a.type, "plaza");
	CHECK_STR(a.street, "mayor");
	CHECK_STR(a.number, "");

	parse("", &a);
	CHECK(a.street_len == 0 && a.number[0] == '\0');
}

static void
test_compare(void)
{
	/* abbreviations and the little words */
	CHECK(cmp("Avenida de la Constitución 12, 3B", "Av. Constitucion, 12 - 3º B") == CT_ADDRESS_SAME);
	CHECK(cmp("Calle Mayor 5", "C/ Mayor, 5") == CT_ADDRESS_SAME);
	CHECK(cmp("12 High Street", "12 High St") == CT_ADDRESS_SAME);
	CHECK(cmp("Plaza de España 3", "Pza. España 3") == CT_ADDRESS_SAME);
	CHECK(cmp("Paseo del Prado 8", "Pº Prado 8") == CT_ADDRESS_SAME);
	CHECK(cmp("Mayor 5", "Calle Mayor 5") == CT_ADDRESS_SAME);
	CHECK(cmp("Calle San Bernardo 4", "Calle Sanbernardo 4") == CT_ADDRESS_SAME);
	/* a missing unit is not a disagreement */
	CHECK(cmp("Calle Mayor 5, 2º izda", "Calle Mayor 5") == CT_ADDRESS_UNIT_MISSING);
	CHECK(cmp("Calle Mayor 5, 3", "Calle Mayor 5, 3º B") == CT_ADDRESS_UNIT_MISSING);
	/* a typo in the street name is not either */
	CHECK(cmp("Calle Alcala 120", "Calle Alcla 120") == CT_ADDRESS_STREET_TYPO);
	CHECK(cmp("Avenida Diagonal 640", "Avda Diagonla 640") == CT_ADDRESS_STREET_TYPO);
	CHECK(cmp("Gran Via 28", "Gran Via de les Corts Catalanes 28") == CT_ADDRESS_STREET_TYPO);
	CHECK(cmp("Calle Mayor 5", "Plaza Mayor 5") == CT_ADDRESS_STREET_TYPO);
	/* the same building */
	CHECK(cmp("Calle Mayor 5, 2º izda", "Calle Mayor 5, 2º dcha") == CT_ADDRESS_OTHER_UNIT);
	/* no number on one side */
	CHECK(cmp("Calle Mayor", "Calle Mayor 5") == CT_ADDRESS_NUMBER_MISSING);
	CHECK(cmp("Plaza Mayor s/n", "Plaza Mayor 1") == CT_ADDRESS_NUMBER_MISSING);
	/* another house number is a strong disagreement */
	CHECK(cmp("Calle Mayor 5", "Calle Mayor 7") == CT_ADDRESS_OTHER_NUMBER);
	CHECK(cmp("Calle Alcala 120", "Calle Alcla 12") == CT_ADDRESS_OTHER_NUMBER);
	/* a space added or lost, a number with look-alike letters or two digits swapped */
	CHECK(cmp("371 StationAvenue, Apt 2C", "371 Station Avenue, Apt 2C") == CT_ADDRESS_SAME);
	CHECK(cmp("Avenida del Sol202, 1º D", "Avenida del Sol 202, 1º D") == CT_ADDRESS_SAME);
	CHECK(cmp("Calle Colón I34, 7º D", "Calle Colón 134, 7º D") == CT_ADDRESS_SAME);
	CHECK(cmp("Avenida Independencia 106", "Avenida Independencia 016") == CT_ADDRESS_STREET_TYPO);
	CHECK(cmp("Calle Mayor 12, 3B", "Calle Mayor 12 3B") == CT_ADDRESS_SAME);
	CHECK(cmp("Calle Mayor 57", "Calle Mayor 75, 2º") == CT_ADDRESS_STREET_TYPO);
	CHECK(cmp("Calle Mayor 12", "Calle Mayor 120") == CT_ADDRESS_OTHER_NUMBER);
	CHECK(cmp("Calle Mayor 5", "CalleMayor 7") == CT_ADDRESS_DIFFERENT);
	/* other streets */
	CHECK(cmp("Calle Mayor 5", "Calle Toledo 5") == CT_ADDRESS_DIFFERENT);
	CHECK(cmp("Calle Mayor 5", "") == CT_ADDRESS_DIFFERENT);
	CHECK(cmp("Calle Sol 5", "Calle Col 5") == CT_ADDRESS_STREET_TYPO);
	CHECK(cmp("Calle Sol 5", "Calle Pez 5") == CT_ADDRESS_DIFFERENT);
}

int
main(void)
{
	test_parse();
	test_compare();
	return UNIT_DONE();
}
