-- The workflow on a distributed table: what runs, and what the extension
-- refuses with its own error rather than answer wrongly.
\set SHOW_CONTEXT never
SET search_path = public, contacts;
SET citus.next_shard_id = 3000000;
-- progress notices carry timings
SET client_min_messages = warning;
CREATE TABLE crm (id bigint PRIMARY KEY, full_name text, email text, phone text, country text,
                  flags jsonb);
INSERT INTO crm VALUES
  (1, 'José Pérez García', 'jose.perez@gmail.com', '+34 612 34 56 78', 'ES', NULL),
  (2, 'Jose Perez Garcia', 'JOSE.PEREZ@gmail.com', '+34612345678', 'ES', NULL),
  (3, 'Ana Ruiz', 'ana@example.com', '+34 699 88 77 66', 'ES', NULL),
  (4, 'Ana Ruíz', 'ana@example.com', '+34 699 88 77 66', 'ES', NULL),
  (5, 'Luis Gómez', 'luis@example.org', '+34 611 22 33 44', 'ES', NULL);
SELECT contacts.configure('crm', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email}',
    flag_column => 'flags');
-- a merge made before the table was distributed, to unmerge after (its id
-- fixed here, whatever the other tests merged)
SELECT setval(pg_get_serial_sequence('contacts.merge_log', 'merge_id'), 100) AS merge_ids_from;
SELECT contacts.merge('crm', 3::bigint, ARRAY[3, 4]::bigint[]) AS merge_id \gset
INSERT INTO crm VALUES (4, 'Ana Ruíz', 'ana@example.com', '+34 699 88 77 66', 'ES', NULL);
CREATE TABLE crm_local AS SELECT * FROM crm;
SELECT contacts.configure('crm_local', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email}',
    flag_column => 'flags');
SELECT create_distributed_table('crm', 'id');
-- the entry trigger on a table distributed by id, with email a duplicate
-- key: refused on the shards, naming the distributed table (entry.sql runs it)
SET citus.enable_unsafe_triggers = on;
CREATE TRIGGER crm_enforce BEFORE INSERT OR UPDATE ON crm
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO crm (id, full_name, email) VALUES (10, 'EVA  martín', 'Eva@Example.com');
-- a shard configured by hand changes nothing: the trigger reads its table's
-- configuration
SELECT count(*) FROM run_command_on_shards('crm',
    $$SELECT contacts.configure('%s', 'id', '{"email": "email"}', on_duplicate => 'reject', duplicate_keys => '{email}')$$)
  WHERE success;
INSERT INTO crm (id, full_name, email) VALUES (10, 'EVA  martín', 'Eva@Example.com');
DROP TRIGGER crm_enforce ON crm;
RESET citus.enable_unsafe_triggers;
-- unmerge of the merge made before the table was distributed: its
-- merged-away key is in use again, found by key on its shard
SELECT contacts.unmerge(:merge_id);
-- (merge.sql merges and unmerges distributed tables)
SELECT contacts.citus_table('crm') AS citus_table, contacts.citus_table('crm_local') AS local_table;
-- dedupe_run, with an alternate kept by the merge: the same pairs as on the
-- local copy, scored on the workers
SET contacts.dedupe_on_workers = on;
SELECT contacts.dedupe_run('crm') AS run_d \gset
SELECT contacts.dedupe_run('crm_local') AS run_l \gset
SELECT key_a, key_b, round(probability::numeric, 2) AS p FROM contacts.dedupe_pairs WHERE run_id = :run_d
ORDER BY 1, 2;
SELECT count(*) AS differences FROM (
  (SELECT key_a, key_b, probability FROM contacts.dedupe_pairs WHERE run_id = :run_d
   EXCEPT ALL
   SELECT key_a, key_b, probability FROM contacts.dedupe_pairs WHERE run_id = :run_l)
  UNION ALL
  (SELECT key_a, key_b, probability FROM contacts.dedupe_pairs WHERE run_id = :run_l
   EXCEPT ALL
   SELECT key_a, key_b, probability FROM contacts.dedupe_pairs WHERE run_id = :run_d)) x;
-- the distributed run scored its blocks on the workers (its "distributing"
-- phase), and its whole summary but the timings, and its clusters, are the
-- local run's
SELECT d.seconds ? 'distributing' AS distributed_scored_on_workers,
       l.seconds ? 'distributing' AS local_scored_on_workers,
       (to_jsonb(d) - '{run_id,tbl,started_at,finished_at,seconds,cpu_seconds}'::text[])
     = (to_jsonb(l) - '{run_id,tbl,started_at,finished_at,seconds,cpu_seconds}'::text[]) AS same_summary
