-- Entry standards: contacts.configure(), the contacts.enforce() trigger,
-- the suppression list and the health report.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE TABLE people (
    id          bigserial PRIMARY KEY,
    full_name   text,
    email       text,
    phone       text,
    country     text,
    company     text,
    national_id text,
    flags       jsonb,
    updated_at  timestamptz DEFAULT now()
);

-- Configuration errors are caught up front.
SELECT contacts.configure('people', 'id', '{"full_name": "full_name", "mail": "email"}');
SELECT contacts.configure('people', 'id', '{"full_name": "fullname"}');
SELECT contacts.configure('people', 'id', '{"full_name": "full_name"}', flag_column => 'company');
SELECT contacts.configure('people', 'id', '{"full_name": "full_name"}', duplicate_keys => '{email}');
SELECT contacts.configure('people', 'id', '{"full_name": "full_name"}', on_invalid => 'ignore');
SELECT contacts.configure('people', 'id', '{"full_name": "full_name"}', on_duplicate => 'merge');

-- A trigger on a table that is not configured says so.
CREATE TABLE unconfigured (id int PRIMARY KEY, email text);
CREATE TRIGGER unconfigured_enforce BEFORE INSERT ON unconfigured
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO unconfigured VALUES (1, 'a@example.com');
CREATE TRIGGER unconfigured_after AFTER INSERT ON unconfigured
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT contacts.enforce();
DROP TABLE unconfigured;

SELECT contacts.configure('people', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country",
      "company": "company", "national_id": "national_id"}',
    default_region => 'ES', duplicate_keys => '{email}', required => '{full_name}',
    on_duplicate => 'reject', flag_column => 'flags', updated_at_column => 'updated_at');
SELECT tbl, key_column, default_region, on_invalid, on_duplicate, flag_column FROM contacts.table_config;
SELECT col, kind, duplicate_key, required FROM contacts.column_kind ORDER BY col;
CREATE TRIGGER people_enforce BEFORE INSERT OR UPDATE ON people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();

-- Values are normalized in place: names proper-cased, email domain
-- lower-cased, phone to E.164 with the row's region (else the table's),
-- company and national ID normalized.
INSERT INTO people (full_name, email, phone, company, national_id)
VALUES ('  JOSE  perez garcía ', 'Jose.Perez@GMAIL.com', '612 34 56 78', 'acme s.a.', '12345678z')
RETURNING full_name, email, phone, company, national_id, flags;
INSERT INTO people (full_name, email, phone, country)
VALUES ('martín FIERRO', 'martin@example.com.ar', '(011) 15 2345-6789', 'AR')
RETURNING full_name, email, phone, country;

-- An extension is kept (E.164 as the phone type writes it).
INSERT INTO people (full_name, email, phone, country)
VALUES ('ana gómez', 'ana.gomez@example.com.ar', '0261-4285816 int. 873', 'AR')
RETURNING full_name, phone;

