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
bool		contacts_dedupe_on_workers = false;

/*
 * Where the current value of each setting that functions read came from
 * (PGC_S_SESSION for SET and SET LOCAL): a check hook puts the source in the
 * value's extra, and the assign hook, which PostgreSQL also calls when a
 * transaction's SET LOCAL is undone, copies it here.
 */
static GucSource setting_source[CONTACTS_SETTING_COUNT];

static const char *const setting_names[CONTACTS_SETTING_COUNT] = {
	"contacts.default_region",
	"contacts.email_profile",
	"contacts.name_similarity_threshold"
};

static const char *const setting_hints[CONTACTS_SETTING_COUNT] = {
	"Pass the region as an argument (phone_valid(phone, 'ES'), or an \"ES:\" prefix on the number), or give it with SET LOCAL inside a transaction after SET LOCAL citus.propagate_set_commands = 'local'.",
	"Pass the profile as an argument (email_valid(email, 'mailbox')), or give it with SET LOCAL inside a transaction after SET LOCAL citus.propagate_set_commands = 'local'.",
	"Compare name_search_similarity(name, query) with the threshold, or give it with SET LOCAL inside a transaction after SET LOCAL citus.propagate_set_commands = 'local'."
};

/* the source recorded in a value's extra, allocated as GUC extras are */
static bool
record_source(void **extra, GucSource source)
{
	GucSource  *s = contacts_guc_malloc(sizeof(GucSource));

	if (s == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		return false;
	}
	*s = source;
	*extra = s;
	return true;
}

static void
assign_source(ContactsSetting setting, void *extra)
{
	setting_source[setting] = extra ? *(GucSource *) extra : PGC_S_DEFAULT;
}

/*
 * True in a backend that Citus opened to run part of a query for another
 * node (its application_name starts "citus_internal gpid=") when the
 * setting's value did not come with SET: Citus sends no session settings to
 * the nodes it runs a query on, only SET LOCAL when citus.propagate_set_commands
 * is 'local', so the value here may not be the one the query was written under.
 * Read at run time: the extension does not depend on Citus.
 */
bool
contacts_setting_unknown(ContactsSetting setting)
{
	return application_name != NULL &&
		strncmp(application_name, "citus_internal gpid=", strlen("citus_internal gpid=")) == 0 &&
		setting_source[setting] != PGC_S_SESSION;
}

/* Refuse, rather than answer under another value, when the setting is unknown. */
void
contacts_setting_require(ContactsSetting setting)
{
	if (contacts_setting_unknown(setting))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the result depends on %s, which Citus does not send to this node",
						setting_names[setting]),
				 errdetail("This part of a distributed query runs on a Citus node that was sent no session settings."),
				 errhint("%s", setting_hints[setting])));
}

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
		return record_source(extra, source);
	if (ct_phone_region_reason(*newval, strlen(*newval)) != NULL)
	{
		GUC_check_errdetail("\"%s\" is not a region code of the phone numbering metadata.", *newval);
		GUC_check_errhint("Use an ISO 3166-1 alpha-2 code such as ES, AR or US, or an empty string (or ZZ) for none.");
		return false;
	}
	for (c = *newval; *c; c++)
		*c = pg_ascii_toupper((unsigned char) *c);
	return record_source(extra, source);
}

static void
assign_default_region(const char *newval, void *extra)
{
	assign_source(CONTACTS_SETTING_DEFAULT_REGION, extra);
}

static bool
check_email_profile(int *newval, void **extra, GucSource source)
{
	return record_source(extra, source);
}

static void
assign_email_profile(int newval, void *extra)
{
	assign_source(CONTACTS_SETTING_EMAIL_PROFILE, extra);
}

static bool
check_name_similarity_threshold(double *newval, void **extra, GucSource source)
{
	return record_source(extra, source);
}

static void
assign_name_similarity_threshold(double newval, void *extra)
{
	assign_source(CONTACTS_SETTING_NAME_THRESHOLD, extra);
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
							   check_default_region, assign_default_region, NULL);

	DefineCustomEnumVariable("contacts.email_profile",
							 "Which rules email validation applies.",
							 "mailbox accepts every RFC 5322 dot-atom address that can receive mail; "
							 "provider only what a mail provider accepts for a new mailbox; "
							 "rfc also quoted local parts, address literals and any host name.",
							 &contacts_email_profile,
							 0, email_profile_options,
							 PGC_USERSET, 0,
							 check_email_profile, assign_email_profile, NULL);

	DefineCustomRealVariable("contacts.name_similarity_threshold",
							 "Least name_search_similarity at which the fuzzy name operator %~ matches.",
							 "Lower finds more misspelled names; higher makes indexed searches faster.",
							 &contacts_name_similarity_threshold,
							 0.3, 0.0, 1.0,
							 PGC_USERSET, 0,
							 check_name_similarity_threshold, assign_name_similarity_threshold, NULL);

	DefineCustomStringVariable("contacts.source_system",
							   "Name of the system on whose behalf this session writes, given in change feed events.",
							   "Set it in the sessions of a system that syncs its changes in, so that it can skip its own events; empty for none.",
							   &contacts_source_system,
							   "",
							   PGC_USERSET, 0,
							   NULL, NULL, NULL);

	DefineCustomBoolVariable("contacts.dedupe_on_workers",
							 "Whether dedupe_run on a hash-distributed Citus table compares and scores its blocks on the workers.",
							 "Each block's records are then copied from the coordinator to the workers first; "
							 "off, the coordinator compares them (faster unless the workers have far more cores to give).",
							 &contacts_dedupe_on_workers,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("contacts");
}
