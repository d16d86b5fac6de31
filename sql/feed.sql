-- The change feed kept in contacts.feed_event, and the inbound side of
-- sync: contacts.upsert() with its external-id map, which follows merges
-- and unmerges.  Run as the roles a production database has: the table's
-- owner configures (not a superuser), an application role syncs records in.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE ROLE fd_owner;
CREATE ROLE fd_sync;
CREATE ROLE fd_reader;
CREATE SCHEMA fd AUTHORIZATION fd_owner;
GRANT USAGE ON SCHEMA fd TO fd_sync, fd_reader;

SET ROLE fd_owner;
CREATE TABLE fd.person (id serial PRIMARY KEY, full_name text, email text, phone text,
                        flags jsonb, updated_at timestamptz);
CREATE INDEX ON fd.person (contacts.email_key(email));
GRANT SELECT, INSERT, UPDATE, DELETE ON fd.person TO fd_sync;
GRANT USAGE ON SEQUENCE fd.person_id_seq TO fd_sync;
GRANT SELECT ON fd.person TO fd_reader;
SELECT contacts.configure('fd.person', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', on_duplicate => 'update', duplicate_keys => '{email}',
    flag_column => 'flags');
-- upsert needs the trigger: the records take the path of every writer
SELECT contacts.upsert('fd.person', '{"full_name": "x"}', 'crm', 'C-0');
CREATE TRIGGER person_enforce BEFORE INSERT OR UPDATE ON fd.person
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
-- only the events table here: logical messages and NOTIFY have TAP tests
SELECT contacts.feed_configure('fd.person', logical => false, notify => false, keep => true);
SELECT tbl, logical, notify, keep, retention, channel FROM contacts.feed_config;
RESET ROLE;

-- Only the table's owner turns its feed on or off.
SET ROLE fd_sync;
SELECT contacts.feed_configure('fd.person');
SELECT contacts.feed_prune('fd.person');

-- A new record of the CRM: inserted, normalized by the trigger, mapped.
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "ana  GARCIA", "email": "Ana@Example.COM"}', 'crm', 'C-1');
-- The CRM changes it: the id resolves to the record, which is updated.
SELECT * FROM contacts.upsert('fd.person', '{"phone": "612 345 678"}', 'crm', 'C-1');
-- The website sends the same person: the table's duplicate policy
-- (on_duplicate = update, by email) updates the record she has.
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "Ana García", "email": "ana@example.com"}', 'web', 'W-9');
-- Someone else, from the website, and a third from the mail tool.
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "luis pérez", "email": "luis@example.org"}', 'web', 'W-10');
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "Luis Perez", "email": "lperez@example.net"}', 'mail', 'M-7');
SELECT id, full_name, email, phone, flags FROM fd.person ORDER BY id;
SELECT system, external_id, key FROM contacts.external_id ORDER BY system, external_id;

-- Records are checked like every other write: an invalid email is
-- rejected, unknown columns too, and nothing is mapped.
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "Eve", "email": "eve@@example"}', 'crm', 'C-2');
SELECT * FROM contacts.upsert('fd.person', '{"fullname": "Eve"}', 'crm', 'C-2');
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "Eve"}', '', 'C-2');
SELECT * FROM contacts.upsert('fd.person', '["Eve"]', 'crm', 'C-2');
SELECT * FROM contacts.upsert('fd.person', NULL, 'crm', 'C-2');
SELECT contacts.external_key('fd.person', 'crm', 'C-2');
-- Changing a mapped record into another's email: the duplicate policy rejects it.
SELECT * FROM contacts.upsert('fd.person', '{"email": "ana@example.com"}', 'mail', 'M-7');

-- The events the writes made, in order, with the system they came from.
SELECT kind, event ->> 'source' AS source, event -> 'key' AS key, event -> 'columns' AS columns,
       txid = pg_current_xact_id() AS this_xact
  FROM contacts.feed_event ORDER BY event_id;
RESET ROLE;

-- A merge of the two Luis records: every external id of the merged-away
-- one now resolves to the survivor; unmerge moves them back.
SET ROLE fd_sync;
SELECT contacts.merge('fd.person', 3, ARRAY[3, 4], reason => 'same person') AS merge_id \gset
SELECT system, external_id, key, contacts.external_key('fd.person', system, external_id) AS resolves_to
  FROM contacts.external_id ORDER BY system, external_id;
