/*
 * bounce.h
 *		Whether an email or phone is undeliverable, as the entry trigger and
 *		imports ask on a writer's behalf.
 */
#ifndef CONTACTS_BOUNCE_H
#define CONTACTS_BOUNCE_H

#include "postgres.h"

/*
 * True when value (an email or phone, channel "email" or "phone", as the
 * trigger stores it) bounced too often to be delivered to: see
 * contacts.bounce_undeliverable().  Read as the extension's owner: the
 * caller has checked that the current role may write or read a table
 * holding the value.  Connects to SPI itself.
 */
extern bool contacts_undeliverable(const char *channel, const char *value);

#endif							/* CONTACTS_BOUNCE_H */
