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
    email_duplicate_key text DEFAULT 'email',
    date_order text DEFAULT NULL,
    yes_words text[] DEFAULT '{}',
    no_words text[] DEFAULT '{}')
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
    IF upper(date_order) NOT IN ('DMY', 'MDY', 'YMD') THEN
        RAISE EXCEPTION 'unknown date order "%"', date_order
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use DMY (day first), MDY (month first) or YMD, or NULL for the order of each row''s region.';
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
            updated_at_column, consent_column, fuzzy_duplicates, email_duplicate_key,
            date_order, yes_words, no_words)
    VALUES (configure.tbl, configure.key_column, configure.default_region, configure.on_invalid,
            configure.on_duplicate, configure.flag_column, configure.updated_at_column,
            configure.consent_column, configure.fuzzy_duplicates, configure.email_duplicate_key,
            upper(configure.date_order), coalesce(configure.yes_words, '{}'), coalesce(configure.no_words, '{}'))
    ON CONFLICT ON CONSTRAINT table_config_pkey DO UPDATE
       SET key_column = EXCLUDED.key_column, default_region = EXCLUDED.default_region,
           on_invalid = EXCLUDED.on_invalid, on_duplicate = EXCLUDED.on_duplicate,
           flag_column = EXCLUDED.flag_column, updated_at_column = EXCLUDED.updated_at_column,
           consent_column = EXCLUDED.consent_column, fuzzy_duplicates = EXCLUDED.fuzzy_duplicates,
           email_duplicate_key = EXCLUDED.email_duplicate_key,
           date_order = EXCLUDED.date_order, yes_words = EXCLUDED.yes_words, no_words = EXCLUDED.no_words;
    DELETE FROM @extschema@.column_kind k WHERE k.tbl = configure.tbl;
    INSERT INTO @extschema@.column_kind (tbl, col, kind, duplicate_key, required)
    SELECT configure.tbl, e.key, e.value, e.key = ANY (duplicate_keys), e.key = ANY (required)
      FROM jsonb_each_text(kinds) e;
END;
$$;

COMMENT ON FUNCTION @extschema@.configure(regclass, name, jsonb, text, text, text, name, name, name, name[], name[], boolean, text, text, text[], text[]) IS
'Declare a contact table: its key column, which column holds which kind of value ({"col": "email", ...}), the default phone region, the entry trigger''s actions on invalid values and duplicates (exact keys, and with fuzzy_duplicates likely duplicates by the dedupe model), optional flag (jsonb), updated-at and consent columns, the email duplicate key (email, or email_canonical for provider-aware addresses), the date order of its sheets when not their region''s (DMY, MDY, YMD), and words of its own for yes and no';

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

-- a new parameter (dates read in date_order_sql, issue 22): the old signatures go
DROP FUNCTION @extschema@.kind_check_sql(text, text, text);
CREATE FUNCTION @extschema@.kind_check_sql(kind text, value_sql text, region_sql text,
                                           date_order_sql text DEFAULT 'NULL')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE kind
    WHEN 'birth_date' THEN format('@extschema@.birth_date_check(%s, %s, %s)', value_sql, region_sql, date_order_sql)
    WHEN 'email' THEN format('@extschema@.email_check(%s)', value_sql)
    WHEN 'phone' THEN format('@extschema@.phone_check(%s, %s)', value_sql, region_sql)
    -- Without a region, or for a country whose documents are not known, an
    -- ID cannot be checked: it is kept as typed (as the trigger does).
    WHEN 'national_id' THEN format('NULLIF(@extschema@.national_id_check(%s, NULL, %s), ''ID_UNSUPPORTED_COUNTRY'')',
                                   region_sql, value_sql)
    ELSE 'NULL::text'
END
$$;

COMMENT ON FUNCTION @extschema@.kind_check_sql(text, text, text, text) IS
'SQL expression giving the reason code why value_sql is invalid for kind (NULL when valid), dates read in date_order_sql (NULL: the region''s); used to build import and health queries';

DROP FUNCTION @extschema@.kind_normalize_sql(text, text, text);
CREATE FUNCTION @extschema@.kind_normalize_sql(kind text, value_sql text, region_sql text,
                                               date_order_sql text DEFAULT 'NULL')
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE kind
    WHEN 'birth_date' THEN format('@extschema@.birth_date_normalize(%s, %s, %s)', value_sql, region_sql, date_order_sql)
    WHEN 'email' THEN format('@extschema@.email_normalize(%s)', value_sql)
    -- the phone type's text form: E.164, and ";ext=" with the extension
    WHEN 'phone' THEN format('(@extschema@.phone_parse(%s, %s))::text', value_sql, region_sql)
    WHEN 'national_id' THEN format('CASE WHEN @extschema@.national_id_check(%1$s, NULL, %2$s) IS NULL '
                                   'AND %1$s IS NOT NULL THEN @extschema@.national_id_normalize(%1$s, NULL, %2$s) '
                                   'ELSE NULLIF(btrim(%2$s), '''') END', region_sql, value_sql)
    WHEN 'given_name' THEN format('@extschema@.normalize_name(%s)', value_sql)
    WHEN 'family_name' THEN format('@extschema@.normalize_name(%s)', value_sql)
    WHEN 'full_name' THEN format('@extschema@.normalize_name(%s)', value_sql)
    WHEN 'company' THEN format('@extschema@.normalize_company(%s)', value_sql)
    ELSE format('NULLIF(btrim(%s), '''')', value_sql)
