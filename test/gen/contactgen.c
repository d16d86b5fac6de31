/*
 * contactgen: deterministic generator of realistic synthetic contacts with
 * known truth, for the demo, the tests and the benchmarks.
 *
 *   contactgen --rows N --seed S [--dup-rate R]
 *
 * Writes CSV to stdout with the columns of test/demo/00_load.sql:
 *   id,truth_id,full_name,given_name,family_name,email,phone,region,company,
 *   city,postcode,birth_date,national_id,consent,updated_at
 *
 * People are Spanish/Latin-American (ES MX AR CO CL PE UY) and English (US
 * GB).  Each real person (truth_id) gets one record plus, with probability R
 * each (geometric, default 0.25), further records typed differently: typos,
 * transpositions, swapped given/family names, nicknames, dropped accents,
 * case changes, extra spaces, "Family, Given" order, phones and e-mails
 * written differently, company suffix variants, missing fields.  So R is
 * the expected fraction of rows that duplicate an earlier row.  Relatives
 * (same surnames, home and phone, different person) are planted as hard
 * negatives.  About 5-10% of the values are invalid as typed.
 *
 * National IDs carry correct check digits (ES DNI/NIE, AR CUIT, MX CURP and
 * RFC, CL RUT, UY CI); a few have a typo.  The name, city, postcode and
 * numbering lists below are common public knowledge (census surname
 * rankings, national numbering plans and postal code schemes), abridged.
 *
 * The output depends only on (rows, seed, dup-rate): one splitmix64 stream,
 * no locale, no clock.  Ids are a permutation of 1..N so that the records of
 * one person are not adjacent.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_random.h"

#define FIELD_MAX 192

/* ---------------------------------------------------------------- random */

/*
 * Pick from a list ranked by frequency: index k with probability about
 * proportional to 1/(k+8), so that García or Smith are a few percent of
 * people and the tail is still common, as in census surname tables.
 */
static int
rng_zipf(Rng *rng, int n)
{
	const double offset = 8.0;
	double		u = rng_unit(rng);
	int			k = (int) (pow(offset, 1.0 - u) * pow(n + offset, u) - offset);

	return k < 0 ? 0 : (k < n ? k : n - 1);
}


/* ---------------------------------------------------------------- data */

static const char *const es_male[] = {
	"José", "Juan", "Luis", "Carlos", "Javier", "Antonio", "Manuel", "Francisco",
	"Miguel", "Alejandro", "Diego", "Pablo", "Jorge", "Andrés", "Sergio",
	"Fernando", "Ricardo", "Raúl", "Rafael", "Eduardo", "Roberto", "Daniel",
	"David", "Martín", "Santiago", "Mateo", "Nicolás", "Sebastián", "Gonzalo",
	"Ignacio", "Joaquín", "Tomás", "Álvaro", "Rodrigo", "Guillermo", "Enrique",
	"Alberto", "Jesús", "Ramón", "Julián", "Agustín", "Emilio", "Óscar",
	"Víctor", "Hugo", "Iván", "Rubén", "Adrián", "Felipe", "Gustavo",
	"José Luis", "Juan Carlos", "Juan Pablo", "José Antonio", "Luis Miguel",
	"Juan José", "Miguel Ángel", "José Manuel",
};

static const char *const es_female[] = {
	"María", "Ana", "Carmen", "Laura", "Lucía", "Marta", "Isabel", "Paula",
	"Sofía", "Valentina", "Camila", "Gabriela", "Daniela", "Andrea", "Patricia",
	"Rosa", "Elena", "Cristina", "Beatriz", "Pilar", "Teresa", "Mercedes",
	"Josefa", "Dolores", "Guadalupe", "Verónica", "Claudia", "Natalia",
	"Carolina", "Fernanda", "Florencia", "Micaela", "Agustina", "Julieta",
	"Ximena", "Lorena", "Silvia", "Mónica", "Raquel", "Inés", "Begoña", "Nuria",
	"Montserrat", "Ángela", "Victoria", "Alejandra", "Francisca", "Concepción",
	"Consuelo", "Catalina", "Rosario", "María José", "María Fernanda",
	"Ana María", "María del Carmen", "María Isabel",
};

static const char *const es_surname[] = {
	"García", "Rodríguez", "González", "Fernández", "López", "Martínez",
	"Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández",
	"Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso", "Gutiérrez",
	"Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez",
	"Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega", "Delgado",
	"Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina",
	"Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano",
	"Prieto", "Méndez", "Cruz", "Flores", "Herrera", "Peña", "León", "Márquez",
	"Cabrera", "Gallego", "Calvo", "Vidal", "Campos", "Reyes", "Vega",
	"Fuentes", "Carrasco", "Aguilar", "Caballero", "Nieto", "Santana",
	"Pascual", "Herrero", "Montero", "Hidalgo", "Lorenzo", "Giménez", "Ibáñez",
	"Ferrer", "Durán", "Rivera", "Vargas", "Mendoza", "Rojas", "Salazar",
	"Contreras", "Silva", "Sepúlveda", "Quispe", "Mamani", "Huamán",
	"Espinoza", "Figueroa", "Acosta", "Benítez", "Sosa", "Ríos", "Peralta",
	"Villalobos", "Zúñiga", "Echeverría", "Urquiza", "Bustamante", "Arriagada",
	"Valenzuela", "Araya", "Cárdenas", "Ospina", "Restrepo", "Londoño",
	"Zapata", "Arango", "Montoya", "Quintero", "Villegas", "Ibarra", "Treviño",
	"Cisneros", "Zamora", "Ochoa", "Valdés", "Aranda", "Beltrán", "Saavedra",
	"Pacheco", "Miranda", "Ferreyra", "Pereyra", "Acuña", "Olivera", "Rosales",
	"Bravo", "Paredes", "Yáñez", "Escobar", "Lagos", "Carrillo", "Maldonado",
	"Salinas", "Orozco", "Ávila", "Palacios", "Correa", "Cuesta", "Goñi",
	"Ibarrola", "Agüero", "Muñiz", "Caño", "Peñalosa", "Arbeláez", "Urrutia",
};

static const char *const en_male[] = {
	"James", "John", "Robert", "Michael", "William", "David", "Richard",
	"Joseph", "Thomas", "Charles", "Christopher", "Daniel", "Matthew",
	"Anthony", "Mark", "Steven", "Andrew", "Joshua", "Kevin", "Brian",
	"George", "Edward", "Peter", "Oliver", "Harry", "Jack", "Samuel",
	"Benjamin", "Alexander", "Patrick",
};

static const char *const en_female[] = {
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan",
	"Jessica", "Sarah", "Karen", "Nancy", "Margaret", "Emily", "Emma",
	"Olivia", "Charlotte", "Sophie", "Amelia", "Rebecca", "Katherine",
	"Victoria", "Hannah", "Lucy", "Rachel", "Laura", "Anne", "Helen",
	"Catherine", "Jane", "Alice",
};

static const char *const en_surname[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
	"Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson",
	"Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker",
	"Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams",
	"Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips",
	"Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
	"Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
	"Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood",
	"Watson", "Brooks", "Bennett", "Gray", "Hughes", "Price", "Sanders",
	"Patel", "Khan", "O'Brien", "O'Connor", "McDonald", "MacLeod",
	"Fitzgerald", "Nguyen", "Kowalski", "Schmidt",
};

/* formal name -> nickname (first match on the formal given name) */
static const char *const nicknames[][2] = {
	{"José", "Pepe"}, {"Francisco", "Paco"}, {"Francisco", "Pancho"},
	{"Ignacio", "Nacho"}, {"Guadalupe", "Lupe"}, {"Jesús", "Chucho"},
	{"Manuel", "Manolo"}, {"Dolores", "Lola"}, {"Concepción", "Concha"},
	{"Rosario", "Charo"}, {"Alejandro", "Alex"}, {"Roberto", "Beto"},
	{"Alberto", "Beto"}, {"Antonio", "Toño"}, {"Enrique", "Quique"},
	{"Eduardo", "Lalo"}, {"Luis", "Lucho"}, {"Josefa", "Pepa"},
	{"Mercedes", "Merche"}, {"Consuelo", "Chelo"}, {"Fernando", "Nando"},
	{"Santiago", "Santi"}, {"Guillermo", "Memo"}, {"Rafael", "Rafa"},
	{"Javier", "Javi"}, {"Isabel", "Chabela"}, {"Cristina", "Cris"},
	{"Gabriela", "Gaby"}, {"Daniela", "Dani"}, {"Patricia", "Pati"},
	{"Teresa", "Tere"}, {"Catalina", "Cata"}, {"Francisca", "Paca"},
	{"Sebastián", "Seba"}, {"Nicolás", "Nico"}, {"Joaquín", "Joaco"},
	{"Agustín", "Agus"}, {"Valentina", "Vale"}, {"Florencia", "Flor"},
	{"María José", "Majo"}, {"José Luis", "Pepe Luis"}, {"Juan Carlos", "Juanca"},
	{"William", "Bill"}, {"William", "Will"}, {"Robert", "Bob"},
	{"Robert", "Rob"}, {"Richard", "Rick"}, {"Richard", "Dick"},
	{"James", "Jim"}, {"James", "Jimmy"}, {"John", "Johnny"}, {"John", "Jack"},
	{"Michael", "Mike"}, {"Thomas", "Tom"}, {"Charles", "Charlie"},
	{"Charles", "Chuck"}, {"Christopher", "Chris"}, {"Daniel", "Dan"},
	{"Daniel", "Danny"}, {"Matthew", "Matt"}, {"Anthony", "Tony"},
	{"Steven", "Steve"}, {"Andrew", "Andy"}, {"Joshua", "Josh"},
	{"Edward", "Ed"}, {"Edward", "Ted"}, {"Peter", "Pete"}, {"Samuel", "Sam"},
	{"Benjamin", "Ben"}, {"Alexander", "Alex"}, {"Patrick", "Pat"},
	{"Joseph", "Joe"}, {"Elizabeth", "Liz"}, {"Elizabeth", "Beth"},
	{"Margaret", "Maggie"}, {"Margaret", "Peggy"}, {"Katherine", "Kate"},
	{"Katherine", "Kathy"}, {"Jennifer", "Jenny"}, {"Patricia", "Patty"},
	{"Susan", "Sue"}, {"Rebecca", "Becky"}, {"Victoria", "Vicky"},
	{"Catherine", "Cathy"}, {"Jessica", "Jess"}, {"Barbara", "Barb"},
};

