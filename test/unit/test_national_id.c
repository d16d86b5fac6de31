/*
 * test_national_id.c
 *		Check digits and normalization of national ID numbers, on numbers the
 *		issuers publish as examples and on one-character corruptions of them.
 */
#include <string.h>

#include "national_id.h"
#include "unit.h"

static char out[CT_NATIONAL_ID_MAX];
static const char *kind_out;

/* Normalized value, or the reason code when invalid. */
static const char *
norm(const char *country, const char *kind, const char *value)
{
	const CtReason *r = ct_national_id_normalize(country, kind, value, strlen(value),
												 out, &kind_out);

	return r ? r->code : out;
}

/*
 * Every single-digit change of a valid number must break its check digit(s).
 * True of the mod 11 and mod 23 schemes and of the CIF's Luhn-like sum; the
 * CURP's and the Uruguayan CI's mod 10 weights include even numbers (and 10),
 * which by design miss some changes, so they are not tested this way.
 */
static void
check_single_digit_errors(const char *country, const char *kind, const char *valid)
{
	char		buf[64];
	int			caught = 0,
				tried = 0;

	for (size_t i = 0; i < strlen(valid); i++)
	{
		if (valid[i] < '0' || valid[i] > '9')
			continue;
		for (char d = '0'; d <= '9'; d++)
		{
			if (d == valid[i])
				continue;
			strcpy(buf, valid);
			buf[i] = d;
			tried++;
			if (ct_national_id_normalize(country, kind, buf, strlen(buf), out, NULL) != NULL)
				caught++;
		}
	}
	if (caught != tried)
		fprintf(stderr, "%s %s %s: %d of %d single-digit errors caught\n",
				country, kind, valid, caught, tried);
	CHECK(caught == tried);
}

