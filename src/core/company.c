/*
 * company.c
 *		Company names: display form and comparison key.
 *
 * Both work on tokens: each word is fold()ed and stripped of punctuation,
 * then runs of one-letter tokens are joined ("s a" -> "sa") so that legal
 * forms match however they were dotted and spaced.  Legal forms are matched
 * at the end of the name against legal_forms, longest first.
 */
#include "company.h"

#include <stdbool.h>
#include <string.h>

#include "fold.h"
#include "words.h"

#define MAX_TOKENS 64
#define TOKEN_MAX 48

/*
 * Legal forms: the key (tokens as described above) and how
 * the display form writes it (NULL: a plain word, stripped from the key
 * only).  Sources: the forms' official abbreviations in each country's
 * company law (Spain, Mexico, Argentina, Chile, Peru, Colombia, Brazil,
 * Portugal, France, Italy, Germany, the Netherlands, Belgium, the Nordic
 * countries, Poland, Turkey, the UK, the US, Australia, Singapore, Japan).
 */
#define MAX_FORM_WORDS 6

typedef struct LegalForm
{
	const char *key[MAX_FORM_WORDS];	/* NULL-terminated */
	const char *display;
} LegalForm;

static const LegalForm legal_forms[] = {
	{{"s", "de", "rl", "de", "cv"}, "S. de R.L. de C.V."},
	{{"sapi", "de", "cv"}, "S.A.P.I. de C.V."},
	{{"sab", "de", "cv"}, "S.A.B. de C.V."},
	{{"sa", "de", "cv"}, "S.A. de C.V."},
	{{"gmbh", "&", "co", "kg"}, "GmbH & Co. KG"},
	{{"s", "de", "rl"}, "S. de R.L."},
	{{"sp", "z", "oo"}, "Sp. z o.o."},
	{{"cia", "ltda"}, "Cía. Ltda."},
	{{"ltd", "sti"}, NULL},
	{{"pte", "ltd"}, "Pte. Ltd."},
	{{"pty", "ltd"}, "Pty Ltd"},
	{{"&", "cia"}, NULL},
	{{"&", "co"}, NULL},
	{{"&", "sons"}, NULL},
	{{"sa"}, "S.A."},
	{{"sas"}, "S.A.S."},
	{{"sl"}, "S.L."},
	{{"slu"}, "S.L.U."},
	{{"sll"}, "S.L.L."},
	{{"srl"}, "S.R.L."},
	{{"sac"}, "S.A.C."},
	{{"saa"}, "S.A.A."},
	{{"eirl"}, "E.I.R.L."},
	{{"eireli"}, "EIRELI"},
	{{"sc"}, "S.C."},
	{{"ac"}, "A.C."},
	{{"ltda"}, "Ltda."},
	{{"cia"}, "Cía."},
	{{"inc"}, "Inc."},
	{{"corp"}, "Corp."},
	{{"co"}, "Co."},
	{{"llc"}, "LLC"},
	{{"llp"}, "LLP"},
	{{"lp"}, "LP"},
	{{"ltd"}, "Ltd."},
	{{"plc"}, "PLC"},
	{{"gmbh"}, "GmbH"},
	{{"ag"}, "AG"},
	{{"kg"}, "KG"},
	{{"ohg"}, "OHG"},
	{{"ev"}, "e.V."},
	{{"sarl"}, "SARL"},
	{{"eurl"}, "EURL"},
	{{"snc"}, "SNC"},
	{{"spa"}, "S.p.A."},
	{{"bv"}, "B.V."},
	{{"nv"}, "N.V."},
	{{"bvba"}, "BVBA"},
	{{"oy"}, "Oy"},
	{{"oyj"}, "Oyj"},
	{{"ab"}, "AB"},
	{{"as"}, NULL},				/* AS (Norway) or A.Ş. (Turkey): keep as typed */
	{{"asa"}, "ASA"},
	{{"aps"}, "ApS"},
	{{"pty"}, "Pty"},
	{{"kk"}, "K.K."},
	{{"corporation"}, NULL},
	{{"incorporated"}, NULL},
	{{"limited"}, NULL},
	{{"company"}, NULL},
	{{"compania"}, NULL},
	{{"sociedad", "anonima"}, NULL},
	{{NULL}, NULL}
};

static const char *const connectors[] = {"&", "+", "and", "y", "e", "und", "et", NULL};

