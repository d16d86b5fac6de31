/*
 * phonetic.c
 *		Double Metaphone and a Spanish phonetic key (see phonetic.h).
 *
 * The input is turned into a stream of upper-case ASCII letters and word
 * breaks (LetterStream); each word is encoded on its own.  A few letters
 * are kept apart from their folded form because rules depend on them: Ç
 * (Double Metaphone's S), Ñ and Ü (Spanish).
 *
 * Double Metaphone follows the rules published by Lawrence Philips (C/C++
 * Users Journal, June 2000), applied per word: the "VAN"/"VON"/"SAN"
 * conditions look at the previous word, the Germanic "SCH" and the
 * Slavo-Germanic test at the word itself.
 */
#include "phonetic.h"

#include <stdbool.h>
#include <string.h>

#include "fold.h"
#include "utf8.h"
#include "words.h"

/* Letters kept apart from their folded form. */
#define L_C_CEDILLA '$'
#define L_N_TILDE	'#'
#define L_U_DIAER	'!'

/* Letters of a word beyond this are ignored (no key needs them). */
#define WORD_MAX 128

#define WORD_BREAK ' '

typedef struct LetterStream
{
	const char *s;
	size_t		len;
	size_t		pos;
	char		pending[16];
	int			npending;
	int			ipending;
} LetterStream;

/*
 * The next letter (A-Z or a marker), WORD_BREAK, or -1 at the end.  Each
 * code point is folded alone: a combining accent folds to nothing and so
 * leaves its letter's word intact, as does a soft hyphen or apostrophe.
 */
static int
letter_next(LetterStream *ls)
{
	while (ls->ipending >= ls->npending)
	{
		size_t		at = ls->pos;
		unsigned int cp;
		size_t		n;
		char		folded[16];

		if (ls->pos >= ls->len)
			return -1;
		cp = ct_utf8_next(ls->s, ls->len, &ls->pos);
		ls->npending = 0;
		ls->ipending = 0;
		if (cp == 0xE7 || cp == 0xC7)
		{
			ls->pending[ls->npending++] = L_C_CEDILLA;
			continue;
		}
		if (cp == 0xF1 || cp == 0xD1)
		{
			ls->pending[ls->npending++] = L_N_TILDE;
			continue;
		}
		if (cp == 0xFC || cp == 0xDC)
		{
			ls->pending[ls->npending++] = L_U_DIAER;
			continue;
		}
		n = ct_fold(ls->s + at, ls->pos - at, folded, sizeof(folded), NULL);
		if (n == 0)
		{
			if (ct_words_cp_class(CT_WORDS_WHITE_SPACE, cp) == CT_WORD_SEP)
				ls->pending[ls->npending++] = WORD_BREAK;
			continue;
		}
		if (n > sizeof(folded))
		{
			ls->pending[ls->npending++] = WORD_BREAK;
			continue;
		}
		for (size_t i = 0; i < n; i++)
		{
			char		c = folded[i];

			if (c >= 'a' && c <= 'z')
				ls->pending[ls->npending++] = (char) (c - 'a' + 'A');
			else if (c != '\'')
			{
				/* a break, once, unless the code point also gave letters */
				if (ls->npending == 0 || ls->pending[ls->npending - 1] != WORD_BREAK)
					ls->pending[ls->npending++] = WORD_BREAK;
			}
		}
	}
	return (unsigned char) ls->pending[ls->ipending++];
}

/*
 * Read the next word into w (at most WORD_MAX letters); returns its length,
 * or -1 when the text is exhausted.
 */
static int
next_word(LetterStream *ls, char *w)
{
	int			c;
	int			n = 0;

	while ((c = letter_next(ls)) == WORD_BREAK)
		;
	if (c < 0)
		return -1;
	do
	{
		if (n < WORD_MAX)
			w[n++] = (char) c;
	} while ((c = letter_next(ls)) >= 0 && c != WORD_BREAK);
	return n;
}

