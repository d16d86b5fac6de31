-- Fuzzy name search: name_search_similarity, the %~ and <~> operators, the
-- GIN operator class name_gin_ops and the threshold setting.
SET search_path = public, contacts;

-- What the index compares: folded, phonetically spelled, sorted tokens.
SELECT name, name_search_key(name)
  FROM (VALUES ('José Pérez García'), ('PEREZ GARCIA, Jose'), ('Guillermo Vázquez'),
               ('Stephen Thompson'), ('Ximena Hernández'), ('Mary-Kate O''Connor'),
               ('Ольга Петрова'), (''), ('-- . --')) v(name);

-- Similarity ignores case, accents, punctuation and token order, and
-- spellings of the same sound; it is symmetric and in [0, 1].
SELECT a, b, round(name_search_similarity(a, b)::numeric, 3) AS sim,
       name_search_similarity(a, b) = name_search_similarity(b, a) AS symmetric,
       round((a <~> b)::numeric, 3) AS distance
  FROM (VALUES ('José Pérez García', 'garcia perez, JOSE'),
               ('Vázquez', 'Basques'),
               ('Jsoe Perez', 'José Pérez'),
               ('Gary McDonald', 'Gray Mcdonald'),
               ('José Pérez', 'Juan Pérez'),
               ('Ana López', 'María Gómez'),
               -- one typo per token, even in short names
               ('Filnay Whige', 'Finlay White'),
               ('Gemma Wu', 'Gemma Vu'),
               ('Ryna Ferrair', 'Ryan Ferrari'),
               -- a missing given name, an initial
               ('White', 'Finlay White'),
               ('J. Pérez', 'José Pérez'),
               -- different names stay apart
               ('Finlay White', 'Frank Wilson'),
               ('', ''),
               ('', 'Ana')) v(a, b);
SELECT name_search_similarity(NULL, 'x') IS NULL AS strict_null, 'x' %~ NULL AS op_null;

-- The threshold setting decides %~.
SHOW contacts.name_similarity_threshold;
SELECT 'Jsoe Peres' %~ 'José Pérez' AS typo, 'Juan Pérez' %~ 'José Pérez' AS other_given_name;
SET contacts.name_similarity_threshold = 0.5;
SELECT 'Jsoe Peres' %~ 'José Pérez' AS typo, 'Juan Pérez' %~ 'José Pérez' AS other_given_name;
-- At 0 a name still has to share something: the index could not find it otherwise.
SET contacts.name_similarity_threshold = 0;
SELECT 'Ana' %~ 'Bob' AS nothing_shared, '' %~ '' AS empty;
RESET contacts.name_similarity_threshold;

-- A table with an index.
CREATE TABLE people (id int PRIMARY KEY, name text);
INSERT INTO people
SELECT g, (ARRAY['José', 'Juan', 'María', 'Ana', 'Luis', 'Carmen', 'Jorge', 'Lucía', 'James', 'Mary'])[1 + g % 10]
          || ' ' || (ARRAY['Pérez', 'García', 'López', 'Martínez', 'Sánchez', 'Gómez', 'Vázquez', 'Smith', 'Jones'])[1 + (g / 10) % 9]
          || ' ' || (ARRAY['Ruiz', 'Díaz', 'Moreno', 'Muñoz', 'Álvarez', 'Romero', 'Navarro'])[1 + (g / 90) % 7]
  FROM generate_series(1, 3000) g;
INSERT INTO people VALUES (10001, NULL), (10002, ''), (10003, '---'),
  (10004, 'Pepe Pérez'), (10005, 'PÉREZ RUIZ, JOSÉ'), (10006, 'J. Perez Ruiz'),
  (10007, 'Finlay White'), (10008, 'Fiona Wise'), (10009, 'Ryan Lee'), (10010, 'Li Wu'),
  (10011, 'White'), (10012, 'Finlay Whitehead Jones');
CREATE INDEX people_name_fuzzy ON people USING gin (name name_gin_ops);
ANALYZE people;

