/*
 * email.c
 *		The contacts.email type and the email_* SQL functions.
 *
 * A contacts.email value is a varlena holding the normalized address in
 * UTF-8 whatever the database encoding (so binary copies and replicas agree
 * byte for byte): the local part as typed (NFC), '@', the domain lower-cased
 * and, when internationalized, in its Unicode form.  Equality, ordering and
 * hashing all go through the core's case-insensitive comparison, as citext
 * does, so Ana@Example.COM and ana@example.com are one key in a UNIQUE index.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "fmgr.h"
#include "lib/hyperloglog.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "port/pg_bswap.h"
#include "utils/builtins.h"
#include "utils/sortsupport.h"

#include "compat.h"
#include "core/email.h"
#include "email_glue.h"
#include "errors.h"
#include "guc.h"
#include "textconv.h"

#define EMAIL_TYPNAME "email"

#define DatumGetEmailPP(X)			((text *) PG_DETOAST_DATUM_PACKED(X))
#define PG_GETARG_EMAIL_PP(n)		DatumGetEmailPP(PG_GETARG_DATUM(n))

/* malloc-backed: the handle lives as long as the backend, outside any memory context. */
static void *
backend_alloc(void *ctx, size_t size)
{
	return malloc(size);
}

static const CtAllocator backend_allocator = {backend_alloc, NULL, NULL};

/*
 * One UTS #46 handle (with its cache of recent conversions) per backend,
 * opened on first use and kept for the backend's life: opening one costs
 * more than a conversion, and the cache pays off across rows.  NULL if ICU
 * could not open one; the core then tries per call and reports
 * IDNA_UNAVAILABLE.
 */
static EmailIdna *backend_idna = NULL;
static bool backend_idna_tried = false;

EmailIdna *
contacts_email_idna(void)
{
	if (!backend_idna_tried)
	{
		backend_idna = ct_email_idna_open(&backend_allocator);
		backend_idna_tried = true;
	}
	return backend_idna;
}

/* The profile named by a function argument, else the contacts.email_profile setting. */
static EmailProfile
profile_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *name;

	if (PG_NARGS() <= argno)
	{
		contacts_setting_require(CONTACTS_SETTING_EMAIL_PROFILE);
		return (EmailProfile) contacts_email_profile;
	}
	name = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (strcmp(name, "mailbox") == 0)
		return EMAIL_PROFILE_MAILBOX;
	if (strcmp(name, "rfc") == 0)
		return EMAIL_PROFILE_RFC;
	if (strcmp(name, "provider") == 0)
		return EMAIL_PROFILE_PROVIDER;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized email profile: \"%s\"", name),
			 errhint("Valid profiles are \"mailbox\", \"provider\" and \"rfc\".")));
	pg_unreachable();
}

static text *
email_datum(const char *s, size_t len)
{
	text	   *result = (text *) palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), s, len);
	return result;
}

/*
 * Normalize an address under contacts.email_profile.  Where the setting is
 * unknown (a Citus node running part of a query for another), it is
 * normalized under every profile and the answer given only when they agree,
 * else refused: addresses travel between Citus nodes as text in their
 * normalized form, which the profiles read alike.
 */
const CtReason *
contacts_email_normalize_setting(const char *s, size_t len, char *buf, EmailParts *parts)
{
	static const EmailProfile others[] = {EMAIL_PROFILE_PROVIDER, EMAIL_PROFILE_RFC};
	const CtReason *reason;

	if (!contacts_setting_unknown(CONTACTS_SETTING_EMAIL_PROFILE))
		return ct_email_normalize(s, len, (EmailProfile) contacts_email_profile,
								  contacts_email_idna(), buf, parts);
	reason = ct_email_normalize(s, len, EMAIL_PROFILE_MAILBOX, contacts_email_idna(), buf, parts);
	for (size_t i = 0; i < lengthof(others); i++)
	{
		char		other[EMAIL_BUF_SIZE];
		EmailParts	other_parts;
		const CtReason *r = ct_email_normalize(s, len, others[i], contacts_email_idna(),
											   other, &other_parts);

		if ((r == NULL) != (reason == NULL) ||
			(r == NULL && (other_parts.len != parts->len || memcmp(other, buf, parts->len) != 0)))
			contacts_setting_require(CONTACTS_SETTING_EMAIL_PROFILE);
	}
	return reason;
}