/* An output key with snprintf-like length accounting. */
typedef struct KeyWriter
{
	char	   *buf;
	size_t		cap;
	size_t		len;
} KeyWriter;

static void
key_put(KeyWriter *k, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		if (k->len < k->cap)
			k->buf[k->len] = s[i];
		k->len++;
	}
}

/* ---------------------------------------------------------------------
 * Double Metaphone
 * --------------------------------------------------------------------- */

typedef struct DmWord
{
	const char *w;
	int			n;
	bool		slavo_germanic; /* W, K, CZ or WITZ in the word */
	bool		germanic;		/* after VAN or VON, or begins with SCH */
	bool		after_san;		/* after SAN (San Jacinto) */
	char		primary[CT_METAPHONE_LEN * 2 + 4];
	char		alternate[CT_METAPHONE_LEN * 2 + 4];
	int			plen;
	int			alen;
} DmWord;

/* The letter at i, or a space outside the word (the original pads so). */
static inline char
dm_at(const DmWord *d, int i)
{
	return (i >= 0 && i < d->n) ? d->w[i] : ' ';
}

/* Whether one of the comma-separated options occurs at start. */
static bool
dm_string_at(const DmWord *d, int start, const char *options)
{
	const char *o = options;

	if (start < 0)
		return false;
	while (*o)
	{
		const char *end = strchr(o, ',');
		int			olen = end ? (int) (end - o) : (int) strlen(o);
		int			i;

		for (i = 0; i < olen && dm_at(d, start + i) == o[i]; i++)
			;
		if (i == olen)
			return true;
		if (end == NULL)
			break;
		o = end + 1;
	}
	return false;
}

