/*
 * match_model.c
 *		Fellegi-Sunter comparison levels and weights (EM in match_em.c,
 *		explanations in match_explain.c).
 *
 * The levels of each kind are tested best first; the first that holds is
 * the pair's level for that field.  Starting m and u values are what a
 * contact base typically shows (m: how often the same person's two records
 * agree at that level; u: how often two different people's do); EM refines
 * them on the table itself.
 */
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "address.h"
#include "match_keys.h"
#include "match_model.h"
#include "nicknames.h"
#include "similarity.h"
#include "words.h"

/*
 * The Jaro-Winkler cut-offs of the name, company and place levels: at
 * JW_HIGH two spellings are a typo apart, at JW_LOW still likely the same
 * name.  The level names are spelled from the same numbers.
 */
#define JW_HIGH 0.92
#define JW_LOW 0.80
#define JW_TEXT(x) #x
#define JW_LEVEL(x) "jaro_winkler>=" JW_TEXT(x)
#define JW_HIGH_LEVEL JW_LEVEL(JW_HIGH)
#define JW_LOW_LEVEL JW_LEVEL(JW_LOW)

typedef struct KindInfo
{
	const char *name;
	CtKeyKind	key;
	bool		tf;
	int			nlevels;
	const char *levels[CT_MAX_LEVELS];
	double		m[CT_MAX_LEVELS];
	double		u[CT_MAX_LEVELS];
	unsigned	tf_levels;		/* bit l set: level l is TF-adjusted */
	unsigned	against_levels; /* bit l set: level l is evidence against a
								 * match, weighing at most what the last
								 * level ("different") does */
} KindInfo;

/*
 * Level indexes per kind, best first; the kinds table names each level by
 * its index, so the names cannot drift from the enums.
 */
enum
{
	NAME_EXACT, NAME_FOLDED
};
enum
{
	GIVEN_NICKNAME = 2, GIVEN_SWAPPED, GIVEN_JW92, GIVEN_JW80, GIVEN_FIRST_WORD, GIVEN_DIFFERENT
};
enum
{
	FAMILY_SWAPPED = 2, FAMILY_LEV1, FAMILY_LEV2, FAMILY_SUBSET, FAMILY_JW88, FAMILY_DIFFERENT
};
enum
{
	FULL_SAME_WORDS = 2, FULL_NICKNAME, FULL_SUBSET, FULL_JW92, FULL_JW80, FULL_DIFFERENT
};
enum
{
	EMAIL_EXACT, EMAIL_MAILBOX, EMAIL_LEV2, EMAIL_LOCAL, EMAIL_DOMAIN, EMAIL_DIFFERENT
};
enum
{
	PHONE_EXACT, PHONE_NUMBER, PHONE_LAST7, PHONE_LEV1, PHONE_DIFFERENT
};
enum
{
	COMPANY_KEY = 2, COMPANY_JW92, COMPANY_JW80, COMPANY_DIFFERENT
};
enum
{
	PLACE_JW92 = 2, PLACE_JW80, PLACE_DIFFERENT
};
enum
{
	ADDRESS_SAME = 1, ADDRESS_UNIT_MISSING, ADDRESS_STREET_TYPO, ADDRESS_OTHER_UNIT,
	ADDRESS_NUMBER_MISSING, ADDRESS_OTHER_NUMBER, ADDRESS_DIFFERENT
};
enum
{
	POST_EXACT, POST_ONE_EDIT, POST_PREFIX, POST_DIFFERENT
};
enum
{
	DATE_EXACT, DATE_ONE_DIGIT, DATE_SWAPPED, DATE_YEAR_OFF, DATE_YEAR_MONTH, DATE_PARTIAL,
	DATE_YEAR, DATE_DIFFERENT
};
enum
{
	ID_EXACT, ID_LEV1, ID_LEV2, ID_DIFFERENT
};
enum
{
	IDENT_EXACT, IDENT_ONE_EDIT, IDENT_DIFFERENT
};

#define PLACE_LEVELS {[NAME_EXACT] = "exact", [NAME_FOLDED] = "folded", [PLACE_JW92] = JW_HIGH_LEVEL, \
	[PLACE_JW80] = JW_LOW_LEVEL, [PLACE_DIFFERENT] = "different"}

