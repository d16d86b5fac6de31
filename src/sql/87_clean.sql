
-- ---------------------------------------------------------------------------
-- Cleaning a table's existing rows: batched, logged, undoable
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.clean_run (
    run_id         bigserial PRIMARY KEY,
    tbl            regclass NOT NULL,
    last_key       text,
    rows_checked   bigint NOT NULL DEFAULT 0,
    rows_changed   bigint NOT NULL DEFAULT 0,
    values_changed bigint NOT NULL DEFAULT 0,
    values_flagged bigint NOT NULL DEFAULT 0,
    rows_rejected  bigint NOT NULL DEFAULT 0,
    duplicates     bigint NOT NULL DEFAULT 0,
    cleaned_by     name NOT NULL DEFAULT CURRENT_USER,
    started_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    undone_by      name,
    undone_at      timestamptz,
    erasure_id     bigint
);
CREATE INDEX clean_run_tbl_idx ON @extschema@.clean_run (tbl, run_id);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clean_run', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clean_run_run_id_seq', '');

COMMENT ON TABLE @extschema@.clean_run IS
'One row per contacts.clean() run: the table, the key of the last row of the last committed batch (where a resumed run continues), what it counted (rows checked and changed, values changed and flagged, rows left as they were because on_invalid = reject, normalized values another row already has), who ran it, when it finished, who undid it when, and the erasure (contacts.erasure) that removed a person''s logged values from it, after which it cannot be undone';

