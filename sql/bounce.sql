-- Bounces: emails and phones that fail delivery, and what configured tables
-- do with them (configure(on_undeliverable => ...)), as production roles:
-- b_mailer is the mail system (granted the bounce list), b_owner owns the
-- table, b_app only writes it, b_reader only reads it, b_stranger nothing.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE ROLE b_owner;
CREATE ROLE b_mailer;
CREATE ROLE b_app;
CREATE ROLE b_reader;
CREATE ROLE b_stranger;
CREATE SCHEMA b AUTHORIZATION b_owner;
GRANT USAGE ON SCHEMA b TO b_app, b_reader, b_stranger, b_mailer;
GRANT SELECT, INSERT ON contacts.bounce TO b_mailer;

-- The mail system records what its sends gave (at fixed times).
SET ROLE b_mailer;
SELECT contacts.record_bounce('Ana.Ruiz@Example.com', 'hard', '2026-01-10 10:00+00', '550 5.1.1 user unknown') AS undeliverable;
SELECT contacts.is_undeliverable('email', 'ana.ruiz@EXAMPLE.com') AS any_spelling;
-- Soft bounces count when 3 fall within 30 days of each other.
SELECT contacts.record_bounce('luis@example.org', 'soft', '2026-01-01 00:00+00') AS after_1;
SELECT contacts.record_bounce('luis@example.org', 'soft', '2026-02-15 00:00+00') AS after_2;
SELECT contacts.record_bounce('luis@example.org', 'soft', '2026-02-20 00:00+00') AS after_3_in_45_days;
SELECT contacts.record_bounce('luis@example.org', 'soft', '2026-03-01 00:00+00') AS after_3_in_30_days;
-- A successful delivery resets the address; bounces before it no longer count.
SELECT contacts.clear_bounces('email', 'luis@example.org', '2026-03-05 00:00+00', delivered => true) AS still;
SELECT contacts.is_undeliverable('email', 'luis@example.org') AS luis;
SELECT contacts.record_bounce('luis@example.org', 'soft', '2026-03-06 00:00+00') AS one_soft_again;
-- Phones that fail delivery, by their E.164 form.
SELECT contacts.record_delivery_failure('612 34 56 78', 'hard', '2026-01-11 09:00+00', 'SMS: unknown subscriber', region => 'ES') AS phone;
SELECT contacts.is_undeliverable('phone', '+34 612 345 678') AS phone_any_spelling;
SELECT channel, address, event, at, detail, recorded_by FROM contacts.bounce ORDER BY bounce_id;
-- Bad input.
SELECT contacts.record_bounce('ana@', 'hard');
SELECT contacts.record_bounce('ana@example.com', 'medium');
SELECT contacts.record_delivery_failure('612 34 56 78', 'hard');
SELECT contacts.clear_bounces('fax', '123');
RESET ROLE;

-- The limit and the window are settings per channel: 2 within 7 days.
INSERT INTO contacts.bounce_settings VALUES ('email', 2, '7 days');
SELECT contacts.is_undeliverable('email', 'eva@example.net') AS never_bounced;
INSERT INTO contacts.bounce (channel, address, event, at)
VALUES ('email', 'eva@example.net', 'soft', '2026-01-01'), ('email', 'eva@example.net', 'soft', '2026-01-05');
SELECT contacts.is_undeliverable('email', 'eva@example.net') AS two_in_seven_days;
DELETE FROM contacts.bounce_settings;
SELECT contacts.is_undeliverable('email', 'eva@example.net') AS two_of_three;

-- Who may: the bounce list is the mail system's (and the extension owner's).
SET ROLE b_app;
SELECT contacts.record_bounce('x@example.com', 'hard');
SELECT contacts.is_undeliverable('email', 'ana.ruiz@example.com');
RESET ROLE;

