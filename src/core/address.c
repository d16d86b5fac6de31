/*
 * address.c
 *		Taking a fold()ed address line apart (street type, name, house
 *		number, unit) and comparing two of them (address.h).
 *
 * The word lists are the abbreviations of postal addresses in Spanish,
 * Catalan, Portuguese and English, as the postal services and common usage
 * spell them.  Only lower-case ASCII words are listed: the input is folded.
 */
#include <string.h>

#include "address.h"
#include "similarity.h"
#include "words.h"

typedef struct Spelling
{
	const char *word;
	const char *canonical;
} Spelling;

/* street types: every spelling to one */
static const Spelling street_types[] = {
	{"av", "av"}, {"avd", "av"}, {"avda", "av"}, {"avenida", "av"}, {"ave", "av"},
	{"avenue", "av"}, {"avinguda", "av"}, {"avgda", "av"}, {"avnda", "av"},
	{"c", "calle"}, {"cl", "calle"}, {"cll", "calle"}, {"calle", "calle"}, {"carrer", "calle"},
	{"cr", "calle"}, {"rua", "calle"},
	{"st", "st"}, {"str", "st"}, {"street", "st"},
	{"rd", "rd"}, {"road", "rd"},
	{"pza", "plaza"}, {"plza", "plaza"}, {"pz", "plaza"}, {"plaza", "plaza"}, {"placa", "plaza"},
	{"praca", "plaza"},
	{"po", "paseo"}, {"pso", "paseo"}, {"paseo", "paseo"}, {"pg", "paseo"}, {"passeig", "paseo"},
	{"ctra", "ctra"}, {"carretera", "ctra"}, {"cra", "ctra"},
	{"cm", "camino"}, {"cno", "camino"}, {"camino", "camino"}, {"cami", "camino"},
	{"rda", "ronda"}, {"ronda", "ronda"},
	{"trav", "travesia"}, {"trv", "travesia"}, {"travesia", "travesia"}, {"travessera", "travesia"},
	{"gta", "glorieta"}, {"glorieta", "glorieta"},
	{"pje", "pasaje"}, {"psje", "pasaje"}, {"pasaje", "pasaje"}, {"passatge", "pasaje"},
	{"blvd", "blvd"}, {"bvd", "blvd"}, {"boulevard", "blvd"}, {"bulevar", "blvd"},
	{"dr", "dr"}, {"drive", "dr"}, {"ln", "ln"}, {"lane", "ln"},
	{"sq", "sq"}, {"square", "sq"}, {"ct", "ct"}, {"court", "ct"},
	{"cres", "cres"}, {"crescent", "cres"}, {"terr", "terrace"}, {"terrace", "terrace"},
	{"hwy", "hwy"}, {"highway", "hwy"}, {"pkwy", "pkwy"}, {"parkway", "pkwy"},
	{"urb", "urb"}, {"urbanizacion", "urb"},
};

/* unit values spelled out: every spelling to one */
static const Spelling unit_words[] = {
	{"izq", "izq"}, {"izda", "izq"}, {"izqda", "izq"}, {"izquierda", "izq"}, {"iz", "izq"},
	{"dcha", "dch"}, {"dch", "dch"}, {"dra", "dch"}, {"der", "dch"}, {"derecha", "dch"},
	{"dreta", "dch"}, {"esq", "izq"}, {"esquerra", "izq"},
	{"ctro", "ctr"}, {"cto", "ctr"}, {"centro", "ctr"},
	{"bj", "bj"}, {"bajo", "bj"}, {"bajos", "bj"}, {"baixos", "bj"}, {"bxs", "bj"},
	{"atico", "at"}, {"at", "at"}, {"entlo", "ent"}, {"entresuelo", "ent"}, {"entl", "ent"},
	{"pral", "pral"}, {"principal", "pral"},
};

/* words that announce a unit value: the next word is one */
static const char *const unit_markers[] = {
	"piso", "planta", "pta", "puerta", "pt", "esc", "escalera", "portal", "bloque", "blq",
	"apt", "apto", "apartment", "apartamento", "dpto", "depto", "departamento", "flat",
	"unit", "suite", "ste", "floor", "fl", "room", "pis", "porta", "casa",
};