CREATE TABLE @extschema@.clean_change (
    run_id       bigint NOT NULL REFERENCES @extschema@.clean_run ON DELETE CASCADE,
    tbl          regclass NOT NULL,
    row_key      text NOT NULL,
    col          name NOT NULL,
    action       text NOT NULL
                 CHECK (action IN ('normalize', 'set_null', 'flag', 'reject', 'flags')),
    reason       text,
    before       text,
    after        text,
    duplicate_of text,
    PRIMARY KEY (run_id, col, row_key)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.clean_change', '');

COMMENT ON TABLE @extschema@.clean_change IS
'Every value a clean run changed or refused, by row key and column: normalize (rewritten in normal form), set_null (invalid, on_invalid = set_null), flag (invalid or missing, kept and flagged), reject (invalid or missing, the row left as it was: on_invalid = reject), flags (the flag column rewritten); reason is the check''s reason code, before and after are the values as text, duplicate_of the key of another row holding the normalized value''s duplicate key';

CREATE FUNCTION @extschema@.clean_batch(run_id bigint, batch_size integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_clean_batch'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.clean_batch(bigint, integer) IS
'One batch of contacts.clean(): normalize the configured columns of the next batch_size rows of the run''s table in key order, under its on_invalid policy, log every change in contacts.clean_change and move the run past them; returns the rows read (fewer than batch_size: the run is finished). Refuses inside a transaction block';

CREATE FUNCTION @extschema@.clean_preview(tbl regclass, examples integer DEFAULT 3)
RETURNS TABLE (column_name name, action text, reason text, rows bigint, duplicates bigint,
               examples text[])
AS 'MODULE_PATHNAME', 'contacts_clean_preview'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.clean_preview(regclass, integer) IS
'What contacts.clean() would do with the rows of tbl now, writing nothing: per column, action (normalize, set_null, flag, reject, flags) and reason, how many values, how many normalized values would duplicate another row''s key, and a few examples (key: before -> after)';

CREATE FUNCTION @extschema@.undo_clean(run_id bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_undo_clean'
LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.undo_clean(bigint) IS
'Restore every value a clean run changed, all or nothing, and mark the run undone; refuses, naming the row and column, when a value no longer holds what the run left (changed or deleted since). Returns the number of values restored';

-- A procedure that commits cannot carry a SET clause, so every name below is
-- schema-qualified instead of pinning search_path.
CREATE PROCEDURE @extschema@.clean(tbl regclass,
                                   batch_size integer DEFAULT 1000,
                                   dry_run boolean DEFAULT false,
                                   INOUT run_id bigint DEFAULT NULL,
                                   archive_stale_at timestamptz DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    v_run     @extschema@.clean_run;
    v_total   bigint;
    v_read    integer;
    v_started timestamptz := pg_catalog.clock_timestamp();
    v_count   record;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION 'table to clean must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'dry_run must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF dry_run THEN
        FOR v_count IN SELECT * FROM @extschema@.clean_preview(tbl) LOOP
            RAISE NOTICE 'would % % value(s) of column % (%)%: %',
                CASE v_count.action WHEN 'set_null' THEN 'set NULL' WHEN 'reject' THEN 'leave the rows of'
                                    WHEN 'flags' THEN 'rewrite' ELSE v_count.action END,
                v_count.rows, v_count.column_name, COALESCE(v_count.reason, 'not in normal form'),
                CASE WHEN v_count.duplicates OPERATOR(pg_catalog.>) 0
                     THEN pg_catalog.format(', %s duplicating another row', v_count.duplicates) ELSE '' END,
                pg_catalog.array_to_string(v_count.examples, '; ');
        END LOOP;
        IF archive_stale_at IS NOT NULL THEN
            SELECT * INTO v_count FROM @extschema@.archive_stale(tbl, dry_run => true, as_of => archive_stale_at);
            RAISE NOTICE 'would archive % stale row(s), keeping % that other tables reference',
                v_count.stale OPERATOR(pg_catalog.-) v_count.referenced, v_count.referenced;
        END IF;
        RETURN;
    END IF;
    PERFORM @extschema@.require_privileges(tbl, 'SELECT, UPDATE', 'clean');

    IF run_id IS NULL THEN
        -- an unfinished run of the table is resumed
        SELECT * INTO v_run FROM @extschema@.clean_run r
         WHERE r.tbl OPERATOR(pg_catalog.=) clean.tbl AND r.finished_at IS NULL AND r.undone_at IS NULL
         ORDER BY r.run_id DESC LIMIT 1;
        IF v_run.run_id IS NULL THEN
            INSERT INTO @extschema@.clean_run AS r (tbl) VALUES (clean.tbl) RETURNING * INTO v_run;
        ELSE
            RAISE NOTICE 'resuming clean run % of %', v_run.run_id, tbl;
        END IF;
        run_id := v_run.run_id;
    ELSE
        SELECT * INTO v_run FROM @extschema@.clean_run r WHERE r.run_id OPERATOR(pg_catalog.=) clean.run_id;
        IF v_run.run_id IS NULL OR v_run.tbl OPERATOR(pg_catalog.<>) tbl THEN
            RAISE EXCEPTION 'clean run % of table % does not exist', run_id, tbl
                USING ERRCODE = 'undefined_object',
                      HINT = 'Runs of the tables you may read are listed in contacts.clean_run.';
        END IF;
    END IF;

    EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', tbl) INTO v_total;
    LOOP
        v_read := @extschema@.clean_batch(run_id, batch_size);
        COMMIT;
        SELECT * INTO v_run FROM @extschema@.clean_run r WHERE r.run_id OPERATOR(pg_catalog.=) clean.run_id;
        RAISE NOTICE 'clean run % of %: % of % rows checked, % changed (% values), % values flagged, % rows rejected',
            run_id, tbl, v_run.rows_checked, v_total, v_run.rows_changed, v_run.values_changed,
            v_run.values_flagged, v_run.rows_rejected
            USING DETAIL = pg_catalog.format('%s s so far',
                pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) v_started)::numeric, 1));
        EXIT WHEN v_run.finished_at IS NOT NULL;
    END LOOP;
    IF v_run.duplicates OPERATOR(pg_catalog.>) 0 THEN
        RAISE NOTICE 'clean run %: % normalized values duplicate another row''s key', run_id, v_run.duplicates
            USING HINT = 'They are listed in contacts.clean_change (duplicate_of); contacts.dedupe_run() and contacts.merge() deal with duplicates.';
    END IF;
    -- then the contacts nobody has touched since the table's staleness rule
    IF archive_stale_at IS NOT NULL THEN
        SELECT * INTO v_count FROM @extschema@.archive_stale(tbl, as_of => archive_stale_at);
        RAISE NOTICE 'clean run %: % stale row(s) archived, % kept because other tables reference them',
            run_id, v_count.archived, v_count.referenced
            USING HINT = 'contacts.restore_archived(archive_id) puts one back; see contacts.archive.';
    END IF;
END
$$;

COMMENT ON PROCEDURE @extschema@.clean(regclass, integer, boolean, bigint, timestamp with time zone) IS
'Normalize every configured column of the existing rows of tbl by the entry trigger''s rules and the table''s on_invalid policy, batch_size rows at a time in key order with a commit after each batch and a progress notice; every change is logged in contacts.clean_change for contacts.undo_clean(run_id). An unfinished run of the table (or the run run_id) is resumed where its last batch ended. dry_run => true reports what would change (contacts.clean_preview) and writes nothing. archive_stale_at => now() then archives the rows stale at that time under the table''s staleness rule (contacts.archive_stale), restorably';
