/*
 * national_id.c
 *		Check digits and shapes of national identity and tax numbers.
 *
 * Every document has one validator that takes the value already reduced to
 * its significant characters (ASCII upper case letters and digits; spaces,
 * dots, hyphens and slashes dropped; Ñ kept as the byte '#', which only the
 * Mexican documents accept) and writes the compact normalized form.
 *
 * Rules, as published by the issuing authorities:
 *	ES DNI		8 digits + letter TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]
 *	ES NIE		X/Y/Z (read as 0/1/2) + 7 digits + the DNI letter
 *	ES CIF		entity letter + 7 digits + control (digit, or letter J..I)
 *	AR CUIT/CUIL 11 digits, type prefix, mod 11 with weights 5432765432
 *	AR DNI		7 or 8 digits, no check digit
 *	MX CURP		18 characters (RENAPO), date, sex, state, mod 10 check
 *	MX RFC		12 (company) or 13 (person) characters (SAT), date, mod 11
 *	BR CPF		11 digits, two mod 11 check digits (Receita Federal)
 *	BR CNPJ		14 characters, two mod 11 check digits; since July 2026 the
 *				first 12 may be letters (value = ASCII code - 48)
 *	CL RUT/RUN	body + mod 11 verifier (0-9 or K), weights 2..7 cycling
 *	UY CI		7 digits + check digit, weights 2987634 mod 10
 *	CO NIT		up to 15 digits + check digit, DIAN prime weights mod 11
 *	CO CC		cédula de ciudadanía, 3 to 10 digits, no check digit
 *	PE RUC		11 digits, type prefix, mod 11 like CUIT
 *	PE DNI		8 digits
 *	US SSN		9 digits, area not 000/666/9xx, group not 00, serial not 0000
 *	US ITIN		9 digits, 9xx area, group 50-65, 70-88, 90-92 or 94-99
 */
#include "national_id.h"

#include <string.h>

/* ----------------------------------------------------------------------
 * Reasons
 * ---------------------------------------------------------------------- */

const CtReason ct_id_unsupported_country = {
	"ID_UNSUPPORTED_COUNTRY",
	"no national ID documents are known for this country",
	"Supported countries: AR, BR, CL, CO, ES, MX, PE, US, UY."
};

const CtReason ct_id_unknown_kind = {
	"ID_UNKNOWN_KIND",
	"unknown national ID document kind for this country",
	"Pass NULL as the kind to detect it, or one of the kinds listed in the documentation."
};

static const CtReason id_empty = {
	"ID_EMPTY",
	"national ID number is empty",
	NULL
};

static const CtReason id_bad_character = {
	"ID_BAD_CHARACTER",
	"national ID number contains a character other than letters, digits and separators",
	"Spaces, dots, hyphens and slashes are ignored; anything else is rejected."
};

static const CtReason id_bad_check = {
	"ID_BAD_CHECK_DIGIT",
	"check digit does not match the rest of the number",
	"The last character is computed from the others: look for a typing error."
};

static const CtReason id_bad_prefix = {
	"ID_BAD_PREFIX",
	"number starts with a type prefix the issuer does not assign",
	NULL
};

static const CtReason id_bad_date = {
	"ID_BAD_DATE",
	"embedded date of birth or incorporation is not a real date",
	"Characters 5 to 10 (CURP, person RFC) or 4 to 9 (company RFC) are YYMMDD."
};

static const CtReason id_bad_region = {
	"ID_BAD_REGION",
	"state code is not one of the Mexican states",
	"Characters 12 and 13 of a CURP are the state of birth (NE for born abroad)."
};

static const CtReason id_reserved = {
	"ID_RESERVED_NUMBER",
	"number is in a range the issuer never assigns",
	NULL
};

/*
 * Shape errors carry a hint describing the expected format, so each document
 * has its own pair.
 */
#define SHAPE_REASONS(name, hint) \
	static const CtReason name##_bad_length = { \
		"ID_BAD_LENGTH", "wrong number of characters for this document", hint}; \
	static const CtReason name##_bad_format = { \
		"ID_BAD_FORMAT", "letters or digits in the wrong places for this document", hint}