static const char *const company_head_es[] = {
	"Grupo", "Construcciones", "Transportes", "Distribuidora", "Tecnologías",
	"Alimentos", "Consultores", "Inversiones", "Servicios", "Comercial",
	"Logística", "Laboratorios", "Ingeniería", "Farmacias", "Seguros",
	"Hoteles", "Textiles", "Editorial", "Agropecuaria", "Minera",
};

static const char *const company_tail_es[] = {
	"del Norte", "Andina", "Ibérica", "del Pacífico", "Atlántico", "del Sur",
	"Cóndor", "del Sol", "La Estrella", "Costa Azul", "San Martín",
	"Montaña", "Los Álamos", "Cordillera", "Austral", "del Valle", "Roble",
	"Horizonte", "Centauro", "Río Grande",
};

static const char *const company_head_en[] = {
	"Northwind", "Blue Harbor", "Redwood", "Summit", "Brightline",
	"Oak & Stone", "Pioneer", "Greenfield", "Silverline", "Keystone",
	"Riverside", "Ironbridge", "Crescent", "Harbourview", "Lakeshore",
};

static const char *const company_tail_en[] = {
	"Traders", "Analytics", "Partners", "Media", "Logistics", "Foods",
	"Systems", "Holdings", "Consulting", "Health", "Capital", "Labs",
};

typedef struct City
{
	const char *name;
	const char *area;			/* landline area code, national form without
								 * trunk prefix */
	int			post_lo;		/* numeric postcode range (meaning per country) */
	int			post_hi;
} City;

static const City cities_es[] = {
	{"Madrid", "91", 28001, 28055}, {"Barcelona", "93", 8001, 8042},
	{"Valencia", "96", 46001, 46026}, {"Sevilla", "95", 41001, 41020},
	{"Zaragoza", "976", 50001, 50021}, {"Málaga", "952", 29001, 29018},
	{"Bilbao", "94", 48001, 48015}, {"Alicante", "96", 3001, 3016},
	{"Córdoba", "957", 14001, 14014}, {"Valladolid", "983", 47001, 47016},
	{"A Coruña", "981", 15001, 15011}, {"Granada", "958", 18001, 18015},
};
static const City cities_mx[] = {
	{"Ciudad de México", "55", 1000, 16999}, {"Guadalajara", "33", 44100, 44990},
	{"Monterrey", "81", 64000, 64990}, {"Puebla", "222", 72000, 72590},
	{"Querétaro", "442", 76000, 76250}, {"Mérida", "999", 97000, 97390},
	{"Tijuana", "664", 22000, 22730}, {"León", "477", 37000, 37690},
};
static const City cities_ar[] = {
	{"Buenos Aires", "11", 1000, 1499}, {"Córdoba", "351", 5000, 5021},
	{"Rosario", "341", 2000, 2013}, {"Mendoza", "261", 5500, 5507},
	{"La Plata", "221", 1900, 1909}, {"Mar del Plata", "223", 7600, 7612},
};
static const City cities_co[] = {
	{"Bogotá", "601", 110111, 112011}, {"Medellín", "604", 50001, 50036},
	{"Cali", "602", 760001, 760046}, {"Barranquilla", "605", 80001, 80020},
	{"Cartagena", "605", 130001, 130015}, {"Bucaramanga", "607", 680001, 680011},
};
static const City cities_cl[] = {
	{"Santiago", "2", 8320000, 8500000}, {"Valparaíso", "32", 2340000, 2390000},
	{"Concepción", "41", 4030000, 4100000}, {"Viña del Mar", "32", 2520000, 2580000},
	{"Antofagasta", "55", 1240000, 1270000},
};
static const City cities_pe[] = {
	{"Lima", "1", 15001, 15494}, {"Arequipa", "54", 4001, 4017},
	{"Trujillo", "44", 13001, 13011}, {"Cusco", "84", 8001, 8006},
	{"Piura", "73", 20001, 20009},
};
static const City cities_uy[] = {
	{"Montevideo", "2", 11000, 12900}, {"Salto", "473", 50000, 50000},
	{"Paysandú", "472", 60000, 60000}, {"Maldonado", "42", 20000, 20000},
};
static const City cities_us[] = {
	{"New York", "212", 10001, 10282}, {"Los Angeles", "213", 90001, 90089},
	{"Chicago", "312", 60601, 60661}, {"Houston", "713", 77001, 77099},
	{"Miami", "305", 33101, 33199}, {"San Antonio", "210", 78201, 78266},
	{"Phoenix", "602", 85001, 85054}, {"Boston", "617", 2108, 2137},
	{"Seattle", "206", 98101, 98199}, {"Austin", "512", 78701, 78759},
};
/* GB: post_lo..post_hi is the district number range of the outward code */
static const City cities_gb[] = {
	{"London", "20", 1, 20}, {"Manchester", "161", 1, 40},
	{"Birmingham", "121", 1, 40}, {"Leeds", "113", 1, 29},
	{"Glasgow", "141", 1, 80}, {"Liverpool", "151", 1, 40},
	{"Edinburgh", "131", 1, 17}, {"Bristol", "117", 1, 16},
};
static const char *const gb_area_letters[] = {"", "M", "B", "LS", "G", "L", "EH", "BS"};
static const char *const london_outward[] = {"SW", "SE", "NW", "N", "E", "W", "EC", "WC"};

typedef enum Country
{
	C_ES, C_MX, C_AR, C_CO, C_CL, C_PE, C_UY, C_US, C_GB, C_COUNT
} Country;

typedef struct CountryInfo
{
	const char *code;
	const char *cc;				/* calling code */
	const City *cities;
	int			ncities;
	int			weight;			/* share of people, percent */
	const char *tld;			/* company domain suffix */
	const char *isp;			/* a national ISP mail domain */
	const char *const *suffixes;	/* legal form suffixes */
	int			nsuffixes;
	int			spanish;
} CountryInfo;

static const char *const sfx_es[] = {"S.A.", "S.L.", "S.L.U."};
static const char *const sfx_mx[] = {"S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V."};
static const char *const sfx_ar[] = {"S.A.", "S.R.L.", "S.A.S."};
static const char *const sfx_co[] = {"S.A.S.", "S.A.", "Ltda."};
static const char *const sfx_cl[] = {"S.A.", "SpA", "Ltda."};
static const char *const sfx_pe[] = {"S.A.C.", "S.A.", "S.R.L.", "E.I.R.L."};
static const char *const sfx_uy[] = {"S.A.", "S.R.L."};
static const char *const sfx_us[] = {"Inc.", "LLC", "Corp."};
static const char *const sfx_gb[] = {"Ltd", "PLC", "LLP"};

#define CITIES(a) a, (int) COUNTOF(a)
#define SFX(a) a, (int) COUNTOF(a)

static const CountryInfo countries[C_COUNT] = {
	{"ES", "34", CITIES(cities_es), 25, "es", "telefonica.net", SFX(sfx_es), 1},
	{"MX", "52", CITIES(cities_mx), 20, "com.mx", "prodigy.net.mx", SFX(sfx_mx), 1},
	{"AR", "54", CITIES(cities_ar), 12, "com.ar", "fibertel.com.ar", SFX(sfx_ar), 1},
	{"CO", "57", CITIES(cities_co), 10, "com.co", "une.net.co", SFX(sfx_co), 1},
	{"CL", "56", CITIES(cities_cl), 6, "cl", "vtr.net", SFX(sfx_cl), 1},
	{"PE", "51", CITIES(cities_pe), 5, "com.pe", "speedy.com.pe", SFX(sfx_pe), 1},
	{"UY", "598", CITIES(cities_uy), 3, "com.uy", "adinet.com.uy", SFX(sfx_uy), 1},
	{"US", "1", CITIES(cities_us), 12, "com", "comcast.net", SFX(sfx_us), 0},
	{"GB", "44", CITIES(cities_gb), 7, "co.uk", "btinternet.com", SFX(sfx_gb), 0},
};