FROM contacts.dedupe_runs d, contacts.dedupe_runs l WHERE d.run_id = :run_d AND l.run_id = :run_l;
SELECT count(*) AS cluster_differences FROM (
  (SELECT cluster_id, key, cluster_size, flagged FROM contacts.dedupe_clusters WHERE run_id = :run_d
   EXCEPT ALL
   SELECT cluster_id, key, cluster_size, flagged FROM contacts.dedupe_clusters WHERE run_id = :run_l)
  UNION ALL
  (SELECT cluster_id, key, cluster_size, flagged FROM contacts.dedupe_clusters WHERE run_id = :run_l
   EXCEPT ALL
   SELECT cluster_id, key, cluster_size, flagged FROM contacts.dedupe_clusters WHERE run_id = :run_d)) x;
-- its scratch tables are gone, from every node
SELECT count(*) AS scratch_tables FROM pg_class
WHERE relname LIKE 'dedupe\_blocks\_%' OR relname LIKE 'dedupe\_chunks\_%';
SELECT result AS scratch_tables_on_workers FROM run_command_on_workers(
  $$SELECT count(*) FROM pg_class WHERE relname LIKE 'dedupe\_blocks\_%' OR relname LIKE 'dedupe\_chunks\_%'$$);
-- imports, with each duplicate policy
CREATE TABLE staging (id bigint, nombre text, correo text, telefono text, pais text);
INSERT INTO staging VALUES
  (20, 'maría  LÓPEZ', 'Maria.Lopez@Example.com', '699 88 77 11', 'ES'),
  (21, 'Pepe Pérez', 'jose.perez@gmail.com', '+34 612 34 56 78', 'ES'),
  (22, 'Luis Gómez', 'luis@', '12345', 'ES');
SELECT p.policy, i.staged, i.inserted, i.updated, i.kept, i.rejected
FROM (VALUES ('keep'), ('create')) p(policy),
     LATERAL contacts.import('staging', 'crm',
        '{"id": "id", "full_name": "nombre", "email": "correo", "phone": "telefono", "country": "pais"}',
        duplicate_key => 'email', on_duplicate => p.policy, dry_run => true) i;
-- each policy on the distributed table and on its local copy: the same rows
SELECT p.policy, t.tbl, i.staged, i.inserted, i.updated, i.kept, i.rejected
FROM (VALUES (1, 'update'), (2, 'keep')) p(n, policy),
     (VALUES ('crm'), ('crm_local')) t(tbl),
     LATERAL contacts.import('staging', t.tbl::regclass,
        '{"id": "id", "full_name": "nombre", "email": "correo", "phone": "telefono", "country": "pais"}',
        duplicate_key => 'email', on_duplicate => p.policy) i
ORDER BY p.n, t.tbl;
SELECT id, full_name, email, phone FROM crm ORDER BY id, full_name;
WITH d AS (SELECT id, full_name, email, phone, country FROM crm),
     l AS (SELECT id, full_name, email, phone, country FROM crm_local)
SELECT (SELECT count(*) FROM (SELECT * FROM d EXCEPT ALL SELECT * FROM l) x) AS only_distributed,
       (SELECT count(*) FROM (SELECT * FROM l EXCEPT ALL SELECT * FROM d) x) AS only_local;
-- the pattern docs/citus.md gives: normalize before Citus routes a row,
-- distribute by the contacts.email column, let its primary key refuse
-- duplicates across the cluster
CREATE TABLE customers (email contacts.email PRIMARY KEY, full_name text, phone contacts.phone);
SELECT create_distributed_table('customers', 'email');
SET contacts.default_region = 'ES';
INSERT INTO customers
SELECT e, name_normalize(n), p::contacts.phone
FROM (VALUES ('Jose.Perez@GMAIL.com', '  JOSE  perez garcía ', '612 34 56 78')) v(e, n, p)
WHERE NOT contacts.is_suppressed('email', e);
SELECT contacts.suppress('email', 'eva@example.com', reason => 'asked to be forgotten');
INSERT INTO customers
SELECT e, name_normalize(n), p::contacts.phone
FROM (VALUES ('EVA@example.com', 'eva martín', '611 22 33 44')) v(e, n, p)
WHERE NOT contacts.is_suppressed('email', e);
INSERT INTO customers VALUES (' jose.perez@gmail.com', 'Pepe Pérez', NULL);
SELECT email, full_name, phone FROM customers WHERE email = 'JOSE.PEREZ@gmail.com';
RESET contacts.default_region;
DROP TABLE crm, crm_local, staging, customers;