/*
 * Parse UTF-8 input into a new email datum; NULL after a soft error.  value
 * is the input as the user wrote it, for the error message.
 */
static text *
email_from_utf8(const char *s, size_t len, const char *value, Node *escontext)
{
	char		buf[EMAIL_BUF_SIZE];
	EmailParts	parts;
	const CtReason *reason;

	reason = contacts_email_normalize_setting(s, len, buf, &parts);
	if (reason != NULL)
	{
		contacts_invalid_input(EMAIL_TYPNAME, value, reason, escontext);
		return NULL;
	}
	return email_datum(buf, parts.len);
}

/*
 * The stored address as the database encoding can show it: in a non-UTF-8
 * database an internationalized domain is written in its ASCII (xn--) form,
 * which every encoding can represent.  Returns UTF-8 bytes (s itself or buf).
 */
static const char *
displayable(const char *s, size_t len, char *buf, size_t *outlen)
{
	*outlen = len;
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		size_t		local_len = ct_email_local_length(s, len);

		for (size_t i = local_len + 1; i < len; i++)
			if ((unsigned char) s[i] >= 0x80)
				return ct_email_to_ascii(s, len, contacts_email_idna(), buf, outlen) ? buf : s;
	}
	return s;
}

static char *
email_to_cstring(text *e)
{
	char		buf[EMAIL_BUF_SIZE];
	size_t		len;
	const char *s = displayable(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), buf, &len);

	return contacts_utf8_to_cstring(s, (int) len);
}

/* ---------------------------------------------------------------------------
 * Type I/O and casts
 * ---------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(contacts_email_in);
Datum
contacts_email_in(PG_FUNCTION_ARGS)
{
	char	   *value = PG_GETARG_CSTRING(0);
	int			len;
	char	   *utf8 = contacts_cstring_to_utf8(value, &len);
	text	   *result = email_from_utf8(utf8, (size_t) len, value, fcinfo->context);

	if (result == NULL)
		PG_RETURN_DATUM((Datum) 0);	/* soft error saved in fcinfo->context */
	PG_RETURN_TEXT_P(result);
}

PG_FUNCTION_INFO_V1(contacts_email_out);
Datum
contacts_email_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(email_to_cstring(PG_GETARG_EMAIL_PP(0)));
}

/* Binary input is the text form (in the client encoding), validated again. */
PG_FUNCTION_INFO_V1(contacts_email_recv);
Datum
contacts_email_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *value = pq_getmsgtext(msg, msg->len - msg->cursor, &nbytes);
	int			len;
	char	   *utf8 = contacts_cstring_to_utf8(value, &len);

	PG_RETURN_TEXT_P(email_from_utf8(utf8, (size_t) len, value, NULL));
}

PG_FUNCTION_INFO_V1(contacts_email_send);
Datum
contacts_email_send(PG_FUNCTION_ARGS)
{
	char	   *s = email_to_cstring(PG_GETARG_EMAIL_PP(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendtext(&buf, s, strlen(s));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* text -> email without the detour through a C string. */
PG_FUNCTION_INFO_V1(contacts_email_from_text);
Datum
contacts_email_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	size_t		len;
	const char *s = contacts_text_utf8_view(t, &len);
	char		buf[EMAIL_BUF_SIZE];
	EmailParts	parts;
	const CtReason *reason;

	/* email(text, profile) reads no setting: Citus routes it by its value */
	if (PG_NARGS() > 1)
		reason = ct_email_normalize(s, len, profile_arg(fcinfo, 1), contacts_email_idna(), buf, &parts);
	else
		reason = contacts_email_normalize_setting(s, len, buf, &parts);
	if (reason != NULL)
		contacts_invalid_input(EMAIL_TYPNAME, text_to_cstring(t), reason, NULL);
	PG_RETURN_TEXT_P(email_datum(buf, parts.len));
}

PG_FUNCTION_INFO_V1(contacts_email_to_text);
Datum
contacts_email_to_text(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	char		buf[EMAIL_BUF_SIZE];
	size_t		len;
	const char *s = displayable(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), buf, &len);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(s, (int) len));
}

