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

-- a new parameter: the old signature goes
DROP FUNCTION @extschema@.configure(regclass, name, jsonb, text, text, text, name, name, name, name[], name[], boolean);
CREATE FUNCTION @extschema@.configure(
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
    fuzzy_duplicates boolean DEFAULT false,
    email_duplicate_key text DEFAULT 'email')
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
    IF email_duplicate_key IS NULL OR email_duplicate_key NOT IN ('email', 'email_canonical') THEN
        RAISE EXCEPTION 'unknown email duplicate key "%"', email_duplicate_key
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use email (case-insensitive address) or email_canonical (also Gmail dots and +tags, googlemail = gmail).';
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
            updated_at_column, consent_column, fuzzy_duplicates, email_duplicate_key)
    VALUES (configure.tbl, configure.key_column, configure.default_region, configure.on_invalid,
            configure.on_duplicate, configure.flag_column, configure.updated_at_column,
            configure.consent_column, configure.fuzzy_duplicates, configure.email_duplicate_key)
    ON CONFLICT ON CONSTRAINT table_config_pkey DO UPDATE
       SET key_column = EXCLUDED.key_column, default_region = EXCLUDED.default_region,
           on_invalid = EXCLUDED.on_invalid, on_duplicate = EXCLUDED.on_duplicate,
           flag_column = EXCLUDED.flag_column, updated_at_column = EXCLUDED.updated_at_column,
           consent_column = EXCLUDED.consent_column, fuzzy_duplicates = EXCLUDED.fuzzy_duplicates,
           email_duplicate_key = EXCLUDED.email_duplicate_key;

    DELETE FROM @extschema@.column_kind k WHERE k.tbl = configure.tbl;
    INSERT INTO @extschema@.column_kind (tbl, col, kind, duplicate_key, required)
    SELECT configure.tbl, e.key, e.value, e.key = ANY (duplicate_keys), e.key = ANY (required)
      FROM jsonb_each_text(kinds) e;
END;
$$;

COMMENT ON FUNCTION @extschema@.configure(regclass, name, jsonb, text, text, text, name, name, name, name[], name[], boolean, text) IS
'Declare a contact table: its key column, which column holds which kind of value ({"col": "email", ...}), the default phone region, the entry trigger''s actions on invalid values and duplicates (exact keys, and with fuzzy_duplicates likely duplicates by the dedupe model), optional flag (jsonb), updated-at and consent columns, and the email duplicate key (email, or email_canonical for provider-aware addresses)';

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
SELECT CASE kind WHEN 'email' THEN format('@extschema@.email_key((%s)::text)', value_sql)
                 WHEN 'email_canonical' THEN format('@extschema@.email_canonical_key((%s)::text)', value_sql)
                 ELSE value_sql END
$$;

COMMENT ON FUNCTION @extschema@.kind_key_sql(text, text) IS
'SQL expression of value_sql as a duplicate key of kind (emails: contacts.email_key; email_canonical: contacts.email_canonical_key); index it, e.g. CREATE INDEX ON t (contacts.email_key(email)), to make duplicate checks fast';

CREATE OR REPLACE FUNCTION @extschema@.merge_rules(tbl regclass, rules jsonb DEFAULT NULL,
                                        OUT column_name text, OUT rule text,
                                        OUT validator text, OUT source text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_merge_rules'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.merge_rules(regclass, jsonb) IS
'The survivorship rule a merge of tbl applies to each column (with the given call rules), and where it comes from: default, table (contacts.merge_config) or call';

-- a new parameter: the old signature goes
DROP FUNCTION @extschema@.merge_configure(regclass, jsonb, name, name);
CREATE FUNCTION @extschema@.merge_configure(tbl regclass, rules jsonb DEFAULT '{}',
                                            soft_delete_column name DEFAULT NULL,
                                            updated_at_column name DEFAULT NULL,
                                            alternate_columns jsonb DEFAULT '{}')
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'configure merges of');
    IF jsonb_typeof(COALESCE(alternate_columns, '{}')) <> 'object' OR EXISTS (
           SELECT 1 FROM jsonb_each(alternate_columns) e
            WHERE e.key NOT IN ('email', 'phone', 'national_id') OR jsonb_typeof(e.value) <> 'string') THEN
        RAISE EXCEPTION 'alternate_columns must map email, phone or national_id to an array column name'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'For example {"email": "other_emails"}; kinds not named keep their alternates in contacts.alternate.';
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_each_text(alternate_columns) e
                WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a
                                   JOIN pg_type ty ON ty.oid = a.atttypid
                                  WHERE a.attrelid = tbl AND a.attname = e.value AND a.attnum > 0
                                    AND NOT a.attisdropped AND ty.typcategory = 'A')) THEN
        RAISE EXCEPTION 'every column of alternate_columns must be an array column of table %', tbl
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Add one, e.g. ALTER TABLE ... ADD COLUMN other_emails text[].';
    END IF;
    INSERT INTO @extschema@.merge_config AS c (tbl, rules, soft_delete_column, updated_at_column,
                                               alternate_columns)
    VALUES (tbl, COALESCE(rules, '{}'), soft_delete_column, updated_at_column,
            COALESCE(alternate_columns, '{}'))
    ON CONFLICT ON CONSTRAINT merge_config_pkey DO UPDATE
       SET rules = EXCLUDED.rules,
           soft_delete_column = EXCLUDED.soft_delete_column,
           updated_at_column = EXCLUDED.updated_at_column,
           alternate_columns = EXCLUDED.alternate_columns;
    -- validate now rather than at the first merge
    PERFORM @extschema@.merge_rules(tbl);
