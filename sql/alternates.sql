-- Alternates: a merge keeps the merged-away rows' emails, phones and
-- national IDs as alternates of the survivor (in contacts.alternate, or in
-- an array column), unmerge removes exactly them, and the entry trigger,
-- import(), duplicate_of(), dedupe_match() and health() find a returning
-- person's surviving record through them.  Also the email_canonical
-- duplicate key.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE TABLE al (
    id          bigint PRIMARY KEY,
    full_name   text,
    email       text,
    phone       text,
    national_id text,
    city        text,
    flags       jsonb,
    updated_at  timestamptz
);
CREATE TABLE al_order (id int PRIMARY KEY, contact_id bigint REFERENCES al, amount numeric);
SELECT contacts.configure('al', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id", "city": "city"}',
    default_region => 'ES', duplicate_keys => '{email,phone,national_id}', on_duplicate => 'reject',
    flag_column => 'flags', updated_at_column => 'updated_at');
CREATE TRIGGER al_enforce BEFORE INSERT OR UPDATE ON al
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO al (id, full_name, email, phone, national_id, city, updated_at) VALUES
    (1, 'Ana García', 'ana@example.com', '612 34 56 78', NULL, 'Madrid', '2024-01-01'),
    (2, 'Ana Garcia', 'ANA.GARCIA@Work.example', '622 11 22 33', '12345678Z', NULL, '2024-02-01'),
    (3, 'A. García', 'garcia.ana@gmail.com', NULL, NULL, 'Sevilla', '2024-03-01'),
    (4, 'Luis Pérez', 'luis@example.com', '633 00 00 01', NULL, 'Bilbao', '2024-01-05');
INSERT INTO al_order VALUES (10, 2, 5), (11, 3, 7);

-- Merge 2 and 3 into 1: their emails, phone and ID become alternates of 1
-- (normalized as the trigger stores them); 1's own values are not repeated.
SELECT contacts.merge('al', 1::bigint, ARRAY[1, 2, 3]::bigint[]) AS m1 \gset
SELECT survivor, kind, value, merge_id = :m1 AS this_merge FROM contacts.alternate ORDER BY kind, value;
SELECT * FROM contacts.alternates('al');

-- The returning person: each old value now finds the survivor.
INSERT INTO al (id, full_name, email) VALUES (5, 'Ana G.', 'Ana.Garcia@work.example');
INSERT INTO al (id, full_name, phone) VALUES (5, 'Ana G.', '+34 622 112 233');
INSERT INTO al (id, full_name, national_id) VALUES (5, 'Ana G.', '12345678z');
INSERT INTO al (id, full_name, email) VALUES (5, 'Someone new', 'new@example.com');
SELECT contacts.duplicate_of('al', 'email', 'GARCIA.ANA@gmail.com');
SELECT contacts.duplicate_of('al', 'phone', '622112233');
SELECT contacts.duplicate_of('al', 'email', 'nobody@example.com');
SELECT contacts.duplicate_of('al', 'email', 'not an address');
-- the row itself is not its own duplicate
SELECT contacts.duplicate_of('al', 'email', 'garcia.ana@gmail.com', own_key => '1');
SELECT contacts.duplicate_of('al', 'city', 'Madrid');
SELECT contacts.duplicate_of('al', 'nope', 'x');

-- Merging the survivor on moves its alternates along; unmerge takes back
-- exactly what each merge added.
SELECT contacts.merge('al', 4::bigint, ARRAY[1, 4]::bigint[]) AS m2 \gset
SELECT survivor, kind, value, merge_id = :m2 AS second_merge FROM contacts.alternate ORDER BY merge_id, kind, value;
SELECT contacts.duplicate_of('al', 'email', 'garcia.ana@gmail.com');
SELECT contacts.unmerge(:m1);
SELECT contacts.unmerge(:m2);
SELECT survivor, kind, value FROM contacts.alternate ORDER BY kind, value;
SELECT contacts.unmerge(:m1);
SELECT count(*) AS alternates_left FROM contacts.alternate;
SELECT id, email, phone, national_id FROM al ORDER BY id;

-- Merged again for the policies below.
SELECT contacts.merge('al', 1::bigint, ARRAY[1, 2, 3]::bigint[]) AS m1 \gset

-- flag and update policies through alternates
SELECT contacts.configure('al', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id", "city": "city"}',
    default_region => 'ES', duplicate_keys => '{email,phone,national_id}', on_duplicate => 'flag',
    flag_column => 'flags', updated_at_column => 'updated_at');
INSERT INTO al (id, full_name, email) VALUES (6, 'Ana', 'garcia.ana@gmail.com') RETURNING id, flags;
DELETE FROM al WHERE id = 6;
SELECT contacts.configure('al', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id", "city": "city"}',
    default_region => 'ES', duplicate_keys => '{email,phone,national_id}', on_duplicate => 'update',
    flag_column => 'flags', updated_at_column => 'updated_at');
UPDATE al SET city = NULL WHERE id = 1;
INSERT INTO al (id, full_name, email, city) VALUES (7, 'Ana', 'garcia.ana@gmail.com', 'Toledo');
SELECT id, full_name, email, city FROM al ORDER BY id;

-- import(): the duplicate key consults alternates, with the policy
CREATE TABLE al_stage (name text, mail text, town text);
INSERT INTO al_stage VALUES ('Ana Garcia', 'ana.garcia@WORK.example', 'Cádiz'),
                            ('Eva Ruiz', 'eva@example.com', 'León');
