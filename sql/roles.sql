-- Production roles: every entry point as the roles a production database
-- has.  ct_owner runs migrations and owns the table (not a superuser),
-- ct_app only INSERTs and UPDATEs, ct_reader only SELECTs, ct_stranger has
-- no rights on the table, ct_attacker may create objects in public, which
-- is on everyone's search_path.  Each action works for the roles that
-- should have it and fails with 42501 for the others.
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE ROLE ct_owner;
CREATE ROLE ct_app;
CREATE ROLE ct_reader;
CREATE ROLE ct_stranger;
CREATE ROLE ct_attacker;
CREATE SCHEMA app AUTHORIZATION ct_owner;
GRANT USAGE ON SCHEMA app TO ct_app, ct_reader, ct_stranger, ct_attacker;
-- as in clusters upgraded from before PostgreSQL 15
GRANT CREATE ON SCHEMA public TO PUBLIC;

-- What a statement gives each role: ok, or the SQLSTATE and message.
CREATE FUNCTION public.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The owner builds and configures the table without being a superuser.
SET ROLE ct_owner;
CREATE TABLE app.crm (
    code        varchar(40) PRIMARY KEY,
    full_name   text,
    email       text,
    phone       text,
    national_id varchar(20),
    flags       jsonb
);
SELECT contacts.configure('app.crm', 'code',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "national_id": "national_id"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email, national_id}');
CREATE TRIGGER crm_enforce BEFORE INSERT OR UPDATE ON app.crm
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
-- UPDATE ... WHERE reads the key: PostgreSQL asks SELECT on that column.
GRANT INSERT, UPDATE, SELECT (code) ON app.crm TO ct_app;
GRANT SELECT ON app.crm TO ct_reader;
RESET ROLE;

-- Only the owner configures.
SELECT r, public.try(format('SET ROLE %I; SELECT contacts.configure(''app.crm'', ''code'', ''{"email": "email"}'')', r))
  FROM unnest(ARRAY['ct_app', 'ct_reader', 'ct_stranger']) r;
RESET ROLE;

-- Everyone may use the types and the pure functions.
SET ROLE ct_stranger;
SELECT contacts.name_normalize('JOSE  perez'), 'ana@Gmail.com'::contacts.email,
       contacts.phone_parse('612 34 56 78', 'ES')::text, contacts.fold('Pérez');
RESET ROLE;

-- The application role writes through the trigger with INSERT and UPDATE
-- only: the configuration, the suppression list and the duplicate lookup
-- are read on its behalf.
SELECT contacts.suppress('email', 'gone@example.com', reason => 'asked to be forgotten');
SET ROLE ct_app;
INSERT INTO app.crm VALUES ('C1', 'JOSE  perez', 'Jose@Example.com', '612 34 56 78', '12345678Z');
SELECT public.try($$INSERT INTO app.crm VALUES ('C2', 'ana', 'JOSE@example.com', NULL, NULL)$$);
SELECT public.try($$INSERT INTO app.crm VALUES ('C3', 'ana', 'ana@example', NULL, NULL)$$);
SELECT public.try($$INSERT INTO app.crm VALUES ('C4', 'ana', 'Gone@Example.com', NULL, NULL)$$);
SELECT public.try($$INSERT INTO app.crm VALUES ('C5', 'eva', NULL, NULL, '12345678-z')$$);
INSERT INTO app.crm VALUES ('C6', 'ana LÓPEZ', 'ana@example.com', '+34 699 000 222', NULL);
UPDATE app.crm SET full_name = 'ana  lópez garcía' WHERE code = 'C6';
-- ... but it cannot read what the extension keeps.
SELECT t, public.try(format('SELECT count(*) FROM contacts.%I', t))
  FROM unnest(ARRAY['suppression_key', 'suppression']) t;
SELECT public.try($$SELECT contacts.suppression_digest('email', 'gone@example.com')$$);
-- (the table or the digest refuses first, depending on the server version)
SELECT split_part(public.try($$SELECT contacts.is_suppressed('email', 'gone@example.com')$$), ':', 1);
RESET ROLE;
SELECT code, full_name, email, phone, national_id FROM app.crm ORDER BY code;

-- The key cached by a superuser's call is not the next role's to use.
SELECT length(contacts.suppression_digest('email', 'x@example.com'));
SET ROLE ct_app;
SELECT public.try($$SELECT contacts.suppression_digest('email', 'x@example.com')$$);
RESET ROLE;

