/*
 * name_case.c
 *		Proper case for person names (ct_normalize_name, names.h).
 *
 * Casing rules of ct_normalize_name, word by word:
 *	- A word typed all in upper or all in lower case is recased: each
 *	  segment (split at hyphens, apostrophes and dots) gets an upper-case
 *	  first letter and lower-case rest: "JEAN-PIERRE" -> "Jean-Pierre",
 *	  "o'brien" -> "O'Brien".  A first letter typed in upper case is kept as
 *	  typed (so Turkish "İSMAİL" gives "İsmail", not "Ismail").
 *	- A word typed in mixed case ("McDonald", "DeVito", "José") is kept,
 *	  only its first letter raised: the writer meant that casing.
 *	- Particles (de, del, la, los, y, van, der, von, da, dos, di, du, le,
 *	  bin, al-...) are lower case except as the first word of the name or of
 *	  the part after a comma.
 *	- Mc + word: "McDonald"; Mac + word only for the Scottish names in
 *	  mac_names (so Macías, Mack and Machado stay as they are).
 *	- A single letter is an initial and gets a dot ("j" -> "J."), except
 *	  the conjunctions y, e, i after the first word; "J.Perez" is split
 *	  into "J. Perez" (but "J.R.R." stays together).
 *	- Jr, Sr and Roman numerals II to VIII after the first word: "Jr.",
 *	  "Sr.", "III".
 * Case mapping is ICU's simple (one code point to one code point) mapping,
 * which keeps the result idempotent and the same in every locale.
 */
#include "names.h"

#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include "utf8.h"
#include "words.h"

/* Lower case, ASCII only (all particles and suffixes are ASCII). */
static const char *const particles[] = {
	"al", "bin", "binti", "da", "das", "de", "degli", "dei", "del", "della",
	"den", "der", "des", "di", "do", "dos", "du", "e", "i", "ibn", "la", "las",
	"le", "lo", "los", "ten", "ter", "van", "von", "y", "zu", NULL
};

/* Particles that also prefix a surname with a hyphen: "al-Rashid". */
static const char *const hyphen_particles[] = {"al", "el", NULL};

/* The rest of Mac- names whose next letter is a capital, lower case. */
static const char *const mac_names[] = {
	"alister", "allister", "arthur", "askill", "aulay", "bain", "bean", "beth",
	"bride", "callum", "cormack", "cormick", "crae", "culloch", "dermott",
	"donald", "donnell", "dougal", "dougall", "duff", "elroy", "ewan", "ewen",
	"farlane", "gillivray", "gowan", "gregor", "guire", "innes", "intyre",
	"iver", "kay", "kenna", "kenzie", "kinley", "kinnon", "lachlan", "laren",
	"lean", "leod", "lennan", "manus", "master", "millan", "namara",
	"naughton", "neil", "neill", "nicol", "pherson", "phail", "phee",
	"quarrie", "queen", "rae", "ritchie", "sween", "taggart", "vicar", NULL
};

static bool
in_list(const char *const *list, const char *s)
{
	for (int i = 0; list[i] != NULL; i++)
		if (list[i][0] == s[0] && strcmp(list[i], s) == 0)
			return true;
	return false;
}

/*
 * ICU's character properties and simple case mappings.  Names are mostly
 * Latin script, and these run for every letter of every name an entry
 * trigger normalizes: below U+0300 (ASCII, Latin-1, Latin Extended-A and
 * -B) they are answered from a table that ICU itself fills on first use,
 * so the answers are ICU's and a name costs no library call per letter.
 * The core is single-threaded (one table per process).
 */
#define LATIN_END 0x300

/*
 * Hyphens, apostrophes and dots split a word into segments that are
 * title-cased one by one; what separates words is ct_words_typed_space().
 */
static inline bool
is_hyphen(uint32_t c)
{
	return c == '-' || c == 0x2010 || c == 0x2011;
}

static bool
is_segment_break_char(uint32_t c)
{
	return is_hyphen(c) || c == '.' || c == '\'' || c == 0x2019 || c == 0x02BC || c == 0x2018;
}

