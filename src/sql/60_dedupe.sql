
-- ---------------------------------------------------------------------------
-- Duplicate detection (dedupe): configuration, runs, results, matching
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.match_key(kind text, value text, region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_match_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.match_key(text, text, text) IS
'Normalized key of a contact value for blocking and comparison; kind is email, phone, phonetic, company, national_id, postcode, date or fold; region (ISO alpha-2) decides national phones, IDs and day/month order; NULL when the value yields no key';

CREATE TABLE @extschema@.dedupe_config (
    config_name      text PRIMARY KEY,
    relation         regclass NOT NULL,
    key_column       name NOT NULL,
    region_column    name,
    default_region   text CHECK (default_region ~ '^[A-Z]{2}$'),
    threshold        float8 NOT NULL DEFAULT 0.9 CHECK (threshold > 0 AND threshold < 1),
    max_cluster_size integer NOT NULL DEFAULT 50 CHECK (max_cluster_size >= 2),
    max_block_size   integer NOT NULL DEFAULT 100 CHECK (max_block_size >= 2),
    em_iterations    integer NOT NULL DEFAULT 30 CHECK (em_iterations >= 0),
    em_sample_pairs  bigint NOT NULL DEFAULT 300000 CHECK (em_sample_pairs >= 1000),
    prior            float8 CHECK (prior > 0 AND prior < 1),
    features_table   name,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE @extschema@.dedupe_config IS
'One row per deduplicated table: key column, region source, match threshold, cluster and block size guards, EM settings; prior and features_table are set by dedupe_run';

CREATE TABLE @extschema@.dedupe_columns (
    config_name text NOT NULL REFERENCES @extschema@.dedupe_config ON DELETE CASCADE ON UPDATE CASCADE,
    position    integer NOT NULL,
    column_name name NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('given_name', 'family_name', 'full_name', 'email',
                    'phone', 'company', 'address', 'city', 'postcode', 'birth_date',
                    'national_id', 'text')),
    m           float8[],
    u           float8[],
    fixed       boolean NOT NULL DEFAULT false,
    tf_reference float8,
    PRIMARY KEY (config_name, column_name),
    UNIQUE (config_name, position),
    CHECK (NOT fixed OR (m IS NOT NULL AND u IS NOT NULL))
);

COMMENT ON TABLE @extschema@.dedupe_columns IS
'The compared columns of each configuration and their kind; m and u per comparison level (see dedupe_levels) are estimated by each run, or set by the DBA with fixed = true; tf_reference is the mean log2 frequency of agreeing values that term-frequency adjustments are relative to';

CREATE TABLE @extschema@.dedupe_runs (
    run_id                bigserial PRIMARY KEY,
    config_name           text NOT NULL,
    started_at            timestamptz NOT NULL DEFAULT now(),
    finished_at           timestamptz,
    records               bigint,
    candidate_pairs       bigint,
    pairs_by_rule         jsonb,
    reduction_ratio       float8,
    pairs_above_threshold bigint,
    clusters              bigint,
    records_in_clusters   bigint,
    cluster_sizes         jsonb,
    flagged_clusters      bigint,
    refused_links         bigint,
    em_iterations         integer,
    model                 jsonb,
    seconds               jsonb,
    cpu_seconds           jsonb
);

COMMENT ON TABLE @extschema@.dedupe_runs IS
'Summary of each dedupe run: records, candidate pairs (per blocking rule) and reduction ratio, pairs above threshold, clusters and their size distribution, estimated model, wall and CPU seconds per phase';

CREATE TABLE @extschema@.dedupe_pairs (
    run_id      bigint NOT NULL REFERENCES @extschema@.dedupe_runs ON DELETE CASCADE,
    key_a       bigint NOT NULL,
    key_b       bigint NOT NULL,
    probability float8 NOT NULL,
    weight      float8 NOT NULL,
    explanation jsonb NOT NULL,
    PRIMARY KEY (run_id, key_a, key_b)
);

COMMENT ON TABLE @extschema@.dedupe_pairs IS
'Record pairs of a run whose match probability reached the threshold (key_a < key_b), with the total weight and, per column, the comparison level hit and its weight';

CREATE TABLE @extschema@.dedupe_clusters (
    run_id       bigint NOT NULL REFERENCES @extschema@.dedupe_runs ON DELETE CASCADE,
    cluster_id   bigint NOT NULL,
    key          bigint NOT NULL,
    cluster_size integer NOT NULL,
    flagged      boolean NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE INDEX ON @extschema@.dedupe_clusters (run_id, cluster_id);

COMMENT ON TABLE @extschema@.dedupe_clusters IS
'Clusters of a run (records linked by pairs above the threshold, singletons omitted); cluster_id is the smallest key; flagged when the size guard refused a link into it';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_config', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_columns', '');

CREATE FUNCTION @extschema@.dedupe_configure(config_name text, relation regclass,
    key_column name, columns jsonb, region_column name DEFAULT NULL,
    default_region text DEFAULT NULL, threshold float8 DEFAULT 0.9)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col record;
    pos integer := 0;
BEGIN
    IF jsonb_typeof(columns) IS DISTINCT FROM 'object' OR columns = '{}' THEN
        RAISE EXCEPTION 'columns must be a non-empty JSON object of column name to kind'
            USING ERRCODE = '22023',
                  HINT = 'For example {"email": "email", "phone": "phone", "full_name": "full_name"}.';
    END IF;
    PERFORM 1 FROM pg_attribute
     WHERE attrelid = relation AND attname = key_column AND attnum > 0 AND NOT attisdropped
       AND atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'key column "%" of % is not an integer column', key_column, relation
            USING ERRCODE = '42703', HINT = 'The key must be a smallint, integer or bigint column that identifies the row.';
    END IF;
    IF region_column IS NOT NULL THEN
        PERFORM 1 FROM pg_attribute
         WHERE attrelid = relation AND attname = region_column AND attnum > 0 AND NOT attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of % does not exist', region_column, relation USING ERRCODE = '42703';
        END IF;
    END IF;
    INSERT INTO @extschema@.dedupe_config AS c (config_name, relation, key_column, region_column,
                                               default_region, threshold)
    VALUES (config_name, relation, key_column, region_column, upper(default_region), threshold)
    ON CONFLICT ON CONSTRAINT dedupe_config_pkey DO UPDATE
       SET relation = excluded.relation, key_column = excluded.key_column,
           region_column = excluded.region_column, default_region = excluded.default_region,
           threshold = excluded.threshold, prior = NULL, updated_at = now();
    DELETE FROM @extschema@.dedupe_columns d WHERE d.config_name = dedupe_configure.config_name;
    FOR col IN SELECT key, value FROM jsonb_each_text(columns) LOOP
        PERFORM 1 FROM pg_attribute
         WHERE attrelid = relation AND attname = col.key AND attnum > 0 AND NOT attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column "%" of % does not exist', col.key, relation USING ERRCODE = '42703';
        END IF;
        pos := pos + 1;
        BEGIN
            INSERT INTO @extschema@.dedupe_columns (config_name, position, column_name, kind)
            VALUES (dedupe_configure.config_name, pos, col.key, col.value);
        EXCEPTION WHEN check_violation THEN
            RAISE EXCEPTION 'unknown column kind "%" for column "%"', col.value, col.key
                USING ERRCODE = '22023',
                      HINT = 'Kinds: given_name, family_name, full_name, email, phone, company, address, city, postcode, birth_date, national_id, text.';
        END;
    END LOOP;
    IF pos > 16 THEN
        RAISE EXCEPTION 'at most 16 columns can be compared' USING ERRCODE = '54000';
    END IF;
END
$$;

COMMENT ON FUNCTION @extschema@.dedupe_configure(text, regclass, name, jsonb, name, text, float8) IS
'Create or replace the dedupe configuration of a table: its integer key column, the compared columns and their kinds ({"column": "kind"}), where the region of each row comes from, and the match threshold';

CREATE FUNCTION @extschema@.dedupe_levels(OUT kind text, OUT level integer, OUT level_name text,
    OUT default_m float8, OUT default_u float8, OUT tf_adjusted boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_dedupe_levels'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.dedupe_levels() IS
'The comparison levels of each column kind, best first, with the starting m and u used before EM and whether agreement is term-frequency adjusted';

CREATE FUNCTION @extschema@.dedupe_run(config_name text)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_dedupe_run'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_run(text) IS
'Find the duplicates of a configured table: normalized features, blocking rules unioned, EM estimation of m and u, scoring with term-frequency adjustment, clustering; returns the run_id of the results in dedupe_runs, dedupe_pairs and dedupe_clusters';

CREATE FUNCTION @extschema@.dedupe_match(config_name text, candidate jsonb,
    max_results integer DEFAULT 10, min_probability float8 DEFAULT 0.5)
RETURNS TABLE (key bigint, probability float8, weight float8, explanation jsonb)
AS 'MODULE_PATHNAME', 'contacts_dedupe_match'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_match(text, jsonb, integer, float8) IS
'Best matches of one row (as jsonb of column values) among the records of the last dedupe run of the configuration, scored with that run''s model, most probable first';
