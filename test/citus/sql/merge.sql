-- Merge and unmerge on distributed tables, as an ordinary role that owns
-- them: every row is written by its primary key, which holds the
-- distribution column, so each statement reaches one shard.  The same
-- merges on a local copy leave the same rows and the same log.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET search_path = public, contacts;
SET citus.next_shard_id = 5000000;
CREATE ROLE citus_merger LOGIN;
CREATE SCHEMA crm AUTHORIZATION citus_merger;
-- merge ids named in the messages below are fixed here
SELECT setval(pg_get_serial_sequence('contacts.merge_log', 'merge_id'), 200) AS merge_ids_from;
SET ROLE citus_merger;
CREATE TABLE crm.people (id bigint PRIMARY KEY, full_name text, email text, phone text,
                         other_emails text[]);
INSERT INTO crm.people VALUES
  (1, 'José Pérez García', 'jose.perez@gmail.com', NULL, NULL),
  (2, 'Jose Perez Garcia', 'pepe@example.com', '+34 612 34 56 78', NULL),
  (3, 'Ana Ruiz', 'ana@example.com', '+34 699 88 77 66', NULL),
  (4, 'Ana Ruíz', 'ana.ruiz@example.com', NULL, NULL),
  (5, 'Luis Gómez', 'luis@example.org', '+34 611 22 33 44', NULL),
  (6, 'Luis Gomez', 'luis@example.org', '611 22 33 44', NULL),
  (7, 'Eva Martín', 'eva@example.com', NULL, NULL);
CREATE TABLE crm.people_local AS SELECT * FROM crm.people;
ALTER TABLE crm.people_local ADD PRIMARY KEY (id);
SELECT contacts.configure(t, 'id', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
                          default_region => 'ES')
FROM (VALUES ('crm.people'::regclass), ('crm.people_local')) v(t);
SELECT contacts.merge_configure(t, alternate_columns => '{"email": "other_emails"}')
FROM (VALUES ('crm.people'::regclass), ('crm.people_local')) v(t);
SELECT create_distributed_table('crm.people', 'id');
-- one merge on each: survivor 1 takes 2's phone and keeps its email
SELECT contacts.merge('crm.people', 1::bigint, ARRAY[1, 2]::bigint[]) AS d1 \gset
SELECT contacts.merge('crm.people_local', 1::bigint, ARRAY[1, 2]::bigint[]) AS l1 \gset
SELECT * FROM crm.people ORDER BY id;
-- the same log: actions and images, in order
SELECT (SELECT jsonb_agg(jsonb_build_array(action, before, after) ORDER BY row_id)
          FROM contacts.merge_log_row WHERE merge_id = :d1)
     = (SELECT jsonb_agg(jsonb_build_array(action, before, after) ORDER BY row_id)
          FROM contacts.merge_log_row WHERE merge_id = :l1) AS same_log;
-- a key that is gone, a survivor merged away
SELECT contacts.merge('crm.people', 1::bigint, ARRAY[1, 2]::bigint[]);
SELECT contacts.merge('crm.people', 2::bigint, ARRAY[2, 3]::bigint[]);
-- dedupe_run and merge_run on both: the same clusters merged
SELECT contacts.dedupe_run('crm.people') AS run_d \gset
SELECT contacts.dedupe_run('crm.people_local') AS run_l \gset
CALL contacts.merge_run(:run_d);
CALL contacts.merge_run(:run_l);
SELECT b.batch_name LIKE 'merge_run ' || :run_d || ',%' AS distributed, count(c.merge_id) AS merged,
       count(c.error) AS failed
FROM contacts.merge_batch b JOIN contacts.merge_batch_cluster c USING (batch_name)
WHERE b.batch_name LIKE 'merge_run ' || :run_d || ',%' OR b.batch_name LIKE 'merge_run ' || :run_l || ',%'
GROUP BY 1 ORDER BY 1;
SELECT * FROM crm.people ORDER BY id;
SELECT (SELECT count(*) FROM (SELECT * FROM crm.people EXCEPT ALL SELECT * FROM crm.people_local) x) AS only_distributed,
       (SELECT count(*) FROM (SELECT * FROM crm.people_local EXCEPT ALL SELECT * FROM crm.people) x) AS only_local;
-- unmerge refuses a row changed since, naming it, and restores it once undone
UPDATE crm.people SET full_name = 'José Pérez' WHERE id = 1;
SELECT contacts.unmerge(:d1);
UPDATE crm.people SET full_name = 'José Pérez García' WHERE id = 1;
-- every merge undone, newest first: the tables are as they were
SELECT count(contacts.unmerge(merge_id)) AS undone
FROM (SELECT merge_id FROM contacts.merge_log
      WHERE tbl IN ('crm.people'::regclass, 'crm.people_local'::regclass) AND unmerged_at IS NULL
      ORDER BY merge_id DESC) m;
SELECT * FROM crm.people ORDER BY id;
-- soft delete, and a composite key distributed by one of its columns
CREATE TABLE crm.leads (tenant int, id bigint, full_name text, email contacts.email,
                        merged boolean NOT NULL DEFAULT false, PRIMARY KEY (tenant, id));