END
$$;

COMMENT ON FUNCTION @extschema@.kind_normalize_sql(text, text, text, text) IS
'SQL expression giving the normalized form of a valid value_sql of kind (E.164 with any extension for phones, proper case for names, ISO 8601 for birth dates read in date_order_sql or the region''s order...); used to build import and health queries';

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

-- a new parameter (date_order, issue 22): the old signature goes
DROP FUNCTION @extschema@.import(regclass, regclass, jsonb, name, text, boolean, text, boolean);
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
    RAISE NOTICE 'import: % staged rows checked and normalized (% s)', n,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

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
    DROP TABLE pg_temp.contacts_import_rows;
    RAISE NOTICE 'import % done in % s', run.import_id,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
    RETURN run;
END;
$$;

COMMENT ON FUNCTION @extschema@.import(regclass, regclass, jsonb, name, text, boolean, text, boolean, text) IS
'Import a staging table into a configured contact table: map columns, check and normalize each by its kind, convert each to its column''s type (dates in the row''s region''s order or date_order, numbers with its decimal mark, booleans in people''s words), set aside invalid rows with their reasons instead of failing, never import suppressed or non-consenting contacts, and apply the duplicate policy (keep, create or update) on the chosen duplicate key, inside the file and against the table, and with fuzzy on likely duplicates found by the dedupe model';

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
    reg := coalesce(nullif(upper(region), 'ZZ'), cfg.default_region);

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
-- Imports from spreadsheets: a table's date order and words for yes and no,
-- the message of each value its column's type rejected, and the readers of
-- spreadsheet cells (issue 22)
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.table_config
    ADD COLUMN date_order text CHECK (date_order IN ('DMY', 'MDY', 'YMD')),
    ADD COLUMN yes_words text[] NOT NULL DEFAULT '{}',
    ADD COLUMN no_words text[] NOT NULL DEFAULT '{}';
COMMENT ON TABLE @extschema@.table_config IS
'One row per contact table managed by contacts: its key column, default phone region, what the entry trigger does with invalid values and duplicates (exact keys, and likely duplicates by the dedupe model when fuzzy_duplicates), optional flag, updated-at and consent columns, whether email duplicate keys compare case-insensitively (email) or provider-aware (email_canonical: Gmail dots and +tags), the order dates are written in when not the region''s (date_order), and its own words for yes and no';

ALTER TABLE @extschema@.import_reject ADD COLUMN details jsonb;
COMMENT ON TABLE @extschema@.import_reject IS
'Staged rows an import set aside: invalid rows with the whole source row, every reason ("column: CODE") and, for values their column''s type rejected (INVALID_VALUE), the message per column in details; suppressed and no-consent rows with their reason only (their data is not kept)';

CREATE FUNCTION @extschema@.parse_date(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS date
AS 'MODULE_PATHNAME', 'contacts_parse_date'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.parse_date(text, text, text) IS
'A date as the sheet''s country writes it: day first (05/03/1978 is 5 March) except month first for US, ISO everywhere, month names in es/pt/en/fr/de/it, two-digit years 00-29 as 20xx, Excel serial numbers (5-6 digits); date_order (DMY, MDY, YMD) overrides the region''s order; impossible or ambiguous dates are errors with a reason code';

CREATE FUNCTION @extschema@.parse_number(value text, region text DEFAULT NULL)
RETURNS numeric
AS 'MODULE_PATHNAME', 'contacts_parse_number'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.parse_number(text, text) IS
'A number as the sheet''s country writes it: 1.234,50 in ES/AR/BR, 1,234.50 in US/MX; signs, accounting parentheses and currency symbols allowed; an error with a reason code otherwise';

CREATE FUNCTION @extschema@.parse_yesno(value text, yes_words text[] DEFAULT '{}', no_words text[] DEFAULT '{}')
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_parse_yesno'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.parse_yesno(text, text[], text[]) IS
'Yes or no in people''s words (sí/si/s/x/yes/y/1/true/verdadero/acepto/ok/sim, no/n/0/false/falso/não), case- and accent-insensitive, plus the words given; an error for anything else';

CREATE FUNCTION @extschema@.birth_date_check(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_birth_date_check'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.birth_date_check(text, text, text) IS
'Why value is not a birth date (DATE_IMPOSSIBLE, DATE_AMBIGUOUS, BIRTH_DATE_IN_FUTURE...), read as parse_date() reads dates but with two-digit years never in the future; NULL when it is one';

CREATE FUNCTION @extschema@.birth_date_normalize(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_birth_date_normalize'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.birth_date_normalize(text, text, text) IS
'A birth date as ISO 8601 text (1978-03-05), read as birth_date_check() reads it; an error when it is not one';

-- Not STRICT: region, date order and words may be NULL.  PARALLEL UNSAFE:
-- before PostgreSQL 16 a value a type rejects is caught in a subtransaction.
CREATE FUNCTION @extschema@.import_value(value text, target regtype, typmod integer, region text,
                                         date_order text, yes_words text[], no_words text[])
RETURNS text[]
AS 'MODULE_PATHNAME', 'contacts_import_value'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.import_value(text, regtype, integer, text, text, text[], text[]) IS
'Used by import(): a staged cell as the text its target type reads (dates and numbers read the region''s way, booleans in people''s words), as {value, NULL, NULL}, or {NULL, ''INVALID_VALUE'', the reason} when the type rejects it; never raises for a value';
