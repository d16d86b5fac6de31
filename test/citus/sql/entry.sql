-- The entry trigger on a distributed table, as an ordinary owner and an
-- application role.  It runs in the shards, on the workers, and reads the
-- configuration, the suppression list and the alternates from the copies
-- every node holds; a duplicate key that is the distribution column is
-- checked cluster-wide.  A local table under the same rules gives the same
-- answers.
\set SHOW_CONTEXT never
SET client_min_messages = warning;
SET search_path = public, contacts;
SET citus.next_shard_id = 6000000;
CREATE ROLE citus_crm LOGIN;
CREATE ROLE citus_app LOGIN;
CREATE SCHEMA crm AUTHORIZATION citus_crm;
GRANT USAGE ON SCHEMA crm TO citus_app;
-- (the suppression list is the extension owner's)
SELECT contacts.suppress('email', 'no.contact@gmail.com', reason => 'asked by phone');
SELECT contacts.suppress('phone', '+34 655 44 33 22', reason => 'asked by mail');

SET ROLE citus_crm;
-- Citus puts a table's triggers on its shards only when told it is safe
SET citus.enable_unsafe_triggers = on;
CREATE TABLE crm.customers (email contacts.email PRIMARY KEY, full_name text, phone text,
                            country text, flags jsonb);
CREATE TABLE crm.customers_local (LIKE crm.customers INCLUDING ALL);
SELECT create_distributed_table('crm.customers', 'email');
SELECT contacts.configure(t, 'email',
    '{"email": "email", "full_name": "full_name", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email}',
    flag_column => 'flags')
FROM unnest(ARRAY['crm.customers', 'crm.customers_local']::regclass[]) t;
CREATE TRIGGER customers_enforce BEFORE INSERT OR UPDATE ON crm.customers
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
CREATE TRIGGER customers_enforce BEFORE INSERT OR UPDATE ON crm.customers_local
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
GRANT SELECT, INSERT, UPDATE ON crm.customers, crm.customers_local TO citus_app;
RESET ROLE;

-- the copies are reference tables, and every node holds the configuration
SELECT logicalrelid::text AS copy, partmethod FROM pg_dist_partition
WHERE logicalrelid::text LIKE '%citus\_%' ORDER BY 1;
SELECT result AS configured_tables FROM run_command_on_workers(
  $$SELECT string_agg(tbl_name, ', ' ORDER BY tbl_name) FROM contacts.citus_entry_config
    WHERE tbl_name LIKE 'crm.%'$$);

-- each statement on both tables, its outcome kept
CREATE TABLE public.entry_outcome (tbl text, n int, what text);
CREATE FUNCTION public.entry_try(tbl text, n int, sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(sql, tbl);
    INSERT INTO public.entry_outcome VALUES (tbl, n, 'ok');
EXCEPTION WHEN others THEN
    INSERT INTO public.entry_outcome VALUES (tbl, n, SQLSTATE || ' ' || SQLERRM);
END $$;
GRANT ALL ON public.entry_outcome TO citus_app;

-- as the application
SET ROLE citus_app;
SELECT count(public.entry_try(t, n::int, s)) AS statements
FROM unnest(ARRAY['crm.customers', 'crm.customers_local']) t,
     unnest(ARRAY[
       -- normalized on the worker: name, phone; the country sets the region
       $$INSERT INTO %s VALUES ('Jose.Perez@GMAIL.com', '  JOSE  perez garcía ', '612 34 56 78', 'ES')$$,
       -- three more spellings of the same mailbox: duplicates, in whatever shard
       $$INSERT INTO %s VALUES ('jose.perez@gmail.com', 'Pepe Pérez', NULL, 'ES')$$,
       $$INSERT INTO %s VALUES (' JOSE.PEREZ@gmail.com', 'José Pérez', NULL, NULL)$$,
       $$INSERT INTO %s VALUES ('Jose.Perez@Gmail.COM', NULL, '+34 612 34 56 78', NULL)$$,
       -- suppressed: another spelling of a suppressed Gmail address, a suppressed phone
       $$INSERT INTO %s VALUES ('NoContact+news@googlemail.com', 'Nadie', NULL, NULL)$$,
       $$INSERT INTO %s VALUES ('luis@example.org', 'Luis Gómez', '655 44 33 22', 'ES')$$,
       -- invalid phone: rejected
       $$INSERT INTO %s VALUES ('ana@example.com', 'ana ruiz', '12', 'ES')$$,
       $$INSERT INTO %s VALUES ('ana@example.com', 'ana ruiz', '699 88 77 66', 'ES')$$,
       -- an update through the trigger, normalized on the worker
       $$UPDATE %s SET phone = '611 22 33 44', full_name = 'ANA  RUIZ' WHERE email = 'Ana@Example.com'$$
     ]) WITH ORDINALITY s(s, n);
SELECT n, what FROM public.entry_outcome WHERE tbl = 'crm.customers' ORDER BY n;
-- the same outcome on the local table, statement by statement
SELECT count(*) AS differences FROM public.entry_outcome d JOIN public.entry_outcome l USING (n)
WHERE d.tbl = 'crm.customers' AND l.tbl = 'crm.customers_local'
  AND d.what IS DISTINCT FROM replace(l.what, 'customers_local', 'customers');
SELECT * FROM crm.customers ORDER BY email;
SELECT count(*) AS differences FROM (
  (TABLE crm.customers EXCEPT ALL TABLE crm.customers_local)
  UNION ALL (TABLE crm.customers_local EXCEPT ALL TABLE crm.customers)) x;
-- COPY goes through the trigger in each shard too
COPY crm.customers (email, full_name, phone, country) FROM stdin;
maria.lopez@example.com	maría  LÓPEZ	55 1234 5678	MX
Pedro@Example.com	pedro sánchez	600 11 22 33	ES
\.
COPY crm.customers (email, full_name) FROM stdin;
JOSE.PEREZ@GMAIL.COM	Copia
\.
SELECT email, full_name, phone FROM crm.customers WHERE email IN ('pedro@example.com', 'maria.lopez@example.com')
ORDER BY 1;
RESET ROLE;

-- a change of configuration reaches the workers' sessions at their next
-- transaction: invalid values now flagged, not rejected, and a duplicate
-- fills what the row it duplicates lacks
SET ROLE citus_crm;
SELECT contacts.configure('crm.customers', 'email',
    '{"email": "email", "full_name": "full_name", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_invalid => 'flag', on_duplicate => 'update', duplicate_keys => '{email}',
    flag_column => 'flags');
SET ROLE citus_app;
INSERT INTO crm.customers VALUES ('eva@example.com', 'eva martín', '12', NULL);
INSERT INTO crm.customers VALUES ('EVA@example.com', 'Eva', '+34 622 33 44 55', 'ES');
SELECT email, full_name, phone, country, flags FROM crm.customers WHERE email = 'eva@example.com';
RESET ROLE;

-- a merged-away address is an alternate of its survivor, on another shard:
-- found through the copy of contacts.alternate
SET ROLE citus_crm;
SELECT contacts.configure('crm.customers', 'email',
    '{"email": "email", "full_name": "full_name", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email}');
GRANT SELECT, UPDATE, DELETE ON crm.customers TO citus_app;
SET ROLE citus_app;
SELECT contacts.merge('crm.customers', 'ana@example.com'::contacts.email,
                      ARRAY['ana@example.com', 'pedro@example.com']::contacts.email[]) AS merge_id \gset
INSERT INTO crm.customers VALUES ('PEDRO@example.com', 'Pedro', NULL, NULL);
-- unmerge as this role is refused: the alternate's copy is removed over the
-- extension owner's connections to the workers, and the restored row's
-- trigger, on this role's connection, does not see that yet
SELECT contacts.unmerge(:merge_id);
RESET ROLE;
-- as the extension's owner, it runs
SELECT contacts.unmerge(:merge_id);
SELECT email, full_name FROM crm.customers WHERE email IN ('ana@example.com', 'pedro@example.com') ORDER BY 1;

-- what the trigger cannot do in a shard is refused before any row is written
SET ROLE citus_crm;
CREATE TABLE crm.people (id bigint PRIMARY KEY, email text, full_name text);
SELECT create_distributed_table('crm.people', 'id');
CREATE TRIGGER people_enforce BEFORE INSERT OR UPDATE ON crm.people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO crm.people VALUES (1, 'ana@example.com', 'Ana');
-- a duplicate key other than the distribution column
SELECT contacts.configure('crm.people', 'id', '{"email": "email", "full_name": "full_name"}',
    on_duplicate => 'reject', duplicate_keys => '{email}');
INSERT INTO crm.people VALUES (1, 'ana@example.com', 'Ana');
-- likely duplicates and bounces need the coordinator
SELECT contacts.configure('crm.people', 'id', '{"email": "email", "full_name": "full_name"}',
    on_duplicate => 'reject', fuzzy_duplicates => true);
INSERT INTO crm.people VALUES (1, 'ana@example.com', 'Ana');
SELECT contacts.configure('crm.people', 'id', '{"email": "email", "full_name": "full_name"}',
    on_undeliverable => 'reject');
INSERT INTO crm.people VALUES (1, 'ana@example.com', 'Ana');
-- without them, it runs
SELECT contacts.configure('crm.people', 'id', '{"email": "email", "full_name": "full_name"}');
INSERT INTO crm.people VALUES (1, 'Ana@Example.com ', 'ANA  ruiz');
SELECT * FROM crm.people;
-- a text distribution column is never rewritten after Citus routed the row
CREATE TABLE crm.leads (email text PRIMARY KEY, full_name text);
SELECT create_distributed_table('crm.leads', 'email');
SELECT contacts.configure('crm.leads', 'email', '{"email": "email", "full_name": "full_name"}',
    on_duplicate => 'reject', duplicate_keys => '{email}');
CREATE TRIGGER leads_enforce BEFORE INSERT OR UPDATE ON crm.leads
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO crm.leads VALUES (' Ana@Example.COM', 'Ana');
-- normalized already, it is in; a key other than the value is refused
INSERT INTO crm.leads VALUES ('ana@example.com', 'Ana');
INSERT INTO crm.leads VALUES ('Luis@example.com', 'Luis');
SELECT * FROM crm.leads;
RESET ROLE;

-- the suppression list's copy follows the list
SELECT contacts.suppress('email', 'pablo@example.com');
SET ROLE citus_app;
INSERT INTO crm.customers VALUES ('Pablo@example.com', 'Pablo', NULL, NULL);
RESET ROLE;
DELETE FROM contacts.suppression WHERE reason IS NULL;
SET ROLE citus_app;
INSERT INTO crm.customers VALUES ('Pablo@example.com', 'Pablo', NULL, NULL);
RESET ROLE;

DROP SCHEMA crm CASCADE;
DROP TABLE public.entry_outcome;
DROP FUNCTION public.entry_try(text, int, text);
DELETE FROM contacts.suppression;
SELECT result AS copies_left FROM run_command_on_workers(
  $$SELECT (SELECT count(*) FROM contacts.citus_entry_config WHERE tbl_name LIKE 'crm.%')
         + (SELECT count(*) FROM contacts.citus_suppression)$$);
DROP ROLE citus_app;
DROP ROLE citus_crm;

-- DROP EXTENSION takes the copies' shards with it, on every node (Citus
-- would leave the shards of tables dropped with their extension), and the
-- extension comes back on every node
SELECT count(*) AS copies_distributed FROM pg_dist_partition WHERE logicalrelid::text LIKE '%citus\_%';
DROP EXTENSION contacts;
SELECT count(*) AS shards_left FROM pg_dist_shard;
SELECT result AS tables_left FROM run_command_on_all_nodes(
  $$SELECT count(*) FROM pg_class WHERE relname LIKE 'citus\_%' AND relkind = 'r'$$);
CREATE EXTENSION contacts;
SELECT result AS version FROM run_command_on_all_nodes(
  $$SELECT extversion FROM pg_extension WHERE extname = 'contacts'$$);