static const KindInfo kinds[CT_FIELD_KIND_COUNT] = {
	[CT_FIELD_GIVEN_NAME] = {"given_name", CT_KEY_FOLD, true, 8,
		{[NAME_EXACT] = "exact", [NAME_FOLDED] = "folded", [GIVEN_NICKNAME] = "nickname",
			[GIVEN_SWAPPED] = "swapped with family name", [GIVEN_JW92] = JW_HIGH_LEVEL,
			[GIVEN_JW80] = JW_LOW_LEVEL, [GIVEN_FIRST_WORD] = "same first word or initial",
		[GIVEN_DIFFERENT] = "different"},
		{.60, .10, .06, .04, .08, .04, .03, .02},
	{.02, .005, .002, .001, .01, .05, .05, .862}, 0xB, 0},
	[CT_FIELD_FAMILY_NAME] = {"family_name", CT_KEY_FOLD, true, 8,
		{[NAME_EXACT] = "exact", [NAME_FOLDED] = "folded", [FAMILY_SWAPPED] = "swapped with given name",
			[FAMILY_LEV1] = "levenshtein<=1", [FAMILY_LEV2] = "levenshtein<=2",
			[FAMILY_SUBSET] = "one surname in common", [FAMILY_JW88] = "jaro_winkler>=0.88",
		[FAMILY_DIFFERENT] = "different"},
		{.60, .10, .04, .08, .03, .08, .03, .04},
	{.02, .005, .001, .003, .005, .02, .05, .896}, 0x7, 0},
	[CT_FIELD_FULL_NAME] = {"full_name", CT_KEY_FOLD, true, 8,
		{[NAME_EXACT] = "exact", [NAME_FOLDED] = "folded", [FULL_SAME_WORDS] = "same words",
			[FULL_NICKNAME] = "nickname", [FULL_SUBSET] = "words subset", [FULL_JW92] = JW_HIGH_LEVEL,
		[FULL_JW80] = JW_LOW_LEVEL, [FULL_DIFFERENT] = "different"},
		{.45, .15, .06, .04, .12, .08, .04, .06},
	{.001, .001, .0005, .0005, .01, .005, .05, .932}, 0x7, 0},
	[CT_FIELD_EMAIL] = {"email", CT_KEY_EMAIL, true, 6,
		{[EMAIL_EXACT] = "exact", [EMAIL_MAILBOX] = "same mailbox", [EMAIL_LEV2] = "levenshtein<=2",
		[EMAIL_LOCAL] = "same local part", [EMAIL_DOMAIN] = "same domain", [EMAIL_DIFFERENT] = "different"},
		{.65, .15, .04, .04, .02, .10},
	{.0005, .0005, .0005, .001, .15, .848}, 1u << EMAIL_DOMAIN, 0},
	[CT_FIELD_PHONE] = {"phone", CT_KEY_PHONE, false, 5,
		{[PHONE_EXACT] = "exact", [PHONE_NUMBER] = "same number", [PHONE_LAST7] = "same last 7 digits",
		[PHONE_LEV1] = "levenshtein<=1", [PHONE_DIFFERENT] = "different"},
		{.40, .45, .03, .03, .09},
	{.0005, .0005, .001, .002, .996}, 0, 0},
	[CT_FIELD_COMPANY] = {"company", CT_KEY_COMPANY, true, 6,
		{[NAME_EXACT] = "exact", [NAME_FOLDED] = "folded", [COMPANY_KEY] = "same company",
		[COMPANY_JW92] = JW_HIGH_LEVEL, [COMPANY_JW80] = JW_LOW_LEVEL, [COMPANY_DIFFERENT] = "different"},
		{.60, .10, .15, .04, .03, .08},
	{.01, .002, .005, .005, .02, .958}, 0x7, 0},
	[CT_FIELD_ADDRESS] = {"address", CT_KEY_FOLD, false, 8,
		{[NAME_EXACT] = "exact", [ADDRESS_SAME] = "same street, number and unit",
			[ADDRESS_UNIT_MISSING] = "same street and number, one unit missing",
			[ADDRESS_STREET_TYPO] = "same number, street a typo away",
			[ADDRESS_OTHER_UNIT] = "same building, other unit",
			[ADDRESS_NUMBER_MISSING] = "same street, number missing",
		[ADDRESS_OTHER_NUMBER] = "other house number", [ADDRESS_DIFFERENT] = "different"},
		{.50, .20, .08, .08, .02, .04, .02, .06},
	{.0005, .0005, .0005, .0005, .001, .005, .01, .9825}, 0, 1u << ADDRESS_OTHER_NUMBER},
	[CT_FIELD_CITY] = {"city", CT_KEY_FOLD, true, 5, PLACE_LEVELS,
		{.80, .10, .02, .01, .07},
	{.10, .01, .01, .02, .86}, 0x3, 0},
	[CT_FIELD_POSTCODE] = {"postcode", CT_KEY_POSTCODE, false, 4,
		{[POST_EXACT] = "exact", [POST_ONE_EDIT] = "one character off or two transposed",
			[POST_PREFIX] = "same first 3 characters",
		[POST_DIFFERENT] = "different"},
		{.85, .04, .04, .07},
	{.02, .02, .08, .88}, 0, 0},
	[CT_FIELD_BIRTH_DATE] = {"birth_date", CT_KEY_DATE, false, 8,
		{[DATE_EXACT] = "same date", [DATE_ONE_DIGIT] = "one digit off or two transposed",
			[DATE_SWAPPED] = "day and month swapped", [DATE_YEAR_OFF] = "year off by one or its digits swapped",
			[DATE_YEAR_MONTH] = "same year and month",
			[DATE_PARTIAL] = "partial date, the parts given agree",
		[DATE_YEAR] = "same year", [DATE_DIFFERENT] = "different"},
		{.80, .05, .02, .02, .02, .03, .01, .05},
	{.0001, .0005, .0001, .0002, .002, .005, .012, .9802}, 0, 0},
	[CT_FIELD_NATIONAL_ID] = {"national_id", CT_KEY_NATIONAL_ID, false, 4,
		{[ID_EXACT] = "same number", [ID_LEV1] = "levenshtein<=1", [ID_LEV2] = "levenshtein<=2",
		[ID_DIFFERENT] = "different"},
		{.90, .05, .01, .04},
	{.0001, .001, .001, .9979}, 0, 0},
	[CT_FIELD_TEXT] = {"free_text", CT_KEY_FOLD, false, 5, PLACE_LEVELS,
		{.60, .15, .10, .05, .10},
	{.001, .001, .002, .01, .986}, 0, 0},
	[CT_FIELD_IDENTIFIER] = {"identifier", CT_KEY_IDENTIFIER, false, 3,
		{[IDENT_EXACT] = "same number", [IDENT_ONE_EDIT] = "one substitution or transposition",
		[IDENT_DIFFERENT] = "different"},
		{.88, .07, .05},
	{.00005, .0005, .99945}, 0, 0},
};