/*
 * How a letter is written in lower case, as ASCII, or 0 if that is not
 * ASCII.  Words are matched against the lists in the form they will be
 * written, so that "dİ" (written "di") is the particle "di" and "iİ" or
 * "ıI" (written "Ii") the numeral II the first time already, and
 * name_normalize stays idempotent.  Title case first, so that a dotless ı
 * compares as the i it is written as.
 */
static char
ascii_lower_char(uint32_t c)
{
	c = (uint32_t) u_tolower(u_totitle((UChar32) c));
	if (c >= 0x80)
		return 0;
	return (char) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
}

enum
{
	CHAR_ALPHA = 1,
	CHAR_LOWER = 2,
	CHAR_UPPER = 4,
	CHAR_TITLE = 8,
	CHAR_SPACE = 16,
	CHAR_BREAK = 32
};

/*
 * What c is: a letter (general category L, as u_isalpha), lower (Ll, as
 * u_islower), upper (Lu) or title case (Lt), a space, a segment break.
 * One ICU call answers the four letter tests.
 */
static uint8_t
char_flags(uint32_t c)
{
	int8_t		category = u_charType((UChar32) c);
	uint8_t		flags = 0;

	switch (category)
	{
		case U_LOWERCASE_LETTER:
			flags = CHAR_ALPHA | CHAR_LOWER;
			break;
		case U_UPPERCASE_LETTER:
			flags = CHAR_ALPHA | CHAR_UPPER;
			break;
		case U_TITLECASE_LETTER:
			flags = CHAR_ALPHA | CHAR_TITLE;
			break;
		case U_MODIFIER_LETTER:
		case U_OTHER_LETTER:
			flags = CHAR_ALPHA;
			break;
		default:
			break;
	}
	if (ct_words_typed_space(c))
		flags |= CHAR_SPACE;
	if (is_segment_break_char(c))
		flags |= CHAR_BREAK;
	return flags;
}

/*
 * Eight bytes a code point: the table's lines fall out of the CPU cache
 * between one row and the next, and the fewer a name touches the better.
 * Upper and title case (numerals, the Mc rule) are rare and asked of ICU.
 */
typedef struct LatinProps
{
	uint16_t	lower;
	uint16_t	title_letter;	/* title_letter_of(c) */
	uint8_t		flags;
	uint8_t		title_letter_flags;
	char		ascii_lower;
} LatinProps;

/*
 * The upper-case first letter of a segment: one typed in upper (or title)
 * case is kept as typed, any other is title-cased from its lower case.
 */
static uint32_t
title_letter_of(uint32_t c)
{
	if (char_flags(c) & (CHAR_UPPER | CHAR_TITLE))
		return c;
	return (uint32_t) u_totitle(u_tolower((UChar32) c));
}

/* ct_normalize_name fills the table before any use. */
static LatinProps latin[LATIN_END];
static bool latin_ready = false;

static void
latin_fill(void)
{
	for (UChar32 c = 0; c < LATIN_END; c++)
	{
		LatinProps *p = &latin[c];

		/* Mappings of these code points may leave the range: then ICU is asked. */
		p->lower = (uint16_t) u_tolower(c);
		p->title_letter = (uint16_t) title_letter_of(c);
		p->flags = char_flags(c);
		p->title_letter_flags = char_flags(p->title_letter);
		p->ascii_lower = ascii_lower_char(c);
	}
	latin_ready = true;
}

static inline unsigned
cp_flags(uint32_t c)
{
	return c < LATIN_END ? latin[c].flags : char_flags(c);
}

static inline bool
cp_isalpha(uint32_t c)
{
	return (cp_flags(c) & CHAR_ALPHA) != 0;
}

static inline bool
is_space(uint32_t c)
{
	return (cp_flags(c) & CHAR_SPACE) != 0;
}

static inline bool
is_segment_break(uint32_t c)
{
	return (cp_flags(c) & CHAR_BREAK) != 0;
}

static inline uint32_t
cp_tolower(uint32_t c)
{
	return c < LATIN_END ? latin[c].lower : (uint32_t) u_tolower(c);
}

