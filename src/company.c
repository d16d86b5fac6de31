/*
 * company.c
 *		SQL functions on company names: normalize_company and company_key.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "core/company.h"
#include "textconv.h"

PG_FUNCTION_INFO_V1(contacts_normalize_company);
Datum
contacts_normalize_company(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *s = contacts_text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	size_t		outlen;
	char	   *out = ct_normalize_company(&contacts_palloc_allocator, s, len, &outlen);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(out, outlen));
}

PG_FUNCTION_INFO_V1(contacts_company_key);
Datum
contacts_company_key(PG_FUNCTION_ARGS)
{
	int			len;
	char	   *s = contacts_text_to_utf8(PG_GETARG_TEXT_PP(0), &len);
	size_t		outlen;
	char	   *out = ct_company_key(&contacts_palloc_allocator, s, len, &outlen);

	PG_RETURN_TEXT_P(contacts_utf8_to_text(out, outlen));
}