/* ---------------------------------------------------------------- strings */

/*
 * snprintf into one of the FIELD_MAX buffers every field and scratch value
 * lives in; overlong values are cut, never overflowed.
 */
static void
fmt(char *dst, const char *format,...)
{
	va_list		args;

	va_start(args, format);
	vsnprintf(dst, FIELD_MAX, format, args);
	va_end(args);
}

/* append printf-style to a fixed field buffer, truncating safely */
static void
buf_cat(char *buf, const char *s)
{
	size_t		len = strlen(buf);
	size_t		add = strlen(s);

	if (len + add >= FIELD_MAX)
		add = FIELD_MAX - 1 - len;
	memcpy(buf + len, s, add);
	buf[len + add] = '\0';
}

static void
buf_set(char *buf, const char *s)
{
	buf[0] = '\0';
	buf_cat(buf, s);
}

/*
 * Accented letters used in the lists are all two-byte UTF-8 sequences in
 * Latin-1 Supplement (C3 xx), where upper and lower case differ by 0x20.
 */
static void
utf8_case(char *s, int upper)
{
	unsigned char *p = (unsigned char *) s;

	for (; *p; p++)
	{
		if (*p == 0xC3 && p[1])
		{
			unsigned char c = p[1];

			if (upper && c >= 0xA0 && c <= 0xBE && c != 0xB7)
				p[1] = c - 0x20;
			else if (!upper && c >= 0x80 && c <= 0x9E && c != 0x97)
				p[1] = c + 0x20;
			p++;
		}
		else if (*p < 0x80)
			*p = (unsigned char) (upper ? toupper(*p) : tolower(*p));
	}
}

/* ASCII equivalent of a C3 xx letter, or 0 */
static char
latin1_base(unsigned char c)
{
	static const char map[64] =
	"AAAAAAACEEEEIIII" "DNOOOOO*OUUUUYTs" "aaaaaaaceeeeiiii" "dnooooo/ouuuuyty";

	if (c < 0x80 || c > 0xBF)
		return 0;
	return map[c - 0x80];
}

/* drop accents and ñ -> n in place */
static void
strip_accents(char *s)
{
	unsigned char *in = (unsigned char *) s;
	char	   *out = s;

	while (*in)
	{
		if (*in == 0xC3 && in[1] && latin1_base(in[1]))
		{
			*out++ = latin1_base(in[1]);
			in += 2;
		}
		else
			*out++ = (char) *in++;
	}
	*out = '\0';
}

/* lower-case ASCII slug for e-mail local parts and domains */
static void
slug(char *dst, const char *src, int keep_spaces_as)
{
	char		tmp[FIELD_MAX];
	char	   *o = dst;

	buf_set(tmp, src);
	strip_accents(tmp);
	for (const char *p = tmp; *p; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (isalnum(c))
			*o++ = (char) tolower(c);
		else if (c == ' ' && keep_spaces_as)
			*o++ = (char) keep_spaces_as;
	}
	*o = '\0';
}

/* byte offsets of ASCII letters, so typos never split a UTF-8 sequence */
static int
ascii_letter_positions(const char *s, int *pos, int max)
{
	int			n = 0;

	for (int i = 0; s[i] && n < max; i++)
		if (isalpha((unsigned char) s[i]))
			pos[n++] = i;
	return n;
}

static const char *const keyboard_near[26] = {
	"qsz", "vgn", "xdv", "sfe", "wrd", "dgr", "fht", "gjy", "uok", "hkn",
	"jlm", "kop", "nj", "bmh", "ipl", "ol", "wa", "eft", "adw", "ryg",
	"yij", "cfb", "qes", "zcs", "tuh", "xa",
};

/* one realistic keyboard slip: substitution, deletion, doubling, transposition */
static void
typo(Rng *rng, char *s)
{
	int			pos[FIELD_MAX];
	int			n = ascii_letter_positions(s, pos, FIELD_MAX);
	size_t		len = strlen(s);
	int			i;
	char		c;

	if (n < 3)
		return;
	i = pos[1 + rng_int(rng, n - 1)];	/* first letters are rarely mistyped */
	c = s[i];
	switch (rng_int(rng, 4))
	{
		case 0:					/* neighbouring key */
			{
				const char *near = keyboard_near[tolower((unsigned char) c) - 'a'];
				char		r = near[rng_int(rng, (int) strlen(near))];

				s[i] = isupper((unsigned char) c) ? (char) toupper(r) : r;
				break;
			}
		case 1:					/* deletion */
			memmove(s + i, s + i + 1, len - i);
			break;
		case 2:					/* doubled letter */
			if (len + 1 < FIELD_MAX)
			{
				memmove(s + i + 1, s + i, len - i + 1);
				s[i] = c;
			}
			break;
		default:				/* transposition with the next ASCII letter */
			if (isalpha((unsigned char) s[i + 1]))
			{
				s[i] = s[i + 1];
				s[i + 1] = c;
			}
			else if (isalpha((unsigned char) s[i - 1]))
			{
				s[i] = s[i - 1];
				s[i - 1] = c;
			}
			break;
	}
}

/* write only the digits of src into dst */
static void
digits_only(char *dst, const char *src)
{
	for (; *src; src++)
		if (isdigit((unsigned char) *src))
			*dst++ = *src;
	*dst = '\0';
}

/* ---------------------------------------------------------------- people */

typedef struct Person
{
	Country		country;
	int			female;
	char		given[FIELD_MAX];
	char		family1[FIELD_MAX];
	char		family2[FIELD_MAX];	/* empty where one surname is usual */
	char		email[FIELD_MAX];
	char		national_number[FIELD_MAX];	/* phone, national significant number */
	int			mobile;
	int			city;
	char		postcode[FIELD_MAX];
	int			birth_y, birth_m, birth_d;
	char		national_id[FIELD_MAX];	/* canonical, with check digit */
	char		company[FIELD_MAX];
	int			has_company;
	int			ext;			/* phone extension, 0 if none */
} Person;

/* one record as typed, the CSV row before quoting */
typedef struct Record
{
	char		full_name[FIELD_MAX];
	char		given[FIELD_MAX];
	char		family[FIELD_MAX];
	char		email[FIELD_MAX];
	char		phone[FIELD_MAX];
	char		region[FIELD_MAX];
	char		company[FIELD_MAX];
	char		city[FIELD_MAX];
	char		postcode[FIELD_MAX];
	char		birth_date[FIELD_MAX];
	char		national_id[FIELD_MAX];
} Record;

static void
random_digits(Rng *rng, char *dst, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] = (char) ('0' + rng_int(rng, 10));
	dst[n] = '\0';
}

/*
 * The national significant number (no trunk prefix) of a mobile or a
 * landline in the person's city, following each national plan.
 */
static void
make_phone(Rng *rng, Person *p)
{
	const City *city = &countries[p->country].cities[p->city];
	char		rest[FIELD_MAX];
	char	   *nsn = p->national_number;

	p->mobile = chance(rng, 0.65);
	switch (p->country)
	{
		case C_ES:				/* 9 digits: 6/7 mobile, 9 landline */
			if (p->mobile)
			{
				random_digits(rng, rest, 8);
				fmt(nsn, "%c%s", chance(rng, 0.8) ? '6' : '7', rest);
			}
			else
			{
				random_digits(rng, rest, 9 - (int) strlen(city->area));
				rest[0] = (char) ('2' + rng_int(rng, 7));
				fmt(nsn, "%s%s", city->area, rest);
			}
			break;
		case C_MX:				/* 10 digits for all lines */
			random_digits(rng, rest, 10 - (int) strlen(city->area));
			rest[0] = (char) ('1' + rng_int(rng, 9));
			fmt(nsn, "%s%s", city->area, rest);
			break;
		case C_AR:				/* area + subscriber = 10 digits; mobile
								 * subscribers start 15 nationally, 9 in
								 * E.164 */
			random_digits(rng, rest, 10 - (int) strlen(city->area));
			rest[0] = (char) ((p->mobile ? '5' : '4') + (p->mobile ? rng_int(rng, 2) : 0));
			fmt(nsn, "%s%s", city->area, rest);
			break;
		case C_CO:				/* 10 digits: 3xx mobile, 60x landline */
			if (p->mobile)
			{
				random_digits(rng, rest, 8);
				fmt(nsn, "3%c%s", "0125"[rng_int(rng, 4)], rest);
			}
			else
			{
				random_digits(rng, rest, 7);
				rest[0] = (char) ('2' + rng_int(rng, 6));
				fmt(nsn, "%s%s", city->area, rest);
			}
			break;
		case C_CL:				/* 9 digits: 9 mobile, 2 + 8 Santiago */
			if (p->mobile)
			{
				random_digits(rng, rest, 8);
				fmt(nsn, "9%s", rest);
			}
			else
			{
				random_digits(rng, rest, 9 - (int) strlen(city->area));
				rest[0] = '2';
				fmt(nsn, "%s%s", city->area, rest);
			}
			break;
		case C_PE:				/* mobile 9 + 8; Lima 1 + 7; provinces 2+6 */
			if (p->mobile)
			{
				random_digits(rng, rest, 8);
				fmt(nsn, "9%s", rest);
			}
			else
			{
				random_digits(rng, rest, strlen(city->area) == 1 ? 7 : 6);
				rest[0] = (char) ('2' + rng_int(rng, 6));
				fmt(nsn, "%s%s", city->area, rest);
			}
			break;
		case C_UY:				/* 8 digits: 9x mobile, 2 Montevideo, 4
								 * interior */
			if (p->mobile)
			{
				random_digits(rng, rest, 6);
				fmt(nsn, "9%c%s", "1345789"[rng_int(rng, 7)], rest);
			}
			else
			{
				random_digits(rng, rest, 8 - (int) strlen(city->area));
				fmt(nsn, "%s%s", city->area, rest);
			}
			break;
		case C_US:				/* NPA NXX XXXX, mobile and landline alike */
			random_digits(rng, rest, 7);
			rest[0] = (char) ('2' + rng_int(rng, 8));
			if (rest[1] == '1' && rest[2] == '1')
				rest[2] = '2';
			fmt(nsn, "%s%s", city->area, rest);
			break;
		case C_GB:				/* 10 digits: 7[4-9] mobile, area + rest */
			if (p->mobile)
			{
				random_digits(rng, rest, 8);
				fmt(nsn, "7%c%s", '4' + rng_int(rng, 6), rest);
			}
			else
			{
				random_digits(rng, rest, 10 - (int) strlen(city->area));
				rest[0] = (char) ((strlen(city->area) == 2 ? '7' : '4') + rng_int(rng, 2));
				fmt(nsn, "%s%s", city->area, rest);
			}
			break;
		default:
			break;
	}
	p->ext = (!p->mobile && chance(rng, 0.1)) ? 10 + rng_int(rng, 990) : 0;
}