-- The search_path attack: ct_attacker defines = for varchar in public.  A
-- superuser writing with public first on its path must not run it, in the
-- trigger's duplicate lookups (varchar key and duplicate-key columns) or
-- anywhere else.
SET ROLE ct_attacker;
CREATE FUNCTION public.captured_eq(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'operator captured, running as %', current_user;
    BEGIN
        EXECUTE 'ALTER ROLE ct_attacker SUPERUSER';
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    RETURN $1::text = $2::text;
END
$$;
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.captured_eq);
RESET ROLE;
SET search_path = public, pg_catalog;
INSERT INTO app.crm VALUES ('C7', 'luis', 'luis@example.com', NULL, '87654321X');
SELECT try($$INSERT INTO app.crm VALUES ('C8', 'luis', 'other@example.com', NULL, '87654321x')$$);
-- (the statement's own operators are its author's to qualify)
UPDATE app.crm SET full_name = 'LUIS  martín' WHERE code OPERATOR(pg_catalog.=) 'C7';
SELECT staged FROM contacts.import('app.crm', 'app.crm', '{"email": "email", "national_id": "national_id"}',
                                   duplicate_key => 'national_id', dry_run => true);
SELECT check_name, column_name, affected FROM contacts.health('app.crm') ORDER BY 1, 2;
RESET search_path;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'ct_attacker';
DROP OPERATOR public.= (varchar, varchar);
DROP FUNCTION public.captured_eq(varchar, varchar);

-- Imports: the importer needs SELECT on the staging table and SELECT and
-- INSERT (and UPDATE to update) on the target; never the suppression list.
SET ROLE ct_owner;
CREATE TABLE app.sheet (nombre text, correo text, movil text);
INSERT INTO app.sheet VALUES ('marta ruiz', 'marta@example.com', '611 22 33 44'),
                             ('otra', 'GONE@example.com', NULL),
                             ('mal', 'not-an-email', NULL),
                             ('jose', 'jose@example.com', NULL);
SELECT staged, inserted, kept, rejected, suppressed
  FROM contacts.import('app.sheet', 'app.crm',
                       '{"code": "correo", "full_name": "nombre", "email": "correo", "phone": "movil"}',
                       duplicate_key => 'email');
GRANT SELECT ON app.sheet TO ct_app, ct_reader;
RESET ROLE;
SELECT r, public.try(format('SET ROLE %I; SELECT contacts.import(''app.sheet'', ''app.crm'', ''{"email": "correo"}'')', r))
  FROM unnest(ARRAY['ct_app', 'ct_reader', 'ct_stranger']) r;
RESET ROLE;
SELECT r, public.try(format('SET ROLE %I; SELECT contacts.suppression_match(''app.crm'', ''email'', ''gone@example.com'')', r))
  FROM unnest(ARRAY['ct_owner', 'ct_app', 'ct_reader', 'ct_stranger']) r;
RESET ROLE;

-- Health is for those who may read the table.
SELECT r, public.try(format('SET ROLE %I; SELECT count(*) FROM contacts.health(''app.crm'')', r))
  FROM unnest(ARRAY['ct_owner', 'ct_reader', 'ct_app', 'ct_stranger']) r;
RESET ROLE;

-- Merges: the owner merges without being a superuser; the log is visible to
-- the roles that may read the table, and to nobody else.
SET ROLE ct_owner;
SELECT contacts.merge('app.crm', 'C6'::varchar, ARRAY['C6', 'marta@example.com']::varchar[],
                      reason => 'same person') AS merge_id \gset
RESET ROLE;
SELECT r, public.try(format('SET ROLE %I; SELECT contacts.merge(''app.crm'', ''C1''::varchar, ARRAY[''C1'', ''C7'']::varchar[])', r))
  FROM unnest(ARRAY['ct_app', 'ct_reader', 'ct_stranger']) r;
RESET ROLE;
SET ROLE ct_owner;
SELECT (SELECT count(*) FROM contacts.merge_log) AS merges, (SELECT count(*) FROM contacts.merge_log_row) AS logged_rows;
-- Alternates: the merge kept marta's email and phone for C6, under the
-- alternates' row security.  The application role, which may not read the
-- table, is refused the returning address by the trigger and told the
-- survivor by duplicate_of(), but may not read or remove alternates;
-- readers see them, strangers do not.
SELECT survivor, kind, value FROM contacts.alternate ORDER BY kind, value;
SET ROLE ct_app;
SELECT public.try($$INSERT INTO app.crm VALUES ('C11', 'marta', 'MARTA@example.com', NULL, NULL)$$);
SELECT contacts.duplicate_of('app.crm', 'email', 'marta@EXAMPLE.com');
SELECT count(*) AS alternates_seen_by_app FROM contacts.alternate;
WITH d AS (DELETE FROM contacts.alternate RETURNING 1) SELECT count(*) AS alternates_deleted_by_app FROM d;
SELECT public.try($$INSERT INTO contacts.alternate VALUES ('app.crm', 'C1', 'email', 'x@example.com', 1)$$) AS app_adds_alternate;
SET ROLE ct_stranger;
SELECT count(*) AS alternates_seen_by_stranger FROM contacts.alternate;
SELECT public.try($$SELECT contacts.duplicate_of('app.crm', 'email', 'marta@example.com')$$) AS stranger_looks_up;
SET ROLE ct_reader;
SELECT count(*) AS alternates_seen_by_reader FROM contacts.alternate;
SELECT key, kind, value FROM contacts.alternates('app.crm') ORDER BY 2, 3;
SELECT count(*) AS merges_seen_by_reader FROM contacts.merge_log WHERE tbl = 'app.crm'::regclass;
SELECT public.try($$INSERT INTO contacts.merge_log (tbl, survivor, members, rules) VALUES ('app.crm', '1', '[]', '{}')$$);
SET ROLE ct_stranger;
SELECT count(*) AS merges_seen_by_stranger FROM contacts.merge_log;
SELECT count(*) AS logged_rows_seen_by_stranger FROM contacts.merge_log_row;
SELECT count(*) AS configs_seen_by_stranger FROM contacts.table_config;
SELECT count(*) AS imports_seen_by_stranger FROM contacts.import_run;
SELECT count(*) AS rejects_seen_by_stranger FROM contacts.import_reject;
SELECT public.try($$UPDATE contacts.table_config SET on_duplicate = 'allow'$$) AS stranger_edits_config;
SELECT public.try($$DELETE FROM contacts.column_kind$$) AS stranger_deletes_kinds;
SET ROLE ct_reader;
SELECT count(*) AS configs_seen_by_reader FROM contacts.table_config;
SELECT count(*) AS rejects_seen_by_reader FROM contacts.import_reject;
SELECT public.try($$UPDATE contacts.table_config SET on_duplicate = 'allow' WHERE tbl = 'app.crm'::regclass$$) AS reader_edits_config;
RESET ROLE;
SELECT on_duplicate, (SELECT count(*) FROM contacts.column_kind k WHERE k.tbl = c.tbl) AS kinds
  FROM contacts.table_config c WHERE tbl = 'app.crm'::regclass;