/* How c is written in lower case, as ASCII, or 0 (words never hold a NUL). */
static inline char
cp_ascii_lower(uint32_t c)
{
	return c < LATIN_END ? latin[c].ascii_lower : ascii_lower_char(c);
}

/*
 * Is the lower-case ASCII word of len letters (not 0) a particle?  The list
 * is compared as one integer a word, in a few cache lines: names are
 * normalized row by row, with the caches cold in between.
 */
static bool
is_particle_form(const char *lower, size_t len)
{
	static uint64_t keys[sizeof(particles) / sizeof(particles[0])];	/* 0-ended */
	static uint32_t initials;	/* the letters particles start with, a bit each */
	unsigned	letter = (unsigned char) lower[0] - 'a';
	uint64_t	key = 0;

	if (initials == 0)
		for (int i = 0; particles[i] != NULL; i++)
		{
			memcpy(&keys[i], particles[i], strlen(particles[i]));
			initials |= 1u << (particles[i][0] - 'a');
		}
	if (len > 5 || letter >= 26 || (initials >> letter & 1) == 0)
		return false;
	memcpy(&key, lower, len);
	for (int i = 0; keys[i] != 0; i++)
		if (keys[i] == key)
			return true;
	return false;
}

bool
ct_name_is_particle(const char *word, size_t len)
{
	char		buf[8];

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) word[i];

		if (c >= 0x80)
			return false;
		buf[i] = (char) ((c >= 'A' && c <= 'Z') ? c + 32 : c);
	}
	buf[len] = '\0';
	return is_particle_form(buf, len);
}

static inline uint32_t
title_letter(uint32_t c)
{
	return c < LATIN_END ? latin[c].title_letter : title_letter_of(c);
}

/* The flags of title_letter(c). */
static inline unsigned
title_letter_flags(uint32_t c)
{
	return c < LATIN_END ? latin[c].title_letter_flags : char_flags(title_letter_of(c));
}

/*
 * Which letter of the segment that starts the text typed[0..n) (up to a
 * segment break, space or comma) the Mc/Mac rule raises after title-casing it (0 if none): the one after "Mc" before
 * another letter, or after "Mac" when the rest of the segment (lower-cased)
 * is in mac_names.  Only a segment typed with an m or M first can start
 * with "Mc" once title-cased.
 */
static int
mac_letter(const uint32_t *typed, int n)
{
	uint32_t	second,
				third;
	char		buf[16];
	int			len = 0;

	if (typed[0] != 'm' && typed[0] != 'M')
		return 0;
	while (len < n && (cp_flags(typed[len]) & (CHAR_BREAK | CHAR_SPACE)) == 0 && typed[len] != ',')
		len++;
	if (len < 4)
		return 0;
	second = cp_tolower(typed[1]);
	third = cp_tolower(typed[2]);
	if (second == 'c')
		return cp_isalpha(third) && cp_isalpha(cp_tolower(typed[3])) ? 2 : 0;
	if (len < 5 || len - 3 >= (int) sizeof(buf) || second != 'a' || third != 'c')
		return 0;
	for (int i = 3; i < len; i++)
		if ((buf[i - 3] = cp_ascii_lower(cp_tolower(typed[i]))) == 0)
			return 0;
	buf[len - 3] = '\0';
	return in_list(mac_names, buf) ? 3 : 0;
}

/* Does the run cp[i..n) start with a letter run of 2+ before any dot? */
static bool
long_segment_follows(const uint32_t *cp, int i, int n)
{
	int			letters = 0;

	for (; i < n && !is_space(cp[i]) && cp[i] != ',' && cp[i] != '.'; i++)
		if (cp_isalpha(cp[i]))
			letters++;
	return letters >= 2;
}

/*
 * Is the word typed[0..n) (n <= 5) written in ASCII in lower case?  Then
 * ascii holds it so, NUL-ended, for the lists of particles, numerals, Jr
 * and Sr (all short).
 */
