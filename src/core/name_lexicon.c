/*
 * name_lexicon.c
 *		Lookups in the generated nickname and given-name tables.
 */
#include "nicknames.h"

#include <string.h>

/* Bytewise comparison of a (not NUL-terminated) key with a table string. */
static inline int
key_cmp(const char *key, size_t len, const char *s)
{
	for (size_t i = 0; i < len; i++)
	{
		unsigned char k = (unsigned char) key[i],
					c = (unsigned char) s[i];

		if (k != c)
			return c == '\0' ? 1 : (int) k - (int) c;
	}
	return s[len] == '\0' ? 0 : -1;
}

size_t
ct_nickname_find(const char *key, size_t len, const CtNickname **first)
{
	size_t		lo,
				hi;
	size_t		end;
	int			prefix;

	*first = ct_nicknames;
	if (len == 0 || key[0] < 'a' || key[0] > 'z')
		return 0;
	if (len == 1)
		prefix = (key[0] - 'a') * 27;
	else if (key[1] >= 'a' && key[1] <= 'z')
		prefix = (key[0] - 'a') * 27 + key[1] - 'a' + 1;
	else
		return 0;
	lo = ct_nicknames_by_prefix[prefix];
	hi = ct_nicknames_by_prefix[prefix + 1];
	/* Lower bound: the first entry not less than key. */
	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (key_cmp(key, len, ct_nicknames[mid].name) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ct_nicknames_count && key_cmp(key, len, ct_nicknames[end].name) == 0; end++)
		;
	*first = &ct_nicknames[lo];
	return end - lo;
}

bool
ct_nickname_related(const char *a, size_t alen, const char *b, size_t blen)
{
	const CtNickname *fa,
			   *fb;
	size_t		na = ct_nickname_find(a, alen, &fa);
	size_t		nb;

	if (na == 0)
		return false;
	nb = ct_nickname_find(b, blen, &fb);
	/* Both runs are sorted by formal name: intersect them by merging. */
	for (size_t i = 0, j = 0; i < na && j < nb;)
	{
		if (fa[i].formal == fb[j].formal)
			return true;
		if (fa[i].formal < fb[j].formal)
			i++;
		else
			j++;
	}
	return false;
}

size_t
ct_nickname_variants(const char *key, size_t len, const char **out, size_t cap)
{
	const CtNickname *run;
	size_t		nrun = ct_nickname_find(key, len, &run);
	size_t		n = 0,
				stored = 0;

	if (nrun == 0)
		return 0;
	/* Every entry whose formal name is one of the key's (sorted by name). */
	for (size_t i = 0; i < ct_nicknames_count; i++)
	{
		bool		match = false;

		for (size_t k = 0; k < nrun && !match; k++)
			match = ct_nicknames[i].formal == run[k].formal;
		if (!match)
			continue;
		/* Table is sorted by name: a repeated name is the previous one. */
		if (stored > 0 && strcmp(out[stored - 1], ct_nicknames[i].name) == 0)
			continue;
		if (stored < cap)
			out[stored++] = ct_nicknames[i].name;
		n++;
	}
	return n;
}

bool
ct_is_given_name(const char *key, size_t len)
{
	size_t		lo = 0,
				hi = ct_given_names_count;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		int			c = key_cmp(key, len, ct_given_names[mid]);

		if (c == 0)
			return true;
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
