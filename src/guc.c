/*
 * guc.c
 *		Configuration parameters, all defined in one place so that a DBA
 *		finds them together (SHOW ALL, pg_settings WHERE name LIKE 'contacts.%').
 */
#include "postgres.h"

#include "utils/guc.h"

#include "compat.h"
#include "core/phone.h"
#include "guc.h"

char	   *contacts_default_region = NULL;
int			contacts_email_profile = 0;
double		contacts_name_similarity_threshold = 0.3;
char	   *contacts_source_system = NULL;

/* Keep in step with EmailProfile in core/email.h. */
static const struct config_enum_entry email_profile_options[] = {
	{"mailbox", 0, false},
	{"provider", 2, false},	/* the default first, then as email.c's hint names them */
	{"rfc", 1, false},
	{NULL, 0, false}
};

/*
 * contacts.default_region must be empty, ZZ (no default region, as
 * libphonenumber's users write it) or a region the phone metadata knows
 * (stored upper-case), so that a typo fails at SET rather than making every
 * national number look like it has no country code.
 */
static bool
check_default_region(char **newval, void **extra, GucSource source)
{
	char	   *c;

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (ct_phone_region_reason(*newval, strlen(*newval)) != NULL)
	{
		GUC_check_errdetail("\"%s\" is not a region code of the phone numbering metadata.", *newval);
		GUC_check_errhint("Use an ISO 3166-1 alpha-2 code such as ES, AR or US, or an empty string (or ZZ) for none.");
		return false;
	}
	for (c = *newval; *c; c++)
		*c = pg_ascii_toupper((unsigned char) *c);
	return true;
}

void
contacts_define_gucs(void)
{
	DefineCustomStringVariable("contacts.default_region",
							   "Region (ISO 3166-1 alpha-2) for phone numbers written without a country code.",
							   "Empty means numbers must be written in international form.",
							   &contacts_default_region,
							   "",
							   PGC_USERSET, 0,
							   check_default_region, NULL, NULL);

	DefineCustomEnumVariable("contacts.email_profile",
							 "Which rules email validation applies.",
							 "mailbox accepts every RFC 5322 dot-atom address that can receive mail; "
							 "provider only what a mail provider accepts for a new mailbox; "
							 "rfc also quoted local parts, address literals and any host name.",
							 &contacts_email_profile,
							 0, email_profile_options,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomRealVariable("contacts.name_similarity_threshold",
							 "Least name_search_similarity at which the fuzzy name operator %~ matches.",
							 "Lower finds more misspelled names; higher makes indexed searches faster.",
							 &contacts_name_similarity_threshold,
							 0.3, 0.0, 1.0,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("contacts.source_system",
							   "Name of the system on whose behalf this session writes, given in change feed events.",
							   "Set it in the sessions of a system that syncs its changes in, so that it can skip its own events; empty for none.",
							   &contacts_source_system,
							   "",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);

	MarkGUCPrefixReserved("contacts");
}