int
main(void)
{
	/* Spain */
	CHECK_STR(norm("ES", "DNI", "12345678Z"), "12345678Z");
	CHECK_STR(norm("es", "dni", "12.345.678-z"), "12345678Z");
	CHECK_STR(norm("ES", "DNI", "1234567L"), "01234567L");
	CHECK_STR(norm("ES", "DNI", "12345678A"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("ES", "DNI", "1234567"), "ID_BAD_LENGTH");
	CHECK_STR(norm("ES", "DNI", "12345678ZZ"), "ID_BAD_LENGTH");
	CHECK_STR(norm("ES", "DNI", "1234A678Z"), "ID_BAD_FORMAT");
	CHECK_STR(norm("ES", "NIE", "X1234567L"), "X1234567L");
	CHECK_STR(norm("ES", "NIE", "Y-1234567-X"), "Y1234567X");
	CHECK_STR(norm("ES", "NIE", "X1234567T"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("ES", "CIF", "B12345674"), "B12345674");
	CHECK_STR(norm("ES", "CIF", "A28015865"), "A28015865");
	CHECK_STR(norm("ES", "CIF", "Q2826000H"), "Q2826000H");
	CHECK_STR(norm("ES", "CIF", "Q28260008"), "ID_BAD_CHECK_DIGIT");	/* Q needs a letter */
	CHECK_STR(norm("ES", "CIF", "A2801586E"), "ID_BAD_CHECK_DIGIT");	/* A needs a digit */
	CHECK_STR(norm("ES", "CIF", "I28015865"), "ID_BAD_FORMAT");
	CHECK_STR(norm("ES", NULL, "x1234567l"), "X1234567L");
	CHECK_STR(kind_out, "NIE");
	CHECK_STR(norm("ES", "NIF", "B-12345674"), "B12345674");
	CHECK_STR(kind_out, "CIF");
	CHECK_STR(norm("ES", NULL, "12345678Z"), "12345678Z");
	CHECK_STR(kind_out, "DNI");
	check_single_digit_errors("ES", "DNI", "12345678Z");
	check_single_digit_errors("ES", "CIF", "A28015865");

	/* Argentina */
	CHECK_STR(norm("AR", "CUIT", "20-12345678-6"), "20123456786");
	CHECK_STR(norm("AR", "CUIT", "33-69345023-9"), "33693450239");
	CHECK_STR(norm("AR", "CUIL", "33-69345023-9"), "ID_BAD_PREFIX");
	CHECK_STR(norm("AR", "CUIL", "20123456786"), "20123456786");
	CHECK_STR(norm("AR", "CUIT", "21-12345678-6"), "ID_BAD_PREFIX");
	CHECK_STR(norm("AR", "CUIT", "20-12345678-7"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("AR", "DNI", "12.345.678"), "12345678");
	CHECK_STR(norm("AR", "DNI", "123.456"), "ID_BAD_LENGTH");
	CHECK_STR(norm("AR", NULL, "20123456786"), "20123456786");
	CHECK_STR(kind_out, "CUIT");
	check_single_digit_errors("AR", "CUIT", "33693450239");

	/* Mexico: RENAPO's and SAT's published examples */
	CHECK_STR(norm("MX", "CURP", "HEGG560427MVZRRL04"), "HEGG560427MVZRRL04");
	CHECK_STR(norm("MX", "CURP", "maar790213hmnrlf03"), "MAAR790213HMNRLF03");
	CHECK_STR(norm("MX", "CURP", "HEGG560427MVZRRL05"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("MX", "CURP", "HEGG561327MVZRRL04"), "ID_BAD_DATE");
	CHECK_STR(norm("MX", "CURP", "HEGG560427MXXRRL04"), "ID_BAD_REGION");
	CHECK_STR(norm("MX", "CURP", "HEGG560427QVZRRL04"), "ID_BAD_FORMAT");
	CHECK_STR(norm("MX", "RFC", "GODE561231GR8"), "GODE561231GR8");
	CHECK_STR(norm("MX", "RFC", "GODE561231GR9"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("MX", "RFC", "GODE560231GR8"), "ID_BAD_DATE");
	CHECK_STR(norm("MX", "RFC", "XAXX010101000"), "XAXX010101000");
	CHECK_STR(norm("MX", NULL, "GODE-561231-GR8"), "GODE561231GR8");
	CHECK_STR(kind_out, "RFC");

	/* Brazil */
	CHECK_STR(norm("BR", "CPF", "111.444.777-35"), "11144477735");
	CHECK_STR(norm("BR", "CPF", "529.982.247-25"), "52998224725");
	CHECK_STR(norm("BR", "CPF", "111.444.777-36"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("BR", "CPF", "111.111.111-11"), "ID_RESERVED_NUMBER");
	CHECK_STR(norm("BR", "CNPJ", "11.222.333/0001-81"), "11222333000181");
	CHECK_STR(norm("BR", "CNPJ", "12.ABC.345/01DE-35"), "12ABC34501DE35");
	CHECK_STR(norm("BR", "CNPJ", "12.ABC.345/01DE-53"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("BR", NULL, "11222333000181"), "11222333000181");
	CHECK_STR(kind_out, "CNPJ");
	check_single_digit_errors("BR", "CPF", "52998224725");
	check_single_digit_errors("BR", "CNPJ", "11222333000181");

	/* Chile, Uruguay, Colombia, Peru */
	CHECK_STR(norm("CL", "RUT", "12.345.678-5"), "123456785");
	CHECK_STR(norm("CL", "RUN", "7.654.321-6"), "76543216");
	CHECK_STR(norm("CL", NULL, "12345678-k"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("CL", "RUT", "1234567A5"), "ID_BAD_FORMAT");
	CHECK_STR(norm("UY", "CI", "1.234.567-2"), "12345672");
	CHECK_STR(norm("UY", "CI", "1.234.567-3"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("CO", "NIT", "890.903.938-8"), "8909039388");
	CHECK_STR(norm("CO", "NIT", "860034313-7"), "8600343137");
	CHECK_STR(norm("CO", "NIT", "890.903.938-9"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("CO", "CC", "1.020.304.050"), "1020304050");
	CHECK_STR(norm("CO", NULL, "1.020.304.050"), "1020304050");
	CHECK_STR(kind_out, "CC");
	CHECK_STR(norm("CO", NULL, "890.903.938-8"), "8909039388");
	CHECK_STR(kind_out, "NIT");
	CHECK_STR(norm("PE", "RUC", "20131312955"), "20131312955");
	CHECK_STR(norm("PE", "RUC", "20131312956"), "ID_BAD_CHECK_DIGIT");
	CHECK_STR(norm("PE", "RUC", "30131312955"), "ID_BAD_PREFIX");
	CHECK_STR(norm("PE", NULL, "12345678"), "12345678");
	CHECK_STR(kind_out, "DNI");
	check_single_digit_errors("CO", "NIT", "8909039388");
	check_single_digit_errors("PE", "RUC", "20131312955");

	/* United States: no check digit, only the ranges never assigned */
	CHECK_STR(norm("US", "SSN", "123-45-6789"), "123456789");
	CHECK_STR(norm("US", "SSN", "000-45-6789"), "ID_RESERVED_NUMBER");
	CHECK_STR(norm("US", "SSN", "666-45-6789"), "ID_RESERVED_NUMBER");
	CHECK_STR(norm("US", "SSN", "123-00-6789"), "ID_RESERVED_NUMBER");
	CHECK_STR(norm("US", "SSN", "123-45-0000"), "ID_RESERVED_NUMBER");
	CHECK_STR(norm("US", "SSN", "078-05-1120"), "ID_RESERVED_NUMBER");
	CHECK_STR(norm("US", NULL, "912-70-1234"), "912701234");
	CHECK_STR(kind_out, "ITIN");
	CHECK_STR(norm("US", "ITIN", "912-40-1234"), "ID_RESERVED_NUMBER");

	/* Bad calls and bad characters */
	CHECK_STR(norm("FR", NULL, "123"), "ID_UNSUPPORTED_COUNTRY");
	CHECK_STR(norm("ES", "SSN", "123"), "ID_UNKNOWN_KIND");
	CHECK_STR(norm("ES", NULL, " - . "), "ID_EMPTY");
	CHECK_STR(norm("ES", NULL, "12345678Z!"), "ID_BAD_CHARACTER");
	CHECK_STR(norm("ES", NULL, "1234567890123456789012345678901234567890"), "ID_BAD_LENGTH");
	CHECK(ct_national_id_kinds("MX") != NULL && strcmp(ct_national_id_kinds("MX")[0], "CURP") == 0);
	CHECK(ct_national_id_kinds("XX") == NULL);

	return UNIT_DONE();
}
