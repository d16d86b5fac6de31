-- One definition of "the same email": the email type, contacts.email_key(),
-- the entry trigger's duplicate lookup, imports and the health report agree,
-- whatever the column's collation.

-- Unicode full case folding: ß is ss.  COLLATE "C" changes nothing.
SELECT 'STRASSE@example.de'::contacts.email OPERATOR(contacts.=) 'straße@example.de'::contacts.email AS type_equal,
       contacts.email_key('STRASSE@example.de') = contacts.email_key('straße@example.de') AS key_equal,
       contacts.email_key('straße@example.de') AS key;
SELECT 'JOSÉ@example.com'::contacts.email OPERATOR(contacts.=) 'josé@example.com'::contacts.email AS type_equal,
       contacts.email_key('JOSÉ@example.com' COLLATE "C") = contacts.email_key('josé@example.com' COLLATE "C") AS key_equal,
       lower('JOSÉ@example.com' COLLATE "C") = lower('josé@example.com' COLLATE "C") AS lower_c_equal;
-- The key is of the normal form (white space, IDN spelling), under any
-- profile; text that is not an address has none.
SELECT contacts.email_key(' Ana@XN--BCHER-KVA.DE ') AS idn,
       contacts.email_key('"Ana Maria"@Example.com') AS quoted,
       contacts.email_key('ana@') IS NULL AS invalid_has_no_key;
SET contacts.email_profile = 'rfc';
SELECT contacts.email_key('"Ana Maria"@Example.com') AS quoted_rfc;
RESET contacts.email_profile;

CREATE TABLE key_default (id int PRIMARY KEY, email text);
CREATE TABLE key_c (id int PRIMARY KEY, email text COLLATE "C");
SELECT contacts.configure(t, 'id', '{"email": "email"}', duplicate_keys => '{email}', on_duplicate => 'reject')
  FROM unnest('{key_default,key_c}'::regclass[]) t;
CREATE TRIGGER key_default_enforce BEFORE INSERT OR UPDATE ON key_default
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
CREATE TRIGGER key_c_enforce BEFORE INSERT OR UPDATE ON key_c
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();

-- The trigger rejects what the type holds equal.
INSERT INTO key_default VALUES (1, 'straße@example.de');
INSERT INTO key_default VALUES (2, 'STRASSE@example.de');
INSERT INTO key_c VALUES (1, 'josé@example.com');
INSERT INTO key_c VALUES (2, 'JOSÉ@example.com');
INSERT INTO key_c VALUES (3, 'José@Example.COM');
-- and nothing more: a row may keep its own address
UPDATE key_c SET email = 'JOSÉ@example.com' WHERE id = 1;
INSERT INTO key_c VALUES (2, 'josef@example.com');

-- The documented index serves the trigger's lookup, whose expression casts
-- the column to text (a no-op for text columns).
CREATE INDEX ON key_c (contacts.email_key(email));
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM key_c WHERE contacts.email_key(email::text) = 'x';
RESET enable_seqscan;

-- Imports: duplicates of the table and inside the file, by the same key.
CREATE TABLE key_staging (n int, mail text);
INSERT INTO key_staging VALUES (10, 'JOSÉ@EXAMPLE.COM'), (11, 'Strasse@example.de'),
                               (12, 'straße@example.de'), (13, 'new@example.com');
\set VERBOSITY terse
SELECT staged, inserted, kept, rejected
  FROM contacts.import('key_staging', 'key_c', '{"id": "n", "email": "mail"}', duplicate_key => 'email');
\set VERBOSITY default
SELECT * FROM key_c ORDER BY id;

-- Health counts duplicates by the same key.
UPDATE contacts.table_config SET on_duplicate = 'allow' WHERE tbl IN ('key_default'::regclass, 'key_c'::regclass);
INSERT INTO key_default VALUES (2, 'STRASSE@example.de');
INSERT INTO key_c VALUES (20, 'JOSÉ@example.com'), (21, 'STRASSE@EXAMPLE.DE');
SELECT check_name, column_name, affected, example
  FROM contacts.health('key_default') WHERE check_name = 'duplicate email';
SELECT check_name, column_name, affected, example
  FROM contacts.health('key_c') WHERE check_name = 'duplicate email';
DROP TABLE key_default, key_c, key_staging;
