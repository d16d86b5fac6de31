/*
 * yesno.c
 *		Yes and no in people's words (see yesno.h).
 */
#include <stdbool.h>
#include <string.h>

#include "fold.h"
#include "yesno.h"

const CtReason ct_consent_unreadable = {
	"CONSENT_UNREADABLE", "consent value is neither a yes nor a no",
	"Write sí/yes/x/1 or no/0, or add the sheet's own words to the table's yes_words and no_words."
};
const CtReason ct_boolean_unreadable = {
	"BOOLEAN_UNREADABLE", "value is neither a yes nor a no",
	"Write sí/yes/x/1 or no/0, or add the sheet's own words to the table's yes_words and no_words."
};

/* folded forms */
static const char *const yes_words[] = {
	"si", "s", "x", "\xe2\x9c\x93", "\xe2\x9c\x94", "yes", "y", "1", "true", "t", "verdadero",
	"acepto", "ok", "sim", "verdadeiro", "aceito", NULL
};
static const char *const no_words[] = {
	"no", "n", "0", "false", "f", "falso", "nao", NULL
};

#define WORD_BUF 64

/* the folded form of s, without a final period or exclamation mark */
static char *
fold_word(const char *s, size_t len, char *buf, size_t *n, const CtAllocator *alloc)
{
	char	   *f = ct_fold_buf(alloc, s, len, buf, WORD_BUF, n);

	while (f != NULL && *n > 0 && (f[*n - 1] == '.' || f[*n - 1] == '!' || f[*n - 1] == ' '))
		(*n)--;
	return f;
}

static bool
in_list(const char *w, size_t n, const char *const *list)
{
	for (int i = 0; list[i]; i++)
		if (strlen(list[i]) == n && memcmp(list[i], w, n) == 0)
			return true;
	return false;
}

static bool
in_extra(const char *w, size_t n, const char *const *extra, int count, const CtAllocator *alloc)
{
	for (int i = 0; i < count; i++)
	{
		char		buf[WORD_BUF];
		size_t		en;
		char	   *e = fold_word(extra[i], strlen(extra[i]), buf, &en, alloc);
		bool		same = e != NULL && en == n && memcmp(e, w, n) == 0;

		if (e != buf)
			ct_free(alloc, e);
		if (same)
			return true;
	}
	return false;
}

CtYesNo
ct_yesno(const char *s, size_t len,
		 const char *const *extra_yes, int n_yes,
		 const char *const *extra_no, int n_no,
		 const CtAllocator *alloc)
{
	char		buf[WORD_BUF];
	size_t		n;
	char	   *w = len > 256 ? NULL : fold_word(s, len, buf, &n, alloc);
	CtYesNo		answer = CT_YESNO_UNREADABLE;

	/* no word of either list is that long: do not fold a whole paragraph */
	if (len > 256 || w == NULL)
	{
		if (w != NULL && w != buf)
			ct_free(alloc, w);
		return CT_YESNO_UNREADABLE;
	}
	if (n == 0)
		answer = CT_YESNO_UNREADABLE;
	else if (in_list(w, n, yes_words) || in_extra(w, n, extra_yes, n_yes, alloc))
		answer = CT_YESNO_YES;
	else if (in_list(w, n, no_words) || in_extra(w, n, extra_no, n_no, alloc))
		answer = CT_YESNO_NO;
	if (w != buf)
		ct_free(alloc, w);
	return answer;
}
