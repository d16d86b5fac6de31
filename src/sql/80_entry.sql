
-- ---------------------------------------------------------------------------
-- Entry standards: the enforcing trigger
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.enforce()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_enforce'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.enforce() IS
'BEFORE INSERT OR UPDATE row trigger: checks and normalizes the columns declared with contacts.configure(), and rejects, nulls or flags invalid values and duplicates as configured';

-- ---------------------------------------------------------------------------
-- Suppression list: people who must never be imported again
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.suppression_key (
    key bytea NOT NULL CHECK (length(key) >= 32)
);
-- 256 bits from gen_random_uuid(), which uses a strong random source.
INSERT INTO @extschema@.suppression_key
SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
                      || gen_random_uuid()::text, '-', ''), 'hex');
REVOKE ALL ON @extschema@.suppression_key FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.suppression_key', '');

COMMENT ON TABLE @extschema@.suppression_key IS
'The secret key of the suppression digests (HMAC-SHA256), made at CREATE EXTENSION; keep it with backups, since digests cannot be matched without it';

CREATE TABLE @extschema@.suppression (
    kind     text NOT NULL CHECK (kind IN ('email', 'phone', 'national_id')),
    digest   bytea NOT NULL,
    reason   text,
    added_at timestamptz NOT NULL DEFAULT now(),
    added_by name NOT NULL DEFAULT current_user,
    PRIMARY KEY (kind, digest)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.suppression', '');

COMMENT ON TABLE @extschema@.suppression IS
'Emails, phones and national IDs that must never be imported or entered again, kept as keyed digests of their normalized form, not as plain values';

CREATE FUNCTION @extschema@.suppression_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_suppression_changed'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.suppression_changed() IS
'Trigger on contacts.suppression: tells every session to reload the suppression list the entry trigger consults';

CREATE TRIGGER suppression_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.suppression
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.suppression_changed();

CREATE FUNCTION @extschema@.suppression_digest(kind text, normalized_value text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_suppression_digest'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.suppression_digest(text, text) IS
'HMAC-SHA256 under the suppression key of kind:normalized_value; for roles trusted with the suppression list (SELECT or INSERT on contacts.suppression)';

CREATE FUNCTION @extschema@.suppression_match(tbl regclass, kind text, normal_value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_suppression_match'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.suppression_match(regclass, text, text) IS
'True when the value, in the form suppression_normal_form() gives, is on the suppression list; for roles that may write tbl (INSERT or UPDATE), which the entry trigger would tell as much; used by import()';

CREATE FUNCTION @extschema@.suppression_normal_form(kind text, value text, region text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    normal text;
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT CASE WHEN %s IS NULL THEN %s END',
                   @extschema@.kind_check_sql(kind, '$1', '$2'),
                   @extschema@.kind_normalize_sql(kind, '$1', '$2'))
       INTO normal USING value, region;
    -- Every spelling of one mailbox (Gmail dots, +tags) is one suppression.
    IF kind = 'email' AND normal IS NOT NULL THEN
        normal := @extschema@.email_canonical(normal::@extschema@.email);
    END IF;
    RETURN normal;
END;
$$;

COMMENT ON FUNCTION @extschema@.suppression_normal_form(text, text, text) IS
'The form of a value that suppression digests are taken of: canonical email key, E.164 phone, normalized national ID; NULL when the value is invalid';

CREATE FUNCTION @extschema@.suppress(kind text, value text, region text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    normal text := @extschema@.suppression_normal_form(kind, value, region);
BEGIN
    IF normal IS NULL THEN
        RAISE EXCEPTION 'cannot suppress invalid % "%"', kind, value
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Suppress the valid form of the value (and give region for national phone numbers).';
    END IF;
    INSERT INTO @extschema@.suppression (kind, digest, reason)
    VALUES (kind, @extschema@.suppression_digest(kind, normal), reason)
    ON CONFLICT DO NOTHING;
    RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION @extschema@.suppress(text, text, text, text) IS
'Add an email, phone or national ID to the suppression list (as a keyed digest); returns false when it was already there';

CREATE FUNCTION @extschema@.is_suppressed(kind text, value text, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT 1 FROM @extschema@.suppression s
                WHERE s.kind = is_suppressed.kind
                  AND s.digest = @extschema@.suppression_digest(
                          is_suppressed.kind,
                          @extschema@.suppression_normal_form(is_suppressed.kind, value, region)))
$$;

COMMENT ON FUNCTION @extschema@.is_suppressed(text, text, text) IS
'True when the email, phone or national ID (in any of its written forms) is on the suppression list';

-- ---------------------------------------------------------------------------
-- Imports: staging table -> configured target, with a duplicate policy
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.import_run (
    import_id     bigserial PRIMARY KEY,
    target        regclass NOT NULL,
    staging       regclass NOT NULL,
    duplicate_key text,
    on_duplicate  text NOT NULL,
    dry_run       boolean NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    run_by        name NOT NULL DEFAULT current_user,
    staged        bigint,
    inserted      bigint,
    updated       bigint,
    kept          bigint,
    rejected      bigint,
    suppressed    bigint
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.import_run', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.import_run_import_id_seq', '');

COMMENT ON TABLE @extschema@.import_run IS
'One row per import (dry runs included): what was imported where, with which duplicate key and policy, and where every staged row went: staged = inserted + updated + kept + rejected + suppressed';

CREATE TABLE @extschema@.import_reject (
    import_id  bigint NOT NULL REFERENCES @extschema@.import_run ON DELETE CASCADE,
    row_number bigint NOT NULL,
    category   text NOT NULL CHECK (category IN ('invalid', 'suppressed', 'no_consent')),
    reasons    text[] NOT NULL,
    source     jsonb,
    details    jsonb,
    PRIMARY KEY (import_id, row_number)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.import_reject', '');

COMMENT ON TABLE @extschema@.import_reject IS
'Staged rows an import set aside: invalid rows with the whole source row, every reason ("column: CODE") and, for values their column''s type rejected (INVALID_VALUE), the message per column in details; suppressed and no-consent rows with their reason only (their data is not kept)';

CREATE FUNCTION @extschema@.import(
    staging regclass,
    target regclass,
    mapping jsonb,
    duplicate_key name DEFAULT NULL,
    on_duplicate text DEFAULT 'keep',
    dry_run boolean DEFAULT false,
    region text DEFAULT NULL,
    fuzzy boolean DEFAULT false,
    date_order text DEFAULT NULL)
RETURNS @extschema@.import_run
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg        @extschema@.table_config;
    run        @extschema@.import_run;
    m          record;
    src_col    text;
    kind       text;
    rule       text;
    val        text;
    region_sql text;
    sel        text := '';
    chk        text := '';
    supp       text := '';
    cols       text := '';
    ins_cols   text := '';
    upd_set    text := '';
    key_kind   text;
    -- Mapped columns are carried under positional names (c1, r1 raw, w1
    -- why), so no target column name can clash with the import's own.
    i          integer := 0;
    a          text;
    key_alias  text;
    key_configured boolean := false;
    key_base_kind text;
    sel_cols   text := '';
    consent_alias text;
    candidate  text := '';
    n          bigint;
    t0         timestamptz := clock_timestamp();
    -- Typed target columns: the staged text converted by import_value()
    -- (x1...) in a middle query, so one conversion gives value and reason.
    mid        text := '';
    conv       text := '';
    detail_keys text := '';
    detail_vals text := '';
    conv_any   text := '';
    order_sql  text;
    words_sql  text;
    norm       text;
    needs_conv boolean;
    err_state  text;
    err_msg    text;
    err_detail text;
    err_hint   text;
    err_column text;
BEGIN
    IF on_duplicate NOT IN ('keep', 'create', 'update') THEN
        RAISE EXCEPTION 'unknown duplicate policy "%"', on_duplicate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use keep (leave the existing record), create (insert anyway) or update (update the existing record).';
    END IF;
    PERFORM @extschema@.require_privileges(staging, 'SELECT', 'import from');
    PERFORM @extschema@.require_privileges(target,
        CASE WHEN on_duplicate = 'update' THEN 'SELECT, INSERT, UPDATE' ELSE 'SELECT, INSERT' END,
        'import into');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the target table first.';
    END IF;
    IF jsonb_typeof(mapping) IS DISTINCT FROM 'object' OR mapping = '{}' THEN
        RAISE EXCEPTION 'mapping must be a non-empty JSON object {"target column": "staging column" | {"from": ..., "on_update": ...}}'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF upper(date_order) NOT IN ('DMY', 'MDY', 'YMD') THEN
        RAISE EXCEPTION 'unknown date order "%"', date_order
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use DMY (day first), MDY (month first) or YMD, or NULL for the table''s or each row''s region''s order.';
    END IF;
    IF duplicate_key IS NOT NULL AND NOT mapping ? duplicate_key THEN
        RAISE EXCEPTION 'duplicate key % is not a mapped target column', duplicate_key
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name a target column that the mapping fills, e.g. the email column.';
    END IF;

    -- The row's region: a mapped country column, else the argument, else the
    -- table's.  ZZ (libphonenumber's unknown region) is no region, as NULL is.
    region_sql := quote_nullable(coalesce(nullif(upper(region), 'ZZ'), cfg.default_region));
    FOR m IN SELECT e.key AS col, k.kind
               FROM jsonb_each(mapping) e
               JOIN @extschema@.column_kind k ON k.tbl = target AND k.col = e.key
              WHERE k.kind = 'country' LOOP
        src_col := coalesce(mapping -> m.col ->> 'from', mapping ->> m.col);
        region_sql := format('coalesce(nullif(upper(btrim(s.%I::text)), ''ZZ''), %s)', src_col, region_sql);
    END LOOP;

    -- Dates in the import's order, else the table's, else each row's region's.
    order_sql := quote_nullable(upper(coalesce(import.date_order, cfg.date_order)));
    words_sql := format('%L::text[], %L::text[]', cfg.yes_words, cfg.no_words);

    FOR m IN SELECT e.key AS col, e.value AS spec, k.kind, coalesce(k.required, false) AS required,
                    a.atttypid, a.atttypmod
               FROM jsonb_each(mapping) e
               LEFT JOIN @extschema@.column_kind k ON k.tbl = target AND k.col = e.key
               LEFT JOIN pg_attribute a ON a.attrelid = target AND a.attname = e.key
                                       AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY e.key LOOP
        i := i + 1;
        a := 'c' || i;
        IF m.atttypid IS NULL THEN
            RAISE EXCEPTION 'target table % has no column %', target, m.col
                USING ERRCODE = 'undefined_column';
        END IF;
        src_col := CASE jsonb_typeof(m.spec) WHEN 'string' THEN m.spec #>> '{}' ELSE m.spec ->> 'from' END;
        IF src_col IS NULL OR NOT EXISTS (SELECT 1 FROM pg_attribute a
                                       WHERE a.attrelid = staging AND a.attname = src_col
                                         AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'staging table % has no column % (mapped to %)', staging, coalesce(src_col, 'NULL'), m.col
                USING ERRCODE = 'undefined_column';
        END IF;
        rule := coalesce(m.spec ->> 'on_update', 'fill');
        IF rule NOT IN ('fill', 'overwrite', 'keep') THEN
            RAISE EXCEPTION 'unknown on_update rule "%" for column %', rule, m.col
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Use fill (only empty fields), overwrite (non-empty incoming values win) or keep.';
        END IF;
        kind := coalesce(m.kind, 'free_text');
        val := format('NULLIF(btrim(s.%I::text), '''')', src_col);
        -- Raw value, reason and normal form of each mapped column.
        sel := sel || format(', %s AS %I, %s AS %I', val, 'r' || i,
                             @extschema@.kind_check_sql(kind, val, region_sql, order_sql), 'w' || i);
        chk := chk || format(', CASE WHEN %1$I IS NOT NULL THEN %3$L || '': '' || %1$I '
                             'WHEN %2$I IS NULL AND %4$L THEN %3$L || '': REQUIRED'' END',
                             'w' || i, 'r' || i, m.col, m.required);
        norm := format('CASE WHEN %I IS NULL THEN %s END', 'w' || i,
                       @extschema@.kind_normalize_sql(kind, 'r' || i, 'import_region', order_sql));
        -- Text columns take the value as it is; every other type reads it
        -- through import_value(), which never raises (an email or phone kind
        -- into its own type, and a birth date, ISO 8601 once checked, into a
        -- date or timestamp, were checked by the kind already).
        needs_conv := NOT ((m.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype)
                            AND m.atttypmod < 0)
                           OR (m.kind IS NOT NULL AND
                               m.atttypid IN ('@extschema@.email'::regtype, '@extschema@.phone'::regtype))
                           OR (m.kind IS NOT DISTINCT FROM 'birth_date' AND
                               m.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)));
        IF needs_conv THEN
            mid := mid || format(', @extschema@.import_value(%s, %s, %s, import_region, %s, %s) AS %I',
                                 norm, m.atttypid, m.atttypmod, order_sql, words_sql, 'x' || i);
            conv := conv || format(', CASE WHEN %1$I[2] IS NOT NULL THEN %2$L END', 'x' || i,
                                   m.col || ': ' || CASE WHEN m.col = cfg.consent_column
                                                         THEN 'CONSENT_UNREADABLE' ELSE 'INVALID_VALUE' END);
            detail_keys := detail_keys || format(', %L', m.col);
            detail_vals := detail_vals || format(', %I[3]', 'x' || i);
            conv_any := conv_any || format(' OR %I[2] IS NOT NULL', 'x' || i);
            cols := cols || format(', (%1$I[1])::%2$s AS %3$I', 'x' || i, format_type(m.atttypid, NULL), a);
        ELSE
            cols := cols || format(', (%1$s)::%2$s AS %3$I', norm, format_type(m.atttypid, NULL), a);
        END IF;
        ins_cols := ins_cols || format(', %I', m.col);
        sel_cols := sel_cols || ', ' || a;
        IF m.col <> cfg.key_column AND rule <> 'keep' THEN
            upd_set := upd_set || format(', %1$I = %2$s', m.col,
                CASE rule WHEN 'fill' THEN format('coalesce(t.%I, u.%s)', m.col, a)
                          ELSE format('coalesce(u.%s, t.%I)', a, m.col) END);
        END IF;
        -- An email or phone that bounced, for a table that refuses them:
        -- the row is set aside as invalid (the trigger would refuse it).
        IF kind IN ('email', 'phone') AND cfg.on_undeliverable = 'reject' THEN
            chk := chk || format(', CASE WHEN %1$I IS NULL AND %2$I IS NOT NULL AND '
                                 '@extschema@.undeliverable_match(%3$L, %4$L, %5$s) THEN %6$L END',
                                 'w' || i, 'r' || i, target, kind,
                                 @extschema@.kind_normalize_sql(kind, 'r' || i, 'import_region'),
                                 m.col || ': UNDELIVERABLE');
        END IF;
        IF kind IN ('email', 'phone', 'national_id') THEN
            supp := supp || format(
                ' OR (%1$I IS NULL AND %2$I IS NOT NULL AND @extschema@.suppression_match(%3$L, %4$L, %5$s))',
                'w' || i, 'r' || i, target, kind,
                CASE kind WHEN 'email' THEN format('@extschema@.email_canonical(%s::@extschema@.email)',
                                                   @extschema@.kind_normalize_sql(kind, 'r' || i, 'import_region'))
                          ELSE @extschema@.kind_normalize_sql(kind, 'r' || i, 'import_region') END);
        END IF;
        IF m.col = duplicate_key THEN
            key_kind := @extschema@.duplicate_key_kind(target, kind);
            key_base_kind := kind;
            key_configured := m.kind IS NOT NULL;
            key_alias := a;
        END IF;
        IF m.col = cfg.consent_column THEN
            consent_alias := a;
        END IF;
        IF m.kind IS NOT NULL THEN
            candidate := candidate || format(', %L, r.%s', m.col, a);
        END IF;
    END LOOP;

    -- Phase 1: every staged row, its reasons and normal forms.
    IF to_regclass('pg_temp.contacts_import_rows') IS NOT NULL THEN
        DROP TABLE pg_temp.contacts_import_rows;
    END IF;
    EXECUTE format(
        'CREATE TEMP TABLE contacts_import_rows AS '
        'SELECT rn, src, array_remove(ARRAY[NULL::text %s %s], NULL) AS reasons, '
        '       %s AS details, '
        '       CASE WHEN false %s THEN ''suppressed'' END AS suppressed %s, '
        '       NULL::text AS outcome, NULL::text AS existing_key '
        '  FROM (SELECT r0.* %s FROM '
        '         (SELECT row_number() OVER (ORDER BY s.ctid) AS rn, to_jsonb(s) AS src, '
        '                 %s AS import_region %s FROM %s s) r0 OFFSET 0) r',
        chk, conv,
        CASE WHEN conv_any = '' THEN 'NULL::jsonb'
             ELSE format('CASE WHEN false %s THEN (SELECT jsonb_object_agg(k, v) FROM unnest(ARRAY[%s]::text[], ARRAY[%s]::text[]) u(k, v) WHERE v IS NOT NULL) END',
                         conv_any, substr(detail_keys, 3), substr(detail_vals, 3)) END,
        supp, cols, mid, region_sql, sel, staging);
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE 'import: % staged rows checked and normalized', n
        USING DETAIL = format('%s s so far', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));

    -- Phase 2: suppression and consent first (their data is never kept), then invalid rows.
    UPDATE contacts_import_rows SET outcome = 'suppressed' WHERE suppressed IS NOT NULL;
    IF consent_alias IS NOT NULL THEN
        -- An unreadable consent is no consent, but the row is set aside as
        -- invalid (with its data, to be corrected), not as a refusal.
        EXECUTE format('UPDATE contacts_import_rows SET outcome = ''no_consent'' '
                       'WHERE outcome IS NULL AND %s IS DISTINCT FROM true AND NOT (%L = ANY (reasons))',
                       consent_alias, cfg.consent_column || ': CONSENT_UNREADABLE');
    END IF;
    UPDATE contacts_import_rows SET outcome = 'invalid' WHERE outcome IS NULL AND cardinality(reasons) > 0;

    -- Phase 3: duplicates, inside the file and against the target.
    IF duplicate_key IS NOT NULL THEN
        EXECUTE format(
            'UPDATE contacts_import_rows r SET existing_key = t.%1$I::text '
            '  FROM %2$s t WHERE r.outcome IS NULL AND r.%3$s IS NOT NULL AND %4$s',
            cfg.key_column, target, key_alias,
            @extschema@.kind_key_sql(key_kind, format('t.%I', duplicate_key)) || ' = '
            || @extschema@.kind_key_sql(key_kind, 'r.' || key_alias));
        -- A returning person: the key is an alternate a merge kept for its
        -- survivor.  The set-based form of the entry trigger's lookup
        -- (contacts.duplicate_of): the same keys, against contacts.alternates().
        IF key_configured AND key_base_kind IN ('email', 'phone', 'national_id') THEN
            EXECUTE format(
                'UPDATE contacts_import_rows r SET existing_key = a.key '
                '  FROM (SELECT DISTINCT ON (k) a.key, %1$s AS k FROM @extschema@.alternates(%2$L::regclass) a '
                '         WHERE a.kind = %3$L ORDER BY k, a.key) a '
                ' WHERE r.outcome IS NULL AND r.%4$s IS NOT NULL AND r.existing_key IS NULL AND %5$s = a.k',
                @extschema@.kind_key_sql(key_kind, 'a.value'), target, key_base_kind, key_alias,
                @extschema@.kind_key_sql(key_kind, 'r.' || key_alias));
        END IF;
        IF on_duplicate = 'create' THEN
            UPDATE contacts_import_rows SET outcome = 'insert' WHERE outcome IS NULL;
        ELSE
            -- The first row of each key in the file is the one that is inserted
            -- (when the target has no such record); later ones are duplicates.
            EXECUTE format(
                'UPDATE contacts_import_rows r SET outcome = CASE '
                '   WHEN r.existing_key IS NULL AND r.rn = f.first_rn THEN ''insert'' '
                '   WHEN %2$L = ''update'' THEN ''update'' ELSE ''keep'' END '
                '  FROM (SELECT %3$s AS dup_key, min(rn) AS first_rn FROM contacts_import_rows '
                '         WHERE outcome IS NULL AND %1$s IS NOT NULL GROUP BY 1) f '
                ' WHERE r.outcome IS NULL AND %4$s',
                key_alias, on_duplicate,
                @extschema@.kind_key_sql(key_kind, key_alias),
                @extschema@.kind_key_sql(key_kind, 'r.' || key_alias) || ' = f.dup_key');
            -- Rows without a key value cannot be duplicates by that key.
            UPDATE contacts_import_rows SET outcome = 'insert' WHERE outcome IS NULL;
        END IF;
    ELSE
        UPDATE contacts_import_rows SET outcome = 'insert' WHERE outcome IS NULL;
    END IF;

    -- Likely duplicates: rows about to be inserted that the dedupe model
    -- matches to a record of the table (above the table's threshold).
    IF fuzzy THEN
        EXECUTE format(
            'UPDATE contacts_import_rows r SET existing_key = '
            '  (SELECT m.key::text FROM @extschema@.dedupe_match(%1$L::regclass, jsonb_build_object(%2$s), 1, '
            '      coalesce((SELECT threshold FROM @extschema@.dedupe_settings WHERE tbl = %1$L::regclass), 0.9)) m) '
            ' WHERE r.outcome = ''insert'' AND r.existing_key IS NULL',
            target, substr(candidate, 3));
        UPDATE contacts_import_rows
           SET outcome = CASE import.on_duplicate WHEN 'keep' THEN 'keep' WHEN 'update' THEN 'update' ELSE 'insert' END
         WHERE outcome = 'insert' AND existing_key IS NOT NULL;
    END IF;

    run.target := target;
    run.staging := staging;
    run.duplicate_key := duplicate_key;
    run.on_duplicate := on_duplicate;
    run.dry_run := dry_run;
    run.started_at := t0;
    run.run_by := current_user;
    SELECT count(*),
           count(*) FILTER (WHERE outcome = 'insert'),
           count(*) FILTER (WHERE outcome = 'update'),
           count(*) FILTER (WHERE outcome = 'keep'),
           count(*) FILTER (WHERE outcome = 'invalid'),
           count(*) FILTER (WHERE outcome IN ('suppressed', 'no_consent'))
      INTO run.staged, run.inserted, run.updated, run.kept, run.rejected, run.suppressed
      FROM contacts_import_rows;
    IF run.staged <> run.inserted + run.updated + run.kept + run.rejected + run.suppressed THEN
        RAISE EXCEPTION 'import accounting does not balance: % staged <> % + % + % + % + %',
            run.staged, run.inserted, run.updated, run.kept, run.rejected, run.suppressed
            USING ERRCODE = 'internal_error';
    END IF;
    RAISE NOTICE 'import: % to insert, % to update, % kept as duplicates, % rejected, % suppressed',
        run.inserted, run.updated, run.kept, run.rejected, run.suppressed
        USING DETAIL = format('%s s so far', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));

    IF dry_run THEN
        DROP TABLE pg_temp.contacts_import_rows;
        run.finished_at := clock_timestamp();
        RETURN run;
    END IF;

    INSERT INTO @extschema@.import_run (target, staging, duplicate_key, on_duplicate, dry_run, started_at, run_by)
    VALUES (target, staging, duplicate_key, on_duplicate, false, t0, current_user)
    RETURNING import_id INTO run.import_id;

    INSERT INTO @extschema@.import_reject (import_id, row_number, category, reasons, source, details)
    SELECT run.import_id, rn, outcome,
           CASE outcome WHEN 'invalid' THEN reasons
                        WHEN 'no_consent' THEN ARRAY['NO_CONSENT']
                        ELSE ARRAY['SUPPRESSED'] END,
           CASE WHEN outcome = 'invalid' THEN src END,
           CASE WHEN outcome = 'invalid' THEN details END
      FROM contacts_import_rows WHERE outcome IN ('invalid', 'suppressed', 'no_consent');

    IF run.updated > 0 AND upd_set = '' THEN
        RAISE EXCEPTION 'on_duplicate = update, but no mapped column may be updated'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Map a column other than the key with on_update fill or overwrite.';
    END IF;

    -- What the target itself refuses (a constraint, a trigger) still ends
    -- the import: say so by table, not with the generated statement.
    BEGIN

    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM contacts_import_rows WHERE outcome = ''insert'' ORDER BY rn',
                   target, substr(ins_cols, 3), substr(sel_cols, 3));
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> run.inserted THEN
        RAISE EXCEPTION 'import inserted % rows into % instead of %', n, target, run.inserted
            USING ERRCODE = 'internal_error',
                  HINT = 'A trigger on the target skipped or redirected rows; the import was rolled back.';
    END IF;

    IF run.updated > 0 THEN
        -- A row that duplicates one inserted by this import finds it by key,
        -- first, in the import's own rows: the update then reads them alone,
        -- which Citus can plan against a distributed target too.
        IF duplicate_key IS NOT NULL THEN
            EXECUTE format(
                'UPDATE contacts_import_rows r SET existing_key = t.k FROM ('
                '  SELECT DISTINCT ON (%4$s) %4$s AS dup_key, t.%1$I::text AS k FROM %2$s t '
                '   WHERE %4$s IN (SELECT %5$s FROM contacts_import_rows WHERE outcome = ''update'' '
                '                    AND existing_key IS NULL) '
                '   ORDER BY %4$s, t.%1$I) t '
                ' WHERE r.outcome = ''update'' AND r.existing_key IS NULL AND %3$s = t.dup_key',
                cfg.key_column, target, @extschema@.kind_key_sql(key_kind, 'r.' || key_alias),
                @extschema@.kind_key_sql(key_kind, format('t.%I', duplicate_key)),
                @extschema@.kind_key_sql(key_kind, key_alias));
        END IF;
        -- Several staged rows may update one record: the last one in file
        -- order is applied, with each column's on_update rule.
        EXECUTE format(
            'UPDATE %1$s t SET %2$s FROM ('
            '  SELECT DISTINCT ON (existing_key) * FROM contacts_import_rows '
            '   WHERE outcome = ''update'' ORDER BY existing_key, rn DESC) u '
            ' WHERE t.%3$I::text = u.existing_key',
            target, substr(upd_set, 3), cfg.key_column);
    END IF;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_msg = MESSAGE_TEXT,
                                err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT,
                                err_column = COLUMN_NAME;
        IF err_state IN ('57014', 'XX000') THEN
            RAISE;
        END IF;
        RAISE EXCEPTION 'import into % refused by the table: %', target, err_msg
            USING ERRCODE = err_state,
                  DETAIL = concat_ws(' ', nullif(err_detail, ''),
                                     CASE WHEN err_column <> '' THEN format('Column: %s.', err_column) END),
                  HINT = coalesce(nullif(err_hint, ''),
                                  'Nothing was imported. Correct the staged rows or the table''s constraints, and use dry_run => true to check first.');
    END;

    run.finished_at := clock_timestamp();
    UPDATE @extschema@.import_run SET finished_at = run.finished_at, staged = run.staged,
           inserted = run.inserted, updated = run.updated, kept = run.kept,
           rejected = run.rejected, suppressed = run.suppressed
     WHERE import_id = run.import_id;
    PERFORM @extschema@.feed_import_event(run.import_id);
    DROP TABLE pg_temp.contacts_import_rows;
    RAISE NOTICE 'import % done', run.import_id
        USING DETAIL = format('in %s s', round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1));
    RETURN run;
END;
$$;

COMMENT ON FUNCTION @extschema@.import(regclass, regclass, jsonb, name, text, boolean, text, boolean, text) IS
'Import a staging table into a configured contact table: map columns, check and normalize each by its kind, convert each to its column''s type (dates in the row''s region''s order or date_order, numbers with its decimal mark, booleans in people''s words), set aside invalid rows with their reasons instead of failing, never import suppressed or non-consenting contacts, and apply the duplicate policy (keep, create or update) on the chosen duplicate key, inside the file and against the table, and with fuzzy on likely duplicates found by the dedupe model';

-- ---------------------------------------------------------------------------
-- Health report of a configured table
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.health(tbl regclass, stale_before timestamptz DEFAULT NULL)
RETURNS TABLE (check_name text, column_name name, affected bigint, total bigint, rate numeric, example text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg    @extschema@.table_config;
    k      record;
    region text;
    aggs   text := '';
    bounced text := '';
    names  text[] := '{}';
    cols   name[] := '{}';
    vals   text[];
    i      int;
    n      bigint;
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'SELECT', 'report on');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = health.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    region := quote_nullable(cfg.default_region);
    SELECT format('coalesce(upper(%I::text), %s)', c.col, region) INTO region
      FROM @extschema@.column_kind c WHERE c.tbl = health.tbl AND c.kind = 'country';
    region := coalesce(region, quote_nullable(cfg.default_region));

    -- One scan computes every per-value check: the reason and the normal
    -- form come from the same expressions the import uses.
    FOR k IN SELECT c.col, c.kind, c.required FROM @extschema@.column_kind c
              WHERE c.tbl = health.tbl ORDER BY c.col LOOP
        IF k.required THEN
            aggs := aggs || format(', (count(*) FILTER (WHERE NULLIF(btrim(%I::text), '''') IS NULL))::text, NULL::text', k.col);
            names := names || 'missing required value'::text;
            cols := cols || k.col;
        END IF;
        IF k.kind IN ('email', 'phone', 'national_id') THEN
            aggs := aggs || format(', (count(*) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NOT NULL))::text, '
                                   'min(%1$I::text) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NOT NULL)',
                                   k.col, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region));
            names := names || ('invalid ' || k.kind);
            cols := cols || k.col;
        END IF;
        -- Valid emails and phones that bounced (contacts.bounce): asked
        -- once per row, in the scan, for both the count and the example.
        IF k.kind IN ('email', 'phone') THEN
            bounced := bounced || format(', %1$I IS NOT NULL AND %2$s IS NULL AND '
                                         '@extschema@.undeliverable_match(%3$L, %4$L, %5$s) AS %6$I',
                                         k.col, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region),
                                         tbl, k.kind,
                                         @extschema@.kind_normalize_sql(k.kind, format('%I::text', k.col), region),
                                         'contacts_undeliverable_' || k.col);
            aggs := aggs || format(', (count(*) FILTER (WHERE %2$I))::text, min(%1$I::text) FILTER (WHERE %2$I)',
                                   k.col, 'contacts_undeliverable_' || k.col);
            names := names || ('undeliverable ' || k.kind);
            cols := cols || k.col;
        END IF;
        IF k.kind IN ('email', 'phone', 'national_id', 'given_name', 'family_name', 'full_name', 'company') THEN
            aggs := aggs || format(', (count(*) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NULL AND %1$I::text IS DISTINCT FROM %3$s))::text, '
                                   'min(%1$I::text) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NULL AND %1$I::text IS DISTINCT FROM %3$s)',
                                   k.col, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region),
                                   @extschema@.kind_normalize_sql(k.kind, format('%I::text', k.col), region));
            names := names || 'not in normal form'::text;
            cols := cols || k.col;
        END IF;
    END LOOP;
    IF cfg.updated_at_column IS NOT NULL AND stale_before IS NOT NULL THEN
        aggs := aggs || format(', (count(*) FILTER (WHERE %1$I < %2$L))::text, min(%1$I::text) FILTER (WHERE %1$I < %2$L)',
                               cfg.updated_at_column, stale_before);
        names := names || 'not updated since'::text;
        cols := cols || cfg.updated_at_column;
    END IF;

    EXECUTE format('SELECT ARRAY[count(*)::text %s] FROM (SELECT * %s FROM %s) t', aggs, bounced, tbl) INTO vals;
    total := vals[1]::bigint;
    FOR i IN 1 .. cardinality(names) LOOP
        check_name := names[i];
        column_name := cols[i];
        affected := vals[2 * i]::bigint;
        example := vals[2 * i + 1];
        rate := round(affected::numeric / NULLIF(total, 0), 4);
        RETURN NEXT;
    END LOOP;

    -- Exact duplicates: rows sharing a normalized duplicate-key value.
    FOR k IN SELECT c.col, c.kind FROM @extschema@.column_kind c
              WHERE c.tbl = health.tbl AND c.duplicate_key ORDER BY c.col LOOP
        EXECUTE format('SELECT coalesce(sum(n), 0), min(v::text) FROM (SELECT %5$s AS v, count(*) AS n FROM '
                       '(SELECT CASE WHEN %2$s IS NULL THEN %3$s END AS v FROM %1$s WHERE %4$I IS NOT NULL) x '
                       ' WHERE v IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d',
                       tbl, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region),
                       @extschema@.kind_normalize_sql(k.kind, format('%I::text', k.col), region), k.col,
                       @extschema@.kind_key_sql(@extschema@.duplicate_key_kind(tbl, k.kind), 'v'))
           INTO n, example;
        check_name := 'duplicate ' || k.kind;
        column_name := k.col;
        affected := n;
        rate := round(n::numeric / NULLIF(total, 0), 4);
        RETURN NEXT;
        -- Rows holding a value that a merge kept as another row's alternate:
        -- the same person entered again since (before the trigger knew).
        IF k.kind IN ('email', 'phone', 'national_id') THEN
            EXECUTE format('SELECT count(DISTINCT t.%1$I), min(a.value) FROM @extschema@.alternates(%2$L::regclass) a '
                           'JOIN %2$s t ON %3$s = %4$s AND t.%1$I::text <> a.key WHERE a.kind = %5$L',
                           cfg.key_column, tbl,
                           @extschema@.kind_key_sql(@extschema@.duplicate_key_kind(tbl, k.kind), format('t.%I', k.col)),
                           @extschema@.kind_key_sql(@extschema@.duplicate_key_kind(tbl, k.kind), 'a.value'), k.kind)
               INTO n, example;
            check_name := 'duplicate of an alternate';
            column_name := k.col;
            affected := n;
            rate := round(n::numeric / NULLIF(total, 0), 4);
            RETURN NEXT;
        END IF;
    END LOOP;

    -- Alternates kept by merges, per kind: rows that have any, and an example.
    FOR k IN SELECT a.kind, count(DISTINCT a.key) AS n, count(*) AS m, min(a.value) AS example
               FROM @extschema@.alternates(tbl) a GROUP BY a.kind ORDER BY a.kind LOOP
        check_name := format('alternates (%s)', k.kind);
        column_name := NULL;
        affected := k.n;
        rate := round(k.n::numeric / NULLIF(total, 0), 4);
        example := format('%s values, e.g. %s', k.m, k.example);
        RETURN NEXT;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION @extschema@.health(regclass, timestamptz) IS
'Data-quality report of a configured table: per column, missing required values, invalid emails/phones/IDs, emails and phones that bounced (undeliverable), values not in normal form, exact duplicates on duplicate keys (by the table''s email duplicate key), rows holding another row''s alternate, the alternates merges kept per kind, and records not updated since stale_before; counts, rates and an example each';

-- ---------------------------------------------------------------------------
-- Import mapping suggestion from a staging table's headers and values
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.import_suggest_mapping(staging regclass, target regclass,
                                                   region text DEFAULT NULL, sample_size integer DEFAULT 200)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg      @extschema@.table_config;
    reg      text;
    s        record;
    p        record;
    rates    jsonb;
    sample   text[];
    pairs    jsonb := '[]';
    header   text;
    hscore   numeric;
    rate     numeric;
    conf     numeric;
    used_t   text[] := '{}';
    used_s   text[] := '{}';
    mapping  jsonb := '{}';
    confidence jsonb := '{}';
    evidence jsonb := '{}';
    unmapped jsonb := '[]';
    hrole    text;
    -- Header words per role (folded: lower case, no accents, words split
    -- on anything not a letter or digit), with how sure each makes us.
    synonyms CONSTANT jsonb := '{
      "email": {"email": 1, "e mail": 1, "mail": 0.9, "correo": 0.95, "correo electronico": 1,
                "email address": 1, "direccion de correo": 0.95, "endereco de email": 1, "e mail address": 1},
      "phone": {"telefono": 1, "telefono movil": 1, "movil": 1, "celular": 1, "cel": 0.8, "tel": 0.9,
                "telf": 0.9, "phone": 1, "mobile": 1, "phone number": 1, "telefone": 1, "whatsapp": 0.9,
                "fono": 0.9, "numero de telefono": 1, "mobile phone": 1},
      "given_name": {"nombre": 0.95, "nombres": 0.95, "first name": 1, "given name": 1, "nome": 0.9,
                     "primeiro nome": 1, "firstname": 1},
      "family_name": {"apellido": 1, "apellidos": 1, "last name": 1, "surname": 1, "family name": 1,
                      "sobrenome": 1, "lastname": 1, "primer apellido": 0.9},
      "full_name": {"nombre completo": 1, "nombre y apellidos": 1, "nombre y apellido": 1,
                    "apellido y nombre": 1, "apellidos y nombre": 1, "nome e sobrenome": 1, "name": 0.95, "full name": 1,
                    "nome completo": 1, "contacto": 0.7, "cliente": 0.6, "nombre": 0.7, "nome": 0.7},
      "company": {"empresa": 1, "compania": 1, "company": 1, "organizacion": 0.9, "razon social": 1,
                  "organization": 0.9, "organisation": 0.9, "cuenta": 0.6},
      "national_id": {"dni": 1, "nif": 1, "nie": 1, "dni nif": 1, "dni nie": 1, "nif cif": 0.9, "cif": 0.8,
                      "rut": 1, "run": 0.8, "cuit": 1, "cuil": 1, "cpf": 1, "cnpj": 0.9, "curp": 1, "rfc": 0.9,
                      "documento": 0.9, "documento de identidad": 1, "cedula": 1, "ci": 0.7, "ruc": 0.9,
                      "id number": 0.9, "ssn": 0.9, "nro documento": 1, "numero de documento": 1},
      "country": {"pais": 1, "country": 1, "pais de residencia": 1, "nacionalidad": 0.6, "country code": 1},
      "city": {"ciudad": 1, "localidad": 1, "poblacion": 0.9, "city": 1, "cidade": 1, "municipio": 0.9,
               "town": 0.9, "comuna": 0.8},
      "postcode": {"codigo postal": 1, "cp": 0.9, "zip": 1, "zip code": 1, "postal code": 1, "postcode": 1,
                   "cep": 1, "cod postal": 1},
      "address": {"direccion": 1, "domicilio": 1, "address": 1, "endereco": 1, "calle": 0.8,
                  "street": 0.9, "direccion postal": 1},
      "birth_date": {"fecha de nacimiento": 1, "fecha nacimiento": 1, "nacimiento": 0.9, "f nacimiento": 1,
                     "fec nac": 0.9, "birth date": 1, "date of birth": 1, "birthdate": 1, "dob": 1,
                     "birthday": 0.9, "data de nascimento": 1, "nascimento": 0.9, "cumpleanos": 0.8,
                     "born": 0.9, "birth": 0.9, "nacido": 0.9, "fecha nac": 1},
      "consent": {"acepta comunicaciones": 1, "consentimiento": 1, "acepta": 0.9, "consent": 1,
                  "opt in": 1, "optin": 1, "autoriza": 0.9, "acepto": 0.9, "newsletter": 0.7, "rgpd": 0.8,
                  "lopd": 0.8, "acepta publicidad": 1, "consentimento": 1, "aceita comunicacoes": 1,
                  "marketing": 0.6, "permiso": 0.7}
    }';
