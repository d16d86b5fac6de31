/*
 * registrygen: deterministic generator of postal/registry-style person
 * records with known truth, independent of contactgen: no e-mail, no phone,
 * no country column, and a different corruption model.
 *
 *   registrygen --rows N --seed S [--degenerate COLUMN]
 *
 * Writes CSV to stdout:
 *   id,truth_id,given_name,family_name,address,city,postcode,birth_date,member_no
 *
 * The corruption model follows the published descriptions of the FEBRL
 * data set generator (Christen, "Probabilistic data generation for
 * deduplication and data linkage", IDEAL 2005) and of GeCo (Tran, Vatsalan
 * and Christen, CIKM 2013): every original record gets 0 to MAX_DUPS
 * duplicates (here: half the originals get none, the others a number
 * drawn from a truncated geometric law), each duplicate gets 1 to
 * MAX_MODS modifications, at most MAX_FIELD_MODS per field, of the kinds
 * those papers list:
 *   - keyboard typos: a character replaced by a neighbour on a QWERTY
 *     keyboard, inserted, deleted, or two adjacent characters transposed;
 *   - OCR errors: look-alike characters (0/O, 1/l/I, 5/S, 8/B, m/rn, d/cl,
 *     w/vv, 2/Z, 6/G);
 *   - phonetic misspellings: Spanish (b/v, c/z/s, ll/y, silent h, j/g,
 *     qu/k) and English (ph/f, ck/k, ee/ea, y/ie, double letters);
 *   - a space inserted into or removed from a value;
 *   - given and family names swapped;
 *   - two adjacent digits transposed in dates, postcodes and identifiers;
 *   - day and month of the birth date swapped, the date written in another
 *     format;
 *   - street types abbreviated or expanded (Avenida/Av./Avda., Calle/C./
 *     C/, Street/St, Road/Rd), the unit dropped or written another way;
 *   - a value missing.
 * Relatives (same family name and address, another given name and birth
 * date) are planted as hard negatives.  The names are Spanish/Latin-American
 * and English (census rankings, common knowledge), cities with their postal
 * code scheme.
 *
 * --degenerate COLUMN writes the same value in that column on about 97% of
 * the rows (a default a form filled in: 01/01/1900, "N/A", ...), to test
 * that such a column does not make everything a match.
 *
 * The output depends only on (rows, seed, degenerate): one splitmix64
 * stream, no locale, no clock.  Ids are a permutation of 1..N.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_random.h"

#define FIELD_MAX 160
#define MAX_DUPS 5
#define MAX_MODS 3
#define MAX_FIELD_MODS 2

/* ---------------------------------------------------------------- random */

/* skewed pick: low indexes (the commoner names) more often */
static int
rng_skewed(Rng *rng, int n)
{
	int			a = rng_int(rng, n),
				b = rng_int(rng, n);

	return a < b ? a : b;
}

#define PICK_SKEWED(rng, arr) ((arr)[rng_skewed((rng), (int) COUNTOF(arr))])

/* ---------------------------------------------------------------- data */

static const char *const es_given[] = {
	"José", "María", "Juan", "Ana", "Carlos", "Carmen", "Luis", "Laura", "Javier",
	"Lucía", "Antonio", "Marta", "Manuel", "Isabel", "Francisco", "Paula", "Miguel",
	"Sofía", "Alejandro", "Valentina", "Diego", "Camila", "Pablo", "Gabriela",
	"Jorge", "Daniela", "Andrés", "Andrea", "Sergio", "Patricia", "Fernando",
	"Rosa", "Ricardo", "Elena", "Raúl", "Cristina", "Eduardo", "Beatriz",
	"Roberto", "Pilar", "Martín", "Teresa", "Santiago", "Guadalupe", "Nicolás",
	"Verónica", "Gonzalo", "Natalia", "Joaquín", "Ximena", "Álvaro", "Lorena",
	"Rodrigo", "Mónica", "Enrique", "Inés", "Hugo", "Begoña", "Iván", "Julieta",
	"Rubén", "Catalina", "Felipe", "Rocío", "Gustavo", "Yolanda", "Héctor",
	"Noelia", "Víctor", "Amparo", "Ignacio", "Soledad", "Agustín", "Estefanía",
};

