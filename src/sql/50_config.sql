
-- ---------------------------------------------------------------------------
-- Per-table configuration shared by the trigger, imports, dedupe and health
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.table_config (
    tbl               regclass PRIMARY KEY,
    key_column        name NOT NULL,
    default_region    text,
    on_invalid        text NOT NULL DEFAULT 'reject'
                      CHECK (on_invalid IN ('reject', 'set_null', 'flag')),
    on_duplicate      text NOT NULL DEFAULT 'allow'
                      CHECK (on_duplicate IN ('reject', 'update', 'flag', 'allow')),
    flag_column       name,
    updated_at_column name,
    consent_column    name,
    fuzzy_duplicates  boolean NOT NULL DEFAULT false,
    email_duplicate_key text NOT NULL DEFAULT 'email'
                      CHECK (email_duplicate_key IN ('email', 'email_canonical')),
    date_order        text CHECK (date_order IN ('DMY', 'MDY', 'YMD')),
    yes_words         text[] NOT NULL DEFAULT '{}',
    no_words          text[] NOT NULL DEFAULT '{}',
    on_undeliverable  text NOT NULL DEFAULT 'allow'
                      CHECK (on_undeliverable IN ('allow', 'flag', 'reject')),
    stale_after       interval CHECK (stale_after > interval '0'),
    activity_column   name
);

COMMENT ON TABLE @extschema@.table_config IS
'One row per contact table managed by contacts: its key column, default phone region, what the entry trigger does with invalid values and duplicates (exact keys, and likely duplicates by the dedupe model when fuzzy_duplicates), optional flag, updated-at and consent columns, whether email duplicate keys compare case-insensitively (email) or provider-aware (email_canonical: Gmail dots and +tags), the order dates are written in when not the region''s (date_order), its own words for yes and no, what the trigger and imports do with emails and phones that bounced (on_undeliverable), and when a record is stale (not updated, nor active in activity_column, for stale_after)';

CREATE TABLE @extschema@.column_kind (
    tbl           regclass NOT NULL REFERENCES @extschema@.table_config ON DELETE CASCADE,
    col           name NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('given_name', 'family_name', 'full_name', 'email',
                      'phone', 'company', 'address', 'city', 'postcode', 'country', 'birth_date',
                      'national_id', 'free_text', 'identifier')),
    duplicate_key boolean NOT NULL DEFAULT false,
    required      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tbl, col)
);

COMMENT ON TABLE @extschema@.column_kind IS
'What each configured column of a contact table holds, whether it is an exact duplicate key for the entry trigger, and whether it is required';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.table_config', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.column_kind', '');

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
CREATE FUNCTION @extschema@.config_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_config_changed'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.config_changed() IS
'Trigger on the configuration tables: tells every session to reload the configuration of the changed table';

CREATE TRIGGER table_config_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.table_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();
CREATE TRIGGER column_kind_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.column_kind
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();

-- A dropped table takes its configuration with it (regclass is no foreign
-- key).  Written in C: it runs for every DROP by any role, and deletes as
-- the extension's owner what the dropping role may not touch itself.
CREATE FUNCTION @extschema@.forget_dropped_tables()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'contacts_forget_dropped_tables'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.forget_dropped_tables() IS
'Event trigger: removes the contacts configuration (entry and merge) of dropped tables';

CREATE EVENT TRIGGER contacts_forget_dropped_tables ON sql_drop
    EXECUTE FUNCTION @extschema@.forget_dropped_tables();

COMMENT ON EVENT TRIGGER contacts_forget_dropped_tables IS
'Removes the contacts configuration of dropped tables';

-- SQL expressions that check and normalize a value of a given kind, shared
-- by imports and the health report so that both agree with the trigger.
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

-- Two values of a kind are the same duplicate key when kind_key_sql() of
-- both are equal.  Emails: contacts.email_key(), the form the email type
-- compares by (whatever the column's collation).  Every other kind: its
-- normal form, which is what the trigger and imports store.  The key is
-- text, so it never fails on a stored invalid value and can be indexed.
CREATE FUNCTION @extschema@.kind_key_sql(kind text, value_sql text)
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