static inline bool
dm_vowel(const DmWord *d, int i)
{
	char		c = dm_at(d, i);

	return i >= 0 && i < d->n &&
		(c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y');
}

/*
 * Add main to the primary key and alt to the alternate (alt NULL: main to
 * both; alt "": nothing to the alternate).
 */
static void
dm_add(DmWord *d, const char *main, const char *alt)
{
	int			ml = (int) strlen(main);
	int			al;

	if (alt == NULL)
		alt = main;
	al = (int) strlen(alt);
	if (d->plen + ml < (int) sizeof(d->primary))
	{
		memcpy(d->primary + d->plen, main, ml);
		d->plen += ml;
	}
	if (d->alen + al < (int) sizeof(d->alternate))
	{
		memcpy(d->alternate + d->alen, alt, al);
		d->alen += al;
	}
}

/* Skip a doubled letter: the step to the next letter to look at. */
static inline int
dm_skip_double(const DmWord *d, int cur)
{
	return dm_at(d, cur + 1) == d->w[cur] ? 2 : 1;
}

static int
dm_c(DmWord *d, int cur)
{
	/* Germanic "ach" as in "bacher", "macher" */
	if (cur > 1 && !dm_vowel(d, cur - 2) && dm_string_at(d, cur - 1, "ACH") &&
		dm_at(d, cur + 2) != 'I' &&
		(dm_at(d, cur + 2) != 'E' || dm_string_at(d, cur - 2, "BACHER,MACHER")))
	{
		dm_add(d, "K", NULL);
		return 2;
	}
	if (cur == 0 && dm_string_at(d, cur, "CAESAR"))
	{
		dm_add(d, "S", NULL);
		return 2;
	}
	if (dm_string_at(d, cur, "CHIA"))
	{
		dm_add(d, "K", NULL);
		return 2;
	}
	if (dm_string_at(d, cur, "CH"))
	{
		if (cur > 0 && dm_string_at(d, cur, "CHAE"))
		{
			dm_add(d, "K", "X");	/* Michael */
			return 2;
		}
		/* Greek roots: chemistry, chorus */
		if (cur == 0 &&
			(dm_string_at(d, cur + 1, "HARAC,HARIS") ||
			 dm_string_at(d, cur + 1, "HOR,HYM,HIA,HEM")) &&
			!dm_string_at(d, 0, "CHORE"))
		{
			dm_add(d, "K", NULL);
			return 2;
		}
		if (d->germanic ||
			dm_string_at(d, cur - 2, "ORCHES,ARCHIT,ORCHID") ||
			dm_string_at(d, cur + 2, "T,S") ||
			((dm_string_at(d, cur - 1, "A,O,U,E") || cur == 0) &&
			 dm_string_at(d, cur + 2, "L,R,N,M,B,H,F,V,W, ")))
			dm_add(d, "K", NULL);
		else if (cur > 0)
		{
			if (dm_string_at(d, 0, "MC"))
				dm_add(d, "K", NULL);	/* McHugh */
			else
				dm_add(d, "X", "K");
		}
		else
			dm_add(d, "X", NULL);
		return 2;
	}
	if (dm_string_at(d, cur, "CZ") && !dm_string_at(d, cur - 2, "WICZ"))
	{
		dm_add(d, "S", "X");	/* Czerny */
		return 2;
	}
	if (dm_string_at(d, cur + 1, "CIA"))
	{
		dm_add(d, "X", NULL);	/* focaccia */
		return 3;
	}
	if (dm_string_at(d, cur, "CC") && !(cur == 1 && dm_at(d, 0) == 'M'))
	{
		if (dm_string_at(d, cur + 2, "I,E,H") && !dm_string_at(d, cur + 2, "HU"))
		{
			/* accident, accede, succeed; but bacci, bertucci */
			if ((cur == 1 && dm_at(d, cur - 1) == 'A') ||
				dm_string_at(d, cur - 1, "UCCEE,UCCES"))
				dm_add(d, "KS", NULL);
			else
				dm_add(d, "X", NULL);
			return 3;
		}
		dm_add(d, "K", NULL);
		return 2;
	}
	if (dm_string_at(d, cur, "CK,CG,CQ"))
	{
		dm_add(d, "K", NULL);
		return 2;
	}
	if (dm_string_at(d, cur, "CI,CE,CY"))
	{
		if (dm_string_at(d, cur, "CIO,CIE,CIA"))
			dm_add(d, "S", "X");
		else
			dm_add(d, "S", NULL);
		return 2;
	}
	dm_add(d, "K", NULL);
	if (dm_string_at(d, cur + 1, "C,K,Q") && !dm_string_at(d, cur + 1, "CE,CI"))
		return 2;
	return 1;
}

static int
dm_g(DmWord *d, int cur)
{
	if (dm_at(d, cur + 1) == 'H')
	{
		if (cur > 0 && !dm_vowel(d, cur - 1))
		{
			dm_add(d, "K", NULL);
			return 2;
		}
		if (cur == 0)
		{
			/* Ghislane, Ghiradelli */
			dm_add(d, dm_at(d, cur + 2) == 'I' ? "J" : "K", NULL);
			return 2;
		}
		/* Parker's rule: hugh, bough, broughton */
		if ((cur > 1 && dm_string_at(d, cur - 2, "B,H,D")) ||
			(cur > 2 && dm_string_at(d, cur - 3, "B,H,D")) ||
			(cur > 3 && dm_string_at(d, cur - 4, "B,H")))
			return 2;
		/* laugh, McLaughlin, cough, rough, tough */
		if (cur > 2 && dm_at(d, cur - 1) == 'U' && dm_string_at(d, cur - 3, "C,G,L,R,T"))
			dm_add(d, "F", NULL);
		else if (dm_at(d, cur - 1) != 'I')
			dm_add(d, "K", NULL);
		return 2;
	}
	if (dm_at(d, cur + 1) == 'N')
	{
		if (cur == 1 && dm_vowel(d, 0) && !d->slavo_germanic)
			dm_add(d, "KN", "N");
		else if (!dm_string_at(d, cur + 2, "EY") && dm_at(d, cur + 1) != 'Y' &&
				 !d->slavo_germanic)
			dm_add(d, "N", "KN");
		else
			dm_add(d, "KN", NULL);
		return 2;
	}
	if (dm_string_at(d, cur + 1, "LI") && !d->slavo_germanic)
	{
		dm_add(d, "KL", "L");	/* tagliaro */
		return 2;
	}
	if (cur == 0 && (dm_at(d, cur + 1) == 'Y' ||
					 dm_string_at(d, cur + 1, "ES,EP,EB,EL,EY,IB,IL,IN,IE,EI,ER")))
	{
		dm_add(d, "K", "J");
		return 2;
	}
	if ((dm_string_at(d, cur + 1, "ER") || dm_at(d, cur + 1) == 'Y') &&
		!dm_string_at(d, 0, "DANGER,RANGER,MANGER") &&
		!dm_string_at(d, cur - 1, "E,I") &&
		!dm_string_at(d, cur - 1, "RGY,OGY"))
	{
		dm_add(d, "K", "J");
		return 2;
	}
	if (dm_string_at(d, cur + 1, "E,I,Y") || dm_string_at(d, cur - 1, "AGGI,OGGI"))
	{
		if (d->germanic || dm_string_at(d, cur + 1, "ET"))
			dm_add(d, "K", NULL);
		else if (dm_string_at(d, cur + 1, "IER "))
			dm_add(d, "J", NULL);
		else
			dm_add(d, "J", "K");
		return 2;
	}
	dm_add(d, "K", NULL);
	return dm_skip_double(d, cur);
}

static int
dm_j(DmWord *d, int cur)
{
	/* Spanish: Jose, San Jacinto */
	if (dm_string_at(d, cur, "JOSE") || d->after_san)
	{
		if ((cur == 0 && dm_at(d, cur + 4) == ' ') || d->after_san)
			dm_add(d, "H", NULL);
		else
			dm_add(d, "J", "H");
		return 1;
	}
	if (cur == 0)
		dm_add(d, "J", "A");	/* Yankelovich / Jankelowicz */
	else if (dm_vowel(d, cur - 1) && !d->slavo_germanic &&
			 (dm_at(d, cur + 1) == 'A' || dm_at(d, cur + 1) == 'O'))
		dm_add(d, "J", "H");	/* bajador */
	else if (cur == d->n - 1)
		dm_add(d, "J", "");
	else if (!dm_string_at(d, cur + 1, "L,T,K,S,N,M,B,Z") &&
			 !dm_string_at(d, cur - 1, "S,K,L"))
		dm_add(d, "J", NULL);
	return dm_skip_double(d, cur);
}

static int
dm_s(DmWord *d, int cur)
{
	int			last = d->n - 1;

	if (dm_string_at(d, cur - 1, "ISL,YSL"))
		return 1;				/* island, carlisle */
	if (cur == 0 && dm_string_at(d, cur, "SUGAR"))
	{
		dm_add(d, "X", "S");
		return 1;
	}
	if (dm_string_at(d, cur, "SH"))
	{
		dm_add(d, dm_string_at(d, cur + 1, "HEIM,HOEK,HOLM,HOLZ") ? "S" : "X", NULL);
		return 2;
	}
	if (dm_string_at(d, cur, "SIO,SIA") || dm_string_at(d, cur, "SIAN"))
	{
		dm_add(d, "S", d->slavo_germanic ? NULL : "X");
		return 3;
	}
	/* smith ~ schmidt, snider ~ schneider; Slavic -sz- */
	if ((cur == 0 && dm_string_at(d, cur + 1, "M,N,L,W")) || dm_at(d, cur + 1) == 'Z')
	{
		dm_add(d, "S", "X");
		return dm_at(d, cur + 1) == 'Z' ? 2 : 1;
	}
	if (dm_string_at(d, cur, "SC"))
	{
		if (dm_at(d, cur + 2) == 'H')
		{
			/* Dutch: school, schooner; schermerhorn, schenker */
			if (dm_string_at(d, cur + 3, "OO,ER,EN,UY,ED,EM"))
				dm_add(d, dm_string_at(d, cur + 3, "ER,EN") ? "X" : "SK",
					   dm_string_at(d, cur + 3, "ER,EN") ? "SK" : NULL);
			else if (cur == 0 && !dm_vowel(d, 3) && dm_at(d, 3) != 'W')
				dm_add(d, "X", "S");
			else
				dm_add(d, "X", NULL);
			return 3;
		}
		dm_add(d, dm_string_at(d, cur + 2, "I,E,Y") ? "S" : "SK", NULL);
		return 3;
	}
	/* French: resnais, artois */
	if (cur == last && dm_string_at(d, cur - 2, "AI,OI"))
		dm_add(d, "", "S");
	else
		dm_add(d, "S", NULL);
	return dm_string_at(d, cur + 1, "S,Z") ? 2 : 1;
}

static int
dm_t(DmWord *d, int cur)
{
	if (dm_string_at(d, cur, "TION"))
	{
		dm_add(d, "X", NULL);
		return 3;
	}
	if (dm_string_at(d, cur, "TIA,TCH"))
	{
		dm_add(d, "X", NULL);
		return 3;
	}
	if (dm_string_at(d, cur, "TH") || dm_string_at(d, cur, "TTH"))
	{
		/* Thomas, Thames, or Germanic */
		if (dm_string_at(d, cur + 2, "OM,AM") || d->germanic)
			dm_add(d, "T", NULL);
		else
			dm_add(d, "0", "T");
		return 2;
	}
	dm_add(d, "T", NULL);
	return dm_string_at(d, cur + 1, "T,D") ? 2 : 1;
}

static int
dm_w(DmWord *d, int cur)
{
	if (dm_string_at(d, cur, "WR"))
	{
		dm_add(d, "R", NULL);
		return 2;
	}
	if (cur == 0 && (dm_vowel(d, cur + 1) || dm_string_at(d, cur, "WH")))
	{
		/* Wasserman ~ Vasserman; Uomo ~ Womo */
		dm_add(d, "A", dm_vowel(d, cur + 1) ? "F" : NULL);
	}
	/* Arnow ~ Arnoff */
	if ((cur == d->n - 1 && dm_vowel(d, cur - 1)) ||
		dm_string_at(d, cur - 1, "EWSKI,EWSKY,OWSKI,OWSKY") ||
		dm_string_at(d, 0, "SCH"))
	{
		dm_add(d, "", "F");
		return 1;
	}
	if (dm_string_at(d, cur, "WICZ,WITZ"))
	{
		dm_add(d, "TS", "FX");	/* Filipowicz */
		return 4;
	}
	return 1;
}

/* Encode one word into d->primary and d->alternate. */
static void
dm_word(DmWord *d)
{
	int			cur = 0;
	int			last = d->n - 1;

	d->plen = d->alen = 0;
	if (dm_string_at(d, 0, "GN,KN,PN,WR,PS"))
		cur = 1;
	if (dm_at(d, 0) == 'X')
	{
		dm_add(d, "S", NULL);	/* Xavier */
		cur = 1;
	}
	while (cur < d->n && (d->plen < CT_METAPHONE_LEN || d->alen < CT_METAPHONE_LEN))
	{
		char		c = d->w[cur];

		switch (c)
		{
			case 'A':
			case 'E':
			case 'I':
			case 'O':
			case 'U':
			case 'Y':
				if (cur == 0)
					dm_add(d, "A", NULL);
				cur++;
				break;
			case 'B':
				dm_add(d, "P", NULL);
				cur += dm_skip_double(d, cur);
				break;
			case L_C_CEDILLA:
				dm_add(d, "S", NULL);
				cur++;
				break;
			case 'C':
				cur += dm_c(d, cur);
				break;
			case 'D':
				if (dm_string_at(d, cur, "DG"))
				{
					if (dm_string_at(d, cur + 2, "I,E,Y"))
					{
						dm_add(d, "J", NULL);	/* edge */
						cur += 3;
					}
					else
					{
						dm_add(d, "TK", NULL);	/* Edgar */
						cur += 2;
					}
					break;
				}
				dm_add(d, "T", NULL);
				cur += dm_string_at(d, cur, "DT,DD") ? 2 : 1;
				break;
			case 'F':
			case 'K':
			case 'N':
			case L_N_TILDE:
				dm_add(d, c == 'F' ? "F" : c == 'K' ? "K" : "N", NULL);
				cur += dm_skip_double(d, cur);
				break;
			case 'G':
				cur += dm_g(d, cur);
				break;
			case 'H':
				/* kept only first or between vowels, before a vowel */
				if ((cur == 0 || dm_vowel(d, cur - 1)) && dm_vowel(d, cur + 1))
				{
					dm_add(d, "H", NULL);
					cur += 2;
				}
				else
					cur++;
				break;
			case 'J':
				cur += dm_j(d, cur);
				break;
			case 'L':
				if (dm_at(d, cur + 1) == 'L')
				{
					/* Spanish: cabrillo, gallegos */
					if ((cur == d->n - 3 && dm_string_at(d, cur - 1, "ILLO,ILLA,ALLE")) ||
						((dm_string_at(d, last - 1, "AS,OS") || dm_string_at(d, last, "A,O")) &&
						 dm_string_at(d, cur - 1, "ALLE")))
					{
						dm_add(d, "L", "");
						cur += 2;
						break;
					}
					cur += 2;
				}
				else
					cur++;
				dm_add(d, "L", NULL);
				break;
			case 'M':
				/* dumb, thumb */
				if ((dm_string_at(d, cur - 1, "UMB") &&
					 (cur + 1 == last || dm_string_at(d, cur + 2, "ER"))) ||
					dm_at(d, cur + 1) == 'M')
					cur += 2;
				else
					cur++;
				dm_add(d, "M", NULL);
				break;
			case 'P':
				if (dm_at(d, cur + 1) == 'H')
				{
					dm_add(d, "F", NULL);
					cur += 2;
					break;
				}
				/* campbell, raspberry */
				cur += dm_string_at(d, cur + 1, "P,B") ? 2 : 1;
				dm_add(d, "P", NULL);
				break;
			case 'Q':
				dm_add(d, "K", NULL);
				cur += dm_skip_double(d, cur);
				break;
			case 'R':
				/* French: rogier, but not hochmeier */
				if (cur == last && !d->slavo_germanic && dm_string_at(d, cur - 2, "IE") &&
					!dm_string_at(d, cur - 4, "ME,MA"))
					dm_add(d, "", "R");
				else
					dm_add(d, "R", NULL);
				cur += dm_skip_double(d, cur);
				break;
			case 'S':
				cur += dm_s(d, cur);
				break;
			case 'T':
				cur += dm_t(d, cur);
				break;
			case 'V':
				dm_add(d, "F", NULL);
				cur += dm_skip_double(d, cur);
				break;
			case 'W':
				cur += dm_w(d, cur);
				break;
			case 'X':
				/* French: breaux */
				if (!(cur == last && (dm_string_at(d, cur - 3, "IAU,EAU") ||
									  dm_string_at(d, cur - 2, "AU,OU"))))
					dm_add(d, "KS", NULL);
				cur += dm_string_at(d, cur + 1, "C,X") ? 2 : 1;
				break;
			case 'Z':
				if (dm_at(d, cur + 1) == 'H')
				{
					dm_add(d, "J", NULL);	/* Zhao */
					cur += 2;
					break;
				}
				if (dm_string_at(d, cur + 1, "ZO,ZI,ZA") ||
					(d->slavo_germanic && cur > 0 && dm_at(d, cur - 1) != 'T'))
					dm_add(d, "S", "TS");
				else
					dm_add(d, "S", NULL);
				cur += dm_skip_double(d, cur);
				break;
			default:
				cur++;
				break;
		}
	}
	if (d->plen > CT_METAPHONE_LEN)
		d->plen = CT_METAPHONE_LEN;
	if (d->alen > CT_METAPHONE_LEN)
		d->alen = CT_METAPHONE_LEN;
}

static size_t
double_metaphone(const char *s, size_t len, char *buf, size_t cap, bool alternate)
{
	LetterStream ls = {s, len, 0, {0}, 0, 0};
	KeyWriter	k = {buf, cap, 0};
	char		w[WORD_MAX];
	char		prev[WORD_MAX];
	int			prevlen = 0;
	int			n;

	while ((n = next_word(&ls, w)) >= 0)
	{
		DmWord		d;

		/* Ü and Ñ are U and N here */
		for (int i = 0; i < n; i++)
			if (w[i] == L_U_DIAER)
				w[i] = 'U';
			else if (w[i] == L_N_TILDE)
				w[i] = 'N';
		d.w = w;
		d.n = n;
		d.slavo_germanic = false;
		for (int i = 0; i < n; i++)
			if (w[i] == 'W' || w[i] == 'K' || (w[i] == 'C' && i + 1 < n && w[i + 1] == 'Z'))
				d.slavo_germanic = true;
		d.germanic = (prevlen == 3 && (memcmp(prev, "VAN", 3) == 0 || memcmp(prev, "VON", 3) == 0)) ||
			(n >= 3 && memcmp(w, "SCH", 3) == 0);
		d.after_san = prevlen == 3 && memcmp(prev, "SAN", 3) == 0;
		dm_word(&d);
		if ((alternate ? d.alen : d.plen) > 0)
		{
			if (k.len > 0)
				key_put(&k, " ", 1);
			if (alternate)
				key_put(&k, d.alternate, d.alen);
			else
				key_put(&k, d.primary, d.plen);
		}
		memcpy(prev, w, n);
		prevlen = n;
	}
	return k.len;
}

size_t
ct_double_metaphone(const char *s, size_t len, char *buf, size_t cap)
{
	return double_metaphone(s, len, buf, cap, false);
}

size_t
ct_double_metaphone_alt(const char *s, size_t len, char *buf, size_t cap)
{
	return double_metaphone(s, len, buf, cap, true);
}

/* ---------------------------------------------------------------------
 * Spanish key
 *
 * Letters that Latin American Spanish pronounces alike share a key letter:
 *	- B, V, W -> B; N before B/V/P -> M (assimilation: "envío" ~ "embío")
 *	- C before E/I, S, Z, Ç -> S (seseo); other C, K, Q -> K;
 *	  CC before E/I -> KS ("acción"); QU before E/I -> K (U silent)
 *	- CH -> X (one sound); SH -> X
 *	- G before E/I -> J (same sound as J); GUE/GUI -> G + E/I (U silent);
 *	  GÜE/GÜI -> G + U + E/I
 *	- H silent (outside CH, SH)
 *	- LL, Y before a vowel -> Y (yeísmo); Y elsewhere (a vowel) -> I
 *	- Ñ -> N (keyboards without ñ write n)
 *	- PH -> F; initial PS -> S (psicología)
 *	- X at the start of a word -> J (Ximena ~ Jimena, Xavier ~ Javier);
 *	  before a consonant -> S (extra); elsewhere -> KS (Félix, Máximo)
 *	- RR -> R
 *	- D at the end of a word of more than two letters dropped (Madrid ~
 *	  Madri)
 *	- vowels A E I O U kept; any letter repeated in the key is written once
 * --------------------------------------------------------------------- */

static inline bool
es_vowel(char c)
{
	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == L_U_DIAER;
}

/* Append key letters, skipping a letter equal to the last one written. */
static void
es_put(char *key, int *klen, const char *s)
{
	for (; *s; s++)
		if (*klen == 0 || key[*klen - 1] != *s)
			key[(*klen)++] = *s;
}

static int
es_word(const char *w, int n, char *key)
{
	int			klen = 0;

	for (int i = 0; i < n; i++)
	{
		char		c = w[i];
		char		next = i + 1 < n ? w[i + 1] : ' ';
		char		after = i + 2 < n ? w[i + 2] : ' ';
		bool		front = next == 'E' || next == 'I' || next == 'Y';

		switch (c)
		{
			case 'A':
			case 'E':
			case 'I':
			case 'O':
			case 'U':
				es_put(key, &klen, (char[]) {c, 0});
				break;
			case L_U_DIAER:
				es_put(key, &klen, "U");
				break;
			case 'B':
			case 'V':
			case 'W':
				es_put(key, &klen, "B");
				break;
			case 'C':
				if (next == 'H')
				{
					es_put(key, &klen, "X");
					i++;
				}
				else if (next == 'C' && (after == 'E' || after == 'I'))
				{
					es_put(key, &klen, "KS");
					i++;
				}
				else
					es_put(key, &klen, front ? "S" : "K");
				break;
			case L_C_CEDILLA:
			case 'S':
			case 'Z':
				if (c == 'S' && next == 'H')
				{
					es_put(key, &klen, "X");
					i++;
				}
				else
					es_put(key, &klen, "S");
				break;
			case 'K':
				es_put(key, &klen, "K");
				break;
			case 'Q':
				es_put(key, &klen, "K");
				if (next == 'U' && (after == 'E' || after == 'I'))
					i++;
				break;
			case 'G':
				if (front)
					es_put(key, &klen, "J");
				else
				{
					es_put(key, &klen, "G");
					if (next == 'U' && (after == 'E' || after == 'I'))
						i++;
				}
				break;
			case 'J':
				es_put(key, &klen, "J");
				break;
			case 'H':
				break;
			case 'L':
				if (next == 'L')
				{
					es_put(key, &klen, "Y");
					i++;
				}
				else
					es_put(key, &klen, "L");
				break;
			case 'Y':
				es_put(key, &klen, es_vowel(next) ? "Y" : "I");
				break;
			case 'N':
			case L_N_TILDE:
				es_put(key, &klen, (next == 'B' || next == 'V' || next == 'P') ? "M" : "N");
				break;
			case 'P':
				if (next == 'H')
				{
					es_put(key, &klen, "F");
					i++;
				}
				else if (!(i == 0 && next == 'S'))
					es_put(key, &klen, "P");
				break;
			case 'X':
				if (i == 0)
					es_put(key, &klen, "J");
				else if (next != ' ' && !es_vowel(next) && next != 'H')
					es_put(key, &klen, "S");
				else
					es_put(key, &klen, "KS");
				break;
			case 'D':
				if (!(i == n - 1 && n > 2))
					es_put(key, &klen, "D");
				break;
			default:
				/* F, M, R, T and the rest stand for themselves */
				es_put(key, &klen, (char[]) {c, 0});
				break;
		}
	}
	return klen;
}

size_t
ct_phonetic_es(const char *s, size_t len, char *buf, size_t cap)
{
	LetterStream ls = {s, len, 0, {0}, 0, 0};
	KeyWriter	k = {buf, cap, 0};
	char		w[WORD_MAX];
	char		key[2 * WORD_MAX];
	int			n;

	while ((n = next_word(&ls, w)) >= 0)
	{
		int			klen = es_word(w, n, key);

		if (klen == 0)
			continue;
		if (k.len > 0)
			key_put(&k, " ", 1);
		key_put(&k, key, klen);
	}
	return k.len;
}