SHAPE_REASONS(es_dni, "An ES DNI is 8 digits and a check letter, e.g. 12345678Z.");
SHAPE_REASONS(es_nie, "An ES NIE is X, Y or Z, 7 digits and a check letter, e.g. X1234567L.");
SHAPE_REASONS(es_cif, "An ES CIF is a letter (ABCDEFGHJNPQRSUVW), 7 digits and a control digit or letter, e.g. B12345674.");
SHAPE_REASONS(ar_cuit, "An AR CUIT/CUIL is 11 digits, e.g. 20-12345678-6.");
SHAPE_REASONS(ar_dni, "An AR DNI is 7 or 8 digits.");
SHAPE_REASONS(mx_curp, "A MX CURP is 18 characters, e.g. GODE561231HDFNRR09.");
SHAPE_REASONS(mx_rfc, "A MX RFC is 3 (company) or 4 (person) letters, a YYMMDD date and 3 characters, e.g. GODE561231GR8.");
SHAPE_REASONS(br_cpf, "A BR CPF is 11 digits, e.g. 123.456.789-09.");
SHAPE_REASONS(br_cnpj, "A BR CNPJ is 14 characters (12 letters or digits and 2 check digits), e.g. 11.222.333/0001-81.");
SHAPE_REASONS(cl_rut, "A CL RUT is 7 or 8 digits and a verifier 0-9 or K, e.g. 12.345.678-5.");
SHAPE_REASONS(uy_ci, "A UY CI is 6 or 7 digits and a check digit, e.g. 1.234.567-2.");
SHAPE_REASONS(co_nit, "A CO NIT is up to 15 digits and a check digit, e.g. 890.903.938-8.");
SHAPE_REASONS(co_cc, "A CO cédula is 3 to 10 digits.");
SHAPE_REASONS(pe_ruc, "A PE RUC is 11 digits starting 10, 15, 16, 17 or 20.");
SHAPE_REASONS(pe_dni, "A PE DNI is 8 digits.");
SHAPE_REASONS(us_ssn, "A US SSN is 9 digits, AAA-GG-SSSS.");
SHAPE_REASONS(us_itin, "A US ITIN is 9 digits starting with 9, 9XX-GG-SSSS.");

/* When the kind is detected and the length fits none of the country's. */
#define COUNTRY_LENGTH(name, hint) \
	static const CtReason name##_no_kind = { \
		"ID_BAD_LENGTH", "wrong number of characters for any document of this country", hint}

COUNTRY_LENGTH(es, "ES: DNI 8 digits + letter, NIE X/Y/Z + 7 digits + letter, CIF letter + 7 digits + control.");
COUNTRY_LENGTH(ar, "AR: DNI 7 or 8 digits, CUIT/CUIL 11 digits.");
COUNTRY_LENGTH(mx, "MX: CURP 18 characters, RFC 12 (company) or 13 (person) characters.");
COUNTRY_LENGTH(br, "BR: CPF 11 digits, CNPJ 14 characters.");
COUNTRY_LENGTH(pe, "PE: DNI 8 digits, RUC 11 digits.");

/* ----------------------------------------------------------------------
 * Helpers on the cleaned value
 * ---------------------------------------------------------------------- */

static bool
all_digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool
is_letter(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
digit(char c)
{
	return c - '0';
}

static int
number(const char *s, int n)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + digit(s[i]);
	return v;
}

/* Sum of digits of s times weights (same length). */
static int
weighted_sum(const char *s, const int *weights, int n)
{
	int			sum = 0;

	for (int i = 0; i < n; i++)
		sum += digit(s[i]) * weights[i];
	return sum;
}

static const CtReason *
emit(char *out, const char *s, int n)
{
	memcpy(out, s, n);
	out[n] = '\0';
	return NULL;
}

/* YYMMDD: a real calendar date (any century, so 29 February in 00 is fine). */
static bool
valid_yymmdd(const char *s)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			yy,
				mm,
				dd;

	if (!all_digits(s, 6))
		return false;
	yy = number(s, 2);
	mm = number(s + 2, 2);
	dd = number(s + 4, 2);
	if (mm < 1 || mm > 12 || dd < 1 || dd > mdays[mm - 1])
		return false;
	/* 29 February only in leap years; 00 stands for 2000 (or 1900, allowed). */
	if (mm == 2 && dd == 29 && yy % 4 != 0)
		return false;
	return true;
}