-- The mail tool syncs again: its id finds the survivor.
SELECT * FROM contacts.upsert('fd.person', '{"phone": "655 443 322"}', 'mail', 'M-7');
SELECT id, full_name, email, phone FROM fd.person ORDER BY id;
SELECT kind, event -> 'key' AS key, event -> 'survivor' AS survivor, event -> 'merged' AS merged,
       event -> 'columns' AS columns, event -> 'alternates' AS alternates,
       event -> 'merge_id' = to_jsonb(:merge_id) AS merge_id_ok
  FROM contacts.feed_event WHERE kind IN ('merge', 'unmerge');
-- the upsert changed the survivor after the merge: undo it first
UPDATE fd.person SET phone = NULL WHERE id = 3;
SELECT contacts.unmerge(:merge_id);
SELECT system, external_id, key FROM contacts.external_id ORDER BY system, external_id;
SELECT count(*) FROM contacts.external_id_move;
SELECT kind, event -> 'survivor' AS survivor, event -> 'merged' AS merged, event -> 'columns' AS columns
  FROM contacts.feed_event WHERE kind IN ('merge', 'unmerge') ORDER BY event_id;
-- An external id mapped anew after a merge stays where it was put.
SELECT contacts.merge('fd.person', 3, ARRAY[3, 4]) AS merge_id \gset
UPDATE contacts.external_id SET key = '1' WHERE system = 'mail' AND external_id = 'M-7';
SELECT contacts.unmerge(:merge_id);
SELECT system, external_id, key FROM contacts.external_id ORDER BY system, external_id;
RESET ROLE;

-- A reader sees the events and ids of tables it may read; a role that may
-- not update the table cannot upsert or remap.
SET ROLE fd_reader;
SELECT count(*) > 0 AS sees_events FROM contacts.feed_event;
SELECT count(*) AS sees_ids FROM contacts.external_id;
SELECT * FROM contacts.upsert('fd.person', '{"full_name": "Eve"}', 'crm', 'C-3');
UPDATE contacts.external_id SET key = '2';
DELETE FROM contacts.feed_event;
SELECT count(*) > 0 AS events_kept FROM contacts.feed_event;
RESET ROLE;

-- The import run is an event of its own, beside the rows it inserted.
CREATE TABLE fd.staging (name text, mail text);
INSERT INTO fd.staging VALUES ('marta ruiz', 'marta@example.com'), ('bad', 'not an email');
GRANT SELECT ON fd.staging TO fd_sync;
SET ROLE fd_sync;
SELECT inserted, rejected FROM contacts.import('fd.staging', 'fd.person',
    '{"full_name": "name", "email": "mail"}');
SELECT kind, event -> 'counts' AS counts, event ->> 'staging' AS staging
  FROM contacts.feed_event WHERE kind = 'import';
SELECT kind, event -> 'columns' AS columns FROM contacts.feed_event
 WHERE event_id > (SELECT max(event_id) - 2 FROM contacts.feed_event) ORDER BY event_id;
-- nobody can make the feed repeat an import
\set VERBOSITY sqlstate
SELECT contacts.feed_import_event(import_id) FROM contacts.import_run;
\set VERBOSITY default
RESET ROLE;

-- Pruning: the owner drops what is older than the retention.
SET ROLE fd_owner;
SELECT contacts.feed_configure('fd.person', logical => false, notify => false, keep => true,
                               retention => '1 microsecond');
SELECT contacts.feed_prune('fd.person') > 0 AS pruned;
SELECT count(*) FROM contacts.feed_event;
-- Off: nothing more is kept.
SELECT contacts.feed_configure('fd.person', logical => false, notify => false, keep => false);
SELECT count(*) FROM contacts.feed_config;
INSERT INTO fd.person (full_name) VALUES ('nobody');
SELECT count(*) FROM contacts.feed_event;
RESET ROLE;

-- Dropping the table forgets its feed and its external ids.
DROP TABLE fd.person;
SELECT count(*) FROM contacts.external_id;
-- (the merge log keeps what was merged: the merge tests start from none)
TRUNCATE contacts.merge_log CASCADE;
ALTER SEQUENCE contacts.merge_log_merge_id_seq RESTART;
ALTER SEQUENCE contacts.merge_log_row_row_id_seq RESTART;
DROP SCHEMA fd CASCADE;
DROP ROLE fd_owner, fd_sync, fd_reader;