typedef struct Token
{
	char		text[TOKEN_MAX];
	int			len;
	int			first_word;		/* the words the token came from */
	int			last_word;
} Token;

/*
 * The length of s without a multi-byte character cut short at its end: a
 * token or folded word cut at a byte limit must stay valid UTF-8, or the key
 * made of it is text the server rejects.
 */
static int
complete_prefix(const char *s, int len)
{
	int			lead = len;

	while (lead > 0 && lead > len - 4 && ((unsigned char) s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead > 0)
	{
		unsigned char c = (unsigned char) s[lead - 1];
		int			need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;

		if (lead - 1 + need > len)
			return lead - 1;
	}
	return len;
}

/*
 * Tokens of a word: fold it, drop dots, apostrophes and quotes, cut at any
 * other ASCII punctuation; "&" and "+" are tokens of their own.  A token is
 * cut at TOKEN_MAX - 1 bytes and an overlong word at its folded prefix, both
 * on a character boundary.
 */
static int
word_tokens(const CtWord *w, int word, Token *out, int cap, const CtAllocator *alloc)
{
	char		buf[TOKEN_MAX * 2];
	size_t		n = ct_fold(w->s, w->len, buf, sizeof(buf), alloc);
	int			ntok = 0;
	Token	   *t = NULL;

	if (n > sizeof(buf))
		n = sizeof(buf);		/* overlong word: its prefix is enough */
	for (size_t i = 0; i < n && ntok <= cap; i++)
	{
		unsigned char c = (unsigned char) buf[i];

		if (c == '.' || c == '\'' || c == '"')
			continue;
		if (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		{
			if (t == NULL)
			{
				if (ntok == cap)
					break;
				t = &out[ntok++];
				t->len = 0;
				t->first_word = t->last_word = word;
			}
			if (t->len < TOKEN_MAX - 1)
				t->text[t->len++] = (char) c;
			continue;
		}
		t = NULL;
		if ((c == '&' || c == '+') && ntok < cap)
		{
			t = &out[ntok++];
			t->text[0] = '&';
			t->len = 1;
			t->first_word = t->last_word = word;
			t = NULL;
		}
	}
	for (int k = 0; k < ntok; k++)
	{
		out[k].len = complete_prefix(out[k].text, out[k].len);
		out[k].text[out[k].len] = '\0';
	}
	return ntok;
}

/*
 * Tokens of a whole name, with one-letter runs joined ("s a" -> "sa").
 * *full (when full is not NULL) says whether they filled toks (MAX_TOKENS),
 * so that some may be missing.
 */
static int
name_tokens(const CtWord *words, int nwords, Token *toks, bool *full, const CtAllocator *alloc)
{
	int			n = 0,
				joined = 0;

	for (int w = 0; w < nwords && n < MAX_TOKENS; w++)
		n += word_tokens(&words[w], w, toks + n, MAX_TOKENS - n, alloc);
	if (full != NULL)
		*full = n == MAX_TOKENS;
	for (int i = 0; i < n; i++)
	{
		bool		single = toks[i].len == 1 && toks[i].text[0] >= 'a' && toks[i].text[0] <= 'z';

		if (single && joined > 0)
		{
			Token	   *prev = &toks[joined - 1];
			bool		prev_letters = prev->len < TOKEN_MAX - 1 &&
				prev->text[0] >= 'a' && prev->text[0] <= 'z' &&
				(i == 0 || (toks[i - 1].len == 1 && toks[i - 1].text[0] != '&'));

			/* Join only runs of single letters, never a word and a letter. */
			if (prev_letters && toks[i - 1].len == 1)
			{
				prev->text[prev->len++] = toks[i].text[0];
				prev->text[prev->len] = '\0';
				prev->last_word = toks[i].last_word;
				continue;
			}
		}
		toks[joined++] = toks[i];
	}
	return joined;
}

static bool
is_connector(const Token *t)
{
	for (int i = 0; connectors[i] != NULL; i++)
		if (strcmp(t->text, connectors[i]) == 0)
			return true;
	return false;
}

/*
 * The legal form the tokens end with, matched on the key; returns it and
 * sets *ntok to the number of tokens it covers (NULL if none).
 */
static const LegalForm *
trailing_legal_form(const Token *toks, int n, int *ntok)
{
	for (const LegalForm *f = legal_forms; f->key[0] != NULL; f++)
	{
		int			k = 0;
		bool		match = true;

		while (k < MAX_FORM_WORDS && f->key[k] != NULL)
			k++;
		if (k >= n)
			continue;			/* never the whole name */
		for (int i = 0; i < k && match; i++)
		{
			const Token *t = &toks[n - k + i];
			const char *part = f->key[i];

			if (part[0] == '&')
				match = is_connector(t);
			else
				match = t->text[0] == part[0] && strcmp(t->text, part) == 0;
		}
		if (match)
		{
			*ntok = k;
			return f;
		}
	}
	return NULL;
}

char *
ct_company_key(const CtAllocator *alloc, const char *s, size_t len, size_t *outlen)
{
	CtWord		words[MAX_TOKENS];
	Token		toks[MAX_TOKENS];
	int			nwords = ct_words_split(s, len, CT_WORDS_WHITE_SPACE, words, MAX_TOKENS, true);
	int			n = name_tokens(words, nwords, toks, NULL, alloc);
	int			first = 0,
				k;
	char	   *out = ct_alloc(alloc, (size_t) n * TOKEN_MAX + 1);
	size_t		o = 0;

	if (out == NULL)
		return NULL;
	/* Strip legal forms, then any connector left dangling ("Smith &"). */
	while (trailing_legal_form(toks, n, &k) != NULL)
	{
		n -= k;
		while (n > 1 && is_connector(&toks[n - 1]))
			n--;
	}
	if (n > 1 && strcmp(toks[0].text, "the") == 0)
		first = 1;
	for (int i = first; i < n; i++)
	{
		bool		conn = i > first && i < n - 1 && is_connector(&toks[i]);

		if (o > 0)
			out[o++] = ' ';
		if (conn)
			out[o++] = '&';
		else
		{
			memcpy(out + o, toks[i].text, toks[i].len);
			o += toks[i].len;
		}
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

static bool
is_ascii(const CtWord *w)
{
	for (size_t i = 0; i < w->len; i++)
		if ((unsigned char) w->s[i] >= 0x80)
			return false;
	return true;
}

char *
ct_normalize_company(const CtAllocator *alloc, const char *s, size_t len, size_t *outlen)
{
	CtWord		words[MAX_TOKENS];
	Token		toks[MAX_TOKENS];
	int			nwords = ct_words_split(s, len, CT_WORDS_WHITE_SPACE, words, MAX_TOKENS, true);
	int			n;
	bool		full;
	int			k,
				form_word = nwords;
	const LegalForm *form;
	/* Room for the words, their spaces, the longest display form. */
	char	   *out = ct_alloc(alloc, len + (size_t) nwords + 32);
	size_t		o = 0;

	if (out == NULL)
		return NULL;

	/*
	 * No company name has MAX_TOKENS words or tokens: such text only gets
	 * its white space collapsed (the rules below could see a different last
	 * word or token on a second pass, and normalizing must be idempotent).
	 */
	n = name_tokens(words, nwords, toks, &full, alloc);
	if (nwords == MAX_TOKENS || full)
	{
		CtWords		it;
		CtWord		w;

		ct_words_init(&it, s, len, CT_WORDS_WHITE_SPACE);
		while (ct_words_next(&it, &w))
		{
			if (o > 0)
				out[o++] = ' ';
			memcpy(out + o, w.s, w.len);
			o += w.len;
		}
		out[o] = '\0';
		*outlen = o;
		return out;
	}

	form = trailing_legal_form(toks, n, &k);
	if (form != NULL && form->display != NULL)
	{
		form_word = toks[n - k].first_word;
		/* Typed with letters beyond ASCII ("A.Ş."): keep it as typed. */
		for (int w = form_word; w < nwords; w++)
			if (!is_ascii(&words[w]))
				form_word = nwords;
	}
	for (int w = 0; w < form_word; w++)
	{
		const char *p = words[w].s;
		size_t		l = words[w].len;

		/* "Acme ,Inc" -> "Acme, Inc": commas stick to the word before. */
		while (l > 0 && *p == ',')
		{
			if (o > 0 && out[o - 1] != ',')
				out[o++] = ',';
			p++, l--;
		}
		if (l == 0)
			continue;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, p, l);
		o += l;
	}
	if (form_word < nwords)
	{
		size_t		dl = strlen(form->display);

		if (o > 0 && words[form_word].s[0] == ',' && out[o - 1] != ',')
			out[o++] = ',';
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, form->display, dl);
		o += dl;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}