/* ----------------------------------------------------------------------
 * Spain
 * ---------------------------------------------------------------------- */

static const char dni_letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";

static const CtReason *
es_dni(const char *s, int n, char *out)
{
	char		buf[9];

	/* Old DNIs are sometimes written with 7 digits: restore the zero. */
	if (n == 8 && all_digits(s, 7) && is_letter(s[7]))
	{
		buf[0] = '0';
		memcpy(buf + 1, s, 8);
		s = buf;
		n = 9;
	}
	if (n != 9)
		return &es_dni_bad_length;
	if (!all_digits(s, 8) || !is_letter(s[8]))
		return &es_dni_bad_format;
	if (dni_letters[number(s, 8) % 23] != s[8])
		return &id_bad_check;
	return emit(out, s, 9);
}

static const CtReason *
es_nie(const char *s, int n, char *out)
{
	int			v;

	if (n != 9)
		return &es_nie_bad_length;
	if ((s[0] != 'X' && s[0] != 'Y' && s[0] != 'Z') || !all_digits(s + 1, 7) || !is_letter(s[8]))
		return &es_nie_bad_format;
	v = (s[0] - 'X') * 10000000 + number(s + 1, 7);
	if (dni_letters[v % 23] != s[8])
		return &id_bad_check;
	return emit(out, s, 9);
}

static const CtReason *
es_cif(const char *s, int n, char *out)
{
	int			sum = 0;
	int			control;
	bool		letter_only,
				digit_only;

	if (n != 9)
		return &es_cif_bad_length;
	if (strchr("ABCDEFGHJNPQRSUVW", s[0]) == NULL || !all_digits(s + 1, 7) ||
		!(is_letter(s[8]) || all_digits(s + 8, 1)))
		return &es_cif_bad_format;
	/* Digits in even positions add up; odd positions are doubled digit-wise. */
	for (int i = 1; i <= 7; i++)
	{
		int			d = digit(s[i]);

		if (i % 2 == 1)
		{
			d *= 2;
			d = d / 10 + d % 10;
		}
		sum += d;
	}
	control = (10 - sum % 10) % 10;
	/* Entities P, Q, R, S, N, W use a letter; A, B, E, H a digit; others either. */
	letter_only = strchr("PQRSNW", s[0]) != NULL;
	digit_only = strchr("ABEH", s[0]) != NULL;
	if (is_letter(s[8]))
	{
		if (digit_only || s[8] != "JABCDEFGHI"[control])
			return &id_bad_check;
	}
	else if (letter_only || digit(s[8]) != control)
		return &id_bad_check;
	return emit(out, s, 9);
}

static const char *
es_detect(const char *s, int n, bool dv_separated)
{
	if (n < 8 || n > 9)
		return NULL;
	if (s[0] >= '0' && s[0] <= '9')
		return "DNI";
	if (s[0] == 'X' || s[0] == 'Y' || s[0] == 'Z')
		return "NIE";
	return "CIF";
}

/* ----------------------------------------------------------------------
 * Argentina and Peru: 11-digit mod 11 tax numbers
 * ---------------------------------------------------------------------- */

static const int weights_5432765432[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};

static bool
has_prefix(const char *s, const char *const *prefixes)
{
	for (int i = 0; prefixes[i] != NULL; i++)
		if (s[0] == prefixes[i][0] && s[1] == prefixes[i][1])
			return true;
	return false;
}

static const CtReason *
ar_cuit_common(const char *s, int n, char *out, const char *const *prefixes)
{
	int			check;

	if (n != 11)
		return &ar_cuit_bad_length;
	if (!all_digits(s, 11))
		return &ar_cuit_bad_format;
	if (!has_prefix(s, prefixes))
		return &id_bad_prefix;
	check = 11 - weighted_sum(s, weights_5432765432, 10) % 11;
	if (check == 11)
		check = 0;
	/* 10 is never issued: AFIP changes the prefix to 23 or 33 instead. */
	if (check == 10 || check != digit(s[10]))
		return &id_bad_check;
	return emit(out, s, 11);
}

static const CtReason *
ar_cuit(const char *s, int n, char *out)
{
	static const char *const prefixes[] = {"20", "23", "24", "27", "30", "33", "34", NULL};

	return ar_cuit_common(s, n, out, prefixes);
}

