-- contacts.erase: forgetting a person everywhere, as non-superuser roles.
-- er_owner owns the table, er_clerk may read and delete its rows, er_app
-- only writes.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- the tests after this one count runs and events from where they are now
SELECT last_value AS run_seq, is_called AS run_called FROM contacts.dedupe_runs_run_id_seq \gset
SELECT last_value AS event_seq, is_called AS event_called FROM contacts.feed_event_event_id_seq \gset
CREATE ROLE er_owner;
CREATE ROLE er_clerk;
CREATE ROLE er_app;
CREATE ROLE er_nosupp;
CREATE SCHEMA er AUTHORIZATION er_owner;
GRANT USAGE ON SCHEMA er TO er_clerk, er_app, er_nosupp;
-- the suppression list is kept by the roles trusted with it
GRANT SELECT, INSERT, UPDATE ON contacts.suppression TO er_owner, er_clerk;
GRANT SELECT, DELETE ON contacts.bounce TO er_owner, er_clerk;

CREATE FUNCTION public.er_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; hnt text;
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hnt = PG_EXCEPTION_HINT;
    -- (merge and run ids depend on the tests before this one)
    RETURN regexp_replace(st || ': ' || msg || CASE WHEN hnt <> '' THEN ' HINT: ' || hnt ELSE '' END,
                          '(merge|clean run) [0-9]+', '\1 N', 'g');
END
$$;

SET ROLE er_owner;
CREATE TABLE er.people (
    id          integer PRIMARY KEY,
    given_name  text,
    family_name text,
    email       text,
    phone       text,
    national_id text,
    company     text
);
CREATE TABLE er.orders (
    order_id  integer PRIMARY KEY,
    person_id integer REFERENCES er.people ON DELETE CASCADE,
    item      text
);
CREATE TABLE er.notes (
    note_id   integer PRIMARY KEY,
    person_id integer REFERENCES er.people,
    body      text
);
SELECT contacts.configure('er.people', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "email": "email",
      "phone": "phone", "national_id": "national_id", "company": "company"}',
    default_region => 'ES');
CREATE TRIGGER people_enforce BEFORE INSERT OR UPDATE ON er.people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT contacts.feed_configure('er.people', logical => false, notify => false, keep => true);
GRANT SELECT, DELETE ON er.people TO er_clerk;
GRANT INSERT, UPDATE, SELECT ON er.people TO er_app;

-- Zelda (1), her old record (2, merged into 1), another person (3, 4)
INSERT INTO er.people VALUES
    (1, 'Zelda', 'Quixbury', 'Zelda.Quixbury@Example.org', '612 34 56 78', '12345678Z', 'Acme'),
    (2, 'Zeldie', 'Quixbury', 'zq.old@example.net', '699 11 22 33', NULL, 'Acme'),
    (3, 'Ann', 'Other', 'ann.other@example.com', '622 00 11 22', '87654321X', 'Acme'),
    (4, 'Bob', 'Else', 'bob.else@example.com', '633 00 11 22', NULL, 'Acme');
INSERT INTO er.orders VALUES (10, 1, 'tea'), (11, 2, 'cake'), (12, 3, 'jam');
INSERT INTO er.notes VALUES (20, 1, 'called back');
RESET ROLE;
-- Zelda's old record is Z-2 in another system (merge moves it to 1)
INSERT INTO contacts.external_id (tbl, system, external_id, key) VALUES ('er.people', 'crm', 'Z-2', '2');
SET ROLE er_owner;
SELECT contacts.merge('er.people', 1, ARRAY[1, 2], reason => 'same person') AS zelda_merge \gset
SELECT contacts.merge('er.people', 3, ARRAY[3, 4]) AS other_merge \gset
-- a rejected import row with Zelda's email, written differently, and one of someone else
CREATE TABLE er.staging (mail text, tel text, first text, last text);
INSERT INTO er.staging VALUES ('ZELDA.QUIXBURY@example.org', 'not a phone', 'Z.', 'Q.'),
                              ('carl@example.com', 'no phone either', 'Carl', 'Third'),
                              ('x@example.com', 'bad', 'Zelda', 'Quixbury');