static bool
short_ascii_form(const uint32_t *typed, int n, char *ascii)
{
	for (int i = 0; i < n; i++)
		if ((ascii[i] = cp_ascii_lower(typed[i])) == 0)
			return false;
	ascii[n] = '\0';
	return true;
}

/* Is the ASCII word (lower case) a name suffix numeral, II to VIII, maybe with a dot? */
static bool
is_roman_numeral(const char *ascii, int n)
{
	char		numeral[6];

	if (ascii[0] != 'i' && ascii[0] != 'v')
		return false;
	memcpy(numeral, ascii, n + 1);
	if (numeral[n - 1] == '.')
		numeral[n - 1] = '\0';
	return strcmp(numeral, "ii") == 0 || strcmp(numeral, "iii") == 0 || strcmp(numeral, "iv") == 0 ||
		strcmp(numeral, "vi") == 0 || strcmp(numeral, "vii") == 0 || strcmp(numeral, "viii") == 0;
}

/*
 * What the rules make of a short word after the first word of the name
 * (ascii: how it is written in lower case, as short_ascii_form gives it;
 * first: it opens the part after a comma): a particle in lower case, a
 * numeral in upper case, Jr and Sr with their dot.
 */
typedef enum ShortWord
{
	SHORT_WORD_OTHER,
	SHORT_WORD_PARTICLE,
	SHORT_WORD_NUMERAL,
	SHORT_WORD_ABBREVIATION
} ShortWord;

static ShortWord
short_word_kind(const char *ascii, int n, bool first)
{
	if (!first && is_particle_form(ascii, n))
		return SHORT_WORD_PARTICLE;
	if (is_roman_numeral(ascii, n))
		return SHORT_WORD_NUMERAL;
	if (n == 2 && (strcmp(ascii, "jr") == 0 || strcmp(ascii, "sr") == 0))
		return SHORT_WORD_ABBREVIATION;
	return SHORT_WORD_OTHER;
}

/*
 * A combining mark.  Recasing can compose a letter with the marks after it
 * ("H" + U+0331 has no precomposed form, "h" + U+0331 is U+1E96), so the
 * rules that count letters count a letter and its marks as one, as the next
 * normalization will see them.
 */
static inline bool
is_mark(uint32_t c)
{
	return c >= 0x300 && (U_GET_GC_MASK((UChar32) c) & U_GC_M_MASK) != 0;
}

/* A lone letter, maybe with combining marks. */
static bool
is_initial(const uint32_t *typed, int n)
{
	if (n == 0 || !cp_isalpha(typed[0]))
		return false;
	for (int i = 1; i < n; i++)
		if (!is_mark(typed[i]))
			return false;
	return true;
}

/* Is typed[i - 1], or the character its combining marks follow, a letter? */
static bool
letter_before(const uint32_t *typed, int i)
{
	while (i > 1 && is_mark(typed[i - 1]))
		i--;
	return cp_isalpha(typed[i - 1]);
}

/*
 * The letters-only passes (write_letters_word, plain_name): write the first
 * letter c of a word raised, and start the test for a word cased on purpose.
 */
static inline size_t
write_raised_letter(uint32_t c, char *out, bool *lower_seen)
{
	*lower_seen = (latin[c].title_letter_flags & CHAR_LOWER) != 0;
	return ct_utf8_encode(latin[c].title_letter, out);
}

/*
 * ... and each letter c after the first lowered (flags: latin[c].flags);
 * *cased is set once a capital follows a small letter.
 */
static inline size_t
write_lowered_letter(uint32_t c, unsigned flags, char *out, bool *lower_seen, bool *cased)
{
	*cased |= *lower_seen & ((flags & (CHAR_UPPER | CHAR_TITLE)) != 0);
	*lower_seen |= (flags & CHAR_LOWER) != 0;
	return ct_utf8_encode(latin[c].lower, out);
}

/*
 * write_word's pass for the commonest word: two letters or more below
 * LATIN_END, none a segment break, and no Mc/Mac name.  No segment, dot or
 * Mc rule touches it: the first letter is raised, the rest lowered, and
 * whether it was cased on purpose is found on the way, as the full pass
 * would.  Returns the bytes written (and sets *len and *deliberate), or 0
 * as soon as the word turns out to be of another kind: then the full pass
 * starts over.
 */
