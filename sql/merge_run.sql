-- Survivor choice in batch merges, merge_run() from a dedupe run, and
-- dedupe_match() after merges: a merged-away record is offered as its
-- survivor, and a survivor is found through its alternates.
\pset null '(null)'
SET client_min_messages = warning;
-- (run ids and batches as if this test ran alone)
TRUNCATE contacts.dedupe_runs, contacts.merge_batch CASCADE;
ALTER SEQUENCE contacts.dedupe_runs_run_id_seq RESTART;

CREATE TABLE mr (
    id          bigint PRIMARY KEY,
    full_name   text,
    email       text,
    phone       text,
    country     text,
    city        text,
    birth_date  text,
    created_at  timestamptz,
    updated_at  timestamptz
);
CREATE TABLE mr_order (id int PRIMARY KEY, contact_id bigint REFERENCES mr, amount numeric);
INSERT INTO mr VALUES
    (1, 'José Pérez García', 'jose.perez@gmail.com', '+34 612 345 678', 'ES', 'Madrid', '1978-03-05', '2020-01-01', '2024-01-01'),
    (2, 'Pepe Perez Garcia', 'joseperez@gmail.com', '612 34 56 78', 'ES', NULL, NULL, '2019-01-01', '2024-06-01'),
    (3, 'Jose Perez', 'jperez@work.example', '0034 612345678', 'ES', 'Madrid', '05/03/1978', '2021-01-01', '2023-01-01'),
    (4, 'William Smith', 'wsmith@northwind.com', '(212) 555-0134', 'US', 'New York', '1961-07-14', '2018-01-01', '2022-01-01'),
    (5, 'Bill Smith', 'wsmith@northwind.com', '212.555.0134', 'US', 'New York', NULL, '2017-01-01', '2024-02-01'),
    (6, 'Carolina Muñoz Soto', 'carolina.munoz@vtr.net', '+56 9 8765 4321', 'CL', 'Santiago', NULL, '2022-01-01', NULL),
    (7, 'Carolina Munoz Sotto', NULL, '9 8765 4321', 'CL', 'Santiago', NULL, '2016-01-01', NULL),
    (8, 'Ana Pérez García', 'ana.perez.garcia@yahoo.es', '+34 913 456 789', 'ES', 'Madrid', '1981-09-30', '2020-01-01', NULL),
    (9, 'Pedro Gómez', NULL, NULL, 'ES', 'Madrid', NULL, '2020-01-01', NULL);
INSERT INTO mr_order VALUES (1, 3, 10), (2, 3, 20), (3, 5, 5), (4, 7, 1), (5, 7, 2);

-- the rules, member by member
SELECT rule, contacts.choose_survivor('mr', ARRAY[1, 2, 3]::bigint[], rule) AS survivor
  FROM unnest(ARRAY['most_complete', 'most_recent', 'oldest', 'most_referenced', 'smallest_key',
                    'ORDER BY length(t.full_name) DESC']) rule;
-- most_complete is the default; 6 and 7 hold as many values, 6 has the
-- updated-at value (ties go to the most recently updated)
SELECT contacts.choose_survivor('mr', ARRAY[6, 7]::bigint[]) AS default_rule;
SELECT contacts.choose_survivor('mr', ARRAY[4, 5]::bigint[]) AS more_values_wins;
SELECT contacts.choose_survivor('mr', ARRAY[1, 2]::bigint[], 'cleanest');
SELECT contacts.choose_survivor('mr', ARRAY[6, 7]::bigint[], 'ORDER BY no_such_column');
-- a composite key has only smallest_key, which is then the default
CREATE TABLE mr_comp (a int, b int, note text, PRIMARY KEY (a, b));
INSERT INTO mr_comp VALUES (2, 1, 'x'), (1, 2, NULL);
CALL contacts.merge_clusters('mr_comp', 'SELECT 1 AS cluster_id, ROW(a, b) AS member_key FROM mr_comp',
                             survivor => 'most_complete');
CALL contacts.merge_clusters('mr_comp', 'SELECT 1 AS cluster_id, ROW(a, b) AS member_key FROM mr_comp');
SELECT * FROM mr_comp;
DROP TABLE mr_comp;

-- dedupe, then merge the run's clusters: flagged ones are skipped
SELECT contacts.configure('mr', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country",
      "city": "city", "birth_date": "birth_date"}', default_region => 'ES');