/* words that announce the house number */
static const char *const number_markers[] = {"no", "n", "num", "numero", "nro", "nr", "number"};

/* the little words of street names */
static const char *const street_stopwords[] = {
	"de", "del", "la", "las", "los", "el", "d", "l", "the", "of", "dels", "les", "da", "do", "dos",
	"das",
};

#define LENGTH(a) (sizeof(a) / sizeof((a)[0]))

static bool
word_is(const CtWord *w, const char *s)
{
	return strlen(s) == w->len && memcmp(w->s, s, w->len) == 0;
}

static const char *
spelling(const Spelling *list, size_t n, const CtWord *w)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(w, list[i].word))
			return list[i].canonical;
	return NULL;
}

static bool
listed(const char *const *list, size_t n, const CtWord *w)
{
	for (size_t i = 0; i < n; i++)
		if (word_is(w, list[i]))
			return true;
	return false;
}

/* append s[0..len) to buf (capacity cap, NUL kept), with sep before it when buf is not empty */
static void
append(char *buf, size_t cap, const char *sep, const char *s, size_t len)
{
	size_t		n = strlen(buf);
	size_t		seplen = n > 0 ? strlen(sep) : 0;

	if (n + seplen + len >= cap)
		return;
	memcpy(buf + n, sep, seplen);
	memcpy(buf + n + seplen, s, len);
	buf[n + seplen + len] = '\0';
}

/* an ordinal ending after a number: "3o", "1a", "1er", "2nd", "4th" */
static bool
ordinal_ending(const char *s, size_t len)
{
	static const char *const endings[] = {"o", "a", "er", "ero", "st", "nd", "rd", "th", "e"};

	for (size_t i = 0; i < LENGTH(endings); i++)
		if (strlen(endings[i]) == len && memcmp(s, endings[i], len) == 0)
			return true;
	return false;
}

/* a unit value word: its digits, and its letters unless an ordinal ending */
static void
add_unit(CtAddress *out, const CtWord *w)
{
	const char *canonical = spelling(unit_words, LENGTH(unit_words), w);
	size_t		d = 0;

	if (canonical)
	{
		append(out->unit, sizeof(out->unit), "", canonical, strlen(canonical));
		return;
	}
	while (d < w->len && w->s[d] >= '0' && w->s[d] <= '9')
		d++;
	append(out->unit, sizeof(out->unit), "", w->s, d);
	if (d < w->len && !(d > 0 && ordinal_ending(w->s + d, w->len - d)))
		append(out->unit, sizeof(out->unit), "", w->s + d, w->len - d);
}

/*
 * A house number typed with look-alike letters: "i34", "l95", "4o" (only
 * where a letter leads or sits between digits: a trailing letter is a
 * unit's, "12b").  Writes the digits into buf and points w at them.
 */
static bool
ocr_number(CtWord *w, char *buf, size_t cap)
{
	static const char from[] = "oilzsbg",
				to[] = "0112589";
	bool		digit = false,
				letter = false;

	if (w->len < 2 || w->len >= cap)
		return false;
	for (size_t i = 0; i < w->len; i++)
	{
		const char *c = memchr(from, w->s[i], sizeof(from) - 1);

		if (w->s[i] >= '0' && w->s[i] <= '9')
		{
			buf[i] = w->s[i];
			digit = true;
		}
		else if (c != NULL && i + 1 < w->len)
		{
			buf[i] = to[c - from];
			letter = true;
		}
		else
			return false;
	}
	if (!digit || !letter)
		return false;
	w->s = buf;
	return true;
}