/* group the digits of s into a copy with separators after given lengths */
static void
group(char *dst, const char *digits, const int *sizes, int nsizes, const char *sep)
{
	const char *d = digits;

	dst[0] = '\0';
	for (int i = 0; i < nsizes && *d; i++)
	{
		int			n = sizes[i] ? sizes[i] : (int) strlen(d);
		char		part[FIELD_MAX];

		if (n > (int) strlen(d))
			n = (int) strlen(d);
		memcpy(part, d, n);
		part[n] = '\0';
		if (i > 0)
			buf_cat(dst, sep);
		buf_cat(dst, part);
		d += n;
	}
	if (*d)
		buf_cat(dst, d);
}

/* Write the person's phone the way someone in that country might type it. */
static void
render_phone(Rng *rng, const Person *p, char *out)
{
	const CountryInfo *ci = &countries[p->country];
	const char *nsn = p->national_number;
	const char *area = ci->cities[p->city].area;
	size_t		alen = strlen(area);
	char		g[FIELD_MAX];
	int			style = rng_int(rng, 6);

	out[0] = '\0';
	switch (p->country)
	{
		case C_ES:
			{
				static const int s333[] = {3, 3, 3}, s3222[] = {3, 2, 2, 2};

				if (style == 0)
					fmt(out, "+34%s", nsn);
				else if (style == 1)
				{
					group(g, nsn, s333, 3, " ");
					fmt(out, "+34 %s", g);
				}
				else if (style == 2)
				{
					group(g, nsn, s3222, 4, " ");
					fmt(out, "%s", g);
				}
				else if (style == 3)
					fmt(out, "0034 %s", nsn);
				else if (style == 4)
				{
					group(g, nsn, s333, 3, "-");
					fmt(out, "%s", g);
				}
				else
					fmt(out, "%s", nsn);
				break;
			}
		case C_MX:
			{
				int			s[3] = {(int) alen, alen == 2 ? 4 : 3, 4};

				group(g, nsn, s, 3, " ");
				if (style == 0)
					fmt(out, "+52 %s", g);
				else if (style == 1)
					fmt(out, "+52 1 %s", g);	/* pre-2019 mobile form */
				else if (style == 2)
					fmt(out, "(%.*s) %.*s-%s", (int) alen, nsn, s[1], nsn + alen, nsn + alen + s[1]);
				else if (style == 3)
					fmt(out, "01 %s", g);	/* old long-distance prefix */
				else if (style == 4)
					fmt(out, "044 %s", g);	/* old local mobile prefix */
				else
					fmt(out, "%s", nsn);
				break;
			}
		case C_AR:
			{
				const char *sub = nsn + alen;
				size_t		slen = strlen(sub);

				if (p->mobile)
				{
					/* national mobile: 0 area 15 subscriber */
					if (style == 0)
						fmt(out, "+54 9 %s %.*s-%s", area, (int) slen - 4, sub, sub + slen - 4);
					else if (style == 1)
						fmt(out, "0%s 15-%.*s-%s", area, (int) slen - 4, sub, sub + slen - 4);
					else if (style == 2)
						fmt(out, "(0%s) 15 %.*s %s", area, (int) slen - 4, sub, sub + slen - 4);
					else if (style == 3)
						fmt(out, "+549%s%s", area, sub);
					else if (style == 4)
						fmt(out, "00 54 9 %s %s", area, sub);
					else
						fmt(out, "0%s15%s", area, sub);
				}
				else
				{
					if (style <= 1)
						fmt(out, "(0%s) %.*s-%s", area, (int) slen - 4, sub, sub + slen - 4);
					else if (style == 2)
						fmt(out, "+54 %s %.*s %s", area, (int) slen - 4, sub, sub + slen - 4);
					else if (style == 3)
						fmt(out, "0%s-%s", area, sub);
					else
						fmt(out, "+54%s", nsn);
				}
				break;
			}
		case C_CO:
			{
				static const int s334[] = {3, 3, 4}, s37[] = {3, 7};

				if (style == 0)
				{
					group(g, nsn, s334, 3, " ");
					fmt(out, "+57 %s", g);
				}
				else if (style == 1)
				{
					group(g, nsn, s37, 2, " ");
					fmt(out, "%s", g);
				}
				else if (style == 2)
					fmt(out, "(%.3s) %.3s %s", nsn, nsn + 3, nsn + 6);
				else if (style == 3)
					fmt(out, "0057 %s", nsn);
				else if (style == 4)
					fmt(out, "+57-%.3s-%.3s-%s", nsn, nsn + 3, nsn + 6);
				else
					fmt(out, "%s", nsn);
				break;
			}
		case C_CL:
			{
				size_t		plen = p->mobile ? 1 : alen;
				const char *sub = nsn + plen;

				if (style == 0)
					fmt(out, "+56 %.*s %.4s %s", (int) plen, nsn, sub, sub + 4);
				else if (style == 1)
					fmt(out, "%.*s %.4s %s", (int) plen, nsn, sub, sub + 4);
				else if (style == 2 && p->mobile)
					fmt(out, "09-%.4s %s", sub, sub + 4);	/* pre-2012 form */
				else if (style == 2)
					fmt(out, "(%.*s) %.4s %s", (int) plen, nsn, sub, sub + 4);
				else if (style == 3)
					fmt(out, "+56%s", nsn);
				else
					fmt(out, "%s", nsn);
				break;
			}
		case C_PE:
			if (p->mobile)
			{
				if (style <= 1)
					fmt(out, "+51 %.3s %.3s %s", nsn, nsn + 3, nsn + 6);
				else if (style == 2)
					fmt(out, "%.3s-%.3s-%s", nsn, nsn + 3, nsn + 6);
				else if (style == 3)
					fmt(out, "0051%s", nsn);
				else
					fmt(out, "%s", nsn);
			}
			else
			{
				const char *sub = nsn + alen;

				if (style <= 1)
					fmt(out, "(0%s) %.3s-%s", area, sub, sub + 3);
				else if (style == 2)
					fmt(out, "+51 %s %s", area, sub);
				else
					fmt(out, "0%s %s", area, sub);
			}
			break;
		case C_UY:
			if (style == 0)
				fmt(out, "+598 %.2s %.3s %s", nsn, nsn + 2, nsn + 5);
			else if (style == 1 && p->mobile)
				fmt(out, "0%.2s %.3s %s", nsn, nsn + 2, nsn + 5);
			else if (style == 1)
				fmt(out, "%.4s %s", nsn, nsn + 4);
			else if (style == 2)
				fmt(out, "+598%s", nsn);
			else if (p->mobile)
				fmt(out, "0%s", nsn);
			else
				fmt(out, "%s", nsn);
			break;
		case C_US:
			if (style == 0)
				fmt(out, "(%.3s) %.3s-%s", nsn, nsn + 3, nsn + 6);
			else if (style == 1)
				fmt(out, "%.3s-%.3s-%s", nsn, nsn + 3, nsn + 6);
			else if (style == 2)
				fmt(out, "%.3s.%.3s.%s", nsn, nsn + 3, nsn + 6);
			else if (style == 3)
				fmt(out, "+1 %.3s %.3s %s", nsn, nsn + 3, nsn + 6);
			else if (style == 4)
				fmt(out, "1-%.3s-%.3s-%s", nsn, nsn + 3, nsn + 6);
			else
				fmt(out, "%s", nsn);
			break;
		case C_GB:
			{
				size_t		plen = p->mobile ? 4 : alen;
				const char *sub = nsn + plen;

				if (style == 0)
					fmt(out, "0%.*s %s", (int) plen, nsn, sub);
				else if (style == 1)
					fmt(out, "+44 %.*s %s", (int) plen, nsn, sub);
				else if (style == 2)
					fmt(out, "+44 (0)%.*s %s", (int) plen, nsn, sub);
				else if (style == 3)
					fmt(out, "0044 %s", nsn);
				else if (style == 4 && !p->mobile)
					fmt(out, "(0%.*s) %.3s %s", (int) plen, nsn, sub, sub + 3);
				else
					fmt(out, "0%s", nsn);
				break;
			}
		default:
			break;
	}
	if (p->ext)
	{
		char		e[FIELD_MAX];

		fmt(e, "%s%d", p->country == C_GB || p->country == C_US ?
				(rng_int(rng, 2) ? " ext. " : " x") : (rng_int(rng, 2) ? " int. " : " ext "),
				p->ext);
		buf_cat(out, e);
	}
}

