-- Duplicate detection on a small planted set: exact expected clusters.
\pset null '(null)'

-- keys used for blocking and comparison (the Mexican forms are those of
-- before the plan's change of 2019, the Chilean one of before 2016, and
-- Colombia dials "005" abroad, not "00"; a doubled dot keys as one, and a
-- list's separator left at the end is dropped)
SELECT kind, value, region, contacts.match_key(kind, value, region)
FROM (VALUES
    ('email', '  Ana.Perez+crm@GoogleMail.com ', NULL),
    ('email', 'ana.perez@gmail.com', NULL),
    ('email', 'Juan@Empresa.com.mx', NULL),
    ('email', 'ana@@gmail.com', NULL),
    ('email', 'ana.perez gmail.com', NULL),
    ('email', 'ana..perez@gmail..com', NULL),
    ('email', 'ana.perez@gmail.com, ', NULL),
    ('phone', '+34 612 34 56 78', NULL),
    ('phone', '612-345-678', 'ES'),
    ('phone', '0034 612345678', NULL),
    ('phone', '(011) 15 4123-4567', 'AR'),
    ('phone', '+54 9 11 4123-4567', NULL),
    ('phone', '+52 1 55 1234 5678', NULL),
    ('phone', '044 55 1234 5678', 'MX'),
    ('phone', '01 55 1234 5678', 'MX'),
    ('phone', '09-9262 8056', 'CL'),
    ('phone', '0057 601 234 5678', 'CO'),
    ('phone', '(212) 555-0134 ext. 12', 'US'),
    ('phone', '+44 (0)7912 345678', NULL),
    ('phone', '12345', 'ES'),
    ('phone', '612345678', NULL),
    ('phonetic', 'Pérez García, José', NULL),
    ('phonetic', 'jose perez garcia', NULL),
    ('phonetic', 'Llorente Vázquez', NULL),
    ('phonetic', 'Yorente Basquez', NULL),
    ('company', 'Transportes del Norte S.A. de C.V.', NULL),
    ('company', 'TRANSPORTES DEL NORTE SA DE CV', NULL),
    ('company', 'Acme, Inc.', NULL),
    ('company', 'Acme Incorporated', NULL),
    ('company', 'Grupo Sol S. A.', NULL),
    ('national_id', '12.345.678-5', 'CL'),
    ('national_id', '12345678-z', 'ES'),
    ('national_id', '12345678Z', 'ES'),
    ('postcode', 'sw1a 1aa', 'GB'),
    ('date', '1978-03-05', NULL),
    ('date', '05/03/1978', 'ES'),
    ('date', '03/05/1978', 'US'),
    ('date', '25/12/1990', 'US'),
    ('date', '31/02/1990', NULL),
    ('date', 'yesterday', NULL),
    ('fold', '  JOSÉ   Núñez ', NULL)
) AS t(kind, value, region);

SELECT contacts.match_key('soundex', 'x');
SELECT contacts.match_key('email', NULL) IS NULL AS null_in_null_out;

-- match_keys: every key of a row in one call, as match_key gives them
SELECT k = ARRAY[contacts.match_key('email', ' Ana@GMail.com', 'ES'),
                 contacts.match_key('phone', '612 34 56 78', 'ES'),
                 contacts.match_key('phonetic', NULL, 'ES')] AS same_as_match_key, k
FROM contacts.match_keys(ARRAY['email', 'phone', 'phonetic'], ARRAY[' Ana@GMail.com', '612 34 56 78', NULL], 'es') AS k;
SELECT * FROM contacts.match_keys('{}', '{}');
SELECT count(*) AS no_row_for_null FROM contacts.match_keys(NULL, ARRAY['x']);
SELECT contacts.match_keys(ARRAY['email'], ARRAY['a@b.example', 'c@d.example']);
SELECT contacts.match_keys(ARRAY['email', NULL], ARRAY['a@b.example', 'c@d.example']);
SELECT contacts.match_keys(ARRAY['soundex'], ARRAY['x']);

-- comparison levels of one kind
SELECT level, level_name, tf_adjusted FROM contacts.dedupe_levels() WHERE kind = 'given_name' ORDER BY level;

CREATE TABLE dd_people (
    id          integer PRIMARY KEY,
    truth       integer,
    full_name   text,
    given_name  text,
    family_name text,
    email       text,
    phone       text,
    country     text,
    company     text,
    city        text,
    birth_date  text,
    national_id text
);

INSERT INTO dd_people VALUES
-- 1: José Pérez García, Madrid: nickname, accents dropped, "Family, Given", Gmail dots
(1, 1, 'José Pérez García', 'José', 'Pérez García', 'jose.perez@gmail.com', '+34 612 345 678', 'ES', 'Transportes del Norte S.A.', 'Madrid', '1978-03-05', '12345678Z'),
(2, 1, 'Pepe Perez Garcia', 'Pepe', 'Perez Garcia', 'joseperez@gmail.com', '612 34 56 78', 'ES', 'Transportes del Norte SA', 'Madrid', '05/03/1978', NULL),
(3, 1, 'Pérez García, José', NULL, NULL, NULL, '0034 612345678', 'ES', NULL, 'madrid', NULL, '12345678-z'),
-- 2: María Fernanda López, Mexico: old mobile prefixes, company suffix variant
(4, 2, 'María Fernanda López Ruiz', 'María Fernanda', 'López Ruiz', 'mafer.lopez@hotmail.com', '+52 1 55 1234 5678', 'MX', 'Grupo Cóndor S.A. de C.V.', 'Ciudad de México', '1990-12-25', NULL),
(5, 2, 'MARIA FERNANDA LOPEZ RUIZ', 'MARIA FERNANDA', 'LOPEZ RUIZ', 'MAFER.LOPEZ@HOTMAIL.COM', '044 55 1234 5678', 'MX', 'GRUPO CONDOR SA DE CV', NULL, '25/12/1990', NULL),
-- 3: William Smith, US: nickname, phone forms, one digit off in the birth date
(6, 3, 'William Smith', 'William', 'Smith', 'wsmith@northwind.com', '(212) 555-0134', 'US', 'Northwind Traders Inc.', 'New York', '1961-07-14', NULL),
(7, 3, 'Bill Smith', 'Bill', 'Smith', 'wsmith@northwind.com', '212.555.0134', 'US', 'Northwind Traders', 'New York', '07/15/1961', NULL),
-- 4: Carolina Muñoz, Chile: typo in the family name, RUT written two ways
(8, 4, 'Carolina Muñoz Soto', 'Carolina', 'Muñoz Soto', 'carolina.munoz@vtr.net', '+56 9 8765 4321', 'CL', NULL, 'Santiago', NULL, '12.345.678-5'),
(9, 4, 'Carolina Munoz Sotto', 'Carolina', 'Munoz Sotto', NULL, '9 8765 4321', 'CL', NULL, 'Santiago', NULL, '12345678-5'),
-- 5: Lucía Fernández, Argentina: given and family swapped, 15-mobile form
(10, 5, 'Lucía Fernández', 'Lucía', 'Fernández', 'lucia.fernandez@fibertel.com.ar', '(011) 15 4123-4567', 'AR', NULL, 'Buenos Aires', '1985-04-02', NULL),
(11, 5, 'Fernández Lucía', 'Fernández', 'Lucía', 'lucia.fernandez@fibertel.com.ar', '+54 9 11 4123-4567', 'AR', NULL, 'Buenos Aires', NULL, NULL),
-- hard negatives: same surnames, home and landline as 1 (a relative); same name, nothing else
(12, 6, 'Ana Pérez García', 'Ana', 'Pérez García', 'ana.perez.garcia@yahoo.es', '+34 913 456 789', 'ES', NULL, 'Madrid', '1981-09-30', '87654321X'),
(13, 7, 'Juan Pérez García', 'Juan', 'Pérez García', 'jperez@telefonica.net', '+34 913 456 789', 'ES', NULL, 'Madrid', '1950-01-17', NULL),
(14, 8, 'William Smith', 'William', 'Smith', 'bill.smith77@yahoo.com', '(305) 555-0199', 'US', NULL, 'Miami', '1977-02-11', NULL),
(15, 9, 'Carolina Soto', 'Carolina', 'Soto', 'csoto@gmail.com', '+56 9 1111 2222', 'CL', NULL, 'Valparaíso', NULL, NULL),
(16, 10, 'Pedro Gómez', 'Pedro', 'Gómez', NULL, NULL, 'ES', 'Transportes del Norte S.A.', 'Madrid', NULL, NULL);

-- Roles: the table's owner (no superuser) runs dedupe, a reader with SELECT
-- matches against it, a stranger does neither.
CREATE ROLE dd_owner;
CREATE ROLE dd_reader;
CREATE ROLE dd_stranger;
ALTER TABLE dd_people OWNER TO dd_owner;
GRANT SELECT ON dd_people TO dd_reader;
-- a table must be configured, with an integer key, before it is deduplicated
SET ROLE dd_owner;
SELECT contacts.dedupe_run('dd_people');
RESET ROLE;
CREATE TABLE dd_notes (code text PRIMARY KEY, body text);
SELECT contacts.configure('dd_notes', 'code', '{"body": "free_text"}');
SELECT contacts.dedupe_run('dd_notes');

-- which column is which: the configuration triggers and imports share
SELECT contacts.configure('dd_people', 'id',
    '{"full_name": "full_name", "given_name": "given_name", "family_name": "family_name",
      "email": "email", "phone": "phone", "company": "company", "city": "city",
      "birth_date": "birth_date", "national_id": "national_id", "country": "country"}');
SELECT * FROM contacts.dedupe_match('dd_people', '{}');
-- a planted set this small cannot teach EM much: score with the starting values
INSERT INTO contacts.dedupe_settings (tbl, em_iterations) VALUES ('dd_people', 0);

SET client_min_messages = warning;
SET ROLE dd_owner;
SELECT contacts.dedupe_run('dd_people') AS run \gset
RESET ROLE;
RESET client_min_messages;

SELECT records, candidate_pairs, pairs_above_threshold, clusters, records_in_clusters,
       cluster_sizes, flagged_clusters, refused_links, reduction_ratio > 0.5 AS reduced,
       seconds ?& ARRAY['features', 'blocking', 'estimate', 'scoring', 'clustering'] AS timed
FROM contacts.dedupe_runs WHERE run_id = :run;

-- the clusters: exactly the planted people, relatives and namesakes apart
SELECT cluster_id, array_agg(key ORDER BY key) AS members, bool_or(flagged) AS flagged
FROM contacts.dedupe_clusters WHERE run_id = :run GROUP BY cluster_id ORDER BY cluster_id;

-- every clustered pair is the same truth, and every planted duplicate is found
SELECT count(*) FILTER (WHERE a.truth <> b.truth) AS wrong_pairs,
       (SELECT count(*) FROM dd_people x JOIN dd_people y ON x.truth = y.truth AND x.id < y.id) -
       count(*) FILTER (WHERE a.truth = b.truth) AS missed_pairs
FROM contacts.dedupe_clusters x
JOIN contacts.dedupe_clusters y ON y.run_id = x.run_id AND y.cluster_id = x.cluster_id AND x.key < y.key
JOIN dd_people a ON a.id = x.key JOIN dd_people b ON b.id = y.key
WHERE x.run_id = :run;

-- why 1 and 3 match
SELECT key_a, key_b, round(probability::numeric, 4) AS probability, f.key AS field, f.value ->> 'level' AS level
FROM contacts.dedupe_pairs, jsonb_each(explanation) f
WHERE run_id = :run AND key_a = 1 AND key_b = 3 ORDER BY f.key;

-- a stored explanation (built as jsonb) is the one the run's samples near
-- the threshold show (built as text), weights to two decimals
SELECT count(*) AS samples, bool_and(p.explanation = s -> 'explanation') AS same,
       bool_and((SELECT bool_and(e.value ->> 'weight' ~ '^-?[0-9]+\.[0-9]{2}$')
                 FROM jsonb_each(p.explanation) e)) AS two_decimals
FROM contacts.dedupe_runs r, jsonb_array_elements(r.pairs_near_threshold -> 'above') s
JOIN contacts.dedupe_pairs p ON p.key_a = (s ->> 'key_a')::bigint AND p.key_b = (s ->> 'key_b')::bigint
WHERE r.run_id = :run AND p.run_id = :run;

-- what was estimated is stored per column
SELECT col, array_length(m, 1) AS levels, fixed FROM contacts.dedupe_model
WHERE tbl = 'dd_people'::regclass ORDER BY col;

-- single-row matching: a new record of José, and of nobody known
SELECT key, round(probability::numeric, 4) AS probability, explanation -> 'email' ->> 'level' AS email
FROM contacts.dedupe_match('dd_people', '{"given_name": "Jose", "family_name": "Perez Garcia",
    "email": "jose.perez+news@gmail.com", "phone": "612345678", "country": "ES"}', 3);
SELECT count(*) FROM contacts.dedupe_match('dd_people', '{"full_name": "Zoe Quimby", "country": "GB"}');
SELECT key FROM contacts.dedupe_match('dd_people', '{"id": 6, "full_name": "William Smith",
    "email": "wsmith@northwind.com", "country": "US"}');

-- The features are the owner's: members of the extension, no grants.
SELECT c.relname = 'dedupe_features_' || 'dd_people'::regclass::oid || suffix AS named,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relpersistence,
       -- (who holds a privilege, not which: 17 added MAINTAIN)
       (SELECT array_agg(DISTINCT a.grantee::regrole::text) FROM aclexplode(c.relacl) a) AS grantees,
       d.deptype AS extension_member
FROM unnest(ARRAY['', '_counts']) AS suffix
JOIN pg_class c ON c.relnamespace = 'contacts'::regnamespace
 AND c.relname = 'dedupe_features_' || 'dd_people'::regclass::oid || suffix
LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid
 AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
ORDER BY suffix;
CREATE FUNCTION dd_read_features(suffix text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SELECT count(*) FROM contacts.%I', 'dedupe_features_' || 'dd_people'::regclass::oid || suffix);
    RETURN 'read';
EXCEPTION WHEN insufficient_privilege THEN
    RETURN 'permission denied';
END $$;

-- a reader matches, and cannot read the features themselves nor run dedupe
SET ROLE dd_reader;
SELECT key FROM contacts.dedupe_match('dd_people', '{"given_name": "Jose", "family_name": "Perez Garcia",
    "email": "jose.perez+news@gmail.com", "phone": "612345678", "country": "ES"}', 1);
SELECT dd_read_features(''), dd_read_features('_counts');
SELECT contacts.dedupe_run('dd_people');
-- a stranger can do neither
SET ROLE dd_stranger;
SELECT contacts.dedupe_run('dd_people');
SELECT * FROM contacts.dedupe_match('dd_people', '{"full_name": "William Smith"}');
RESET ROLE;
-- what is no table is refused as such
SELECT contacts.dedupe_run('pg_catalog.pg_class_oid_index');
SELECT * FROM contacts.dedupe_match(0, '{}');

-- no function or operator on the caller's search_path is used
CREATE SCHEMA dd_evil;
CREATE FUNCTION dd_evil.btrim(text) RETURNS text LANGUAGE sql AS $$SELECT 'captured'$$;
CREATE FUNCTION dd_evil.upper(text) RETURNS text LANGUAGE sql AS $$SELECT 'captured'$$;
SET search_path = dd_evil, pg_catalog, public;
SELECT key, round(probability::numeric, 4) AS probability
FROM contacts.dedupe_match('dd_people', '{"given_name": "Jose", "family_name": "Perez Garcia",
    "email": "jose.perez+news@gmail.com", "phone": "612345678", "country": "ES"}', 3);
RESET search_path;
DROP SCHEMA dd_evil CASCADE;

-- After a crash the unlogged features are empty: matching finds nothing and
-- warns once (the entry trigger keeps accepting rows) until the next run.
SET ROLE dd_owner;
SELECT dd_read_features('') AS owner_reads;
DO $$
BEGIN
    EXECUTE format('TRUNCATE contacts.%1$I, contacts.%1$I_counts', 'dedupe_features_' || 'dd_people'::regclass::oid);
END $$;
SET ROLE dd_reader;
SELECT count(*) FROM contacts.dedupe_match('dd_people', '{"full_name": "William Smith", "country": "US"}');
SELECT count(*) FROM contacts.dedupe_match('dd_people', '{"full_name": "William Smith", "country": "US"}');
RESET ROLE;

-- the cluster size guard splits a chain and flags it
UPDATE contacts.dedupe_settings SET max_cluster_size = 2 WHERE tbl = 'dd_people'::regclass;
SET client_min_messages = warning;
SET ROLE dd_owner;
SELECT contacts.dedupe_run('dd_people') AS run2 \gset
RESET ROLE;
RESET client_min_messages;
SET ROLE dd_reader;
SELECT key FROM contacts.dedupe_match('dd_people', '{"id": 6, "full_name": "William Smith",
    "email": "wsmith@northwind.com", "country": "US"}');
RESET ROLE;
SELECT cluster_id, array_agg(key ORDER BY key) AS members, bool_or(flagged) AS flagged
FROM contacts.dedupe_clusters WHERE run_id = :run2 GROUP BY cluster_id ORDER BY cluster_id;
SELECT refused_links > 0 AS refused, flagged_clusters FROM contacts.dedupe_runs WHERE run_id = :run2;

-- DBA-fixed m and u are kept; wrong sizes are refused
UPDATE contacts.dedupe_model SET m = '{0.5,0.5}', u = '{0.5,0.5}', fixed = true
WHERE tbl = 'dd_people'::regclass AND col = 'city';
SET ROLE dd_owner;
SELECT contacts.dedupe_run('dd_people');
RESET ROLE;
UPDATE contacts.dedupe_model SET m = '{0.5,0.2,0.1,0.1,0.1}', u = '{0.2,0.1,0.1,0.1,0.5}'
WHERE tbl = 'dd_people'::regclass AND col = 'city';
UPDATE contacts.dedupe_settings SET em_iterations = 5 WHERE tbl = 'dd_people'::regclass;
SET client_min_messages = warning;
SET ROLE dd_owner;
SELECT contacts.dedupe_run('dd_people') AS run3 \gset
RESET ROLE;
RESET client_min_messages;
SELECT m, u, fixed FROM contacts.dedupe_model WHERE tbl = 'dd_people'::regclass AND col = 'city';
-- (nine candidate pairs are too few for EM: every column keeps its values)
SELECT model -> 'fields' -> 'city' -> 'fixed' AS city_fixed, em_iterations
FROM contacts.dedupe_runs WHERE run_id = :run3;

-- a run's pairs and clusters go with it: its table's owner deletes them
-- with the run; another role cannot delete the run (row security), and
-- keeps them too
SELECT (SELECT count(*) FROM contacts.dedupe_pairs WHERE run_id = :run2) > 0 AS pairs,
       (SELECT count(*) FROM contacts.dedupe_clusters WHERE run_id = :run2) > 0 AS clusters;
SET ROLE dd_stranger;
DELETE FROM contacts.dedupe_runs WHERE run_id = :run2;
RESET ROLE;
SELECT (SELECT count(*) FROM contacts.dedupe_pairs WHERE run_id = :run2) > 0 AS pairs,
       (SELECT count(*) FROM contacts.dedupe_clusters WHERE run_id = :run2) > 0 AS clusters;
SET ROLE dd_owner;
DELETE FROM contacts.dedupe_runs WHERE run_id = :run2;
RESET ROLE;
SELECT (SELECT count(*) FROM contacts.dedupe_pairs WHERE run_id = :run2) AS pairs,
       (SELECT count(*) FROM contacts.dedupe_clusters WHERE run_id = :run2) AS clusters;

-- parallel workers change nothing: the same pairs, weights and explanations
-- with every statement of the run pushed to workers as without any (both
-- from the starting model).  150
-- people ten times each: 6,750 pairs, more than one batch of writes, which
-- wait for the scan's statements to end, in workers or not
CREATE TABLE dd_many AS
SELECT g AS id, 'Persona' || (g % 150) AS given_name, 'Apellido' || (g % 150) AS family_name,
       'p' || (g % 150) || '@example.com' AS email
FROM generate_series(1, 1500) AS g;
ALTER TABLE dd_many ADD PRIMARY KEY (id);
SELECT contacts.configure('dd_many', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "email": "email"}') IS NULL AS configured;
ALTER TABLE dd_many OWNER TO dd_owner;
SET client_min_messages = warning;
SET ROLE dd_owner;
SET max_parallel_workers_per_gather = 0;
SELECT contacts.dedupe_run('dd_many') AS serial_run \gset
-- a run starts from the model the last one left: start this one afresh too
DELETE FROM contacts.dedupe_model WHERE tbl = 'dd_many'::regclass;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET min_parallel_index_scan_size = 0;
SELECT contacts.dedupe_run('dd_many') AS parallel_run \gset
RESET ALL;
RESET ROLE;
RESET client_min_messages;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE s.key_a IS NULL OR p.key_a IS NULL OR abs(s.weight - p.weight) > 1e-9
                        OR s.explanation <> p.explanation) AS differing
FROM (SELECT * FROM contacts.dedupe_pairs WHERE run_id = :serial_run) s
FULL JOIN (SELECT * FROM contacts.dedupe_pairs WHERE run_id = :parallel_run) p USING (key_a, key_b);
SELECT count(*) AS clustered,
       count(*) FILTER (WHERE s.key IS NULL OR p.key IS NULL OR s.cluster_size <> p.cluster_size) AS differing
FROM (SELECT * FROM contacts.dedupe_clusters WHERE run_id = :serial_run) s
FULL JOIN (SELECT * FROM contacts.dedupe_clusters WHERE run_id = :parallel_run) p USING (key);
DROP TABLE dd_many;

-- dedupe_score_blocks, which dedupe_run calls in the shards of a Citus
-- table (test/citus), is anyone's to call: what it did not make is refused
SELECT contacts.dedupe_score_blocks(NULL, '\x'::bytea);
SELECT contacts.dedupe_score_blocks('\x00000000'::bytea, '\x'::bytea);
SELECT contacts.dedupe_score_blocks('\x00'::bytea, '\x'::bytea);
SELECT contacts.dedupe_score_blocks('\x43545031'::bytea, '\x'::bytea);
SELECT contacts.dedupe_score_blocks('\x4354503100000011'::bytea, '\x'::bytea);
SELECT contacts.dedupe_score_blocks('\x435450310000000100000063'::bytea, '\x'::bytea);
-- a pass of one field and no rule: an empty chunk scores nothing, a record
-- of a rule it has not, or a pass with bytes past its end, is refused
CREATE TEMP TABLE one_field_pass AS
SELECT decode('43545031' || '00000001' || '00000000' || '00000001' || '00'
         || repeat('00', 8 + 8 * 4 * 8 + 16) || '00000002' || repeat('00', 16) || '00000000', 'hex') AS pass;
SELECT contacts.dedupe_score_blocks(pass, '\x'::bytea) FROM one_field_pass;
SELECT contacts.dedupe_score_blocks(pass, '\x00000000'::bytea) FROM one_field_pass;
SELECT contacts.dedupe_score_blocks(pass || '\x00'::bytea, '\x'::bytea) FROM one_field_pass;
-- and no chunk, no result
SELECT contacts.dedupe_score_blocks(pass, '\x'::bytea) FROM one_field_pass WHERE false;
DROP TABLE one_field_pass;

-- leave nothing behind for the other tests: dropping the table drops its
-- configuration and its features
DROP TABLE dd_people, dd_notes;
DROP FUNCTION dd_read_features(text);
DROP ROLE dd_owner, dd_reader, dd_stranger;
SELECT count(*) FROM contacts.dedupe_settings;
SELECT count(*) FROM pg_class WHERE relname LIKE 'dedupe\_features\_%';
