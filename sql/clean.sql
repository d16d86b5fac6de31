-- contacts.clean(): the entry trigger's rules over a table's existing rows,
-- in batches, logged, undoable; its dry run; the on_invalid policies; undo
-- refusing (naming the row) what changed since; random round trips; roles.
\set VERBOSITY terse

-- A table filled before it was configured: nothing normalized it.
CREATE TABLE cl (
    id         int PRIMARY KEY,
    full_name  text,
    email      text,
    phone      text,
    born       date,
    country    text,
    flags      jsonb
);
INSERT INTO cl VALUES
    (1, 'JOSE  perez', 'Jose@EXAMPLE.com', '612 34 56 78', '1980-02-03', 'ES', NULL),
    (2, 'Ana López', 'ana@example.com', '+34612345679', NULL, 'ES', NULL),
    (3, 'eva', 'not-an-email', '123', '1850-01-01', 'ES', NULL),
    (4, 'luis gil', 'luis@example.com', '06 12 34 56 78', NULL, 'fr', NULL),
    (5, NULL, 'x@@example.com', '+34 612 345 680', NULL, NULL, NULL),
    (6, 'Marta Ruiz', 'marta@example.com', '+34612345681', NULL, 'ES', '{"invalid": {"email": "stale"}}');
CREATE TABLE cl_before AS SELECT * FROM cl;
SELECT contacts.configure('cl', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "born": "birth_date", "country": "country"}',
    default_region => 'ES', on_invalid => 'flag', flag_column => 'flags', required => '{full_name}');
CREATE TRIGGER cl_enforce BEFORE INSERT OR UPDATE ON cl
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();

-- The dry run: per column, action and reason, with examples; nothing written.
SELECT * FROM contacts.clean_preview('cl', 2) ORDER BY column_name, action, reason;
CALL contacts.clean('cl', dry_run => true);
SELECT count(*) AS runs FROM contacts.clean_run;
SELECT count(*) AS rows_changed FROM cl JOIN cl_before b USING (id) WHERE cl IS DISTINCT FROM b;

-- Inside a transaction block it cannot commit its batches: refused.
BEGIN;
CALL contacts.clean('cl');
ROLLBACK;
SELECT count(*) AS runs FROM contacts.clean_run;

-- The clean: two rows a batch, a notice a batch; stale flags go, as the
-- trigger drops them.
CALL contacts.clean('cl', batch_size => 2) \gset
SELECT * FROM cl ORDER BY id;
SELECT row_key, col, action, reason, before, after FROM contacts.clean_change
 WHERE run_id = :run_id ORDER BY row_key, col;
SELECT tbl, last_key, rows_checked, rows_changed, values_changed, values_flagged, rows_rejected,
       finished_at IS NOT NULL AS finished FROM contacts.clean_run;
-- Nothing is left to do: a second run changes nothing.
SET client_min_messages = warning;
CALL contacts.clean('cl') \gset second_
RESET client_min_messages;
SELECT rows_checked, rows_changed FROM contacts.clean_run WHERE run_id = :second_run_id;
-- The trigger still holds later writes to the standard.
UPDATE cl SET full_name = 'MARTA  ruiz' WHERE id = 6;
SELECT full_name FROM cl WHERE id = 6;
UPDATE cl SET full_name = 'Marta Ruiz' WHERE id = 6;

-- Undo refuses, naming the row, when a value changed since; nothing restored.
UPDATE cl SET full_name = 'Jose Pérez' WHERE id = 1;
SELECT contacts.undo_clean(:run_id);
SELECT full_name, email FROM cl WHERE id = 1;
DELETE FROM cl WHERE id = 4;
UPDATE cl SET full_name = 'Jose Perez' WHERE id = 1;
SELECT contacts.undo_clean(:run_id);
INSERT INTO cl SELECT * FROM cl_before WHERE id = 4;
UPDATE cl SET full_name = 'Luis Gil', phone = '+33612345678' WHERE id = 4;
-- Set back to what the run left, it restores exactly what it changed,
-- invalid values included (the trigger lets the restore through).
-- (the second run changed nothing: it has nothing to restore)
SELECT contacts.undo_clean(:second_run_id);
SELECT contacts.undo_clean(:run_id);
SELECT count(*) AS differing FROM cl JOIN cl_before b USING (id) WHERE cl IS DISTINCT FROM b;
SELECT contacts.undo_clean(:run_id);
SELECT undone_by = current_user AS by_me, undone_at IS NOT NULL AS undone FROM contacts.clean_run WHERE run_id = :run_id;
SELECT contacts.undo_clean(99);