/* ---------------------------------------------------------------------------
 * Comparison: one compare function behind btree, hash and the operators
 * ---------------------------------------------------------------------------
 */

static int
email_cmp_datums(FunctionCallInfo fcinfo)
{
	text	   *a = PG_GETARG_EMAIL_PP(0);
	text	   *b = PG_GETARG_EMAIL_PP(1);
	int			c = ct_email_compare(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
								  VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return c;
}

PG_FUNCTION_INFO_V1(contacts_email_cmp);
Datum
contacts_email_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(email_cmp_datums(fcinfo));
}

#define EMAIL_CMP_OP(name, test) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(email_cmp_datums(fcinfo) test); \
}

EMAIL_CMP_OP(contacts_email_eq, == 0)
EMAIL_CMP_OP(contacts_email_ne, != 0)
EMAIL_CMP_OP(contacts_email_lt, < 0)
EMAIL_CMP_OP(contacts_email_le, <= 0)
EMAIL_CMP_OP(contacts_email_gt, > 0)
EMAIL_CMP_OP(contacts_email_ge, >= 0)

/*
 * Sort support: a comparator without the fmgr trampoline, and abbreviated
 * keys made of the first eight bytes of the case-folded address, so that
 * sorting (CREATE INDEX, ORDER BY, merge joins) mostly compares integers.
 * Addresses hold no NUL bytes, so zero padding sorts a prefix first as the
 * full comparison does.
 */
typedef struct EmailSortState
{
	hyperLogLogState card;		/* distinct abbreviated keys seen */
	int64		rows;
} EmailSortState;

static int
email_sort_cmp(Datum x, Datum y, SortSupport ssup)
{
	text	   *a = DatumGetEmailPP(x);
	text	   *b = DatumGetEmailPP(y);
	int			c = ct_email_compare(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a),
								  VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));

	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return c;
}

static int
email_abbrev_cmp(Datum x, Datum y, SortSupport ssup)
{
	return x < y ? -1 : (x > y ? 1 : 0);
}

static Datum
email_abbrev_convert(Datum original, SortSupport ssup)
{
	EmailSortState *state = (EmailSortState *) ssup->ssup_extra;
	text	   *e = DatumGetEmailPP(original);
	const char *s = VARDATA_ANY(e);
	size_t		len = VARSIZE_ANY_EXHDR(e);
	char		folded[EMAIL_BUF_SIZE];
	Datum		key = 0;
	size_t		n = Min(len, sizeof(Datum));
	bool		ascii = true;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char) s[i] >= 0x80)
			ascii = false;
	if (ascii)
	{
		for (size_t i = 0; i < n; i++)
			folded[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + ('a' - 'A') : s[i];
	}
	else
		n = Min(ct_email_fold(s, len, folded), sizeof(Datum));
	memcpy(&key, folded, n);
	key = DatumBigEndianToNative(key);

	addHyperLogLog(&state->card, DatumGetUInt32(hash_uint32((uint32) (key ^ (key >> 32)))));
	state->rows++;
	if ((Pointer) e != DatumGetPointer(original))
		pfree(e);
	return key;
}

/* Give up on abbreviation when the first eight bytes hardly tell rows apart. */
static bool
email_abbrev_abort(int memtupcount, SortSupport ssup)
{
	EmailSortState *state = (EmailSortState *) ssup->ssup_extra;

	if (memtupcount < 10000 || state->rows < 10000)
		return false;
	return estimateHyperLogLog(&state->card) < state->rows / 1000.0;
}

PG_FUNCTION_INFO_V1(contacts_email_sortsupport);
Datum
contacts_email_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = email_sort_cmp;
	if (ssup->abbreviate)
	{
		EmailSortState *state = MemoryContextAllocZero(ssup->ssup_cxt, sizeof(EmailSortState));

		initHyperLogLog(&state->card, 10);
		ssup->ssup_extra = state;
		ssup->abbrev_full_comparator = email_sort_cmp;
		ssup->comparator = email_abbrev_cmp;
		ssup->abbrev_converter = email_abbrev_convert;
		ssup->abbrev_abort = email_abbrev_abort;
	}
	PG_RETURN_VOID();
}

