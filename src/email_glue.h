/*
 * email_glue.h
 *		What other glue files use of the email type's glue.
 */
#ifndef CONTACTS_EMAIL_GLUE_H
#define CONTACTS_EMAIL_GLUE_H

#include "core/email.h"

/* The backend's UTS #46 handle (NULL if ICU cannot open one). */
extern EmailIdna *contacts_email_idna(void);

#endif							/* CONTACTS_EMAIL_GLUE_H */