static const char *const en_given[] = {
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
	"William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph",
	"Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Nancy",
	"Daniel", "Lisa", "Matthew", "Margaret", "Anthony", "Sandra", "Mark", "Ashley",
	"Steven", "Emily", "Paul", "Michelle", "Andrew", "Amanda", "Kenneth",
	"Melissa", "Kevin", "Stephanie", "Brian", "Rebecca", "George", "Laura",
	"Edward", "Sharon", "Ronald", "Cynthia", "Timothy", "Kathleen", "Finlay",
	"Olivia", "Harry", "Amelia", "Oliver", "Isla", "Jack", "Ava", "Noah", "Grace",
};

static const char *const es_family[] = {
	"García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez",
	"Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno",
	"Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres",
	"Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano", "Blanco",
	"Molina", "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz",
	"Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina", "Garrido", "Cortés",
	"Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto", "Méndez",
	"Cruz", "Flores", "Herrera", "Peña", "León", "Márquez", "Cabrera", "Gallego",
	"Calvo", "Vidal", "Campos", "Reyes", "Vega", "Fuentes", "Carrasco", "Aguilar",
	"Caballero", "Nieto", "Pascual", "Herrero", "Montero", "Hidalgo", "Lorenzo",
	"Ibáñez", "Ferrer", "Durán", "Rivera", "Vargas", "Mendoza", "Rojas",
	"Salazar", "Contreras", "Silva", "Sepúlveda", "Quispe", "Mamani", "Espinoza",
	"Figueroa", "Acosta", "Benítez", "Sosa", "Ríos", "Peralta", "Villalobos",
	"Zúñiga", "Echeverría", "Bustamante", "Valenzuela", "Cárdenas", "Restrepo",
	"Zapata", "Arango", "Montoya", "Quintero", "Ibarra", "Treviño", "Cisneros",
	"Zamora", "Ochoa", "Valdés", "Beltrán", "Saavedra", "Pacheco", "Miranda",
	"Vallejo", "Bravo", "Guzmán", "Cuevas", "Villanueva", "Maldonado", "Ayala",
};

static const char *const en_family[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
	"Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
	"Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young",
	"Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
	"Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell",
	"Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris", "Murphy",
	"Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey", "Bell",
	"Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
	"Bennett", "Gray", "Hughes", "Price", "Sanders", "Fletcher", "McDonald",
	"O'Brien", "Thornton", "Whitfield", "Ashworth", "Pemberton", "Kowalski",
};

typedef struct Place
{
	const char *city;
	const char *scheme;			/* postcode: 9 = digit, A = letter, else literal */
	int			english;		/* English street types */
} Place;

static const Place places[] = {
	{"Madrid", "280999", 0}, {"Barcelona", "080999", 0}, {"Valencia", "460999", 0},
	{"Sevilla", "410999", 0}, {"Zaragoza", "500999", 0}, {"Málaga", "290999", 0},
	{"Bilbao", "480999", 0}, {"Las Palmas de Gran Canaria", "350999", 0},
	{"Ciudad de México", "06999", 0}, {"Guadalajara", "44999", 0}, {"Monterrey", "64999", 0},
	{"Buenos Aires", "C1999", 0}, {"Córdoba", "X5099", 0}, {"Rosario", "S2099", 0},
	{"Bogotá", "110999", 0}, {"Medellín", "050999", 0}, {"Santiago", "8399999", 0},
	{"Lima", "15099", 0}, {"Montevideo", "11999", 0}, {"San José", "10199", 0},
	{"New York", "100999", 1}, {"Los Angeles", "900999", 1}, {"San Antonio", "782999", 1},
	{"Chicago", "606999", 1}, {"Houston", "770999", 1}, {"London", "A9 9AA", 1},
	{"Manchester", "M9 9AA", 1}, {"Leeds", "LS9 9AA", 1}, {"Glasgow", "G9 9AA", 1},
	{"Milton Keynes", "MK9 9AA", 1},
};