const char *
ct_field_kind_name(CtFieldKind kind)
{
	return (kind >= 0 && kind < CT_FIELD_KIND_COUNT) ? kinds[kind].name : NULL;
}

int
ct_field_kind_from_name(const char *name)
{
	for (int i = 0; i < CT_FIELD_KIND_COUNT; i++)
		if (strcmp(name, kinds[i].name) == 0)
			return i;
	return -1;
}

int
ct_field_kind_levels(CtFieldKind kind)
{
	return kinds[kind].nlevels;
}

const char *
ct_field_level_name(CtFieldKind kind, int level)
{
	if (level == CT_LEVEL_MISSING)
		return "missing";
	if (level == CT_LEVEL_REDUNDANT)
		return "counted in given and family names";
	return (level >= 0 && level < kinds[kind].nlevels) ? kinds[kind].levels[level] : NULL;
}

int
ct_field_kind_key(CtFieldKind kind)
{
	return kinds[kind].key;
}

bool
ct_field_kind_tf(CtFieldKind kind)
{
	return kinds[kind].tf;
}

bool
ct_field_level_tf(CtFieldKind kind, int level)
{
	return level >= 0 && level < kinds[kind].nlevels && ((kinds[kind].tf_levels >> level) & 1);
}

void
ct_model_init(CtMatchModel *model, const CtFieldKind *field_kinds, int nfields)
{
	memset(model, 0, sizeof(*model));
	model->nfields = nfields;
	model->lambda = 0.2;
	model->tf_max_adjustment = 4.0;
	for (int f = 0; f < nfields; f++)
	{
		const KindInfo *k = &kinds[field_kinds[f]];
		double		msum = 0,
					usum = 0;

		model->field[f].kind = field_kinds[f];
		model->field[f].nlevels = k->nlevels;
		for (int l = 0; l < k->nlevels; l++)
		{
			msum += k->m[l];
			usum += k->u[l];
		}
		for (int l = 0; l < k->nlevels; l++)
		{
			model->field[f].m[l] = k->m[l] / msum;
			model->field[f].u[l] = k->u[l] / usum;
		}
	}
	ct_model_weights(model);
}

void
ct_model_weights(CtMatchModel *model)
{
	for (int f = 0; f < model->nfields; f++)
	{
		CtFieldModel *fm = &model->field[f];

		double		best = 0;
		int			last = fm->nlevels - 1;
		unsigned	against = kinds[fm->kind].against_levels;

		for (int l = 0; l < fm->nlevels; l++)
		{
			fm->weight[l] = log2(fm->m[l] / fm->u[l]);
			if (l > 0 && fm->weight[l] > best)
				fm->weight[l] = best;
			if (l == 0 || fm->weight[l] > best)
				best = fm->weight[l];
		}
		/*
		 * Nor is a stronger agreement counted as weaker evidence than a
		 * weaker one: estimated on blocked pairs, where colleagues share a
		 * company, "same company" under two spellings came out below a
		 * company name a few letters off, and lost duplicates.
		 */
		for (int l = last - 1, weaker = last; l >= 0; l--)
			if (!((against >> l) & 1))
			{
				if (fm->weight[l] < fm->weight[weaker])
					fm->weight[l] = fm->weight[weaker];
				weaker = l;
			}
		/* evidence against never weighs more than plain disagreement */
		for (int l = 0; l < last; l++)
			if (((against >> l) & 1) && fm->weight[l] > fm->weight[last])
				fm->weight[l] = fm->weight[last];
	}
}

/* ---------------------------------------------------------------- tests */

static bool
present(const CtFieldValue *v)
{
	if (v->raw == NULL)
		return false;
	for (size_t i = 0; i < v->raw_len; i++)
		if (!isspace((unsigned char) v->raw[i]))
			return true;
	return false;
}

static bool
raw_equal(const CtFieldValue *a, const CtFieldValue *b)
{
	return a->raw_len == b->raw_len && memcmp(a->raw, b->raw, a->raw_len) == 0;
}

static bool
key_equal(const CtFieldValue *a, const CtFieldValue *b)
{
	return a->key_len > 0 && a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static bool
str_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen > 0 && alen == blen && memcmp(a, b, alen) == 0;
}

static double
jw(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	if (a->key_len == 0 || b->key_len == 0)
		return 0;
	return ct_jaro_winkler(a->key, a->key_len, b->key, b->key_len, alloc);
}