END
$$;

COMMENT ON FUNCTION @extschema@.merge_configure(regclass, jsonb, name, name, jsonb) IS
'Set the merge configuration of tbl (survivorship rules by column, soft-delete flag column, updated-at column, array columns keeping alternates by kind) after checking it';

-- a new parameter: the old signature goes
DROP PROCEDURE @extschema@.merge_clusters(regclass, text, integer, jsonb, text, text);
CREATE PROCEDURE @extschema@.merge_clusters(tbl regclass, clusters text,
                                            batch_size integer DEFAULT 1000,
                                            rules jsonb DEFAULT NULL,
                                            reason text DEFAULT NULL,
                                            batch_name text DEFAULT NULL,
                                            survivor text DEFAULT NULL)
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
    v_one_key   boolean;
    v_survivor  text := survivor;
    v_key       text;
BEGIN
    IF tbl IS NULL OR clusters IS NULL THEN
        RAISE EXCEPTION 'table and clusters query of a batch merge must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- by default the most complete member; a composite key has only smallest_key
    v_one_key := EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                          WHERE i.indrelid OPERATOR(pg_catalog.=) tbl AND i.indisprimary
                            AND i.indnkeyatts OPERATOR(pg_catalog.=) 1);
    v_survivor := COALESCE(v_survivor, CASE WHEN v_one_key THEN 'most_complete' ELSE 'smallest_key' END);
    -- a member key from its jsonb e: the key column's type, or ROW(...) of
    -- the key columns' types (to_jsonb gives a ROW's fields as f1, f2, ...)
    SELECT CASE WHEN pg_catalog.count(*) OPERATOR(pg_catalog.=) 1
                THEN pg_catalog.format('(e.e #>> ''{}'')::%s', pg_catalog.min(t))
                ELSE 'ROW(' || pg_catalog.string_agg(pg_catalog.format('(e.e ->> ''f%s'')::%s', k.n, t), ', ' ORDER BY k.n) || ')' END
      INTO v_key
      FROM pg_catalog.pg_index i,
           LATERAL pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY k(att, n),
           LATERAL (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) AS t FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid OPERATOR(pg_catalog.=) i.indrelid AND a.attnum OPERATOR(pg_catalog.=) k.att) a
     WHERE i.indrelid OPERATOR(pg_catalog.=) tbl AND i.indisprimary
       AND k.n OPERATOR(pg_catalog.<=) i.indnkeyatts;
    IF v_key IS NULL THEN
        -- no primary key: merge() says so for each cluster
        v_key := '(e.e #>> ''{}'')';
    END IF;
    IF v_survivor NOT IN ('most_complete', 'most_recent', 'oldest', 'most_referenced', 'smallest_key')
       AND pg_catalog.lower(v_survivor) NOT LIKE 'order by %' THEN
        RAISE EXCEPTION 'unknown survivor rule "%"', v_survivor
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use most_complete, most_recent, oldest, most_referenced, smallest_key, or ORDER BY expressions over the members'' columns (the row is t).';
    END IF;
    IF v_survivor <> 'smallest_key' AND NOT v_one_key THEN
        RAISE EXCEPTION 'survivor rule "%" needs a one-column primary key on table %', v_survivor, tbl
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use survivor => ''smallest_key'' for a composite key.';
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
        'SELECT q.cluster_id::text AS cluster_id, pg_catalog.count(*) AS n, '
        'pg_catalog.to_jsonb(pg_catalog.array_agg(q.member_key ORDER BY q.member_key)) AS members '
        'FROM (%s) q WHERE NOT EXISTS (SELECT 1 FROM @extschema@.merge_batch_cluster d '
        '  WHERE d.batch_name = $1 AND d.cluster_id = q.cluster_id::text) '
        'GROUP BY 1 ORDER BY 1', clusters) USING v_batch
    LOOP
        BEGIN
            -- (members travel as jsonb, made keys again by v_key: their type
            -- differs from one table to the next, and a plan this function
            -- caches would keep the first)
            IF v_cluster.n < 2 THEN
                v_merge_id := NULL;
            ELSE
                -- the survivor by the rule (members are sorted: smallest_key is the first)
                EXECUTE pg_catalog.format(
                    'SELECT @extschema@.merge($1, CASE WHEN $5 = ''smallest_key'' THEN x.m[1] '
                    'ELSE @extschema@.choose_survivor($1, x.m, $5) END, x.m, $3, $4) '
                    'FROM (SELECT ARRAY(SELECT %s FROM pg_catalog.jsonb_array_elements($2) WITH ORDINALITY e(e, o) '
                    'ORDER BY e.o) AS m) x', v_key)
                   INTO v_merge_id USING tbl, v_cluster.members, rules, reason, v_survivor;
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

COMMENT ON PROCEDURE @extschema@.merge_clusters(regclass, text, integer, jsonb, text, text, text) IS
'Merge every cluster given by the query clusters (columns cluster_id and member_key: the primary key, or ROW(...) for a composite key) into the member the survivor rule picks (see contacts.choose_survivor; by default most_complete, smallest_key for a composite key), committing every batch_size clusters and reporting progress; run it again with the same arguments (or batch_name) to resume after a cancel';

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
    key_configured boolean := false;
    key_base_kind text;
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
'Data-quality report of a configured table: per column, missing required values, invalid emails/phones/IDs, values not in normal form, exact duplicates on duplicate keys (by the table''s email duplicate key), rows holding another row''s alternate, the alternates merges kept per kind, and records not updated since stale_before; counts, rates and an example each';

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