static const char *const es_streets[] = {
	"Mayor", "de la Constitución", "San Martín", "Libertad", "del Sol", "Real",
	"de Alcalá", "Gran Vía", "Independencia", "de los Olivos", "Santa Fe",
	"Rivadavia", "Juárez", "Bolívar", "del Prado", "de la Paz", "Colón",
	"Sarmiento", "Belgrano", "Hidalgo", "de Goya", "Serrano", "Corrientes",
	"Reforma", "Insurgentes", "de las Flores", "del Mar", "Miraflores",
};

static const char *const en_streets[] = {
	"High", "Station", "Church", "Park", "Victoria", "Green", "Manor", "Queen",
	"King", "Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake",
	"Hill", "Mill", "School", "North", "Sunset", "Riverside", "Highland",
};

/* street types: each row's spellings, the first the long form */
static const char *const es_types[][4] = {
	{"Calle", "C.", "C/", "Cl."}, {"Avenida", "Av.", "Avda.", "Av"},
	{"Paseo", "Pº", "P.º", "Pso."}, {"Plaza", "Pl.", "Pza.", "Plz."},
};
static const char *const en_types[][4] = {
	{"Street", "St", "St.", "Str"}, {"Road", "Rd", "Rd.", "Road"},
	{"Avenue", "Ave", "Av.", "Ave."}, {"Lane", "Ln", "Ln.", "Lane"},
};

/* ---------------------------------------------------------------- people */

typedef struct Person
{
	char		given[FIELD_MAX];
	char		family[FIELD_MAX];
	char		address[FIELD_MAX];
	const Place *place;
	char		postcode[16];
	int			year,
				month,
				day;
	char		member[24];
	/* what the address is made of, for rewriting it */
	int			english,
				type,
				number,
				unit_floor;
	const char *street;
	char		unit_letter;
} Person;

static void
fill_postcode(Rng *rng, const char *scheme, char *out)
{
	size_t		i;

	for (i = 0; scheme[i]; i++)
		out[i] = scheme[i] == '9' ? (char) ('0' + rng_int(rng, 10)) :
			scheme[i] == 'A' ? (char) ('A' + rng_int(rng, 26)) : scheme[i];
	out[i] = '\0';
}

/* the address with street type spelling spelling (0: long) and unit style */
static void
write_address(const Person *p, int spelling, int unit_style, char *out)
{
	const char *type = p->english ? en_types[p->type][spelling] : es_types[p->type][spelling];
	char		unit[40] = "";

	if (p->unit_floor > 0)
	{
		if (p->english)
			snprintf(unit, sizeof(unit), unit_style == 0 ? ", Apt %d%c" : unit_style == 1 ? " Flat %d%c" : " #%d%c",
					 p->unit_floor, p->unit_letter);
		else
			snprintf(unit, sizeof(unit), unit_style == 0 ? ", %dº %c" : unit_style == 1 ? " piso %d %c" : ", %d-%c",
					 p->unit_floor, p->unit_letter);
	}
	if (p->english)
		snprintf(out, FIELD_MAX, "%d %s %s%s", p->number, p->street, type, unit);
	else
		snprintf(out, FIELD_MAX, "%s %s %d%s", type, p->street, p->number, unit);
}