static int
lev(const char *a, size_t alen, const char *b, size_t blen, int max, const CtAllocator *alloc)
{
	if (alen == 0 || blen == 0)
		return max + 1;
	return ct_levenshtein_bounded(a, alen, b, blen, max, alloc);
}

typedef struct Words
{
	int			n;
	CtWord		w[12];
} Words;

/* the words of a folded key, in order (at most 12: no name has more) */
static void
split_words(const char *s, size_t len, Words *words)
{
	words->n = ct_words_split(s, len, CT_WORDS_KEY, words->w, 12, false);
}

static bool
has_word(const Words *words, const char *w, size_t len)
{
	for (int i = 0; i < words->n; i++)
		if (str_equal(words->w[i].s, words->w[i].len, w, len))
			return true;
	return false;
}

/* every word of a is in b */
static bool
words_subset(const Words *a, const Words *b)
{
	if (a->n == 0)
		return false;
	for (int i = 0; i < a->n; i++)
		if (!has_word(b, a->w[i].s, a->w[i].len))
			return false;
	return true;
}

/* ---------------------------------------------------------------- levels */

static int
compare_given(const CtFieldValue *a, const CtFieldValue *b, bool swapped,
			  const CtAllocator *alloc)
{
	Words		wa,
				wb;
	double		s;

	if (raw_equal(a, b))
		return NAME_EXACT;
	if (key_equal(a, b))
		return NAME_FOLDED;
	split_words(a->key, a->key_len, &wa);
	split_words(b->key, b->key_len, &wb);
	if (wa.n > 0 && wb.n > 0 &&
		ct_nickname_related(wa.w[0].s, wa.w[0].len, wb.w[0].s, wb.w[0].len))
		return GIVEN_NICKNAME;
	if (swapped)
		return GIVEN_SWAPPED;
	s = jw(a, b, alloc);
	if (s >= JW_HIGH)
		return GIVEN_JW92;
	if (s >= JW_LOW)
		return GIVEN_JW80;
	/* "María José" and "María", or "J." and "José" */
	if (wa.n > 0 && wb.n > 0 &&
		(str_equal(wa.w[0].s, wa.w[0].len, wb.w[0].s, wb.w[0].len) ||
		 ((wa.w[0].len == 1 || wb.w[0].len == 1) && wa.w[0].s[0] == wb.w[0].s[0])))
		return GIVEN_FIRST_WORD;
	return GIVEN_DIFFERENT;
}

static int
compare_family(const CtFieldValue *a, const CtFieldValue *b, bool swapped,
			   const CtAllocator *alloc)
{
	Words		wa,
				wb;
	int			d;

	if (raw_equal(a, b))
		return NAME_EXACT;
	if (key_equal(a, b))
		return NAME_FOLDED;
	if (swapped)
		return FAMILY_SWAPPED;
	d = lev(a->key, a->key_len, b->key, b->key_len, 2, alloc);
	if (d <= 1)
		return FAMILY_LEV1;
	if (d == 2)
		return FAMILY_LEV2;
	split_words(a->key, a->key_len, &wa);
	split_words(b->key, b->key_len, &wb);
	if (words_subset(&wa, &wb) || words_subset(&wb, &wa))
		return FAMILY_SUBSET;
	if (jw(a, b, alloc) >= 0.88)
		return FAMILY_JW88;
	return FAMILY_DIFFERENT;
}

/* the words of a name in sorted order, joined by spaces, into buf */
static size_t
sorted_words(const Words *w, char *buf, size_t cap)
{
	int			order[12];
	size_t		n = 0;

	for (int i = 0; i < w->n; i++)
		order[i] = i;
	for (int i = 1; i < w->n; i++)
		for (int j = i; j > 0; j--)
		{
			int			x = order[j - 1],
						y = order[j];

			if (ct_word_cmp(w->w[x].s, w->w[x].len, w->w[y].s, w->w[y].len) <= 0)
				break;
			order[j - 1] = y;
			order[j] = x;
		}
	for (int i = 0; i < w->n; i++)
	{
		size_t		l = w->w[order[i]].len;

		if (n + l + 1 >= cap)
			break;
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, w->w[order[i]].s, l);
		n += l;
	}
	return n;
}

static int
compare_full(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	Words		wa,
				wb;
	char		sa[CT_KEY_MAX],
				sb[CT_KEY_MAX];
	size_t		la,
				lb;
	double		s;

	if (raw_equal(a, b))
		return NAME_EXACT;
	if (key_equal(a, b))
		return NAME_FOLDED;
	split_words(a->key, a->key_len, &wa);
	split_words(b->key, b->key_len, &wb);
	if (wa.n == 0 || wb.n == 0)
		return FULL_DIFFERENT;
	if (wa.n == wb.n && words_subset(&wa, &wb) && words_subset(&wb, &wa))
		return FULL_SAME_WORDS;
	/* first word a nickname of the other's, everything else the same */
	for (int i = 0; i < wa.n; i++)
		for (int j = 0; j < wb.n; j++)
			if (!str_equal(wa.w[i].s, wa.w[i].len, wb.w[j].s, wb.w[j].len) &&
				ct_nickname_related(wa.w[i].s, wa.w[i].len, wb.w[j].s, wb.w[j].len))
			{
				Words		ra = wa,
							rb = wb;

				ra.w[i] = ra.w[--ra.n];
				rb.w[j] = rb.w[--rb.n];
				if (ra.n > 0 && rb.n > 0 && (words_subset(&ra, &rb) || words_subset(&rb, &ra)))
					return FULL_NICKNAME;
			}
	if ((wa.n >= 2 && words_subset(&wa, &wb)) || (wb.n >= 2 && words_subset(&wb, &wa)))
		return FULL_SUBSET;
	la = sorted_words(&wa, sa, sizeof(sa));
	lb = sorted_words(&wb, sb, sizeof(sb));
	s = ct_jaro_winkler(sa, la, sb, lb, alloc);
	if (s < JW_HIGH)
	{
		/* also in the written order: typos near the end sort differently */
		double		s2 = jw(a, b, alloc);

		if (s2 > s)
			s = s2;
	}
	if (s >= JW_HIGH)
		return FULL_JW92;
	if (s >= JW_LOW)
		return FULL_JW80;
	return FULL_DIFFERENT;
}