/* Hash the case-folded form, so that equal addresses hash alike. */
PG_FUNCTION_INFO_V1(contacts_email_hash);
Datum
contacts_email_hash(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	char		buf[EMAIL_BUF_SIZE];
	size_t		n = ct_email_fold(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), buf);
	Datum		h = hash_any((unsigned char *) buf, (int) n);

	PG_FREE_IF_COPY(e, 0);
	return h;
}

PG_FUNCTION_INFO_V1(contacts_email_hash_extended);
Datum
contacts_email_hash_extended(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	char		buf[EMAIL_BUF_SIZE];
	size_t		n = ct_email_fold(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), buf);
	Datum		h = hash_any_extended((unsigned char *) buf, (int) n, PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(e, 0);
	return h;
}

/* ---------------------------------------------------------------------------
 * Functions on text
 * ---------------------------------------------------------------------------
 */

/* email_valid(text [, profile]): the hot path, no allocation in a UTF-8 database. */
PG_FUNCTION_INFO_V1(contacts_email_valid);
Datum
contacts_email_valid(PG_FUNCTION_ARGS)
{
	size_t		len;
	const char *s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);

	PG_RETURN_BOOL(ct_email_check(s, len, profile_arg(fcinfo, 1), contacts_email_idna()) == NULL);
}

/* email_check(text [, profile]): NULL when valid, else the reason code. */
PG_FUNCTION_INFO_V1(contacts_email_check);
Datum
contacts_email_check(PG_FUNCTION_ARGS)
{
	size_t		len;
	const char *s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	const CtReason *reason = ct_email_check(s, len, profile_arg(fcinfo, 1), contacts_email_idna());

	if (reason == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(reason->code));
}

/* email_normalize(text [, profile]): the stored form; invalid input is an error. */
PG_FUNCTION_INFO_V1(contacts_email_normalize);
Datum
contacts_email_normalize(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	size_t		len;
	const char *s = contacts_text_utf8_view(t, &len);
	char		buf[EMAIL_BUF_SIZE];
	char		shown[EMAIL_BUF_SIZE];
	EmailParts	parts;
	const CtReason *reason;
	const char *out;
	size_t		outlen;

	reason = ct_email_normalize(s, len, profile_arg(fcinfo, 1), contacts_email_idna(), buf, &parts);
	if (reason != NULL)
		contacts_reason_error(ERRCODE_INVALID_TEXT_REPRESENTATION, "invalid email address",
							  text_to_cstring(t), reason);
	out = displayable(buf, parts.len, shown, &outlen);
	PG_RETURN_TEXT_P(contacts_utf8_to_text(out, (int) outlen));
}

/*
 * The duplicate key of a text value (see ct_email_duplicate_key), in the
 * database encoding; NULL when the value is not an address.  The one key
 * behind contacts.email_key() and the entry trigger's duplicate lookup.
 */
text *
contacts_email_duplicate_key(text *value)
{
	size_t		len;
	const char *s = contacts_text_utf8_view(value, &len);
	char		buf[EMAIL_BUF_SIZE];
	char		shown[EMAIL_BUF_SIZE];
	size_t		n = ct_email_duplicate_key(s, len, contacts_email_idna(), buf);
	size_t		outlen;
	const char *out;

	if (n == 0)
		return NULL;
	out = displayable(buf, n, shown, &outlen);
	return contacts_utf8_to_text(out, (int) outlen);
}

/*
 * The provider-aware duplicate key of a text value (ct_email_canonical of
 * its duplicate key: Gmail dots and +tags, googlemail = gmail), in the
 * database encoding; NULL when the value is not an address.  The key behind
 * contacts.email_canonical_key() and the email_canonical duplicate key.
 */
text *
contacts_email_canonical_duplicate_key(text *value)
{
	size_t		len;
	const char *s = contacts_text_utf8_view(value, &len);
	char		key[EMAIL_BUF_SIZE];
	char		buf[EMAIL_BUF_SIZE];
	char		shown[EMAIL_BUF_SIZE];
	size_t		n = ct_email_duplicate_key(s, len, contacts_email_idna(), key);
	size_t		outlen;
	const char *out;

	if (n == 0)
		return NULL;
	n = ct_email_canonical(key, n, buf);
	out = displayable(buf, n, shown, &outlen);
	return contacts_utf8_to_text(out, (int) outlen);
}