static size_t
write_letters_word(char *out, const uint32_t *typed, int n, int *len, bool *deliberate)
{
	uint32_t	c = typed[0];
	bool		lower_seen;
	bool		cased = false;
	size_t		o;
	int			i;

	if (c >= LATIN_END || (latin[c].flags & (CHAR_ALPHA | CHAR_BREAK)) != CHAR_ALPHA ||
		((c == 'm' || c == 'M') && mac_letter(typed, n) > 0))
		return 0;
	o = write_raised_letter(c, out, &lower_seen);
	for (i = 1; i < n; i++)
	{
		unsigned	flags;

		c = typed[i];
		if (c >= LATIN_END)
			return 0;
		flags = latin[c].flags;
		if ((flags & (CHAR_ALPHA | CHAR_BREAK)) != CHAR_ALPHA)
		{
			if ((flags & CHAR_SPACE) != 0 || c == ',')
				break;
			return 0;
		}
		o += write_lowered_letter(c, flags, out + o, &lower_seen, &cased);
	}
	if (i < 2)
		return 0;				/* a lone letter is an initial */
	*len = i;
	*deliberate = cased;
	return o;
}

/*
 * Write the word that starts the text typed[0..n) (at a character that is
 * neither a space nor a comma) recased into out; returns the bytes written
 * and sets *len to the code points it took.  A word runs to a space or
 * comma, or to a dot after an initial.  first says whether the word opens
 * the name or the part after a comma, opening whether it opens the whole
 * name.
 *
 * One pass writes the word as if typed all in one case (every segment,
 * split at hyphens, apostrophes and dots, title-cased; the Mc/Mac rule) and
 * finds what the other rules need.  The rarer cases are written again:
 * particles (lower case unless they open the name), Roman numerals after the
 * first word (upper case), and words cased on purpose (as typed, first
 * letter raised; after "al-", lowered).
 *
 * A word was cased on purpose if some segment has an upper-case letter
 * after a lower-case one ("McDonald", "DeVito", "LaFontaine"), which no
 * recasing produces; "VIán" or "JOSe" (a slipped shift key) do not count.
 * The test looks at the word with its first letter raised (after "al-",
 * lowered), so that "jOSE" (caps lock on) counts as all upper case.
 */
