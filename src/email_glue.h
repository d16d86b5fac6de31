/*
 * email_glue.h
 *		What other glue files use of the email type's glue.
 */
#ifndef CONTACTS_EMAIL_GLUE_H
#define CONTACTS_EMAIL_GLUE_H

#include "core/email.h"

/* The backend's UTS #46 handle (NULL if ICU cannot open one). */
extern EmailIdna *contacts_email_idna(void);

/*
 * The duplicate key of a text value in the database encoding (the form the
 * email type compares by), or NULL when it is not an address.
 */
extern text *contacts_email_duplicate_key(text *value);

/*
 * The provider-aware duplicate key of a text value (Gmail dots and +tags,
 * googlemail = gmail), or NULL when it is not an address.
 */
extern text *contacts_email_canonical_duplicate_key(text *value);

/*
 * Normalize an address under contacts.email_profile, or where a Citus node
 * does not know the setting, under every profile when they agree (else an
 * error).
 */
extern const CtReason *contacts_email_normalize_setting(const char *s, size_t len, char *buf,
														EmailParts *parts);

#endif							/* CONTACTS_EMAIL_GLUE_H */