SELECT contacts.dedupe_run('mr') AS run \gset
SELECT cluster_id, array_agg(key ORDER BY key) AS members, bool_or(flagged) AS flagged
  FROM contacts.dedupe_clusters WHERE run_id = :run GROUP BY cluster_id ORDER BY cluster_id;
-- (flag cluster 6 as the size guard would, to see it skipped)
UPDATE contacts.dedupe_clusters SET flagged = true WHERE run_id = :run AND cluster_id = 6;
CALL contacts.merge_run(:run, min_probability => 0.5, batch_size => 1, survivor => 'bad rule');
SET client_min_messages = notice;
\set VERBOSITY terse
CALL contacts.merge_run(:run, min_probability => 0.5, batch_size => 1);
\set VERBOSITY default
SET client_min_messages = warning;
SELECT id, full_name, email FROM mr ORDER BY id;
SELECT c.cluster_id, l.survivor, l.members, l.reason
  FROM contacts.merge_batch_cluster c JOIN contacts.merge_log l USING (merge_id)
 WHERE c.batch_name LIKE 'merge_run%' ORDER BY 1;
SELECT batch_name, finished_at IS NOT NULL AS finished FROM contacts.merge_batch ORDER BY 1;
-- resumable: a second call has nothing left to do
SET client_min_messages = notice;
\set VERBOSITY terse
CALL contacts.merge_run(:run, min_probability => 0.5, batch_size => 1);
\set VERBOSITY default
SET client_min_messages = warning;
CALL contacts.merge_run(-1);
CALL contacts.merge_run(:run, min_probability => 2);

-- dedupe_match: merged-away records of the run are offered as their
-- survivor, never as a row that no longer exists
SELECT key, round(probability::numeric, 3) AS probability
  FROM contacts.dedupe_match('mr', '{"full_name": "Pepe Pérez", "email": "joseperez@gmail.com", "country": "ES"}');
-- rows added after the run are found as they are; once 11 is merged into 10,
-- 10 is found through its alternate
INSERT INTO mr VALUES (10, 'Lucía Fernández', 'lucia@fibertel.com.ar', '(011) 15 4123-4567', 'AR', 'Buenos Aires', NULL, now(), now()),
                      (11, 'Lucia Fernandez', 'lfernandez@gmail.com', NULL, 'AR', NULL, NULL, now(), now());
SELECT key FROM contacts.dedupe_match('mr', '{"full_name": "Lucía Fernández", "email": "lfernandez@gmail.com", "country": "AR"}');
SELECT contacts.merge('mr', 10::bigint, ARRAY[10, 11]::bigint[]) AS m \gset
SELECT key, round(probability::numeric, 3) AS probability, explanation -> 'email' AS email
  FROM contacts.dedupe_match('mr', '{"full_name": "Lucía Fernández", "email": "lfernandez@gmail.com", "country": "AR"}');
-- dedupe_run: a record entered again after the merge under the merged-away
-- address pairs with the survivor through its alternate
INSERT INTO mr VALUES (12, 'Lucia F.', 'lfernandez@gmail.com', NULL, 'AR', NULL, NULL, now(), now());
-- a row holding the address itself does not hide the survivor keeping it
-- as an alternate (and the table has no index on the address's key)
SELECT key FROM contacts.dedupe_match('mr', '{"full_name": "L. Fdez", "email": "lfernandez@gmail.com", "country": "AR"}', min_probability => 0)
 ORDER BY key;
SELECT contacts.dedupe_run('mr') AS run2 \gset
SELECT key_a, key_b, round(probability::numeric, 3) AS probability, explanation -> 'email' ->> 'level' AS email
  FROM contacts.dedupe_pairs WHERE run_id = :run2 AND 12 IN (key_a, key_b);
SELECT cluster_id, array_agg(key ORDER BY key) AS members
  FROM contacts.dedupe_clusters WHERE run_id = :run2 GROUP BY cluster_id ORDER BY cluster_id;
SELECT seconds ? 'scoring' AS timed FROM contacts.dedupe_runs WHERE run_id = :run2;
DELETE FROM mr WHERE id = 12;
SELECT contacts.unmerge(:m);
SELECT key FROM contacts.dedupe_match('mr', '{"full_name": "Lucía Fernández", "email": "lfernandez@gmail.com", "country": "AR"}');

DROP TABLE mr_order, mr;
TRUNCATE contacts.merge_log, contacts.merge_batch CASCADE;
ALTER SEQUENCE contacts.merge_log_merge_id_seq RESTART;
ALTER SEQUENCE contacts.merge_log_row_row_id_seq RESTART;