/* CUILs are issued to people only. */
static const CtReason *
ar_cuil(const char *s, int n, char *out)
{
	static const char *const prefixes[] = {"20", "23", "24", "27", NULL};

	return ar_cuit_common(s, n, out, prefixes);
}

static const CtReason *
ar_dni(const char *s, int n, char *out)
{
	if (n < 7 || n > 8)
		return &ar_dni_bad_length;
	if (!all_digits(s, n))
		return &ar_dni_bad_format;
	if (number(s, n) < 1000000)
		return &id_reserved;
	return emit(out, s, n);
}

static const char *
ar_detect(const char *s, int n, bool dv_separated)
{
	(void) s;
	return n == 11 ? "CUIT" : (n == 7 || n == 8) ? "DNI" : NULL;
}

static const CtReason *
pe_ruc(const char *s, int n, char *out)
{
	static const char *const prefixes[] = {"10", "15", "16", "17", "20", NULL};
	int			check;

	if (n != 11)
		return &pe_ruc_bad_length;
	if (!all_digits(s, 11))
		return &pe_ruc_bad_format;
	if (!has_prefix(s, prefixes))
		return &id_bad_prefix;
	check = 11 - weighted_sum(s, weights_5432765432, 10) % 11;
	if (check >= 10)
		check -= 10;
	if (check != digit(s[10]))
		return &id_bad_check;
	return emit(out, s, 11);
}

static const CtReason *
pe_dni(const char *s, int n, char *out)
{
	if (n != 8)
		return &pe_dni_bad_length;
	if (!all_digits(s, 8))
		return &pe_dni_bad_format;
	return emit(out, s, 8);
}

static const char *
pe_detect(const char *s, int n, bool dv_separated)
{
	(void) s;
	return n == 11 ? "RUC" : n == 8 ? "DNI" : NULL;
}

/* ----------------------------------------------------------------------
 * Mexico
 * ---------------------------------------------------------------------- */

/* Position of c in the alphabet both SAT and RENAPO use, Ñ written '#'. */
static int
mx_value(char c, bool rfc)
{
	static const char curp_alpha[] = "0123456789ABCDEFGHIJKLMN#OPQRSTUVWXYZ";
	static const char rfc_alpha[] = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ #";
	const char *alpha = rfc ? rfc_alpha : curp_alpha;
	const char *p = strchr(alpha, c);

	return (p != NULL && c != '\0') ? (int) (p - alpha) : -1;
}

static bool
mx_letter(char c)
{
	return is_letter(c) || c == '#';
}

static const CtReason *
mx_curp(const char *s, int n, char *out)
{
	static const char states[] =
		"AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ YN ZS NE";
	int			sum = 0;
	bool		state_ok = false;

	if (n != 18)
		return &mx_curp_bad_length;
	for (int i = 0; i < 4; i++)
		if (!mx_letter(s[i]))
			return &mx_curp_bad_format;
	if (!all_digits(s + 4, 6) || (s[10] != 'H' && s[10] != 'M' && s[10] != 'X') ||
		!is_letter(s[11]) || !is_letter(s[12]) ||
		!mx_letter(s[13]) || !mx_letter(s[14]) || !mx_letter(s[15]) ||
		!(is_letter(s[16]) || all_digits(s + 16, 1)) || !all_digits(s + 17, 1))
		return &mx_curp_bad_format;
	if (!valid_yymmdd(s + 4))
		return &id_bad_date;
	for (size_t i = 0; i + 1 < sizeof(states); i += 3)
		if (states[i] == s[11] && states[i + 1] == s[12])
			state_ok = true;
	if (!state_ok)
		return &id_bad_region;
	for (int i = 0; i < 17; i++)
		sum += mx_value(s[i], false) * (18 - i);
	if ((10 - sum % 10) % 10 != digit(s[17]))
		return &id_bad_check;
	return emit(out, s, 18);
}