/* the part of an address before the '@' (all of it without one) */
static size_t
local_part(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len);

	return at ? (size_t) (at - s) : len;
}

static int
compare_email(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	char		la[CT_KEY_MAX],
				lb[CT_KEY_MAX];
	size_t		na = a->raw_len < CT_KEY_MAX ? a->raw_len : CT_KEY_MAX - 1;
	size_t		nb = b->raw_len < CT_KEY_MAX ? b->raw_len : CT_KEY_MAX - 1;
	const char *ka,
			   *kb;
	size_t		kla,
				klb,
				pa,
				pb;

	if (raw_equal(a, b))
		return EMAIL_EXACT;
	if (key_equal(a, b))
		return EMAIL_MAILBOX;
	for (size_t i = 0; i < na; i++)
		la[i] = (char) tolower((unsigned char) a->raw[i]);
	for (size_t i = 0; i < nb; i++)
		lb[i] = (char) tolower((unsigned char) b->raw[i]);
	if (lev(la, na, lb, nb, 2, alloc) <= 2)
		return EMAIL_LEV2;
	/* canonical forms where valid, else the lower-cased text */
	ka = a->key_len ? a->key : la;
	kla = a->key_len ? a->key_len : na;
	kb = b->key_len ? b->key : lb;
	klb = b->key_len ? b->key_len : nb;
	pa = local_part(ka, kla);
	pb = local_part(kb, klb);
	if (str_equal(ka, pa, kb, pb))
		return EMAIL_LOCAL;
	if (pa < kla && pb < klb && str_equal(ka + pa, kla - pa, kb + pb, klb - pb))
		return EMAIL_DOMAIN;
	return EMAIL_DIFFERENT;
}

/* the digits of a phone as typed, without an extension */
static size_t
phone_digits(const CtFieldValue *v, char *out)
{
	size_t		n = 0;

	if (v->key_len)
	{
		memcpy(out, v->key, v->key_len);
		return v->key_len;
	}
	for (size_t i = 0; i < v->raw_len && n < CT_KEY_MAX - 1; i++)
	{
		char		c = v->raw[i];

		if (isdigit((unsigned char) c))
			out[n++] = c;
		else if (isalpha((unsigned char) c))
			break;
	}
	return n;
}

static int
compare_phone(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	char		da[CT_KEY_MAX],
				db[CT_KEY_MAX];
	size_t		na,
				nb;

	if (raw_equal(a, b))
		return PHONE_EXACT;
	if (key_equal(a, b))
		return PHONE_NUMBER;
	na = phone_digits(a, da);
	nb = phone_digits(b, db);
	if (na >= 7 && nb >= 7 && memcmp(da + na - 7, db + nb - 7, 7) == 0)
		return PHONE_LAST7;
	if (lev(da, na, db, nb, 1, alloc) <= 1)
		return PHONE_LEV1;
	return PHONE_DIFFERENT;
}

static int
compare_company(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	double		s;

	if (raw_equal(a, b))
		return NAME_EXACT;
	if (a->raw_len == b->raw_len && a->raw_len > 0)
	{
		/* same text up to case: the cheapest "folded" test for companies */
		bool		same = true;

		for (size_t i = 0; i < a->raw_len && same; i++)
			same = tolower((unsigned char) a->raw[i]) == tolower((unsigned char) b->raw[i]);
		if (same)
			return NAME_FOLDED;
	}
	if (key_equal(a, b))
		return COMPANY_KEY;
	s = jw(a, b, alloc);
	if (s >= JW_HIGH)
		return COMPANY_JW92;
	if (s >= JW_LOW)
		return COMPANY_JW80;
	return COMPANY_DIFFERENT;
}

static int
compare_place(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	double		s;

	if (raw_equal(a, b))
		return NAME_EXACT;
	if (key_equal(a, b))
		return NAME_FOLDED;
	s = jw(a, b, alloc);
	if (s >= JW_HIGH)
		return PLACE_JW92;
	if (s >= JW_LOW)
		return PLACE_JW80;
	return PLACE_DIFFERENT;
}

/*
 * An address as an address: number, street and unit (address.h); text that
 * does not read as one (no street) is compared as text, at best a typo.
 */