-- ---------------------------------------------------------------------------
-- Alternates kept by merges, the email_canonical duplicate key, survivor
-- choice in batch merges and merge_run (issue 18)
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.email_canonical_key(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_canonical_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_canonical_key(text) IS
'Provider-aware duplicate key of a text (email_canonical of its email_key: Gmail dots and +tags removed, googlemail = gmail); NULL when the text is not an address. The key of the email_canonical duplicate key option; index it: CREATE INDEX ON t (contacts.email_canonical_key(email))';

ALTER TABLE @extschema@.table_config
    ADD COLUMN email_duplicate_key text NOT NULL DEFAULT 'email'
               CHECK (email_duplicate_key IN ('email', 'email_canonical'));
COMMENT ON TABLE @extschema@.table_config IS
'One row per contact table managed by contacts: its key column, default phone region, what the entry trigger does with invalid values and duplicates (exact keys, and likely duplicates by the dedupe model when fuzzy_duplicates), optional flag, updated-at and consent columns, and whether email duplicate keys compare case-insensitively (email) or provider-aware (email_canonical: Gmail dots and +tags)';

-- The key kind of a table's duplicate-key column of kind: emails by the
-- table's email_duplicate_key, every other kind by itself.
CREATE FUNCTION @extschema@.duplicate_key_kind(tbl regclass, kind text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN kind = 'email'
            THEN COALESCE((SELECT c.email_duplicate_key FROM @extschema@.table_config c WHERE c.tbl = duplicate_key_kind.tbl), 'email')
            ELSE kind END
$$;

COMMENT ON FUNCTION @extschema@.duplicate_key_kind(regclass, text) IS
'The key kind that duplicates of a column of kind are compared by in table tbl (for kind_key_sql): email or email_canonical for emails, as configured; the kind itself otherwise';

ALTER TABLE @extschema@.merge_config
    ADD COLUMN alternate_columns jsonb NOT NULL DEFAULT '{}'
               CHECK (jsonb_typeof(alternate_columns) = 'object');
COMMENT ON TABLE @extschema@.merge_config IS
'Per-table merge settings: survivorship rules by column ({"column": "rule"}), the flag column that marks merged-away rows instead of deleting them, the updated-at column that most_recent and the preference order use, and the array columns that keep the alternates (other emails, phones, national IDs of merged-away rows) by kind ({"email": "other_emails"}; a kind not named keeps them in contacts.alternate)';
-- the entry trigger reads alternate_columns
CREATE TRIGGER merge_config_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.merge_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();

CREATE FUNCTION @extschema@.choose_survivor(tbl regclass, members anyarray, rule text DEFAULT 'most_complete')
RETURNS anyelement
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    chosen    ALIAS FOR $0;
    pk        name;
    upd       name;
    created   name;
    recency   text := '';
    order_sql text;
    refs      text := '';
    fk        record;
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'SELECT', 'choose a survivor in');
    IF rule IS NULL OR members IS NULL OR cardinality(members) = 0 THEN
        RAISE EXCEPTION 'a survivor is chosen by a rule among at least one member'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF rule = 'smallest_key' THEN
        SELECT m INTO chosen FROM unnest(members) m ORDER BY m LIMIT 1;
        RETURN chosen;
    END IF;
    IF rule NOT IN ('most_complete', 'most_recent', 'oldest', 'most_referenced')
       AND lower(rule) NOT LIKE 'order by %' THEN
        RAISE EXCEPTION 'unknown survivor rule "%"', rule
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use most_complete, most_recent, oldest, most_referenced, smallest_key, or ORDER BY expressions over the members'' columns (the row is t).';
    END IF;
    SELECT a.attname INTO pk FROM pg_index i
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
     WHERE i.indrelid = tbl AND i.indisprimary AND i.indnkeyatts = 1;
    IF pk IS NULL THEN
        RAISE EXCEPTION 'survivor rule "%" needs a one-column primary key on table %', rule, tbl
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use survivor => ''smallest_key'' for a composite key.';
    END IF;
    -- the updated-at column: merge_config's, else configure()'s, else updated_at
    SELECT c.updated_at_column INTO upd FROM @extschema@.merge_config c WHERE c.tbl = choose_survivor.tbl;
    IF upd IS NULL THEN
        SELECT c.updated_at_column INTO upd FROM @extschema@.table_config c WHERE c.tbl = choose_survivor.tbl;
    END IF;
    IF upd IS NULL THEN
        SELECT a.attname INTO upd FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attname = 'updated_at' AND NOT a.attisdropped
           AND a.atttypid IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype);
    END IF;
    IF upd IS NOT NULL THEN
        recency := format('t.%I DESC NULLS LAST, ', upd);
    END IF;
    CASE
    WHEN rule = 'most_complete' THEN
        -- the most non-empty values, then the most recently updated
        order_sql := '(SELECT count(*) FROM jsonb_each(to_jsonb(t)) e '
                     'WHERE e.value NOT IN (''null'', ''""'', ''[]'', ''{}'')) DESC, ' || recency;
    WHEN rule = 'most_recent' THEN
        IF upd IS NULL THEN
            RAISE EXCEPTION 'survivor rule "most_recent" needs an updated-at column on table %', tbl
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Name it with contacts.merge_configure(updated_at_column => ...), or add a column named updated_at.';
        END IF;
        order_sql := recency;
    WHEN rule = 'oldest' THEN
        -- the earliest created_at when there is one, else the smallest key
        SELECT a.attname INTO created FROM pg_attribute a
         WHERE a.attrelid = tbl AND a.attname = 'created_at' AND NOT a.attisdropped;
        order_sql := CASE WHEN created IS NULL THEN '' ELSE format('t.%I NULLS LAST, ', created) END;
    WHEN rule = 'most_referenced' THEN
        -- the most rows of other tables pointing at it (one-column foreign keys)
        FOR fk IN SELECT c.conrelid::regclass AS rel, a.attname AS col
                    FROM pg_constraint c
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                    JOIN pg_attribute p ON p.attrelid = c.confrelid AND p.attnum = c.confkey[1]
                   WHERE c.contype = 'f' AND c.confrelid = tbl AND cardinality(c.conkey) = 1 AND p.attname = pk
                   ORDER BY 1::text, 2 LOOP
            refs := refs || format(' + (SELECT count(*) FROM %s r WHERE r.%I = t.%I)', fk.rel, fk.col, pk);
        END LOOP;
        order_sql := '(0' || refs || ') DESC, ' || recency;
    ELSE
        order_sql := substr(rule, 10) || ', ';
    END CASE;
    EXECUTE format('SELECT t.%1$I FROM %2$s t WHERE t.%1$I = ANY ($1) ORDER BY %3$s t.%1$I LIMIT 1',
                   pk, tbl, order_sql)
       INTO chosen USING members;
    RETURN chosen;