SELECT rejected FROM contacts.import('er.staging', 'er.people',
    '{"email": "mail", "phone": "tel", "given_name": "first", "family_name": "last"}');
-- a clean run that rewrote Zelda's email, typed before the trigger was there
ALTER TABLE er.people DISABLE TRIGGER people_enforce;
UPDATE er.people SET email = '  ZELDA.Quixbury@EXAMPLE.ORG ' WHERE id = 1;
ALTER TABLE er.people ENABLE TRIGGER people_enforce;
CALL contacts.clean('er.people', run_id => NULL) \gset clean_
-- an older record of Zelda's, archived as stale, and a bounce of her address
INSERT INTO er.people VALUES (5, 'Zelda', 'Quixbury', 'zq@work.example', NULL, NULL, 'Acme');
SELECT contacts.archive_rows('er.people', ARRAY['5'], 'stale') AS archived;
RESET ROLE;
SELECT contacts.record_bounce('zelda.quixbury@example.org', 'soft', '2026-01-01', 'mailbox full');
SET ROLE er_owner;
SELECT count(*) AS clean_changes FROM contacts.clean_change WHERE tbl = 'er.people'::regclass AND row_key = '1';
RESET ROLE;
SELECT contacts.suppress('phone', '+34 612 345 678', reason => 'Zelda Quixbury asked by phone');

-- What the extension keeps of Zelda before:
SELECT (SELECT count(*) FROM contacts.merge_log_row WHERE merge_id = :zelda_merge) AS images,
       (SELECT count(*) FROM contacts.alternate WHERE tbl = 'er.people'::regclass AND survivor = '1') AS alternates,
       (SELECT count(*) FROM contacts.import_reject j JOIN contacts.import_run r USING (import_id)
         WHERE r.target = 'er.people'::regclass) AS rejects,
       (SELECT count(*) FROM contacts.feed_event WHERE tbl = 'er.people'::regclass) AS events;

-- Who may erase: DELETE on the table; the writer may not.
SET ROLE er_app;
SELECT public.er_try($$SELECT contacts.erase('er.people', 1)$$);
RESET ROLE;
-- Bad input
SET ROLE er_owner;
SELECT public.er_try($$SELECT contacts.erase('er.people', 99)$$);
SELECT public.er_try($$SELECT contacts.erase('er.people', NULL::integer)$$);
SELECT public.er_try($$SELECT contacts.erase('er.people', 'one'::text)$$);
SELECT public.er_try($$SELECT contacts.erase('er.orders', 10)$$);
-- A reference that forbids deletion refuses the whole erasure, nothing changed.
SELECT public.er_try($$SELECT contacts.erase('er.people', 1)$$);
SELECT count(*) AS erasures, (SELECT count(*) FROM er.people WHERE id = 1) AS zelda_rows FROM contacts.erasure;
DELETE FROM er.notes WHERE person_id = 1;
-- A trigger that keeps the row refuses the erasure too.
CREATE FUNCTION er.keep_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER keep_row BEFORE DELETE ON er.people FOR EACH ROW EXECUTE FUNCTION er.keep_row();
SELECT public.er_try($$SELECT contacts.erase('er.people', 1)$$);
DROP TRIGGER keep_row ON er.people;
RESET ROLE;

-- The clerk erases.
SET ROLE er_clerk;
SELECT erasure_id, tbl, erased_by, rows, counts, suppressed, reason
  FROM contacts.erase('er.people', 1, reason => 'art. 17 request, ticket 4711');
RESET ROLE;

-- The rows are gone, those merged into it too, and orders through CASCADE.
SELECT id FROM er.people ORDER BY id;
SELECT order_id, person_id FROM er.orders ORDER BY 1;

-- The generic test: no table of the extension holds Zelda's email, phone,
-- name or national ID in any form (row security bypassed: all rows).
CREATE FUNCTION public.er_leftovers(patterns text[]) RETURNS TABLE (tbl text, hits bigint)
LANGUAGE plpgsql AS $$
DECLARE
    t regclass;
    n bigint;