static const CtReason *
mx_rfc(const char *s, int n, char *out)
{
	char		padded[13];
	int			nletters = n - 9;
	int			sum = 0;
	int			check;
	char		want;

	if (n != 12 && n != 13)
		return &mx_rfc_bad_length;
	for (int i = 0; i < nletters; i++)
		if (!mx_letter(s[i]) && s[i] != '&')
			return &mx_rfc_bad_format;
	for (int i = nletters + 6; i < n; i++)
		if (mx_value(s[i], true) < 0 || s[i] == '#' || s[i] == '&')
			return &mx_rfc_bad_format;
	if (!all_digits(s + nletters, 6))
		return &mx_rfc_bad_format;
	/* The generic RFCs SAT assigns to the public and to foreigners. */
	if (n == 13 && (memcmp(s, "XAXX010101000", 13) == 0 || memcmp(s, "XEXX010101000", 13) == 0))
		return emit(out, s, n);
	if (!valid_yymmdd(s + nletters))
		return &id_bad_date;
	/* A company RFC is checked as if it had a leading space. */
	if (n == 12)
	{
		padded[0] = ' ';
		memcpy(padded + 1, s, 12);
	}
	else
		memcpy(padded, s, 13);
	for (int i = 0; i < 12; i++)
		sum += mx_value(padded[i], true) * (13 - i);
	check = 11 - sum % 11;
	want = check == 11 ? '0' : check == 10 ? 'A' : (char) ('0' + check);
	if (padded[12] != want)
		return &id_bad_check;
	return emit(out, s, n);
}

static const char *
mx_detect(const char *s, int n, bool dv_separated)
{
	(void) s;
	return n == 18 ? "CURP" : (n == 12 || n == 13) ? "RFC" : NULL;
}

/* ----------------------------------------------------------------------
 * Brazil
 * ---------------------------------------------------------------------- */

/* Value of a CNPJ character: digits 0-9, letters 17-42 (ASCII code - 48). */
static int
cnpj_value(char c)
{
	return c - '0';
}

/* Receita's mod 11 rule: remainder < 2 gives 0, else 11 - remainder. */
static int
mod11_br(int sum)
{
	int			r = sum % 11;

	return r < 2 ? 0 : 11 - r;
}

static const CtReason *
br_cpf(const char *s, int n, char *out)
{
	int			sum1 = 0,
				sum2 = 0;
	bool		repeated = true;

	if (n != 11)
		return &br_cpf_bad_length;
	if (!all_digits(s, 11))
		return &br_cpf_bad_format;
	for (int i = 0; i < 11; i++)
		if (s[i] != s[0])
			repeated = false;
	/* 111.111.111-11 and friends pass the check digits but are never issued. */
	if (repeated)
		return &id_reserved;
	for (int i = 0; i < 9; i++)
		sum1 += digit(s[i]) * (10 - i);
	for (int i = 0; i < 10; i++)
		sum2 += digit(s[i]) * (11 - i);
	if (mod11_br(sum1) != digit(s[9]) || mod11_br(sum2) != digit(s[10]))
		return &id_bad_check;
	return emit(out, s, 11);
}