/* email_canonical_key(text): the provider-aware key, or NULL for a non-address. */
PG_FUNCTION_INFO_V1(contacts_email_canonical_key);
Datum
contacts_email_canonical_key(PG_FUNCTION_ARGS)
{
	text	   *key = contacts_email_canonical_duplicate_key(PG_GETARG_TEXT_PP(0));

	if (key == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(key);
}

/* email_key(text): the duplicate key, or NULL when the text is not an address. */
PG_FUNCTION_INFO_V1(contacts_email_key);
Datum
contacts_email_key(PG_FUNCTION_ARGS)
{
	text	   *key = contacts_email_duplicate_key(PG_GETARG_TEXT_PP(0));

	if (key == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(key);
}

/* email_suggest(text [, profile]): the address meant, or NULL. */
PG_FUNCTION_INFO_V1(contacts_email_suggest);
Datum
contacts_email_suggest(PG_FUNCTION_ARGS)
{
	size_t		len;
	const char *s = contacts_text_utf8_view(PG_GETARG_TEXT_PP(0), &len);
	char		buf[EMAIL_BUF_SIZE];
	char		shown[EMAIL_BUF_SIZE];
	size_t		n;
	const char *out;
	size_t		outlen;

	if (!ct_email_suggest(s, len, profile_arg(fcinfo, 1), contacts_email_idna(), buf, &n))
		PG_RETURN_NULL();
	out = displayable(buf, n, shown, &outlen);
	PG_RETURN_TEXT_P(contacts_utf8_to_text(out, (int) outlen));
}

/* ---------------------------------------------------------------------------
 * Functions on contacts.email
 * ---------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(contacts_email_local);
Datum
contacts_email_local(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	const char *s = VARDATA_ANY(e);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(s, (int) ct_email_local_length(s, VARSIZE_ANY_EXHDR(e))));
}

PG_FUNCTION_INFO_V1(contacts_email_domain);
Datum
contacts_email_domain(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	char		buf[EMAIL_BUF_SIZE];
	size_t		len;
	const char *s = displayable(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), buf, &len);
	size_t		local_len = ct_email_local_length(s, len);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(s + local_len + 1, (int) (len - local_len - 1)));
}

/* The address with an ASCII (xn--) domain, for systems without SMTPUTF8. */
PG_FUNCTION_INFO_V1(contacts_email_ascii);
Datum
contacts_email_ascii(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	char		buf[EMAIL_BUF_SIZE];
	size_t		len;

	if (!ct_email_to_ascii(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), contacts_email_idna(), buf, &len))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("stored email address has an unconvertible domain")));
	PG_RETURN_TEXT_P(contacts_utf8_to_text(buf, (int) len));
}

PG_FUNCTION_INFO_V1(contacts_email_canonical);
Datum
contacts_email_canonical(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);
	char		buf[EMAIL_BUF_SIZE];
	char		shown[EMAIL_BUF_SIZE];
	size_t		n = ct_email_canonical(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), buf);
	size_t		outlen;
	const char *out = displayable(buf, n, shown, &outlen);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(out, (int) outlen));
}

PG_FUNCTION_INFO_V1(contacts_email_is_disposable);
Datum
contacts_email_is_disposable(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);

	PG_RETURN_BOOL(ct_email_is_disposable(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), contacts_email_idna()));
}

PG_FUNCTION_INFO_V1(contacts_email_is_freemail);
Datum
contacts_email_is_freemail(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);

	PG_RETURN_BOOL(ct_email_is_freemail(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e), contacts_email_idna()));
}

PG_FUNCTION_INFO_V1(contacts_email_is_role);
Datum
contacts_email_is_role(PG_FUNCTION_ARGS)
{
	text	   *e = PG_GETARG_EMAIL_PP(0);

	PG_RETURN_BOOL(ct_email_is_role(VARDATA_ANY(e), VARSIZE_ANY_EXHDR(e)));
}