BEGIN
    PERFORM @extschema@.require_privileges(staging, 'SELECT', 'suggest a mapping from');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the target table first.';
    END IF;
    reg := coalesce(nullif(upper(region), 'ZZ'), cfg.default_region,
                    nullif(current_setting('contacts.default_region', true), ''));

    FOR s IN SELECT a.attname::text AS col, a.attnum,
                    btrim(regexp_replace(@extschema@.fold(a.attname), '[^a-z0-9]+', ' ', 'g')) AS h
               FROM pg_attribute a
              WHERE a.attrelid = staging AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY a.attnum LOOP
        -- A sample of the column's values, and how many read as each kind.
        EXECUTE format('SELECT array_agg(v) FROM (SELECT NULLIF(btrim(%1$I::text), '''') AS v FROM %2$s '
                       'WHERE NULLIF(btrim(%1$I::text), '''') IS NOT NULL LIMIT %3$s) x',
                       s.col, staging, greatest(sample_size, 1))
           INTO sample;
        SELECT jsonb_build_object(
                 'n', count(*),
                 'email', avg((@extschema@.email_check(v) IS NULL)::int),
                 'phone', avg((@extschema@.phone_check(v, reg) IS NULL AND v !~ '@')::int),
                 'national_id', avg((reg IS NOT NULL AND v ~ '[0-9]'
                                     AND @extschema@.national_id_check(reg, NULL, v) IS NULL)::int),
                 'birth_date', avg((@extschema@.birth_date_check(v, reg, cfg.date_order) IS NULL)::int),
                 'consent', avg(((@extschema@.import_value(v, 'boolean', -1, reg, NULL, cfg.yes_words,
                                                           cfg.no_words))[2] IS NULL)::int),
                 'country', avg((v ~ '^[A-Za-z]{2}$')::int),
                 'words', avg((v !~ '[0-9@]' AND v ~ '[[:alpha:]]')::int))
          INTO rates
          FROM unnest(coalesce(sample, '{}')) v;

        FOR p IN SELECT a.attname::text AS col, a.atttypid, a.atttypmod,
                        CASE WHEN a.attname = cfg.consent_column THEN 'consent' ELSE k.kind END AS role,
                        btrim(regexp_replace(@extschema@.fold(a.attname), '[^a-z0-9]+', ' ', 'g')) AS h
                   FROM pg_attribute a
                   LEFT JOIN @extschema@.column_kind k ON k.tbl = target AND k.col = a.attname
                  WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
                    AND a.attname IS DISTINCT FROM cfg.key_column
                    AND a.attname IS DISTINCT FROM cfg.flag_column
                    AND a.attname IS DISTINCT FROM cfg.updated_at_column LOOP
            -- The header: the target column's own name, a word of its role,
            -- or a header that contains one.
            hscore := CASE WHEN s.h = p.h THEN 1 ELSE 0 END;
            header := CASE WHEN hscore > 0 THEN format('header "%s" is the column''s name', s.col) END;
            -- A column without a kind goes by the role its own name is a word of.
            hrole := coalesce(p.role, (SELECT r.key FROM jsonb_each(synonyms) r WHERE r.value ? p.h
                                        ORDER BY (r.value ->> p.h)::numeric DESC, r.key LIMIT 1));
            IF hscore = 0 AND hrole IS NOT NULL THEN
                SELECT CASE WHEN e.key = s.h THEN e.value::numeric ELSE e.value::numeric * 0.8 END,
                       format('header "%s" %s "%s"', s.col, CASE WHEN e.key = s.h THEN 'is' ELSE 'contains' END, e.key)
                  INTO hscore, header
                  FROM jsonb_each_text(synonyms -> hrole) e
                 WHERE e.key = s.h OR ' ' || s.h || ' ' LIKE '% ' || e.key || ' %'
                 ORDER BY (e.key = s.h) DESC, e.value::numeric DESC, length(e.key) DESC
                 LIMIT 1;
                hscore := coalesce(hscore, 0);
            END IF;
            -- The values: what share of the sample reads as the role (or,
            -- for a typed column without a kind, as its type).
            rate := CASE
                WHEN (rates ->> 'n')::int = 0 THEN NULL
                WHEN p.role IN ('email', 'phone', 'national_id', 'birth_date', 'consent', 'country') THEN (rates ->> p.role)::numeric
                WHEN p.role IN ('given_name', 'family_name', 'full_name', 'city') THEN (rates ->> 'words')::numeric
                WHEN p.role IS NULL AND p.atttypid NOT IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN
                    (SELECT avg(((@extschema@.import_value(v, p.atttypid, p.atttypmod, reg, cfg.date_order,
                                                           cfg.yes_words, cfg.no_words))[2] IS NULL)::int)
                       FROM unnest(sample) v)
                END;
            IF hscore > 0 THEN
                conf := hscore * CASE WHEN rate IS NULL THEN 1 ELSE 0.6 + 0.4 * rate END;
            ELSIF p.role IN ('email', 'phone', 'national_id', 'birth_date') AND rate >= 0.8 THEN
                -- no header to go by: values that are plainly of the kind
                conf := 0.8 * rate;
                header := NULL;
            ELSE
                conf := 0;
            END IF;
            IF conf > 0 THEN
                pairs := pairs || jsonb_build_object(
                    'target', p.col, 'staging', s.col, 'attnum', s.attnum, 'confidence', round(conf, 2),
                    'evidence', concat_ws('; ', header,
                        CASE WHEN rate IS NOT NULL THEN format('%s%% of %s sampled values read as %s',
                             round(rate * 100), rates ->> 'n', coalesce(p.role, format_type(p.atttypid, p.atttypmod))) END));
            END IF;
        END LOOP;
    END LOOP;

    -- The surest pairs first; each column of either table is used once.
    FOR p IN SELECT e AS pair FROM jsonb_array_elements(pairs) e
              ORDER BY (e ->> 'confidence')::numeric DESC, (e ->> 'attnum')::int LOOP
        IF (p.pair ->> 'confidence')::numeric < 0.4 OR (p.pair ->> 'target') = ANY (used_t)
           OR (p.pair ->> 'staging') = ANY (used_s) THEN
            CONTINUE;
        END IF;
        used_t := used_t || (p.pair ->> 'target');
        used_s := used_s || (p.pair ->> 'staging');
        mapping := mapping || jsonb_build_object(p.pair ->> 'target', p.pair ->> 'staging');
        confidence := confidence || jsonb_build_object(p.pair ->> 'target', p.pair -> 'confidence');
        evidence := evidence || jsonb_build_object(p.pair ->> 'target', p.pair ->> 'evidence');
    END LOOP;
    SELECT coalesce(jsonb_agg(a.attname ORDER BY a.attnum), '[]') INTO unmapped
      FROM pg_attribute a
     WHERE a.attrelid = staging AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> ALL (used_s);
    RETURN jsonb_build_object('mapping', mapping, 'confidence', confidence, 'evidence', evidence,
                              'unmapped', unmapped);
END;
$$;

COMMENT ON FUNCTION @extschema@.import_suggest_mapping(regclass, regclass, text, integer) IS
'Propose an import() mapping from a staging table''s headers (Correo electrónico, Teléfono móvil, Apellidos, DNI/NIF, RUT, CUIT, País, Acepta comunicaciones...) and a sample of its values (emails, phones, IDs, dates, yes/no): {"mapping": {...}, "confidence": {column: 0..1}, "evidence": {column: why}, "unmapped": [...]}; pass its mapping to import()';