static const CtReason *
br_cnpj(const char *s, int n, char *out)
{
	static const int w1[12] = {5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
	static const int w2[13] = {6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2};
	int			sum1 = 0,
				sum2 = 0;
	bool		repeated = true;

	if (n != 14)
		return &br_cnpj_bad_length;
	for (int i = 0; i < 12; i++)
		if (!is_letter(s[i]) && !all_digits(s + i, 1))
			return &br_cnpj_bad_format;
	if (!all_digits(s + 12, 2))
		return &br_cnpj_bad_format;
	for (int i = 0; i < 14; i++)
		if (s[i] != s[0])
			repeated = false;
	if (repeated)
		return &id_reserved;
	for (int i = 0; i < 12; i++)
		sum1 += cnpj_value(s[i]) * w1[i];
	for (int i = 0; i < 13; i++)
		sum2 += cnpj_value(s[i]) * w2[i];
	if (mod11_br(sum1) != digit(s[12]) || mod11_br(sum2) != digit(s[13]))
		return &id_bad_check;
	return emit(out, s, 14);
}

static const char *
br_detect(const char *s, int n, bool dv_separated)
{
	(void) s;
	return n == 11 ? "CPF" : n == 14 ? "CNPJ" : NULL;
}

/* ----------------------------------------------------------------------
 * Chile, Uruguay, Colombia
 * ---------------------------------------------------------------------- */

static const CtReason *
cl_rut(const char *s, int n, char *out)
{
	int			sum = 0;
	int			check;

	if (n < 8 || n > 9)
		return &cl_rut_bad_length;
	if (!all_digits(s, n - 1) || !(all_digits(s + n - 1, 1) || s[n - 1] == 'K'))
		return &cl_rut_bad_format;
	for (int i = n - 2, w = 2; i >= 0; i--, w = w == 7 ? 2 : w + 1)
		sum += digit(s[i]) * w;
	check = 11 - sum % 11;
	if ((check == 11 ? '0' : check == 10 ? 'K' : '0' + check) != s[n - 1])
		return &id_bad_check;
	return emit(out, s, n);
}

static const CtReason *
uy_ci(const char *s, int n, char *out)
{
	static const int weights[7] = {2, 9, 8, 7, 6, 3, 4};
	char		buf[8];

	if (n < 7 || n > 8)
		return &uy_ci_bad_length;
	if (!all_digits(s, n))
		return &uy_ci_bad_format;
	/* Cédulas below one million are written with 6 digits: restore the zero. */
	if (n == 7)
	{
		buf[0] = '0';
		memcpy(buf + 1, s, 7);
		s = buf;
	}
	if ((10 - weighted_sum(s, weights, 7) % 10) % 10 != digit(s[7]))
		return &id_bad_check;
	return emit(out, s, 8);
}

static const CtReason *
co_nit(const char *s, int n, char *out)
{
	static const int primes[15] = {3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71};
	int			sum = 0;
	int			r;

	if (n < 7 || n > 16)
		return &co_nit_bad_length;
	if (!all_digits(s, n))
		return &co_nit_bad_format;
	/* Weights run from the digit just before the check digit leftwards. */
	for (int i = n - 2, k = 0; i >= 0; i--, k++)
		sum += digit(s[i]) * primes[k];
	r = sum % 11;
	if ((r > 1 ? 11 - r : r) != digit(s[n - 1]))
		return &id_bad_check;
	return emit(out, s, n);
}

/*
 * A cédula has no check digit, a NIT has one, and both can have 10 digits:
 * a NIT is written with its check digit after a hyphen, a cédula is not.
 */
static const char *
co_detect(const char *s, int n, bool dv_separated)
{
	return dv_separated ? "NIT" : "CC";
}

static const CtReason *
co_cc(const char *s, int n, char *out)
{
	if (n < 3 || n > 10)
		return &co_cc_bad_length;
	if (!all_digits(s, n) || s[0] == '0')
		return &co_cc_bad_format;
	return emit(out, s, n);
}

/* ----------------------------------------------------------------------
 * United States
 * ---------------------------------------------------------------------- */

static const CtReason *
us_ssn(const char *s, int n, char *out)
{
	int			area,
				group,
				serial;

	if (n != 9)
		return &us_ssn_bad_length;
	if (!all_digits(s, 9))
		return &us_ssn_bad_format;
	area = number(s, 3);
	group = number(s + 3, 2);
	serial = number(s + 5, 4);
	/* 078-05-1120 and 219-09-9999 were printed in advertisements and voided. */
	if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 ||
		memcmp(s, "078051120", 9) == 0 || memcmp(s, "219099999", 9) == 0)
		return &id_reserved;
	return emit(out, s, 9);
}

static const CtReason *
us_itin(const char *s, int n, char *out)
{
	int			group;

	if (n != 9)
		return &us_itin_bad_length;
	if (!all_digits(s, 9) || s[0] != '9')
		return &us_itin_bad_format;
	group = number(s + 3, 2);
	if (!((group >= 50 && group <= 65) || (group >= 70 && group <= 88) ||
		  (group >= 90 && group <= 92) || (group >= 94 && group <= 99)))
		return &id_reserved;
	return emit(out, s, 9);
}

static const char *
us_detect(const char *s, int n, bool dv_separated)
{
	(void) n;
	return s[0] == '9' ? "ITIN" : "SSN";
}

/* ----------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------- */

typedef const CtReason *(*IdValidator) (const char *s, int n, char *out);

typedef struct IdKind
{
	const char *name;
	IdValidator validate;
} IdKind;

