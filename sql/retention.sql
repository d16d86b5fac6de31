-- Retention: how long the logs of a table are kept (retention_configure),
-- and purge_expired() deleting what is older, by the table's owners; with
-- backdated rows and a fixed as_of, as production roles.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE ROLE r_owner;
CREATE ROLE r_app;
CREATE ROLE r_stranger;
CREATE SCHEMA r AUTHORIZATION r_owner;
GRANT USAGE ON SCHEMA r TO r_app, r_stranger;
-- What a statement gives: ok, or the SQLSTATE and message without numbers.
CREATE FUNCTION public.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '[0-9]+', 'N', 'g');
END
$$;

SET ROLE r_owner;
CREATE TABLE r.people (id integer PRIMARY KEY, full_name text, email text);
GRANT SELECT ON r.people TO r_app;
SELECT contacts.configure('r.people', 'id', '{"full_name": "full_name", "email": "email"}');
SELECT contacts.feed_configure('r.people', logical => false, notify => false, keep => true, retention => '100 years');
CREATE TRIGGER people_enforce BEFORE INSERT OR UPDATE ON r.people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO r.people VALUES (1, 'Ana Ruiz', 'ana@example.com'), (2, 'Ana Ruiz', 'ana.r@example.com'),
    (3, 'Luis Gil', 'luis@example.com'), (4, 'Luis Gil', 'lgil@example.com'), (5, 'Eva Sanz', 'eva@example.com');
SELECT contacts.merge('r.people', 1, ARRAY[1, 2]) AS old_merge \gset
SELECT contacts.merge('r.people', 3, ARRAY[3, 4]) AS new_merge \gset
CREATE TABLE r.staging (id integer, name text, mail text);
INSERT INTO r.staging VALUES (10, 'Rosa Díaz', 'rosa@'), (11, 'Pepe Pérez', 'pepe@example.com');
SELECT import_id AS old_import FROM contacts.import('r.staging', 'r.people',
    '{"id": "id", "full_name": "name", "email": "mail"}') \gset
SELECT import_id AS new_import FROM contacts.import('r.staging', 'r.people',
    '{"id": "id", "full_name": "name", "email": "mail"}', duplicate_key => 'id') \gset
SELECT contacts.archive_rows('r.people', '{5}', 'left');
SELECT contacts.archive_rows('r.people', '{11}', 'left');
RESET ROLE;

-- The older half of everything, backdated to 2020.
UPDATE contacts.merge_log SET merged_at = '2020-01-01' WHERE merge_id = :old_merge;
UPDATE contacts.import_run SET started_at = '2020-01-01' WHERE import_id = :old_import;
UPDATE contacts.archive SET archived_at = '2020-01-01' WHERE key = '5';
UPDATE contacts.feed_event SET at = '2020-01-01'
 WHERE event_id IN (SELECT event_id FROM contacts.feed_event WHERE tbl = 'r.people'::regclass ORDER BY event_id LIMIT 3);

-- The logs it applies to.
SELECT log, relation, description FROM contacts.retention_logs() ORDER BY log, relation::text;

-- Only the owner sets it.
SET ROLE r_app;
SELECT contacts.retention_configure('r.people', 'merge_log', '1 year');
RESET ROLE;
SET ROLE r_owner;
SELECT contacts.retention_configure('r.people', 'merge_logs', '1 year');
SELECT contacts.retention_configure('r.people', 'merge_log', '-1 year');
SELECT contacts.retention_configure('r.people', 'merge_log', '1 year');
SELECT contacts.retention_configure('r.people', 'import_reject', '1 year');
SELECT contacts.retention_configure('r.people', 'feed_event', '1 year');
SELECT contacts.retention_configure('r.people', 'archive', '5 years');
SELECT contacts.retention_configure('r.people', 'archive', '1 year');
SELECT contacts.retention_configure('r.people', 'clean_log', '1 year');
SELECT tbl, log, keep FROM contacts.retention ORDER BY log;
CALL contacts.clean('r.people', run_id => NULL) \gset r_
RESET ROLE;
-- (a clean run of long ago)
UPDATE contacts.clean_run SET started_at = '2020-03-01 00:00+00', finished_at = '2020-03-01 00:05+00'
 WHERE run_id = :r_run_id;

SELECT (SELECT count(*) FROM contacts.merge_log_row WHERE tbl = 'r.people'::regclass) AS merge_rows,
       (SELECT count(*) FROM contacts.import_reject j JOIN contacts.import_run u USING (import_id)
         WHERE u.target = 'r.people'::regclass) AS rejects,
       (SELECT count(*) FROM contacts.feed_event WHERE tbl = 'r.people'::regclass AND at < '2021-01-01') AS old_events,
       (SELECT count(*) FROM contacts.archive WHERE tbl = 'r.people'::regclass) AS archived;

-- A role that owns none of the tables purges nothing; one that may read
-- a table with a retention is told it was left.
SET ROLE r_stranger;
SELECT * FROM contacts.purge_expired(as_of => '2026-01-01 00:00+00');
RESET ROLE;
SET ROLE r_app;
SET client_min_messages = notice;
SELECT * FROM contacts.purge_expired(as_of => '2026-01-01 00:00+00');
SET client_min_messages = warning;
RESET ROLE;

-- The owner (its cron job) purges what is older than a year at as_of.
SET ROLE r_owner;
SELECT * FROM contacts.purge_expired(as_of => '2026-01-01 00:00+00') ORDER BY log, relation::text;
SELECT * FROM contacts.purge_expired(as_of => '2026-01-01 00:00+00') WHERE removed > 0;
RESET ROLE;

SELECT (SELECT count(*) FROM contacts.merge_log_row WHERE tbl = 'r.people'::regclass) AS merge_rows,
       (SELECT count(*) FROM contacts.merge_log WHERE tbl = 'r.people'::regclass) AS merges,
       (SELECT count(*) FROM contacts.import_reject j JOIN contacts.import_run u USING (import_id)
         WHERE u.target = 'r.people'::regclass) AS rejects,
       (SELECT count(*) FROM contacts.import_run WHERE target = 'r.people'::regclass) AS imports,
       (SELECT count(*) FROM contacts.feed_event WHERE tbl = 'r.people'::regclass AND at < '2021-01-01') AS old_events,
       (SELECT string_agg(key, ',') FROM contacts.archive WHERE tbl = 'r.people'::regclass) AS archived;

-- A purged merge cannot be undone; a kept one can.
SET ROLE r_owner;
SELECT public.try(format('SELECT contacts.unmerge(%s)', :old_merge)) AS old_unmerge;
SELECT public.try(format('SELECT contacts.unmerge(%s)', :new_merge)) AS new_unmerge;
-- NULL keeps a log forever again.
SELECT contacts.retention_configure('r.people', 'archive', NULL);
SELECT log FROM contacts.retention ORDER BY log;
RESET ROLE;

-- (the import ids later tests show start where they would without this one)
DELETE FROM contacts.import_run WHERE target = 'r.people'::regclass;
SELECT setval('contacts.import_run_import_id_seq', coalesce(max(import_id), 0) + 1, false) > 0 AS import_ids_reset
  FROM contacts.import_run;
DROP SCHEMA r CASCADE;
SELECT count(*) AS orphan_retention FROM contacts.retention;
DROP FUNCTION public.try(text);
DROP OWNED BY r_owner, r_app, r_stranger;
DROP ROLE r_owner, r_app, r_stranger;
