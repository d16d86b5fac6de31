-- Comparisons of registry-style records (no e-mail, no phone): addresses,
-- postcodes and birth dates with typos; degenerate columns; dedupe_match on
-- a table changed since its run.
\pset null '(null)'

-- the levels of addresses, postcodes and birth dates
SELECT kind, level, level_name FROM contacts.dedupe_levels()
WHERE kind IN ('address', 'postcode', 'birth_date') ORDER BY kind, level;

CREATE ROLE dc_owner;
CREATE ROLE dc_reader;

-- A small postal list: every person typed two or three times with the
-- errors of such lists, and relatives at the same address as hard negatives.
CREATE TABLE dc_registry (
    id          integer PRIMARY KEY,
    truth       integer,
    given_name  text,
    family_name text,
    address     text,
    city        text,
    postcode    text,
    birth_date  text
);
INSERT INTO dc_registry VALUES
-- abbreviated street type and the unit dropped; postcode digits transposed
(1, 1, 'Carmen', 'Ortega Ruiz', 'Avenida de la Constitución 12, 3º B', 'Sevilla', '41001', '1972-06-14'),
(2, 1, 'Carmen', 'Ortega Ruiz', 'Avda. Constitucion, 12', 'Sevilla', '41010', '14/06/1972'),
(3, 1, 'Carmen', 'Ortega Ruis', 'Av Constitución 12 3B', 'Sevilla', '41001', '1972-06-14'),
-- a typo in the street, day and month swapped
(4, 2, 'Alberto', 'Navarro', 'Calle Alcalá 120, 4º izda', 'Madrid', '28009', '1965-03-07'),
(5, 2, 'Alberto', 'Navarro', 'C/ Alcla 120, 4 izquierda', 'Madrid', '28009', '1965-07-03'),
-- given and family names swapped, one digit off in the year
(6, 3, 'Rosa', 'Delgado', 'Paseo del Prado 8', 'Madrid', '28014', '1988-11-02'),
(7, 3, 'Delgado', 'Rosa', 'Pº Prado 8', 'Madrid', '28014', '1989-11-02'),
-- English: Street/St, a flat, only the birth year known
(8, 4, 'Oliver', 'Bennett', 'Flat 2, 14 Kingsley Road', 'Leeds', 'LS6 2AB', '1979-01-30'),
(9, 4, 'Oliver', 'Benett', '14 Kingsley Rd', 'Leeds', 'LS6 2AB', '1979'),
(10, 4, 'Oliver', 'Bennett', '14 Kingsley Road', 'Leeds', 'LS62AB', NULL),
-- the date a digit off and the unit written another way
(11, 5, 'Lucía', 'Romero Gil', 'Plaza Mayor 3, 1º dcha', 'Salamanca', '37002', '1990-09-21'),
(12, 5, 'Lucia', 'Romero Gil', 'Pza. Mayor 3 1 derecha', 'Salamanca', '37002', '1990-09-27'),
-- relatives: same family and address, another given name and birth date
(13, 6, 'Pablo', 'Ortega Ruiz', 'Avenida de la Constitución 12, 3º B', 'Sevilla', '41001', '2001-02-11'),
(14, 7, 'Marta', 'Navarro', 'Calle Alcalá 120, 4º izda', 'Madrid', '28009', '1993-10-30'),
-- neighbours: same family name and street, another house number and given name
(15, 8, 'Jorge', 'Navarro', 'Calle Alcalá 12', 'Madrid', '28009', '1971-05-19'),
(16, 9, 'Rosario', 'Delgado', 'Paseo del Prado 28', 'Madrid', '28014', '1950-12-01');
ALTER TABLE dc_registry OWNER TO dc_owner;
GRANT SELECT ON dc_registry TO dc_reader;
SELECT contacts.configure('dc_registry', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "address": "address",
      "city": "city", "postcode": "postcode", "birth_date": "birth_date"}');

SET client_min_messages = warning;
SET ROLE dc_owner;
SELECT contacts.dedupe_run('dc_registry') AS run \gset
RESET ROLE;
RESET client_min_messages;

-- the planted duplicates, relatives and neighbours apart
SELECT cluster_id, array_agg(key ORDER BY key) AS members
FROM contacts.dedupe_clusters WHERE run_id = :run GROUP BY cluster_id ORDER BY cluster_id;
SELECT count(*) FILTER (WHERE a.truth <> b.truth) AS wrong_pairs,
       (SELECT count(*) FROM dc_registry x JOIN dc_registry y ON x.truth = y.truth AND x.id < y.id) -
       count(*) FILTER (WHERE a.truth = b.truth) AS missed_pairs
FROM contacts.dedupe_clusters x
JOIN contacts.dedupe_clusters y ON y.run_id = x.run_id AND y.cluster_id = x.cluster_id AND x.key < y.key
JOIN dc_registry a ON a.id = x.key JOIN dc_registry b ON b.id = y.key
WHERE x.run_id = :run;

-- why: the address, postcode and birth date levels of each pair found
SELECT key_a, key_b, explanation -> 'address' ->> 'level' AS address,
       explanation -> 'postcode' ->> 'level' AS postcode,
       explanation -> 'birth_date' ->> 'level' AS birth_date
