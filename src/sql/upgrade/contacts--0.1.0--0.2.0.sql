-- contacts 0.1.0 -> 0.2.0.  Run by ALTER EXTENSION contacts UPDATE.
-- What changed is in CHANGELOG.md; sql/upgrade.sql checks that a database
-- updated by this script holds exactly what a fresh 0.2.0 install holds.

\echo Use "ALTER EXTENSION contacts UPDATE TO '0.2.0'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Renamed for 0.2.0: values' functions are named noun first (name_normalize
-- beside email_normalize), metrics say what they return and never collide
-- with fuzzystrmatch's levenshtein or pg_similarity's jaro, and the phone
-- functions take an explicit region the way the email ones take a profile
-- (the IMMUTABLE *_in_region functions become the two-argument forms; the
-- STABLE ones with a defaulted region become one-argument forms).  RENAME
-- keeps the indexes, generated columns and views built on them.
-- ---------------------------------------------------------------------------

ALTER FUNCTION @extschema@.normalize_name(text) RENAME TO name_normalize;
ALTER FUNCTION @extschema@.normalize_company(text) RENAME TO company_normalize;
ALTER FUNCTION @extschema@.levenshtein(text, text) RENAME TO levenshtein_distance;
ALTER FUNCTION @extschema@.levenshtein(text, text, integer) RENAME TO levenshtein_distance;
ALTER FUNCTION @extschema@.damerau_levenshtein(text, text) RENAME TO damerau_levenshtein_distance;
ALTER FUNCTION @extschema@.jaro(text, text) RENAME TO jaro_similarity;
ALTER FUNCTION @extschema@.jaro_winkler(text, text) RENAME TO jaro_winkler_similarity;
DROP FUNCTION @extschema@.phone_parse(text, text);
DROP FUNCTION @extschema@.phone_valid(text, text);
DROP FUNCTION @extschema@.phone_check(text, text);
ALTER FUNCTION @extschema@.phone_parse_in_region(text, text) RENAME TO phone_parse;
ALTER FUNCTION @extschema@.phone_valid_in_region(text, text) RENAME TO phone_valid;

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
    no_words text[] DEFAULT '{}',
    on_undeliverable text DEFAULT 'allow',
    stale_after interval DEFAULT NULL,
    activity_column name DEFAULT NULL)
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
            UNION ALL SELECT unnest(ARRAY[flag_column, updated_at_column, consent_column, activity_column])
            UNION ALL SELECT unnest(duplicate_keys)
            UNION ALL SELECT unnest(required)) named
     WHERE c IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = c
                          AND a.attnum > 0 AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no column(s) %', tbl, missing
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name existing columns in key_column, kinds, flag_column, updated_at_column, consent_column, activity_column, duplicate_keys and required.';
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
    IF on_undeliverable IS NULL OR on_undeliverable NOT IN ('allow', 'flag', 'reject') THEN
        RAISE EXCEPTION 'unknown on_undeliverable action "%"', on_undeliverable
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use allow (store emails and phones that bounced), flag or reject.';
    END IF;
    IF on_undeliverable = 'flag' AND flag_column IS NULL THEN
        RAISE EXCEPTION 'on_undeliverable = flag needs a flag column'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name a jsonb flag_column, or use allow or reject.';
    END IF;
    IF stale_after <= interval '0' THEN
        RAISE EXCEPTION 'stale_after must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF stale_after IS NOT NULL AND updated_at_column IS NULL AND activity_column IS NULL THEN
        RAISE EXCEPTION 'stale_after needs updated_at_column or activity_column'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A record is stale when neither its updated-at nor its activity column is more recent than stale_after ago.';
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
                           'free_text', 'identifier');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'unknown column kind: %', missing
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Kinds are given_name, family_name, full_name, email, phone, company, address, city, postcode, country, birth_date, national_id, free_text and identifier.';
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
            date_order, yes_words, no_words, on_undeliverable, stale_after, activity_column)
    VALUES (configure.tbl, configure.key_column, configure.default_region, configure.on_invalid,
            configure.on_duplicate, configure.flag_column, configure.updated_at_column,
            configure.consent_column, configure.fuzzy_duplicates, configure.email_duplicate_key,
            upper(configure.date_order), coalesce(configure.yes_words, '{}'), coalesce(configure.no_words, '{}'),
            configure.on_undeliverable, configure.stale_after, configure.activity_column)
    ON CONFLICT ON CONSTRAINT table_config_pkey DO UPDATE
       SET key_column = EXCLUDED.key_column, default_region = EXCLUDED.default_region,
           on_invalid = EXCLUDED.on_invalid, on_duplicate = EXCLUDED.on_duplicate,
           flag_column = EXCLUDED.flag_column, updated_at_column = EXCLUDED.updated_at_column,
           consent_column = EXCLUDED.consent_column, fuzzy_duplicates = EXCLUDED.fuzzy_duplicates,
           email_duplicate_key = EXCLUDED.email_duplicate_key,
           date_order = EXCLUDED.date_order, yes_words = EXCLUDED.yes_words, no_words = EXCLUDED.no_words,
           on_undeliverable = EXCLUDED.on_undeliverable, stale_after = EXCLUDED.stale_after,
           activity_column = EXCLUDED.activity_column;
    DELETE FROM @extschema@.column_kind k WHERE k.tbl = configure.tbl;
    INSERT INTO @extschema@.column_kind (tbl, col, kind, duplicate_key, required)
    SELECT configure.tbl, e.key, e.value, e.key = ANY (duplicate_keys), e.key = ANY (required)
      FROM jsonb_each_text(kinds) e;
END;
$$;