/* ---------------------------------------------------------------- national ids */

static void
make_dni_es(Rng *rng, Person *p)
{
	static const char letters[] = "TRWAGMYFPDXBNJZSQVHLCKE";
	long		n = 1000000 + rng_int(rng, 79000000);

	if (chance(rng, 0.12))
	{
		/* NIE: X/Y/Z stands for 0/1/2 in front of 7 digits */
		int			k = rng_int(rng, 3);
		long		m = n % 10000000;

		fmt(p->national_id, "%c%07ld%c", "XYZ"[k], m, letters[(k * 10000000 + m) % 23]);
	}
	else
		fmt(p->national_id, "%08ld%c", n, letters[n % 23]);
}

static void
make_cuit_ar(Rng *rng, Person *p)
{
	static const int w[10] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
	long		dni = 10000000 + rng_int(rng, 35000000);
	char		body[FIELD_MAX];
	int			sum = 0,
				check;

	fmt(body, "%s%08ld", p->female ? "27" : "20", dni);
	for (int i = 0; i < 10; i++)
		sum += (body[i] - '0') * w[i];
	check = 11 - sum % 11;
	if (check == 11)
		check = 0;
	else if (check == 10)
	{
		/* the AFIP rule: prefix 23, check 9 (men) or 4 (women) */
		body[0] = '2';
		body[1] = '3';
		check = p->female ? 4 : 9;
	}
	fmt(p->national_id, "%.2s-%s-%d", body, body + 2, check);
}

static int
is_vowel(char c)
{
	return strchr("AEIOU", c) != NULL;
}

/* the first interior vowel / consonant of an ASCII upper-case word */
static char
interior(const char *w, int vowel)
{
	for (int i = 1; w[i]; i++)
		if (isalpha((unsigned char) w[i]) && is_vowel(w[i]) == vowel)
			return w[i];
	return 'X';
}

/* map a name part to the ASCII upper case used by CURP and RFC */
static void
curp_word(char *dst, const char *src)
{
	buf_set(dst, src);
	/* Ñ becomes X in CURP */
	for (char *p = dst; p[0] && p[1]; p++)
		if ((unsigned char) p[0] == 0xC3 && ((unsigned char) p[1] == 0xB1 || (unsigned char) p[1] == 0x91))
		{
			p[0] = 'X';
			memmove(p + 1, p + 2, strlen(p + 2) + 1);
		}
	strip_accents(dst);
	utf8_case(dst, 1);
	/* first word only, as with "María José": use the first name */
	for (char *p = dst; *p; p++)
		if (*p == ' ' || *p == '\'')
		{
			*p = '\0';
			break;
		}
}

static void
make_curp_rfc_mx(Rng *rng, Person *p)
{
	static const char *const states[] = {
		"DF", "JC", "NL", "PL", "QT", "YN", "BC", "GT", "MC", "VZ",
	};
	static const char curp_dict[] = "0123456789ABCDEFGHIJKLMN\x01OPQRSTUVWXYZ";
	static const char rfc_dict[] = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ \x01";
	char		g[FIELD_MAX],
				f1[FIELD_MAX],
				f2[FIELD_MAX];
	char		id[FIELD_MAX];
	int			sum = 0;
	int			rfc = chance(rng, 0.3);

	curp_word(g, p->given);
	curp_word(f1, p->family1);
	curp_word(f2, p->family2[0] ? p->family2 : "X");
	fmt(id, "%c%c%c%c%02d%02d%02d", f1[0], interior(f1, 1), f2[0], g[0],
			p->birth_y % 100, p->birth_m, p->birth_d);
	if (rfc)
	{
		/* RFC: 10 characters as above, a 2-character homoclave, a check */
		const char *alnum = "ABCDEFGHIJKLMNPQRSTUVWXYZ123456789";
		int			r;

		id[10] = alnum[rng_int(rng, 34)];
		id[11] = alnum[rng_int(rng, 34)];
		id[12] = '\0';
		for (int i = 0; i < 12; i++)
			sum += (int) (strchr(rfc_dict, id[i]) - rfc_dict) * (13 - i);
		r = sum % 11;
		id[12] = r == 0 ? '0' : (11 - r == 10 ? 'A' : (char) ('0' + 11 - r));
		id[13] = '\0';
	}
	else
	{
		/* CURP: sex, state, interior consonants, century digit, check */
		fmt(id + 10, "%c%s%c%c%c%c", p->female ? 'M' : 'H', PICK(rng, states),
				interior(f1, 0), interior(f2, 0), interior(g, 0),
				p->birth_y < 2000 ? '0' + rng_int(rng, 10) : 'A' + rng_int(rng, 26));
		for (int i = 0; i < 17; i++)
			sum += (int) (strchr(curp_dict, id[i]) - curp_dict) * (18 - i);
		id[17] = (char) ('0' + (10 - sum % 10) % 10);
		id[18] = '\0';
	}
	buf_set(p->national_id, id);
}

static void
make_rut_cl(Rng *rng, Person *p)
{
	long		n = 5000000 + rng_int(rng, 22000000);
	long		m = n;
	int			sum = 0,
				w = 2,
				r;

	for (; m > 0; m /= 10)
	{
		sum += (int) (m % 10) * w;
		w = w == 7 ? 2 : w + 1;
	}
	r = 11 - sum % 11;
	fmt(p->national_id, "%ld.%03ld.%03ld-%c", n / 1000000, n / 1000 % 1000, n % 1000,
			r == 11 ? '0' : r == 10 ? 'K' : (char) ('0' + r));
}

static void
make_ci_uy(Rng *rng, Person *p)
{
	static const int w[7] = {2, 9, 8, 7, 6, 3, 4};
	long		n = 1000000 + rng_int(rng, 5000000);
	char		d[FIELD_MAX];
	int			sum = 0;

	fmt(d, "%07ld", n);
	for (int i = 0; i < 7; i++)
		sum += (d[i] - '0') * w[i];
	fmt(p->national_id, "%c.%.3s.%.3s-%d", d[0], d + 1, d + 4, (10 - sum % 10) % 10);
}

static void
make_national_id(Rng *rng, Person *p)
{
	p->national_id[0] = '\0';
	switch (p->country)
	{
		case C_ES:
			make_dni_es(rng, p);
			break;
		case C_AR:
			make_cuit_ar(rng, p);
			break;
		case C_MX:
			make_curp_rfc_mx(rng, p);
			break;
		case C_CL:
			make_rut_cl(rng, p);
			break;
		case C_UY:
			make_ci_uy(rng, p);
			break;
		case C_CO:				/* cédula: no check digit */
			fmt(p->national_id, "%d", 10000000 + rng_int(rng, 1190000000));
			break;
		case C_PE:				/* DNI: 8 digits */
			fmt(p->national_id, "%08d", 10000000 + rng_int(rng, 80000000));
			break;
		default:
			break;
	}
}

/* ---------------------------------------------------------------- person */

static void
make_postcode(Rng *rng, Person *p)
{
	const City *c = &countries[p->country].cities[p->city];
	int			n = c->post_lo + rng_int(rng, c->post_hi - c->post_lo + 1);

	switch (p->country)
	{
		case C_ES:
		case C_MX:
		case C_PE:
		case C_UY:
		case C_US:
			fmt(p->postcode, "%05d", n);
			break;
		case C_AR:				/* CPA: province letter, 4 digits, block */
			if (chance(rng, 0.4))
				fmt(p->postcode, "%c%04d%c%c%c", p->city == 0 ? 'C' : "CXSMBB"[p->city],
						n, 'A' + rng_int(rng, 26), 'A' + rng_int(rng, 26), 'A' + rng_int(rng, 26));
			else
				fmt(p->postcode, "%04d", n);
			break;
		case C_CO:
			fmt(p->postcode, "%06d", n);
			break;
		case C_CL:
			fmt(p->postcode, "%07d", n / 10 * 10);
			break;
		case C_GB:
			if (p->city == 0)
				fmt(p->postcode, "%s%d %d%c%c", PICK(rng, london_outward), 1 + rng_int(rng, 20),
						rng_int(rng, 10), "ABDEFGHJLNPQRSTUWXYZ"[rng_int(rng, 20)],
						"ABDEFGHJLNPQRSTUWXYZ"[rng_int(rng, 20)]);
			else
				fmt(p->postcode, "%s%d %d%c%c", gb_area_letters[p->city], n,
						rng_int(rng, 10), "ABDEFGHJLNPQRSTUWXYZ"[rng_int(rng, 20)],
						"ABDEFGHJLNPQRSTUWXYZ"[rng_int(rng, 20)]);
			break;
		default:
			p->postcode[0] = '\0';
	}
}

