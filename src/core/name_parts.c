/*
 * name_parts.c
 *		Given and family names of a person name (ct_name_parts, names.h).
 *
 * Works on the normalized name (name_case.c), split into CT_WORDS_NAME
 * words; particles stay with the word they precede.
 */
#include "names.h"

#include <string.h>

#include "fold.h"
#include "nicknames.h"
#include "words.h"

#define MAX_WORDS 64

static char *
span_dup(const CtAllocator *alloc, const char *from, const char *to)
{
	char	   *r;

	while (from < to && *from == ' ')
		from++;
	while (to > from && to[-1] == ' ')
		to--;
	if (to == from)
		return NULL;
	r = ct_alloc(alloc, to - from + 1);
	if (r != NULL)
	{
		memcpy(r, from, to - from);
		r[to - from] = '\0';
	}
	return r;
}

static bool
is_suffix_word(const char *w, size_t len)
{
	static const char *const suffixes[] = {
		"Jr.", "Sr.", "II", "III", "IV", "VI", "VII", "VIII", NULL
	};

	for (int i = 0; suffixes[i] != NULL; i++)
		if (strlen(suffixes[i]) == len && memcmp(suffixes[i], w, len) == 0)
			return true;
	return false;
}

static bool
word_is_given_name(const CtAllocator *alloc, const CtWord *w)
{
	char		buf[128];
	size_t		n;

	if (w->len > 60)
		return false;
	n = ct_fold(w->s, w->len, buf, sizeof(buf), alloc);
	return n <= sizeof(buf) && ct_is_given_name(buf, n);
}

/*
 * Group words into units: each unit is any particles plus the word after
 * them; particles at the end join the unit before.  unit_start[k] is the
 * index of unit k's first word.  Returns the number of units.
 */
static int
group_units(const CtWord *words, int nwords, int *unit_start)
{
	int			nunits = 0;
	bool		open = false;	/* current unit still lacks its main word */

	for (int i = 0; i < nwords; i++)
	{
		bool		particle = ct_name_is_particle(words[i].s, words[i].len);

		if (!open)
		{
			unit_start[nunits++] = i;
			open = particle;
		}
		else if (!particle)
			open = false;
	}
	return nunits;
}

/* Split the family part into first and second family names. */
static bool
split_family(const CtAllocator *alloc, const CtWord *words, int nwords, CtNameParts *parts)
{
	int			units[MAX_WORDS];
	int			nunits = group_units(words, nwords, units);
	const char *end = words[nwords - 1].s + words[nwords - 1].len;

	parts->family_names = span_dup(alloc, words[0].s, end);
	if (nunits >= 2)
	{
		int			second = units[1];

		parts->first_family = span_dup(alloc, words[0].s, words[second].s);
		/* "Ortega y Gasset": the conjunction joins, it is not part of a name. */
		if (words[second].len == 1 && strchr("yei", words[second].s[0]) != NULL &&
			second + 1 < nwords)
			second++;
		parts->second_family = span_dup(alloc, words[second].s, end);
	}
	else
		parts->first_family = span_dup(alloc, words[0].s, end);
	return parts->family_names != NULL && parts->first_family != NULL;
}

bool
ct_name_parts(const CtAllocator *alloc, const char *s, size_t len, CtNameParts *parts)
{
	size_t		nlen;
	char	   *norm = ct_normalize_name(alloc, s, len, &nlen);
	char	   *comma;
	CtWord		words[MAX_WORDS];
	int			units[MAX_WORDS];
	int			nwords,
				nunits,
				family;

	memset(parts, 0, sizeof(*parts));
	if (norm == NULL)
		return false;

	/* "Family, Given" */
	comma = strchr(norm, ',');
	nwords = ct_words_split(norm, comma ? (size_t) (comma - norm) : nlen, CT_WORDS_NAME, words, MAX_WORDS, true);
	if (nwords > 0 && is_suffix_word(words[nwords - 1].s, words[nwords - 1].len) && nwords > 1)
	{
		parts->suffix = span_dup(alloc, words[nwords - 1].s,
								 words[nwords - 1].s + words[nwords - 1].len);
		nwords--;
	}
	if (comma != NULL)
	{
		CtWord		given[MAX_WORDS];
		int			ngiven = ct_words_split(comma + 1, nlen - (comma + 1 - norm), CT_WORDS_NAME, given, MAX_WORDS, true);

		/*
		 * A suffix may follow the given names: "Smith, John, Jr." (one suffix:
		 * a second one, as in "Smith Jr., John Jr.", stays a given name).
		 */
		if (parts->suffix == NULL && ngiven > 1 &&
			is_suffix_word(given[ngiven - 1].s, given[ngiven - 1].len))
		{
			parts->suffix = span_dup(alloc, given[ngiven - 1].s,
									 given[ngiven - 1].s + given[ngiven - 1].len);
			ngiven--;
		}
		if (ngiven > 0)
			parts->given_names = span_dup(alloc, given[0].s,
										  given[ngiven - 1].s + given[ngiven - 1].len);
		if (nwords > 0 && !split_family(alloc, words, nwords, parts))
			return false;
		ct_free(alloc, norm);
		return true;
	}
	if (nwords == 0)
	{
		ct_free(alloc, norm);
		return true;
	}

	nunits = group_units(words, nwords, units);
	if (nunits == 1)
	{
		/* A single name ("Madonna", "Xuxa") is a given name. */
		parts->given_names = span_dup(alloc, words[0].s, words[nwords - 1].s + words[nwords - 1].len);
		ct_free(alloc, norm);
		return parts->given_names != NULL;
	}
	family = nunits == 2 ? 1 : nunits - 2;
	/*
	 * "John Michael Smith", "Juan Carlos Pérez", "María del Pilar García": a
	 * given name (its main word, after any particles), then one surname.
	 */
	if (nunits >= 3 && nunits <= 4 &&
		word_is_given_name(alloc, &words[units[family + 1] - 1]) &&
		!word_is_given_name(alloc, &words[nunits == family + 2 ? nwords - 1 : units[family + 2] - 1]))
		family++;
	/* An initial ("John F. Kennedy") belongs with the given names. */
	while (family < nunits - 1 && units[family + 1] - units[family] == 1 &&
		   words[units[family]].len <= 3 && words[units[family]].s[words[units[family]].len - 1] == '.')
		family++;
	parts->given_names = span_dup(alloc, words[0].s, words[units[family]].s);
	if (!split_family(alloc, words + units[family], nwords - units[family], parts))
		return false;
	ct_free(alloc, norm);
	return true;
}