SELECT r, regexp_replace(public.try(format('SET ROLE %I; SELECT contacts.unmerge(%s)', r, :merge_id)), 'merge \d+', 'merge N')
  FROM unnest(ARRAY['ct_app', 'ct_reader', 'ct_stranger']) r;
RESET ROLE;
SET ROLE ct_owner;
SELECT contacts.unmerge(:merge_id);
SELECT unmerged_by FROM contacts.merge_log WHERE merge_id = :merge_id;
SELECT count(*) AS alternates_after_unmerge FROM contacts.alternate;
RESET ROLE;

-- Batch merges: the owner runs them; the batch is visible to readers of
-- the table, not to strangers.
SET ROLE ct_owner;
INSERT INTO app.crm VALUES ('C9', 'eva  ruiz', 'eva@example.com', NULL, NULL),
                           ('C10', 'EVA RUIZ', NULL, '+34 600 111 222', NULL);
CALL contacts.merge_clusters('app.crm',
    $$SELECT 1 AS cluster_id, code AS member_key FROM app.crm WHERE code IN ('C9', 'C10')$$,
    batch_name => 'eva');
SELECT code, full_name, email, phone FROM app.crm WHERE code IN ('C9', 'C10');
SET ROLE ct_reader;
SELECT b.batch_name, b.finished_at IS NOT NULL AS finished, c.merge_id IS NOT NULL AS merged, c.error
  FROM contacts.merge_batch b JOIN contacts.merge_batch_cluster c USING (batch_name);
SET ROLE ct_stranger;
SELECT (SELECT count(*) FROM contacts.merge_batch) AS batches_seen_by_stranger,
       (SELECT count(*) FROM contacts.merge_batch_cluster) AS clusters_seen_by_stranger;
SELECT public.try($$CALL contacts.merge_clusters('app.crm', 'SELECT 1 AS cluster_id, ''C1'' AS member_key')$$);
RESET ROLE;

-- DROP works for every role as before the extension was installed, and a
-- dropped table takes its configuration along.
SET ROLE ct_stranger;
CREATE TEMP TABLE scratch (id int);
CREATE INDEX ON scratch (id);
ALTER TABLE scratch ADD COLUMN note text;
ALTER TABLE scratch DROP COLUMN note;
DROP INDEX scratch_id_idx;
DROP TABLE scratch;
CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP FUNCTION pg_temp.f();
RESET ROLE;
SET ROLE ct_owner;
CREATE TABLE app.leads (id int PRIMARY KEY, email text);
SELECT contacts.configure('app.leads', 'id', '{"email": "email"}');
SELECT contacts.merge_configure('app.leads', '{"email": "first_valid"}');
DROP TABLE app.leads;
RESET ROLE;
SELECT (SELECT count(*) FROM contacts.table_config WHERE tbl::oid NOT IN (SELECT oid FROM pg_class)) AS orphan_configs,
       (SELECT count(*) FROM contacts.merge_config WHERE tbl::oid NOT IN (SELECT oid FROM pg_class)) AS orphan_merge_configs;

-- Clean up the roles (they are cluster-wide).
DROP FUNCTION public.try(text);
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
DROP SCHEMA app CASCADE;
DELETE FROM contacts.suppression;
DROP OWNED BY ct_owner, ct_app, ct_reader, ct_stranger, ct_attacker;
DROP ROLE ct_owner, ct_app, ct_reader, ct_stranger, ct_attacker;