static int
compare_address(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	CtAddress	x,
				y;

	if (raw_equal(a, b))
		return NAME_EXACT;
	ct_address_parse(a->key, a->key_len, &x);
	ct_address_parse(b->key, b->key_len, &y);
	if (x.street_len == 0 || y.street_len == 0)
		return key_equal(a, b) ? ADDRESS_SAME :
			jw(a, b, alloc) >= JW_HIGH ? ADDRESS_STREET_TYPO : ADDRESS_DIFFERENT;
	switch (ct_address_compare(&x, &y, alloc))
	{
		case CT_ADDRESS_SAME:
			return ADDRESS_SAME;
		case CT_ADDRESS_UNIT_MISSING:
			return ADDRESS_UNIT_MISSING;
		case CT_ADDRESS_STREET_TYPO:
			return ADDRESS_STREET_TYPO;
		case CT_ADDRESS_OTHER_UNIT:
			return ADDRESS_OTHER_UNIT;
		case CT_ADDRESS_NUMBER_MISSING:
			return ADDRESS_NUMBER_MISSING;
		case CT_ADDRESS_OTHER_NUMBER:
			return ADDRESS_OTHER_NUMBER;
		default:
			return ADDRESS_DIFFERENT;
	}
}

/* a typo or two characters swapped ("28013", "28031") is near agreement */
static int
compare_postcode(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	if (key_equal(a, b))
		return POST_EXACT;
	if (ct_damerau_levenshtein(a->key, a->key_len, b->key, b->key_len, alloc) <= 1)
		return POST_ONE_EDIT;
	if (a->key_len >= 3 && b->key_len >= 3 && memcmp(a->key, b->key, 3) == 0)
		return POST_PREFIX;
	return POST_DIFFERENT;
}

/*
 * The year and month of a date: from its key (YYYYMMDD) when it has one,
 * else from the text of a partial date ("1978", "03/1978", "1978-03"): its
 * one four-digit number from 1800 to 2099 is the year, and a number from 1
 * to 12 beside it the month when there are just the two.  False when no
 * year is found.
 */
static bool
date_parts(const CtFieldValue *v, int *year, int *month)
{
	int			numbers[3];
	int			digits[3];
	int			n = 0;

	*year = *month = 0;
	if (v->key_len == 8)
	{
		*year = (v->key[0] - '0') * 1000 + (v->key[1] - '0') * 100 + (v->key[2] - '0') * 10 + (v->key[3] - '0');
		*month = (v->key[4] - '0') * 10 + (v->key[5] - '0');
		return true;
	}
	for (size_t i = 0; i < v->raw_len;)
	{
		int			value = 0,
					len = 0;

		if (!isdigit((unsigned char) v->raw[i]))
		{
			i++;
			continue;
		}
		while (i < v->raw_len && isdigit((unsigned char) v->raw[i]))
		{
			if (len < 5)
				value = value * 10 + (v->raw[i] - '0');
			len++;
			i++;
		}
		if (n == 3)
			return false;
		numbers[n] = value;
		digits[n++] = len;
	}
	for (int i = 0; i < n; i++)
		if (digits[i] == 4 && numbers[i] >= 1800 && numbers[i] <= 2099)
		{
			*year = numbers[i];
			if (n == 2 && digits[1 - i] <= 2 && numbers[1 - i] >= 1 && numbers[1 - i] <= 12)
				*month = numbers[1 - i];
			return true;
		}
	return false;
}

/* the digits of a value as typed, run together */
static size_t
raw_digits(const CtFieldValue *v, char *out, size_t cap)
{
	size_t		n = 0;

	for (size_t i = 0; i < v->raw_len && n + 1 < cap; i++)
		if (isdigit((unsigned char) v->raw[i]))
			out[n++] = v->raw[i];
	out[n] = '\0';
	return n;
}

/* the same four digits in another order: "1995" and "1599" */
static bool
year_digits_swapped(const char *x, const char *y)
{
	int			count[10] = {0};

	for (int i = 0; i < 4; i++)
	{
		count[x[i] - '0']++;
		count[y[i] - '0']--;
	}
	for (int d = 0; d < 10; d++)
		if (count[d] != 0)
			return false;
	return true;
}

/*
 * A date that does not parse ("16/0/91982", "11/043/1963", "12/12/9172")
 * one digit off the other (or its year's digits in another order), typed
 * day first, month first or year first.
 */
static bool
date_digits_close(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	char		da[16],
				db[16];
	size_t		na = raw_digits(a, da, sizeof(da)),
				nb = raw_digits(b, db, sizeof(db));

	if (na < 6 || nb < 6)
		return false;
	if (b->key_len == 8)
	{
		const CtFieldValue *t = a;

		a = b;
		b = t;
		memcpy(da, db, sizeof(da));
		na = nb;
		nb = raw_digits(b, db, sizeof(db));
	}
	if (a->key_len == 8)
	{
		const char *k = a->key;
		char		layouts[3][9];

		/* DDMMYYYY, MMDDYYYY, YYYYMMDD */
		memcpy(layouts[0], k + 6, 2);
		memcpy(layouts[0] + 2, k + 4, 2);
		memcpy(layouts[0] + 4, k, 4);
		memcpy(layouts[1], k + 4, 4);
		memcpy(layouts[1] + 4, k, 4);
		memcpy(layouts[2], k, 8);
		for (int i = 0; i < 2; i++)
			if (nb == 8 && memcmp(layouts[i], db, 4) == 0 && year_digits_swapped(layouts[i] + 4, db + 4))
				return true;
		for (int i = 0; i < 3; i++)
			if (ct_damerau_levenshtein(layouts[i], 8, db, nb, alloc) <= 1)
				return true;
		return false;
	}
	return ct_damerau_levenshtein(da, na, db, nb, alloc) <= 1;
}