static void
make_person(Rng *rng, Person *p, const Person *relative)
{
	int			english;

	memset(p, 0, sizeof(*p));
	if (relative)
	{
		/* same home and surname, another person */
		*p = *relative;
		english = p->english;
	}
	else
	{
		p->place = &places[rng_int(rng, (int) COUNTOF(places))];
		english = p->english = p->place->english;
		p->type = rng_int(rng, 4);
		p->street = english ? PICK(rng, en_streets) : PICK(rng, es_streets);
		p->number = 1 + rng_skewed(rng, 400);
		p->unit_floor = chance(rng, 0.5) ? 1 + rng_int(rng, 9) : 0;
		p->unit_letter = (char) ('A' + rng_int(rng, 6));
		fill_postcode(rng, p->place->scheme, p->postcode);
		write_address(p, 0, 0, p->address);
		if (english)
			snprintf(p->family, FIELD_MAX, "%s", PICK_SKEWED(rng, en_family));
		else if (chance(rng, 0.7))
			snprintf(p->family, FIELD_MAX, "%s %s", PICK_SKEWED(rng, es_family), PICK_SKEWED(rng, es_family));
		else
			snprintf(p->family, FIELD_MAX, "%s", PICK_SKEWED(rng, es_family));
	}
	snprintf(p->given, FIELD_MAX, "%s", english ? PICK_SKEWED(rng, en_given) : PICK_SKEWED(rng, es_given));
	if (!english && chance(rng, 0.1))
	{
		size_t		n = strlen(p->given);

		snprintf(p->given + n, FIELD_MAX - n, " %s", PICK(rng, es_given));
	}
	p->year = 1930 + rng_int(rng, 76);
	p->month = 1 + rng_int(rng, 12);
	p->day = 1 + rng_int(rng, 28);
	/* membership numbers: 6 to 9 digits, some with a letter prefix */
	if (chance(rng, 0.3))
		snprintf(p->member, sizeof(p->member), "%c%c%07d", 'A' + rng_int(rng, 26), 'A' + rng_int(rng, 26),
				 rng_int(rng, 10000000));
	else
		snprintf(p->member, sizeof(p->member), "%d", 100000 + rng_int(rng, 900000000 - 100000));
}

/* ---------------------------------------------------------------- errors */

static const char *const qwerty[] = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};

/* a neighbour of c on the keyboard (c itself when not a letter) */
static char
keyboard_neighbour(Rng *rng, char c)
{
	int			lower = c >= 'a' && c <= 'z';
	char		l = lower ? c : (char) (c - 'A' + 'a');

	if (!(lower || (c >= 'A' && c <= 'Z')))
		return c >= '0' && c <= '9' ? (char) ('0' + (c - '0' + (chance(rng, 0.5) ? 1 : 9)) % 10) : c;
	for (int r = 0; r < 3; r++)
	{
		const char *p = strchr(qwerty[r], l);

		if (p)
		{
			int			i = (int) (p - qwerty[r]),
						n = (int) strlen(qwerty[r]);
			char		out;

			if (i == 0)
				out = qwerty[r][1];
			else if (i == n - 1)
				out = qwerty[r][n - 2];
			else
				out = qwerty[r][chance(rng, 0.5) ? i - 1 : i + 1];
			return lower ? out : (char) (out - 'a' + 'A');
		}
	}
	return c;
}

/* byte positions of the ASCII characters of s (edits leave UTF-8 alone) */
static int
ascii_positions(const char *s, int *pos, int cap)
{
	int			n = 0;

	for (int i = 0; s[i] && n < cap; i++)
		if (!((unsigned char) s[i] & 0x80))
			pos[n++] = i;
	return n;
}

static void
replace_at(char *s, int at, int del, const char *ins)
{
	size_t		len = strlen(s),
				ilen = strlen(ins);

	if (len - del + ilen >= FIELD_MAX)
		return;
	memmove(s + at + ilen, s + at + del, len - at - del + 1);
	memcpy(s + at, ins, ilen);
}

static void
keyboard_typo(Rng *rng, char *s)
{
	int			pos[FIELD_MAX];
	int			n = ascii_positions(s, pos, FIELD_MAX);
	int			i;

	if (n < 2)
		return;
	i = pos[rng_int(rng, n)];
	switch (rng_int(rng, 4))
	{
		case 0:					/* substitution */
			s[i] = keyboard_neighbour(rng, s[i]);
			break;
		case 1:					/* insertion of a neighbour */
			{
				char		ins[2] = {keyboard_neighbour(rng, s[i]), '\0'};

				replace_at(s, i, 0, ins);
				break;
			}
		case 2:					/* deletion */
			replace_at(s, i, 1, "");
			break;
		default:				/* transposition */
			if (s[i + 1] && !((unsigned char) s[i + 1] & 0x80))
			{
				char		t = s[i];

				s[i] = s[i + 1];
				s[i + 1] = t;
			}
			break;
	}
}

