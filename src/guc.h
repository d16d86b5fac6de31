/*
 * guc.h
 *		Configuration parameters under contacts.*
 */
#ifndef CONTACTS_GUC_H
#define CONTACTS_GUC_H

/* contacts.default_region: ISO 3166 region used to parse national phone numbers */
extern char *contacts_default_region;

/* contacts.email_profile: which email rules the email type and functions apply */
extern int	contacts_email_profile;

/* contacts.name_similarity_threshold: threshold behind the fuzzy name operator %~ */
extern double contacts_name_similarity_threshold;

/* contacts.source_system: the writing system, named in change feed events */
extern char *contacts_source_system;

/* contacts.dedupe_on_workers: dedupe_run scores a Citus table's blocks on its workers */
extern bool contacts_dedupe_on_workers;

extern void contacts_define_gucs(void);

/* the settings that functions read, for contacts_setting_unknown() */
typedef enum ContactsSetting
{
	CONTACTS_SETTING_DEFAULT_REGION,
	CONTACTS_SETTING_EMAIL_PROFILE,
	CONTACTS_SETTING_NAME_THRESHOLD,
	CONTACTS_SETTING_COUNT
} ContactsSetting;

extern bool contacts_setting_unknown(ContactsSetting setting);
extern void contacts_setting_require(ContactsSetting setting);

#endif							/* CONTACTS_GUC_H */