/* birth dates typed twice: typos, day and month swapped, a partial date */
static int
compare_date(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	const char *x = a->key,
			   *y = b->key;
	int			ya,
				ma,
				yb,
				mb;

	if (a->key_len == 8 && b->key_len == 8)
	{
		if (key_equal(a, b))
			return DATE_EXACT;
		if (ct_damerau_levenshtein(x, 8, y, 8, alloc) <= 1)
			return DATE_ONE_DIGIT;
		/* YYYYMMDD: month of one is the day of the other and vice versa */
		if (memcmp(x, y, 4) == 0 && memcmp(x + 4, y + 6, 2) == 0 && memcmp(x + 6, y + 4, 2) == 0)
			return DATE_SWAPPED;
	}
	else if (date_digits_close(a, b, alloc))
		return DATE_ONE_DIGIT;
	if (!date_parts(a, &ya, &ma) || !date_parts(b, &yb, &mb))
		return CT_LEVEL_MISSING;
	if (a->key_len == 8 && b->key_len == 8)
	{
		if (memcmp(x + 4, y + 4, 4) == 0 &&
			(ya - yb == 1 || yb - ya == 1 || year_digits_swapped(x, y)))
			return DATE_YEAR_OFF;
		if (ya == yb && ma == mb)
			return DATE_YEAR_MONTH;
		return ya == yb ? DATE_YEAR : DATE_DIFFERENT;
	}
	/* one side or both partial: agreement on what both give */
	if (ya != yb)
		return DATE_DIFFERENT;
	return ma != 0 && mb != 0 && ma != mb ? DATE_YEAR : DATE_PARTIAL;
}

static int
compare_id(const CtFieldValue *a, const CtFieldValue *b, const CtAllocator *alloc)
{
	int			d;

	if (key_equal(a, b))
		return ID_EXACT;
	d = ct_damerau_levenshtein(a->key, a->key_len, b->key, b->key_len, alloc);
	if (d == 1)
		return ID_LEV1;
	if (d == 2)
		return ID_LEV2;
	return ID_DIFFERENT;
}

/*
 * An identifier without a check digit: the same, or one character typed
 * wrong or two neighbours swapped (equal lengths), or different.
 */
static int
compare_identifier(const CtFieldValue *a, const CtFieldValue *b)
{
	size_t		first = 0,
				n = a->key_len;

	if (key_equal(a, b))
		return IDENT_EXACT;
	if (n != b->key_len)
		return IDENT_DIFFERENT;
	while (a->key[first] == b->key[first])
		first++;
	/* one substitution: the rest agrees */
	if (memcmp(a->key + first + 1, b->key + first + 1, n - first - 1) == 0)
		return IDENT_ONE_EDIT;
	/* one transposition of first and first + 1 */
	if (first + 1 < n && a->key[first] == b->key[first + 1] && a->key[first + 1] == b->key[first] &&
		memcmp(a->key + first + 2, b->key + first + 2, n - first - 2) == 0)
		return IDENT_ONE_EDIT;
	return IDENT_DIFFERENT;
}

void
ct_compare(const CtMatchModel *model, const CtFieldValue *a, const CtFieldValue *b,
		   uint8_t *gamma, const CtAllocator *alloc)
{
	int			given = -1,
				family = -1;
	bool		swapped = false;
	bool		names_split;

	for (int f = 0; f < model->nfields; f++)
	{
		if (model->field[f].kind == CT_FIELD_GIVEN_NAME && given < 0)
			given = f;
		else if (model->field[f].kind == CT_FIELD_FAMILY_NAME && family < 0)
			family = f;
	}
	if (given >= 0 && family >= 0)
		swapped = key_equal(&a[given], &b[family]) && key_equal(&a[family], &b[given]);
	names_split = given >= 0 && family >= 0 && present(&a[given]) && present(&b[given]) &&
		present(&a[family]) && present(&b[family]);

	for (int f = 0; f < model->nfields; f++)
	{
		const CtFieldValue *x = &a[f],
				   *y = &b[f];
		int			level;

		/* a value whose key cannot be formed counts as missing for keyed kinds */
		if (!present(x) || !present(y))
		{
			gamma[f] = CT_LEVEL_MISSING;
			continue;
		}
		switch (model->field[f].kind)
		{
			case CT_FIELD_GIVEN_NAME:
				level = compare_given(x, y, swapped, alloc);
				break;
			case CT_FIELD_FAMILY_NAME:
				level = compare_family(x, y, swapped, alloc);
				break;
			case CT_FIELD_FULL_NAME:
				/* the same evidence as given and family names: count it once */
				level = names_split ? CT_LEVEL_REDUNDANT : compare_full(x, y, alloc);
				break;
			case CT_FIELD_EMAIL:
				level = compare_email(x, y, alloc);
				break;
			case CT_FIELD_PHONE:
				level = compare_phone(x, y, alloc);
				break;
			case CT_FIELD_COMPANY:
				level = compare_company(x, y, alloc);
				break;
			case CT_FIELD_POSTCODE:
				level = x->key_len && y->key_len ? compare_postcode(x, y, alloc) : CT_LEVEL_MISSING;
				break;
			case CT_FIELD_BIRTH_DATE:
				level = compare_date(x, y, alloc);
				break;
			case CT_FIELD_ADDRESS:
				level = compare_address(x, y, alloc);
				break;
			case CT_FIELD_NATIONAL_ID:
				level = x->key_len && y->key_len ? compare_id(x, y, alloc) : CT_LEVEL_MISSING;
				break;
			case CT_FIELD_IDENTIFIER:
				level = x->key_len && y->key_len ? compare_identifier(x, y) : CT_LEVEL_MISSING;
				break;
			default:
				level = compare_place(x, y, alloc);
				break;
		}
		gamma[f] = (uint8_t) level;
	}
}