FROM contacts.dedupe_pairs WHERE run_id = :run ORDER BY key_a, key_b;
-- another house number counts against, as much as another address does
SELECT key, explanation -> 'address' ->> 'level' AS address,
       (explanation -> 'address' ->> 'weight')::float8 < 0 AS against
FROM contacts.dedupe_match('dc_registry', '{"given_name": "Alberto", "family_name": "Navarro",
    "address": "Calle Alcalá 12", "city": "Madrid", "postcode": "28009", "birth_date": "1965-03-07"}',
    10, 0) WHERE key IN (4, 5) ORDER BY key;

-- dedupe_match on the live table: Carmen's records as they are now
SELECT key FROM contacts.dedupe_match('dc_registry', '{"given_name": "Carmen", "family_name": "Ortega Ruiz",
    "address": "Av. Constitucion 12", "city": "Sevilla", "postcode": "41001", "birth_date": "1972-06-14"}')
ORDER BY key;
-- a record deleted since the run is never offered, one merged away is
-- offered as its survivor, a row added since is found, and a row changed
-- since is compared as it is now
DELETE FROM dc_registry WHERE id = 3;
SELECT contacts.merge('dc_registry', 4, ARRAY[4, 5]);
INSERT INTO dc_registry VALUES
    (17, 1, 'Carmen', 'Ortega', 'Avenida Constitución 12', 'Sevilla', '41001', '14-06-1972');
UPDATE dc_registry SET given_name = 'Pilar', birth_date = '1940-01-01' WHERE id = 2;
SET ROLE dc_reader;
SELECT key FROM contacts.dedupe_match('dc_registry', '{"given_name": "Carmen", "family_name": "Ortega Ruiz",
    "address": "Av. Constitucion 12", "city": "Sevilla", "postcode": "41001", "birth_date": "1972-06-14"}')
ORDER BY key;
SELECT key FROM contacts.dedupe_match('dc_registry', '{"given_name": "Alberto", "family_name": "Navarro",
    "address": "Calle Alcala 120", "city": "Madrid", "postcode": "28009", "birth_date": "1965-03-07"}')
ORDER BY key;
RESET ROLE;

-- Degenerate columns: 400 people of one city, one postcode and, but for a
-- few, one birth date (a form's default), and a nationality column empty on
-- all but five rows.  Five of them typed twice (upper case, accents left out).  Such columns must weigh
-- next to nothing: not one cluster of everybody.
CREATE TABLE dc_default (id integer PRIMARY KEY, truth integer, given_name text, family_name text,
                         city text, postcode text, birth_date text, company text);
INSERT INTO dc_default
SELECT g * 20 + f + 1, g * 20 + f + 1,
       (ARRAY['Ana', 'Luis', 'Marta', 'Jorge', 'Elena', 'Pablo', 'Lucía', 'Diego', 'Sara', 'Hugo',
              'Irene', 'Mario', 'Clara', 'Raúl', 'Nuria', 'Iván', 'Alba', 'Óscar', 'Eva', 'Tomás'])[g + 1],
       (ARRAY['García', 'López', 'Ruiz', 'Moreno', 'Navarro', 'Romero', 'Gil', 'Serrano', 'Molina',
              'Blanco', 'Castro', 'Ortega', 'Delgado', 'Rubio', 'Vidal', 'Marín', 'Sanz', 'Iglesias',
              'Medina', 'Garrido'])[f + 1],
       'Madrid', '28001', CASE WHEN (g * 20 + f) % 97 = 5 THEN '1975-05-05' ELSE '1900-01-01' END,
       CASE WHEN (g * 20 + f) % 80 = 0 THEN 'Acme' END
FROM generate_series(0, 19) g, generate_series(0, 19) f;
INSERT INTO dc_default
SELECT 1000 + id, truth, upper(given_name), translate(family_name, 'áéíóú', 'aeiou') || ' ', city, postcode, birth_date, company
FROM dc_default WHERE id IN (7, 88, 150, 263, 391);
ALTER TABLE dc_default OWNER TO dc_owner;
SELECT contacts.configure('dc_default', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "city": "city",
      "postcode": "postcode", "birth_date": "birth_date", "company": "company"}');
SET client_min_messages = warning;
SET ROLE dc_owner;
SELECT contacts.dedupe_run('dc_default') AS run \gset
RESET ROLE;
RESET client_min_messages;
SELECT count(*) FILTER (WHERE a.truth = b.truth) AS right_pairs, count(*) FILTER (WHERE a.truth <> b.truth) AS wrong_pairs
FROM contacts.dedupe_pairs p JOIN dc_default a ON a.id = p.key_a JOIN dc_default b ON b.id = p.key_b
WHERE p.run_id = :run;
SELECT clusters, records_in_clusters, cluster_sizes, prior < 0.5 AS sane_prior
FROM contacts.dedupe_runs r, contacts.dedupe_settings s
WHERE r.run_id = :run AND s.tbl = 'dc_default'::regclass;
-- the birth date everyone shares weighs next to nothing
SELECT col, ln(m[1] / u[1]) / ln(2) <= 1 AS agreement_weak
FROM contacts.dedupe_model WHERE tbl = 'dc_default'::regclass AND col IN ('birth_date', 'city', 'postcode')
ORDER BY col;

RESET ROLE;
DROP TABLE dc_registry, dc_default;
DROP OWNED BY dc_owner, dc_reader;
DROP ROLE dc_owner, dc_reader;