-- A run stopped after one batch (as a cancel leaves it) is resumed by the
-- next call, from the last committed key.
INSERT INTO contacts.clean_run (tbl) VALUES ('cl') RETURNING run_id AS resumed \gset
SELECT contacts.clean_batch(:resumed, 4);
SELECT last_key, rows_checked, rows_changed, finished_at IS NULL AS unfinished
  FROM contacts.clean_run WHERE run_id = :resumed;
SELECT contacts.undo_clean(:resumed + 1);
CALL contacts.clean('cl', batch_size => 2) \gset
SELECT :run_id = :resumed AS same_run, last_key, rows_checked, rows_changed, finished_at IS NOT NULL AS finished
  FROM contacts.clean_run WHERE run_id = :resumed;
SELECT count(DISTINCT row_key) AS rows_logged FROM contacts.clean_change
 WHERE run_id = :resumed AND action <> 'flag';
-- ... and by run_id; a finished run has nothing left to do.
CALL contacts.clean('cl', run_id => :resumed);
CALL contacts.clean('cl', run_id => :resumed + 1);
SELECT contacts.undo_clean(:resumed);
SELECT count(*) AS differing FROM cl JOIN cl_before b USING (id) WHERE cl IS DISTINCT FROM b;

-- on_invalid = set_null: the invalid values go, logged with their reason;
-- undo brings them back.
SELECT contacts.configure('cl', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "born": "birth_date", "country": "country"}',
    default_region => 'ES', on_invalid => 'set_null', flag_column => 'flags');
SET client_min_messages = warning;
CALL contacts.clean('cl') \gset
RESET client_min_messages;
SELECT id, email, phone, born, flags FROM cl WHERE id IN (3, 5) ORDER BY id;
SELECT row_key, col, action, reason, before, after FROM contacts.clean_change
 WHERE run_id = :run_id AND action <> 'normalize' ORDER BY row_key, col;
SELECT contacts.undo_clean(:run_id) > 0 AS restored;
SELECT count(*) AS differing FROM cl JOIN cl_before b USING (id) WHERE cl IS DISTINCT FROM b;

-- on_invalid = reject: a row with an invalid value is left as it is, and
-- why is recorded; the others are cleaned.
SELECT contacts.configure('cl', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_invalid => 'reject');
SET client_min_messages = warning;
CALL contacts.clean('cl') \gset
RESET client_min_messages;
SELECT id, full_name, email, phone FROM cl ORDER BY id;
SELECT row_key, col, action, reason, before FROM contacts.clean_change
 WHERE run_id = :run_id AND action = 'reject' ORDER BY row_key, col;
SELECT rows_rejected FROM contacts.clean_run WHERE run_id = :run_id;
SELECT contacts.undo_clean(:run_id) > 0 AS restored;
SELECT count(*) AS differing FROM cl JOIN cl_before b USING (id) WHERE cl IS DISTINCT FROM b;

-- A normalized value that makes two rows duplicates is reported (and, with
-- on_duplicate = flag, flagged), never merged nor refused.
CREATE TABLE cd (id int PRIMARY KEY, phone text, flags jsonb);
INSERT INTO cd VALUES (1, '+34612345678', NULL), (2, '612 34 56 78', NULL), (3, '612 00 00 00', NULL);
SELECT contacts.configure('cd', 'id', '{"phone": "phone"}', default_region => 'ES',
    on_duplicate => 'flag', duplicate_keys => '{phone}', flag_column => 'flags');