/* ---------------------------------------------------------------- weights */

static bool
tf_level(const CtMatchModel *model, int f, int level)
{
	return (kinds[model->field[f].kind].tf_levels >> level) & 1;
}

/*
 * The frequency an agreement is judged by: the commoner of the two values
 * (they are the same value at exact levels; for names swapped between
 * columns, "Smith" as a given name is rare but as a family name is not).
 */
static double
pair_tf(const CtFieldValue *a, const CtFieldValue *b, int f)
{
	return a[f].tf > b[f].tf ? a[f].tf : b[f].tf;
}

/*
 * A level's weight, adjusted by the frequency of the value agreed on.  A
 * common value weakens an agreement, down to no evidence at all, but never
 * turns it into evidence against: two records sharing "García" or "Madrid"
 * are no less likely the same person than two that share nothing.  (The
 * level weights come from the blocked pairs, where non-matches share such
 * values often, so a plain adjustment took a bit or two below zero and
 * lost obvious duplicates at 1M rows.)  A level that is already evidence
 * against, such as the same mail domain under different mailboxes, is
 * adjusted both ways.
 */
static double
level_weight(const CtMatchModel *model, int f, int level, double tf)
{
	const CtFieldModel *fm = &model->field[f];
	double		w = fm->weight[level];

	if (tf_level(model, f, level) && tf > 0 && fm->tf_reference != 0)
	{
		double		adj = fm->tf_reference - log2(tf);

		if (adj > model->tf_max_adjustment)
			adj = model->tf_max_adjustment;
		else if (adj < -model->tf_max_adjustment)
			adj = -model->tf_max_adjustment;
		w = (w >= 0 && w + adj < 0) ? 0 : w + adj;
	}
	return w;
}

void
ct_tf_accumulate(const CtMatchModel *model, const uint8_t *gamma, const CtFieldValue *a,
				 const CtFieldValue *b, double *sums, double *counts)
{
	for (int f = 0; f < model->nfields; f++)
		if (CT_LEVEL_COUNTS(gamma[f]) && tf_level(model, f, gamma[f]) && pair_tf(a, b, f) > 0)
		{
			sums[f] += log2(pair_tf(a, b, f));
			counts[f] += 1;
		}
}

void
ct_tf_set_reference(CtMatchModel *model, const double *sums, const double *counts)
{
	for (int f = 0; f < model->nfields; f++)
		model->field[f].tf_reference = counts[f] > 0 ? sums[f] / counts[f] : 0;
}

/* What the members of one household share: a family name and a place. */
static bool
is_household_field(CtFieldKind kind)
{
	return kind == CT_FIELD_FAMILY_NAME || kind == CT_FIELD_ADDRESS ||
		kind == CT_FIELD_POSTCODE || kind == CT_FIELD_CITY;
}

/*
 * The sum of the fields' weights and the prior.  Family name, address,
 * postcode and city agreeing say one thing, that the two records belong to
 * one household; summing them as independent evidence (as Fellegi-Sunter
 * does) outweighs a different given name and birth date, and matches a
 * mother with her son.  So only the strongest of those agreements counts;
 * the others count only when they disagree.
 */
double
ct_score(const CtMatchModel *model, const uint8_t *gamma, const CtFieldValue *a,
		 const CtFieldValue *b, double *weights)
{
	double		total = log2(model->lambda / (1 - model->lambda));
	double		w[CT_MAX_FIELDS];
	int			strongest = -1;

	for (int f = 0; f < model->nfields; f++)
	{
		w[f] = CT_LEVEL_COUNTS(gamma[f]) ? level_weight(model, f, gamma[f], pair_tf(a, b, f)) : 0;
		if (is_household_field(model->field[f].kind) && w[f] > 0 &&
			(strongest < 0 || w[f] > w[strongest]))
			strongest = f;
	}
	for (int f = 0; f < model->nfields; f++)
	{
		if (f != strongest && is_household_field(model->field[f].kind) && w[f] > 0)
			w[f] = 0;
		if (weights)
			weights[f] = w[f];
		total += w[f];
	}
	return total;
}

double
ct_probability(double weight)
{
	return 1.0 / (1.0 + exp2(-weight));
}