static size_t
write_word(char *out, const uint32_t *typed, int n, bool first, bool opening, int *len)
{
	int			particle_len = 0;	/* of a leading "al-" or "el-" */
	bool		word_raise = true;	/* the word's first letter is still to come */
	bool		segment_raise = true;	/* a segment's first letter is next */
	bool		lower_seen = false;
	bool		deliberate = false;
	int			letters = 0;	/* in the letter run before a dot */
	int			mac = -1;		/* the letter the Mc/Mac rule raises */
	char		ascii[6];
	ShortWord	kind = SHORT_WORD_OTHER;
	size_t		o = 0;
	int			i;

	/*
	 * "al-Rashid": a leading hyphenated particle stays lower.  Its two
	 * letters and hyphen are all in the word when they match.
	 */
	if (!first && n > 2 && is_hyphen(typed[2]))
	{
		char		prefix[3] = {cp_ascii_lower(typed[0]), cp_ascii_lower(typed[1]), '\0'};

		if (in_list(hyphen_particles, prefix))
			particle_len = 2;
	}

	if (particle_len == 0)
		o = write_letters_word(out, typed, n, &i, &deliberate);
	if (o == 0)
	{
		/*
		 * Per letter, select rather than branch: in the server, between rows,
		 * the branch predictor has forgotten the last name's pattern.
		 */
		for (i = 0; i < n; i++)
		{
			uint32_t	c = typed[i];
			unsigned	flags = cp_flags(c);
			bool		alpha = (flags & CHAR_ALPHA) != 0;
			bool		brk = (flags & CHAR_BREAK) != 0;
			uint32_t	written;
			unsigned	written_flags;

			if ((flags & CHAR_SPACE) != 0 || c == ',')
				break;
			if (i < particle_len)
			{
				written = cp_tolower(c);
				written_flags = cp_flags(written);
			}
			else
			{
				bool		word_first = word_raise & alpha;
				bool		segment_first = segment_raise & alpha;
				uint32_t	rest = cp_tolower(c);

				/* the Mc/Mac rule looks at segments that start with their first letter */
				if (segment_first && (c == 'm' || c == 'M') && (i == 0 || is_segment_break(typed[i - 1])))
				{
					int			k = mac_letter(typed + i, n - i);

					if (k > 0)
						mac = i + k;
				}
				if (i == mac && !brk)
					rest = (uint32_t) u_totitle((UChar32) rest);
				written = segment_first ? title_letter(c) : rest;
				written_flags = word_first ? title_letter_flags(c) : flags;
				word_raise &= !alpha;
				segment_raise = (segment_raise & !alpha) | brk;
			}
			o += ct_utf8_encode(written, out + o);
			deliberate |= lower_seen & ((written_flags & (CHAR_UPPER | CHAR_TITLE)) != 0);
			lower_seen = (lower_seen | ((written_flags & CHAR_LOWER) != 0)) & !brk;

			/* "J.Perez" is two words, "J.R.R." one */
			if (c == '.' && i + 1 < n && letters <= 1 && i > 0 &&
				letter_before(typed, i) && long_segment_follows(typed, i + 1, n))
			{
				i++;
				break;
			}
			letters = alpha ? letters + 1 : is_mark(c) ? letters : 0;
		}
	}
	*len = n = i;

	/* the first word of the name is none of these */
	if (!opening && n < (int) sizeof(ascii) && short_ascii_form(typed, n, ascii))
		kind = short_word_kind(ascii, n, first);
	if (kind == SHORT_WORD_PARTICLE)
	{
		for (i = 0, o = 0; i < n; i++)
			o += ct_utf8_encode(cp_tolower(typed[i]), out + o);
		return o;
	}
	if (kind == SHORT_WORD_NUMERAL)
	{
		for (i = 0, o = 0; i < n; i++)
			o += ct_utf8_encode((uint32_t) u_toupper((UChar32) typed[i]), out + o);
		return o;
	}
	if (deliberate)
	{
		bool		raise = true;

		for (i = 0, o = 0; i < n; i++)
		{
			uint32_t	c = typed[i];

			if (i < particle_len)
				c = cp_tolower(c);
			else if (raise && cp_isalpha(c))
			{
				raise = false;
				c = title_letter(c);
			}
			o += ct_utf8_encode(c, out + o);
		}
	}

	/* A lone letter is an initial, and Jr / Sr abbreviations: give them their dot. */
	if (is_initial(typed, n) || kind == SHORT_WORD_ABBREVIATION)
		out[o++] = '.';
	return o;
}

/*
 * Decode s into NFC code points.  Returns the count, or -1 if the allocator
 * fails; *out is from the allocator (or NULL when the input is empty).
 * *via_icu says whether ICU normalized the text: only text with code
 * points from U+0300 on (combining marks and beyond) needs it.
 */
