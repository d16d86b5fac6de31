/*
 * name_grams.c
 *		Similarity of names for the fuzzy name index, the keys it stores and
 *		the bound it computes from them (see name_grams.h for the definitions
 *		and the guarantee they give).
 */
#include "name_grams.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "utf8.h"
#include "words.h"

/* Kinds of key, hashed in so that a trigram never equals a variant. */
#define KEY_TRIGRAM		1u
#define KEY_VARIANT		2u
#define KEY_TOKENS		3u		/* the number of tokens of the name */

/* Boundary mark of the padded trigrams; never a token symbol. */
#define PAD				((uint32_t) ' ')

/* Code points of one token kept before the skeleton shortens digraphs. */
#define TOKEN_MAX_RAW	(2 * NAME_TOKEN_MAX_SYMBOLS)

/* Folded names up to this many bytes need no allocation for folding. */
#define FOLD_STACK_BYTES 256

/*
 * Hash of a kind and a symbol sequence: FNV-1a over the symbols, then
 * MurmurHash3's finalizer so that all bits are well mixed.
 */
static uint32_t
hash_symbols(uint32_t kind, const uint32_t *sym, int n)
{
	uint32_t	h = 2166136261u ^ kind;

	for (int i = 0; i < n; i++)
	{
		uint32_t	c = sym[i];

		for (int b = 0; b < 4; b++)
		{
			h ^= (c >> (8 * b)) & 0xFF;
			h *= 16777619u;
		}
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static bool
is_vowel(uint32_t c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

static bool
is_front_vowel(uint32_t c)
{
	return c == 'e' || c == 'i' || c == 'y';
}

/*
 * Rewrite a folded token as its phonetic skeleton (at most
 * NAME_TOKEN_MAX_SYMBOLS symbols); returns the number of symbols.  The rules
 * merge the spellings of one sound that Spanish and English names mix up;
 * vowels stay, as they tell names apart (Ana, Ena).  Doubled letters count
 * once, so ll is l: English undoubles it (Russel, Wiliams) far more often
 * than Spanish writes it as y.  In the result 'c' stands for ch/sh, and h,
 * q, v and z no longer occur.
 */
static int
phonetic_skeleton(const uint32_t *in, int n, uint32_t *out)
{
	int			o = 0;

	for (int i = 0; i < n; i++)
	{
		uint32_t	c = in[i];
		uint32_t	next = i + 1 < n ? in[i + 1] : 0;
		uint32_t	s;

		switch (c)
		{
			case 'c':
				if (next == 'h')
				{
					s = 'c';
					i++;
				}
				else if (is_front_vowel(next))
					s = 's';
				else
				{
					s = 'k';
					if (next == 'k')
						i++;
				}
				break;
			case 's':
				s = 's';
				if (next == 'h')
				{
					s = 'c';
					i++;
				}
				break;
			case 'p':
				s = 'p';
				if (next == 'h')
				{
					s = 'f';
					i++;
				}
				break;
			case 't':
				s = 't';
				if (next == 'h')
					i++;
				break;
			case 'q':
				s = 'k';
				if (next == 'u')
					i++;
				break;
			case 'z':
				s = 's';
				break;
			case 'v':
				s = 'b';
				break;
			case 'x':
				/* Ximena, Xavier: an initial x before a vowel is the j sound */
				s = (i == 0 && is_vowel(next)) ? 'j' : 'x';
				break;
			case 'y':
				/* always: a typo next to it (Ryna) must not change it */
				s = 'i';
				break;
			case 'g':
				if (is_front_vowel(next))
					s = 'j';
				else
				{
					s = 'g';
					/* gue, gui: the u is silent */
					if (next == 'u' && i + 2 < n && (in[i + 2] == 'e' || in[i + 2] == 'i'))
						i++;
				}
				break;
			case 'h':
				continue;
			default:
				s = c;
				break;
		}
		if (o > 0 && out[o - 1] == s)
			continue;
		if (o == NAME_TOKEN_MAX_SYMBOLS)
			break;
		out[o++] = s;
	}
	return o;
}

/*
 * Walk the tokens of a folded name (CT_WORDS_ALNUM: an apostrophe inside a
 * word joins, as in O'Brien and D'Angelo, and is dropped): calls fn with
 * each token's skeleton.
 */
typedef void (*TokenFn) (const uint32_t *sym, int len, void *arg);

static void
for_each_token(const char *folded, size_t flen, TokenFn fn, void *arg)
{
	uint32_t	raw[TOKEN_MAX_RAW];
	uint32_t	sym[NAME_TOKEN_MAX_SYMBOLS];
	CtWords		it;
	CtWord		w;

	ct_words_init(&it, folded, flen, CT_WORDS_ALNUM);
	while (ct_words_next(&it, &w))
	{
		int			nraw = 0;
		int			len;

		for (size_t pos = 0; pos < w.len;)
		{
			uint32_t	cp = ct_utf8_next(w.s, w.len, &pos);

			if (cp != '\'' && nraw < TOKEN_MAX_RAW)
				raw[nraw++] = cp;
		}
		len = phonetic_skeleton(raw, nraw, sym);
		if (len > 0)
			fn(sym, len, arg);
	}
}

/* Fold into a stack buffer when it fits; NULL if the allocator fails. */
static char *
fold_name(const char *s, size_t len, const CtAllocator *alloc,
		  char *stackbuf, size_t *flen)
{
	return ct_fold_buf(alloc, s, len, stackbuf, FOLD_STACK_BYTES, flen);
}

static void
free_folded(const CtAllocator *alloc, char *folded, char *stackbuf)
{
	if (folded != stackbuf)
		ct_free(alloc, folded);
}

/* Most keys per token: trigrams, variants, an initial and a token count. */
#define TOKEN_MAX_KEYS	(NAME_QUERY_MAX_KEYS / NAME_MAX_TOKENS)

static int
cmp_key(const void *a, const void *b)
{
	NameKey		x = *(const NameKey *) a;
	NameKey		y = *(const NameKey *) b;

	return x < y ? -1 : x > y;
}

/* Sort keys and drop repeats; returns how many remain. */
static int
sort_distinct(NameKey *keys, int n)
{
	int			m = 1;

	if (n == 0)
		return 0;
	qsort(keys, n, sizeof(NameKey), cmp_key);
	for (int i = 1; i < n; i++)
		if (keys[i] != keys[m - 1])
			keys[m++] = keys[i];
	return m;
}

/* The key that says a name has n tokens. */
static NameKey
tokens_key(int n)
{
	uint32_t	sym = (uint32_t) n;

	return hash_symbols(KEY_TOKENS, &sym, 1);
}

/* The hash of the padded trigram of an initial: (mark, c, mark). */
static NameKey
initial_key(uint32_t c)
{
	uint32_t	tri[3] = {PAD, c, PAD};

	return hash_symbols(KEY_TRIGRAM, tri, 3);
}

static void
collect_token(const uint32_t *sym, int len, void *arg)
{
	NameTokens *t = (NameTokens *) arg;
	int			k = t->ntokens;
	uint32_t	padded[NAME_TOKEN_MAX_SYMBOLS + 3];
	int			n = 0;

	if (k == NAME_MAX_TOKENS)
		return;
	t->len[k] = (uint8_t) len;
	memcpy(t->sym[k], sym, len * sizeof(uint32_t));
	padded[0] = PAD;
	padded[1] = PAD;
	memcpy(padded + 2, sym, len * sizeof(uint32_t));
	padded[len + 2] = PAD;
	for (int i = 0; i + 3 <= len + 3; i++)
		t->tri[k][n++] = hash_symbols(KEY_TRIGRAM, padded + i, 3);
	t->ntri[k] = (uint8_t) sort_distinct(t->tri[k], n);
	t->ntokens++;
}

void
name_tokens_parse(const char *s, size_t len, const CtAllocator *alloc, NameTokens *out)
{
	char		stackbuf[FOLD_STACK_BYTES];
	size_t		flen;
	char	   *folded = fold_name(s, len, alloc, stackbuf, &flen);

	out->ntokens = 0;
	if (folded == NULL)
		return;
	for_each_token(folded, flen, collect_token, out);
	free_folded(alloc, folded, stackbuf);
}

/*
 * Is a within one edit of b (equal, or one substitution, insertion,
 * deletion or transposition of adjacent symbols)?
 */
static bool
within_one_edit(const uint32_t *a, int la, const uint32_t *b, int lb)
{
	int			i = 0;

	if (la > lb)
	{
		const uint32_t *t = a;
		int			tl = la;

		a = b, la = lb, b = t, lb = tl;
	}
	if (lb - la > 1)
		return false;
	while (i < la && a[i] == b[i])
		i++;
	if (la < lb)				/* b has one more symbol, at i */
		return memcmp(a + i, b + i + 1, (la - i) * sizeof(uint32_t)) == 0;
	if (i == la)
		return true;
	if (memcmp(a + i + 1, b + i + 1, (la - i - 1) * sizeof(uint32_t)) == 0)
		return true;
	return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		memcmp(a + i + 2, b + i + 2, (la - i - 2) * sizeof(uint32_t)) == 0;
}

/* Number of keys two sorted distinct key arrays share. */
static int
keys_common(const NameKey *a, int na, const NameKey *b, int nb)
{
	int			i = 0,
				j = 0,
				common = 0;

	while (i < na && j < nb)
	{
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else
		{
			common++;
			i++;
			j++;
		}
	}
	return common;
}

/* The trigram score: Dice coefficient, 0 below NAME_MIN_GRAM_SCORE. */
static double
gram_score(int common, int na, int nb)
{
	double		dice = 2.0 * common / (double) (na + nb);

	return dice >= NAME_MIN_GRAM_SCORE ? dice : 0.0;
}

/* Score of a token one edit away from another, the longer of L symbols. */
static double
typo_score(int len)
{
	return 1.0 - 1.0 / (len + 1);
}

/* Score of token i of a against token j of b (see name_grams.h). */
static double
token_score(const NameTokens *a, int i, const NameTokens *b, int j)
{
	int			la = a->len[i],
				lb = b->len[j];
	int			maxlen = la > lb ? la : lb;
	double		best;

	if (la == lb && memcmp(a->sym[i], b->sym[j], la * sizeof(uint32_t)) == 0)
		return 1.0;
	best = gram_score(keys_common(a->tri[i], a->ntri[i], b->tri[j], b->ntri[j]),
					  a->ntri[i], b->ntri[j]);
	if (maxlen >= NAME_EDIT_MIN_LEN && typo_score(maxlen) > best &&
		within_one_edit(a->sym[i], la, b->sym[j], lb))
		best = typo_score(maxlen);
	if ((la == 1) != (lb == 1) && a->sym[i][0] == b->sym[j][0] && NAME_SCORE_INITIAL > best)
		best = NAME_SCORE_INITIAL;
	return best;
}

typedef struct TokenPair
{
	double		score;
	uint8_t		a;				/* token of the first name */
	uint8_t		b;				/* token of the second name */
	uint8_t		llo;
	uint8_t		lhi;
	const uint32_t *lo;			/* the pair's tokens, the smaller first */
	const uint32_t *hi;
} TokenPair;

static int
cmp_symbols(const uint32_t *x, int lx, const uint32_t *y, int ly)
{
	for (int i = 0; i < lx && i < ly; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return lx < ly ? -1 : lx > ly;
}

/*
 * Best pairs first; equal scores ordered by the pair's tokens, so that the
 * order does not depend on the order of the arguments.
 */
static int
cmp_pair(const void *p, const void *q)
{
	const TokenPair *x = p,
			   *y = q;
	int			c;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	c = cmp_symbols(x->lo, x->llo, y->lo, y->llo);
	return c != 0 ? c : cmp_symbols(x->hi, x->lhi, y->hi, y->lhi);
}

double
name_tokens_similarity(const NameTokens *a, const NameTokens *b)
{
	TokenPair	pairs[NAME_MAX_TOKENS * NAME_MAX_TOKENS];
	bool		used_a[NAME_MAX_TOKENS] = {false},
				used_b[NAME_MAX_TOKENS] = {false};
	int			npairs = 0;
	double		sum = 0.0;

	if (a->ntokens == 0 || b->ntokens == 0)
		return 0.0;
	for (int i = 0; i < a->ntokens; i++)
		for (int j = 0; j < b->ntokens; j++)
		{
			double		s = token_score(a, i, b, j);
			TokenPair  *p;

			if (s <= 0.0)
				continue;
			p = &pairs[npairs++];
			p->score = s;
			p->a = (uint8_t) i;
			p->b = (uint8_t) j;
			p->lo = a->sym[i], p->llo = a->len[i];
			p->hi = b->sym[j], p->lhi = b->len[j];
			if (cmp_symbols(p->lo, p->llo, p->hi, p->lhi) > 0)
			{
				p->lo = b->sym[j], p->llo = b->len[j];
				p->hi = a->sym[i], p->lhi = a->len[i];
			}
		}
	qsort(pairs, npairs, sizeof(TokenPair), cmp_pair);
	for (int k = 0; k < npairs; k++)
	{
		if (used_a[pairs[k].a] || used_b[pairs[k].b])
			continue;
		used_a[pairs[k].a] = used_b[pairs[k].b] = true;
		sum += pairs[k].score;
	}
	return sum / (a->ntokens + b->ntokens - sum);
}

double
name_search_similarity(const char *a, size_t alen, const char *b, size_t blen,
					   const CtAllocator *alloc)
{
	NameTokens *ta = ct_alloc(alloc, 2 * sizeof(NameTokens));
	double		sim = 0.0;

	if (ta == NULL)
		return 0.0;
	name_tokens_parse(a, alen, alloc, &ta[0]);
	name_tokens_parse(b, blen, alloc, &ta[1]);
	sim = name_tokens_similarity(&ta[0], &ta[1]);
	ct_free(alloc, ta);
	return sim;
}

/*
 * Append token k's variants to keys: the skeleton, then (from
 * NAME_EDIT_MIN_LEN symbols on) the skeleton with symbol i deleted for each
 * i; none for tokens longer than maxlen.  Tokens one edit apart, the longer
 * of at least NAME_EDIT_MIN_LEN symbols, share a variant: the same deletion
 * from both (a substitution or a transposition), or the shorter one itself.
 * Returns the number appended.
 */
static int
token_variants(const NameTokens *t, int k, int maxlen, NameKey *keys)
{
	uint32_t	del[NAME_TOKEN_MAX_SYMBOLS];
	int			len = t->len[k];
	int			n = 0;

	if (len > maxlen)
		return 0;
	keys[n++] = hash_symbols(KEY_VARIANT, t->sym[k], len);
	if (len < NAME_EDIT_MIN_LEN)
		return n;
	for (int i = 0; i < len; i++)
	{
		memcpy(del, t->sym[k], i * sizeof(uint32_t));
		memcpy(del + i, t->sym[k] + i + 1, (len - i - 1) * sizeof(uint32_t));
		keys[n++] = hash_symbols(KEY_VARIANT, del, len - 1);
	}
	return n;
}

int
name_keys_extract(const char *s, size_t len, const CtAllocator *alloc, NameKey **keys)
{
	NameTokens *t = ct_alloc(alloc, sizeof(NameTokens));
	NameKey    *out;
	int			n = 0;

	*keys = NULL;
	if (t == NULL)
		return 0;
	name_tokens_parse(s, len, alloc, t);
	if (t->ntokens == 0 ||
		(out = ct_alloc(alloc, (t->ntokens * TOKEN_MAX_KEYS + 1) * sizeof(NameKey))) == NULL)
	{
		ct_free(alloc, t);
		return 0;
	}
	out[n++] = tokens_key(t->ntokens);
	for (int k = 0; k < t->ntokens; k++)
	{
		memcpy(out + n, t->tri[k], t->ntri[k] * sizeof(NameKey));
		n += t->ntri[k];
		/* one longer than a query's, whose variants may be this one's */
		n += token_variants(t, k, NAME_VARIANT_MAX_LEN + 1, out + n);
	}
	ct_free(alloc, t);
	*keys = out;
	return sort_distinct(out, n);
}

typedef struct KeyUseEntry
{
	NameKey		key;
	NameKeyUse	use;
} KeyUseEntry;

static int
cmp_key_use(const void *a, const void *b)
{
	const KeyUseEntry *x = a,
			   *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if (x->use.token != y->use.token)
		return x->use.token < y->use.token ? -1 : 1;
	return x->use.role < y->use.role ? -1 : x->use.role > y->use.role;
}

static void
add_use(KeyUseEntry *e, int *n, NameKey key, int token, NameKeyRole role)
{
	e[*n].key = key;
	e[*n].use.token = (uint8_t) token;
	e[*n].use.role = (uint8_t) role;
	(*n)++;
}

NameQuery *
name_query_build(const NameTokens *t, const CtAllocator *alloc)
{
	int			max_entries = t->ntokens * TOKEN_MAX_KEYS;
	KeyUseEntry *e = ct_alloc(alloc, (max_entries + 1) * sizeof(KeyUseEntry));
	NameKey		variants[NAME_TOKEN_MAX_SYMBOLS + 1];
	NameQuery  *q;
	int			n = 0,
				nkeys = 0;
	char	   *mem;

	if (e == NULL)
		return NULL;
	for (int k = 0; k < t->ntokens; k++)
	{
		int			nv = token_variants(t, k, NAME_VARIANT_MAX_LEN, variants);

		for (int i = 0; i < t->ntri[k]; i++)
			add_use(e, &n, t->tri[k][i], k, NAME_ROLE_TRIGRAM);
		for (int i = 0; i < nv; i++)
			add_use(e, &n, variants[i], k, i == 0 ? NAME_ROLE_SELF : NAME_ROLE_VARIANT);
		/* an initial: a row token it starts; a word: the row's initial */
		if (t->len[k] == 1)
		{
			uint32_t	start[3] = {PAD, PAD, t->sym[k][0]};

			add_use(e, &n, hash_symbols(KEY_TRIGRAM, start, 3), k, NAME_ROLE_INITIAL);
		}
		else
			add_use(e, &n, initial_key(t->sym[k][0]), k, NAME_ROLE_INITIAL);
		/* a row of k + 1 tokens (none of these: more than the query's) */
		add_use(e, &n, tokens_key(k + 1), k + 1, NAME_ROLE_TOKENS);
	}
	qsort(e, n, sizeof(KeyUseEntry), cmp_key_use);
	for (int i = 0; i < n; i++)
		if (i == 0 || e[i].key != e[i - 1].key)
			nkeys++;

	mem = ct_alloc(alloc, sizeof(NameQuery) + nkeys * sizeof(NameKey) +
				   (nkeys + 1) * sizeof(int) + n * sizeof(NameKeyUse));
	if (mem == NULL)
	{
		ct_free(alloc, e);
		return NULL;
	}
	q = (NameQuery *) mem;
	q->ntokens = t->ntokens;
	memcpy(q->len, t->len, sizeof(q->len));
	memcpy(q->ntri, t->ntri, sizeof(q->ntri));
	q->nkeys = nkeys;
	q->first = (int *) (mem + sizeof(NameQuery));
	q->keys = (NameKey *) (q->first + nkeys + 1);
	q->uses = (NameKeyUse *) (q->keys + nkeys);
	nkeys = 0;
	for (int i = 0; i < n; i++)
	{
		if (i == 0 || e[i].key != e[i - 1].key)
		{
			q->keys[nkeys] = e[i].key;
			q->first[nkeys++] = i;
		}
		q->uses[i] = e[i].use;
	}
	q->first[nkeys] = n;
	ct_free(alloc, e);
	return q;
}

double
name_query_bound(const NameQuery *q, const bool *present)
{
	int			ntri[NAME_MAX_TOKENS] = {0};
	bool		self[NAME_MAX_TOKENS] = {false},
				variant[NAME_MAX_TOKENS] = {false},
				initial[NAME_MAX_TOKENS] = {false};
	double		ub[NAME_MAX_TOKENS];
	double		sum = 0.0,
				best = 0.0;
	int			row_tokens = q->ntokens + 1;	/* at least */

	if (q->ntokens == 0)
		return 0.0;
	for (int i = 0; i < q->nkeys; i++)
	{
		if (!present[i])
			continue;
		for (int u = q->first[i]; u < q->first[i + 1]; u++)
		{
			int			k = q->uses[u].token;

			switch ((NameKeyRole) q->uses[u].role)
			{
				case NAME_ROLE_TRIGRAM:
					ntri[k]++;
					break;
				case NAME_ROLE_SELF:
					self[k] = true;
					break;
				case NAME_ROLE_VARIANT:
					variant[k] = true;
					break;
				case NAME_ROLE_INITIAL:
					initial[k] = true;
					break;
				case NAME_ROLE_TOKENS:
					if (k < row_tokens)
						row_tokens = k;
					break;
			}
		}
	}

	/*
	 * Per token, the best score a row token could reach.  A row token with p
	 * of the token's T trigrams shares at most p of them and has at least p,
	 * so its Dice coefficient is at most 2p / (T + p).
	 *
	 * Short tokens look up variants: a row token one edit away has a variant
	 * in common with the token; if it is longer, the token itself is one of
	 * its variants.  So without the token's own key a typo can only be
	 * against a token of at most L symbols.
	 *
	 * Long tokens count trigrams: an equal token has all T, and one edit
	 * destroys at most 4 of them (a transposition; 3 for the others), against
	 * a token of at most L + 1 symbols.
	 */
	for (int k = 0; k < q->ntokens; k++)
	{
		int			len = q->len[k];
		int			p = ntri[k];

		ub[k] = gram_score(p, q->ntri[k], p);
		if (len <= NAME_VARIANT_MAX_LEN)
		{
			if (self[k])
				ub[k] = 1.0;
			else if (variant[k] && len >= NAME_EDIT_MIN_LEN && typo_score(len) > ub[k])
				ub[k] = typo_score(len);
		}
		else if (p == q->ntri[k])
			ub[k] = 1.0;
		else if (p > 0 && p >= q->ntri[k] - 4 && typo_score(len + 1) > ub[k])
			ub[k] = typo_score(len + 1);
		if (initial[k] && NAME_SCORE_INITIAL > ub[k])
			ub[k] = NAME_SCORE_INITIAL;
	}
	/* best first (insertion sort: at most NAME_MAX_TOKENS) */
	for (int i = 1; i < q->ntokens; i++)
	{
		double		v = ub[i];
		int			j = i;

		for (; j > 0 && ub[j - 1] < v; j--)
			ub[j] = ub[j - 1];
		ub[j] = v;
	}
	/* k tokens paired: the row has at least k tokens, and row_tokens */
	for (int k = 1; k <= q->ntokens && ub[k - 1] > 0.0; k++)
	{
		double		b;

		sum += ub[k - 1];
		b = sum / (q->ntokens + (k > row_tokens ? k : row_tokens) - sum);
		if (b > best)
			best = b;
	}
	return best > 0.0 ? best + NAME_BOUND_SLACK : 0.0;
}

/* Skeleton tokens as UTF-8 in one buffer, for name_search_key(). */
typedef struct SkeletonSink
{
	char	   *buf;
	size_t		used;
	size_t	   *starts;
	int			ntokens;
} SkeletonSink;

static void
collect_skeleton(const uint32_t *sym, int len, void *arg)
{
	SkeletonSink *sink = (SkeletonSink *) arg;

	sink->starts[sink->ntokens++] = sink->used;
	for (int i = 0; i < len; i++)
		sink->used += ct_utf8_encode(sym[i], sink->buf + sink->used);
	sink->buf[sink->used++] = '\0';
}

static int
cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

char *
name_search_key(const char *s, size_t len, const CtAllocator *alloc, size_t *outlen)
{
	char		stackbuf[FOLD_STACK_BYTES];
	size_t		flen;
	char	   *folded;
	SkeletonSink sink;
	const char **tokens;
	char	   *result;
	size_t		rlen = 0;

	*outlen = 0;
	folded = fold_name(s, len, alloc, stackbuf, &flen);
	if (folded == NULL)
		return NULL;

	/* Skeletons are never longer than the folded tokens they come from. */
	sink.buf = ct_alloc(alloc, 4 * flen + 1);
	sink.starts = ct_alloc(alloc, (flen + 1) * sizeof(size_t));
	sink.used = 0;
	sink.ntokens = 0;
	tokens = ct_alloc(alloc, (flen + 1) * sizeof(char *));
	result = ct_alloc(alloc, 4 * flen + 1);
	if (sink.buf != NULL && sink.starts != NULL && tokens != NULL && result != NULL)
	{
		for_each_token(folded, flen, collect_skeleton, &sink);
		for (int i = 0; i < sink.ntokens; i++)
			tokens[i] = sink.buf + sink.starts[i];
		qsort(tokens, sink.ntokens, sizeof(char *), cmp_cstring);
		for (int i = 0; i < sink.ntokens; i++)
		{
			size_t		tl = strlen(tokens[i]);

			if (i > 0)
				result[rlen++] = ' ';
			memcpy(result + rlen, tokens[i], tl);
			rlen += tl;
		}
		result[rlen] = '\0';
		*outlen = rlen;
	}
	else
	{
		ct_free(alloc, result);
		result = NULL;
	}
	free_folded(alloc, folded, stackbuf);
	ct_free(alloc, sink.buf);
	ct_free(alloc, sink.starts);
	ct_free(alloc, tokens);
	return result;
}