/* look-alike sequences an OCR reads for each other, both ways */
static const char *const ocr_pairs[][2] = {
	{"0", "O"}, {"1", "l"}, {"1", "I"}, {"5", "S"}, {"8", "B"}, {"m", "rn"},
	{"d", "cl"}, {"w", "vv"}, {"2", "Z"}, {"6", "G"}, {"h", "b"}, {"e", "c"},
	{"u", "v"}, {"n", "ri"}, {"i", "l"},
};

/* phonetic respellings: Spanish and English, both ways */
static const char *const sound_pairs[][2] = {
	{"b", "v"}, {"v", "b"}, {"ce", "se"}, {"ci", "si"}, {"z", "s"}, {"ll", "y"},
	{"y", "ll"}, {"h", ""}, {"ge", "je"}, {"gi", "ji"}, {"j", "g"}, {"qu", "k"},
	{"x", "j"}, {"ph", "f"}, {"ck", "k"}, {"ee", "ea"}, {"ie", "y"}, {"y", "ie"},
	{"tt", "t"}, {"ll", "l"}, {"ss", "s"}, {"n", "nn"}, {"th", "t"}, {"son", "sen"},
};

/* replace one occurrence (a random one) of one of the pairs' sides in s */
static int
respell(Rng *rng, char *s, const char *const (*pairs)[2], int npairs)
{
	for (int tries = 0; tries < 8; tries++)
	{
		int			k = rng_int(rng, npairs);
		int			dir = rng_int(rng, 2);
		const char *from = pairs[k][dir],
				   *to = pairs[k][1 - dir];
		const char *hit[16];
		int			nhit = 0;

		if (!from[0])
			continue;
		for (const char *p = strstr(s, from); p && nhit < 16; p = strstr(p + 1, from))
			hit[nhit++] = p;
		if (nhit == 0)
			continue;
		replace_at(s, (int) (hit[rng_int(rng, nhit)] - s), (int) strlen(from), to);
		return 1;
	}
	return 0;
}

static void
space_error(Rng *rng, char *s)
{
	int			pos[FIELD_MAX];
	int			n = ascii_positions(s, pos, FIELD_MAX);
	int			spaces[FIELD_MAX],
				ns = 0;

	for (int i = 0; i < n; i++)
		if (s[pos[i]] == ' ')
			spaces[ns++] = pos[i];
	if (ns > 0 && chance(rng, 0.6))
		replace_at(s, spaces[rng_int(rng, ns)], 1, "");
	else if (n > 3)
		replace_at(s, pos[1 + rng_int(rng, n - 2)], 0, " ");
}