static int
decode_nfc(const CtAllocator *alloc, const char *s, size_t len, uint32_t **out, bool *via_icu)
{
	UChar	   *u16,
			   *nfc;
	int32_t		u16len,
				nfclen;
	UErrorCode	err = U_ZERO_ERROR;
	const UNormalizer2 *norm;
	uint32_t   *cp;
	int			n;
	int			i;

	/*
	 * Text below U+0300 (ASCII, Latin-1, Latin Extended-A and -B) is already
	 * in NFC: decode it directly, without ICU.
	 */
	cp = ct_alloc(alloc, (len + 1) * sizeof(uint32_t));
	if (cp == NULL)
		return -1;
	n = (int) ct_utf8_decode(s, len, cp, len);
	for (i = 0; i < n && cp[i] < 0x300; i++)
		;
	*via_icu = i < n;
	if (!*via_icu)
	{
		*out = cp;
		return n;
	}
	ct_free(alloc, cp);
	n = 0;

	u16 = ct_alloc(alloc, (len + 1) * sizeof(UChar));
	nfc = ct_alloc(alloc, (3 * len + 1) * sizeof(UChar));
	cp = ct_alloc(alloc, (3 * len + 1) * sizeof(uint32_t));
	if (u16 == NULL || nfc == NULL || cp == NULL)
		return -1;
	u_strFromUTF8WithSub(u16, (int32_t) len + 1, &u16len, s, (int32_t) len, 0xFFFD, NULL, &err);
	norm = unorm2_getNFCInstance(&err);
	if (U_SUCCESS(err))
		nfclen = unorm2_normalize(norm, u16, u16len, nfc, (int32_t) (3 * len + 1), &err);
	if (U_FAILURE(err))
	{
		/* Cannot happen with these buffer sizes; fall back to no NFC. */
		memcpy(nfc, u16, u16len * sizeof(UChar));
		nfclen = u16len;
	}
	for (int32_t k = 0; k < nfclen;)
	{
		UChar32		c;

		U16_NEXT(nfc, k, nfclen, c);
		cp[n++] = (uint32_t) c;
	}
	ct_free(alloc, u16);
	ct_free(alloc, nfc);
	*out = cp;
	return n;
}

/*
 * The code point of the letter at s[*i] (ASCII, or two UTF-8 bytes below
 * LATIN_END), moving *i past it; 0 if there is no such letter there.
 */
static inline uint32_t
plain_letter(const char *s, size_t len, size_t *i)
{
	unsigned char b = (unsigned char) s[*i];
	uint32_t	c;

	if (b < 0x80)
		c = b;
	else if (b >= 0xC2 && b < 0xCC && *i + 1 < len && ((unsigned char) s[*i + 1] & 0xC0) == 0x80)
		c = (uint32_t) (b & 0x1F) << 6 | ((unsigned char) s[*i + 1] & 0x3F);
	else
		return 0;
	if ((latin[c].flags & (CHAR_ALPHA | CHAR_BREAK)) != CHAR_ALPHA)
		return 0;
	*i += 1 + (b >= 0x80);
	return c;
}

/*
 * ct_normalize_name for the commonest text, read from its bytes without
 * decoding it first: words of two letters or more below LATIN_END, or of
 * ASCII digits, between ASCII spaces, with no Mc/Mac name; the words after
 * the first that are short enough to be particles, numerals, Jr or Sr in
 * ASCII.  No segment, dot, initial or comma rule applies to such text,
 * and it is in NFC.  Writes what the full rules would write into out
 * (2 * len + 1 bytes) and returns its length, or -1 as soon as the text
 * turns out to need the full rules.
 */
static long
plain_name(const char *s, size_t len, char *out)
{
	size_t		i = 0,
				o = 0;
	bool		opening = true;

	for (;;)
	{
		size_t		word_i,
					word_o;
		int			n = 1;
		uint32_t	c;
		bool		lower_seen,
					cased = false;
		char		ascii[6];
		ShortWord	kind;

		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			return (long) o;
		if (o > 0)
			out[o++] = ' ';
		word_i = i;
		word_o = o;
		if (s[i] >= '0' && s[i] <= '9')
		{
			/* numbers are written as typed */
			while (i < len && s[i] >= '0' && s[i] <= '9')
				out[o++] = s[i++];
			if (i < len && s[i] != ' ')
				return -1;
			opening = false;
			continue;
		}
		/* a word the Mc/Mac rule may raise a letter of takes the full rules */
		if ((s[i] == 'm' || s[i] == 'M') && i + 2 < len &&
			((s[i + 1] | 0x20) == 'c' || ((s[i + 1] | 0x20) == 'a' && (s[i + 2] | 0x20) == 'c')))
			return -1;
		if ((c = plain_letter(s, len, &i)) == 0)
			return -1;
		o += write_raised_letter(c, out + o, &lower_seen);
		for (; i < len && s[i] != ' '; n++)
		{
			if ((c = plain_letter(s, len, &i)) == 0)
				return -1;
			o += write_lowered_letter(c, latin[c].flags, out + o, &lower_seen, &cased);
		}
		if (n < 2)
			return -1;			/* a lone letter is an initial */

		/* as write_word's rules after the first word */
		kind = SHORT_WORD_OTHER;
		if (!opening && n < (int) sizeof(ascii))
		{
			if (i - word_i != (size_t) n)
				return -1;		/* not ASCII */
			for (int k = 0; k < n; k++)
				ascii[k] = latin[(unsigned char) s[word_i + k]].ascii_lower;
			ascii[n] = '\0';
			kind = short_word_kind(ascii, n, false);
		}
		if (kind == SHORT_WORD_PARTICLE || kind == SHORT_WORD_NUMERAL)
		{
			for (int k = 0; k < n; k++)
				out[word_o + k] = kind == SHORT_WORD_PARTICLE ? ascii[k] : (char) (ascii[k] - 'a' + 'A');
			o = word_o + n;
			opening = false;
			continue;
		}
		if (cased)
		{
			/* as typed, the first letter raised */
			i = word_i;
			c = plain_letter(s, len, &i);
			o = word_o + write_raised_letter(c, out + word_o, &lower_seen);
			while (i < len && s[i] != ' ')
				out[o++] = s[i++];
		}
		if (kind == SHORT_WORD_ABBREVIATION)
			out[o++] = '.';
		opening = false;
	}
}