SELECT contacts.configure('al', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id", "city": "city"}',
    default_region => 'ES', duplicate_keys => '{email,phone,national_id}', on_duplicate => 'allow',
    flag_column => 'flags', updated_at_column => 'updated_at');
ALTER TABLE al ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START 100);
SELECT staged, inserted, updated, kept FROM contacts.import('al_stage', 'al',
    '{"full_name": "name", "email": "mail", "city": {"from": "town", "on_update": "overwrite"}}',
    duplicate_key => 'email', on_duplicate => 'update');
SELECT id, full_name, email, city FROM al ORDER BY id;

-- health() reports the alternates, and rows holding another row's alternate
INSERT INTO al (id, full_name, email) VALUES (8, 'Ana again', 'garcia.ana@gmail.com');
SELECT * FROM contacts.health('al') WHERE check_name LIKE '%alternate%' ORDER BY 1, 2;
DELETE FROM al WHERE id = 8;

-- An array column keeps a kind's alternates instead (here: emails).
ALTER TABLE al ADD COLUMN other_emails text[];
SELECT contacts.merge_configure('al', alternate_columns => '{"email": "other_emails"}');
SELECT contacts.merge('al', 5::bigint, ARRAY[5, 1]::bigint[]) AS m3 \gset
SELECT id, email, other_emails FROM al WHERE id = 5;
SELECT survivor, kind, value FROM contacts.alternate ORDER BY kind, value;
SELECT contacts.configure('al', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id", "city": "city"}',
    default_region => 'ES', duplicate_keys => '{email,phone,national_id}', on_duplicate => 'reject',
    flag_column => 'flags', updated_at_column => 'updated_at');
INSERT INTO al (id, full_name, email) VALUES (9, 'Ana', 'ana@EXAMPLE.com');
CREATE INDEX ON al USING gin (contacts.alternate_keys('email', other_emails));
SELECT * FROM contacts.alternates('al');
SELECT contacts.unmerge(:m3);
SELECT id, email, other_emails FROM al ORDER BY id;
SELECT contacts.merge_configure('al', alternate_columns => '{"email": "city"}');
SELECT contacts.merge_configure('al', alternate_columns => '{"email": "nope"}');
SELECT contacts.merge_configure('al', alternate_columns => '{"fax": "other_emails"}');
-- a column that stopped being an array is caught at the merge
DROP INDEX al_alternate_keys_idx;
ALTER TABLE al ALTER COLUMN other_emails TYPE text USING other_emails::text;
SELECT contacts.merge('al', 1::bigint, ARRAY[1, 4]::bigint[]);
SELECT contacts.merge_configure('al', alternate_columns => '{}');

-- email_canonical: Gmail dots and +tags, googlemail = gmail, as
-- email_canonical() does; the default key is the case-insensitive address.
SELECT contacts.email_canonical_key('Garcia.Ana+news@GoogleMail.com'), contacts.email_key('Garcia.Ana+news@GoogleMail.com');
SELECT contacts.email_canonical_key('not an address');
SELECT contacts.configure('al', 'id', '{"email": "email"}', email_duplicate_key => 'gmail');
INSERT INTO al (id, full_name, email) VALUES (20, 'Ana', 'garciaana+x@googlemail.com');
DELETE FROM al WHERE id = 20;
SELECT contacts.configure('al', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id", "city": "city"}',
    default_region => 'ES', duplicate_keys => '{email,phone,national_id}', on_duplicate => 'reject',
    flag_column => 'flags', updated_at_column => 'updated_at', email_duplicate_key => 'email_canonical');
-- the alternate garcia.ana@gmail.com of row 1 is the same mailbox
INSERT INTO al (id, full_name, email) VALUES (20, 'Ana', 'garciaana+x@googlemail.com');
SELECT contacts.duplicate_of('al', 'email', 'G.A.R.C.I.A.ANA@gmail.com');
-- health counts duplicates by the canonical key
ALTER TABLE al DISABLE TRIGGER al_enforce;
INSERT INTO al (id, full_name, email) VALUES (22, 'Dup', 'g.arcia.ana@gmail.com'), (23, 'Dup', 'GarciaAna+q@gmail.com');
ALTER TABLE al ENABLE TRIGGER al_enforce;
SELECT * FROM contacts.health('al') WHERE check_name IN ('duplicate email', 'duplicate of an alternate') ORDER BY 1, 2;
DELETE FROM al WHERE id IN (22, 23);
-- and import
TRUNCATE al_stage;
INSERT INTO al_stage VALUES ('Ana', 'garciaana+z@googlemail.com', 'Vigo');
SELECT staged, inserted, updated, kept FROM contacts.import('al_stage', 'al', '{"full_name": "name", "email": "mail"}',
    duplicate_key => 'email', on_duplicate => 'keep');

DROP TABLE al_order, al, al_stage;
SELECT count(*) AS alternates_of_dropped_tables FROM contacts.alternate;

-- leave the logs as the tests after this one expect them
TRUNCATE contacts.merge_log, contacts.import_run CASCADE;
ALTER SEQUENCE contacts.merge_log_merge_id_seq RESTART;
ALTER SEQUENCE contacts.merge_log_row_row_id_seq RESTART;
ALTER SEQUENCE contacts.import_run_import_id_seq RESTART;