BEGIN
    FOR t IN SELECT c.oid::regclass FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
              WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'p')
                AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'contacts')
              ORDER BY 1::text LOOP
        EXECUTE format('SELECT count(*) FROM %s x WHERE lower(row_to_json(x)::text) LIKE ANY ($1)', t)
           INTO n USING patterns;
        tbl := t::text;
        hits := n;
        RETURN NEXT;
    END LOOP;
END
$$;
SELECT tbl, hits FROM public.er_leftovers(ARRAY[
    '%zelda%', '%quixbury%', '%zq.old%', '%612 34 56 78%', '%612345678%', '%699 11 22 33%', '%699112233%',
    '%12345678z%']) WHERE hits > 0;
-- the same search finds the other person's data, which stays
SELECT count(*) > 0 AS others_kept FROM public.er_leftovers(ARRAY['%ann.other%', '%carl%']) WHERE hits > 0;

-- Every table of the extension has an erasure step (or says why it needs none).
SELECT c.relname AS table_without_step
  FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
 WHERE d.classid = 'pg_class'::regclass AND d.deptype = 'e' AND c.relkind IN ('r', 'p')
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'contacts')
   AND c.relname NOT LIKE 'dedupe\_features\_%'
   AND c.relname NOT IN (SELECT table_name FROM contacts.erasure_steps());

-- What remains: the merge, redacted and marked; the suppression digests.
SELECT merge_id = :zelda_merge AS zelda_merge, survivor, members, reason, erasure_id IS NOT NULL AS erased
  FROM contacts.merge_log WHERE tbl = 'er.people'::regclass ORDER BY merge_id;
SELECT kind, reason FROM contacts.suppression WHERE reason LIKE '%erasure%' ORDER BY kind, reason;
SELECT contacts.is_suppressed('email', 'zelda.quixbury@example.org') AS email_suppressed,
       contacts.is_suppressed('phone', '+34 699 112 233') AS old_phone_suppressed;

-- Unmerge of the erased person's merge refuses; the other one still works.
SET ROLE er_owner;
SELECT public.er_try(format('SELECT contacts.unmerge(%s)', :zelda_merge));
-- and so does the undo of the clean run that changed her email
SELECT public.er_try(format('SELECT contacts.undo_clean(%s)', :clean_run_id)) AS undo_clean;
SELECT contacts.unmerge(:other_merge) AS restored;
RESET ROLE;

-- Without add_to_suppression nothing is added; the dedupe features of the
-- last run are the owner's alone.
SET ROLE er_owner;
SELECT contacts.dedupe_run('er.people') > 0 AS ran;
RESET ROLE;
SET ROLE er_clerk;
SELECT public.er_try($$SELECT contacts.erase('er.people', 4, false)$$);
RESET ROLE;
SET ROLE er_owner;
SELECT rows, suppressed, counts ->> 'dedupe_features' AS features
  FROM contacts.erase('er.people', 4, add_to_suppression => false);
RESET ROLE;
SELECT tbl, hits FROM public.er_leftovers(ARRAY['%bob.else%', '%633 00 11 22%', '%633001122%']) WHERE hits > 0;

-- A person merged in steps (21 into 22, then 22 into 23), the merged-away
-- rows kept with a flag, the alternates in an array column.
-- Members reference clubs: merging clubs moves a member as a referencing row.
SET ROLE er_owner;
CREATE TABLE er.clubs (id integer PRIMARY KEY, name text);
INSERT INTO er.clubs VALUES (1, 'Chess'), (2, 'Chess club');
CREATE TABLE er.members (
    id           integer PRIMARY KEY,
    full_name    text,
    email        text,
    other_emails text[],
    gone         boolean NOT NULL DEFAULT false,
    club_id      integer REFERENCES er.clubs
);
SELECT contacts.configure('er.members', 'id', '{"full_name": "full_name", "email": "email"}');
SELECT contacts.merge_configure('er.members', soft_delete_column => 'gone',
                                alternate_columns => '{"email": "other_emails"}');
INSERT INTO er.members (id, full_name, email) VALUES
    (21, 'Quentin Vexley', 'qv@first.example.com'), (22, 'Q. Vexley', 'qv@second.example.com'),
    (23, 'Quentin Vexley', 'quentin@third.example.com'), (24, 'Rita Stay', 'rita@example.com'),
    (25, 'Rita Stay', 'jqv@first.example.com');