-- A table's policy: allow (the default) stores them as before.
SET ROLE b_owner;
CREATE TABLE b.crm (code text PRIMARY KEY, full_name text, email text, phone text, flags jsonb);
SELECT contacts.configure('b.crm', 'code', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', flag_column => 'flags');
CREATE TRIGGER crm_enforce BEFORE INSERT OR UPDATE ON b.crm FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
GRANT INSERT, UPDATE, SELECT (code) ON b.crm TO b_app;
GRANT SELECT ON b.crm TO b_reader;
RESET ROLE;
SET ROLE b_app;
INSERT INTO b.crm (code, full_name, email) VALUES ('c1', 'Ana Ruiz', 'ana.ruiz@example.com');
RESET ROLE;
-- reject: a writer who may not read the bounce list is refused all the same.
SET ROLE b_owner;
SELECT contacts.configure('b.crm', 'code', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', flag_column => 'flags', on_undeliverable => 'reject');
RESET ROLE;
SET ROLE b_app;
INSERT INTO b.crm (code, full_name, email) VALUES ('c2', 'Ana Ruiz', 'ANA.RUIZ@example.com');
INSERT INTO b.crm (code, full_name, phone) VALUES ('c2', 'Ana Ruiz', '612345678');
INSERT INTO b.crm (code, full_name, email, phone) VALUES ('c2', 'Luis Gil', 'luis@example.org', '699 88 77 66');
-- an existing row cannot be given one either
UPDATE b.crm SET email = 'ana.ruiz@example.com' WHERE code = 'c2';
RESET ROLE;
-- flag: kept, with the reason in the flag column.
SET ROLE b_owner;
SELECT contacts.configure('b.crm', 'code', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', flag_column => 'flags', on_undeliverable => 'flag');
SELECT contacts.configure('b.crm', 'code', '{"email": "email"}', on_undeliverable => 'flag');
SELECT contacts.configure('b.crm', 'code', '{"email": "email"}', on_undeliverable => 'bounce');
RESET ROLE;
SET ROLE b_app;
INSERT INTO b.crm (code, full_name, email, phone) VALUES ('c3', 'Ana Ruiz', 'ana.ruiz@example.com', '612345678');
INSERT INTO b.crm (code, full_name, email, phone) VALUES ('c4', 'Eva Sanz', 'eva@example.net', '612345678');
RESET ROLE;
SELECT code, email, phone, flags FROM b.crm ORDER BY code;
-- A cleared address is clean again: its flag goes with the next write.
SET ROLE b_mailer;
SELECT contacts.clear_bounces('email', 'ana.ruiz@example.com');
SELECT contacts.clear_bounces('phone', '+34612345678');
RESET ROLE;
SET ROLE b_app;
UPDATE b.crm SET full_name = 'Ana Ruiz Gil' WHERE code = 'c3';
RESET ROLE;
SELECT code, flags FROM b.crm ORDER BY code;

-- health() counts them per column, for readers who cannot see the list.
SET ROLE b_mailer;
SELECT contacts.record_bounce('ana.ruiz@example.com', 'hard', '2027-01-01 00:00+00');
RESET ROLE;
SET ROLE b_reader;
SELECT check_name, column_name, affected, total, example FROM contacts.health('b.crm')
 WHERE check_name LIKE 'undeliverable%' ORDER BY 1, 2;
SELECT contacts.undeliverable_match('b.crm', 'email', 'ana.ruiz@example.com') AS match_for_reader;
RESET ROLE;
SET ROLE b_stranger;
SELECT contacts.undeliverable_match('b.crm', 'email', 'ana.ruiz@example.com');
RESET ROLE;

-- import() sets rows aside under reject (they would fail the whole import).
SET ROLE b_owner;
SELECT contacts.configure('b.crm', 'code', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', flag_column => 'flags', on_undeliverable => 'reject');
CREATE TABLE b.staging (code text, name text, mail text);
INSERT INTO b.staging VALUES ('s1', 'Ana Ruiz', 'Ana.Ruiz@example.com'), ('s2', 'Rosa Díaz', 'rosa@example.com');
SELECT staged, inserted, rejected FROM contacts.import('b.staging', 'b.crm',
    '{"code": "code", "full_name": "name", "email": "mail"}');
SELECT row_number, category, reasons FROM contacts.import_reject r
  JOIN contacts.import_run u USING (import_id) WHERE u.target = 'b.crm'::regclass ORDER BY 1;
RESET ROLE;

-- clean() applies the policy to the rows a table already holds: reject
-- drops the dead address (logged, undoable), flag keeps it and says why.
SET ROLE b_owner;
CREATE TABLE b.old (id int PRIMARY KEY, email text, phone text, flags jsonb);
INSERT INTO b.old VALUES (1, 'Dead.Box@Example.com', '+34 611 00 01 11', NULL),
                         (2, 'alive@example.com', '+34 699 11 22 33', NULL);
SELECT contacts.configure('b.old', 'id', '{"email": "email", "phone": "phone"}',
                          on_undeliverable => 'reject', flag_column => 'flags');
RESET ROLE;
SELECT contacts.record_bounce('dead.box@example.com', 'hard', '2026-02-01');
SELECT contacts.record_delivery_failure('+34611000111', 'hard', '2026-02-01');
SET ROLE b_owner;
SELECT * FROM contacts.clean_preview('b.old') ORDER BY 1, 2;
CALL contacts.clean('b.old', run_id => NULL) \gset old_
SELECT id, email, phone FROM b.old ORDER BY id;
SELECT col, action, reason, before, after FROM contacts.clean_change
 WHERE run_id = :old_run_id ORDER BY row_key, col;
SELECT contacts.undo_clean(:old_run_id) AS restored;
SELECT id, email, phone FROM b.old ORDER BY id;
SELECT contacts.configure('b.old', 'id', '{"email": "email", "phone": "phone"}',
                          on_undeliverable => 'flag', flag_column => 'flags');
CALL contacts.clean('b.old', run_id => NULL) \gset old_
SELECT id, email, phone, flags FROM b.old ORDER BY id;
RESET ROLE;

-- (the import ids later tests show start where they would without this one)
DELETE FROM contacts.import_run WHERE target = 'b.crm'::regclass;
SELECT setval('contacts.import_run_import_id_seq', coalesce(max(import_id), 0) + 1, false) > 0 AS import_ids_reset
  FROM contacts.import_run;
DROP SCHEMA b CASCADE;
-- (its clean runs went with its tables; later tests number theirs from 1)
SELECT setval('contacts.clean_run_run_id_seq', coalesce(max(run_id), 0) + 1, false) > 0 AS clean_ids_reset
  FROM contacts.clean_run;
DELETE FROM contacts.bounce;
DROP OWNED BY b_owner, b_mailer, b_app, b_reader, b_stranger;
DROP ROLE b_owner, b_mailer, b_app, b_reader, b_stranger;
