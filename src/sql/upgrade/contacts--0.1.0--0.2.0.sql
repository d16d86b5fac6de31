-- contacts 0.1.0 -> 0.2.0.  Run by ALTER EXTENSION contacts UPDATE.
-- What changed is in CHANGELOG.md; sql/upgrade.sql checks that a database
-- updated by this script holds exactly what a fresh 0.2.0 install holds.

\echo Use "ALTER EXTENSION contacts UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Routines whose definition, C symbol, settings or comment changed, and the
-- new ones, in install order
-- ---------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.require_privileges(tbl regclass, privileges text, action text)
RETURNS void
AS 'MODULE_PATHNAME', 'contacts_require_privileges'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.require_privileges(regclass, text, text) IS
'Raise 42501 naming what is missing unless the current role holds every privilege listed (SELECT, INSERT, UPDATE, DELETE, OWNER) on tbl; 42P01 when tbl is no table; action completes "permission denied to ... table"';

CREATE OR REPLACE FUNCTION @extschema@.email_in(cstring) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_in(cstring) IS
'Input function of contacts.email: validates under contacts.email_profile and normalizes';

CREATE OR REPLACE FUNCTION @extschema@.email_out(@extschema@.email) RETURNS cstring
AS 'MODULE_PATHNAME', 'contacts_email_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_out(@extschema@.email) IS
'Output function of contacts.email: the local part as typed, the domain lower-cased';

CREATE OR REPLACE FUNCTION @extschema@.email_recv(internal) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_recv' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_recv(internal) IS
'Binary input function of contacts.email (the text form, validated again)';

CREATE OR REPLACE FUNCTION @extschema@.email_send(@extschema@.email) RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_email_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_send(@extschema@.email) IS
'Binary output function of contacts.email (the text form)';

CREATE OR REPLACE FUNCTION @extschema@.email(text) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_from_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email(text) IS
'Cast text to contacts.email: validates under contacts.email_profile and normalizes';