CREATE TRIGGER cd_enforce BEFORE INSERT OR UPDATE ON cd FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT column_name, action, rows, duplicates FROM contacts.clean_preview('cd');
CALL contacts.clean('cd') \gset
SELECT * FROM cd ORDER BY id;
SELECT row_key, col, action, duplicate_of FROM contacts.clean_change WHERE run_id = :run_id ORDER BY row_key, col;
SELECT contacts.undo_clean(:run_id);
SELECT * FROM cd ORDER BY id;

-- Tables clean refuses: not configured, not a table.
CREATE TABLE cn (id int PRIMARY KEY, email text);
CALL contacts.clean('cn');
SELECT * FROM contacts.clean_preview('cn');
CALL contacts.clean(NULL);
CALL contacts.clean('cl', batch_size => 0);
CALL contacts.clean('cl', dry_run => NULL);
CALL contacts.clean('cd', run_id => :resumed);

-- Random round trips: messy rows, a clean, random writes by the application
-- (some to values the clean changed), an undo.  An undo refuses exactly when
-- a value the run changed no longer holds what it left, and then changes
-- nothing; once those are set back it restores every value the run changed
-- to its before-image and leaves every other value as the application left it.
CREATE TABLE cr (id int PRIMARY KEY, full_name text, email text, phone text);
SELECT setseed(0.23);
INSERT INTO cr
SELECT i,
       CASE WHEN random() < 0.3 THEN upper('name ' || i) ELSE 'Name ' || i END,
       CASE WHEN random() < 0.3 THEN 'P' || i || '@EXAMPLE.COM'
            WHEN random() < 0.1 THEN 'broken' || i ELSE 'p' || i || '@example.com' END,
       CASE WHEN random() < 0.3 THEN '612 ' || lpad(i::text, 6, '0') ELSE '+34612' || lpad(i::text, 6, '0') END
  FROM generate_series(1, 300) i;
