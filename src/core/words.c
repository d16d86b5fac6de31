/*
 * words.c
 *		The code point sets of words.h (they need ICU) and the splitter.
 */
#include "words.h"

#include <unicode/uchar.h>

#include "utf8.h"

bool
ct_words_typed_space(uint32_t c)
{
	if (c < 0x80)
		return c <= 0x20 || c == 0x7F;
	if (c < 0x100)
		return c <= 0xA0;		/* C1 controls and the no-break space */
	return u_isUWhiteSpace((UChar32) c) || c == 0x200B;
}

CtWordClass
ct_words_cp_class(CtWordSet set, uint32_t c)
{
	switch (set)
	{
		case CT_WORDS_WHITE_SPACE:
			return u_isUWhiteSpace((UChar32) c) ? CT_WORD_SEP : CT_WORD_PART;
		case CT_WORDS_ALNUM:
			if (c < 0x80)
			{
				if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))
					return CT_WORD_PART;
				return c == '\'' ? CT_WORD_JOIN : CT_WORD_SEP;
			}
			return u_isalnum((UChar32) c) || u_hasBinaryProperty((UChar32) c, UCHAR_ALPHABETIC)
				? CT_WORD_PART : CT_WORD_SEP;
		default:
			return c < 0x80 ? ct_words_byte_class(set, (unsigned char) c) : CT_WORD_PART;
	}
}

/* ct_words_next for the code point sets. */
bool
ct_words_next_cp(CtWords *it, CtWord *w)
{
	size_t		i = it->pos;
	size_t		start,
				next;

	for (;; i = next)
	{
		if (i >= it->len)
		{
			it->pos = i;
			return false;
		}
		next = i;
		if (ct_words_cp_class(it->set, ct_utf8_next(it->s, it->len, &next)) == CT_WORD_PART)
			break;
	}
	start = i;
	for (i = next; i < it->len; i = next)
	{
		next = i;
		if (ct_words_cp_class(it->set, ct_utf8_next(it->s, it->len, &next)) == CT_WORD_SEP)
			break;
	}
	w->s = it->s + start;
	w->len = i - start;
	it->pos = i;
	return true;
}

int
ct_words_split(const char *s, size_t len, CtWordSet set, CtWord *out, int cap, bool last_takes_rest)
{
	CtWords		it;
	CtWord		w;
	int			n = 0;

	ct_words_init(&it, s, len, set);
	while (n < cap && ct_words_next(&it, &out[n]))
		n++;
	if (n == cap && last_takes_rest)
		while (ct_words_next(&it, &w))
			out[n - 1].len = (size_t) (w.s + w.len - out[n - 1].s);
	return n;
}