-- The planner uses the index for %~ (in either operand order) ...
SET enable_seqscan = off;
-- (some plans below need the planner's hand forced on a table this small)
EXPLAIN (COSTS OFF) SELECT id FROM people WHERE name %~ 'jose perez ruiz';
EXPLAIN (COSTS OFF) SELECT id FROM people WHERE 'jose perez ruiz' %~ name;
-- ... and top-k queries filter with the index, then sort by <~>.
EXPLAIN (COSTS OFF)
SELECT name FROM people WHERE name %~ 'jose perez ruiz' ORDER BY name <~> 'jose perez ruiz' LIMIT 5;

-- Nearest names: misspelled, reordered, unaccented queries.
SELECT name, round((name <~> 'perez ruis, jsoe')::numeric, 3) AS distance
  FROM people WHERE name %~ 'perez ruis, jsoe'
 ORDER BY name <~> 'perez ruis, jsoe', id LIMIT 5;
SELECT name, round((name <~> 'MARIA BASQUES MUNOS')::numeric, 3) AS distance
  FROM people WHERE name %~ 'MARIA BASQUES MUNOS'
 ORDER BY name <~> 'MARIA BASQUES MUNOS', id LIMIT 5;
-- Transposed and replaced letters in short names; a surname alone.
SELECT name, round((name <~> 'filnay whige')::numeric, 3) AS distance
  FROM people WHERE name %~ 'filnay whige'
 ORDER BY name <~> 'filnay whige', id LIMIT 5;
SELECT name, round((name <~> 'whige')::numeric, 3) AS distance
  FROM people WHERE name %~ 'whige'
 ORDER BY name <~> 'whige', id LIMIT 5;

-- The index finds exactly what a sequential scan finds (the recheck uses
-- the same similarity, and the index never skips a row above the
-- threshold), at several thresholds and for several queries.
CREATE TEMP TABLE queries (q text);
INSERT INTO queries VALUES ('jose perez ruiz'), ('Perez, Jose'), ('jsoe peres'), ('maria basques munos'),
  ('james smiht'), ('lucia'), ('J Perez'), (''), ('---'), ('x'),
  ('filnay whige'), ('whige'), ('li wu'), ('ryna lee'), ('perez'), ('martniez gomez'),
  ('jose maria perez lopez garcia');
CREATE FUNCTION pg_temp.matches(t float8, q text) RETURNS int[]
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('contacts.name_similarity_threshold', t::text, true);
  RETURN (SELECT array_agg(id ORDER BY id) FROM people WHERE name %~ q);
END $$;
CREATE TEMP TABLE via_index AS
SELECT t, q, pg_temp.matches(t, q) AS ids FROM unnest('{0,0.2,0.3,0.5,0.8,1}'::float8[]) t, queries;
RESET enable_seqscan;
SET enable_bitmapscan = off;
SET enable_indexscan = off;
CREATE TEMP TABLE via_seqscan AS
SELECT t, q, pg_temp.matches(t, q) AS ids FROM unnest('{0,0.2,0.3,0.5,0.8,1}'::float8[]) t, queries;
RESET enable_bitmapscan;
RESET enable_indexscan;
SELECT q, string_agg(coalesce(cardinality(ids), 0)::text, ' ' ORDER BY t) AS "matches at 0 0.2 0.3 0.5 0.8 1"
  FROM via_index GROUP BY q ORDER BY q;
SELECT count(*) AS differences
  FROM (SELECT * FROM via_index EXCEPT SELECT * FROM via_seqscan
        UNION ALL
        SELECT * FROM via_seqscan EXCEPT SELECT * FROM via_index) d;

-- NULL, empty and punctuation-only names are indexed and never match; an
-- empty query matches nothing.
SET enable_seqscan = off;
SELECT count(*) AS empty_query FROM people WHERE name %~ '';
SELECT count(*) AS null_query FROM people WHERE name %~ NULL;
SELECT id, name FROM people WHERE name %~ 'jose perez ruiz' AND id > 10000 ORDER BY id;
RESET enable_seqscan;

-- Updates keep the index in step.
UPDATE people SET name = 'Joaquín Sabina' WHERE id = 10004;
SET enable_seqscan = off;
SELECT id, name FROM people WHERE name %~ 'joakin sabina';
RESET enable_seqscan;

-- With pg_trgm on the same search_path, % and <-> stay pg_trgm's and %~,
-- <~> stay ours: no operator is spelled the same.
CREATE EXTENSION pg_trgm;
SELECT 'jose perez' % 'jsoe perez' AS trgm_match, 'jose perez' %~ 'jsoe perez' AS contacts_match,
       round(('jose perez' <-> 'josé pérez')::numeric, 3) AS trgm_distance,
       round(('jose perez' <~> 'josé pérez')::numeric, 3) AS contacts_distance;
DROP EXTENSION pg_trgm;

DROP TABLE people;