/* the letters and the digits of the whole text, each run together */
static void
squeeze_all(const char *folded, size_t len, CtAddress *out)
{
	size_t		nl = 0,
				nd = 0;

	for (size_t i = 0; i < len; i++)
	{
		char		c = folded[i];

		if (c >= '0' && c <= '9' && nd + 1 < sizeof(out->digits))
			out->digits[nd++] = c;
		else if (((c >= 'a' && c <= 'z') || (unsigned char) c >= 0x80) && nl + 1 < sizeof(out->letters))
			out->letters[nl++] = c;
	}
	out->letters[nl] = '\0';
	out->digits[nd] = '\0';
}

void
ct_address_parse(const char *folded, size_t len, CtAddress *out)
{
	char		ocr[16];
	CtWords		it;
	CtWord		w;
	bool		unit_next = false,
				after_number = false;

	memset(out, 0, sizeof(*out));
	squeeze_all(folded, len, out);
	ct_words_init(&it, folded, len, CT_WORDS_FOLDED);
	while (ct_words_next(&it, &w))
	{
		bool		digit;
		bool		was_after_number = after_number;
		const char *type;

		if (out->number[0] == '\0' && !unit_next)
			ocr_number(&w, ocr, sizeof(ocr));
		digit = w.s[0] >= '0' && w.s[0] <= '9';
		after_number = false;
		if (unit_next)
		{
			/* "piso 3", "flat 2b", "puerta izq" */
			unit_next = false;
			add_unit(out, &w);
			continue;
		}
		if (digit)
		{
			size_t		d = 0;

			while (d < w.len && w.s[d] >= '0' && w.s[d] <= '9')
				d++;
			if (out->number[0] == '\0')
			{
				append(out->number, sizeof(out->number), "", w.s, d);
				/* "12b": the letter is the unit's */
				if (d < w.len && !ordinal_ending(w.s + d, w.len - d))
					append(out->unit, sizeof(out->unit), "", w.s + d, w.len - d);
				after_number = true;
				continue;
			}
			/* a postcode after the number: the unit is over */
			if (d >= 4)
				break;
			add_unit(out, &w);
			continue;
		}
		if (listed(unit_markers, LENGTH(unit_markers), &w))
		{
			unit_next = true;
			continue;
		}
		/* "nº 5": the number follows */
		if (listed(number_markers, LENGTH(number_markers), &w) && out->number[0] == '\0' &&
			out->street_len > 0)
			continue;
		/* "s/n": no number */
		if (word_is(&w, "s") || word_is(&w, "sn"))
			continue;
		if (out->number[0] != '\0' && out->street_len > 0)
		{
			/* after number and street: a unit word or letter, else the city */
			if (spelling(unit_words, LENGTH(unit_words), &w) || w.len == 1)
			{
				add_unit(out, &w);
				continue;
			}
			/* "12 high street": a type after the name */
			if (out->type[0] == '\0' && (type = spelling(street_types, LENGTH(street_types), &w)) != NULL)
			{
				append(out->type, sizeof(out->type), "", type, strlen(type));
				continue;
			}
			break;
		}
		/* "221 b baker street": a letter right after the number */
		if (was_after_number && w.len == 1)
		{
			add_unit(out, &w);
			continue;
		}
		if (out->type[0] == '\0' && (type = spelling(street_types, LENGTH(street_types), &w)) != NULL)
		{
			append(out->type, sizeof(out->type), "", type, strlen(type));
			continue;
		}
		if (listed(street_stopwords, LENGTH(street_stopwords), &w))
			continue;
		append(out->street, sizeof(out->street), " ", w.s, w.len);
		out->street_len = strlen(out->street);
	}
}

/* the street name without its spaces ("san bernardo", "sanbernardo") */
static size_t
squeeze(const CtAddress *a, char *buf)
{
	size_t		n = 0;

	for (size_t i = 0; i < a->street_len; i++)
		if (a->street[i] != ' ')
			buf[n++] = a->street[i];
	buf[n] = '\0';
	return n;
}