COMMENT ON FUNCTION @extschema@.configure(regclass, name, jsonb, text, text, text, name, name, name, name[], name[], boolean, text, text, text[], text[], text, interval, name) IS
'Declare a contact table: its key column, which column holds which kind of value ({"col": "email", ...}), the default phone region, the entry trigger''s actions on invalid values and duplicates (exact keys, and with fuzzy_duplicates likely duplicates by the dedupe model), optional flag (jsonb), updated-at and consent columns, the email duplicate key (email, or email_canonical for provider-aware addresses), the date order of its sheets when not their region''s (DMY, MDY, YMD), words of its own for yes and no, what the trigger and imports do with emails and phones that bounced (on_undeliverable: allow, flag, reject), and when a record is stale (stale_after, by the updated-at and activity columns)';

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
    -- a row without a region falls back to the setting, as the trigger does
    WHEN 'phone' THEN format('@extschema@.phone_check(%s, coalesce(%s, nullif(current_setting(''contacts.default_region'', true), '''')))',
                             value_sql, region_sql)
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
    WHEN 'phone' THEN format('(@extschema@.phone_parse(%s, coalesce(%s, nullif(current_setting(''contacts.default_region'', true), ''''))))::text',
                             value_sql, region_sql)
    WHEN 'national_id' THEN format('CASE WHEN @extschema@.national_id_check(%1$s, NULL, %2$s) IS NULL '
                                   'AND %1$s IS NOT NULL THEN @extschema@.national_id_normalize(%1$s, NULL, %2$s) '
                                   'ELSE NULLIF(btrim(%2$s), '''') END', region_sql, value_sql)
    WHEN 'given_name' THEN format('@extschema@.name_normalize(%s)', value_sql)
    WHEN 'family_name' THEN format('@extschema@.name_normalize(%s)', value_sql)
    WHEN 'full_name' THEN format('@extschema@.name_normalize(%s)', value_sql)
    WHEN 'company' THEN format('@extschema@.company_normalize(%s)', value_sql)
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
CREATE FUNCTION @extschema@.citus_table(tbl regclass) RETURNS regclass
AS 'MODULE_PATHNAME', 'contacts_citus_table' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.citus_table(regclass) IS
'The Citus table (distributed, reference or Citus-managed) that tbl is or is a shard of, read from Citus''s metadata; NULL when neither or Citus is not installed. merge() and unmerge() write such a table''s rows one at a time by primary key, and refuse its shards: docs/citus.md';

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

    -- (the clusters read first: on a Citus table they are then joined with
    -- the batch's local progress on the coordinator)
    FOR v_cluster IN EXECUTE pg_catalog.format(
        'WITH q AS MATERIALIZED (%s) '
        'SELECT q.cluster_id::text AS cluster_id, pg_catalog.count(*) AS n, '
        'pg_catalog.to_jsonb(pg_catalog.array_agg(q.member_key ORDER BY q.member_key)) AS members '
        'FROM q WHERE NOT EXISTS (SELECT 1 FROM @extschema@.merge_batch_cluster d '
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
            RAISE NOTICE 'batch merge "%": % of % clusters done, % merged, % failed', v_batch, v_done, v_total,
                v_merged, v_failed
                USING DETAIL = pg_catalog.format('%s s so far',
                    pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - v_started)::numeric, 1));
        END IF;
    END LOOP;

    UPDATE @extschema@.merge_batch b SET finished_at = pg_catalog.now() WHERE b.batch_name = v_batch;
    COMMIT;
    RAISE NOTICE 'batch merge "%" finished: % of % clusters done, % merged, % failed', v_batch, v_done, v_total,
        v_merged, v_failed
        USING DETAIL = pg_catalog.format('in %s s',
            pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - v_started)::numeric, 1));
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
    -- the members first, then ordered: on a Citus table the order's
    -- subqueries run on the coordinator, over the rows read from the shards
    EXECUTE format('WITH m AS MATERIALIZED (SELECT * FROM %2$s t WHERE t.%1$I = ANY ($1)) '
                   'SELECT t.%1$I FROM m t ORDER BY %3$s t.%1$I LIMIT 1',
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
'Best matches of one row (as jsonb of column values) among the rows of the table as they are now, found through the blocking keys of its last dedupe run and scored with that run''s model, most probable first: rows deleted since are never offered, rows merged away since are offered as their survivor, rows added since (keys past the run''s largest) are found, and survivors keeping one of the row''s values as an alternate are compared under it';
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

CREATE FUNCTION @extschema@.date_parse(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS date
AS 'MODULE_PATHNAME', 'contacts_parse_date'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.date_parse(text, text, text) IS
'A date as the sheet''s country writes it: day first (05/03/1978 is 5 March) except month first for US, ISO everywhere, month names in es/pt/en/fr/de/it, two-digit years 00-29 as 20xx, Excel serial numbers (5-6 digits); date_order (DMY, MDY, YMD) overrides the region''s order; impossible or ambiguous dates are errors with a reason code';

CREATE FUNCTION @extschema@.number_parse(value text, region text DEFAULT NULL)
RETURNS numeric
AS 'MODULE_PATHNAME', 'contacts_parse_number'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.number_parse(text, text) IS
'A number as the sheet''s country writes it: 1.234,50 in ES/AR/BR, 1,234.50 in US/MX; signs, accounting parentheses and currency symbols allowed; an error with a reason code otherwise';

CREATE FUNCTION @extschema@.yesno_parse(value text, yes_words text[] DEFAULT '{}', no_words text[] DEFAULT '{}')
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_parse_yesno'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.yesno_parse(text, text[], text[]) IS
'Yes or no in people''s words (sí/si/s/x/yes/y/1/true/verdadero/acepto/ok/sim, no/n/0/false/falso/não), case- and accent-insensitive, plus the words given; an error for anything else';

CREATE FUNCTION @extschema@.birth_date_check(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_birth_date_check'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.birth_date_check(text, text, text) IS
'Why value is not a birth date (DATE_IMPOSSIBLE, DATE_AMBIGUOUS, BIRTH_DATE_IN_FUTURE...), read as date_parse() reads dates but with two-digit years never in the future; NULL when it is one';

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


-- ---------------------------------------------------------------------------
-- Dedupe and health reports (src/sql/86_report.sql): what a run keeps for
-- its report, and the reports
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.dedupe_runs
    ADD COLUMN threshold float8,
    ADD COLUMN weight_histogram jsonb,
    ADD COLUMN nearby_thresholds jsonb,
    ADD COLUMN pairs_near_threshold jsonb;

COMMENT ON TABLE @extschema@.dedupe_runs IS
'Summary of each dedupe run: records, candidate pairs (per blocking rule: in blocks, compared, found at or above the threshold) and reduction ratio, pairs above threshold, clusters and their size distribution, estimated model, the threshold used, the histogram of every candidate pair''s match weight, the pairs and clusters of the thresholds near it, the weakest pairs at or above it and the strongest below it with their explanation, wall and CPU seconds per phase';

-- the flagged clusters of a run, for its report (few rows to maintain)
CREATE INDEX dedupe_clusters_flagged ON @extschema@.dedupe_clusters (run_id, cluster_id) WHERE flagged;

CREATE FUNCTION @extschema@.html_escape(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.regexp_replace(
           pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
               value, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;'),
           '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', '&#65533;', 'g')
$$;

COMMENT ON FUNCTION @extschema@.html_escape(text) IS
'value as HTML (and XML) text or attribute content: & < > " and '' escaped, control characters replaced by &#65533; (U+FFFD); ASCII out, whatever the database encoding';

-- The characters the text form draws with: block elements where the
-- database encoding has them (UTF-8), else ASCII.  (PL/pgSQL: an
-- expression is planned only when reached, so chr(9608) is never
-- evaluated in a LATIN1 database.)
CREATE FUNCTION @extschema@.report_glyphs()
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF getdatabaseencoding() = 'UTF8' THEN
        -- full, light, medium, dark shade, then 1/8 .. 7/8 of a cell
        RETURN ARRAY[chr(9608), chr(9617), chr(9618), chr(9619),
                     chr(9615), chr(9614), chr(9613), chr(9612), chr(9611), chr(9610), chr(9609)];
    END IF;
    RETURN ARRAY['#', '.', ':', '=', '', '', '', '#', '#', '#', '#'];
END;
$$;

COMMENT ON FUNCTION @extschema@.report_glyphs() IS
'The characters of the reports'' text form: full block, light, medium and dark shade, then seven partial blocks of 1/8 to 7/8; block elements in a UTF-8 database, ASCII (#, ., :, =) in any other';

CREATE FUNCTION @extschema@.text_bar(value float8, scale float8, width integer)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.repeat(g[1], (e / 8)::integer) || CASE WHEN e % 8 = 0 THEN '' ELSE g[4 + (e % 8)::integer] END
  FROM @extschema@.report_glyphs() g, (SELECT pg_catalog.round(CASE WHEN scale > 0 THEN LEAST(GREATEST(value / scale * width, 0), width) ELSE 0 END * 8)::bigint AS e) x
$$;

COMMENT ON FUNCTION @extschema@.text_bar(float8, float8, integer) IS
'A bar of block characters (report_glyphs), value/scale of width cells long, to an eighth of a cell; used by the text form of the reports';

CREATE FUNCTION @extschema@.report_diff(a text, b text, html boolean DEFAULT true)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    la  integer := coalesce(length(a), 0);
    lb  integer := coalesce(length(b), 0);
    pre integer := 0;
    suf integer := 0;
    res text[] := '{}';
    v   text;
    l   integer;
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN ARRAY[CASE WHEN html THEN @extschema@.html_escape(a) ELSE a END,
                     CASE WHEN html THEN @extschema@.html_escape(b) ELSE b END];
    END IF;
    WHILE pre < la AND pre < lb AND substr(a, pre + 1, 1) = substr(b, pre + 1, 1) LOOP
        pre := pre + 1;
    END LOOP;
    WHILE suf < la - pre AND suf < lb - pre AND substr(a, la - suf, 1) = substr(b, lb - suf, 1) LOOP
        suf := suf + 1;
    END LOOP;
    FOREACH v IN ARRAY ARRAY[a, b] LOOP
        l := length(v);
        IF l - pre - suf = 0 THEN
            res := res || CASE WHEN html THEN @extschema@.html_escape(v) ELSE v END;
        ELSIF html THEN
            res := res || (@extschema@.html_escape(substr(v, 1, pre)) || '<mark>'
                           || @extschema@.html_escape(substr(v, pre + 1, l - pre - suf)) || '</mark>'
                           || @extschema@.html_escape(substr(v, l - suf + 1)));
        ELSE
            res := res || (substr(v, 1, pre) || '[' || substr(v, pre + 1, l - pre - suf) || ']'
                           || substr(v, l - suf + 1));
        END IF;
    END LOOP;
    RETURN res;
END;
$$;

COMMENT ON FUNCTION @extschema@.report_diff(text, text, boolean) IS
'The two values with the part where they differ (between their common prefix and suffix) marked: <mark> in escaped HTML, or [brackets] in text; the reports show compared records with it';

-- The style both pages share.
CREATE FUNCTION @extschema@.report_page(title text, body text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT '<!DOCTYPE html>' || E'\n'
    || '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>'
    || '<title>' || @extschema@.html_escape(title) || '</title><style>'
    || 'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}'
    || 'h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}'
    || 'h3{font-size:15px;margin:16px 0 4px}'
    || 'table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}'
    || 'td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.run td{font-weight:bold;background:#fff3e0}'
    || 'svg{display:block;margin:6px 0}svg text{font:11px system-ui,sans-serif;fill:#333}'
    || '.agree{fill:#2e7d32}.disagree{fill:#c62828}.count{fill:#1565c0}.step-up{fill:#43a047}.step-down{fill:#e53935}'
    || '.total{fill:#6a1b9a}.prior{fill:#757575}.axis{stroke:#444;stroke-width:1}.threshold{stroke:#ff6f00;stroke-width:2}'
    || '.seg-valid{fill:#43a047}.seg-invalid{fill:#e53935}.seg-not-normalized{fill:#fb8c00}.seg-missing{fill:#bdbdbd}'
    || 'mark{background:#ffe082}.muted{color:#777}.pair{margin:16px 0;padding:8px;border:1px solid #eee}'
    || '.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}'
    || '</style></head><body>' || body || '</body></html>' || E'\n'
$$;

COMMENT ON FUNCTION @extschema@.report_page(text, text) IS
'A report page around the given HTML body: title and the inline style the reports share, nothing loaded from elsewhere';

-- Number formats of the reports.
CREATE FUNCTION @extschema@.report_num(value float8, digits integer DEFAULT 2)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN value IS NULL THEN '-' WHEN value = 'NaN'::float8 THEN 'NaN'
            WHEN value = 'Infinity'::float8 THEN 'inf' WHEN value = '-Infinity'::float8 THEN '-inf'
            ELSE pg_catalog.round(value::numeric, digits)::text END
$$;

COMMENT ON FUNCTION @extschema@.report_num(float8, integer) IS
'value rounded to digits decimals for the reports (''-'' for NULL)';

CREATE FUNCTION @extschema@.dedupe_report(run_id bigint, format text DEFAULT 'html')
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r        @extschema@.dedupe_runs;
    key_col  name;
    html     boolean;
    o        text := '';
    f        record;
    l        record;
    p        record;
    wmax     float8;
    y        integer;
    n        integer;
    x0       float8;
    x1       float8;
    lo       float8;
    hi       float8;
    sc       float8;
    cmax     float8;
    tw       float8;
    prior_w  float8;
    cum      float8;
    cols     text[];
    pairs    jsonb;
    recs     jsonb := '{}';
    keys     bigint[];
    d        text[];
    bins     jsonb;
    width    float8;
    label    text;
    gl       text[] := @extschema@.report_glyphs();
BEGIN
    IF dedupe_report.format IS NULL OR dedupe_report.format NOT IN ('html', 'text') THEN
        RAISE EXCEPTION 'unknown report format "%"', dedupe_report.format
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use format => ''html'' or ''text''.';
    END IF;
    html := dedupe_report.format = 'html';
    SELECT * INTO r FROM @extschema@.dedupe_runs d WHERE d.run_id = dedupe_report.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'dedupe run % does not exist', run_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'contacts.dedupe_runs lists the runs of the tables you may read.';
    END IF;
    PERFORM @extschema@.require_privileges(r.tbl, 'SELECT', 'report on');
    IF r.finished_at IS NULL OR r.weight_histogram IS NULL THEN
        RAISE EXCEPTION 'dedupe run % has no report', run_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The run did not finish, or was made by a version that kept no histogram.',
                  HINT = 'Run contacts.dedupe_run() again.';
    END IF;
    SELECT c.key_column INTO key_col FROM @extschema@.table_config c WHERE c.tbl = r.tbl;
    prior_w := log(2::numeric, ((r.model->>'prior')::float8 / (1 - (r.model->>'prior')::float8))::numeric)::float8;
    tw := log(2::numeric, (r.threshold / (1 - r.threshold))::numeric)::float8;

    -- heading and summary
    IF html THEN
        o := o || format('<h1>Dedupe run %s of %s</h1><p class="summary" data-records="%s" data-candidate-pairs="%s" '
                         'data-pairs-above="%s" data-clusters="%s">%s records, %s candidate pairs compared '
                         '(reduction ratio %s), %s pairs at or above the threshold %s, %s clusters of %s records, '
                         '%s flagged; finished %s.</p>',
                         r.run_id, @extschema@.html_escape(r.tbl::text), r.records, r.candidate_pairs,
                         r.pairs_above_threshold, r.clusters, r.records, r.candidate_pairs,
                         @extschema@.report_num(r.reduction_ratio, 6), r.pairs_above_threshold,
                         @extschema@.report_num(r.threshold, 4), r.clusters, r.records_in_clusters,
                         r.flagged_clusters, @extschema@.html_escape(to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')));
    ELSE
        o := o || format('DEDUPE RUN %s OF %s', r.run_id, r.tbl::text)
               || format(E'\n%s records, %s candidate pairs compared (reduction ratio %s),',
                         r.records, r.candidate_pairs, @extschema@.report_num(r.reduction_ratio, 6))
               || format(E'\n%s pairs at or above the threshold %s, %s clusters of %s records, %s flagged.',
                         r.pairs_above_threshold, @extschema@.report_num(r.threshold, 4), r.clusters,
                         r.records_in_clusters, r.flagged_clusters);
    END IF;

    -- the model: each level's weight, agreement right and disagreement left
    SELECT greatest(1, max(abs((lv->>'weight')::float8))) INTO wmax
      FROM jsonb_each(r.model->'fields') e, jsonb_array_elements(e.value->'levels') lv;
    IF html THEN
        o := o || format('<section id="model"><h2>Model</h2><p>Match weight (log<sub>2</sub> of m/u) of each '
                         'comparison level; agreement to the right, disagreement to the left; m and u on hover. '
                         'Prior: %s (%s bits).</p>', @extschema@.report_num((r.model->>'prior')::float8, 6),
                         @extschema@.report_num(prior_w));
    ELSE
        o := o || format(E'\n\nMODEL: match weight of each level in bits (prior %s = %s bits)',
                         @extschema@.report_num((r.model->>'prior')::float8, 6), @extschema@.report_num(prior_w));
    END IF;
    FOR f IN SELECT e.key AS col, e.value AS fm FROM jsonb_each(r.model->'fields') e ORDER BY e.key LOOP
        n := jsonb_array_length(f.fm->'levels');
        IF html THEN
            o := o || format('<h3>%s <span class="muted">(%s%s)</span></h3><svg class="chart model" data-column="%s" '
                             'width="720" height="%s" viewBox="0 0 720 %s" xmlns="http://www.w3.org/2000/svg">'
                             '<line class="axis" x1="460" y1="0" x2="460" y2="%s"/>',
                             @extschema@.html_escape(f.col), @extschema@.html_escape(f.fm->>'kind'),
                             CASE WHEN (f.fm->>'fixed')::boolean THEN ', fixed' ELSE '' END,
                             @extschema@.html_escape(f.col), n * 20 + 4, n * 20 + 4, n * 20 + 4);
        ELSE
            o := o || E'\n' || f.col || ' (' || (f.fm->>'kind') || ')';
        END IF;
        FOR l IN SELECT ord, lv->>'level' AS level, (lv->>'m')::float8 AS m, (lv->>'u')::float8 AS u,
                        (lv->>'weight')::float8 AS w
                   FROM jsonb_array_elements(f.fm->'levels') WITH ORDINALITY x(lv, ord) ORDER BY ord LOOP
            IF html THEN
                y := (l.ord::integer - 1) * 20 + 2;
                o := o || format('<text x="4" y="%s">%s</text><rect class="bar %s" x="%s" y="%s" width="%s" height="15">'
                                 '<title>%s: weight %s bits, m = %s, u = %s</title></rect><text x="%s" y="%s"%s>%s</text>',
                                 y + 12, @extschema@.html_escape(l.level),
                                 CASE WHEN l.w >= 0 THEN 'agree' ELSE 'disagree' END,
                                 round((460 + least(l.w, 0) / wmax * 200)::numeric, 1), y,
                                 round((abs(l.w) / wmax * 200)::numeric, 1),
                                 @extschema@.html_escape(l.level), @extschema@.report_num(l.w),
                                 @extschema@.report_num(l.m, 6), @extschema@.report_num(l.u, 6),
                                 round((460 + l.w / wmax * 200 + CASE WHEN l.w >= 0 THEN 4 ELSE -4 END)::numeric, 1),
                                 y + 12, CASE WHEN l.w < 0 THEN ' text-anchor="end"' ELSE '' END,
                                 @extschema@.report_num(l.w));
            ELSE
                -- 22 cells of label, 23 left of the axis, 23 right, the weight
                o := o || E'\n  ' || rpad(l.level, 22)
                       || lpad(repeat(gl[2], round(greatest(-l.w, 0) / wmax * 23)::integer), 23) || '|'
                       || rpad(@extschema@.text_bar(greatest(l.w, 0), wmax, 23), 23)
                       || lpad(@extschema@.report_num(l.w), 8);
            END IF;
        END LOOP;
        IF html THEN
            o := o || '</svg>';
        END IF;
    END LOOP;
    IF html THEN
        o := o || '</section>';
    END IF;

    -- the histogram of every candidate pair's weight, log count
    bins := r.weight_histogram->'bins';
    SELECT min((b->>'from')::float8), max((b->>'to')::float8), max((b->>'pairs')::float8)
      INTO lo, hi, cmax FROM jsonb_array_elements(bins) b;
    cmax := coalesce(cmax, 0);
    lo := floor(least(coalesce(lo, tw - 1), tw - 1));
    hi := ceil(greatest(coalesce(hi, tw + 1), tw + 1));
    IF html THEN
        sc := 640 / (hi - lo);
        o := o || format('<section id="histogram" data-pairs="%s"><h2>Candidate pairs by match weight</h2>'
                         '<p>Every compared pair, by total match weight (bins of %s bits; height: log of the count). '
                         'The line is the threshold %s (weight %s).</p>'
                         '<svg class="chart histogram" width="720" height="230" viewBox="0 0 720 230" '
                         'xmlns="http://www.w3.org/2000/svg"><line class="axis" x1="40" y1="180" x2="690" y2="180"/>',
                         r.candidate_pairs, r.weight_histogram->>'bin_width', @extschema@.report_num(r.threshold, 4),
                         @extschema@.report_num(tw));
        FOR p IN SELECT (b->>'from')::float8 AS x0, (b->>'to')::float8 AS x1, (b->>'pairs')::bigint AS n
                   FROM jsonb_array_elements(bins) b LOOP
            o := o || format('<rect class="bar count" x="%s" y="%s" width="%s" height="%s" data-pairs="%s">'
                             '<title>weight %s to %s (probability %s to %s): %s pairs</title></rect>',
                             round((40 + (p.x0 - lo) * sc)::numeric, 1),
                             round((180 - 170 * ln(1 + p.n) / ln(1 + cmax))::numeric, 1),
                             round(greatest((p.x1 - p.x0) * sc - 1, 1)::numeric, 1),
                             round((170 * ln(1 + p.n) / ln(1 + cmax))::numeric, 1), p.n,
                             p.x0, p.x1, @extschema@.report_num(1 / (1 + 2 ^ (-p.x0)), 4),
                             @extschema@.report_num(1 / (1 + 2 ^ (-p.x1)), 4), p.n);
        END LOOP;
        FOR n IN SELECT g FROM generate_series(ceil(lo / 5)::integer * 5, floor(hi)::integer, 5) g LOOP
            o := o || format('<text x="%s" y="196" text-anchor="middle">%s</text><text x="%s" y="210" '
                             'text-anchor="middle" class="muted">%s</text>',
                             round((40 + (n - lo) * sc)::numeric, 1), n, round((40 + (n - lo) * sc)::numeric, 1),
                             @extschema@.report_num(1 / (1 + 2 ^ (-n::float8)), 3));
        END LOOP;
        o := o || format('<text x="4" y="196">weight</text><text x="4" y="210">p</text>'
                         '<line class="threshold" x1="%s" y1="4" x2="%s" y2="184"><title>threshold %s</title></line>'
                         '<text x="%s" y="14">threshold %s</text></svg>',
                         round((40 + (tw - lo) * sc)::numeric, 1), round((40 + (tw - lo) * sc)::numeric, 1),
                         @extschema@.report_num(r.threshold, 4), round((44 + (tw - lo) * sc)::numeric, 1),
                         @extschema@.report_num(r.threshold, 4));
        o := o || '<table id="thresholds"><tr><th class="n">threshold</th><th class="n">pairs</th><th class="n">clusters</th></tr>';
        FOR p IN SELECT (t->>'threshold')::float8 AS t, t->>'pairs' AS pairs, t->>'clusters' AS clusters
                   FROM jsonb_array_elements(r.nearby_thresholds) t LOOP
            o := o || format('<tr%s><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td></tr>',
                             CASE WHEN p.t = r.threshold THEN ' class="run"' ELSE '' END,
                             @extschema@.report_num(p.t, 4), p.pairs, coalesce(p.clusters, 'not counted'));
        END LOOP;
        o := o || '</table></section>';
    ELSE
        -- at most 30 rows: bins merged to a width of whole half bits
        width := greatest(0.5, ceil((hi - lo) / 30 * 2) / 2);
        o := o || format(E'\n\nCANDIDATE PAIRS BY MATCH WEIGHT (%s pairs; bar: log of the count)', r.candidate_pairs)
               || E'\n  weight          probability            ' || rpad('', 25) || '   pairs';
        FOR p IN SELECT lo + g * width AS x0, lo + (g + 1) * width AS x1,
                        coalesce(sum((b->>'pairs')::bigint), 0) AS n
                   FROM generate_series(0, ceil((hi - lo) / width)::integer - 1) g
                   LEFT JOIN jsonb_array_elements(bins) b
                          ON (b->>'from')::float8 >= lo + g * width AND (b->>'from')::float8 < lo + (g + 1) * width
                  GROUP BY g ORDER BY g LOOP
            o := o || E'\n  ' || lpad(p.x0::text, 5) || ' to ' || lpad(p.x1::text, 5) || '  '
                   || rpad(@extschema@.report_num(1 / (1 + 2 ^ (-p.x0)), 4) || '-' || @extschema@.report_num(1 / (1 + 2 ^ (-p.x1)), 4), 14)
                   || rpad(@extschema@.text_bar(ln(1 + p.n), ln(1 + cmax), 36), 36) || lpad(p.n::text, 10)
                   || CASE WHEN tw >= p.x0 AND tw < p.x1 THEN ' <' ELSE '' END;
        END LOOP;
        o := o || E'\n  (< threshold ' || @extschema@.report_num(r.threshold, 4) || ', weight ' || @extschema@.report_num(tw) || ')'
               || E'\n\n  threshold       pairs    clusters';
        FOR p IN SELECT (t->>'threshold')::float8 AS t, t->>'pairs' AS pairs, t->>'clusters' AS clusters
                   FROM jsonb_array_elements(r.nearby_thresholds) t LOOP
            o := o || E'\n  ' || rpad(@extschema@.report_num(p.t, 4), 9) || lpad(p.pairs, 12)
                   || lpad(coalesce(p.clusters, 'not counted'), 12) || CASE WHEN p.t = r.threshold THEN '  (this run)' ELSE '' END;
        END LOOP;
    END IF;

    -- blocking rules: pairs in their blocks (the estimate), compared, found
    SELECT greatest(1, max((e.value->>'pairs_in_blocks')::float8)) INTO cmax FROM jsonb_each(r.pairs_by_rule) e;
    IF html THEN
        o := o || format('<section id="blocking"><h2>Blocking rules</h2><p>Per rule: the pairs its blocks hold '
                         '(estimated from the block sizes), the pairs it compared (those no earlier rule compared), '
                         'and those at or above the threshold among them; bars on a log scale.</p>'
                         '<svg class="chart blocking" width="720" height="%s" viewBox="0 0 720 %s" '
                         'xmlns="http://www.w3.org/2000/svg">',
                         (SELECT count(*) * 50 + 4 FROM jsonb_each(r.pairs_by_rule)),
                         (SELECT count(*) * 50 + 4 FROM jsonb_each(r.pairs_by_rule)));
        y := 2;
        FOR f IN SELECT e.key AS rule, e.value AS v FROM jsonb_each(r.pairs_by_rule) e ORDER BY e.key LOOP
            o := o || format('<text x="4" y="%s">%s</text>', y + 26, @extschema@.html_escape(f.rule));
            n := 0;
            FOREACH label IN ARRAY ARRAY['pairs_in_blocks', 'pairs_compared', 'pairs_found'] LOOP
                o := o || format('<rect class="bar %s" x="170" y="%s" width="%s" height="13"><title>%s: %s</title></rect>'
                                 '<text x="%s" y="%s">%s</text>',
                                 CASE label WHEN 'pairs_found' THEN 'agree' WHEN 'pairs_compared' THEN 'count' ELSE 'prior' END,
                                 y + n * 15, round((440 * ln(1 + coalesce((f.v->>label)::float8, 0)) / ln(1 + cmax))::numeric, 1),
                                 replace(label, '_', ' '), coalesce(f.v->>label, '-'),
                                 round((174 + 440 * ln(1 + coalesce((f.v->>label)::float8, 0)) / ln(1 + cmax))::numeric, 1),
                                 y + n * 15 + 11, coalesce(f.v->>label, '-'));
                n := n + 1;
            END LOOP;
            y := y + 50;
        END LOOP;
        o := o || '</svg><table id="rules"><tr><th>rule</th><th class="n">pairs in blocks</th><th class="n">compared</th>'
               || '<th class="n">blocks skipped</th><th class="n">found</th></tr>';
        FOR f IN SELECT e.key AS rule, e.value AS v FROM jsonb_each(r.pairs_by_rule) e ORDER BY e.key LOOP
            o := o || format('<tr><td>%s</td><td class="n">%s</td><td class="n" data-compared="%s">%s</td><td class="n">%s</td>'
                             '<td class="n" data-found="%s">%s</td></tr>',
                             @extschema@.html_escape(f.rule), f.v->>'pairs_in_blocks', f.v->>'pairs_compared',
                             f.v->>'pairs_compared', f.v->>'blocks_skipped', coalesce(f.v->>'pairs_found', ''),
                             coalesce(f.v->>'pairs_found', '-'));
        END LOOP;
        o := o || '</table></section>';
    ELSE
        o := o || E'\n\nBLOCKING RULES (log scale; in blocks / compared / found)'
               || E'\n  rule              ' || rpad('', 24) || '    in blocks    compared     found';
        FOR f IN SELECT e.key AS rule, e.value AS v FROM jsonb_each(r.pairs_by_rule) e ORDER BY e.key LOOP
            o := o || E'\n  ' || rpad(f.rule, 18)
                   || rpad(@extschema@.text_bar(ln(1 + coalesce((f.v->>'pairs_in_blocks')::float8, 0)), ln(1 + cmax), 24), 24)
                   || lpad(coalesce(f.v->>'pairs_in_blocks', '-'), 13) || lpad(coalesce(f.v->>'pairs_compared', '-'), 12)
                   || lpad(coalesce(f.v->>'pairs_found', '-'), 10)
                   || E'\n  ' || rpad('', 18) || @extschema@.text_bar(ln(1 + coalesce((f.v->>'pairs_compared')::float8, 0)), ln(1 + cmax), 24)
                   || E'\n  ' || rpad('', 18) || @extschema@.text_bar(ln(1 + coalesce((f.v->>'pairs_found')::float8, 0)), ln(1 + cmax), 24);
        END LOOP;
    END IF;

    -- cluster sizes and the flagged clusters
    SELECT greatest(1, max(e.value::float8)) INTO cmax FROM jsonb_each_text(r.cluster_sizes) e;
    IF html THEN
        o := o || format('<section id="clusters" data-clusters="%s" data-flagged="%s"><h2>Clusters</h2>'
                         '<p>%s clusters of %s records by size; %s flagged (the size guard refused %s links into them).</p>'
                         '<svg class="chart clusters" width="720" height="%s" viewBox="0 0 720 %s" xmlns="http://www.w3.org/2000/svg">',
                         r.clusters, r.flagged_clusters, r.clusters, r.records_in_clusters, r.flagged_clusters,
                         r.refused_links, (SELECT count(*) * 20 + 4 FROM jsonb_each(r.cluster_sizes)),
                         (SELECT count(*) * 20 + 4 FROM jsonb_each(r.cluster_sizes)));
        y := 2;
        FOR f IN SELECT e.key AS size, e.value::bigint AS n FROM jsonb_each_text(r.cluster_sizes) e
                  ORDER BY ltrim(e.key, '>=')::integer LOOP
            o := o || format('<text x="4" y="%s">size %s</text><rect class="bar count" x="90" y="%s" width="%s" '
                             'height="15" data-clusters="%s"><title>%s clusters of size %s</title></rect><text x="%s" y="%s">%s</text>',
                             y + 12, @extschema@.html_escape(f.size), y, round(greatest(1, 540 * f.n / cmax)::numeric, 1),
                             f.n, f.n, @extschema@.html_escape(f.size), round((94 + 540 * f.n / cmax)::numeric, 1), y + 12, f.n);
            y := y + 20;
        END LOOP;
        o := o || '</svg>';
    ELSE
        o := o || format(E'\n\nCLUSTERS: %s of %s records, %s flagged', r.clusters, r.records_in_clusters, r.flagged_clusters);
        FOR f IN SELECT e.key AS size, e.value::bigint AS n FROM jsonb_each_text(r.cluster_sizes) e
                  ORDER BY ltrim(e.key, '>=')::integer LOOP
            o := o || E'\n  size ' || rpad(f.size, 6) || rpad(@extschema@.text_bar(f.n, cmax, 55), 55) || lpad(f.n::text, 12);
        END LOOP;
    END IF;
    n := 0;
    FOR f IN SELECT c.cluster_id, max(c.cluster_size) AS size,
                    (array_agg(c.key ORDER BY c.key))[1:12] AS members
               FROM @extschema@.dedupe_clusters c
              WHERE c.run_id = r.run_id AND c.flagged
              GROUP BY c.cluster_id ORDER BY max(c.cluster_size) DESC, c.cluster_id LIMIT 20 LOOP
        IF html THEN
            IF n = 0 THEN
                o := o || format('<h3>Flagged clusters (the %s largest of %s)</h3><table id="flagged">'
                                 '<tr><th class="n">cluster</th><th class="n">size</th><th>records</th></tr>',
                                 least(20, r.flagged_clusters), r.flagged_clusters);
            END IF;
            o := o || format('<tr class="flagged"><td class="n">%s</td><td class="n">%s</td><td>%s%s</td></tr>', f.cluster_id,
                             f.size, array_to_string(f.members, ', '), CASE WHEN f.size > 12 THEN ', ...' ELSE '' END);
        ELSE
            IF n = 0 THEN
                o := o || E'\n  flagged (largest first):';
            END IF;
            o := o || E'\n    cluster ' || f.cluster_id || ' (' || f.size || '): '
                   || left(array_to_string(f.members, ', ') || CASE WHEN f.size > 12 THEN ', ...' ELSE '' END, 50);
        END IF;
        n := n + 1;
    END LOOP;
    IF html THEN
        o := o || CASE WHEN n > 0 THEN '</table>' ELSE '' END || '</section>';
    END IF;

    -- pairs just above and just below the threshold: waterfall and records
    -- (kept by the run: no sort of its pairs)
    SELECT coalesce(jsonb_agg(x.v || jsonb_build_object('side', x.side) ORDER BY x.side, x.ord), '[]') INTO pairs
      FROM (SELECT 'above' AS side, v, ord FROM jsonb_array_elements(r.pairs_near_threshold->'above') WITH ORDINALITY a(v, ord)
            UNION ALL
            SELECT 'below', v, ord FROM jsonb_array_elements(r.pairs_near_threshold->'below') WITH ORDINALITY b(v, ord)) x;
    SELECT array_agg(DISTINCT k) INTO keys
      FROM jsonb_array_elements(pairs) e, LATERAL (VALUES ((e->>'key_a')::bigint), ((e->>'key_b')::bigint)) v(k);
    SELECT array_agg(c ORDER BY c) INTO cols FROM jsonb_object_keys(r.model->'fields') c;
    IF keys IS NOT NULL AND key_col IS NOT NULL THEN
        EXECUTE format('SELECT coalesce(jsonb_object_agg(t.%I::text, jsonb_build_object(%s)), ''{}'') FROM %s t WHERE t.%I = ANY ($1)',
                       key_col, (SELECT string_agg(format('%L, t.%I::text', c, c), ', ') FROM unnest(cols) c),
                       r.tbl, key_col)
           INTO recs USING keys;
    END IF;
    IF html THEN
        o := o || format('<section id="pairs"><h2>Pairs near the threshold</h2><p>The %s weakest pairs at or above '
                         'the threshold and the %s strongest below it: from the prior, each column adds its weight '
                         'to the final match weight and probability. Both records as they are now, '
                         'the differing characters marked.</p>',
                         (SELECT count(*) FROM jsonb_array_elements(pairs) e WHERE e->>'side' = 'above'),
                         (SELECT count(*) FROM jsonb_array_elements(pairs) e WHERE e->>'side' = 'below'));
    ELSE
        o := o || E'\n\nPAIRS NEAR THE THRESHOLD (waterfall from the prior; records as they are now)';
    END IF;
    FOR p IN SELECT e->>'side' AS side, (e->>'key_a')::bigint AS a, (e->>'key_b')::bigint AS b,
                    (e->>'probability')::float8 AS prob, (e->>'weight')::float8 AS w, e->'explanation' AS ex
               FROM jsonb_array_elements(pairs) e LOOP
        -- the waterfall's range: every running sum, 0 and the threshold
        SELECT least(min(s), 0, prior_w, tw) - 1, greatest(max(s), 0, prior_w, tw) + 1 INTO lo, hi
          FROM (SELECT prior_w + sum((v->>'weight')::float8) OVER (ORDER BY k) AS s
                  FROM jsonb_each(p.ex) j(k, v)) s;
        n := (SELECT count(*) FROM jsonb_each(p.ex))::integer;
        IF html THEN
            sc := 420 / (hi - lo);
            o := o || format('<div class="pair %s" data-key-a="%s" data-key-b="%s"><h3>%s and %s: probability %s '
                             '(weight %s), %s the threshold</h3><svg class="chart waterfall" width="720" height="%s" '
                             'viewBox="0 0 720 %s" xmlns="http://www.w3.org/2000/svg"><line class="axis" x1="%s" y1="0" x2="%s" y2="%s"/>'
                             '<line class="threshold" x1="%s" y1="0" x2="%s" y2="%s"><title>threshold</title></line>',
                             p.side, p.a, p.b, p.a, p.b, @extschema@.report_num(p.prob, 4), @extschema@.report_num(p.w),
                             CASE p.side WHEN 'above' THEN 'above' ELSE 'below' END,
                             (n + 2) * 20 + 4, (n + 2) * 20 + 4,
                             round((260 + (0 - lo) * sc)::numeric, 1), round((260 + (0 - lo) * sc)::numeric, 1), (n + 2) * 20 + 4,
                             round((260 + (tw - lo) * sc)::numeric, 1), round((260 + (tw - lo) * sc)::numeric, 1), (n + 2) * 20 + 4);
            o := o || format('<text x="4" y="14">prior</text><rect class="bar prior" x="%s" y="2" width="%s" height="15">'
                             '<title>prior: %s bits</title></rect><text x="200" y="14">%s</text>',
                             round((260 + (least(prior_w, 0) - lo) * sc)::numeric, 1),
                             round(greatest(abs(prior_w) * sc, 1)::numeric, 1), @extschema@.report_num(prior_w),
                             @extschema@.report_num(prior_w));
        ELSE
            o := o || format(E'\n\n  %s and %s: probability %s (weight %s), %s the threshold',
                             p.a, p.b, @extschema@.report_num(p.prob, 4), @extschema@.report_num(p.w), p.side)
                   || E'\n    ' || rpad('prior', 30) || lpad(@extschema@.report_num(prior_w), 7) || ' '
                   || repeat(' ', round((least(prior_w, 0) - lo) / (hi - lo) * 36)::integer)
                   || repeat(gl[3], greatest(1, round(abs(prior_w) / (hi - lo) * 36))::integer);
        END IF;
        cum := prior_w;
        y := 22;
        FOR l IN SELECT j.k AS col, j.v->>'level' AS level, (j.v->>'weight')::float8 AS w
                   FROM jsonb_each(p.ex) j(k, v) ORDER BY j.k LOOP
            x0 := least(cum, cum + l.w);
            x1 := greatest(cum, cum + l.w);
            IF html THEN
                o := o || format('<text x="4" y="%s">%s: %s</text><rect class="bar %s" x="%s" y="%s" width="%s" height="15">'
                                 '<title>%s: %s, %s bits</title></rect><text x="200" y="%s">%s</text>',
                                 y + 12, @extschema@.html_escape(l.col), @extschema@.html_escape(l.level),
                                 CASE WHEN l.w >= 0 THEN 'step-up' ELSE 'step-down' END,
                                 round((260 + (x0 - lo) * sc)::numeric, 1), y,
                                 round(greatest((x1 - x0) * sc, 1)::numeric, 1),
                                 @extschema@.html_escape(l.col), @extschema@.html_escape(l.level),
                                 @extschema@.report_num(l.w), y + 12, @extschema@.report_num(l.w));
            ELSE
                o := o || E'\n    ' || rpad(left(l.col || ': ' || l.level, 30), 30) || lpad(@extschema@.report_num(l.w), 7) || ' '
                       || repeat(' ', round((x0 - lo) / (hi - lo) * 36)::integer)
                       || repeat(CASE WHEN l.w >= 0 THEN gl[1] ELSE gl[2] END,
                                 greatest(CASE WHEN l.w = 0 THEN 0 ELSE 1 END, round((x1 - x0) / (hi - lo) * 36))::integer);
            END IF;
            cum := cum + l.w;
            y := y + 20;
        END LOOP;
        IF html THEN
            o := o || format('<text x="4" y="%s">total: probability %s</text><rect class="bar total" x="%s" y="%s" '
                             'width="%s" height="15"><title>total: %s bits, probability %s</title></rect>'
                             '<text x="200" y="%s">%s</text></svg>',
                             y + 12, @extschema@.report_num(p.prob, 4), round((260 + (least(cum, 0) - lo) * sc)::numeric, 1),
                             y, round(greatest(abs(cum) * sc, 1)::numeric, 1), @extschema@.report_num(cum),
                             @extschema@.report_num(p.prob, 4), y + 12, @extschema@.report_num(cum));
            o := o || format('<table class="records"><tr><th>column</th><th>record %s</th><th>record %s</th></tr>', p.a, p.b);
        ELSE
            o := o || E'\n    ' || rpad('total, probability ' || @extschema@.report_num(p.prob, 4), 30)
                   || lpad(@extschema@.report_num(cum), 7) || ' '
                   || repeat(' ', round((least(cum, 0) - lo) / (hi - lo) * 36)::integer)
                   || repeat(gl[4], greatest(1, round(abs(cum) / (hi - lo) * 36))::integer);
        END IF;
        IF NOT recs ? p.a::text OR NOT recs ? p.b::text THEN
            o := o || CASE WHEN html THEN '<tr><td colspan="3" class="muted">a record of this pair is no longer in the table</td></tr>'
                           ELSE E'\n    (a record of this pair is no longer in the table)' END;
        END IF;
        FOREACH label IN ARRAY coalesce(cols, '{}') LOOP
            d := @extschema@.report_diff(recs->p.a::text->>label, recs->p.b::text->>label, html);
            IF html THEN
                o := o || format('<tr><td>%s</td><td>%s</td><td>%s</td></tr>', @extschema@.html_escape(label),
                                 coalesce(d[1], '<span class="muted">-</span>'), coalesce(d[2], '<span class="muted">-</span>'));
            ELSE
                o := o || E'\n    ' || rpad(left(label, 14), 14) || ' ' || rpad(left(coalesce(d[1], '-'), 29), 29)
                       || ' ' || left(coalesce(d[2], '-'), 29);
            END IF;
        END LOOP;
        IF html THEN
            o := o || '</table></div>';
        END IF;
    END LOOP;
    IF html THEN
        o := o || '</section>';
        RETURN @extschema@.report_page(format('contacts: dedupe run %s of %s', r.run_id, r.tbl::text),
                                       o);
    END IF;
    RETURN o || E'\n';
END;
$$;

COMMENT ON FUNCTION @extschema@.dedupe_report(bigint, text) IS
'Report of a dedupe run from its stored results (never a scan of the table): the model''s level weights, the histogram of candidate pair weights with the pairs and clusters of the thresholds near the run''s, the blocking rules, cluster sizes and flagged clusters, and pairs just above and below the threshold as waterfalls with both records; format html (one self-contained page) or text (80 columns, for psql)';

CREATE FUNCTION @extschema@.health_report(tbl regclass, format text DEFAULT 'html',
    stale_before timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg     @extschema@.table_config;
    html    boolean;
    region  text;
    vals    text := '';
    norms   text := '';
    k       record;
    counts  jsonb;
    s       record;
    o       text := '';
    stats   jsonb;
    total   bigint;
    x       float8;
    y       integer;
    i       integer := 0;
    states  text[] := ARRAY['valid', 'invalid', 'not normalized', 'missing'];
    gl      text[] := @extschema@.report_glyphs();
    glyphs  text[] := ARRAY[gl[1], gl[4], gl[3], gl[2]];
    st      text;
    cells   integer;
    used    integer;
BEGIN
    IF health_report.format IS NULL OR health_report.format NOT IN ('html', 'text') THEN
        RAISE EXCEPTION 'unknown report format "%"', health_report.format
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use format => ''html'' or ''text''.';
    END IF;
    html := health_report.format = 'html';
    PERFORM @extschema@.require_privileges(tbl, 'SELECT', 'report on');
    SELECT * INTO cfg FROM @extschema@.table_config t WHERE t.tbl = health_report.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    -- the region of each row, as health() takes it
    SELECT format('coalesce(upper(t.%I::text), %s)', ck.col, quote_nullable(cfg.default_region)) INTO region
      FROM @extschema@.column_kind ck WHERE ck.tbl = health_report.tbl AND ck.kind = 'country';
    region := coalesce(region, quote_nullable(cfg.default_region));

    -- One scan: each configured column's value, reason and normal form, by
    -- the expressions health() and imports use; a value is missing (NULL
    -- or blank), invalid (a reason), not normalized or valid.
    FOR k IN SELECT ck.col, ck.kind FROM @extschema@.column_kind ck
              WHERE ck.tbl = health_report.tbl ORDER BY ck.col LOOP
        i := i + 1;
        vals := vals || format('%s(%s, t.%I::text, %s)', CASE WHEN i > 1 THEN ', ' ELSE '' END, i, k.col,
                               @extschema@.kind_check_sql(k.kind, format('t.%I::text', k.col), region));
        -- the normal form of valid values only (normalizing an invalid one may fail)
        norms := norms || format(' WHEN %s THEN %s', i,
                                 CASE WHEN k.kind IN ('email', 'phone', 'national_id', 'given_name', 'family_name',
                                                      'full_name', 'company')
                                      THEN @extschema@.kind_normalize_sql(k.kind, 'v.x', region)
                                      ELSE 'v.x' END);
    END LOOP;
    IF i = 0 THEN
        RAISE EXCEPTION 'table % has no configured columns', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Name the columns'' kinds in contacts.configure().';
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_agg(jsonb_build_object(''c'', c, ''s'', s, ''r'', r, ''n'', n, ''x'', x)), ''[]'') '
                   'FROM (SELECT c, s, r, count(*) AS n, '
                   '             min(x COLLATE "C") FILTER (WHERE s IN (''invalid'', ''not normalized'')) AS x FROM ('
                   '  SELECT v.c, CASE WHEN NULLIF(btrim(v.x), '''') IS NULL THEN ''missing'' '
                   '                   WHEN v.r IS NOT NULL THEN ''invalid'' '
                   '                   WHEN v.x IS DISTINCT FROM w.n THEN ''not normalized'' ELSE ''valid'' END AS s, '
                   '         CASE WHEN NULLIF(btrim(v.x), '''') IS NOT NULL THEN v.r END AS r, v.x '
                   '    FROM %1$s t, LATERAL (VALUES %2$s) AS v(c, x, r), '
                   '         LATERAL (SELECT CASE WHEN v.r IS NULL AND v.x IS NOT NULL THEN CASE v.c %3$s END END) AS w(n)) y '
                   'GROUP BY c, s, r) z',
                   tbl, vals, norms)
       INTO stats;
    -- every row has a value (or none) in the first column
    SELECT coalesce(sum((e->>'n')::bigint), 0) INTO total FROM jsonb_array_elements(stats) e WHERE (e->>'c')::integer = 1;

    IF html THEN
        o := o || format('<h1>Health of %s</h1><p class="summary" data-rows="%s">%s rows; per configured column: valid, '
                         'invalid, not in normal form and missing values, with the commonest reasons and an example each.</p>'
                         '<p class="legend"><span class="seg-valid" style="background:#43a047"></span>valid'
                         '<span style="background:#e53935"></span>invalid<span style="background:#fb8c00"></span>not normalized'
                         '<span style="background:#bdbdbd"></span>missing</p><section id="columns"><h2>Columns</h2>',
                         @extschema@.html_escape(tbl::text), total, total);
    ELSE
        o := o || format('HEALTH OF %s: %s rows', tbl::text, total)
               || E'\n' || format('  %s valid  %s invalid  %s not normalized  %s missing',
                                  glyphs[1], glyphs[2], glyphs[3], glyphs[4]);
    END IF;
    i := 0;
    FOR k IN SELECT ck.col, ck.kind, ck.required FROM @extschema@.column_kind ck
              WHERE ck.tbl = health_report.tbl ORDER BY ck.col LOOP
        i := i + 1;
        SELECT jsonb_object_agg(q.s, q.n) INTO counts
          FROM (SELECT e->>'s' AS s, sum((e->>'n')::bigint) AS n FROM jsonb_array_elements(stats) e
                 WHERE (e->>'c')::integer = i GROUP BY 1) q;
        IF html THEN
            o := o || format('<h3>%s <span class="muted">(%s%s)</span></h3><svg class="chart health" data-column="%s" '
                             'width="720" height="24" viewBox="0 0 720 24" xmlns="http://www.w3.org/2000/svg">',
                             @extschema@.html_escape(k.col), @extschema@.html_escape(k.kind),
                             CASE WHEN k.required THEN ', required' ELSE '' END, @extschema@.html_escape(k.col));
            x := 0;
            FOREACH st IN ARRAY states LOOP
                IF coalesce((counts->>st)::bigint, 0) > 0 THEN
                    o := o || format('<rect class="bar seg-%s" x="%s" y="2" width="%s" height="18" data-state="%s" data-rows="%s">'
                                     '<title>%s: %s of %s (%s%%)</title></rect>',
                                     replace(st, ' ', '-'), round(x::numeric, 1),
                                     round((700.0 * (counts->>st)::bigint / greatest(total, 1))::numeric, 1),
                                     st, counts->>st, st, counts->>st, total,
                                     round(100.0 * (counts->>st)::bigint / greatest(total, 1), 1));
                    x := x + 700.0 * (counts->>st)::bigint / greatest(total, 1);
                END IF;
            END LOOP;
            o := o || '</svg><table class="counts"><tr>';
            FOREACH st IN ARRAY states LOOP
                o := o || format('<td>%s: <b>%s</b></td>', st, coalesce(counts->>st, '0'));
            END LOOP;
            o := o || '</tr></table>';
        ELSE
            o := o || E'\n' || rpad(left(k.col || ' (' || k.kind || ')', 23), 24);
            used := 0;
            FOREACH st IN ARRAY states LOOP
                cells := round(54.0 * coalesce((counts->>st)::bigint, 0) / greatest(total, 1))::integer;
                cells := least(cells, 54 - used);
                IF cells = 0 AND coalesce((counts->>st)::bigint, 0) > 0 AND used < 54 THEN
                    cells := 1;
                END IF;
                o := o || repeat(glyphs[array_position(states, st)], cells);
                used := used + cells;
            END LOOP;
            o := o || E'\n  ' || format('%s valid, %s invalid, %s not normalized, %s missing',
                                        coalesce(counts->>'valid', '0'), coalesce(counts->>'invalid', '0'),
                                        coalesce(counts->>'not normalized', '0'), coalesce(counts->>'missing', '0'));
        END IF;
        y := 0;
        FOR s IN SELECT coalesce(e->>'r', e->>'s') AS reason, (e->>'n')::bigint AS n, e->>'x' AS example
                   FROM jsonb_array_elements(stats) e
                  WHERE (e->>'c')::integer = i AND e->>'s' IN ('invalid', 'not normalized')
                  ORDER BY (e->>'n')::bigint DESC, 1 LIMIT 5 LOOP
            IF html THEN
                o := o || CASE WHEN y = 0 THEN '<table class="reasons"><tr><th>reason</th><th class="n">rows</th><th>example</th></tr>' ELSE '' END
                       || format('<tr><td>%s</td><td class="n">%s</td><td>%s</td></tr>', @extschema@.html_escape(s.reason),
                                 s.n, @extschema@.html_escape(s.example));
            ELSE
                o := o || E'\n    ' || rpad(left(s.reason, 24), 24) || lpad(s.n::text, 10) || '  e.g. ' || left(s.example, 34);
            END IF;
            y := y + 1;
        END LOOP;
        IF html AND y > 0 THEN
            o := o || '</table>';
        END IF;
    END LOOP;

    -- and health()'s checks, as it reports them
    IF html THEN
        o := o || '</section><section id="checks"><h2>Checks</h2><table><tr><th>check</th><th>column</th>'
               || '<th class="n">affected</th><th class="n">rate</th><th>example</th></tr>';
    ELSE
        o := o || E'\n\nCHECKS (contacts.health)';
    END IF;
    FOR s IN SELECT * FROM @extschema@.health(tbl, stale_before) LOOP
        IF html THEN
            o := o || format('<tr class="check" data-affected="%s"><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td>%s</td></tr>',
                             s.affected, @extschema@.html_escape(s.check_name), @extschema@.html_escape(s.column_name),
                             s.affected, coalesce(s.rate::text, '-'), coalesce(@extschema@.html_escape(s.example), ''));
        ELSE
            o := o || E'\n  ' || rpad(left(s.check_name || ' ' || s.column_name, 34), 34) || lpad(s.affected::text, 10)
                   || lpad(coalesce(s.rate::text, '-'), 8) || '  ' || left(coalesce(s.example, ''), 24);
        END IF;
    END LOOP;
    IF html THEN
        o := o || '</table></section>';
        RETURN @extschema@.report_page(format('contacts: health of %s', tbl::text), o);
    END IF;
    RETURN o || E'\n';
END;
$$;

COMMENT ON FUNCTION @extschema@.health_report(regclass, text, timestamptz) IS
'Report of a configured table''s data quality: per column, valid, invalid, not normalized and missing values as stacked bars with the commonest reasons and an example each, then the checks of contacts.health(); format html (one self-contained page) or text (80 columns, for psql)';

-- ---------------------------------------------------------------------------
-- What each function costs the planner, measured (test/bench/bench_cost.sh)
-- ---------------------------------------------------------------------------

ALTER FUNCTION @extschema@.email_valid(text) COST 5;
ALTER FUNCTION @extschema@.email_valid(text, text) COST 5;
ALTER FUNCTION @extschema@.email_check(text) COST 5;
ALTER FUNCTION @extschema@.email_check(text, text) COST 5;
ALTER FUNCTION @extschema@.email_normalize(text) COST 5;
ALTER FUNCTION @extschema@.email_normalize(text, text) COST 5;
ALTER FUNCTION @extschema@.email_key(text) COST 5;
ALTER FUNCTION @extschema@.email_suggest(text) COST 20;
ALTER FUNCTION @extschema@.email_suggest(text, text) COST 20;
ALTER FUNCTION @extschema@.fold(text) COST 10;
ALTER FUNCTION @extschema@.levenshtein_distance(text, text) COST 20;
ALTER FUNCTION @extschema@.levenshtein_distance(text, text, integer) COST 10;
ALTER FUNCTION @extschema@.damerau_levenshtein_distance(text, text) COST 50;
ALTER FUNCTION @extschema@.jaro_similarity(text, text) COST 10;
ALTER FUNCTION @extschema@.jaro_winkler_similarity(text, text) COST 10;
ALTER FUNCTION @extschema@.token_set_similarity(text, text) COST 20;
ALTER FUNCTION @extschema@.qgram_similarity(text, text, integer) COST 50;
ALTER FUNCTION @extschema@.double_metaphone(text) COST 50;
ALTER FUNCTION @extschema@.double_metaphone_alt(text) COST 50;
ALTER FUNCTION @extschema@.phonetic_es(text) COST 20;
ALTER FUNCTION @extschema@.name_normalize(text) COST 10;
ALTER FUNCTION @extschema@.name_parts(text) COST 20;
ALTER FUNCTION @extschema@.name_similarity(text, text) COST 50;
ALTER FUNCTION @extschema@.company_normalize(text) COST 20;
ALTER FUNCTION @extschema@.company_key(text) COST 20;
ALTER FUNCTION @extschema@.national_id_valid(text, text, text) COST 10;
ALTER FUNCTION @extschema@.national_id_normalize(text, text, text) COST 10;
ALTER FUNCTION @extschema@.national_id_check(text, text, text) COST 10;
ALTER FUNCTION @extschema@.name_search_similarity(text, text) COST 100;
ALTER FUNCTION @extschema@.name_search_distance(text, text) COST 100;
ALTER FUNCTION @extschema@.name_search_match(text, text) COST 100;
ALTER FUNCTION @extschema@.name_search_key(text) COST 20;

-- The phone functions in the one pattern of explicit-setting twins
CREATE FUNCTION @extschema@.phone_parse(number text)
RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_parse'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_parse(text) IS
'Parse a phone number written in any usual form; national forms need a region prefix ("ES:612 34 56 78") or contacts.default_region; invalid numbers raise 22P02 with the reason';

CREATE OR REPLACE FUNCTION @extschema@.phone_parse(number text, region text)
RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_parse_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_parse(text, text) IS
'Parse a phone number written in any usual form; region (ISO 3166-1 alpha-2) applies to national forms, NULL means international forms only; never reads a setting';

CREATE FUNCTION @extschema@.phone_valid(number text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_valid'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_valid(text) IS
'True when the text is a valid phone number (as phone_parse(text) would accept it, reading contacts.default_region)';

CREATE OR REPLACE FUNCTION @extschema@.phone_valid(number text, region text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_valid_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_valid(text, text) IS
'True when the text is a valid phone number in the given region (NULL: international forms only); never reads a setting';

CREATE FUNCTION @extschema@.phone_check(number text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_check'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.phone_check(text) IS
'NULL for a valid phone number (reading contacts.default_region), else the reason code (NOT_A_NUMBER, INVALID_COUNTRY_CODE, TOO_SHORT, TOO_LONG, INVALID_LENGTH, INVALID_FOR_REGION)';

CREATE FUNCTION @extschema@.phone_check(number text, region text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_check_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.phone_check(text, text) IS
'NULL for a valid phone number in the given region (NULL: international forms only), else the reason code; never reads a setting';
-- ---------------------------------------------------------------------------
-- Cleaning existing rows (src/sql/87_clean.sql), and who may read and write
-- its log (src/sql/90_privileges.sql)
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

-- Clean runs and their changes (before-images of values): read with SELECT
-- on the table, written by the roles that may update it, into runs that are
-- neither finished nor undone.
GRANT SELECT, INSERT, UPDATE ON @extschema@.clean_run TO PUBLIC;
GRANT SELECT, INSERT ON @extschema@.clean_change TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.clean_run_run_id_seq TO PUBLIC;

ALTER TABLE @extschema@.clean_run ENABLE ROW LEVEL SECURITY;
CREATE POLICY clean_run_read ON @extschema@.clean_run FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY clean_run_start ON @extschema@.clean_run FOR INSERT
    WITH CHECK (cleaned_by OPERATOR(pg_catalog.=) CURRENT_USER AND undone_at IS NULL
                AND pg_catalog.has_table_privilege(tbl, 'UPDATE'));
CREATE POLICY clean_run_update ON @extschema@.clean_run FOR UPDATE
    USING (pg_catalog.has_table_privilege(tbl, 'UPDATE'))
    WITH CHECK (pg_catalog.has_table_privilege(tbl, 'UPDATE')
                AND (undone_by IS NULL OR undone_by OPERATOR(pg_catalog.=) CURRENT_USER));
COMMENT ON POLICY clean_run_read ON @extschema@.clean_run IS
'A clean run is visible to the roles that may read its table';
COMMENT ON POLICY clean_run_start ON @extschema@.clean_run IS
'A role starts clean runs only in its own name, of tables it may update';
COMMENT ON POLICY clean_run_update ON @extschema@.clean_run IS
'A role that may update the table continues a clean run or marks it undone, in its own name';

ALTER TABLE @extschema@.clean_change ENABLE ROW LEVEL SECURITY;
CREATE POLICY clean_change_read ON @extschema@.clean_change FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY clean_change_log ON @extschema@.clean_change FOR INSERT
    WITH CHECK (pg_catalog.has_table_privilege(tbl, 'UPDATE')
                AND EXISTS (SELECT 1 FROM @extschema@.clean_run r
                             WHERE r.run_id OPERATOR(pg_catalog.=) clean_change.run_id
                               AND r.tbl OPERATOR(pg_catalog.=) clean_change.tbl
                               AND r.finished_at IS NULL AND r.undone_at IS NULL));
COMMENT ON POLICY clean_change_read ON @extschema@.clean_change IS
'A clean run''s changes are visible to the roles that may read its table';
COMMENT ON POLICY clean_change_log ON @extschema@.clean_change IS
'A role that may update the table logs changes only into a clean run of it that is still running';


-- ---------------------------------------------------------------------------
-- Erasure (src/sql/88_erase.sql, grants in 90_privileges.sql): the merge
-- log's mark, the erasure record, the steps and erase()
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.merge_log ADD COLUMN erasure_id bigint;

COMMENT ON TABLE @extschema@.merge_log IS
'One row per merge: the table, the survivor''s key, the merged-away keys, the survivorship rules in effect, who merged, when and why, who undid it when, and the erasure that redacted it (keys and reason removed, rows deleted: it can no longer be undone)';
CREATE TABLE @extschema@.erasure (
    erasure_id  bigserial PRIMARY KEY,
    tbl         regclass NOT NULL,
    erased_by   name NOT NULL DEFAULT CURRENT_USER,
    erased_at   timestamptz NOT NULL DEFAULT now(),
    txid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    rows        bigint,
    counts      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(counts) = 'object'),
    suppressed  integer NOT NULL DEFAULT 0,
    reason      text
);
CREATE INDEX erasure_tbl_idx ON @extschema@.erasure (tbl, erased_at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.erasure', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.erasure_erasure_id_seq', '');

COMMENT ON TABLE @extschema@.erasure IS
'One row per erasure (contacts.erase), without personal data: the table, who erased and when, the transaction, how many rows of the table were deleted, how many rows of each extension table were removed or redacted (counts), how many suppression entries were added, and the reason given (which must not name the person)';

CREATE FUNCTION @extschema@.erasing(tbl regclass)
RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
-- (PARALLEL UNSAFE as pg_current_xact_id_if_assigned is)
SELECT EXISTS (SELECT 1 FROM @extschema@.erasure e
                WHERE e.tbl OPERATOR(pg_catalog.=) erasing.tbl
                  AND e.erased_by OPERATOR(pg_catalog.=) CURRENT_USER
                  AND e.txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id_if_assigned())
$$;

COMMENT ON FUNCTION @extschema@.erasing(regclass) IS
'True inside the transaction of an erasure of tbl recorded by the current role in contacts.erasure; the row security policies that let erase() remove a person''s rows from the extension''s tables';

-- The forms a person's values are recognized by, and a test of a JSON
-- document against them.
CREATE FUNCTION @extschema@.erasure_match(doc jsonb, forms text[], region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
-- First a cheap test that every match passes: some form's letters and
-- digits (an email's local part without dots, a phone's last seven digits,
-- an ID's last five)
-- among the document's, its folded text's for names; only then each leaf.
SELECT CASE WHEN NOT EXISTS (
           SELECT 1
             FROM (SELECT pg_catalog.regexp_replace(pg_catalog.lower(doc::text), '[^a-z0-9]+', '', 'g') AS l) h,
                  pg_catalog.unnest(forms) f
            WHERE f NOT LIKE 'name:%'
              AND pg_catalog.strpos(h.l, CASE
                      WHEN f LIKE 'email:%' THEN pg_catalog.regexp_replace(pg_catalog.split_part(pg_catalog.substr(f, 7), '@', 1), '[^a-z0-9]+', '', 'g')
                      WHEN f LIKE 'phone:%' THEN pg_catalog.right(pg_catalog.regexp_replace(f, '[^0-9]+', '', 'g'), 7)
                      WHEN f LIKE 'national_id:%' THEN pg_catalog.right(pg_catalog.regexp_replace(pg_catalog.lower(f), '[^a-z0-9]+', '', 'g'), 5)
                      ELSE pg_catalog.regexp_replace(pg_catalog.lower(pg_catalog.substr(f, pg_catalog.strpos(f, ':') + 1)), '[^a-z0-9]+', '', 'g') END) > 0)
        AND NOT EXISTS (
           SELECT 1
             FROM (SELECT pg_catalog.regexp_replace(COALESCE(@extschema@.match_key('fold', doc::text), ''), '[^a-z0-9]+', '', 'g') AS n
                    WHERE EXISTS (SELECT 1 FROM pg_catalog.unnest(forms) g WHERE g LIKE 'name:%')) h,
                  pg_catalog.unnest(forms) f
            WHERE f LIKE 'name:%'
              AND pg_catalog.strpos(h.n, pg_catalog.regexp_replace(pg_catalog.substr(f, 6), '[^a-z0-9]+', '', 'g')) > 0)
       THEN false
       ELSE (
    WITH leaf AS (
        SELECT j #>> '{}' AS s
          FROM pg_catalog.jsonb_path_query(COALESCE(doc, 'null'), 'strict $.**') j
         WHERE pg_catalog.jsonb_typeof(j) IN ('string', 'number')
    ), k AS (
        -- which kinds of forms there are: a leaf is normalized only for those,
        -- and only when it can be one (an @, five digits)
        SELECT COALESCE(pg_catalog.bool_or(f LIKE 'email:%'), false) AS email,
               COALESCE(pg_catalog.bool_or(f LIKE 'phone:%' OR f LIKE 'national_id:%'), false) AS number,
               COALESCE(pg_catalog.bool_or(f LIKE 'name:%'), false) AS name,
               COALESCE(pg_catalog.bool_or(f LIKE 'text:%'), false) AS text
          FROM pg_catalog.unnest(forms) f
    )
    SELECT EXISTS (SELECT 1 FROM leaf, k
                    WHERE (k.email AND pg_catalog.strpos(leaf.s, '@') > 0
                           AND ARRAY['email:' || @extschema@.match_key('email', leaf.s),
                                     'email:' || @extschema@.email_canonical_key(leaf.s)] OPERATOR(pg_catalog.&&) forms)
                       OR (k.number AND leaf.s OPERATOR(pg_catalog.~) '([0-9][^0-9]*){5}'
                           AND ARRAY['phone:' || @extschema@.match_key('phone', leaf.s, region),
                                     'national_id:' || @extschema@.match_key('national_id', leaf.s, region)]
                               OPERATOR(pg_catalog.&&) forms))
        -- free text (an error message) quoting an email, phone or ID, as a
        -- whole word: not inside a longer address or number
        OR ((SELECT k.text FROM k) AND EXISTS (
               SELECT 1 FROM pg_catalog.unnest(forms) f
                WHERE f LIKE 'text:%'
                  AND pg_catalog.strpos(pg_catalog.lower(doc::text), pg_catalog.substr(f, 6)) > 0
                  AND pg_catalog.lower(doc::text) OPERATOR(pg_catalog.~)
                      ('(^|[^a-z0-9._%+-])'
                       || pg_catalog.regexp_replace(pg_catalog.substr(f, 6), '([^a-z0-9_@-])', '\\\1', 'g')
                       || '($|[^a-z0-9_-])')))
        -- names: two of the person's name parts, or a full name
        OR ((SELECT k.name FROM k) AND (
               SELECT pg_catalog.count(DISTINCT n.f) >= 2 OR COALESCE(pg_catalog.bool_or(n.f LIKE '% %'), false)
                 FROM leaf, LATERAL (SELECT 'name:' || @extschema@.match_key('fold', leaf.s) AS f) n
                WHERE n.f OPERATOR(pg_catalog.=) ANY (forms))))
       END
$$;

COMMENT ON FUNCTION @extschema@.erasure_match(jsonb, text[], text) IS
'True when a JSON document (a row image, a source row, an event, a message) holds a value of the person described by forms: a string or number whose email key, canonical email key, phone or national ID key (in region) is one of the forms email:..., phone:..., national_id:...; a text: form (lower-case email, E.164 phone, ID) anywhere in its text; or two name: forms (folded name parts), or one full name. Used by erase() and its steps';

CREATE FUNCTION @extschema@.erase_dedupe_features(tbl regclass, keys text[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ft  regclass := pg_catalog.to_regclass(pg_catalog.format('@extschema@.%I', 'dedupe_features_' || tbl::oid));
    n   bigint;
BEGIN
    IF ft IS NULL THEN
        RETURN 0;
    END IF;
    -- dedupe_run made it its table's owner's alone
    IF NOT @extschema@.owns_table(tbl) THEN
        RAISE EXCEPTION 'permission denied to erase from the dedupe features of table %', tbl
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The features of the last dedupe run hold the person''s values and only the table''s owner may change them: erase as the owner (or a member of its role).';
    END IF;
    EXECUTE pg_catalog.format('WITH d AS (DELETE FROM %s f WHERE f.key::text OPERATOR(pg_catalog.=) ANY ($1) RETURNING 1) '
                              'SELECT pg_catalog.count(*) FROM d', ft)
       INTO n USING keys;
    RETURN n;
END
$$;

COMMENT ON FUNCTION @extschema@.erase_dedupe_features(regclass, text[]) IS
'Internal to erase(): delete the rows of the given keys from the features of tbl''s last dedupe run (its owner''s); values shared by at least two records stay in the run''s counts table';

-- How to find and remove a person in each table of the extension: one row
-- per table, run in this order by erase() (a table added to the extension
-- adds its row here; sql/erase.sql fails for a table without one).
CREATE FUNCTION @extschema@.erasure_steps(OUT step integer, OUT table_name text,
                                          OUT statement text, OUT note text)
RETURNS SETOF record
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
VALUES
 (1, 'merge_log',
  'WITH u AS (UPDATE @extschema@.merge_log m SET erasure_id = $7, survivor = ''null'', members = ''[]'', reason = NULL '
  'WHERE m.merge_id OPERATOR(pg_catalog.=) ANY ($5) RETURNING 1) SELECT pg_catalog.count(*) FROM u',
  'the merges of the person (as survivor or merged-away row): kept as the fact that a merge happened, keys and reason redacted, marked with the erasure so unmerge refuses'),
 (2, 'merge_log_row',
  'WITH d AS (DELETE FROM @extschema@.merge_log_row r WHERE r.merge_id OPERATOR(pg_catalog.=) ANY ($5) '
  'OR (r.merge_id OPERATOR(pg_catalog.=) ANY ($9) AND r.tbl OPERATOR(pg_catalog.=) $1 '
  '    AND EXISTS (SELECT 1 FROM pg_catalog.jsonb_array_elements($2) p '
  '                 WHERE r.before OPERATOR(pg_catalog.@>) p.value OR r.after OPERATOR(pg_catalog.@>) p.value)) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'every before- and after-image of those merges, referencing rows included, and the images of the person''s rows that merges of other rows moved as referencing rows'),
 (3, 'alternate',
  'WITH d AS (DELETE FROM @extschema@.alternate a WHERE a.merge_id OPERATOR(pg_catalog.=) ANY ($5) '
  'OR (a.tbl OPERATOR(pg_catalog.=) $1 AND a.survivor OPERATOR(pg_catalog.=) ANY ($3)) RETURNING 1) '
  'SELECT pg_catalog.count(*) FROM d',
  'the person''s alternates'),
 (4, 'external_id_move',
  'WITH d AS (DELETE FROM @extschema@.external_id_move x WHERE x.merge_id OPERATOR(pg_catalog.=) ANY ($5) RETURNING 1) '
  'SELECT pg_catalog.count(*) FROM d',
  'external ids those merges moved'),
 (5, 'external_id',
  'WITH d AS (DELETE FROM @extschema@.external_id x WHERE x.tbl OPERATOR(pg_catalog.=) $1 '
  'AND x.key OPERATOR(pg_catalog.=) ANY ($3) RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'the ids of the person''s record in other systems'),
 (6, 'merge_batch_cluster',
  'WITH d AS (DELETE FROM @extschema@.merge_batch_cluster c USING @extschema@.merge_batch b '
  'WHERE b.batch_name OPERATOR(pg_catalog.=) c.batch_name AND b.tbl OPERATOR(pg_catalog.=) $1 '
  'AND (c.merge_id OPERATOR(pg_catalog.=) ANY ($5) OR @extschema@.erasure_match(pg_catalog.to_jsonb(c.error), $4, $6)) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'batch merge clusters that merged the person or failed with a message quoting its values'),
 (7, 'merge_batch', NULL,
  'the batch''s query text, written by the operator; nothing per person'),
 (8, 'import_reject',
  'WITH d AS (DELETE FROM @extschema@.import_reject j USING @extschema@.import_run r '
  'WHERE r.import_id OPERATOR(pg_catalog.=) j.import_id AND r.target OPERATOR(pg_catalog.=) $1 '
  'AND (@extschema@.erasure_match(j.source, $4, $6) OR @extschema@.erasure_match(j.details, $4, $6)) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'rejected source rows holding one of the person''s emails, phones or IDs, or the person''s name'),
 (9, 'import_run', NULL,
  'counts per import; the rejects it counted may be fewer afterwards'),
 (10, 'feed_event',
  'WITH d AS (DELETE FROM @extschema@.feed_event e USING '
  '(SELECT pg_catalog.jsonb_build_object(''key'', o.o) AS a, pg_catalog.jsonb_build_object(''survivor'', o.o) AS b, '
  '        pg_catalog.jsonb_build_object(''merged'', pg_catalog.jsonb_build_array(o.o)) AS c '
  '   FROM pg_catalog.jsonb_array_elements($2) p, '
  '        LATERAL (SELECT pg_catalog.jsonb_object_agg(x.key, x.value #>> ''{}'') AS o FROM pg_catalog.jsonb_each(p.value) x) o) k '
  'WHERE e.tbl OPERATOR(pg_catalog.=) $1 '
  'AND (e.event OPERATOR(pg_catalog.@>) k.a OR e.event OPERATOR(pg_catalog.@>) k.b OR e.event OPERATOR(pg_catalog.@>) k.c) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'kept change events of the person''s rows (by key, survivor or merged key, as text: every kept event that carries values names its row; rejected writes are never kept)'),
 (11, 'dedupe_pairs',
  'WITH d AS (DELETE FROM @extschema@.dedupe_pairs p USING @extschema@.dedupe_runs r, '
  '(SELECT pg_catalog.array_agg(k::bigint) AS k FROM pg_catalog.unnest($3) k WHERE k OPERATOR(pg_catalog.~) ''^-?[0-9]{1,18}$'') x '
  'WHERE r.run_id OPERATOR(pg_catalog.=) p.run_id AND r.tbl OPERATOR(pg_catalog.=) $1 '
  'AND (p.key_a OPERATOR(pg_catalog.=) ANY (x.k) OR p.key_b OPERATOR(pg_catalog.=) ANY (x.k)) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'pairs the person was in'),
 (12, 'dedupe_clusters',
  'WITH d AS (DELETE FROM @extschema@.dedupe_clusters c USING @extschema@.dedupe_runs r, '
  '(SELECT pg_catalog.array_agg(k::bigint) AS k FROM pg_catalog.unnest($3) k WHERE k OPERATOR(pg_catalog.~) ''^-?[0-9]{1,18}$'') x '
  'WHERE r.run_id OPERATOR(pg_catalog.=) c.run_id AND r.tbl OPERATOR(pg_catalog.=) $1 '
  'AND c.key OPERATOR(pg_catalog.=) ANY (x.k) RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'the person''s cluster memberships'),
 (13, 'dedupe_features',
  'SELECT @extschema@.erase_dedupe_features($1, $3)',
  'the features of the table''s last dedupe run (dedupe_features_<table oid>; its _counts table keeps only values shared by two records or more)'),
 (14, 'dedupe_runs', NULL,
  'run summaries: counts, model, and pair samples by key and column level, no values'),
 (15, 'suppression',
  'WITH f AS (SELECT e.key AS kind, @extschema@.suppression_normal_form(e.key, v.v, $6) AS normal '
  '           FROM pg_catalog.jsonb_each($8) e, pg_catalog.jsonb_array_elements_text(e.value) v(v)), '
  'u AS (UPDATE @extschema@.suppression s SET reason = ''erasure '' || $7 FROM f '
  '      WHERE f.normal IS NOT NULL AND s.kind OPERATOR(pg_catalog.=) f.kind '
  '        AND s.digest OPERATOR(pg_catalog.=) @extschema@.suppression_digest(f.kind, f.normal) '
  '        AND s.reason IS DISTINCT FROM ''erasure '' || $7 RETURNING 1) '
  'SELECT pg_catalog.count(*) FROM u',
  'the person''s entries keep their keyed digest; their reason becomes "erasure <id>"'),
 (16, 'suppression_key', NULL, 'the digest key'),
 (17, 'erasure', NULL, 'the erasure records themselves, without personal data'),
 (18, 'table_config', NULL, 'configuration'),
 (19, 'column_kind', NULL, 'configuration'),
 (20, 'merge_config', NULL, 'configuration'),
 (21, 'feed_config', NULL, 'configuration'),
 (22, 'dedupe_settings', NULL, 'configuration'),
 (23, 'dedupe_model', NULL, 'configuration'),
 (24, 'clean_run',
  'WITH u AS (UPDATE @extschema@.clean_run r '
  'SET last_key = CASE WHEN r.last_key OPERATOR(pg_catalog.=) ANY ($3) THEN NULL ELSE r.last_key END, erasure_id = $7 '
  'WHERE r.tbl OPERATOR(pg_catalog.=) $1 AND (r.last_key OPERATOR(pg_catalog.=) ANY ($3) OR EXISTS ('
  '  SELECT 1 FROM @extschema@.clean_change c WHERE c.run_id OPERATOR(pg_catalog.=) r.run_id '
  '  AND (c.row_key OPERATOR(pg_catalog.=) ANY ($3) OR c.duplicate_of OPERATOR(pg_catalog.=) ANY ($3) '
  '       OR @extschema@.erasure_match(pg_catalog.jsonb_build_array(c.before, c.after), $4, $6)))) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM u',
  'the clean runs that changed the person''s rows are marked with the erasure, so undo_clean() refuses them; a run that stopped at the person''s row forgets its key (resumed, it starts over; rows already clean stay unchanged)'),
 (25, 'clean_change',
  'WITH d AS (DELETE FROM @extschema@.clean_change c WHERE c.tbl OPERATOR(pg_catalog.=) $1 '
  'AND (c.row_key OPERATOR(pg_catalog.=) ANY ($3) OR c.duplicate_of OPERATOR(pg_catalog.=) ANY ($3) '
  '     OR @extschema@.erasure_match(pg_catalog.jsonb_build_array(c.before, c.after), $4, $6)) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'the values clean() changed in the person''s rows (before and after), and changes that named the person''s row as the duplicate'),
 (26, 'archive',
  'WITH d AS (DELETE FROM @extschema@.archive a WHERE a.tbl OPERATOR(pg_catalog.=) $1 '
  'AND (a.key OPERATOR(pg_catalog.=) ANY ($3) OR @extschema@.erasure_match(a.row_image, $4, $6) '
  '     OR @extschema@.erasure_match(pg_catalog.to_jsonb(a.reason), $4, $6)) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'archived rows of the person (by key, or holding the person''s values: an older record archived as stale)'),
 (27, 'bounce',
  'WITH d AS (DELETE FROM @extschema@.bounce b '
  'WHERE @extschema@.erasure_match(pg_catalog.jsonb_build_array(b.address, b.detail), $4, $6) '
  'RETURNING 1) SELECT pg_catalog.count(*) FROM d',
  'the delivery history of the person''s emails and phones (bounces belong to an address, not a table: the eraser needs SELECT and DELETE on contacts.bounce)'),
 (28, 'bounce_settings', NULL, 'configuration'),
 (29, 'retention', NULL, 'configuration'),
 (30, 'dedupe_blocking_rules', NULL, 'configuration: the DBA''s blocking rules'),
 (31, 'citus_entry_config', NULL, 'Citus only: a copy of the configuration'),
 (32, 'citus_suppression', NULL, 'Citus only: a copy of the suppression digests, kept like them'),
 (33, 'citus_suppression_key', NULL, 'Citus only: a copy of the digest key'),
 (34, 'citus_alternate', NULL, 'Citus only: a copy of contacts.alternate, whose erased rows its trigger removes from it')
$$;

COMMENT ON FUNCTION @extschema@.erasure_steps() IS
'How erase() finds and removes a person in each table of the extension, in order: a statement returning how many rows it removed or redacted (parameters: $1 the table, $2 the primary keys of the person''s rows as a jsonb array, $3 their key column values as text, $4 the forms of erasure_match, $5 the merges erased, $6 the table''s region, $7 the erasure_id, $8 the raw emails, phones and IDs as {"kind": [...]}, $9 the merges of other rows that moved one of the person''s rows as a referencing row), or NULL with a note saying why the table holds no personal data';

CREATE FUNCTION @extschema@.erase(tbl regclass, key anyelement, add_to_suppression boolean DEFAULT true,
                                  reason text DEFAULT NULL)
RETURNS @extschema@.erasure
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg        @extschema@.table_config;
    pkcols     name[];
    pk_expr    text;
    pk_list    text;
    pk_list_r  text;
    img        jsonb;
    pk         jsonb;
    pks        jsonb;
    prev       integer;
    merge_ids  bigint[];
    touched    bigint[];
    images     jsonb;
    keys       text[];
    forms      text[];
    vals       jsonb;
    idvals     jsonb;
    v          record;
    st         record;
    n          bigint;
    deleted    bigint;
    rows_deleted jsonb;
    step_counts jsonb := '{}';
    added      integer := 0;
    rec        @extschema@.erasure;
    msg        text;
    det        text;
BEGIN
    IF tbl IS NULL OR key IS NULL THEN
        RAISE EXCEPTION 'table and key of an erasure must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@.require_privileges(tbl, 'SELECT, DELETE', 'erase rows of');
    -- the person's entries in the suppression list are found, redacted and
    -- (by default) added to by the eraser
    PERFORM @extschema@.require_privileges('@extschema@.suppression',
        CASE WHEN add_to_suppression THEN 'SELECT, INSERT, UPDATE' ELSE 'SELECT, UPDATE' END,
        'erase a person''s entries in');
    -- and their delivery history, kept by address for every table
    PERFORM @extschema@.require_privileges('@extschema@.bounce', 'SELECT, DELETE',
        'erase a person''s delivery history in');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = erase.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'erase() finds a person''s values by the column kinds of contacts.configure(); configure the table first.';
    END IF;
    SELECT array_agg(a.attname ORDER BY k.n) INTO pkcols
      FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(att, n), pg_attribute a
     WHERE i.indrelid = tbl AND i.indisprimary AND k.n <= i.indnkeyatts
       AND a.attrelid = tbl AND a.attnum = k.att;
    IF pkcols IS NULL THEN
        RAISE EXCEPTION 'table % has no primary key', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'erase() finds the row, and the merges that logged it, by its primary key.';
    END IF;
    SELECT string_agg(format('t.%I', c), ', ' ORDER BY o), string_agg(format('r.%I', c), ', ' ORDER BY o)
      INTO pk_expr, pk_list_r FROM unnest(pkcols) WITH ORDINALITY x(c, o);
    pk_list := pk_expr;
    IF cardinality(pkcols) > 1 THEN
        pk_expr := 'ROW(' || pk_expr || ')';
    END IF;
    -- (no lock: FOR UPDATE would need UPDATE; the images erased are those
    -- the DELETE below returns)
    BEGIN
        EXECUTE format('SELECT to_jsonb(t) FROM %s t WHERE %s = $1', tbl, pk_expr) INTO img USING key;
    EXCEPTION WHEN undefined_function OR datatype_mismatch THEN
        RAISE EXCEPTION 'key of type % does not match the primary key of %', pg_typeof(key), tbl
            USING ERRCODE = 'datatype_mismatch',
                  HINT = format('Give a value of the primary key''s type (%s), as ROW(...) with each field cast for a composite key.',
                                (SELECT string_agg(format_type(a.atttypid, a.atttypmod), ', ' ORDER BY x.o)
                                   FROM unnest(pkcols) WITH ORDINALITY x(c, o)
                                   JOIN pg_attribute a ON a.attrelid = erase.tbl AND a.attname = x.c));
    END;
    IF img IS NULL THEN
        RAISE EXCEPTION 'table % has no row with that key', tbl
            USING ERRCODE = 'no_data_found',
                  HINT = 'Give the primary key of the row to erase (ROW(...) for a composite key).';
    END IF;
    SELECT jsonb_object_agg(e.key, e.value) INTO pk FROM jsonb_each(img) e WHERE e.key = ANY (pkcols);

    -- A row merged away (and kept, soft-deleted) is one person with its survivor.
    SELECT min(m.merge_id) INTO n FROM @extschema@.merge_log m
     WHERE m.tbl = erase.tbl AND m.unmerged_at IS NULL AND m.erasure_id IS NULL
       AND m.survivor <> pk AND m.members @> jsonb_build_array(pk);
    IF n IS NOT NULL THEN
        RAISE EXCEPTION 'this row of % was merged into another row by merge %', tbl, n
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'The merge made them one person: erase the survivor of the merge.';
    END IF;

    -- The person's rows: this one and, through the merges still in effect,
    -- every row merged into it, and into those, ...
    pks := jsonb_build_array(pk);
    LOOP
        prev := jsonb_array_length(pks);
        SELECT jsonb_agg(DISTINCT x.p) INTO pks
          FROM (SELECT jsonb_array_elements(pks) AS p
                UNION
                SELECT jsonb_array_elements(m.members) FROM @extschema@.merge_log m
                 WHERE m.tbl = erase.tbl AND m.unmerged_at IS NULL AND m.erasure_id IS NULL
                   AND m.survivor IN (SELECT jsonb_array_elements(pks))) x;
        EXIT WHEN jsonb_array_length(pks) = prev;
    END LOOP;

    -- Every merge that logged one of them as survivor or member (undone
    -- merges too): redacted and marked, all of its images removed.
    SELECT array_agg(m.merge_id ORDER BY m.merge_id) INTO merge_ids
      FROM @extschema@.merge_log m
     WHERE m.tbl = erase.tbl AND m.erasure_id IS NULL
       AND (m.survivor IN (SELECT jsonb_array_elements(pks))
            OR EXISTS (SELECT 1 FROM jsonb_array_elements(m.members) e
                        WHERE e IN (SELECT jsonb_array_elements(pks))));
    merge_ids := COALESCE(merge_ids, '{}');
    -- Merges of other rows that moved one of them as a referencing row
    -- (through a foreign key of the table): only those images go, the
    -- merges stay and can still be undone (the row is not there to move
    -- back).  The scan of the log happens only for a table that references.
    IF EXISTS (SELECT 1 FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = erase.tbl) THEN
        SELECT array_agg(DISTINCT r.merge_id ORDER BY r.merge_id) INTO touched
          FROM @extschema@.merge_log_row r, jsonb_array_elements(pks) p
         WHERE r.tbl = erase.tbl AND r.merge_id <> ALL (merge_ids)
           AND (r.before @> p.value OR r.after @> p.value);
    END IF;
    touched := COALESCE(touched, '{}');

    -- The rows, with the server's foreign key actions (CASCADE, SET NULL);
    -- references that forbid it refuse the whole erasure.
    BEGIN
        EXECUTE format('WITH d AS (DELETE FROM %1$s t WHERE (%2$s) IN (SELECT %3$s FROM jsonb_populate_recordset(NULL::%1$s, $1) r) '
                       'RETURNING to_jsonb(t) AS i) SELECT count(*), jsonb_agg(d.i) FROM d',
                       tbl, pk_list, pk_list_r)
           INTO deleted, rows_deleted USING pks;
    EXCEPTION WHEN foreign_key_violation OR restrict_violation THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL;
        RAISE EXCEPTION 'cannot erase from %: rows of another table reference the person''s row', tbl
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = msg || '. ' || det,
                  HINT = 'Delete the referencing rows, or move them to another row (contacts.merge), first; foreign keys declared ON DELETE CASCADE or SET NULL are followed.';
    END;
    IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(rows_deleted) d WHERE d @> pk) THEN
        RAISE EXCEPTION 'cannot erase from %: the row was not deleted', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A trigger or a row security policy on the table skipped the delete.';
    END IF;

    -- Everything the person's rows ever held: the row, and their images in
    -- those merges.
    SELECT jsonb_agg(i.i) INTO images
      FROM (SELECT jsonb_array_elements(rows_deleted) AS i
            UNION
            SELECT im.i FROM @extschema@.merge_log_row r,
                   LATERAL (VALUES (r.before), (r.after)) im(i)
             WHERE (r.merge_id = ANY (merge_ids) OR r.merge_id = ANY (touched))
               AND r.tbl = erase.tbl AND im.i IS NOT NULL
               AND EXISTS (SELECT 1 FROM jsonb_array_elements(pks) p WHERE im.i @> p.value)) i;
    SELECT array_agg(DISTINCT i.i ->> cfg.key_column) INTO keys FROM jsonb_array_elements(images) i(i);

    -- Its identifying values, kind by kind: configured columns, the
    -- alternates kept in array columns and in contacts.alternate.
    SELECT COALESCE(jsonb_agg(DISTINCT jsonb_build_object('kind', x.kind, 'value', x.value)), '[]') INTO idvals FROM (
        SELECT CASE WHEN k.kind IN ('given_name', 'family_name', 'full_name') THEN 'name' ELSE k.kind END AS kind,
               CASE WHEN jsonb_typeof(i.i -> k.col) = 'array' THEN e.e #>> '{}' ELSE i.i ->> k.col END AS value
          FROM jsonb_array_elements(images) i(i)
          JOIN @extschema@.column_kind k
            ON k.tbl = erase.tbl AND k.kind IN ('email', 'phone', 'national_id', 'given_name', 'family_name', 'full_name')
          LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(i.i -> k.col) = 'array'
                                                      THEN i.i -> k.col END) e(e) ON true
        UNION
        SELECT a.key, e.e #>> '{}'
          FROM jsonb_array_elements(images) i(i), @extschema@.merge_config m,
               jsonb_each_text(m.alternate_columns) a,
               jsonb_array_elements(CASE WHEN jsonb_typeof(i.i -> a.value) = 'array' THEN i.i -> a.value ELSE '[]' END) e(e)
         WHERE m.tbl = erase.tbl
        UNION
        SELECT a.kind, a.value FROM @extschema@.alternate a
         WHERE a.tbl = erase.tbl AND (a.survivor = ANY (keys) OR a.merge_id = ANY (merge_ids))) x
     WHERE x.value IS NOT NULL AND x.value <> '';

    SELECT array_agg(DISTINCT f.f) INTO forms
      FROM jsonb_to_recordset(idvals) x(kind text, value text),
           LATERAL (VALUES
               (CASE x.kind WHEN 'email' THEN 'email:' || @extschema@.match_key('email', x.value)
                            WHEN 'phone' THEN 'phone:' || @extschema@.match_key('phone', x.value, cfg.default_region)
                            WHEN 'national_id' THEN 'national_id:' || @extschema@.match_key('national_id', x.value, cfg.default_region)
                            ELSE 'name:' || @extschema@.match_key('fold', x.value) END),
               (CASE x.kind WHEN 'email' THEN 'email:' || @extschema@.email_canonical_key(x.value) END),
               (CASE x.kind WHEN 'email' THEN 'text:' || lower(x.value)
                            WHEN 'phone' THEN 'text:' || @extschema@.match_key('phone', x.value, cfg.default_region)
                            WHEN 'national_id' THEN 'text:' || lower(x.value) END)) f(f)
     WHERE f.f IS NOT NULL;
    forms := COALESCE(forms, '{}');
    SELECT COALESCE(jsonb_object_agg(g.kind, g.vals), '{}') INTO vals
      FROM (SELECT x.kind, jsonb_agg(x.value ORDER BY x.value) AS vals FROM jsonb_to_recordset(idvals) x(kind text, value text)
             WHERE x.kind IN ('email', 'phone', 'national_id') GROUP BY x.kind) g;

    -- The record first: the extension tables' row security lets its
    -- transaction remove the person's rows.
    INSERT INTO @extschema@.erasure AS e (tbl, reason) VALUES (erase.tbl, erase.reason) RETURNING * INTO rec;

    IF add_to_suppression THEN
        FOR v IN SELECT x.kind, x.value FROM jsonb_to_recordset(idvals) x(kind text, value text)
                  WHERE x.kind IN ('email', 'phone', 'national_id')
                    AND @extschema@.suppression_normal_form(x.kind, x.value, cfg.default_region) IS NOT NULL
                  ORDER BY 1, 2 LOOP
            IF @extschema@.suppress(v.kind, v.value, cfg.default_region, 'erasure ' || rec.erasure_id) THEN
                added := added + 1;
            END IF;
        END LOOP;
    END IF;

    FOR st IN SELECT s.table_name, s.statement FROM @extschema@.erasure_steps() s
               WHERE s.statement IS NOT NULL ORDER BY s.step LOOP
        EXECUTE st.statement INTO n
          USING tbl, pks, keys, forms, merge_ids, cfg.default_region, rec.erasure_id, vals, touched;
        step_counts := step_counts || jsonb_build_object(st.table_name, n);
    END LOOP;

    UPDATE @extschema@.erasure e SET rows = deleted, counts = step_counts, suppressed = added
     WHERE e.erasure_id = rec.erasure_id
    RETURNING * INTO rec;
    RETURN rec;
END
$$;

COMMENT ON FUNCTION @extschema@.erase(regclass, anyelement, boolean, text) IS
'Forget a person (right to be forgotten): delete the row of tbl with primary key key and every row merged into it, and remove or redact what every table of the extension keeps of them (merge images, alternates, import rejects, dedupe results, change events, external ids; see erasure_steps); with add_to_suppression (the default) their emails, phones and IDs go on the suppression list as keyed digests. Returns the erasure record, which holds no personal data (reason must not either). Needs SELECT and DELETE on tbl, SELECT, UPDATE (and INSERT) on contacts.suppression, and SELECT and DELETE on contacts.bounce';

-- Erasure: the record is visible to the roles that may read the table and
-- written by the role that erases (DELETE on the table), in its own name
-- and transaction.  Within that transaction, contacts.erasing(tbl) lets that
-- role remove the person's rows from the extension's tables (policies
-- *_erase below); every such removal leaves its erasure record behind.
GRANT SELECT, INSERT, UPDATE ON @extschema@.erasure TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.erasure_erasure_id_seq TO PUBLIC;
GRANT DELETE ON @extschema@.merge_log_row, @extschema@.import_reject TO PUBLIC;

ALTER TABLE @extschema@.erasure ENABLE ROW LEVEL SECURITY;
CREATE POLICY erasure_read ON @extschema@.erasure FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY erasure_erase ON @extschema@.erasure FOR INSERT
    WITH CHECK (erased_by OPERATOR(pg_catalog.=) CURRENT_USER
                AND txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()
                AND pg_catalog.has_table_privilege(tbl, 'DELETE'));
CREATE POLICY erasure_finish ON @extschema@.erasure FOR UPDATE
    USING (erased_by OPERATOR(pg_catalog.=) CURRENT_USER
           AND txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id_if_assigned())
    WITH CHECK (erased_by OPERATOR(pg_catalog.=) CURRENT_USER
                AND txid OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id_if_assigned());
COMMENT ON POLICY erasure_read ON @extschema@.erasure IS
'An erasure is visible to the roles that may read its table';
COMMENT ON POLICY erasure_erase ON @extschema@.erasure IS
'A role records only its own erasures, of tables it may delete from, in the transaction that erases';
COMMENT ON POLICY erasure_finish ON @extschema@.erasure IS
'A role completes its erasure in the transaction that made it';

CREATE POLICY merge_log_erase ON @extschema@.merge_log FOR UPDATE
    USING (@extschema@.erasing(tbl))
    WITH CHECK (erasure_id IS NOT NULL);
COMMENT ON POLICY merge_log_erase ON @extschema@.merge_log IS
'A role erasing a person from the table redacts the person''s merges and marks them erased';

-- The images of an erased merge, of the merged table and of the tables
-- referencing it, and the images of the erased table's rows in other
-- merges, are seen and removed by the eraser in its transaction.
DO $$
DECLARE
    c text;
BEGIN
    FOREACH c IN ARRAY ARRAY['SELECT', 'DELETE'] LOOP
        EXECUTE format('CREATE POLICY %I ON @extschema@.merge_log_row FOR %s '
                       'USING (@extschema@.erasing(tbl) OR EXISTS (SELECT 1 FROM @extschema@.merge_log m '
                       'WHERE m.merge_id OPERATOR(pg_catalog.=) merge_log_row.merge_id '
                       'AND m.erasure_id IS NOT NULL AND @extschema@.erasing(m.tbl)))',
                       'merge_log_row_erase_' || lower(c), c);
    END LOOP;
END
$$;
COMMENT ON POLICY merge_log_row_erase_select ON @extschema@.merge_log_row IS
'A role erasing a person sees every row logged by the merges it marked erased, whichever table they belong to, and the logged rows of the table it erases from';
COMMENT ON POLICY merge_log_row_erase_delete ON @extschema@.merge_log_row IS
'A role erasing a person removes the rows logged by the merges it marked erased, and the person''s rows that other merges moved';

-- The person's rows of the other tables keyed by the table, or by its run,
-- import or batch.
DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[
        ['alternate', 'alternates', 'tbl'],
        ['external_id', 'external ids', 'tbl'],
        ['external_id_move', 'external id moves', 'tbl'],
        ['feed_event', 'kept change feed events', 'tbl'],
        ['import_reject', 'rejected import rows',
         '(SELECT r.target FROM @extschema@.import_run r WHERE r.import_id OPERATOR(pg_catalog.=) import_reject.import_id)'],
        ['merge_batch_cluster', 'batch merge clusters',
         '(SELECT b.tbl FROM @extschema@.merge_batch b WHERE b.batch_name OPERATOR(pg_catalog.=) merge_batch_cluster.batch_name)'],
        ['dedupe_pairs', 'dedupe pairs',
         '(SELECT r.tbl FROM @extschema@.dedupe_runs r WHERE r.run_id OPERATOR(pg_catalog.=) dedupe_pairs.run_id)'],
        ['dedupe_clusters', 'dedupe clusters',
         '(SELECT r.tbl FROM @extschema@.dedupe_runs r WHERE r.run_id OPERATOR(pg_catalog.=) dedupe_clusters.run_id)'],
        ['clean_change', 'values changed by clean runs', 'tbl']] LOOP
        EXECUTE format('CREATE POLICY %I ON @extschema@.%I FOR DELETE USING (@extschema@.erasing(%s))',
                       t[1] || '_erase', t[1], t[3]);
        EXECUTE format('COMMENT ON POLICY %I ON @extschema@.%I IS %L', t[1] || '_erase', t[1],
                       format('A role erasing a person from the table removes the person''s %s', t[2]));
    END LOOP;
END
$$;

GRANT DELETE ON @extschema@.clean_change TO PUBLIC;
CREATE POLICY clean_run_erase ON @extschema@.clean_run FOR UPDATE
    USING (@extschema@.erasing(tbl)) WITH CHECK (@extschema@.erasing(tbl));
COMMENT ON POLICY clean_run_erase ON @extschema@.clean_run IS
'A role erasing a person from the table marks the clean runs that changed the person''s rows, and makes a run that stopped at the person''s row forget its key';

-- ---------------------------------------------------------------------------
-- Issue 23: bounces, stale contacts archived, retention
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.table_config
    ADD COLUMN on_undeliverable text NOT NULL DEFAULT 'allow'
               CHECK (on_undeliverable IN ('allow', 'flag', 'reject')),
    ADD COLUMN stale_after interval CHECK (stale_after > interval '0'),
    ADD COLUMN activity_column name;

COMMENT ON TABLE @extschema@.table_config IS
'One row per contact table managed by contacts: its key column, default phone region, what the entry trigger does with invalid values and duplicates (exact keys, and likely duplicates by the dedupe model when fuzzy_duplicates), optional flag, updated-at and consent columns, whether email duplicate keys compare case-insensitively (email) or provider-aware (email_canonical: Gmail dots and +tags), the order dates are written in when not the region''s (date_order), its own words for yes and no, what the trigger and imports do with emails and phones that bounced (on_undeliverable), and when a record is stale (not updated, nor active in activity_column, for stale_after)';

-- ---------------------------------------------------------------------------
-- Bounces: emails and phones that fail delivery
--
-- Whether an address can receive mail (or a number SMS and calls) is a fact
-- about the address, whichever tables hold it: the events are kept once, by
-- the address's key (email_key, E.164), in contacts.bounce.  Like the
-- suppression list, the list belongs to the extension's owner and the roles
-- it is granted to (the system that sends the mail); tables see it through
-- their policy (configure(on_undeliverable => ...)), health() and
-- undeliverable_match(), which answer for one value at a time.
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.bounce (
    bounce_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel     text NOT NULL CHECK (channel IN ('email', 'phone')),
    address     text NOT NULL,
    event       text NOT NULL CHECK (event IN ('hard', 'soft', 'delivered', 'cleared')),
    at          timestamptz NOT NULL,
    detail      text,
    recorded_by name NOT NULL DEFAULT CURRENT_USER,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bounce_address_idx ON @extschema@.bounce (channel, address, at);
CREATE INDEX bounce_at_idx ON @extschema@.bounce (at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce_bounce_id_seq', '');

COMMENT ON TABLE @extschema@.bounce IS
'Delivery events of emails and phones by their key (email_key, E.164): hard and soft bounces, successful deliveries and manual clears, when they happened, the sender''s detail, and who recorded them; an address is undeliverable after a hard bounce, or bounce_settings.soft_limit soft bounces within soft_window, since its last delivery or clear';

CREATE TABLE @extschema@.bounce_settings (
    channel     text PRIMARY KEY CHECK (channel IN ('email', 'phone')),
    soft_limit  integer NOT NULL CHECK (soft_limit > 0),
    soft_window interval NOT NULL CHECK (soft_window > interval '0')
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.bounce_settings', '');

COMMENT ON TABLE @extschema@.bounce_settings IS
'How many soft bounces within how long make an address undeliverable, per channel; a channel without a row uses 3 within 30 days';

-- The key of an address as bounces are kept: email_key() of a valid email,
-- the E.164 form of a valid phone; NULL for anything else.
CREATE FUNCTION @extschema@.bounce_address(channel text, value text, region text DEFAULT NULL)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE channel
    WHEN 'email' THEN CASE WHEN @extschema@.email_check(value) IS NULL THEN @extschema@.email_key(value) END
    -- without a region, national numbers are read in contacts.default_region
    WHEN 'phone' THEN (SELECT CASE WHEN @extschema@.phone_check(value, r.r) IS NULL
                                   THEN (@extschema@.phone_parse(value, r.r))::text END
                         FROM (SELECT coalesce(region, nullif(current_setting('contacts.default_region', true), '')) AS r) r)
END
$$;

COMMENT ON FUNCTION @extschema@.bounce_address(text, text, text) IS
'The key bounces of a value are kept by: email_key() of a valid email, E.164 of a valid phone (national numbers read in region); NULL when the value is invalid';

CREATE FUNCTION @extschema@.bounce_undeliverable(channel text, address text)
RETURNS boolean
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lim integer;
    win interval;
BEGIN
    -- (PL/pgSQL, not SQL: the entry trigger asks for one address at a
    -- time, and a PL/pgSQL function keeps its plans for the session)
    SELECT s.soft_limit, s.soft_window INTO lim, win
      FROM @extschema@.bounce_settings s WHERE s.channel = bounce_undeliverable.channel;
    lim := coalesce(lim, 3);
    win := coalesce(win, interval '30 days');
    -- The events since the last delivery or clear: any hard bounce, or lim
    -- soft ones within win of each other (a soft bounce and the lim - 1
    -- before it).
    RETURN EXISTS (
        SELECT 1
          FROM (SELECT b.event, b.at,
                       lag(b.at, lim - 1) OVER (PARTITION BY b.event ORDER BY b.at) AS first_of_lim
                  FROM @extschema@.bounce b
                 WHERE b.channel = bounce_undeliverable.channel AND b.address = bounce_undeliverable.address
                   AND b.at > coalesce((SELECT max(r.at) FROM @extschema@.bounce r
                                         WHERE r.channel = bounce_undeliverable.channel
                                           AND r.address = bounce_undeliverable.address
                                           AND r.event IN ('delivered', 'cleared')), '-infinity')
                   AND b.event IN ('hard', 'soft')) e
         WHERE e.event = 'hard' OR e.at - e.first_of_lim < win);
END;
$$;

COMMENT ON FUNCTION @extschema@.bounce_undeliverable(text, text) IS
'True when the address (a key from bounce_address) bounced hard, or soft soft_limit times within soft_window, since its last successful delivery or clear; reads contacts.bounce as the caller';

CREATE FUNCTION @extschema@.delivery_event(channel text, value text, event text, at timestamptz,
                                           detail text DEFAULT NULL, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    addr text;
BEGIN
    PERFORM @extschema@.require_privileges('@extschema@.bounce'::regclass, 'INSERT', 'record delivery events in');
    IF channel IS NULL OR channel NOT IN ('email', 'phone') THEN
        RAISE EXCEPTION 'unknown channel "%"', channel
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Channels are email and phone.';
    END IF;
    IF event IS NULL OR event NOT IN ('hard', 'soft', 'delivered', 'cleared') THEN
        RAISE EXCEPTION 'unknown bounce kind "%"', event
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A bounce is hard (the address does not exist) or soft (a full mailbox, a server down).';
    END IF;
    IF at IS NULL THEN
        RAISE EXCEPTION 'a delivery event needs a time'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    addr := @extschema@.bounce_address(channel, value, region);
    IF addr IS NULL THEN
        RAISE EXCEPTION 'invalid % "%"', channel, value
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = CASE channel WHEN 'phone' THEN 'Give the number in international form, or its region.'
                                      ELSE 'Record bounces of valid addresses only.' END;
    END IF;
    INSERT INTO @extschema@.bounce (channel, address, event, at, detail)
    VALUES (channel, addr, event, at, detail);
    RETURN @extschema@.bounce_undeliverable(channel, addr);
END;
$$;

COMMENT ON FUNCTION @extschema@.delivery_event(text, text, text, timestamptz, text, text) IS
'Record a delivery event (hard, soft, delivered, cleared) of an email or phone under its key; returns whether the address is undeliverable afterwards; for roles granted INSERT on contacts.bounce';

CREATE FUNCTION @extschema@.record_bounce(email text, kind text DEFAULT 'hard',
                                          at timestamptz DEFAULT now(), detail text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.delivery_event('email', email, kind, at, detail)
$$;

COMMENT ON FUNCTION @extschema@.record_bounce(text, text, timestamptz, text) IS
'Record that mail to email bounced (kind hard or soft) at a time, with the sender''s detail; returns whether the address is now undeliverable';

CREATE FUNCTION @extschema@.record_delivery_failure(phone text, kind text DEFAULT 'hard',
                                                    at timestamptz DEFAULT now(), detail text DEFAULT NULL,
                                                    region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.delivery_event('phone', phone, kind, at, detail, region)
$$;

COMMENT ON FUNCTION @extschema@.record_delivery_failure(text, text, timestamptz, text, text) IS
'Record that an SMS or call to phone failed (kind hard: no such number; soft: unreachable) at a time; national numbers are read in region; returns whether the number is now undeliverable';

CREATE FUNCTION @extschema@.clear_bounces(channel text, value text, at timestamptz DEFAULT now(),
                                          delivered boolean DEFAULT false, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
SELECT @extschema@.delivery_event(channel, value, CASE WHEN delivered THEN 'delivered' ELSE 'cleared' END,
                                  at, NULL, region)
$$;

COMMENT ON FUNCTION @extschema@.clear_bounces(text, text, timestamptz, boolean, text) IS
'Make an email or phone deliverable again: a successful delivery (delivered => true) or a manual clear at a time; bounces before it no longer count; returns whether the address is still undeliverable (false, unless a later bounce is recorded)';

CREATE FUNCTION @extschema@.is_undeliverable(channel text, value text, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT coalesce(@extschema@.bounce_undeliverable(channel, @extschema@.bounce_address(channel, value, region)), false)
$$;

COMMENT ON FUNCTION @extschema@.is_undeliverable(text, text, text) IS
'True when the email or phone (in any of its written forms) bounced hard, or soft too often, since its last delivery or clear; for roles granted SELECT on contacts.bounce';

CREATE FUNCTION @extschema@.undeliverable_match(tbl regclass, channel text, value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_undeliverable_match'
LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.undeliverable_match(regclass, text, text) IS
'True when a value of a column of tbl (an email or phone as the trigger stores it) is undeliverable; for roles with SELECT, INSERT or UPDATE on tbl, who need not see contacts.bounce; used by the entry trigger, import(), health() and cleaning';

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

-- (retention is configuration: the same policies as table_config)
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.retention TO PUBLIC;
ALTER TABLE @extschema@.retention ENABLE ROW LEVEL SECURITY;
CREATE POLICY retention_read ON @extschema@.retention FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT, INSERT, UPDATE, DELETE'));
CREATE POLICY retention_owner ON @extschema@.retention USING (@extschema@.owns_table(tbl));
COMMENT ON POLICY retention_read ON @extschema@.retention IS
'A table''s retention is visible to every role with a privilege on the table';
COMMENT ON POLICY retention_owner ON @extschema@.retention IS
'A table''s retention is written by its owners';

-- What purge_expired() deletes from the logs: by the table's owners.
GRANT DELETE ON @extschema@.merge_log_row, @extschema@.import_run, @extschema@.import_reject TO PUBLIC;
CREATE POLICY merge_log_row_purge ON @extschema@.merge_log_row FOR DELETE
    USING (@extschema@.owns_table(tbl));
COMMENT ON POLICY merge_log_row_purge ON @extschema@.merge_log_row IS
'A table''s merge before-images are purged by its owners (purge_expired)';
CREATE POLICY import_run_purge ON @extschema@.import_run FOR DELETE
    USING (@extschema@.owns_table(target));
COMMENT ON POLICY import_run_purge ON @extschema@.import_run IS
'A table''s import runs are purged by its owners (purge_expired)';
CREATE POLICY import_reject_purge ON @extschema@.import_reject FOR DELETE
    USING (EXISTS (SELECT 1 FROM @extschema@.import_run r
                    WHERE r.import_id OPERATOR(pg_catalog.=) import_reject.import_id
                      AND @extschema@.owns_table(r.target)));
COMMENT ON POLICY import_reject_purge ON @extschema@.import_reject IS
'A table''s rejected import rows are purged by its owners (purge_expired)';
GRANT DELETE ON @extschema@.clean_run TO PUBLIC;
CREATE POLICY clean_run_purge ON @extschema@.clean_run FOR DELETE
    USING (@extschema@.owns_table(tbl));
COMMENT ON POLICY clean_run_purge ON @extschema@.clean_run IS
'A table''s clean runs, and with them the values they logged, are purged by its owners (purge_expired)';

-- Archived rows: whole rows of the table, as the table itself.
GRANT SELECT, INSERT, DELETE ON @extschema@.archive TO PUBLIC;
GRANT USAGE ON SEQUENCE @extschema@.archive_archive_id_seq TO PUBLIC;

ALTER TABLE @extschema@.archive ENABLE ROW LEVEL SECURITY;
CREATE POLICY archive_read ON @extschema@.archive FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT'));
CREATE POLICY archive_archive ON @extschema@.archive FOR INSERT
    WITH CHECK (archived_by OPERATOR(pg_catalog.=) CURRENT_USER
                AND pg_catalog.has_table_privilege(tbl, 'DELETE'));
CREATE POLICY archive_restore ON @extschema@.archive FOR DELETE
    USING (pg_catalog.has_table_privilege(tbl, 'INSERT') OR @extschema@.owns_table(tbl));
COMMENT ON POLICY archive_read ON @extschema@.archive IS
'A table''s archived rows are visible to the roles that may read the table';
COMMENT ON POLICY archive_archive ON @extschema@.archive IS
'A role archives rows, in its own name, only of tables it may delete from';
COMMENT ON POLICY archive_restore ON @extschema@.archive IS
'An archived row leaves the archive when a role that may insert into its table restores it, or when its owners purge it';

-- Bounces are about addresses, not tables: the extension owner's, and the
-- roles it grants them to.
REVOKE ALL ON @extschema@.bounce, @extschema@.bounce_settings FROM PUBLIC;
-- (the limits hold no personal data: every role may read what they are)
GRANT SELECT ON @extschema@.bounce_settings TO PUBLIC;

-- erase() removes a person's archived rows too
CREATE POLICY archive_erase ON @extschema@.archive FOR DELETE USING (@extschema@.erasing(tbl));
COMMENT ON POLICY archive_erase ON @extschema@.archive IS
'A role erasing a person from the table removes the person''s archived rows';

COMMENT ON FUNCTION @extschema@.name_search_similarity(text, text) IS
'Similarity in [0, 1] of two names as the fuzzy name index sees them: their folded, phonetically spelled tokens paired best first (1 if equal, 1 - 1/(L+1) one edit apart, 0.5 for an initial, else shared trigrams), S the sum of the pair scores, S / (n + m - S) for n and m tokens; ignores case, accents, punctuation and token order';

-- ---------------------------------------------------------------------------
-- name_gin_ops indexes: 0.2.0 stores other keys (one-deletion variants of
-- short tokens, the number of tokens) and bounds another similarity, so an
-- index built by 0.1.0 could miss rows: rebuild every one.  An index the
-- updating role may not rebuild is named in a warning instead.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    idx regclass;
BEGIN
    FOR idx IN
        SELECT DISTINCT i.indexrelid::regclass
          FROM pg_catalog.pg_index i
          JOIN pg_catalog.pg_opclass c ON c.oid = ANY (i.indclass::pg_catalog.oid[])
         WHERE c.opcname = 'name_gin_ops'
           AND c.opcnamespace = '@extschema@'::pg_catalog.regnamespace
    LOOP
        BEGIN
            EXECUTE pg_catalog.format('REINDEX INDEX %s', idx);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'fuzzy name index % was not rebuilt: %', idx, SQLERRM
                USING HINT = 'Run REINDEX INDEX on it as its owner: until then %~ may miss rows.';
        END;
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Dedupe blocking chosen from the table (src/sql/60_dedupe.sql): the pair
-- budget, the DBA's rules, the plan of each run, dedupe_plan(); the
-- identifier column kind (src/sql/50_config.sql)
-- ---------------------------------------------------------------------------

ALTER TABLE @extschema@.column_kind DROP CONSTRAINT column_kind_kind_check;
ALTER TABLE @extschema@.column_kind ADD CONSTRAINT column_kind_kind_check
    CHECK (kind IN ('given_name', 'family_name', 'full_name', 'email',
                    'phone', 'company', 'address', 'city', 'postcode', 'country', 'birth_date',
                    'national_id', 'free_text', 'identifier'));

COMMENT ON FUNCTION @extschema@.match_key(text, text, text) IS
'Normalized key of a contact value for blocking and comparison; kind is email, phone, phonetic, company, national_id, postcode, date, fold or identifier; region (ISO alpha-2) decides national phones, IDs and day/month order; NULL when the value yields no key';

ALTER TABLE @extschema@.dedupe_settings
    ADD COLUMN max_pairs bigint NOT NULL DEFAULT 4000000 CHECK (max_pairs > 0),
    ADD COLUMN blocking_rules text[];

COMMENT ON TABLE @extschema@.dedupe_settings IS
'Dedupe knobs of a table configured with contacts.configure(): match threshold, cluster and block size guards, EM settings, the budget of candidate pairs the blocking plan chooses rules within (max_pairs); prior, features_table and blocking_rules (the rules the last run chose) are set by dedupe_run (a row with the defaults is added by the first run)';

CREATE TABLE @extschema@.dedupe_blocking_rules (
    tbl        regclass NOT NULL REFERENCES @extschema@.table_config ON DELETE CASCADE,
    rule       text NOT NULL CHECK (rule ~ '^[a-z][a-z0-9_]{0,47}$'),
    expression text CHECK (btrim(expression) <> ''),
    enabled    boolean,
    PRIMARY KEY (tbl, rule),
    CHECK (expression IS NOT NULL OR enabled IS NOT NULL)
);

COMMENT ON TABLE @extschema@.dedupe_blocking_rules IS
'The DBA''s blocking rules of a table: a rule with an expression (SQL over the table''s row giving each row one key; rows with equal keys are compared) is added to the candidates, or replaces the candidate of that name; enabled true always uses it, false never, NULL lets the plan decide within max_pairs; a rule without expression enables or disables the candidate of that name (see dedupe_plan)';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_blocking_rules', '');

GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.dedupe_blocking_rules TO PUBLIC;
ALTER TABLE @extschema@.dedupe_blocking_rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY dedupe_blocking_rules_read ON @extschema@.dedupe_blocking_rules FOR SELECT
    USING (pg_catalog.has_table_privilege(tbl, 'SELECT, INSERT, UPDATE, DELETE'));
CREATE POLICY dedupe_blocking_rules_owner ON @extschema@.dedupe_blocking_rules
    USING (@extschema@.owns_table(tbl));
COMMENT ON POLICY dedupe_blocking_rules_read ON @extschema@.dedupe_blocking_rules IS
'A table''s list of blocking rules is visible to every role with a privilege on the table';
COMMENT ON POLICY dedupe_blocking_rules_owner ON @extschema@.dedupe_blocking_rules IS
'A table''s list of blocking rules is written by its owners';

ALTER TABLE @extschema@.dedupe_runs ADD COLUMN blocking jsonb;

COMMENT ON TABLE @extschema@.dedupe_runs IS
'Summary of each dedupe run: records, candidate pairs (per blocking rule: in blocks, compared, found at or above the threshold) and reduction ratio, pairs above threshold, clusters and their size distribution, estimated model, the threshold used, the histogram of every candidate pair''s match weight, the pairs and clusters of the thresholds near it, the weakest pairs at or above it and the strongest below it with their explanation, wall and CPU seconds per phase, and the blocking plan (every candidate rule: estimated pairs, records covered, chosen or why not, pairs compared)';

CREATE FUNCTION @extschema@.dedupe_plan(tbl regclass)
RETURNS TABLE (rule text, keys text, source text, estimated_pairs bigint, records_covered bigint,
    records_in_oversized_blocks bigint, largest_block bigint, chosen boolean, reason text)
AS 'MODULE_PATHNAME', 'contacts_dedupe_plan'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_plan(regclass) IS
'The blocking a dedupe_run of the table would choose, before running it: each candidate rule (from the configured columns and dedupe_blocking_rules) with its keys, the pairs its blocks hold (sum of n(n-1)/2 over its keys of at most max_block_size records), the records it covers, the records in keys too common to compare, its largest key, whether it is chosen and why (within max_pairs, degenerate, over budget, enabled or disabled by the DBA); needs ownership of the table, whose rows it reads as their owner';

-- A run's pairs and clusters go with its row through a trigger, not a
-- foreign key that checks each of a large run's rows (src/sql/60_dedupe.sql).
ALTER TABLE @extschema@.dedupe_pairs DROP CONSTRAINT dedupe_pairs_run_id_fkey;
ALTER TABLE @extschema@.dedupe_clusters DROP CONSTRAINT dedupe_clusters_run_id_fkey;

-- A run's pairs and clusters go with its row.  Not a foreign key: a large
-- run writes hundreds of thousands of them and a foreign key checks each.
CREATE FUNCTION @extschema@.dedupe_run_deleted()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_dedupe_run_deleted'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.dedupe_run_deleted() IS
'Trigger on dedupe_runs: deletes the pairs and clusters of a deleted run, and all of them when the runs are truncated (as a cascading foreign key would)';

CREATE TRIGGER dedupe_run_deleted AFTER DELETE ON @extschema@.dedupe_runs
    FOR EACH ROW EXECUTE FUNCTION @extschema@.dedupe_run_deleted();
CREATE TRIGGER dedupe_runs_truncated AFTER TRUNCATE ON @extschema@.dedupe_runs
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.dedupe_run_deleted();

COMMENT ON TRIGGER dedupe_run_deleted ON @extschema@.dedupe_runs IS
'A run''s pairs and clusters are deleted with it';
COMMENT ON TRIGGER dedupe_runs_truncated ON @extschema@.dedupe_runs IS
'Truncating the runs truncates their pairs and clusters';

-- an explicit-profile twin of the text cast (Citus routes it by value)
CREATE FUNCTION @extschema@.email(text, profile text) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email(text, text) IS
'Text to contacts.email under the given profile, reading no setting: for indexes, constraints, and lookups that Citus routes to one shard by the value';

CREATE FUNCTION @extschema@.match_keys(kinds text[], vals text[], region text DEFAULT NULL)
RETURNS SETOF text[]
AS 'MODULE_PATHNAME', 'contacts_match_keys'
LANGUAGE C IMMUTABLE PARALLEL SAFE
-- a dozen or so match_key() calls, about 10 us a row: the planner weighs
-- parallel workers by it
COST 1000 ROWS 1;

COMMENT ON FUNCTION @extschema@.match_keys(text[], text[], text) IS
'One row: the array of match_key(kinds[i], vals[i], region) for every i (no row when kinds or vals is NULL; an error when they differ in length). Set-returning so that dedupe_run, calling it in a subquery''s select list, keys each row once, in parallel workers where the plan has them';

-- ---------------------------------------------------------------------------
-- Citus: what the entry trigger reads on a shard
--
-- On a Citus cluster the entry trigger runs in the shards, on the workers,
-- where it may read only what that node holds.  The configuration, the
-- suppression list and its key, and the alternates live on the coordinator,
-- keyed by OIDs that mean nothing on a worker.  These tables hold copies of
-- them, by table name, and become Citus reference tables (a copy on every
-- node) the first time a configuration, suppression or alternate changes on
-- a coordinator.  Each change of the originals is then copied as it is made
-- (citus_mirror()).  Without Citus they stay empty.  docs/citus.md.
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.citus_entry_config (
    tbl_name         text PRIMARY KEY,
    coordinator_oid  oid NOT NULL UNIQUE,
    config           jsonb NOT NULL
);
COMMENT ON TABLE @extschema@.citus_entry_config IS
'Citus only: the entry configuration of each configured table (its table_config, column_kind, merge_config and whether it has a change feed, as jsonb), keyed by its schema-qualified name, where the entry trigger on a shard reads it; a reference table, written by citus_mirror()';

CREATE TABLE @extschema@.citus_suppression (
    kind    text NOT NULL,
    digest  bytea NOT NULL,
    PRIMARY KEY (kind, digest)
);
COMMENT ON TABLE @extschema@.citus_suppression IS
'Citus only: the kinds and digests of contacts.suppression, where the entry trigger on a shard reads them; a reference table, written by citus_mirror()';

CREATE TABLE @extschema@.citus_suppression_key (
    key  bytea NOT NULL
);
COMMENT ON TABLE @extschema@.citus_suppression_key IS
'Citus only: the coordinator''s suppression key, so that a shard''s entry trigger takes the digests the list holds; a reference table, written by citus_share()';

CREATE TABLE @extschema@.citus_alternate (
    tbl_name  text NOT NULL,
    survivor  text NOT NULL,
    kind      text NOT NULL,
    value     text NOT NULL,
    merge_id  bigint NOT NULL,
    PRIMARY KEY (tbl_name, kind, value, survivor, merge_id)
);
COMMENT ON TABLE @extschema@.citus_alternate IS
'Citus only: contacts.alternate by table name, where the entry trigger on a shard finds the survivor of a merged-away value; a reference table, written by citus_mirror()';

REVOKE ALL ON @extschema@.citus_entry_config, @extschema@.citus_suppression,
    @extschema@.citus_suppression_key, @extschema@.citus_alternate FROM PUBLIC;

CREATE FUNCTION @extschema@.citus_share() RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_citus_share' LANGUAGE C VOLATILE;
REVOKE ALL ON FUNCTION @extschema@.citus_share() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.citus_share() IS
'On a Citus coordinator: makes the citus_* copies reference tables if they are not yet, and copies into them every configuration, suppression and alternate; false (and nothing done) elsewhere. Runs by itself on the first change; call it after renaming a configured table';

CREATE FUNCTION @extschema@.citus_mirror() RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_citus_mirror' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.citus_mirror() IS
'Trigger on the configuration tables, contacts.suppression and contacts.alternate: on a Citus coordinator, copies each change into the citus_* reference tables the entry trigger reads on the workers';

CREATE TRIGGER table_config_citus AFTER INSERT OR UPDATE OR DELETE ON @extschema@.table_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.citus_mirror('config');
CREATE TRIGGER column_kind_citus AFTER INSERT OR UPDATE OR DELETE ON @extschema@.column_kind
    FOR EACH ROW EXECUTE FUNCTION @extschema@.citus_mirror('config');
CREATE TRIGGER merge_config_citus AFTER INSERT OR UPDATE OR DELETE ON @extschema@.merge_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.citus_mirror('config');
CREATE TRIGGER feed_config_citus AFTER INSERT OR UPDATE OR DELETE ON @extschema@.feed_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.citus_mirror('config');
CREATE TRIGGER suppression_citus AFTER INSERT OR UPDATE OR DELETE ON @extschema@.suppression
    FOR EACH ROW EXECUTE FUNCTION @extschema@.citus_mirror('suppression');
CREATE TRIGGER suppression_truncated_citus AFTER TRUNCATE ON @extschema@.suppression
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.citus_mirror('suppression');
CREATE TRIGGER alternate_citus AFTER INSERT OR UPDATE OR DELETE ON @extschema@.alternate
    FOR EACH ROW EXECUTE FUNCTION @extschema@.citus_mirror('alternate');

COMMENT ON TRIGGER table_config_citus ON @extschema@.table_config IS
'On a Citus coordinator, copies the table''s configuration to citus_entry_config';
COMMENT ON TRIGGER column_kind_citus ON @extschema@.column_kind IS
'On a Citus coordinator, copies the table''s configuration to citus_entry_config';
COMMENT ON TRIGGER merge_config_citus ON @extschema@.merge_config IS
'On a Citus coordinator, copies the table''s configuration to citus_entry_config';
COMMENT ON TRIGGER feed_config_citus ON @extschema@.feed_config IS
'On a Citus coordinator, copies the table''s configuration to citus_entry_config';
COMMENT ON TRIGGER suppression_citus ON @extschema@.suppression IS
'On a Citus coordinator, copies the digest to citus_suppression';
COMMENT ON TRIGGER suppression_truncated_citus ON @extschema@.suppression IS
'On a Citus coordinator, empties citus_suppression';
COMMENT ON TRIGGER alternate_citus ON @extschema@.alternate IS
'On a Citus coordinator, copies the alternate to citus_alternate';

CREATE FUNCTION @extschema@.citus_drop_copies() RETURNS event_trigger
AS 'MODULE_PATHNAME', 'contacts_citus_drop_copies' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.citus_drop_copies() IS
'Event trigger: before DROP EXTENSION contacts on a Citus coordinator, drops the shards of the citus_* reference tables on every node (Citus leaves the shards of tables dropped with their extension)';

CREATE EVENT TRIGGER contacts_citus_drop_copies ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION')
    EXECUTE FUNCTION @extschema@.citus_drop_copies();
COMMENT ON EVENT TRIGGER contacts_citus_drop_copies IS
'Drops the shards of the citus_* reference tables before the extension is dropped';

-- dedupe_run's scoring on the workers (dedupe_distributed.c)
CREATE FUNCTION @extschema@.dedupe_block_add(internal, bytea, bytea) RETURNS internal
AS 'MODULE_PATHNAME', 'contacts_dedupe_block_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dedupe_block_add(internal, bytea, bytea) IS
'Transition function of dedupe_score_blocks: keeps a chunk of the records of a bucket of blocks';

CREATE FUNCTION @extschema@.dedupe_block_score(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_dedupe_block_score' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.dedupe_block_score(internal) IS
'Final function of dedupe_score_blocks: compares and scores every pair of each block of the bucket';

CREATE AGGREGATE @extschema@.dedupe_score_blocks(bytea, bytea) (
    SFUNC = @extschema@.dedupe_block_add,
    STYPE = internal,
    FINALFUNC = @extschema@.dedupe_block_score,
    -- the final function sorts the records it unpacks
    FINALFUNC_MODIFY = READ_WRITE
);
COMMENT ON AGGREGATE @extschema@.dedupe_score_blocks(bytea, bytea) IS
'Internal to dedupe_run on a distributed Citus table, run in its shards: the pairs of the blocks of a bucket (its records, packed in chunks by dedupe_run) compared and scored under the run''s model (the bytea), in a binary form the coordinator reads';