static Country
pick_country(Rng *rng)
{
	int			r = rng_int(rng, 100);

	for (int c = 0; c < C_COUNT; c++)
	{
		if (r < countries[c].weight)
			return (Country) c;
		r -= countries[c].weight;
	}
	return C_ES;
}

/*
 * The mailboxes handed out so far, as 64-bit hashes in an open-addressing
 * table that doubles when half full (about 16 MB for a million people).
 */
typedef struct Mailboxes
{
	uint64_t   *slots;			/* 0 = empty */
	size_t		capacity;		/* a power of two */
	size_t		used;
} Mailboxes;

static uint64_t
hash_string(const char *s)
{
	uint64_t	h = UINT64_C(1469598103934665603);

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * UINT64_C(1099511628211);
	return h ? h : 1;
}

static void
mailboxes_put(Mailboxes *mb, uint64_t h)
{
	size_t		i = (size_t) h & (mb->capacity - 1);

	while (mb->slots[i] != 0)
		i = (i + 1) & (mb->capacity - 1);
	mb->slots[i] = h;
	mb->used++;
}

/* false when the address is taken; else records it */
static int
mailbox_claim(Mailboxes *mb, const char *email)
{
	uint64_t	h = hash_string(email);
	size_t		i;

	if ((mb->used + 1) * 2 > mb->capacity)
	{
		Mailboxes	bigger = {calloc(mb->capacity * 2, sizeof(uint64_t)), mb->capacity * 2, 0};

		if (!bigger.slots)
		{
			fprintf(stderr, "contactgen: out of memory\n");
			exit(1);
		}
		for (size_t k = 0; k < mb->capacity; k++)
			if (mb->slots[k])
				mailboxes_put(&bigger, mb->slots[k]);
		free(mb->slots);
		*mb = bigger;
	}
	for (i = (size_t) h & (mb->capacity - 1); mb->slots[i] != 0; i = (i + 1) & (mb->capacity - 1))
		if (mb->slots[i] == h)
			return 0;
	mailboxes_put(mb, h);
	return 1;
}

static void
make_email(Rng *rng, Person *p, Mailboxes *mailboxes)
{
	const CountryInfo *ci = &countries[p->country];
	char		g[FIELD_MAX],
				f1[FIELD_MAX],
				f2[FIELD_MAX],
				local[FIELD_MAX],
				domain[FIELD_MAX];
	int			r;

	slug(g, p->given, 0);
	slug(f1, p->family1, 0);
	slug(f2, p->family2, 0);
	switch (rng_int(rng, 8))
	{
		case 0:
			fmt(local, "%s.%s", g, f1);
			break;
		case 1:
			fmt(local, "%c%s", g[0], f1);
			break;
		case 2:
			fmt(local, "%s_%s%02d", g, f1, p->birth_y % 100);
			break;
		case 3:
			if (f2[0])
				fmt(local, "%s.%s.%s", g, f1, f2);
			else
				fmt(local, "%s%s", g, f1);
			break;
		case 4:
			fmt(local, "%s.%s", f1, g);
			break;
		case 5:
			fmt(local, "%s%d", g, 1 + rng_int(rng, 999));
			break;
		case 6:
			fmt(local, "%s%s%c", g, f1, f2[0] ? f2[0] : 'x');
			break;
		default:
			fmt(local, "%c.%s%d", g[0], f1, p->birth_y);
			break;
	}
	r = rng_int(rng, 100);
	if (p->has_company && r < 20)
	{
		char		c[FIELD_MAX];

		/* company mailboxes: initial + surname or given.surname */
		slug(c, p->company, 0);
		c[18] = '\0';
		if (rng_int(rng, 2))
			fmt(local, "%c%s", g[0], f1);
		else
			fmt(local, "%s.%s", g, f1);
		fmt(domain, "%s.%s", c, ci->tld);
	}
	else if (r < 52)
		strcpy(domain, "gmail.com");
	else if (r < 66)
		strcpy(domain, p->country == C_ES ? "hotmail.es" : p->country == C_AR ? "hotmail.com.ar" :
			   p->country == C_GB ? "hotmail.co.uk" : "hotmail.com");
	else if (r < 76)
		strcpy(domain, p->country == C_MX ? "yahoo.com.mx" : p->country == C_ES ? "yahoo.es" :
			   p->country == C_GB ? "yahoo.co.uk" : "yahoo.com");
	else if (r < 86)
		strcpy(domain, p->country == C_ES ? "outlook.es" : "outlook.com");
	else if (r < 91)
		strcpy(domain, rng_int(rng, 2) ? "icloud.com" : "live.com");
	else
		strcpy(domain, ci->isp);
	local[40] = '\0';
	fmt(p->email, "%s@%s", local, domain);
	/* a mailbox belongs to one person: common names get digits, as in life */
	for (int tries = 0; !mailbox_claim(mailboxes, p->email); tries++)
	{
		char		numbered[FIELD_MAX];

		fmt(numbered, "%s%d", local, tries < 8 ? 1 + rng_int(rng, 99) : 100 + rng_int(rng, 99900));
		fmt(p->email, "%s@%s", numbered, domain);
	}
}

static void
make_person(Rng *rng, Person *p, const Person *relative, Mailboxes *mailboxes)
{
	const CountryInfo *ci;
	int			spanish_name;

	memset(p, 0, sizeof(*p));
	p->country = relative ? relative->country : pick_country(rng);
	ci = &countries[p->country];
	p->female = rng_int(rng, 2);
	/* some US people have Hispanic names */
	spanish_name = ci->spanish || (p->country == C_US && chance(rng, 0.15));
	if (spanish_name)
		buf_set(p->given, p->female ? es_female[rng_zipf(rng, (int) COUNTOF(es_female))] :
				es_male[rng_zipf(rng, (int) COUNTOF(es_male))]);
	else
		buf_set(p->given, p->female ? en_female[rng_zipf(rng, (int) COUNTOF(en_female))] :
				en_male[rng_zipf(rng, (int) COUNTOF(en_male))]);
	if (relative)
	{
		/* a sibling or spouse: same surname(s), home, landline */
		buf_set(p->family1, relative->family1);
		buf_set(p->family2, relative->family2);
	}
	else if (spanish_name)
	{
		buf_set(p->family1, es_surname[rng_zipf(rng, (int) COUNTOF(es_surname))]);
		/* two surnames except where one is customary in practice */
		if ((p->country != C_AR && p->country != C_UY && p->country != C_US) || chance(rng, 0.15))
			buf_set(p->family2, es_surname[rng_zipf(rng, (int) COUNTOF(es_surname))]);
	}
	else
		buf_set(p->family1, en_surname[rng_zipf(rng, (int) COUNTOF(en_surname))]);

	p->birth_y = 1941 + rng_int(rng, 67);
	p->birth_m = 1 + rng_int(rng, 12);
	p->birth_d = 1 + rng_int(rng, 28);
	p->city = relative ? relative->city : rng_int(rng, ci->ncities);
	if (relative)
		buf_set(p->postcode, relative->postcode);
	else
		make_postcode(rng, p);
	p->has_company = chance(rng, 0.55);
	if (p->has_company)
	{
		char		name[FIELD_MAX];

		if (ci->spanish)
			fmt(name, "%s %s %s", company_head_es[rng_zipf(rng, (int) COUNTOF(company_head_es))],
					company_tail_es[rng_int(rng, (int) COUNTOF(company_tail_es))],
					ci->suffixes[rng_int(rng, ci->nsuffixes)]);
		else
			fmt(name, "%s %s %s", company_head_en[rng_zipf(rng, (int) COUNTOF(company_head_en))],
					company_tail_en[rng_int(rng, (int) COUNTOF(company_tail_en))],
					ci->suffixes[rng_int(rng, ci->nsuffixes)]);
		buf_set(p->company, name);
	}
	if (relative && !relative->mobile)
	{
		memcpy(p->national_number, relative->national_number, sizeof(p->national_number));
		p->mobile = 0;
		p->ext = 0;
	}
	else
		make_phone(rng, p);
	make_email(rng, p, mailboxes);
	make_national_id(rng, p);
}

/* ---------------------------------------------------------------- records */