SELECT contacts.configure('cr', 'id', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', on_invalid => 'flag');
CREATE TRIGGER cr_enforce BEFORE INSERT OR UPDATE ON cr FOR EACH ROW EXECUTE FUNCTION contacts.enforce();

CREATE TABLE round_result (round int, refused boolean, predicted boolean, restored_ok boolean, others_ok boolean);
CREATE PROCEDURE round_trip(round int) LANGUAGE plpgsql AS $$
DECLARE
    v_run bigint;
    v_conflicts int;
    v_refused boolean := false;
    v_restored_ok boolean;
    v_others_ok boolean;
BEGIN
    -- messy values come back between rounds (the trigger lets no messy value
    -- in, so they are written with it disabled)
    ALTER TABLE cr DISABLE TRIGGER cr_enforce;
    UPDATE cr SET full_name = upper(full_name) WHERE random() < 0.2;
    UPDATE cr SET phone = '612 ' || lpad(id::text, 6, '0') WHERE random() < 0.2;
    ALTER TABLE cr ENABLE TRIGGER cr_enforce;
    COMMIT;
    CALL contacts.clean('cr', batch_size => 37, run_id => v_run);
    -- the application writes: some to cleaned values, some elsewhere
    UPDATE cr SET full_name = 'Changed ' || id WHERE random() < 0.004;
    UPDATE cr SET email = 'new' || id || '@example.com' WHERE random() < 0.004;
    CREATE TEMP TABLE before_undo AS SELECT * FROM cr;
    SELECT count(*) INTO v_conflicts
      FROM contacts.clean_change c JOIN cr ON cr.id = c.row_key::int
     WHERE c.run_id = v_run AND c.action IN ('normalize', 'set_null')
       AND CASE c.col WHEN 'full_name' THEN cr.full_name WHEN 'email' THEN cr.email ELSE cr.phone END
           IS DISTINCT FROM c.after;
    BEGIN
        PERFORM contacts.undo_clean(v_run);
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        v_refused := true;
    END;
    IF v_refused THEN
        IF EXISTS (SELECT 1 FROM cr JOIN before_undo b USING (id) WHERE cr IS DISTINCT FROM b) THEN
            RAISE EXCEPTION 'round %: a refused undo changed the table', round;
        END IF;
        -- set the conflicting values back to what the run left, and undo
        UPDATE cr SET full_name = c.after FROM contacts.clean_change c
         WHERE c.run_id = v_run AND c.col = 'full_name' AND cr.id = c.row_key::int AND c.action = 'normalize';
        UPDATE cr SET email = c.after FROM contacts.clean_change c
         WHERE c.run_id = v_run AND c.col = 'email' AND cr.id = c.row_key::int AND c.action = 'normalize';
        DROP TABLE before_undo;
        CREATE TEMP TABLE before_undo AS SELECT * FROM cr;
        PERFORM contacts.undo_clean(v_run);
    END IF;
    -- every changed value is its before-image; every other value as it was
    SELECT bool_and(CASE c.col WHEN 'full_name' THEN cr.full_name WHEN 'email' THEN cr.email ELSE cr.phone END
                    IS NOT DISTINCT FROM c.before)
      INTO v_restored_ok
      FROM contacts.clean_change c JOIN cr ON cr.id = c.row_key::int
     WHERE c.run_id = v_run AND c.action IN ('normalize', 'set_null');
    SELECT NOT EXISTS (
        SELECT 1 FROM cr JOIN before_undo b USING (id)
         WHERE (NOT EXISTS (SELECT 1 FROM contacts.clean_change c WHERE c.run_id = v_run
                             AND c.row_key = cr.id::text AND c.col = 'full_name') AND cr.full_name IS DISTINCT FROM b.full_name)
            OR (NOT EXISTS (SELECT 1 FROM contacts.clean_change c WHERE c.run_id = v_run
                             AND c.row_key = cr.id::text AND c.col = 'email') AND cr.email IS DISTINCT FROM b.email)
            OR (NOT EXISTS (SELECT 1 FROM contacts.clean_change c WHERE c.run_id = v_run
                             AND c.row_key = cr.id::text AND c.col = 'phone') AND cr.phone IS DISTINCT FROM b.phone))
      INTO v_others_ok;
    DROP TABLE before_undo;
    INSERT INTO round_result VALUES (round, v_refused, v_conflicts > 0, v_restored_ok, v_others_ok);
    COMMIT;
END
$$;
SET client_min_messages = warning;
CALL round_trip(1);
CALL round_trip(2);
CALL round_trip(3);
CALL round_trip(4);
CALL round_trip(5);
RESET client_min_messages;
SELECT count(*) AS rounds, bool_and(refused = predicted) AS refusals_as_predicted,
       bool_or(refused) AS some_refused, bool_or(NOT refused) AS some_clean,
       bool_and(restored_ok) AS restored_ok, bool_and(others_ok) AS others_ok
  FROM round_result;

-- Roles: the owner and a role that may update the table clean and undo; a
-- reader previews and reads the log; a stranger does neither; nobody undoes
-- a run of a table they may not update.  An attacker's = for varchar in
-- public, first on a superuser's path, is never run.
SET client_min_messages = warning;
CREATE ROLE cl_owner;
CREATE ROLE cl_app;
CREATE ROLE cl_reader;
CREATE ROLE cl_stranger;
CREATE ROLE cl_attacker;
CREATE SCHEMA clapp AUTHORIZATION cl_owner;
GRANT USAGE ON SCHEMA clapp TO cl_app, cl_reader, cl_stranger, cl_attacker;
GRANT CREATE ON SCHEMA public TO cl_attacker;
CREATE FUNCTION public.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
RESET client_min_messages;
SET ROLE cl_owner;
CREATE TABLE clapp.crm (code varchar(10) PRIMARY KEY, full_name text, email text);
INSERT INTO clapp.crm VALUES ('A1', 'ANA  ruiz', 'Ana@EXAMPLE.com'), ('A2', 'Luis Gil', 'luis@example.com'),
                             ('A3', 'eva', 'Eva@Example.COM');
SELECT contacts.configure('clapp.crm', 'code', '{"full_name": "full_name", "email": "email"}');
CREATE TRIGGER crm_enforce BEFORE INSERT OR UPDATE ON clapp.crm
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
GRANT SELECT, UPDATE ON clapp.crm TO cl_app;
GRANT SELECT ON clapp.crm TO cl_reader;
RESET ROLE;

SELECT r, public.try(format('SET ROLE %I; SELECT count(*) FROM contacts.clean_preview(''clapp.crm'')', r))
  FROM unnest(ARRAY['cl_owner', 'cl_app', 'cl_reader', 'cl_stranger']) r;
RESET ROLE;
SET ROLE cl_reader;
CALL contacts.clean('clapp.crm');
INSERT INTO contacts.clean_run (tbl) VALUES ('clapp.crm');
RESET ROLE;
SET ROLE cl_stranger;
CALL contacts.clean('clapp.crm');
RESET ROLE;

-- The application role cleans (and a superuser with the attacker's operator
-- first on its path previews), the reader sees the log, the stranger not.
SET ROLE cl_attacker;
CREATE FUNCTION public.captured_eq(varchar, varchar) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE WARNING 'operator captured, running as %', current_user;
    BEGIN
        EXECUTE 'ALTER ROLE cl_attacker SUPERUSER';
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    RETURN $1::text = $2::text;
END
$$;
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.captured_eq);
CREATE OPERATOR public.> (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.captured_eq);
RESET ROLE;
SET search_path = public, pg_catalog;
SELECT column_name, action, rows FROM contacts.clean_preview('clapp.crm') ORDER BY 1, 2;
RESET search_path;
SET ROLE cl_app;
SET client_min_messages = warning;
CALL contacts.clean('clapp.crm', batch_size => 1) \gset
RESET client_min_messages;
RESET ROLE;
SELECT cleaned_by, rows_changed, values_changed FROM contacts.clean_run WHERE run_id = :run_id;
SELECT * FROM clapp.crm ORDER BY code;
SET ROLE cl_reader;
SELECT count(*) AS reader_sees FROM contacts.clean_change WHERE run_id = :run_id;
SELECT public.try(format('SELECT contacts.undo_clean(%s)', :run_id));
SELECT public.try(format('SELECT contacts.clean_batch(%s, 10)', :run_id));
RESET ROLE;
SET ROLE cl_stranger;
SELECT count(*) AS stranger_sees FROM contacts.clean_change WHERE run_id = :run_id;
SELECT public.try(format('SELECT contacts.undo_clean(%s)', :run_id));
RESET ROLE;
SET ROLE cl_app;
-- the log is written only by clean itself: not into a finished run
SELECT public.try(format($$INSERT INTO contacts.clean_change (run_id, tbl, row_key, col, action, before, after)
                           VALUES (%s, 'clapp.crm', 'A2', 'email', 'normalize', 'evil@example.com', 'luis@example.com')$$, :run_id));
RESET ROLE;
SET search_path = public, pg_catalog;
SET ROLE cl_app;
SELECT contacts.undo_clean(:run_id);
RESET ROLE;
RESET search_path;
SELECT * FROM clapp.crm ORDER BY code;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'cl_attacker';

-- Clean up the roles (they are cluster-wide).
SET client_min_messages = warning;
DROP OPERATOR public.= (varchar, varchar);
DROP OPERATOR public.> (varchar, varchar);
DROP FUNCTION public.captured_eq(varchar, varchar);
DROP FUNCTION public.try(text);
DROP SCHEMA clapp CASCADE;
DELETE FROM contacts.clean_run;
REVOKE CREATE ON SCHEMA public FROM cl_attacker;
DROP OWNED BY cl_owner, cl_app, cl_reader, cl_stranger, cl_attacker;
DROP ROLE cl_owner, cl_app, cl_reader, cl_stranger, cl_attacker;
DROP PROCEDURE round_trip(int);
DROP TABLE cl, cl_before, cd, cn, cr, round_result;
DELETE FROM contacts.clean_run;
