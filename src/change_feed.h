/*
 * change_feed.h
 *		The change feed for two-way sync (change_feed.c): events for what the
 *		entry trigger, merge, unmerge and import change, and the external-id
 *		map that follows merges and unmerges.
 *
 * Each hook is one call from the code that makes the change; it costs a
 * cached lookup when the table's feed is off (contacts.feed_config).
 */
#ifndef CONTACTS_CHANGE_FEED_H
#define CONTACTS_CHANGE_FEED_H

#include "postgres.h"

#include "commands/trigger.h"

typedef struct FeedConfig FeedConfig;

/* The table's feed settings when any of its switches is on, else NULL. */
extern FeedConfig *contacts_feed_config(Oid relid);

/*
 * Run the entry trigger's work on a row (row) and publish its outcome: an
 * insert or update event, or, when it rejects the row, a reject event (the
 * only one that survives the rejection's rollback: a non-transactional
 * logical message).
 */
typedef Datum (*FeedRowFunction) (TriggerData *trigdata);
extern Datum contacts_feed_entry(FeedConfig *feed, TriggerData *trigdata, FeedRowFunction row);

/*
 * The entry trigger turned an insert into an update of the row with key
 * key (on_duplicate = 'update'): kept for contacts.entry_redirected_key().
 */
extern void contacts_feed_redirected(Oid relid, const char *key);

/*
 * After merge merge_id of table relid (keys as JSON objects, patch the
 * survivor's new values or NULL), inside the merge's SPI connection: move
 * the external ids of the merged-away rows to the survivor, publish.
 */
extern void contacts_feed_merge(Oid relid, int64 merge_id, const char *survivor_key,
								const char *member_keys, const char *patch);

/* After unmerge of merge_id, inside its SPI connection: the reverse. */
extern void contacts_feed_unmerge(int64 merge_id);

/* Forget the cached feed configuration of relid (InvalidOid: of every table). */
extern void contacts_feed_invalidate(Oid relid);

#endif							/* CONTACTS_CHANGE_FEED_H */