/* the legal-form suffix variants a person might type for the same company */
static void
company_variant(Rng *rng, char *s)
{
	static const char *const pairs[][2] = {
		{" S.A. de C.V.", " SA de CV"}, {" S.A. de C.V.", " S.A. DE C.V."},
		{" S.A. de C.V.", ""}, {" S. de R.L. de C.V.", " S de RL de CV"},
		{" S.A.P.I. de C.V.", " SAPI de CV"}, {" S.A.S.", " SAS"},
		{" S.A.C.", " SAC"}, {" S.R.L.", " SRL"}, {" S.L.U.", " SLU"},
		{" S.L.", " SL"}, {" S.L.", " Sociedad Limitada"}, {" S.A.", " SA"},
		{" S.A.", " S. A."}, {" S.A.", " Sociedad Anónima"}, {" Ltda.", " Limitada"},
		{" Ltda.", " Ltda"}, {" E.I.R.L.", " EIRL"}, {" SpA", " S.p.A."},
		{" Inc.", " Inc"}, {" Inc.", ", Inc."}, {" Inc.", " Incorporated"},
		{" LLC", " L.L.C."}, {" Corp.", " Corporation"}, {" Ltd", " Limited"},
		{" Ltd", " Ltd."}, {" PLC", " plc"}, {" LLP", ""},
	};
	int			start = rng_int(rng, (int) COUNTOF(pairs));

	for (int k = 0; k < (int) COUNTOF(pairs); k++)
	{
		int			i = (start + k) % (int) COUNTOF(pairs);
		size_t		len = strlen(s),
					flen = strlen(pairs[i][0]);

		if (len > flen && strcmp(s + len - flen, pairs[i][0]) == 0)
		{
			s[len - flen] = '\0';
			buf_cat(s, pairs[i][1]);
			return;
		}
	}
}

/* Gmail ignores dots and +tags; people use both */
static void
gmail_variant(Rng *rng, char *email)
{
	char	   *at = strchr(email, '@');
	char		local[FIELD_MAX],
				out[FIELD_MAX];
	size_t		n;

	if (!at)
		return;
	n = (size_t) (at - email);
	memcpy(local, email, n);
	local[n] = '\0';
	if (rng_int(rng, 2) && n > 3)
	{
		/* remove all dots, or add one in the middle */
		char	   *dot = strchr(local, '.');

		if (dot)
			memmove(dot, dot + 1, strlen(dot));
		else
		{
			memmove(local + n / 2 + 1, local + n / 2, n - n / 2 + 1);
			local[n / 2] = '.';
		}
	}
	else
	{
		static const char *const tags[] = {"+news", "+shop", "+crm", "+promo", "+2019"};

		buf_cat(local, PICK(rng, tags));
	}
	fmt(out, "%s@%s", local, chance(rng, 0.2) ? "googlemail.com" : "gmail.com");
	buf_set(email, out);
}

/* an invalid address as people mistype them */
static void
break_email(Rng *rng, char *email)
{
	static const char *const bad_domains[][2] = {
		{"@gmail.com", "@gmial.com"}, {"@gmail.com", "@gmail.con"},
		{"@hotmail.com", "@hotmial.com"}, {"@hotmail.com", "@hotmail.co"},
		{"@yahoo.com", "@yahoo..com"}, {"@outlook.com", "@outlok.con"},
	};
	char	   *at = strchr(email, '@');
	int			kind = rng_int(rng, 4);

	if (!at)
		return;
	if (kind == 0)
	{
		for (int i = 0; i < (int) COUNTOF(bad_domains); i++)
			if (strcmp(at, bad_domains[i][0]) == 0)
			{
				strcpy(at, bad_domains[i][1]);
				return;
			}
		kind = 1;
	}
	if (kind == 1)				/* missing @ */
		memmove(at, at + 1, strlen(at));
	else if (kind == 2)			/* double dot in the local part or domain */
	{
		char	   *dot = strchr(email, '.');

		if (dot && strlen(email) + 1 < FIELD_MAX)
		{
			memmove(dot + 1, dot, strlen(dot) + 1);
			*dot = '.';
		}
		else
			*at = ' ';
	}
	else						/* space instead of @, or a trailing comma */
	{
		if (rng_int(rng, 2))
			*at = ' ';
		else
			buf_cat(email, ",");
	}
}

static void
render_birth_date(Rng *rng, const Person *p, char *out, int perturb)
{
	int			y = p->birth_y,
				m = p->birth_m,
				d = p->birth_d;
	int			style = rng_int(rng, 10);

	if (perturb)
	{
		int			k = rng_int(rng, 3);

		if (k == 0 && d <= 12 && d != m)
		{
			int			t = d;	/* day and month swapped */

			d = m;
			m = t;
		}
		else if (k == 1)
			d = d == 28 ? 27 : d + 1;	/* one digit off */
		else
			y = (y / 10 % 10 != y % 10) ? (y / 100 * 100 + (y % 10) * 10 + y / 10 % 10) : y + 1;	/* 1978 -> 1987 */
		if (y > 2008 || y < 1920)
			y = p->birth_y;
	}
	if (style < 7)
		fmt(out, "%04d-%02d-%02d", y, m, d);
	else if (p->country == C_US)
		fmt(out, "%02d/%02d/%04d", m, d, y);
	else if (style == 7)
		fmt(out, "%02d/%02d/%04d", d, m, y);
	else if (style == 8)
		fmt(out, "%d/%d/%04d", d, m, y);
	else
		fmt(out, "%02d-%02d-%04d", d, m, y);
}

/* a way of writing the same national id: dots, dashes, spaces, case */
static void
render_national_id(Rng *rng, const Person *p, char *out)
{
	char		d[FIELD_MAX];

	buf_set(out, p->national_id);
	if (!out[0] || !chance(rng, 0.3))
		return;
	switch (p->country)
	{
		case C_CL:
		case C_UY:
		case C_AR:
			/* without separators except the check digit dash, or none */
			{
				char	   *dash = strrchr(out, '-');
				char		check = dash ? dash[1] : '\0';

				if (dash)
					*dash = '\0';
				digits_only(d, out);
				if (rng_int(rng, 2))
					fmt(out, "%s-%c", d, check);
				else
					fmt(out, "%s%c", d, check);
			}
			break;
		case C_ES:
			if (rng_int(rng, 2))
			{
				size_t		n = strlen(out);

				fmt(d, "%.*s-%c", (int) n - 1, out, out[n - 1]);
				buf_set(out, d);
			}
			else
				utf8_case(out, 0);
			break;
		default:
			utf8_case(out, 0);
	}
}

static void
collapse_name(char *full, const Person *p)
{
	full[0] = '\0';
	buf_cat(full, p->given);
	buf_cat(full, " ");
	buf_cat(full, p->family1);
	if (p->family2[0])
	{
		buf_cat(full, " ");
		buf_cat(full, p->family2);
	}
}

/*
 * The record as first entered: mostly clean, with the ordinary gaps and
 * the ordinary share of invalid values.
 */
static void
first_record(Rng *rng, const Person *p, Record *r)
{
	const CountryInfo *ci = &countries[p->country];

	memset(r, 0, sizeof(*r));
	collapse_name(r->full_name, p);
	if (chance(rng, 0.92))
	{
		buf_set(r->given, p->given);
		buf_set(r->family, p->family1);
		if (p->family2[0])
		{
			buf_cat(r->family, " ");
			buf_cat(r->family, p->family2);
		}
	}
	if (chance(rng, 0.9))
		buf_set(r->email, p->email);
	if (chance(rng, 0.86))
		render_phone(rng, p, r->phone);
	buf_set(r->region, ci->code);
	if (p->has_company)
		buf_set(r->company, p->company);
	if (chance(rng, 0.9))
		buf_set(r->city, ci->cities[p->city].name);
	if (chance(rng, 0.7))
		buf_set(r->postcode, p->postcode);
	if (chance(rng, 0.65))
		render_birth_date(rng, p, r->birth_date, 0);
	if (chance(rng, 0.7))
		render_national_id(rng, p, r->national_id);
}

static const char *
nickname_of(Rng *rng, const char *given)
{
	int			found[4],
				n = 0;

	for (int i = 0; i < (int) COUNTOF(nicknames) && n < 4; i++)
		if (strcmp(nicknames[i][0], given) == 0)
			found[n++] = i;
	return n ? nicknames[found[rng_int(rng, n)]][1] : NULL;
}

/*
 * A later record of the same person, typed by someone else: one to three
 * perturbations of the first record's values plus fresh renderings of the
 * phone and the e-mail.
 */