/* every word of a's street is in b's */
static bool
street_words_in(const CtAddress *a, const CtAddress *b)
{
	CtWords		it;
	CtWord		w;

	ct_words_init(&it, a->street, a->street_len, CT_WORDS_SPACE);
	while (ct_words_next(&it, &w))
	{
		CtWords		jt;
		CtWord		v;
		bool		found = false;

		ct_words_init(&jt, b->street, b->street_len, CT_WORDS_SPACE);
		while (!found && ct_words_next(&jt, &v))
			found = v.len == w.len && memcmp(v.s, w.s, w.len) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* one unit is the other or its beginning ("3" and "3b"), or either is empty */
static bool
units_compatible(const CtAddress *a, const CtAddress *b)
{
	size_t		la = strlen(a->unit),
				lb = strlen(b->unit);

	return memcmp(a->unit, b->unit, la < lb ? la : lb) == 0;
}

/* two numbers of the same digits in another order: "106" and "016" */
static bool
digits_swapped(const char *a, const char *b)
{
	int			count[10] = {0};
	size_t		len = strlen(a);

	if (len != strlen(b) || len < 2)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		count[a[i] - '0']++;
		count[b[i] - '0']--;
	}
	for (int d = 0; d < 10; d++)
		if (count[d] != 0)
			return false;
	return true;
}

/*
 * Addresses the parse could not line up, compared as text: the same digits
 * and the same letters up to the spaces ("371 StationAvenue" and "371
 * Station Avenue"), or the letters a typo or two away.
 */
static CtAddressAgreement
compare_squeezed(const CtAddress *a, const CtAddress *b, const CtAllocator *alloc)
{
	size_t		la = strlen(a->letters),
				lb = strlen(b->letters);

	if (a->digits[0] == '\0' || strcmp(a->digits, b->digits) != 0 || la < 6 || lb < 6)
		return CT_ADDRESS_DIFFERENT;
	if (la == lb && memcmp(a->letters, b->letters, la) == 0)
		return CT_ADDRESS_SAME;
	if (ct_damerau_levenshtein(a->letters, la, b->letters, lb, alloc) <= 2)
		return CT_ADDRESS_STREET_TYPO;
	return CT_ADDRESS_DIFFERENT;
}

CtAddressAgreement
ct_address_compare(const CtAddress *a, const CtAddress *b, const CtAllocator *alloc)
{
	char		sa[CT_ADDRESS_PART_MAX],
				sb[CT_ADDRESS_PART_MAX];
	size_t		la,
				lb,
				shorter;
	bool		types_agree,
				same_street,
				typo = false;

	if (a->street_len == 0 || b->street_len == 0)
		return compare_squeezed(a, b, alloc);
	types_agree = a->type[0] == '\0' || b->type[0] == '\0' || strcmp(a->type, b->type) == 0;
	la = squeeze(a, sa);
	lb = squeeze(b, sb);
	same_street = la == lb && memcmp(sa, sb, la) == 0;
	if (!same_street)
	{
		/* a typo: one edit in a short name, two in a long one */
		shorter = la < lb ? la : lb;
		if (shorter >= 3)
			typo = ct_damerau_levenshtein(sa, la, sb, lb, alloc) <= (shorter >= 8 ? 2 : 1);
		/* "gran via" and "gran via de les corts catalanes" */
		typo = typo || street_words_in(a, b) || street_words_in(b, a);
	}
	/* "calle mayor" and "plaza mayor" are two streets; a typo at best */
	if (!types_agree && same_street)
	{
		same_street = false;
		typo = true;
	}
	if (!same_street && !typo)
		return compare_squeezed(a, b, alloc);
	if (a->number[0] == '\0' || b->number[0] == '\0')
		return CT_ADDRESS_NUMBER_MISSING;
	if (strcmp(a->number, b->number) != 0)
	{
		if (!digits_swapped(a->number, b->number) || !units_compatible(a, b))
			return CT_ADDRESS_OTHER_NUMBER;
		same_street = false;
	}
	if (!units_compatible(a, b))
		return CT_ADDRESS_OTHER_UNIT;
	if (!same_street)
		return CT_ADDRESS_STREET_TYPO;
	return strcmp(a->unit, b->unit) == 0 ? CT_ADDRESS_SAME : CT_ADDRESS_UNIT_MISSING;
}