typedef struct IdCountry
{
	const char *code;
	const IdKind *kinds;		/* terminated by a NULL name */
	const char *const *kind_names;	/* the same names, for listing */
	/* Kind from the cleaned value, and whether a hyphen set its last
	 * character apart as typed ("900.123.456-8"); NULL: the first kind. */
	const char *(*detect) (const char *s, int n, bool dv_separated);
	const CtReason *no_kind;	/* detect found no kind of that length */
	const char *const *aliases; /* pairs alias, canonical; NULL-terminated */
} IdCountry;

#define K(name, fn) {name, fn}

static const IdKind ar_kinds[] = {K("CUIT", ar_cuit), K("CUIL", ar_cuil), K("DNI", ar_dni), {NULL, NULL}};
static const IdKind br_kinds[] = {K("CPF", br_cpf), K("CNPJ", br_cnpj), {NULL, NULL}};
static const IdKind cl_kinds[] = {K("RUT", cl_rut), {NULL, NULL}};
static const IdKind co_kinds[] = {K("NIT", co_nit), K("CC", co_cc), {NULL, NULL}};
static const IdKind es_kinds[] = {K("DNI", es_dni), K("NIE", es_nie), K("CIF", es_cif), {NULL, NULL}};
static const IdKind mx_kinds[] = {K("CURP", mx_curp), K("RFC", mx_rfc), {NULL, NULL}};
static const IdKind pe_kinds[] = {K("RUC", pe_ruc), K("DNI", pe_dni), {NULL, NULL}};
static const IdKind us_kinds[] = {K("SSN", us_ssn), K("ITIN", us_itin), {NULL, NULL}};
static const IdKind uy_kinds[] = {K("CI", uy_ci), {NULL, NULL}};

static const char *const ar_names[] = {"CUIT", "CUIL", "DNI", NULL};
static const char *const br_names[] = {"CPF", "CNPJ", NULL};
static const char *const cl_names[] = {"RUT", NULL};
static const char *const co_names[] = {"NIT", "CC", NULL};
static const char *const es_names[] = {"DNI", "NIE", "CIF", NULL};
static const char *const mx_names[] = {"CURP", "RFC", NULL};
static const char *const pe_names[] = {"RUC", "DNI", NULL};
static const char *const us_names[] = {"SSN", "ITIN", NULL};
static const char *const uy_names[] = {"CI", NULL};

/* Other names people use for the same documents. */
static const char *const cl_aliases[] = {"RUN", "RUT", NULL};
static const char *const es_aliases[] = {"NIF", NULL, NULL};	/* any of the three */
static const char *const co_aliases[] = {"CEDULA", "CC", NULL};
static const char *const uy_aliases[] = {"CEDULA", "CI", NULL};
static const char *const br_aliases[] = {"CIC", "CPF", NULL};

static const IdCountry countries[] = {
	{"AR", ar_kinds, ar_names, ar_detect, &ar_no_kind, NULL},
	{"BR", br_kinds, br_names, br_detect, &br_no_kind, br_aliases},
	{"CL", cl_kinds, cl_names, NULL, NULL, cl_aliases},
	{"CO", co_kinds, co_names, co_detect, NULL, co_aliases},
	{"ES", es_kinds, es_names, es_detect, &es_no_kind, es_aliases},
	{"MX", mx_kinds, mx_names, mx_detect, &mx_no_kind, NULL},
	{"PE", pe_kinds, pe_names, pe_detect, &pe_no_kind, NULL},
	{"US", us_kinds, us_names, us_detect, NULL, NULL},
	{"UY", uy_kinds, uy_names, NULL, NULL, uy_aliases},
};

static bool
ascii_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
	{
		char		ca = (*a >= 'a' && *a <= 'z') ? *a - 32 : *a;

		if (ca != *b)
			return false;
	}
	return *a == '\0' && *b == '\0';
}

static const IdCountry *
find_country(const char *code)
{
	for (size_t i = 0; i < sizeof(countries) / sizeof(countries[0]); i++)
		if (ascii_ieq(code, countries[i].code))
			return &countries[i];
	return NULL;
}

const char *const *
ct_national_id_kinds(const char *country)
{
	const IdCountry *c = find_country(country);

	return c ? c->kind_names : NULL;
}

/*
 * Reduce the value to its significant characters.  Returns the count, or -1
 * with *reason set.
 */
