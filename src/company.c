/*
 * company.c
 *		SQL functions on company names: company_normalize and company_key.
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
	PG_RETURN_TEXT_P(contacts_apply_string_function(ct_normalize_company, PG_GETARG_TEXT_PP(0)));
}

PG_FUNCTION_INFO_V1(contacts_company_key);
Datum
contacts_company_key(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(contacts_apply_string_function(ct_company_key, PG_GETARG_TEXT_PP(0)));
}
