-- As a table's owner who is not a superuser: Citus connects to the workers
-- as that role, and the refusals read Citus's metadata as it.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET search_path = public, contacts;
SET citus.next_shard_id = 4000000;
CREATE ROLE citus_owner LOGIN;
CREATE SCHEMA app AUTHORIZATION citus_owner;
SET ROLE citus_owner;
CREATE TABLE app.leads (id bigint PRIMARY KEY, full_name text, email text, phone text);
INSERT INTO app.leads VALUES
  (1, 'Ana Ruiz', 'ana@example.com', '+34 699 88 77 66'),
  (2, 'Ana Ruíz', 'ANA@example.com', '699 88 77 66'),
  (3, 'Luis Gómez', 'luis@example.org', '611 22 33 44');
SELECT contacts.configure('app.leads', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone"}', default_region => 'ES');
SELECT create_distributed_table('app.leads', 'id');
SELECT count(*) FILTER (WHERE phone_valid(phone, 'ES')) FROM app.leads;
SELECT count(*) FILTER (WHERE phone_valid(phone)) FROM app.leads;
SET contacts.dedupe_on_workers = on;
SELECT contacts.dedupe_run('app.leads') > 0 AS ran;
SELECT key_a, key_b FROM contacts.dedupe_pairs
WHERE run_id = (SELECT max(run_id) FROM contacts.dedupe_runs) ORDER BY 1, 2;
-- scored on the workers, for an owner who is not a superuser
SELECT seconds ? 'distributing' AS scored_on_workers FROM contacts.dedupe_runs
WHERE run_id = (SELECT max(run_id) FROM contacts.dedupe_runs);
-- merged as the owner, each row routed to its shard
SELECT contacts.merge('app.leads', 1::bigint, ARRAY[1, 2]::bigint[]) IS NOT NULL AS merged;
SELECT id, full_name, email, phone FROM app.leads ORDER BY id;
RESET ROLE;
DROP SCHEMA app CASCADE;
DROP ROLE citus_owner;