/* two adjacent digits swapped (different ones, when there are) */
static void
transpose_digits(Rng *rng, char *s)
{
	int			cand[FIELD_MAX],
				n = 0;

	for (int i = 0; s[i] && s[i + 1]; i++)
		if (s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9' && s[i] != s[i + 1])
			cand[n++] = i;
	if (n > 0)
	{
		int			i = cand[rng_int(rng, n)];
		char		t = s[i];

		s[i] = s[i + 1];
		s[i + 1] = t;
	}
}

/* one character-level error of the kinds above, in a name or place */
static void
text_error(Rng *rng, char *s)
{
	int			r = rng_int(rng, 10);

	if (r < 4)
		keyboard_typo(rng, s);
	else if (r < 6)
	{
		if (!respell(rng, s, ocr_pairs, (int) COUNTOF(ocr_pairs)))
			keyboard_typo(rng, s);
	}
	else if (r < 9)
	{
		if (!respell(rng, s, sound_pairs, (int) COUNTOF(sound_pairs)))
			keyboard_typo(rng, s);
	}
	else
		space_error(rng, s);
}

/* ---------------------------------------------------------------- records */

enum
{
	F_GIVEN, F_FAMILY, F_ADDRESS, F_CITY, F_POSTCODE, F_BIRTH, F_MEMBER, NFIELDS
};

static const char *const field_names[NFIELDS] = {
	"given_name", "family_name", "address", "city", "postcode", "birth_date", "member_no",
};

typedef struct Record
{
	char		f[NFIELDS][FIELD_MAX];
} Record;

static void
write_date(int y, int m, int d, int style, char *out)
{
	switch (style)
	{
		case 0:
			snprintf(out, FIELD_MAX, "%02d/%02d/%04d", d, m, y);
			break;
		case 1:
			snprintf(out, FIELD_MAX, "%04d-%02d-%02d", y, m, d);
			break;
		case 2:
			snprintf(out, FIELD_MAX, "%d/%d/%04d", d, m, y);
			break;
		default:
			snprintf(out, FIELD_MAX, "%02d.%02d.%04d", d, m, y);
			break;
	}
}

static void
original_record(const Person *p, Record *r)
{
	snprintf(r->f[F_GIVEN], FIELD_MAX, "%s", p->given);
	snprintf(r->f[F_FAMILY], FIELD_MAX, "%s", p->family);
	snprintf(r->f[F_ADDRESS], FIELD_MAX, "%s", p->address);
	snprintf(r->f[F_CITY], FIELD_MAX, "%s", p->place->city);
	snprintf(r->f[F_POSTCODE], FIELD_MAX, "%s", p->postcode);
	write_date(p->year, p->month, p->day, 0, r->f[F_BIRTH]);
	snprintf(r->f[F_MEMBER], FIELD_MAX, "%s", p->member);
}

/* one modification of field f of a duplicate of person p */
static void
modify(Rng *rng, const Person *p, Record *r, int f)
{
	char	   *s = r->f[f];

	/* any field may be missing */
	if (chance(rng, 0.12))
	{
		s[0] = '\0';
		return;
	}
	switch (f)
	{
		case F_GIVEN:
		case F_FAMILY:
			if (chance(rng, 0.15))
			{
				char		t[FIELD_MAX];

				memcpy(t, r->f[F_GIVEN], FIELD_MAX);
				memcpy(r->f[F_GIVEN], r->f[F_FAMILY], FIELD_MAX);
				memcpy(r->f[F_FAMILY], t, FIELD_MAX);
			}
			else if (f == F_FAMILY && strchr(s, ' ') && chance(rng, 0.25))
				*strchr(s, ' ') = '\0'; /* the first surname only */
			else
				text_error(rng, s);
			break;
		case F_ADDRESS:
			{
				int			r2 = rng_int(rng, 4);

				if (r2 == 0)
					write_address(p, 1 + rng_int(rng, 3), rng_int(rng, 3), s);
				else if (r2 == 1)
				{
					Person		q = *p;

					q.unit_floor = 0;
					write_address(&q, rng_int(rng, 4), 0, s);
				}
				else
					text_error(rng, s);
				break;
			}
		case F_CITY:
			text_error(rng, s);
			break;
		case F_POSTCODE:
			if (chance(rng, 0.5))
				transpose_digits(rng, s);
			else
				keyboard_typo(rng, s);
			break;
		case F_BIRTH:
			{
				int			r2 = rng_int(rng, 4);

				if (r2 == 0 && p->day <= 12 && p->day != p->month)
					write_date(p->year, p->day, p->month, rng_int(rng, 4), s);
				else if (r2 == 1)
					write_date(p->year, p->month, p->day, 1 + rng_int(rng, 3), s);
				else if (r2 == 2)
					transpose_digits(rng, s);
				else
					keyboard_typo(rng, s);
				break;
			}
		case F_MEMBER:
			{
				int			r2 = rng_int(rng, 4);

				if (r2 == 0)
					transpose_digits(rng, s);
				else if (r2 == 1)
				{
					/* typed with separators */
					size_t		n = strlen(s);

					if (n > 4)
						replace_at(s, (int) (n - 3), 0, chance(rng, 0.5) ? "-" : " ");
				}
				else if (r2 == 2)
					respell(rng, s, ocr_pairs, (int) COUNTOF(ocr_pairs));
				else
					keyboard_typo(rng, s);
				break;
			}
	}
}

static void
duplicate_record(Rng *rng, const Person *p, Record *r)
{
	int			per_field[NFIELDS] = {0};
	int			nmods = 1 + rng_int(rng, MAX_MODS);

	original_record(p, r);
	for (int k = 0; k < nmods; k++)
	{
		int			f = rng_int(rng, NFIELDS);

		if (per_field[f] >= MAX_FIELD_MODS)
			continue;
		per_field[f]++;
		modify(rng, p, r, f);
	}
}

static void
csv_field(const char *s, int last)
{
	if (strpbrk(s, ",\"\n"))
	{
		putchar('"');
		for (; *s; s++)
		{
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	}
	else
		fputs(s, stdout);
	putchar(last ? '\n' : ',');
}

static void
usage(void)
{
	fprintf(stderr, "usage: registrygen --rows N --seed S [--degenerate COLUMN]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	long		rows = -1;
	uint64_t	seed = 0;
	int			degenerate = -1;
	Rng			rng;
	Record	   *recs;
	long	   *truth,
			   *ids;
	long		n = 0,
				person = 0;

	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
			rows = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--degenerate") == 0 && i + 1 < argc)
		{
			i++;
			for (int f = 0; f < NFIELDS; f++)
				if (strcmp(argv[i], field_names[f]) == 0)
					degenerate = f;
			if (degenerate < 0)
				usage();
		}
		else
			usage();
	}
	if (rows < 1)
		usage();
	rng.state = seed * UINT64_C(0x2545F4914F6CDD1D) + 0x5eed;
	recs = malloc(sizeof(Record) * rows);
	truth = malloc(sizeof(long) * rows);
	ids = malloc(sizeof(long) * rows);
	if (!recs || !truth || !ids)
	{
		fprintf(stderr, "registrygen: out of memory\n");
		return 1;
	}
	while (n < rows)
	{
		Person		p;
		int			ndups = 0;
		static Person last;
		static int	have_last = 0;

		/* one household in twenty gets a relative of the last person */
		make_person(&rng, &p, have_last && chance(&rng, 0.05) ? &last : NULL);
		last = p;
		have_last = 1;
		person++;
		original_record(&p, &recs[n]);
		truth[n++] = person;
		if (chance(&rng, 0.5))
			for (ndups = 1; ndups < MAX_DUPS && chance(&rng, 0.45); ndups++)
				;
		for (int d = 0; d < ndups && n < rows; d++)
		{
			duplicate_record(&rng, &p, &recs[n]);
			truth[n++] = person;
		}
	}
	/* ids: a permutation of 1..rows */
	for (long i = 0; i < rows; i++)
		ids[i] = i + 1;
	for (long i = rows - 1; i > 0; i--)
	{
		long		j = (long) (rng_next(&rng) % (uint64_t) (i + 1)),
					t = ids[i];

		ids[i] = ids[j];
		ids[j] = t;
	}
	if (degenerate >= 0)
	{
		static const char *const filler[NFIELDS] = {
			"N/A", "N/A", "N/A", "N/A", "00000", "01/01/1900", "0",
		};

		for (long i = 0; i < rows; i++)
			if (chance(&rng, 0.97))
				snprintf(recs[i].f[degenerate], FIELD_MAX, "%s", filler[degenerate]);
	}
	printf("id,truth_id");
	for (int f = 0; f < NFIELDS; f++)
		printf(",%s", field_names[f]);
	putchar('\n');
	for (long i = 0; i < rows; i++)
	{
		printf("%ld,%ld,", ids[i], truth[i]);
		for (int f = 0; f < NFIELDS; f++)
			csv_field(recs[i].f[f], f == NFIELDS - 1);
	}
	free(recs);
	free(truth);
	free(ids);
	return 0;
}
