
-- ---------------------------------------------------------------------------
-- Stale contacts: archived (restorable), not deleted
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.archive (
    archive_id  bigserial PRIMARY KEY,
    tbl         regclass NOT NULL,
    key         text NOT NULL,
    row_image   jsonb NOT NULL,
    reason      text,
    archived_by name NOT NULL DEFAULT CURRENT_USER,
    archived_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX archive_tbl_key_idx ON @extschema@.archive (tbl, key);
CREATE INDEX archive_tbl_at_idx ON @extschema@.archive (tbl, archived_at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.archive', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.archive_archive_id_seq', '');

COMMENT ON TABLE @extschema@.archive IS
'Rows archived out of contact tables (stale contacts): the table, the row''s key (its key column as text), the whole row as to_jsonb, why, who archived it and when; restore_archived() puts a row back exactly';

-- Whether a row is stale, as an SQL expression over the row alias, for
-- archive_stale() and cleaning: neither its updated-at nor its activity
-- column is later than as_of - stale_after.  NULL when the table has no rule.
CREATE FUNCTION @extschema@.stale_condition_sql(tbl regclass, row_alias text, as_of timestamptz)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT format('greatest(%s) < %L::timestamptz',
              concat_ws(', ', CASE WHEN c.updated_at_column IS NOT NULL
                                   THEN format('%I.%I', row_alias, c.updated_at_column) END,
                              CASE WHEN c.activity_column IS NOT NULL
                                   THEN format('%I.%I', row_alias, c.activity_column) END),
              as_of - c.stale_after)
  FROM @extschema@.table_config c
 WHERE c.tbl = stale_condition_sql.tbl AND c.stale_after IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.stale_condition_sql(regclass, text, timestamp with time zone) IS
'SQL expression, over the row alias row_alias of tbl, true when the row is stale at as_of: neither its updated-at nor its activity column (configure(stale_after, activity_column)) is later than as_of - stale_after (a row with neither set is not stale); NULL when tbl has no staleness rule; used by archive_stale() and cleaning';

-- Rows of other tables that reference a row of tbl, as an SQL condition
-- over the row alias: such rows are not archived (their references would
-- dangle, or a cascade would delete what no archive keeps).
CREATE FUNCTION @extschema@.referenced_condition_sql(tbl regclass, row_alias text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fk   record;
    cond text := '';
BEGIN
    FOR fk IN SELECT c.conrelid::regclass AS ref,
                     (SELECT string_agg(format('r.%I', a.attname), ', ' ORDER BY k.i)
                        FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS ref_cols,
                     (SELECT string_agg(format('%I.%I', row_alias, a.attname), ', ' ORDER BY k.i)
                        FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS own_cols
                FROM pg_constraint c
               WHERE c.confrelid = tbl AND c.contype = 'f'
               ORDER BY c.conrelid, c.conname LOOP
        PERFORM @extschema@.require_privileges(fk.ref, 'SELECT', 'check references to archived rows in');
        cond := cond || format(' OR EXISTS (SELECT 1 FROM %s r WHERE ROW(%s) = ROW(%s))',
                               fk.ref, fk.ref_cols, fk.own_cols);
    END LOOP;
    RETURN CASE WHEN cond = '' THEN 'false' ELSE '(' || substr(cond, 5) || ')' END;
END;
$$;

COMMENT ON FUNCTION @extschema@.referenced_condition_sql(regclass, text) IS
'SQL condition, over the row alias row_alias of tbl, true when a row of another table references the row by a foreign key; false when nothing references tbl; checks that the caller may read every referencing table; used by archiving';

CREATE FUNCTION @extschema@.archive_rows(tbl regclass, keys text[], reason text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg     @extschema@.table_config;
    keytype text;
    ref     text;
    n       bigint;
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'SELECT, UPDATE, DELETE', 'archive rows of');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = archive_rows.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO keytype
      FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = cfg.key_column;
    -- The rows are locked first: a transaction about to reference one of
    -- them waits for this one (or this one for it, and then sees its row),
    -- so no reference appears between the check and the delete, where an
    -- ON DELETE CASCADE or SET NULL would silently follow it.
    EXECUTE format('SELECT count(*) FROM (SELECT FROM %1$s t WHERE t.%2$I = ANY ($1::%3$s[]) FOR UPDATE) l',
                   tbl, cfg.key_column, keytype) USING keys;
    EXECUTE format('SELECT min(t.%1$I::text) FROM %2$s t WHERE t.%1$I = ANY ($1::%3$s[]) AND %4$s',
                   cfg.key_column, tbl, keytype, @extschema@.referenced_condition_sql(tbl, 't'))
       INTO ref USING keys;
    IF ref IS NOT NULL THEN
        RAISE EXCEPTION 'cannot archive row % = % of table %: other rows reference it', cfg.key_column, ref, tbl
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Archive or repoint the referencing rows first (contacts.merge() repoints them), or leave this row.';
    END IF;
    EXECUTE format('WITH gone AS (DELETE FROM %1$s t WHERE t.%2$I = ANY ($1::%3$s[]) RETURNING t.*) '
                   'INSERT INTO @extschema@.archive (tbl, key, row_image, reason) '
                   'SELECT %4$L, g.%2$I::text, to_jsonb(g), $2 FROM gone g',
                   tbl, cfg.key_column, keytype, tbl)
       USING keys, reason;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;

COMMENT ON FUNCTION @extschema@.archive_rows(regclass, text[], text) IS
'Move the rows of a configured table whose keys are given into contacts.archive (the whole row as jsonb, with a reason) and delete them; refuses (23503) when another table references one of them; for roles with SELECT, UPDATE (to lock them) and DELETE on the table; returns how many rows were archived';

CREATE FUNCTION @extschema@.archive_stale(tbl regclass, dry_run boolean DEFAULT false,
                                          as_of timestamptz DEFAULT now(),
                                          reason text DEFAULT 'stale',
                                          OUT stale bigint, OUT archived bigint, OUT referenced bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg   @extschema@.table_config;
    cond  text;
    keys  text[];
BEGIN
    PERFORM @extschema@.require_privileges(tbl,
        CASE WHEN dry_run THEN 'SELECT' ELSE 'SELECT, UPDATE, DELETE' END, 'archive stale rows of');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = archive_stale.tbl;
    cond := @extschema@.stale_condition_sql(tbl, 't', as_of);
    IF cond IS NULL THEN
        RAISE EXCEPTION 'table % has no staleness rule', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Configure it with contacts.configure(..., stale_after => ''2 years'', updated_at_column => ..., activity_column => ...).';
    END IF;
    -- Locked first, as archive_rows() does, so that a reference another
    -- transaction is making is waited for and seen here.
    IF NOT dry_run THEN
        EXECUTE format('SELECT count(*) FROM (SELECT FROM %s t WHERE %s FOR UPDATE) l', tbl, cond);
    END IF;
    -- Stale rows, and those of them another table references (kept).
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE r), '
                   '       array_agg(k ORDER BY k) FILTER (WHERE NOT r) '
                   '  FROM (SELECT t.%1$I::text AS k, %2$s AS r FROM %3$s t WHERE %4$s) s',
                   cfg.key_column, @extschema@.referenced_condition_sql(tbl, 't'), tbl, cond)
       INTO stale, referenced, keys;
    archived := 0;
    IF NOT dry_run AND keys IS NOT NULL THEN
        archived := @extschema@.archive_rows(tbl, keys, reason);
    END IF;
    IF referenced > 0 THEN
        RAISE NOTICE '% stale rows of % are referenced by other tables and were kept', referenced, tbl;
    END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@.archive_stale(regclass, boolean, timestamp with time zone, text) IS
'Archive the stale rows of a configured table (configure(stale_after, updated_at_column, activity_column)) at as_of into contacts.archive, keeping those other tables reference; dry_run only counts; returns how many rows were stale, archived and kept as referenced';

CREATE FUNCTION @extschema@.restore_archived(archive_id bigint)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    a       @extschema@.archive;
    cfg     @extschema@.table_config;
    cols    text;
    img     jsonb;
    want    jsonb;
BEGIN
    SELECT * INTO a FROM @extschema@.archive x WHERE x.archive_id = restore_archived.archive_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'archived row % does not exist', archive_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Archived rows are listed in contacts.archive (of the tables you may read).';
    END IF;
    PERFORM @extschema@.require_privileges(a.tbl, 'SELECT, INSERT', 'restore archived rows of');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = a.tbl;
    -- Every stored column the row had (generated ones are computed again).
    SELECT string_agg(quote_ident(t.attname), ', ' ORDER BY t.attnum) INTO cols
      FROM pg_attribute t
     WHERE t.attrelid = a.tbl AND t.attnum > 0 AND NOT t.attisdropped AND t.attgenerated = ''
       AND a.row_image ? t.attname;
    BEGIN
        EXECUTE format('INSERT INTO %1$s AS t (%2$s) OVERRIDING SYSTEM VALUE '
                       'SELECT %2$s FROM jsonb_populate_record(NULL::%1$s, $1) '
                       'RETURNING to_jsonb(t.*), to_jsonb(jsonb_populate_record(NULL::%1$s, $1))', a.tbl, cols)
           INTO img, want USING a.row_image;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'cannot restore row % = % of table %: %', cfg.key_column, a.key, a.tbl, SQLERRM
            USING ERRCODE = 'unique_violation',
                  HINT = 'A row with this key or value was entered since it was archived; merge or remove it first.';
    END;
    -- A trigger of the table that changed the row would make it another
    -- row.  (Both images are written in this session's time zone.)
    IF img IS DISTINCT FROM want THEN
        RAISE EXCEPTION 'cannot restore row % = % of table % exactly: the table''s triggers changed it', cfg.key_column, a.key, a.tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Archived: %s. Restored: %s.', want, img),
                  HINT = 'Disable the trigger for the restore, or restore the row by hand from contacts.archive.';
    END IF;
    DELETE FROM @extschema@.archive x WHERE x.archive_id = a.archive_id;
    RETURN a.key;
END;
$$;

COMMENT ON FUNCTION @extschema@.restore_archived(bigint) IS
'Put an archived row back into its table exactly as it was archived, and remove it from contacts.archive; refuses when its key or a unique value was taken since, or when a trigger of the table would change it; for roles with SELECT and INSERT on the table; returns the row''s key';

-- ---------------------------------------------------------------------------
-- Retention: how long the extension's logs keep what they keep
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.retention (
    tbl   regclass NOT NULL,
    log   text NOT NULL,
    keep  interval NOT NULL CHECK (keep >= interval '0'),
    PRIMARY KEY (tbl, log)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.retention', '');

COMMENT ON TABLE @extschema@.retention IS
'How long the extension keeps the logs of a contact table, per log (see retention_logs()); purge_expired() deletes what is older; a log without a row is kept forever';

-- What each log is: the relation whose rows purge_expired() deletes, the
-- contact table of a row and its time, as SQL over the row alias x.  One
-- log may span several relations; a new log table is one more row here.
CREATE FUNCTION @extschema@.retention_logs(OUT log text, OUT relation regclass, OUT tbl_sql text,
                                           OUT at_sql text, OUT description text)
RETURNS SETOF record
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
VALUES
    ('merge_log', '@extschema@.merge_log_row'::regclass, 'x.tbl',
     '(SELECT m.merged_at FROM @extschema@.merge_log m WHERE m.merge_id = x.merge_id)',
     'before-images of the rows a merge changed (merge_log_row); the merge record and the alternates it kept stay, and unmerge() refuses'),
    ('merge_log', '@extschema@.external_id_move'::regclass, 'x.tbl',
     '(SELECT m.merged_at FROM @extschema@.merge_log m WHERE m.merge_id = x.merge_id)',
     'external ids a merge moved (external_id_move), which only unmerge() needs'),
    ('import_reject', '@extschema@.import_reject'::regclass,
     '(SELECT r.target FROM @extschema@.import_run r WHERE r.import_id = x.import_id)',
     '(SELECT r.started_at FROM @extschema@.import_run r WHERE r.import_id = x.import_id)',
     'rows imports set aside, with their source data (import_reject); the runs'' counts stay'),
    ('import_run', '@extschema@.import_run'::regclass, 'x.target', 'x.started_at',
     'import runs (import_run) and their rejected rows'),
    ('feed_event', '@extschema@.feed_event'::regclass, 'x.tbl', 'x.at',
     'kept change feed events (feed_event), beside the feed''s own retention'),
    ('archive', '@extschema@.archive'::regclass, 'x.tbl', 'x.archived_at',
     'archived stale rows (archive): gone for good once purged'),
    ('clean_log', '@extschema@.clean_run'::regclass, 'x.tbl', 'coalesce(x.finished_at, x.started_at)',
     'clean runs and the before and after values they logged (clean_run, clean_change); undo_clean() of a purged run is impossible')
$$;

COMMENT ON FUNCTION @extschema@.retention_logs() IS
'The logs retention applies to: for each, the relation purge_expired() deletes from and SQL over its row x giving the contact table and the time of the row';

CREATE FUNCTION @extschema@.retention_configure(tbl regclass, log text, keep interval)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'set the retention of');
    IF NOT EXISTS (SELECT 1 FROM @extschema@.retention_logs() l WHERE l.log = retention_configure.log) THEN
        RAISE EXCEPTION 'unknown log "%"', log
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = format('Logs are %s.', (SELECT string_agg(DISTINCT l.log, ', ') FROM @extschema@.retention_logs() l));
    END IF;
    IF keep < interval '0' THEN
        RAISE EXCEPTION 'keep must not be negative'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF keep IS NULL THEN
        DELETE FROM @extschema@.retention r WHERE r.tbl = retention_configure.tbl AND r.log = retention_configure.log;
    ELSE
        INSERT INTO @extschema@.retention AS r (tbl, log, keep)
        VALUES (retention_configure.tbl, retention_configure.log, retention_configure.keep)
        ON CONFLICT ON CONSTRAINT retention_pkey DO UPDATE SET keep = EXCLUDED.keep;
    END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@.retention_configure(regclass, text, interval) IS
'Keep the log (see retention_logs()) of tbl for keep, after which purge_expired() deletes it; NULL keeps it forever; for the table''s owners';

CREATE FUNCTION @extschema@.purge_expired(as_of timestamptz DEFAULT now())
RETURNS TABLE (tbl regclass, log text, relation regclass, removed bigint)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r       record;
    skipped bigint;
BEGIN
    -- Purging is for the owners of each table (the DBA's cron job runs as
    -- one); other tables' retention is left for their owners.
    SELECT count(DISTINCT x.tbl) INTO skipped FROM @extschema@.retention x
     WHERE NOT coalesce(@extschema@.owns_table(x.tbl), false);
    FOR r IN SELECT x.tbl, x.log, x.keep, l.relation, l.tbl_sql, l.at_sql
               FROM @extschema@.retention x
               JOIN @extschema@.retention_logs() l ON l.log = x.log
              WHERE @extschema@.owns_table(x.tbl)
              ORDER BY x.tbl::oid, x.log, l.relation::oid LOOP
        EXECUTE format('DELETE FROM %s x WHERE %s = $1 AND %s < $2', r.relation, r.tbl_sql, r.at_sql)
           USING r.tbl, as_of - r.keep;
        GET DIAGNOSTICS removed = ROW_COUNT;
        tbl := r.tbl;
        log := r.log;
        relation := r.relation;
        RETURN NEXT;
    END LOOP;
    IF skipped > 0 THEN
        RAISE NOTICE 'purge_expired: % tables with a retention are not yours and were left', skipped
            USING HINT = 'Run it as the tables'' owner (or a role with the owners'' privileges).';
    END IF;
END;
$$;

COMMENT ON FUNCTION @extschema@.purge_expired(timestamp with time zone) IS
'Delete from every log of contacts.retention what is older than its table''s retention at as_of (merge before-images, import rejects and runs, kept change feed events, archived rows), for the tables the caller owns; returns how many rows went, per table, log and relation; run it from cron or pg_cron';