static void
duplicate_record(Rng *rng, const Person *p, const Record *first, Record *r)
{
	int			edits = 1 + rng_int(rng, 3);

	*r = *first;
	/* a fresh record re-fills some of the gaps the first one had */
	if (!r->email[0] && chance(rng, 0.5))
		buf_set(r->email, p->email);
	if (chance(rng, 0.7))
		render_phone(rng, p, r->phone);
	if (!r->birth_date[0] && chance(rng, 0.3))
		render_birth_date(rng, p, r->birth_date, 0);

	for (int e = 0; e < edits; e++)
	{
		switch (rng_int(rng, 16))
		{
			case 0:				/* typo in the given or family name */
			case 1:
				if (rng_int(rng, 2))
					typo(rng, r->given);
				else
					typo(rng, r->family);
				collapse_name(r->full_name, p);
				if (r->given[0] && r->family[0])
					fmt(r->full_name, "%.90s %.90s", r->given, r->family);
				break;
			case 2:				/* nickname */
				{
					const char *nick = nickname_of(rng, p->given);

					if (nick)
					{
						buf_set(r->given, nick);
						fmt(r->full_name, "%.90s %.90s", nick, r->family[0] ? r->family : p->family1);
					}
					else
						typo(rng, r->full_name);
				}
				break;
			case 3:				/* accents dropped everywhere */
				strip_accents(r->full_name);
				strip_accents(r->given);
				strip_accents(r->family);
				strip_accents(r->city);
				break;
			case 4:				/* upper or lower case, extra spaces */
				{
					int			upper = rng_int(rng, 2);

					utf8_case(r->full_name, upper);
					utf8_case(r->given, upper);
					utf8_case(r->family, upper);
					if (chance(rng, 0.5))
					{
						char		t[FIELD_MAX];

						fmt(t, "  %.80s   %.80s ", r->given[0] ? r->given : p->given,
								r->family[0] ? r->family : p->family1);
						buf_set(r->full_name, t);
					}
				}
				break;
			case 5:				/* "Family Family, Given" */
				fmt(r->full_name, "%.90s, %.90s", r->family[0] ? r->family : p->family1,
						r->given[0] ? r->given : p->given);
				break;
			case 6:				/* given and family swapped between columns */
				{
					char		t[FIELD_MAX];

					buf_set(t, r->given);
					buf_set(r->given, r->family);
					buf_set(r->family, t);
				}
				break;
			case 7:				/* second surname dropped */
				if (p->family2[0])
				{
					buf_set(r->family, p->family1);
					fmt(r->full_name, "%.90s %.90s", r->given[0] ? r->given : p->given, p->family1);
				}
				else
					r->given[0] = '\0';
				break;
			case 8:				/* e-mail written differently */
				if (strstr(r->email, "@gmail.com"))
					gmail_variant(rng, r->email);
				else if (chance(rng, 0.5))
					utf8_case(r->email, 1);
				else
					r->email[0] = '\0';
				break;
			case 9:				/* missing fields */
				if (rng_int(rng, 2))
					r->phone[0] = '\0';
				else
					r->email[0] = '\0';
				r->postcode[0] = '\0';
				break;
			case 10:			/* company written differently */
				if (r->company[0])
				{
					company_variant(rng, r->company);
					if (chance(rng, 0.3))
						utf8_case(r->company, 1);
				}
				else
					r->city[0] = '\0';
				break;
			case 11:			/* birth date off or swapped */
				render_birth_date(rng, p, r->birth_date, chance(rng, 0.6));
				break;
			case 12:			/* national id missing, re-formatted, mistyped */
				if (chance(rng, 0.4))
					r->national_id[0] = '\0';
				else
				{
					render_national_id(rng, p, r->national_id);
					if (chance(rng, 0.3) && r->national_id[0])
					{
						size_t		n = strlen(r->national_id);
						char	   *c = &r->national_id[rng_int(rng, (int) n)];

						if (isdigit((unsigned char) *c))
							*c = (char) ('0' + (*c - '0' + 1) % 10);
					}
				}
				break;
			case 13:			/* only the full name column was filled */
				r->given[0] = '\0';
				r->family[0] = '\0';
				break;
			case 14:			/* moved or changed jobs: new city or company */
				if (rng_int(rng, 2))
					r->company[0] = '\0';
				else
					r->city[0] = '\0';
				break;
			default:			/* transposed letters in the full name */
				typo(rng, r->full_name);
				break;
		}
	}
}

/* invalid values as they are found in any CRM (~5-10% of rows) */
static void
spoil_record(Rng *rng, const Person *p, Record *r)
{
	if (r->email[0] && chance(rng, 0.05))
		break_email(rng, r->email);
	if (r->phone[0] && chance(rng, 0.04))
	{
		char		d[FIELD_MAX];

		digits_only(d, r->phone);
		if (rng_int(rng, 2) && strlen(d) > 6)
			d[strlen(d) - 1 - rng_int(rng, 3)] = '\0';	/* too short */
		else
			buf_cat(d, rng_int(rng, 2) ? "7" : "42");	/* too long */
		buf_set(r->phone, d);
	}
	if (r->national_id[0] && chance(rng, 0.02))
	{
		/* one digit mistyped: the check digit no longer matches */
		for (char *c = r->national_id; *c; c++)
			if (isdigit((unsigned char) *c) && rng_int(rng, 3) == 0)
			{
				*c = (char) ('0' + (*c - '0' + 3) % 10);
				break;
			}
	}
	(void) p;
}

/* ---------------------------------------------------------------- output */

static void
put_field(FILE *out, const char *s)
{
	int			quote = 0;

	if (!s[0])
		return;					/* unquoted empty is NULL for COPY csv */
	for (const char *c = s; *c; c++)
		if (*c == ',' || *c == '"' || *c == '\n' || *c == '\r')
			quote = 1;
	/* leading/trailing spaces survive COPY unquoted, but be explicit */
	if (s[0] == ' ' || s[strlen(s) - 1] == ' ')
		quote = 1;
	if (!quote)
	{
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const char *c = s; *c; c++)
	{
		if (*c == '"')
			fputc('"', out);
		fputc(*c, out);
	}
	fputc('"', out);
}

static void
put_row(FILE *out, long id, long truth, const Record *r, int consent, long updated)
{
	long		day = updated / 86400,
				sec = updated % 86400;
	/* civil-from-days (Howard Hinnant's algorithm), epoch 1970-01-01 */
	long		z = day + 719468,
				era = z / 146097,
				doe = z - era * 146097,
				yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365,
				doy = doe - (365 * yoe + yoe / 4 - yoe / 100),
				mp = (5 * doy + 2) / 153,
				dd = doy - (153 * mp + 2) / 5 + 1,
				mm = mp < 10 ? mp + 3 : mp - 9,
				yy = yoe + era * 400 + (mm <= 2);

	fprintf(out, "%ld,%ld,", id, truth);
	put_field(out, r->full_name);
	fputc(',', out);
	put_field(out, r->given);
	fputc(',', out);
	put_field(out, r->family);
	fputc(',', out);
	put_field(out, r->email);
	fputc(',', out);
	put_field(out, r->phone);
	fputc(',', out);
	put_field(out, r->region);
	fputc(',', out);
	put_field(out, r->company);
	fputc(',', out);
	put_field(out, r->city);
	fputc(',', out);
	put_field(out, r->postcode);
	fputc(',', out);
	put_field(out, r->birth_date);
	fputc(',', out);
	put_field(out, r->national_id);
	fprintf(out, ",%s,%04ld-%02ld-%02ld %02ld:%02ld:%02ld+00\n", consent ? "true" : "false",
			yy, mm, dd, sec / 3600, sec / 60 % 60, sec % 60);
}

static long
gcd(long a, long b)
{
	while (b)
	{
		long		t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static void
usage(void)
{
	fprintf(stderr, "usage: contactgen --rows N --seed S [--dup-rate R]\n"
			"  writes N synthetic contacts as CSV to stdout; R (0 <= R < 1, default 0.25)\n"
			"  is the expected fraction of rows that duplicate an earlier person\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	long		rows = -1;
	uint64_t	seed = 1;
	double		dup_rate = 0.25;
	long		stride;
	long		truth = 0;
	long		emitted = 0;
	Rng			rng;
	Person		person,
				previous;
	int			have_previous = 0;
	static char outbuf[1 << 16];
	Mailboxes	mailboxes = {calloc(1024, sizeof(uint64_t)), 1024, 0};

	for (int i = 1; i < argc; i++)
	{
		char	   *end;

		if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
		{
			rows = strtol(argv[++i], &end, 10);
			if (*end || rows < 0)
				usage();
		}
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
		{
			seed = strtoull(argv[++i], &end, 10);
			if (*end)
				usage();
		}
		else if (strcmp(argv[i], "--dup-rate") == 0 && i + 1 < argc)
		{
			dup_rate = strtod(argv[++i], &end);
			if (*end || dup_rate < 0 || dup_rate >= 1)
				usage();
		}
		else
			usage();
	}
	if (rows < 0)
		usage();

	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	rng.state = seed * UINT64_C(0x2545F4914F6CDD1D) + 17;
	/* ids: i -> (i * stride + offset) mod N + 1, a permutation of 1..N */
	stride = (long) (rows * 0.6180339887) | 1;
	while (rows > 1 && gcd(stride, rows) != 1)
		stride += 2;
	puts("id,truth_id,full_name,given_name,family_name,email,phone,region,company,"
		 "city,postcode,birth_date,national_id,consent,updated_at");

	while (emitted < rows)
	{
		Record		first,
					rec;
		int			copies = 1;
		int			relative = have_previous && chance(&rng, 0.03);
		long		updated = 1514764800L + (long) rng_int(&rng, 240000000);

		make_person(&rng, &person, relative ? &previous : NULL, &mailboxes);
		truth++;
		while (copies < 8 && chance(&rng, dup_rate))
			copies++;
		first_record(&rng, &person, &first);
		for (int c = 0; c < copies && emitted < rows; c++, emitted++)
		{
			long		id = (long) (((unsigned long) emitted * (unsigned long) stride + seed) % (unsigned long) rows) + 1;

			if (c == 0)
				rec = first;
			else
				duplicate_record(&rng, &person, &first, &rec);
			spoil_record(&rng, &person, &rec);
			put_row(stdout, id, truth, &rec, !chance(&rng, 0.03), updated + c * 86400L * rng_int(&rng, 400));
		}
		previous = person;
		have_previous = 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