static int
clean_value(const char *v, size_t vlen, char *buf, const CtReason **reason)
{
	int			n = 0;

	for (size_t i = 0; i < vlen; i++)
	{
		unsigned char c = (unsigned char) v[i];
		char		keep;

		if (c == ' ' || c == '.' || c == '-' || c == '/' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			keep = (char) (c - 32);
		else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '&')
			keep = (char) c;
		else if (c == 0xC3 && i + 1 < vlen && (v[i + 1] == (char) 0x91 || v[i + 1] == (char) 0xB1))
		{
			keep = '#';			/* Ñ or ñ */
			i++;
		}
		else if (c == 0xC2 && i + 1 < vlen && v[i + 1] == (char) 0xA0)
		{
			i++;				/* no-break space */
			continue;
		}
		else
		{
			*reason = &id_bad_character;
			return -1;
		}
		if (n >= CT_NATIONAL_ID_MAX - 1)
		{
			*reason = NULL;		/* too long: reported by the validator */
			return n + 1;
		}
		buf[n++] = keep;
	}
	if (n == 0)
	{
		*reason = &id_empty;
		return -1;
	}
	return n;
}

/* The normalized value in UTF-8: '#' back to Ñ. */
static void
restore_enye(char *out)
{
	char		tmp[CT_NATIONAL_ID_MAX * 2];
	int			n = 0;

	if (strchr(out, '#') == NULL)
		return;
	for (const char *p = out; *p; p++)
	{
		if (*p == '#')
		{
			tmp[n++] = (char) 0xC3;
			tmp[n++] = (char) 0x91;
		}
		else
			tmp[n++] = *p;
	}
	tmp[n] = '\0';
	memcpy(out, tmp, n + 1);
}

/* Is the last letter or digit of the value preceded by a hyphen? */
static bool
dv_separated(const char *v, size_t vlen)
{
	size_t		i = vlen;

	while (i > 0 && (v[i - 1] == ' ' || v[i - 1] == '\t'))
		i--;
	return i >= 3 && v[i - 2] == '-';
}

static const IdKind *
find_kind(const IdCountry *c, const char *kind)
{
	if (c->aliases != NULL)
		for (int i = 0; c->aliases[i] != NULL; i += 2)
			if (ascii_ieq(kind, c->aliases[i]))
			{
				kind = c->aliases[i + 1];
				if (kind == NULL)
					return NULL;	/* umbrella name: detect */
				break;
			}
	for (const IdKind *k = c->kinds; k->name != NULL; k++)
		if (ascii_ieq(kind, k->name))
			return k;
	return NULL;
}

/* Is kind an umbrella alias (ES "NIF") that means "detect"? */
static bool
is_umbrella(const IdCountry *c, const char *kind)
{
	if (c->aliases != NULL)
		for (int i = 0; c->aliases[i] != NULL; i += 2)
			if (ascii_ieq(kind, c->aliases[i]) && c->aliases[i + 1] == NULL)
				return true;
	return false;
}

const CtReason *
ct_national_id_normalize(const char *country, const char *kind,
						 const char *value, size_t vlen,
						 char *out, const char **kind_out)
{
	const IdCountry *c = find_country(country);
	const IdKind *k = NULL;
	const CtReason *reason = NULL;
	char		buf[CT_NATIONAL_ID_MAX];
	int			n;

	if (c == NULL)
		return &ct_id_unsupported_country;
	if (kind != NULL && !is_umbrella(c, kind))
	{
		k = find_kind(c, kind);
		if (k == NULL)
			return &ct_id_unknown_kind;
	}
	n = clean_value(value, vlen, buf, &reason);
	if (n < 0)
		return reason;
	if (n >= CT_NATIONAL_ID_MAX)
	{
		/* Longer than any document: let the kind's validator say so. */
		n = CT_NATIONAL_ID_MAX - 1;
		buf[n] = '\0';
	}
	if (k == NULL && c->detect == NULL)
		k = c->kinds;
	else if (k == NULL)
	{
		const char *detected = c->detect(buf, n, dv_separated(value, vlen));

		if (detected == NULL)
			return c->no_kind;
		k = find_kind(c, detected);
	}
	reason = k->validate(buf, n, out);
	if (reason != NULL)
		return reason;
	restore_enye(out);
	if (kind_out != NULL)
		*kind_out = k->name;
	return NULL;
}