END
$$;

COMMENT ON FUNCTION @extschema@.choose_survivor(regclass, anyarray, text) IS
'The member of a batch-merge cluster that survives, by rule: most_complete (most non-empty values; the default), most_recent (the updated-at column), oldest (created_at, else the smallest key), most_referenced (most rows of other tables pointing at it), smallest_key, or ''ORDER BY ...'' over the members (the row is t, names resolved under search_path pg_catalog); ties go to the most recently updated, then the smallest key';

CREATE PROCEDURE @extschema@.merge_run(run_id bigint,
                                       min_probability float8 DEFAULT NULL,
                                       batch_size integer DEFAULT 1000,
                                       survivor text DEFAULT NULL,
                                       rules jsonb DEFAULT NULL,
                                       reason text DEFAULT NULL,
                                       batch_name text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    v_tbl      regclass;
    v_clusters bigint;
    v_flagged  bigint;
    v_weak     bigint;
    v_where    text;
BEGIN
    IF run_id IS NULL THEN
        RAISE EXCEPTION 'run_id must not be null' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF min_probability IS NOT NULL AND NOT (min_probability > 0 AND min_probability <= 1) THEN
        RAISE EXCEPTION 'min_probability must be in (0, 1]' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT r.tbl INTO v_tbl FROM @extschema@.dedupe_runs r WHERE r.run_id OPERATOR(pg_catalog.=) merge_run.run_id;
    IF v_tbl IS NULL THEN
        RAISE EXCEPTION 'dedupe run % does not exist', run_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'Runs of the tables you may read are listed in contacts.dedupe_runs.';
    END IF;
    -- a cluster is merged when it is not flagged and, with min_probability,
    -- when every pair linking its members reaches it
    -- (a procedure that commits cannot pin search_path: operators are qualified)
    v_where := pg_catalog.format('c.run_id OPERATOR(pg_catalog.=) %s AND NOT c.flagged', run_id);
    IF min_probability IS NOT NULL THEN
        v_where := v_where || pg_catalog.format(
            ' AND NOT EXISTS (SELECT 1 FROM @extschema@.dedupe_pairs p JOIN @extschema@.dedupe_clusters a '
            '  ON a.run_id OPERATOR(pg_catalog.=) p.run_id AND a.key OPERATOR(pg_catalog.=) p.key_a '
            '  WHERE p.run_id OPERATOR(pg_catalog.=) c.run_id AND a.cluster_id OPERATOR(pg_catalog.=) c.cluster_id '
            '  AND p.probability OPERATOR(pg_catalog.<) %s)', min_probability);
    END IF;
    SELECT pg_catalog.count(DISTINCT c.cluster_id),
           pg_catalog.count(DISTINCT c.cluster_id) FILTER (WHERE c.flagged)
      INTO v_clusters, v_flagged
      FROM @extschema@.dedupe_clusters c WHERE c.run_id OPERATOR(pg_catalog.=) merge_run.run_id;
    EXECUTE 'SELECT pg_catalog.count(DISTINCT c.cluster_id) FROM @extschema@.dedupe_clusters c WHERE ' || v_where
       INTO v_weak;
    v_weak := v_clusters - v_flagged - v_weak;
    RAISE NOTICE 'dedupe run %: % clusters, % flagged and % below min_probability skipped',
        run_id, v_clusters, v_flagged, v_weak;
    CALL @extschema@.merge_clusters(v_tbl,
        'SELECT c.cluster_id, c.key AS member_key FROM @extschema@.dedupe_clusters c WHERE ' || v_where,
        batch_size, rules, COALESCE(reason, pg_catalog.format('dedupe run %s', run_id)),
        COALESCE(batch_name, pg_catalog.format('merge_run %s, min_probability %s', run_id,
                                               COALESCE(min_probability::text, 'any'))),
        survivor);
END
$$;

COMMENT ON PROCEDURE @extschema@.merge_run(bigint, float8, integer, text, jsonb, text, text) IS
'Merge the clusters of a dedupe run, skipping flagged clusters and, with min_probability, clusters linked by a pair below it, into the member the survivor rule picks (contacts.choose_survivor), as merge_clusters does: a commit every batch_size clusters, progress notices, and resumable (call it again with the same arguments)';

COMMENT ON FUNCTION @extschema@.dedupe_run(regclass) IS
'Find the duplicates of a table configured with contacts.configure(): normalized features, blocking rules unioned, EM estimation of m and u, scoring with term-frequency adjustment, records holding another''s alternate compared under it, clustering; returns the run_id of the results in dedupe_runs, dedupe_pairs and dedupe_clusters';
COMMENT ON FUNCTION @extschema@.dedupe_match(regclass, jsonb, integer, float8) IS
'Best matches of one row (as jsonb of column values) among the records of the table''s last dedupe run, scored with that run''s model, most probable first; records merged away since are offered as their survivor, and survivors keeping one of the row''s values as an alternate are compared under it';
CREATE TABLE @extschema@.alternate (
    tbl       regclass NOT NULL,
    survivor  text NOT NULL,
    kind      text NOT NULL CHECK (kind IN ('email', 'phone', 'national_id')),
    value     text NOT NULL,
    merge_id  bigint NOT NULL REFERENCES @extschema@.merge_log ON DELETE CASCADE,
    PRIMARY KEY (tbl, survivor, kind, value, merge_id)
);
-- the entry trigger's and import's lookups, by each duplicate key form
CREATE INDEX alternate_value_idx ON @extschema@.alternate (tbl, kind, value);
CREATE INDEX alternate_email_key_idx ON @extschema@.alternate (tbl, @extschema@.email_key(value))
    WHERE kind = 'email';
CREATE INDEX alternate_email_canonical_idx ON @extschema@.alternate (tbl, @extschema@.email_canonical_key(value))
    WHERE kind = 'email';
-- unmerge removes what its merge added
CREATE INDEX alternate_merge_idx ON @extschema@.alternate (merge_id);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.alternate', '');

COMMENT ON TABLE @extschema@.alternate IS
'Alternates kept by merges for tables that name no array column for the kind (contacts.merge_configure(alternate_columns => ...)): the survivor''s key (as text, of the key column of contacts.configure), the kind, the normalized value of a merged-away row, and the merge that added it (unmerge removes it)';

CREATE FUNCTION @extschema@.alternate_keys(kind text, vals text[])
RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.array_agg(k)
  FROM (SELECT CASE kind WHEN 'email' THEN @extschema@.email_key(v)
                         WHEN 'email_canonical' THEN @extschema@.email_canonical_key(v)
                         ELSE v END AS k
          FROM pg_catalog.unnest(vals) v) x
 WHERE k IS NOT NULL
$$;

COMMENT ON FUNCTION @extschema@.alternate_keys(text, text[]) IS
'The duplicate keys (of key kind email, email_canonical, phone or national_id) of the values of an alternates array column; index it to make duplicate checks through alternates fast: CREATE INDEX ON t USING gin (contacts.alternate_keys(''email'', other_emails::text[]))';

CREATE FUNCTION @extschema@.alternates(tbl regclass)
RETURNS TABLE (key text, kind text, value text, merge_id bigint, stored_in text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg  @extschema@.table_config;
    cols jsonb;
    c    record;
    sql  text;
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'SELECT', 'list the alternates of');
    SELECT * INTO cfg FROM @extschema@.table_config t WHERE t.tbl = alternates.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    SELECT m.alternate_columns INTO cols FROM @extschema@.merge_config m WHERE m.tbl = alternates.tbl;
    -- rows of the extension's table whose survivor is still there
    sql := format('SELECT a.survivor, a.kind, a.value, a.merge_id, ''contacts.alternate''::text '
                  'FROM @extschema@.alternate a JOIN %s t ON t.%I::text = a.survivor WHERE a.tbl = %L::regclass',
                  tbl, cfg.key_column, tbl);
    FOR c IN SELECT e.key AS kind, e.value #>> '{}' AS col FROM jsonb_each(COALESCE(cols, '{}')) e ORDER BY 1 LOOP
        sql := sql || format(' UNION ALL SELECT t.%1$I::text, %2$L, v.v::text, NULL::bigint, %3$L '
                             'FROM %4$s t, unnest(t.%5$I) v(v) WHERE v.v IS NOT NULL',
                             cfg.key_column, c.kind, c.col, tbl, c.col);
    END LOOP;
    RETURN QUERY EXECUTE sql || ' ORDER BY 1, 2, 3';
END;
$$;

COMMENT ON FUNCTION @extschema@.alternates(regclass) IS
'Every alternate of the rows of a configured table: the row''s key, the kind, the value, the merge that added it (NULL for an array column, whose history is the merge log) and where it is kept (contacts.alternate or the array column)';

CREATE FUNCTION @extschema@.duplicate_of(tbl regclass, col name, value text, own_key text DEFAULT NULL,
                                         lock boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_duplicate_of'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.duplicate_of(regclass, name, text, text, boolean) IS
'The key of the row of tbl (other than own_key) that already holds value in column col, directly or as an alternate of a merged record, by the duplicate key the entry trigger uses; NULL when none. With lock (the default) the value stays locked until the transaction ends, as the trigger locks it, so an insert that follows cannot race another. For roles that may read or write tbl';

-- Alternates: the emails, phones and IDs of merged-away rows, kept by merges
-- and removed by unmerges, as the merge log.
GRANT SELECT, INSERT, DELETE ON @extschema@.alternate TO PUBLIC;

ALTER TABLE @extschema@.alternate ENABLE ROW LEVEL SECURITY;
CREATE POLICY alternate_read ON @extschema@.alternate FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY alternate_merge ON @extschema@.alternate FOR INSERT
    WITH CHECK (EXISTS (SELECT 1 FROM @extschema@.merge_log m
                         WHERE m.merge_id OPERATOR(pg_catalog.=) alternate.merge_id
                           AND m.tbl OPERATOR(pg_catalog.=) alternate.tbl
                           AND m.merged_by OPERATOR(pg_catalog.=) CURRENT_USER
                           AND m.unmerged_at IS NULL));
CREATE POLICY alternate_unmerge ON @extschema@.alternate FOR DELETE
    USING (EXISTS (SELECT 1 FROM @extschema@.merge_log m
                    WHERE m.merge_id OPERATOR(pg_catalog.=) alternate.merge_id
                      AND m.unmerged_by OPERATOR(pg_catalog.=) CURRENT_USER
                      AND m.unmerged_at IS NOT NULL)
           AND pg_catalog.has_table_privilege(tbl, 'UPDATE'));
COMMENT ON POLICY alternate_read ON @extschema@.alternate IS
'A row''s alternates are visible to the roles that may read its table';
COMMENT ON POLICY alternate_merge ON @extschema@.alternate IS
'A role adds alternates only in a merge of its own, of the merge''s table, that is not undone';
COMMENT ON POLICY alternate_unmerge ON @extschema@.alternate IS
'A role that may update the table removes the alternates of a merge it has undone (unmerge marks the merge first)';

-- ---------------------------------------------------------------------------
-- The change feed and the inbound upsert with external ids
-- (src/sql/85_feed.sql), import() announcing its runs, and their privileges
-- ---------------------------------------------------------------------------
-- ---------------------------------------------------------------------------
-- Change feed for two-way sync, and the inbound side: upsert with an
-- external-id map
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.feed_config (
    tbl        regclass PRIMARY KEY,
    logical    boolean NOT NULL DEFAULT true,
    notify     boolean NOT NULL DEFAULT true,
    keep       boolean NOT NULL DEFAULT false,
    retention  interval NOT NULL DEFAULT '7 days' CHECK (retention > interval '0'),
    channel    text NOT NULL CHECK (octet_length(channel) BETWEEN 1 AND 63)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.feed_config', '');

COMMENT ON TABLE @extschema@.feed_config IS
'Per-table change feed switches: logical decoding messages (prefix contacts), NOTIFY on channel, events kept in contacts.feed_event for retention; a table without a row has no feed';

CREATE TRIGGER feed_config_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.feed_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();

CREATE TABLE @extschema@.feed_event (
    event_id  bigserial PRIMARY KEY,
    tbl       regclass NOT NULL,
    kind      text NOT NULL,
    txid      xid8 NOT NULL,
    at        timestamptz NOT NULL,
    event     jsonb NOT NULL
);
CREATE INDEX feed_event_tbl_idx ON @extschema@.feed_event (tbl, event_id);
CREATE INDEX feed_event_at_idx ON @extschema@.feed_event (tbl, at);

COMMENT ON TABLE @extschema@.feed_event IS
'Change feed events of the tables whose feed keeps them (contacts.feed_config.keep), in the order they were made, for consumers without logical decoding; rows older than the table''s retention are pruned';

CREATE FUNCTION @extschema@.feed_configure(tbl regclass, logical boolean DEFAULT true,
                                           notify boolean DEFAULT true, keep boolean DEFAULT false,
                                           retention interval DEFAULT '7 days', channel text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ch text;
BEGIN
    -- What every writer of the table publishes: for its owner to decide.
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'configure the change feed of');
    IF NOT (coalesce(logical, false) OR coalesce(notify, false) OR coalesce(keep, false)) THEN
        DELETE FROM @extschema@.feed_config c WHERE c.tbl = feed_configure.tbl;
        RETURN NULL;
    END IF;
    IF retention IS NULL OR retention <= interval '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    ch := coalesce(channel, (SELECT 'contacts_' || c.relname FROM pg_class c WHERE c.oid = tbl));
    -- a channel is an identifier: at most 63 bytes
    WHILE octet_length(ch) > 63 LOOP
        ch := left(ch, -1);
    END LOOP;
    IF ch = '' THEN
        RAISE EXCEPTION 'channel must not be empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.feed_config AS c (tbl, logical, notify, keep, retention, channel)
    VALUES (tbl, logical, notify, keep, retention, ch)
    ON CONFLICT ON CONSTRAINT feed_config_pkey DO UPDATE
       SET logical = EXCLUDED.logical, notify = EXCLUDED.notify, keep = EXCLUDED.keep,
           retention = EXCLUDED.retention, channel = EXCLUDED.channel;
    RETURN ch;
END
$$;

COMMENT ON FUNCTION @extschema@.feed_configure(regclass, boolean, boolean, boolean, interval, text) IS
'Turn the change feed of tbl on or off: logical decoding messages (prefix contacts, needs wal_level = logical), NOTIFY on channel (default contacts_<table name>), events kept in contacts.feed_event for retention; all false turns it off; returns the channel';

CREATE FUNCTION @extschema@.feed_prune(tbl regclass)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'prune the change feed of');
    DELETE FROM @extschema@.feed_event e
     WHERE e.tbl = feed_prune.tbl
       AND e.at < now() - coalesce((SELECT c.retention FROM @extschema@.feed_config c
                                     WHERE c.tbl = feed_prune.tbl), interval '0');
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

COMMENT ON FUNCTION @extschema@.feed_prune(regclass) IS
'Delete the kept change feed events of tbl older than its retention (all of them when its feed is off); returns how many. Writers prune as they go, at most once a minute per session';

CREATE FUNCTION @extschema@.feed_import_event(import_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'contacts_feed_import_event'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.feed_import_event(bigint) IS
'Internal to contacts.import(): publishes a finished import run on the target''s change feed; refuses runs not finished by the calling transaction';

-- ---------------------------------------------------------------------------
-- External ids: the records of other systems, mapped to ours
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.external_id (
    tbl          regclass NOT NULL,
    system       text NOT NULL CHECK (system <> ''),
    external_id  text NOT NULL,
    key          text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tbl, system, external_id)
);
CREATE INDEX external_id_key_idx ON @extschema@.external_id (tbl, key);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_id', '');

COMMENT ON TABLE @extschema@.external_id IS
'Which record of a contact table (its key column''s value as text) holds the record external_id of another system; merges move the merged-away rows'' ids to the survivor, unmerges move them back';

CREATE TABLE @extschema@.external_id_move (
    merge_id     bigint NOT NULL REFERENCES @extschema@.merge_log ON DELETE CASCADE,
    tbl          regclass NOT NULL,
    system       text NOT NULL,
    external_id  text NOT NULL,
    from_key     text NOT NULL,
    to_key       text NOT NULL,
    PRIMARY KEY (merge_id, tbl, system, external_id)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_id_move', '');

COMMENT ON TABLE @extschema@.external_id_move IS
'External ids a merge moved to its survivor, and from which key: what unmerge moves back';

CREATE FUNCTION @extschema@.external_key(tbl regclass, system text, external_id text)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT x.key FROM @extschema@.external_id x
 WHERE x.tbl = external_key.tbl AND x.system = external_key.system
   AND x.external_id = external_key.external_id
$$;

COMMENT ON FUNCTION @extschema@.external_key(regclass, text, text) IS
'The key (as text) of the record of tbl that holds record external_id of system: after merges, the survivor''s; NULL when unknown';

CREATE FUNCTION @extschema@.entry_redirected_key(tbl regclass)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_entry_redirected_key'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.entry_redirected_key(regclass) IS
'Internal to contacts.upsert(): the key of the row the entry trigger last turned an insert into tbl into an update of (on_duplicate = update) in this session, forgotten once read';

CREATE FUNCTION @extschema@.upsert(tbl regclass, record jsonb, source_system text, external_id text,
                                   OUT key text, OUT action text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg      @extschema@.table_config;
    keytype  text;
    cols     text := '';
    vals     text := '';
    upd      text := '';
    missing  text;
    mapped   text;
    old_source text;
    n        bigint;
BEGIN
    IF tbl IS NULL OR record IS NULL OR source_system IS NULL OR external_id IS NULL THEN
        RAISE EXCEPTION 'table, record, source system and external id of an upsert must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF jsonb_typeof(record) <> 'object' OR source_system = '' THEN
        RAISE EXCEPTION 'an upsert takes a record as a JSON object and a non-empty source system name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.require_privileges(tbl, 'SELECT, INSERT, UPDATE', 'upsert into');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = upsert.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    -- The entry standards and duplicate policy are the trigger's: records
    -- from another system take the same path as every other writer's.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger t
                    WHERE t.tgrelid = tbl AND t.tgfoid = '@extschema@.enforce()'::regprocedure
                      AND t.tgenabled <> 'D' AND t.tgtype::int & 23 = 23) THEN
        RAISE EXCEPTION 'table % has no enabled contacts.enforce() trigger for inserts and updates', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('CREATE TRIGGER ... BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.enforce()', tbl);
    END IF;
    SELECT string_agg(quote_literal(k), ', ') INTO missing
      FROM jsonb_object_keys(record) k
     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = k
                          AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no writable column(s) %', tbl, missing
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name the record''s members after the table''s columns.';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO keytype
      FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = cfg.key_column;
    SELECT coalesce(string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum), ''),
           coalesce(string_agg(format('r.%I', a.attname), ', ' ORDER BY a.attnum), ''),
           coalesce(string_agg(format('%1$I = r.%1$I', a.attname), ', ' ORDER BY a.attnum)
                    FILTER (WHERE a.attname <> cfg.key_column), '')
      INTO cols, vals, upd
      FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped AND record ? a.attname;

    -- One upsert of a given external id at a time.
    PERFORM pg_advisory_xact_lock(hashtextextended(tbl::oid::text || E'\n' || source_system
                                                   || E'\n' || upsert.external_id, 0));
    -- Changes made here are the source system's in the feed.
    old_source := current_setting('contacts.source_system');
    PERFORM set_config('contacts.source_system', source_system, true);

    SELECT x.key INTO mapped FROM @extschema@.external_id x
     WHERE x.tbl = upsert.tbl AND x.system = source_system AND x.external_id = upsert.external_id;
    IF mapped IS NOT NULL THEN
        -- A record we know: update the row it resolves to (after merges, the survivor).
        IF upd = '' THEN
            EXECUTE format('SELECT t.%1$I::text FROM %2$s t WHERE t.%1$I = $1::%3$s', cfg.key_column, tbl, keytype)
               INTO key USING mapped;
        ELSE
            EXECUTE format('UPDATE %2$s t SET %4$s FROM jsonb_populate_record(NULL::%2$s, $1) r '
                           'WHERE t.%1$I = $2::%3$s RETURNING t.%1$I::text', cfg.key_column, tbl, keytype, upd)
               INTO key USING record, mapped;
        END IF;
        IF key IS NOT NULL THEN
            action := 'update';
        END IF;
        -- else the row is gone (deleted): the record is new again
    END IF;
    IF key IS NULL THEN
        PERFORM @extschema@.entry_redirected_key(tbl);
        EXECUTE format('INSERT INTO %1$s (%2$s) SELECT %3$s FROM jsonb_populate_record(NULL::%1$s, $1) r '
                       'RETURNING %4$I::text', tbl, cols, vals, cfg.key_column)
           INTO key USING record;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 1 THEN
            action := 'insert';
        ELSE
            -- The trigger's duplicate policy (on_duplicate = update) made
            -- the insert an update of the record the person already has.
            key := @extschema@.entry_redirected_key(tbl);
            action := 'matched';
            IF key IS NULL THEN
                RAISE EXCEPTION 'the insert into % was skipped by a trigger', tbl
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          HINT = 'Another BEFORE trigger on the table returned NULL; upsert cannot tell which record holds the external id.';
            END IF;
        END IF;
        INSERT INTO @extschema@.external_id AS x (tbl, system, external_id, key)
        VALUES (tbl, source_system, upsert.external_id, key)
        ON CONFLICT ON CONSTRAINT external_id_pkey DO UPDATE
           SET key = EXCLUDED.key, updated_at = now();
    END IF;
    PERFORM set_config('contacts.source_system', old_source, true);
END
$$;

COMMENT ON FUNCTION @extschema@.upsert(regclass, jsonb, text, text) IS
'Write a record of another system (a JSON object of column values, the system''s name and its id for the record) through the entry trigger: updates the record the id maps to, else inserts under the table''s entry standards and duplicate policy, and maps the id to the resulting key; action is insert, update or matched (an existing duplicate was updated)';

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
    key_configured boolean := false;
    key_base_kind text;
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
    PERFORM @extschema@.feed_import_event(run.import_id);
    DROP TABLE pg_temp.contacts_import_rows;
    RAISE NOTICE 'import % done in % s', run.import_id,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
    RETURN run;
END;
$$;

COMMENT ON FUNCTION @extschema@.import(regclass, regclass, jsonb, name, text, boolean, text, boolean) IS
'Import a staging table into a configured contact table: map columns, check and normalize each by its kind, set aside invalid rows with their reasons, never import suppressed or non-consenting contacts, and apply the duplicate policy (keep, create or update) on the chosen duplicate key, inside the file and against the table, and with fuzzy on likely duplicates found by the dedupe model';


GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.feed_config TO PUBLIC;

-- The same two policies on each: read by any role with a privilege on the
-- table, written by its owners.
DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['feed_config', 'change feed settings']] LOOP
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

-- Kept change feed events: the writers' events are kept for them by the
-- extension's owner (no role writes events of its own); read with SELECT on
-- the table, pruned by its owners.
GRANT SELECT, DELETE ON @extschema@.feed_event TO PUBLIC;

ALTER TABLE @extschema@.feed_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY feed_event_read ON @extschema@.feed_event FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY feed_event_prune ON @extschema@.feed_event FOR DELETE
    USING (@extschema@.owns_table(tbl));
COMMENT ON POLICY feed_event_read ON @extschema@.feed_event IS
'A table''s change feed events are visible to the roles that may read the table';
COMMENT ON POLICY feed_event_prune ON @extschema@.feed_event IS
'A table''s kept change feed events are pruned by its owners';

-- External ids and their moves: read with SELECT on the table, written by
-- the roles that may update it (upsert, merge and unmerge run as them).
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.external_id, @extschema@.external_id_move TO PUBLIC;

DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['external_id', 'external ids'],
                                     ['external_id_move', 'external id moves']] LOOP
        EXECUTE format('ALTER TABLE @extschema@.%I ENABLE ROW LEVEL SECURITY', t[1]);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR SELECT '
                       'USING (pg_catalog.has_table_privilege(tbl, ''SELECT''))', t[1] || '_read', t[1]);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR INSERT '
                       'WITH CHECK (pg_catalog.has_table_privilege(tbl, ''UPDATE''))', t[1] || '_insert', t[1]);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR UPDATE '
                       'USING (pg_catalog.has_table_privilege(tbl, ''UPDATE'')) '
                       'WITH CHECK (pg_catalog.has_table_privilege(tbl, ''UPDATE''))', t[1] || '_update', t[1]);
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR DELETE '
                       'USING (pg_catalog.has_table_privilege(tbl, ''UPDATE''))', t[1] || '_delete', t[1]);
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_read', t[1],
                       format('A table''s %s are visible to the roles that may read the table', t[2]));
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_insert', t[1],
                       format('A table''s %s are recorded by the roles that may update the table', t[2]));
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_update', t[1],
                       format('A table''s %s are changed by the roles that may update the table', t[2]));
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_delete', t[1],
                       format('A table''s %s are removed by the roles that may update the table', t[2]));
    END LOOP;
END
$$;

