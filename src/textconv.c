/*
 * textconv.c
 *		Encoding conversion between the database and the UTF-8 core, and the
 *		palloc-backed core allocator.
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "compat.h"
#include "textconv.h"

/*
 * Convert len bytes from the database encoding to UTF-8.  In a UTF-8
 * database (the common case) this is one copy and no scan.
 */
static char *
db_to_utf8(const char *s, int len, int *outlen)
{
	char	   *res;

	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *conv = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
															  GetDatabaseEncoding(), PG_UTF8);

		if (conv != s)
		{
			*outlen = strlen(conv);
			return conv;
		}
	}
	res = palloc(len + 1);
	memcpy(res, s, len);
	res[len] = '\0';
	*outlen = len;
	return res;
}

char *
contacts_text_to_utf8(text *t, int *len)
{
	return db_to_utf8(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), len);
}

const char *
contacts_text_utf8_view(text *t, size_t *len)
{
	char	   *s;
	int			n;

	if (GetDatabaseEncoding() == PG_UTF8)
	{
		*len = VARSIZE_ANY_EXHDR(t);
		return VARDATA_ANY(t);
	}
	s = contacts_text_to_utf8(t, &n);
	*len = (size_t) n;
	return s;
}

char *
contacts_cstring_to_utf8(const char *s, int *len)
{
	return db_to_utf8(s, strlen(s), len);
}

char *
contacts_utf8_to_cstring(const char *s, int len)
{
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *conv = (char *) pg_do_encoding_conversion((unsigned char *) s, len,
															  PG_UTF8, GetDatabaseEncoding());

		if (conv != s)
			return conv;
	}
	return pnstrdup(s, len);
}

text *
contacts_utf8_to_text(const char *s, int len)
{
	if (GetDatabaseEncoding() != PG_UTF8)
		return cstring_to_text(contacts_utf8_to_cstring(s, len));
	return cstring_to_text_with_len(s, len);
}

text *
contacts_apply_string_function(CtStringFunction fn, text *t)
{
	int			len;
	char	   *s = contacts_text_to_utf8(t, &len);
	size_t		outlen;
	char	   *out = fn(&contacts_palloc_allocator, s, len, &outlen);

	return contacts_utf8_to_text(out, outlen);
}

static void *
palloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return palloc(size ? size : 1);
}

static void
palloc_free(void *ctx, void *ptr)
{
	(void) ctx;
	pfree(ptr);
}

const CtAllocator contacts_palloc_allocator = {palloc_alloc, palloc_free, NULL};
