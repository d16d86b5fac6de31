-- Functions that read a setting give the same answer on a distributed table
-- as on a local one, or refuse: Citus sends a session's SET to no worker.
\set SHOW_CONTEXT never
SET search_path = public, contacts;
SET citus.next_shard_id = 2000000;
-- the plan lines of EXPLAIN EXECUTE name('ana@example.com'), on this node only
SET citus.enable_ddl_propagation = off;
CREATE FUNCTION pg_temp.explain_lines(name text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE l text;
BEGIN
  FOR l IN EXECUTE format('EXPLAIN (COSTS OFF) EXECUTE %I(%L)', name, 'ana@example.com') LOOP
    RETURN NEXT l;
  END LOOP;
END $$;
RESET citus.enable_ddl_propagation;
CREATE TABLE people (id bigint PRIMARY KEY, full_name text, email text, phone text);
INSERT INTO people VALUES
  (1, 'José Pérez García', 'ana@example.com', '612 34 56 78'),
  (2, 'Jose Peres', '"ana b"@example.com', '+34 612 34 56 79'),
  (3, 'Pepe Pérez', 'bob@localhost', '(201) 555-0123'),
  (4, 'Ana Ruiz', 'ANA@Gmail.com', '+1 201 555 0124'),
  (5, 'Ana María Ruiz', 'not an address', '12345'),
  (6, 'Luis Gómez', 'luis@example..com', 'nope');
CREATE TABLE people_local AS SELECT * FROM people;
SELECT create_distributed_table('people', 'id');
-- schema-qualified: Citus runs the command on the workers under their own search_path
CREATE INDEX ON people USING gin (full_name contacts.name_gin_ops);
-- the answers on the local copy, under the settings of this session
SET contacts.default_region = 'ES';
SET contacts.email_profile = 'rfc';
SET contacts.name_similarity_threshold = 0.6;
SELECT count(*) FILTER (WHERE phone_valid(phone)) AS phones,
       count(*) FILTER (WHERE email_valid(email)) AS emails,
       count(*) FILTER (WHERE full_name %~ 'jose perez') AS names
FROM people_local;
-- on the distributed table: refused, whatever the setting, rather than read
-- under the worker's own value
SELECT count(*) FILTER (WHERE phone_valid(phone)) FROM people;
SELECT count(*) FILTER (WHERE email_valid(email)) FROM people;
SELECT count(*) FILTER (WHERE full_name %~ 'jose perez') FROM people;
RESET contacts.default_region;
SELECT count(*) FILTER (WHERE email_valid(email)) FROM people;
-- a number in international form needs no region: the same answer anywhere
SELECT count(*) FILTER (WHERE phone_valid(phone)) FROM people WHERE phone LIKE '+%';
SET contacts.default_region = 'ES';
-- the settings as arguments: the same answers as the local table
SELECT count(*) FILTER (WHERE phone_valid(phone, 'ES')) AS phones,
       count(*) FILTER (WHERE email_valid(email, 'rfc')) AS emails,
       count(*) FILTER (WHERE name_search_similarity(full_name, 'jose perez') >= 0.6) AS names
FROM people;
-- or shipped with SET LOCAL, which Citus sends when told to
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL contacts.default_region = 'ES';
SET LOCAL contacts.email_profile = 'rfc';
SET LOCAL contacts.name_similarity_threshold = 0.6;
SELECT count(*) FILTER (WHERE phone_valid(phone)) AS phones,
       count(*) FILTER (WHERE email_valid(email)) AS emails,
       count(*) FILTER (WHERE full_name %~ 'jose perez') AS names
FROM people;
-- the fuzzy name index on each shard, under the shipped threshold
SET LOCAL enable_seqscan = off;
SELECT id FROM people WHERE full_name %~ 'jose perez' ORDER BY id;
COMMIT;
-- every (region, profile) answer equals the local one
WITH d AS (
  SELECT region, profile, count(*) FILTER (WHERE phone_valid(phone, region)) AS phones,
         count(*) FILTER (WHERE email_valid(email, profile)) AS emails
  FROM people, (VALUES ('ES'), ('US')) r(region), (VALUES ('mailbox'), ('provider'), ('rfc')) p(profile)
  GROUP BY 1, 2),
l AS (
  SELECT region, profile, count(*) FILTER (WHERE phone_valid(phone, region)) AS phones,
         count(*) FILTER (WHERE email_valid(email, profile)) AS emails
  FROM people_local, (VALUES ('ES'), ('US')) r(region), (VALUES ('mailbox'), ('provider'), ('rfc')) p(profile)
  GROUP BY 1, 2)
SELECT region, profile, d.phones, d.emails, d.phones = l.phones AND d.emails = l.emails AS same
FROM d JOIN l USING (region, profile) ORDER BY 1, 2;
-- the contacts.email type: addresses travel to the workers as text, read
-- alike by every profile; one only rfc accepts is refused there
CREATE TABLE mailboxes (email contacts.email PRIMARY KEY, note text);
SELECT create_distributed_table('mailboxes', 'email');
INSERT INTO mailboxes VALUES ('Ana@Example.COM', 'typed');
-- another spelling of the same mailbox lands in the same shard: the primary
-- key is unique cluster-wide
INSERT INTO mailboxes VALUES (' ana@EXAMPLE.com', 'again');
INSERT INTO mailboxes VALUES ('"ana b"@example.com', 'rfc only');
BEGIN;
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL contacts.email_profile = 'rfc';
INSERT INTO mailboxes VALUES ('"ana b"@example.com', 'rfc only');
COMMIT;
SELECT email, note FROM mailboxes ORDER BY note;
-- a lookup by a text parameter: cast, the value is read under a setting
-- when the query runs and Citus asks every shard; through the profile's
-- twin it is known when the query is planned, and one shard answers
PREPARE by_cast(text) AS SELECT note FROM mailboxes WHERE email = $1::contacts.email;
PREPARE by_value(text) AS SELECT note FROM mailboxes WHERE email = contacts.email($1, 'mailbox');
SELECT (SELECT regexp_replace(p, '^\s*', '') FROM (SELECT * FROM pg_temp.explain_lines('by_cast')) x(p)
        WHERE p ~ 'Task Count') AS by_cast,
       (SELECT regexp_replace(p, '^\s*', '') FROM (SELECT * FROM pg_temp.explain_lines('by_value')) x(p)
        WHERE p ~ 'Task Count') AS by_value;
EXECUTE by_value(' ANA@example.com');
-- the contacts.phone type likewise: E.164 travels, a national number is
-- normalized on the coordinator before it does
CREATE TABLE lines (phone contacts.phone PRIMARY KEY, note text);
SELECT create_distributed_table('lines', 'phone');
INSERT INTO lines VALUES ('612 34 56 78', 'national, read under ES here');
SELECT phone, note FROM lines WHERE phone = '+34612345678';
SELECT count(*) FROM lines WHERE phone::text::contacts.phone IS NOT NULL;
RESET ALL;
DROP TABLE people, people_local, mailboxes, lines;