INSERT INTO crm.leads VALUES (1, 1, 'Ana Ruiz', 'ana@example.com'), (1, 2, 'Ana Ruíz', 'ANA@example.com'),
                             (2, 1, 'Eva Martín', NULL), (2, 2, 'Eva Martin', 'eva@example.com');
SELECT contacts.merge_configure('crm.leads', soft_delete_column => 'merged');
SELECT create_distributed_table('crm.leads', 'tenant');
SELECT contacts.merge('crm.leads', ROW(2, 1::bigint), ARRAY[ROW(2, 1::bigint), ROW(2, 2::bigint)]) AS s1 \gset
SELECT * FROM crm.leads ORDER BY tenant, id;
SELECT contacts.merge('crm.leads', ROW(2, 2::bigint), ARRAY[ROW(2, 2::bigint), ROW(2, 1::bigint)]);
SELECT contacts.unmerge(:s1);
SELECT * FROM crm.leads ORDER BY tenant, id;
-- a table distributed by its contacts.email key: the keys are read as emails
-- on the coordinator and routed by their hash
CREATE TABLE crm.mailboxes (email contacts.email PRIMARY KEY, full_name text, phone text);
INSERT INTO crm.mailboxes VALUES ('ana@example.com', 'Ana', NULL),
                                 ('ana.ruiz@example.com', 'Ana Ruiz', '+34 699 88 77 66');
SELECT create_distributed_table('crm.mailboxes', 'email');
SELECT contacts.merge('crm.mailboxes', 'ana@example.com'::contacts.email,
                      ARRAY['ana@example.com', 'ana.ruiz@example.com']::contacts.email[]) AS e1 \gset
SELECT * FROM crm.mailboxes;
SELECT contacts.unmerge(:e1);
SELECT * FROM crm.mailboxes ORDER BY email;
-- references from a co-located table: moved to the survivor's shard (their
-- key holds the reference); one that would collide with a row the survivor
-- has is deleted, and the rows of a local copy end the same
CREATE TABLE crm.orders (person_id bigint REFERENCES crm.people, order_id bigint, item text,
                         PRIMARY KEY (person_id, order_id));
SELECT create_distributed_table('crm.orders', 'person_id', colocate_with => 'crm.people');
CREATE TABLE crm.orders_local (person_id bigint REFERENCES crm.people_local, order_id bigint, item text,
                               PRIMARY KEY (person_id, order_id));
INSERT INTO crm.orders VALUES (1, 1, 'pen'), (2, 1, 'book'), (2, 2, 'lamp'), (3, 1, 'cup');
INSERT INTO crm.orders_local SELECT * FROM crm.orders;
SELECT contacts.merge('crm.people', 1::bigint, ARRAY[1, 2]::bigint[]) AS d2 \gset
SELECT contacts.merge('crm.people_local', 1::bigint, ARRAY[1, 2]::bigint[]) AS l2 \gset
SELECT * FROM crm.orders ORDER BY 1, 2;
SELECT (SELECT count(*) FROM (SELECT * FROM crm.orders EXCEPT ALL SELECT * FROM crm.orders_local) x) AS only_distributed,
       (SELECT count(*) FROM (SELECT * FROM crm.orders_local EXCEPT ALL SELECT * FROM crm.orders) x) AS only_local;
SELECT action, before, after FROM contacts.merge_log_row
WHERE merge_id = :d2 AND tbl = 'crm.orders'::regclass ORDER BY row_id;
SELECT contacts.unmerge(:d2);
SELECT * FROM crm.orders ORDER BY 1, 2;
SELECT count(*) AS people FROM crm.people;
-- refused before anything changes, as on one server: references two levels
-- deep, an order's lines referencing the order that would move to the
-- survivor's shard
CREATE TABLE crm.order_lines (person_id bigint, order_id bigint, line int, item text,
                              PRIMARY KEY (person_id, order_id, line),
                              FOREIGN KEY (person_id, order_id) REFERENCES crm.orders);
SELECT create_distributed_table('crm.order_lines', 'person_id', colocate_with => 'crm.people');
INSERT INTO crm.order_lines VALUES (2, 1, 1, 'book');
SELECT contacts.merge('crm.people', 1::bigint, ARRAY[1, 2]::bigint[]);
SELECT (SELECT count(*) FROM crm.people) AS people, (SELECT count(*) FROM crm.orders) AS orders,
       (SELECT count(*) FROM crm.order_lines WHERE person_id = 2) AS lines_of_2;
DROP TABLE crm.order_lines;
-- a shard
RESET ROLE;
SELECT DISTINCT regexp_replace(result, 'crm\.people_[0-9]+', 'crm.people_N') AS on_a_shard
FROM run_command_on_shards('crm.people', $$SELECT contacts.merge('%s', 1::bigint, ARRAY[1, 3]::bigint[])$$);
DROP SCHEMA crm CASCADE;
DROP ROLE citus_merger;