SELECT contacts.merge('er.members', 22, ARRAY[21, 22]) AS m1 \gset
SELECT contacts.merge('er.members', 23, ARRAY[22, 23]) AS m2 \gset
SELECT contacts.merge('er.members', 24, ARRAY[24, 25]) AS m3 \gset
UPDATE er.members SET club_id = 2 WHERE id IN (23, 24);
SELECT contacts.merge('er.clubs', 1, ARRAY[1, 2]) AS club_merge \gset
SELECT action, before ->> 'id' AS member FROM contacts.merge_log_row
 WHERE merge_id = :club_merge AND tbl = 'er.members'::regclass ORDER BY 2;
SELECT id, gone, email, other_emails FROM er.members ORDER BY id;
GRANT SELECT, DELETE ON er.members TO er_nosupp;
-- a row merged away is one person with its survivor
SELECT public.er_try($$SELECT contacts.erase('er.members', 21)$$);
RESET ROLE;
-- the suppression list is not every eraser's
SET ROLE er_nosupp;
SELECT public.er_try($$SELECT contacts.erase('er.members', 23)$$);
RESET ROLE;
SET ROLE er_owner;
SELECT rows, counts -> 'merge_log' AS merges, counts -> 'merge_log_row' AS images, suppressed
  FROM contacts.erase('er.members', 23, reason => 'request 2');
SELECT id, gone, email, other_emails FROM er.members ORDER BY id;
SELECT n, public.er_try(format('SELECT contacts.unmerge(%s)', m)) FROM unnest(ARRAY[:m1, :m2]) WITH ORDINALITY u(m, n);
-- the clubs' merge keeps Rita's move and still comes undone (the erased
-- member is no longer there to move back)
SELECT action, before ->> 'id' AS member FROM contacts.merge_log_row
 WHERE merge_id = :club_merge AND tbl = 'er.members'::regclass ORDER BY 2;
SELECT contacts.unmerge(:club_merge) AS restored;
SELECT id, club_id FROM er.members ORDER BY id;
RESET ROLE;
SELECT tbl, hits FROM public.er_leftovers(ARRAY['%vexley%', '%quentin%', '%"qv@%']) WHERE hits > 0;
-- Rita's merge and her other address (which holds "qv@first..." inside it) stay
SELECT survivor, members, erasure_id FROM contacts.merge_log WHERE merge_id = :m3;
SELECT contacts.erasure_match('"jqv@first.example.com"', '{text:qv@first.example.com}') AS inside_longer,
       contacts.erasure_match('"Key (email)=(qv@first.example.com) exists"', '{text:qv@first.example.com}') AS quoted;

DELETE FROM contacts.feed_event WHERE tbl = 'er.people'::regclass;
DELETE FROM contacts.dedupe_runs WHERE tbl = 'er.people'::regclass;
DROP SCHEMA er CASCADE;
TRUNCATE contacts.merge_log, contacts.import_run, contacts.erasure CASCADE;
ALTER SEQUENCE contacts.merge_log_merge_id_seq RESTART;
ALTER SEQUENCE contacts.merge_log_row_row_id_seq RESTART;
ALTER SEQUENCE contacts.import_run_import_id_seq RESTART;
ALTER SEQUENCE contacts.erasure_erasure_id_seq RESTART;
SELECT setval('contacts.dedupe_runs_run_id_seq', :run_seq, :'run_called'::boolean) IS NOT NULL AS restored,
       setval('contacts.feed_event_event_id_seq', :event_seq, :'event_called'::boolean) IS NOT NULL AS restored;
DROP FUNCTION public.er_try(text), public.er_leftovers(text[]);
REVOKE ALL ON contacts.suppression FROM er_owner, er_clerk;
REVOKE ALL ON contacts.bounce FROM er_owner, er_clerk;
DELETE FROM contacts.suppression WHERE reason LIKE 'erasure %';
DROP ROLE er_owner, er_clerk, er_app, er_nosupp;