char *
ct_normalize_name(const CtAllocator *alloc, const char *s, size_t len, size_t *outlen)
{
	uint32_t   *typed;
	bool		via_icu;
	int			n;
	char	   *out;
	size_t		o = 0;
	bool		first = true;	/* next word opens the name or a comma part */
	bool		pending_comma = false;
	int			i = 0;
	long		plain_len;

	if (!latin_ready)
		latin_fill();
	out = ct_alloc(alloc, 2 * len + 1);
	if (out == NULL)
		return NULL;
	if ((plain_len = plain_name(s, len, out)) >= 0)
	{
		out[plain_len] = '\0';
		*outlen = (size_t) plain_len;
		return out;
	}
	ct_free(alloc, out);

	n = decode_nfc(alloc, s, len, &typed, &via_icu);
	if (n < 0)
		return NULL;
	/* Each code point is at most 4 bytes; a dot and a space may be added per word. */
	out = ct_alloc(alloc, (size_t) n * 4 + (size_t) n * 3 + 1);
	if (out == NULL)
		return NULL;

	while (i < n)
	{
		int			word_len;

		if (is_space(typed[i]))
		{
			i++;
			continue;
		}
		if (typed[i] == ',')
		{
			if (o > 0)
				pending_comma = true;
			first = true;
			i++;
			continue;
		}
		if (o > 0)
		{
			if (pending_comma)
				out[o++] = ',';
			out[o++] = ' ';
		}
		pending_comma = false;
		o += write_word(out + o, typed + i, n - i, first, o == 0, &word_len);
		i += word_len;
		first = false;
	}
	out[o] = '\0';

	/*
	 * Lower-casing a letter can make it compose with a mark that follows
	 * ("H" + U+0331 has no precomposed form, "h" + U+0331 is U+1E96): put
	 * the result back in NFC, or name_normalize would not be idempotent.
	 * Text without code points from U+0300 on needs no second pass.
	 */
	for (int k = 0; via_icu && k < n; k++)
	{
		if (typed[k] >= 0x300)
		{
			uint32_t   *composed;
			int			m = decode_nfc(alloc, out, o, &composed, &via_icu);
			char	   *recomposed;

			if (m < 0)
				return NULL;
			recomposed = ct_alloc(alloc, (size_t) m * 4 + 1);
			if (recomposed == NULL)
				return NULL;
			o = 0;
			for (int c = 0; c < m; c++)
				o += ct_utf8_encode(composed[c], recomposed + o);
			recomposed[o] = '\0';
			ct_free(alloc, composed);
			ct_free(alloc, out);
			out = recomposed;
			break;
		}
	}
	ct_free(alloc, typed);
	*outlen = o;
	return out;
}