CREATE OR REPLACE FUNCTION @extschema@.email_to_text(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_to_text(@extschema@.email) IS
'Cast contacts.email to text: the address as stored';

CREATE OR REPLACE FUNCTION @extschema@.email_cmp(@extschema@.email, @extschema@.email) RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_email_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_cmp(@extschema@.email, @extschema@.email) IS
'Case-insensitive three-way comparison of two addresses (btree support)';

CREATE OR REPLACE FUNCTION @extschema@.email_sortsupport(internal) RETURNS void
AS 'MODULE_PATHNAME', 'contacts_email_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_sortsupport(internal) IS
'Sort support for contacts.email: abbreviated keys from the case-folded address';

CREATE OR REPLACE FUNCTION @extschema@.email_eq(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_eq(@extschema@.email, @extschema@.email) IS
'Addresses equal ignoring case';

CREATE OR REPLACE FUNCTION @extschema@.email_ne(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_ne(@extschema@.email, @extschema@.email) IS
'Addresses differ ignoring case';

CREATE OR REPLACE FUNCTION @extschema@.email_lt(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_lt(@extschema@.email, @extschema@.email) IS
'First address sorts before the second ignoring case';

CREATE OR REPLACE FUNCTION @extschema@.email_le(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_le(@extschema@.email, @extschema@.email) IS
'First address sorts before or equal to the second ignoring case';

CREATE OR REPLACE FUNCTION @extschema@.email_gt(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_gt(@extschema@.email, @extschema@.email) IS
'First address sorts after the second ignoring case';

CREATE OR REPLACE FUNCTION @extschema@.email_ge(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_ge(@extschema@.email, @extschema@.email) IS
'First address sorts after or equal to the second ignoring case';

CREATE OR REPLACE FUNCTION @extschema@.email_hash(@extschema@.email) RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_email_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_hash(@extschema@.email) IS
'Hash of the case-folded address (hash support)';

CREATE OR REPLACE FUNCTION @extschema@.email_hash_extended(@extschema@.email, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_email_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_hash_extended(@extschema@.email, bigint) IS
'Seeded 64-bit hash of the case-folded address (hash partitioning support)';

CREATE OR REPLACE FUNCTION @extschema@.email_valid(text) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_valid' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_valid(text) IS
'True when the text is a valid address under contacts.email_profile';

CREATE OR REPLACE FUNCTION @extschema@.email_valid(text, profile text) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_valid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_valid(text, text) IS
'True when the text is a valid address under the given profile (mailbox, provider or rfc)';

CREATE OR REPLACE FUNCTION @extschema@.email_check(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_check' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_check(text) IS
'NULL when the text is a valid address under contacts.email_profile, else the reason code (see the README)';

CREATE OR REPLACE FUNCTION @extschema@.email_check(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_check' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_check(text, text) IS
'NULL when the text is a valid address under the given profile, else the reason code';

CREATE OR REPLACE FUNCTION @extschema@.email_normalize(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_normalize' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_normalize(text) IS
'The address as contacts.email stores it (trimmed, NFC, domain lower-cased, IDN in Unicode form); error when invalid';

CREATE OR REPLACE FUNCTION @extschema@.email_normalize(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_normalize(text, text) IS
'The normalized address under the given profile; error when invalid';

CREATE OR REPLACE FUNCTION @extschema@.email_key(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_key(text) IS
'Duplicate key of an address: its normal form with Unicode full case folding (STRASSE@ and straße@ give strasse@), equal exactly when the contacts.email values are; NULL when the text is not an address. Index it for duplicate checks: CREATE INDEX ON t (contacts.email_key(email))';

CREATE OR REPLACE FUNCTION @extschema@.email_suggest(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_suggest' LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_suggest(text) IS
'The address probably meant when the domain is a misspelt common one (gmial.com, hotmail.con), else NULL';

CREATE OR REPLACE FUNCTION @extschema@.email_suggest(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_suggest' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_suggest(text, text) IS
'The address probably meant, validated under the given profile, else NULL';

CREATE OR REPLACE FUNCTION @extschema@.email_local(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_local' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_local(@extschema@.email) IS
'The local part (before the @), as typed';

CREATE OR REPLACE FUNCTION @extschema@.email_domain(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_domain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_domain(@extschema@.email) IS
'The domain, lower-cased (Unicode form for internationalized domains in a UTF-8 database)';

CREATE OR REPLACE FUNCTION @extschema@.email_ascii(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_ascii' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_ascii(@extschema@.email) IS
'The address with its domain in ASCII (xn--) form, for systems without SMTPUTF8';

CREATE OR REPLACE FUNCTION @extschema@.email_canonical(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_canonical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_canonical(@extschema@.email) IS
'Provider-aware duplicate key: lower-cased, Gmail dots and +tags removed, provider aliases merged (see the README provider table)';

CREATE OR REPLACE FUNCTION @extschema@.email_is_disposable(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_is_disposable' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_is_disposable(@extschema@.email) IS
'True when the domain (or a parent) is a disposable-mail service (disposable-email-domains list, CC0)';

CREATE OR REPLACE FUNCTION @extschema@.email_is_freemail(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_is_freemail' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_is_freemail(@extschema@.email) IS
'True when the domain is a free consumer mail service (gmail.com, hotmail.es, yahoo.com.ar ...)';

CREATE OR REPLACE FUNCTION @extschema@.email_is_role(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_is_role' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.email_is_role(@extschema@.email) IS
'True when the local part names a role or department rather than a person (info, ventas, admin, noreply ...)';

CREATE OR REPLACE FUNCTION @extschema@.configure(
    tbl regclass,
    key_column name,
    kinds jsonb,
    default_region text DEFAULT NULL,
    on_invalid text DEFAULT 'reject',
    on_duplicate text DEFAULT 'allow',
    flag_column name DEFAULT NULL,
    updated_at_column name DEFAULT NULL,
    consent_column name DEFAULT NULL,
    duplicate_keys name[] DEFAULT '{}',
    required name[] DEFAULT '{}',
    fuzzy_duplicates boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col text;
    missing text;
BEGIN
    -- Configuring decides what every writer of the table may store: like
    -- creating a trigger on it, that is for its owner.
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'configure');
    -- Every named column must exist: a typo here would silently skip checks.
    SELECT string_agg(c, ', ') INTO missing
      FROM (SELECT jsonb_object_keys(kinds) AS c
            UNION ALL SELECT key_column
            UNION ALL SELECT unnest(ARRAY[flag_column, updated_at_column, consent_column])
            UNION ALL SELECT unnest(duplicate_keys)
            UNION ALL SELECT unnest(required)) named
     WHERE c IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = c
                          AND a.attnum > 0 AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no column(s) %', tbl, missing
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name existing columns in key_column, kinds, flag_column, updated_at_column, consent_column, duplicate_keys and required.';
    END IF;
    IF flag_column IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM pg_attribute a
            WHERE a.attrelid = tbl AND a.attname = flag_column AND a.atttypid = 'jsonb'::regtype) THEN
        RAISE EXCEPTION 'flag column % of table % must be of type jsonb', flag_column, tbl
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    IF on_invalid NOT IN ('reject', 'set_null', 'flag') THEN
        RAISE EXCEPTION 'unknown on_invalid action "%"', on_invalid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use reject, set_null or flag.';
    END IF;
    IF on_duplicate NOT IN ('reject', 'update', 'flag', 'allow') THEN
        RAISE EXCEPTION 'unknown on_duplicate action "%"', on_duplicate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use reject, update, flag or allow.';
    END IF;
    SELECT string_agg(format('%s (%s)', e.key, e.value), ', ') INTO missing
      FROM jsonb_each_text(kinds) e
     WHERE e.value NOT IN ('given_name', 'family_name', 'full_name', 'email', 'phone', 'company',
                           'address', 'city', 'postcode', 'country', 'birth_date', 'national_id',
                           'free_text');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'unknown column kind: %', missing
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Kinds are given_name, family_name, full_name, email, phone, company, address, city, postcode, country, birth_date, national_id and free_text.';
    END IF;
    FOREACH col IN ARRAY duplicate_keys || required LOOP
        IF NOT kinds ? col THEN
            RAISE EXCEPTION 'column % is named as a duplicate key or required but has no kind', col
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give every duplicate key and required column a kind in kinds.';
        END IF;
    END LOOP;

    INSERT INTO @extschema@.table_config AS t
           (tbl, key_column, default_region, on_invalid, on_duplicate, flag_column,
            updated_at_column, consent_column, fuzzy_duplicates)
    VALUES (configure.tbl, configure.key_column, configure.default_region, configure.on_invalid,
            configure.on_duplicate, configure.flag_column, configure.updated_at_column,
            configure.consent_column, configure.fuzzy_duplicates)
    ON CONFLICT ON CONSTRAINT table_config_pkey DO UPDATE
       SET key_column = EXCLUDED.key_column, default_region = EXCLUDED.default_region,
           on_invalid = EXCLUDED.on_invalid, on_duplicate = EXCLUDED.on_duplicate,
           flag_column = EXCLUDED.flag_column, updated_at_column = EXCLUDED.updated_at_column,
           consent_column = EXCLUDED.consent_column, fuzzy_duplicates = EXCLUDED.fuzzy_duplicates;

    DELETE FROM @extschema@.column_kind k WHERE k.tbl = configure.tbl;
    INSERT INTO @extschema@.column_kind (tbl, col, kind, duplicate_key, required)
    SELECT configure.tbl, e.key, e.value, e.key = ANY (duplicate_keys), e.key = ANY (required)
      FROM jsonb_each_text(kinds) e;
END;
$$;

COMMENT ON FUNCTION @extschema@.configure(regclass, name, jsonb, text, text, text, name, name, name, name[], name[], boolean) IS
'Declare a contact table: its key column, which column holds which kind of value ({"col": "email", ...}), the default phone region, the entry trigger''s actions on invalid values and duplicates (exact keys, and with fuzzy_duplicates likely duplicates by the dedupe model), and optional flag (jsonb), updated-at and consent columns';

CREATE OR REPLACE FUNCTION @extschema@.forget_dropped_tables()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'contacts_forget_dropped_tables'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.forget_dropped_tables() IS
'Event trigger: removes the contacts configuration (entry and merge) of dropped tables';

CREATE OR REPLACE FUNCTION @extschema@.kind_key_sql(kind text, value_sql text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE kind WHEN 'email' THEN format('@extschema@.email_key((%s)::text)', value_sql) ELSE value_sql END
$$;

COMMENT ON FUNCTION @extschema@.kind_key_sql(text, text) IS
'SQL expression of value_sql as a duplicate key of kind (emails: contacts.email_key); index it, e.g. CREATE INDEX ON t (contacts.email_key(email)), to make duplicate checks fast';

CREATE OR REPLACE FUNCTION @extschema@.merge_rules(tbl regclass, rules jsonb DEFAULT NULL,
                                        OUT column_name text, OUT rule text,
                                        OUT validator text, OUT source text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_merge_rules'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.merge_rules(regclass, jsonb) IS
'The survivorship rule a merge of tbl applies to each column (with the given call rules), and where it comes from: default, table (contacts.merge_config) or call';

CREATE OR REPLACE FUNCTION @extschema@.merge_configure(tbl regclass, rules jsonb DEFAULT '{}',
                                            soft_delete_column name DEFAULT NULL,
                                            updated_at_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'configure merges of');
    INSERT INTO @extschema@.merge_config AS c (tbl, rules, soft_delete_column, updated_at_column)
    VALUES (tbl, COALESCE(rules, '{}'), soft_delete_column, updated_at_column)
    ON CONFLICT ON CONSTRAINT merge_config_pkey DO UPDATE
       SET rules = EXCLUDED.rules,
           soft_delete_column = EXCLUDED.soft_delete_column,
           updated_at_column = EXCLUDED.updated_at_column;
    -- validate now rather than at the first merge
    PERFORM @extschema@.merge_rules(tbl);
END
$$;

COMMENT ON FUNCTION @extschema@.merge_configure(regclass, jsonb, name, name) IS
'Set the merge configuration of tbl (survivorship rules by column, soft-delete flag column, updated-at column) after checking it';

CREATE OR REPLACE PROCEDURE @extschema@.merge_clusters(tbl regclass, clusters text,
                                            batch_size integer DEFAULT 1000,
                                            rules jsonb DEFAULT NULL,
                                            reason text DEFAULT NULL,
                                            batch_name text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    v_batch     text := COALESCE(batch_name,
                         'merge_clusters ' || pg_catalog.md5(tbl::text || E'\n' || clusters));
    v_stored    @extschema@.merge_batch;
    v_total     bigint;
    v_done      bigint;
    v_merged    bigint := 0;
    v_failed    bigint := 0;
    v_in_batch  integer := 0;
    v_started   timestamptz := pg_catalog.clock_timestamp();
    v_cluster   record;
    v_merge_id  bigint;
BEGIN
    IF tbl IS NULL OR clusters IS NULL THEN
        RAISE EXCEPTION 'table and clusters query of a batch merge must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- merge() checks each cluster's tables; refuse a batch it would fail whole
    PERFORM @extschema@.require_privileges(tbl, 'SELECT, UPDATE', 'merge rows of');

    INSERT INTO @extschema@.merge_batch AS b (batch_name, tbl, clusters, rules, reason)
    VALUES (v_batch, tbl, clusters, rules, reason)
    ON CONFLICT ON CONSTRAINT merge_batch_pkey DO NOTHING;
    SELECT * INTO v_stored FROM @extschema@.merge_batch b WHERE b.batch_name = v_batch;
    IF v_stored.tbl OPERATOR(pg_catalog.<>) tbl OR v_stored.clusters OPERATOR(pg_catalog.<>) clusters THEN
        RAISE EXCEPTION 'batch merge "%" already exists for another table or query', v_batch
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pick another batch_name, or delete the old batch from contacts.merge_batch.';
    END IF;
    COMMIT;

    EXECUTE pg_catalog.format('SELECT pg_catalog.count(DISTINCT q.cluster_id) FROM (%s) q', clusters)
       INTO v_total;
    SELECT pg_catalog.count(*) INTO v_done
      FROM @extschema@.merge_batch_cluster c WHERE c.batch_name = v_batch;
    RAISE NOTICE 'batch merge "%" into %: % clusters, % done earlier', v_batch, tbl, v_total, v_done;

    FOR v_cluster IN EXECUTE pg_catalog.format(
        'SELECT q.cluster_id::text AS cluster_id, pg_catalog.array_agg(q.member_key ORDER BY q.member_key) AS members '
        'FROM (%s) q WHERE NOT EXISTS (SELECT 1 FROM @extschema@.merge_batch_cluster d '
        '  WHERE d.batch_name = $1 AND d.cluster_id = q.cluster_id::text) '
        'GROUP BY 1 ORDER BY 1', clusters) USING v_batch
    LOOP
        BEGIN
            IF pg_catalog.cardinality(v_cluster.members) < 2 THEN
                v_merge_id := NULL;
            ELSE
                -- the survivor is the cluster's smallest key
                EXECUTE 'SELECT @extschema@.merge($1, $2[1], $2, $3, $4)'
                   INTO v_merge_id USING tbl, v_cluster.members, rules, reason;
                v_merged := v_merged + 1;
            END IF;
            INSERT INTO @extschema@.merge_batch_cluster (batch_name, cluster_id, merge_id)
            VALUES (v_batch, v_cluster.cluster_id, v_merge_id);
        EXCEPTION WHEN OTHERS THEN
            v_failed := v_failed + 1;
            INSERT INTO @extschema@.merge_batch_cluster (batch_name, cluster_id, error)
            VALUES (v_batch, v_cluster.cluster_id, SQLSTATE || ': ' || SQLERRM);
        END;
        v_done := v_done + 1;
        v_in_batch := v_in_batch + 1;
        IF v_in_batch >= batch_size THEN
            COMMIT;
            v_in_batch := 0;
            RAISE NOTICE 'batch merge "%": % of % clusters done, % merged, % failed, % s', v_batch, v_done, v_total,
                v_merged, v_failed, pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - v_started)::numeric, 1);
        END IF;
    END LOOP;

    UPDATE @extschema@.merge_batch b SET finished_at = pg_catalog.now() WHERE b.batch_name = v_batch;
    COMMIT;
    RAISE NOTICE 'batch merge "%" finished: % of % clusters done, % merged, % failed, % s', v_batch, v_done, v_total,
        v_merged, v_failed, pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - v_started)::numeric, 1);
END
$$;

COMMENT ON PROCEDURE @extschema@.merge_clusters(regclass, text, integer, jsonb, text, text) IS
'Merge every cluster given by the query clusters (columns cluster_id and member_key: the primary key, or ROW(...) for a composite key) into its smallest key, committing every batch_size clusters and reporting progress; run it again with the same arguments (or batch_name) to resume after a cancel';

CREATE OR REPLACE FUNCTION @extschema@.suppression_digest(kind text, normalized_value text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_suppression_digest'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.suppression_digest(text, text) IS
'HMAC-SHA256 under the suppression key of kind:normalized_value; for roles trusted with the suppression list (SELECT or INSERT on contacts.suppression)';

CREATE OR REPLACE FUNCTION @extschema@.suppression_match(tbl regclass, kind text, normal_value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_suppression_match'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.suppression_match(regclass, text, text) IS
'True when the value, in the form suppression_normal_form() gives, is on the suppression list; for roles that may write tbl (INSERT or UPDATE), which the entry trigger would tell as much; used by import()';

CREATE OR REPLACE FUNCTION @extschema@.import(
    staging regclass,
    target regclass,
    mapping jsonb,
    duplicate_key name DEFAULT NULL,
    on_duplicate text DEFAULT 'keep',
    dry_run boolean DEFAULT false,
    region text DEFAULT NULL,
    fuzzy boolean DEFAULT false)
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
    sel_cols   text := '';
    consent_alias text;
    candidate  text := '';
    n          bigint;
    t0         timestamptz := clock_timestamp();
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

    FOR m IN SELECT e.key AS col, e.value AS spec, k.kind, coalesce(k.required, false) AS required,
                    a.atttypid
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
                             @extschema@.kind_check_sql(kind, val, region_sql), 'w' || i);
        chk := chk || format(', CASE WHEN %1$I IS NOT NULL THEN %3$L || '': '' || %1$I '
                             'WHEN %2$I IS NULL AND %4$L THEN %3$L || '': REQUIRED'' END',
                             'w' || i, 'r' || i, m.col, m.required);
        cols := cols || format(', CASE WHEN %1$I IS NULL THEN (%2$s)::%3$s END AS %4$I',
                               'w' || i,
                               @extschema@.kind_normalize_sql(kind, 'r' || i, 'import_region'),
                               format_type(m.atttypid, NULL), a);
        ins_cols := ins_cols || format(', %I', m.col);
        sel_cols := sel_cols || ', ' || a;
        IF m.col <> cfg.key_column AND rule <> 'keep' THEN
            upd_set := upd_set || format(', %1$I = %2$s', m.col,
                CASE rule WHEN 'fill' THEN format('coalesce(t.%I, u.%s)', m.col, a)
                          ELSE format('coalesce(u.%s, t.%I)', a, m.col) END);
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
            key_kind := kind;
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
        'SELECT rn, src, array_remove(ARRAY[NULL::text %s], NULL) AS reasons, '
        '       CASE WHEN false %s THEN ''suppressed'' END AS suppressed %s, '
        '       NULL::text AS outcome, NULL::text AS existing_key '
        '  FROM (SELECT row_number() OVER (ORDER BY s.ctid) AS rn, to_jsonb(s) AS src, '
        '               %s AS import_region %s FROM %s s) r',
        chk, supp, cols, region_sql, sel, staging);
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE 'import: % staged rows checked and normalized (% s)', n,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    -- Phase 2: suppression and consent first (their data is never kept), then invalid rows.
    UPDATE contacts_import_rows SET outcome = 'suppressed' WHERE suppressed IS NOT NULL;
    IF consent_alias IS NOT NULL THEN
        EXECUTE format('UPDATE contacts_import_rows SET outcome = ''no_consent'' '
                       'WHERE outcome IS NULL AND %s IS DISTINCT FROM true', consent_alias);
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
    RAISE NOTICE 'import: % to insert, % to update, % kept as duplicates, % rejected, % suppressed (% s)',
        run.inserted, run.updated, run.kept, run.rejected, run.suppressed,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    IF dry_run THEN
        DROP TABLE pg_temp.contacts_import_rows;
        run.finished_at := clock_timestamp();
        RETURN run;
    END IF;

    INSERT INTO @extschema@.import_run (target, staging, duplicate_key, on_duplicate, dry_run, started_at, run_by)
    VALUES (target, staging, duplicate_key, on_duplicate, false, t0, current_user)
    RETURNING import_id INTO run.import_id;

    INSERT INTO @extschema@.import_reject (import_id, row_number, category, reasons, source)
    SELECT run.import_id, rn, outcome,
           CASE outcome WHEN 'invalid' THEN reasons
                        WHEN 'no_consent' THEN ARRAY['NO_CONSENT']
                        ELSE ARRAY['SUPPRESSED'] END,
           CASE WHEN outcome = 'invalid' THEN src END
      FROM contacts_import_rows WHERE outcome IN ('invalid', 'suppressed', 'no_consent');

    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM contacts_import_rows WHERE outcome = ''insert'' ORDER BY rn',
                   target, substr(ins_cols, 3), substr(sel_cols, 3));
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> run.inserted THEN
        RAISE EXCEPTION 'import inserted % rows into % instead of %', n, target, run.inserted
            USING ERRCODE = 'internal_error',
                  HINT = 'A trigger on the target skipped or redirected rows; the import was rolled back.';
    END IF;

    IF run.updated > 0 THEN
        IF upd_set = '' THEN
            RAISE EXCEPTION 'on_duplicate = update, but no mapped column may be updated'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Map a column other than the key with on_update fill or overwrite.';
        END IF;
        -- Several staged rows may update one record: the last one in file
        -- order is applied, with each column's on_update rule.
        -- A row that duplicates one inserted by this import finds it by key.
        EXECUTE format(
            'UPDATE %1$s t SET %2$s FROM ('
            '  SELECT DISTINCT ON (target_key) * FROM (SELECT r.*, '
            '         coalesce(r.existing_key, %3$s) AS target_key '
            '    FROM contacts_import_rows r WHERE outcome = ''update'') x ORDER BY target_key, rn DESC) u '
            ' WHERE t.%4$I::text = u.target_key',
            target, substr(upd_set, 3),
            CASE WHEN duplicate_key IS NULL THEN 'NULL'
                 ELSE format('(SELECT t2.%1$I::text FROM %2$s t2 WHERE %3$s ORDER BY t2.%1$I LIMIT 1)',
                             cfg.key_column, target,
                             @extschema@.kind_key_sql(key_kind, format('t2.%I', duplicate_key)) || ' = '
                             || @extschema@.kind_key_sql(key_kind, 'r.' || key_alias)) END,
            cfg.key_column);
    END IF;

    run.finished_at := clock_timestamp();
    UPDATE @extschema@.import_run SET finished_at = run.finished_at, staged = run.staged,
           inserted = run.inserted, updated = run.updated, kept = run.kept,
           rejected = run.rejected, suppressed = run.suppressed
     WHERE import_id = run.import_id;
    DROP TABLE pg_temp.contacts_import_rows;
    RAISE NOTICE 'import % done in % s', run.import_id,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
    RETURN run;
END;
$$;

COMMENT ON FUNCTION @extschema@.import(regclass, regclass, jsonb, name, text, boolean, text, boolean) IS
'Import a staging table into a configured contact table: map columns, check and normalize each by its kind, set aside invalid rows with their reasons, never import suppressed or non-consenting contacts, and apply the duplicate policy (keep, create or update) on the chosen duplicate key, inside the file and against the table, and with fuzzy on likely duplicates found by the dedupe model';

CREATE OR REPLACE FUNCTION @extschema@.health(tbl regclass, stale_before timestamptz DEFAULT NULL)
RETURNS TABLE (check_name text, column_name name, affected bigint, total bigint, rate numeric, example text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg    @extschema@.table_config;
    k      record;
    region text;
    aggs   text := '';
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

    EXECUTE format('SELECT ARRAY[count(*)::text %s] FROM %s', aggs, tbl) INTO vals;
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
                       @extschema@.kind_key_sql(k.kind, 'v'))
           INTO n, example;
        check_name := 'duplicate ' || k.kind;
        column_name := k.col;
        affected := n;
        rate := round(n::numeric / NULLIF(total, 0), 4);
        RETURN NEXT;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION @extschema@.health(regclass, timestamptz) IS
'Data-quality report of a configured table: per column, missing required values, invalid emails/phones/IDs, values not in normal form, exact duplicates on duplicate keys, and records not updated since stale_before; counts, rates and an example each';

-- ---------------------------------------------------------------------------
-- Privileges and row security (new in 0.2.0: src/sql/90_privileges.sql)
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.owns_table(tbl regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE')
  FROM pg_catalog.pg_class c
 WHERE c.oid OPERATOR(pg_catalog.=) tbl::pg_catalog.oid
$$;

COMMENT ON FUNCTION @extschema@.owns_table(regclass) IS
'True when the current role owns tbl or has the privileges of its owner; NULL when tbl no longer exists; used by the row security policies of the extension''s tables';

-- Configuration: table_config, column_kind, merge_config, dedupe_settings
-- and dedupe_model, all keyed by tbl.
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.table_config, @extschema@.column_kind,
    @extschema@.merge_config, @extschema@.dedupe_settings, @extschema@.dedupe_model TO PUBLIC;

-- The same two policies on each: read by any role with a privilege on the
-- table, written by its owners.
DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['table_config', 'configuration'],
                                     ['column_kind', 'column kinds'],
                                     ['merge_config', 'merge settings'],
                                     ['dedupe_settings', 'dedupe settings'],
                                     ['dedupe_model', 'match model']] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t[1]);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT '
                       'USING (pg_catalog.has_table_privilege(tbl, ''SELECT, INSERT, UPDATE, DELETE''))',
                       t[1] || '_read', t[1]);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I USING (@extschema@.owns_table(tbl))',
                       t[1] || '_owner', t[1]);
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_read', t[1],
                       format('A table''s %s is visible to every role with a privilege on the table', t[2]));
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_owner', t[1],
                       format('A table''s %s is written by its owners', t[2]));
    END LOOP;
END
$$;

-- Dedupe results hold keys and explanations of the table's records.
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.dedupe_runs, @extschema@.dedupe_pairs,
    @extschema@.dedupe_clusters TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.dedupe_runs_run_id_seq TO PUBLIC;

ALTER TABLE @extschema@.dedupe_runs ENABLE ROW LEVEL SECURITY;
CREATE POLICY dedupe_runs_read ON @extschema@.dedupe_runs FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY dedupe_runs_owner ON @extschema@.dedupe_runs
    USING (@extschema@.owns_table(tbl));
COMMENT ON POLICY dedupe_runs_read ON @extschema@.dedupe_runs IS
'A table''s dedupe runs are visible to the roles that may read the table';
COMMENT ON POLICY dedupe_runs_owner ON @extschema@.dedupe_runs IS
'A table''s dedupe runs are written by its owners, who run dedupe_run';

-- A run's pairs and clusters go with the run's table.
DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['dedupe_pairs', 'pairs'], ['dedupe_clusters', 'clusters']] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t[1]);
        EXECUTE format('CREATE POLICY %1$I ON @extschema@.%2$I FOR SELECT '
                       'USING (EXISTS (SELECT 1 FROM @extschema@.dedupe_runs r '
                       'WHERE r.run_id OPERATOR(pg_catalog.=) %2$I.run_id '
                       'AND pg_catalog.has_table_privilege(r.tbl, ''SELECT'')))', t[1] || '_read', t[1]);
        EXECUTE format('CREATE POLICY %1$I ON @extschema@.%2$I '
                       'USING (EXISTS (SELECT 1 FROM @extschema@.dedupe_runs r '
                       'WHERE r.run_id OPERATOR(pg_catalog.=) %2$I.run_id '
                       'AND @extschema@.owns_table(r.tbl)))', t[1] || '_owner', t[1]);
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_read', t[1],
                       format('A run''s %s are visible to the roles that may read its table', t[2]));
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_owner', t[1],
                       format('A run''s %s are written by the owners of its table', t[2]));
    END LOOP;
END
$$;

-- The merge log keeps before-images of rows: readable with SELECT on the
-- table they came from; written only into one's own merges.
GRANT SELECT, INSERT, UPDATE ON @extschema@.merge_log TO PUBLIC;
GRANT SELECT, INSERT ON @extschema@.merge_log_row TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.merge_log_merge_id_seq, @extschema@.merge_log_row_row_id_seq TO PUBLIC;

ALTER TABLE @extschema@.merge_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY merge_log_read ON @extschema@.merge_log FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY merge_log_merge ON @extschema@.merge_log FOR INSERT
    WITH CHECK (merged_by OPERATOR(pg_catalog.=) CURRENT_USER AND unmerged_at IS NULL
                AND pg_catalog.has_table_privilege(tbl, 'UPDATE'));
CREATE POLICY merge_log_unmerge ON @extschema@.merge_log FOR UPDATE
    USING (pg_catalog.has_table_privilege(tbl, 'UPDATE'))
    WITH CHECK (unmerged_by OPERATOR(pg_catalog.=) CURRENT_USER);
COMMENT ON POLICY merge_log_read ON @extschema@.merge_log IS
'A merge is visible to the roles that may read its table';
COMMENT ON POLICY merge_log_merge ON @extschema@.merge_log IS
'A role logs only merges of its own, of tables it may update';
COMMENT ON POLICY merge_log_unmerge ON @extschema@.merge_log IS
'A role that may update the table marks a merge undone, in its own name';

ALTER TABLE @extschema@.merge_log_row ENABLE ROW LEVEL SECURITY;
CREATE POLICY merge_log_row_read ON @extschema@.merge_log_row FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY merge_log_row_merge ON @extschema@.merge_log_row FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM @extschema@.merge_log m
                         WHERE m.merge_id OPERATOR(pg_catalog.=) merge_log_row.merge_id
                           AND m.merged_by OPERATOR(pg_catalog.=) CURRENT_USER
                           AND m.unmerged_at IS NULL));
COMMENT ON POLICY merge_log_row_read ON @extschema@.merge_log_row IS
'A logged row is visible to the roles that may read the table it belongs to';
COMMENT ON POLICY merge_log_row_merge ON @extschema@.merge_log_row IS
'A role logs rows only into a merge of its own that is not undone';

-- Batch merges: the batch and its clusters (keys, and errors that may quote
-- values) go with the table.
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.merge_batch, @extschema@.merge_batch_cluster TO PUBLIC;

ALTER TABLE @extschema@.merge_batch ENABLE ROW LEVEL SECURITY;
CREATE POLICY merge_batch_read ON @extschema@.merge_batch FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY merge_batch_write ON @extschema@.merge_batch
    USING (pg_catalog.has_table_privilege(tbl, 'UPDATE'));
COMMENT ON POLICY merge_batch_read ON @extschema@.merge_batch IS
'A batch merge is visible to the roles that may read its table';
COMMENT ON POLICY merge_batch_write ON @extschema@.merge_batch IS
'A batch merge is started, resumed or deleted by the roles that may update its table';

ALTER TABLE @extschema@.merge_batch_cluster ENABLE ROW LEVEL SECURITY;
CREATE POLICY merge_batch_cluster_read ON @extschema@.merge_batch_cluster FOR SELECT
    USING (EXISTS (SELECT 1 FROM @extschema@.merge_batch b
                    WHERE b.batch_name OPERATOR(pg_catalog.=) merge_batch_cluster.batch_name
                      AND pg_catalog.has_table_privilege(b.tbl, 'SELECT')));
CREATE POLICY merge_batch_cluster_write ON @extschema@.merge_batch_cluster
    USING (EXISTS (SELECT 1 FROM @extschema@.merge_batch b
                    WHERE b.batch_name OPERATOR(pg_catalog.=) merge_batch_cluster.batch_name
                      AND pg_catalog.has_table_privilege(b.tbl, 'UPDATE')));
COMMENT ON POLICY merge_batch_cluster_read ON @extschema@.merge_batch_cluster IS
'A batch''s clusters are visible to the roles that may read its table';
COMMENT ON POLICY merge_batch_cluster_write ON @extschema@.merge_batch_cluster IS
'A batch''s clusters are recorded or cleared by the roles that may update its table';

-- Imports: rejected rows keep the staged data of invalid rows.
GRANT SELECT, INSERT, UPDATE ON @extschema@.import_run TO PUBLIC;
GRANT SELECT, INSERT ON @extschema@.import_reject TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.import_run_import_id_seq TO PUBLIC;

ALTER TABLE @extschema@.import_run ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_run_read ON @extschema@.import_run FOR SELECT
    USING (pg_catalog.has_table_privilege(target, 'SELECT'));
CREATE POLICY import_run_import ON @extschema@.import_run FOR INSERT
    WITH CHECK (run_by OPERATOR(pg_catalog.=) CURRENT_USER
                AND pg_catalog.has_table_privilege(target, 'INSERT'));
CREATE POLICY import_run_finish ON @extschema@.import_run FOR UPDATE
    USING (run_by OPERATOR(pg_catalog.=) CURRENT_USER)
    WITH CHECK (run_by OPERATOR(pg_catalog.=) CURRENT_USER);
COMMENT ON POLICY import_run_read ON @extschema@.import_run IS
'An import is visible to the roles that may read its target';
COMMENT ON POLICY import_run_import ON @extschema@.import_run IS
'A role records only its own imports, into tables it may insert into';
COMMENT ON POLICY import_run_finish ON @extschema@.import_run IS
'A role completes only its own imports';

ALTER TABLE @extschema@.import_reject ENABLE ROW LEVEL SECURITY;
CREATE POLICY import_reject_read ON @extschema@.import_reject FOR SELECT
    USING (EXISTS (SELECT 1 FROM @extschema@.import_run r
                    WHERE r.import_id OPERATOR(pg_catalog.=) import_reject.import_id
                      AND pg_catalog.has_table_privilege(r.target, 'SELECT')));
CREATE POLICY import_reject_import ON @extschema@.import_reject FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM @extschema@.import_run r
                         WHERE r.import_id OPERATOR(pg_catalog.=) import_reject.import_id
                           AND r.run_by OPERATOR(pg_catalog.=) CURRENT_USER
                           AND r.finished_at IS NULL));
COMMENT ON POLICY import_reject_read ON @extschema@.import_reject IS
'An import''s rejected rows are visible to the roles that may read its target';
COMMENT ON POLICY import_reject_import ON @extschema@.import_reject IS
'A role records rejected rows only into its own import while it runs';

-- The suppression list and its key stay with the extension's owner.
REVOKE ALL ON @extschema@.suppression, @extschema@.suppression_key FROM PUBLIC;
