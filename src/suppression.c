/*
 * suppression.c
 *		Keyed digests for the suppression list.
 *
 * People who asked never to be contacted again must stay out of every import
 * and entry path, but the list of them must not itself become a copy of
 * their emails and phones.  The list keeps HMAC-SHA256(key, kind:value) of
 * the normalized value instead; the key is generated at CREATE EXTENSION
 * (contacts.suppression_key, readable only by its owner) and read once per
 * backend.
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/hmac.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "textconv.h"

#define SUPPRESSION_DIGEST_LEN 32	/* SHA-256 */

static bytea *suppression_key = NULL;

static bytea *
load_key(void)
{
	bool		isnull;
	Datum		d;

	if (suppression_key != NULL)
		return suppression_key;

	SPI_connect();
	if (SPI_execute("SELECT key FROM contacts.suppression_key", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the suppression key is missing"),
				 errhint("contacts.suppression_key must hold exactly one row; it is created with the extension.")));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		elog(ERROR, "the suppression key is NULL");
	{
		bytea	   *k = DatumGetByteaPP(d);
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		suppression_key = (bytea *) palloc(VARSIZE_ANY(k));
		memcpy(suppression_key, k, VARSIZE_ANY(k));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return suppression_key;
}

/*
 * suppression_digest(kind text, normalized_value text) -> bytea
 * The value must already be normalized (see suppression_normal_form()), so
 * that every way of writing the same address or number gives one digest.
 */
PG_FUNCTION_INFO_V1(contacts_suppression_digest);
Datum
contacts_suppression_digest(PG_FUNCTION_ARGS)
{
	text	   *kind = PG_GETARG_TEXT_PP(0);
	text	   *value = PG_GETARG_TEXT_PP(1);
	bytea	   *key = load_key();
	bytea	   *result = palloc(VARHDRSZ + SUPPRESSION_DIGEST_LEN);
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);
	int			vlen;
	char	   *v = contacts_text_to_utf8(value, &vlen);

	if (ctx == NULL ||
		pg_hmac_init(ctx, (uint8 *) VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key)) < 0 ||
		pg_hmac_update(ctx, (uint8 *) VARDATA_ANY(kind), VARSIZE_ANY_EXHDR(kind)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) ":", 1) < 0 ||
		pg_hmac_update(ctx, (uint8 *) v, vlen) < 0 ||
		pg_hmac_final(ctx, (uint8 *) VARDATA(result), SUPPRESSION_DIGEST_LEN) < 0)
	{
		pg_hmac_free(ctx);
		elog(ERROR, "could not compute suppression digest");
	}
	pg_hmac_free(ctx);
	SET_VARSIZE(result, VARHDRSZ + SUPPRESSION_DIGEST_LEN);
	PG_RETURN_BYTEA_P(result);
}