-- A ZZ country (libphonenumber's unknown region) is no country: the table's
-- region applies, as for NULL.
BEGIN;
INSERT INTO people (id, full_name, email, phone, country)
VALUES (1000, 'luz roca', 'luz.roca@example.es', '699 12 34 56', 'zz')
RETURNING full_name, phone;
ROLLBACK;

-- Invalid values are rejected with the column, the value and the reason.
INSERT INTO people (full_name, email) VALUES ('Ana Ruiz', 'ana@gmial..con');
INSERT INTO people (full_name, phone) VALUES ('Ana Ruiz', '12');
INSERT INTO people (full_name, national_id) VALUES ('Ana Ruiz', '12345678A');
INSERT INTO people (email) VALUES ('nadie@example.com');
INSERT INTO people (full_name, email) VALUES ('   ', 'nadie@example.com');

-- Duplicates by email are refused, whatever the case of the address.
INSERT INTO people (full_name, email) VALUES ('Pepe Pérez', 'JOSE.PEREZ@gmail.com');
-- An update that makes a duplicate is refused too; one that keeps the row's
-- own address is not.
UPDATE people SET email = 'jose.perez@gmail.com' WHERE full_name = 'Martín Fierro';
UPDATE people SET email = 'JOSE.PEREZ@gmail.com' WHERE full_name = 'Jose Perez García'
RETURNING full_name, email;

-- on_invalid = flag keeps the value and records why; set_null drops it.
UPDATE contacts.table_config SET on_invalid = 'flag', on_duplicate = 'flag' WHERE tbl = 'people'::regclass;
INSERT INTO people (full_name, email, phone) VALUES ('ana ruiz', 'ana@gmial..con', '12')
RETURNING full_name, email, phone, flags;
INSERT INTO people (full_name, email) VALUES ('Pepe Pérez', 'jose.perez@GMAIL.com')
RETURNING full_name, email, flags;
-- Two rows hold that address now: a third names the same one every time.
BEGIN;
INSERT INTO people (full_name, email) VALUES ('Pepe P.', 'Jose.Perez@gmail.com'), ('J. Pérez', 'jose.perez@gmail.com')
RETURNING full_name, flags -> 'duplicate_of' AS duplicate_of;
ROLLBACK;
INSERT INTO people (email) VALUES ('solo@example.com') RETURNING full_name, email, flags;
-- Flags of one reason are kept per column and reason: the same reason again,
-- another reason, another column, and two columns at once (rolled back).
BEGIN;
INSERT INTO people (full_name, email, phone) VALUES
    ('Eva Sanz', 'eva@@example.com', '+34 612 000 201'),
    ('Rosa Gil', 'rosa@@example.com', '+34 612 000 202'),
    ('Gael Ruiz', 'gael@gmial..con', '+34 612 000 203'),
    ('Noa Vidal', 'noa@example.com', '12'),
    ('Leo Soto', 'leo@example.com', '13'),
    ('Iker Paz', 'iker@@example.com', '14')
RETURNING full_name, email, phone, flags;
ROLLBACK;
UPDATE contacts.table_config SET on_invalid = 'set_null' WHERE tbl = 'people'::regclass;
INSERT INTO people (full_name, email, phone) VALUES ('Luis Gómez', 'luis@@example.com', '+34 612 000 111')
RETURNING full_name, email, phone, flags;

-- on_duplicate = update turns the insert into an update of the existing row.
UPDATE contacts.table_config SET on_duplicate = 'update' WHERE tbl = 'people'::regclass;
SELECT count(*) AS before FROM people;
INSERT INTO people (full_name, email, company) VALUES ('Martín Fierro', 'MARTIN@example.com.ar', 'la pampa s.r.l.');
SELECT count(*) AS after FROM people;
SELECT full_name, email, company FROM people WHERE full_name = 'Martín Fierro';

-- The suppression list keeps keyed digests, not values; every written form
-- of a suppressed address or number is refused.
SELECT contacts.suppress('email', 'Opt.Out+news@gmail.com', reason => 'asked on 2026-11-02');
SELECT contacts.suppress('phone', '+34 699 000 111');
SELECT contacts.suppress('email', 'optout@gmail.com');
SELECT contacts.suppress('email', 'not an address');
SELECT kind, length(digest) AS digest_bytes, reason FROM contacts.suppression ORDER BY kind;
SELECT contacts.is_suppressed('email', 'OPTOUT@googlemail.com'), contacts.is_suppressed('phone', '699 000 111', 'ES'),
       contacts.is_suppressed('email', 'someone@gmail.com');
INSERT INTO people (full_name, email) VALUES ('Opt Out', 'optout@gmail.com');
INSERT INTO people (full_name, phone) VALUES ('Opt Out', '0034 699 000 111');

-- Typed columns are checked by their type; the trigger leaves them alone,
-- but for duplicates (by the type's equality) and the suppression list.
CREATE TABLE typed (id int PRIMARY KEY, email contacts.email, full_name text, phone contacts.phone);
SELECT contacts.configure('typed', 'id', '{"email": "email", "full_name": "full_name", "phone": "phone"}', duplicate_keys => '{email}', on_duplicate => 'reject');
CREATE TRIGGER typed_enforce BEFORE INSERT OR UPDATE ON typed FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO typed VALUES (1, 'Ana@Example.COM', 'ANA ruiz') RETURNING *;
INSERT INTO typed VALUES (2, 'ana@example.com', 'Ana Ruiz');
INSERT INTO typed VALUES (3, 'Opt.Out@GoogleMail.com', 'Opt Out');
INSERT INTO typed VALUES (4, 'someone@example.com', 'Opt Out', '+34 699 000 111');

-- The health report: one row per check, with an example each.
SELECT check_name, column_name, affected, total, rate,
       CASE WHEN check_name <> 'not updated since' THEN example END AS example
  FROM contacts.health('people', stale_before => now() + interval '1 day')
 ORDER BY check_name, column_name;
SELECT count(*) AS typed_checks FROM contacts.health('typed');
SELECT * FROM contacts.health('pg_class');

-- Dropping a table forgets its configuration.
DROP TABLE typed;
SELECT count(*) FROM contacts.table_config WHERE tbl::text = 'typed';

-- Likely duplicates: with fuzzy_duplicates, the dedupe model of the table's
-- last run finds the same person written another way.
CREATE TABLE leads (id bigint PRIMARY KEY, full_name text, email text, phone text, country text, flags jsonb);
INSERT INTO leads VALUES
  (1, 'José Pérez García', 'jperez@example.com', '+34 612 34 56 78', 'ES', NULL),
  (2, 'María López Ruiz', 'mlopez@example.es', '+34 622 11 22 33', 'ES', NULL),
  (3, 'Juan Martínez', 'juan.martinez@example.com', '+54 9 11 2345-6789', 'AR', NULL),
  (4, 'Ana Fernández', 'ana.f@example.com', '+52 55 1234 5678', 'MX', NULL);
SELECT contacts.configure('leads', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}',
    on_duplicate => 'flag', flag_column => 'flags', fuzzy_duplicates => true);
SELECT count(*) > 0 AS ran FROM (SELECT contacts.dedupe_run('leads')) r;
CREATE TRIGGER leads_enforce BEFORE INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO leads (id, full_name, email, phone, country)
VALUES (5, 'PEPE PEREZ GARCIA', 'pepe.perez@gmail.com', '612345678', 'ES')
RETURNING id, full_name, phone, flags ->> 'duplicate_of' AS duplicate_of;
INSERT INTO leads (id, full_name, email, phone, country)
VALUES (6, 'Lucía Gómez', 'lucia@example.org', '+34 633 44 55 66', 'ES')
RETURNING id, full_name, flags;
UPDATE contacts.table_config SET on_duplicate = 'reject' WHERE tbl = 'leads'::regclass;
INSERT INTO leads (id, full_name, email, phone, country)
VALUES (7, 'Maria Lopez', 'maria.lopez@gmail.com', '622 112 233', 'ES');
DROP TABLE leads;

DROP TABLE people;
SELECT count(*) AS configured_tables FROM contacts.table_config;

-- Target columns may have any name, even those the import uses for itself.
CREATE TABLE odd_names (rn bigint PRIMARY KEY, src text, outcome text, existing_key text,
                        reasons text, suppressed text, import_region text, c1 text, r1 text);
SELECT contacts.configure('odd_names', 'rn', '{"src": "email", "outcome": "full_name", "c1": "phone"}',
                          default_region => 'ES');
CREATE TABLE odd_staging (n bigint, mail text, who text, kind text, tel text, reason text);
INSERT INTO odd_staging VALUES (1, 'A@Example.com', 'ANA', 'x', '612345678', 'r'),
                               (2, 'a@example.com', 'ana', 'y', NULL, NULL),
                               (3, 'bad@', 'bad', 'z', NULL, NULL);
SELECT staged, inserted, kept, rejected
  FROM contacts.import('odd_staging', 'odd_names',
                       '{"rn": "n", "src": "mail", "outcome": "who", "existing_key": "kind", "reasons": "reason",
                         "suppressed": "kind", "import_region": "kind", "c1": "tel", "r1": "who"}',
                       duplicate_key => 'src');
SELECT * FROM odd_names ORDER BY rn;
DROP TABLE odd_names, odd_staging;
