
-- ---------------------------------------------------------------------------
-- Duplicate detection (dedupe): configuration, runs, results, matching
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.match_key(kind text, value text, region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_match_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.match_key(text, text, text) IS
'Normalized key of a contact value for blocking and comparison; kind is email, phone, phonetic, company, national_id, postcode, date, fold or identifier; region (ISO alpha-2) decides national phones, IDs and day/month order; NULL when the value yields no key';

CREATE FUNCTION @extschema@.match_keys(kinds text[], vals text[], region text DEFAULT NULL)
RETURNS SETOF text[]
AS 'MODULE_PATHNAME', 'contacts_match_keys'
LANGUAGE C IMMUTABLE PARALLEL SAFE
-- a dozen or so match_key() calls, about 10 us a row: the planner weighs
-- parallel workers by it
COST 1000 ROWS 1;

COMMENT ON FUNCTION @extschema@.match_keys(text[], text[], text) IS
'One row: the array of match_key(kinds[i], vals[i], region) for every i (no row when kinds or vals is NULL; an error when they differ in length). Set-returning so that dedupe_run, calling it in a subquery''s select list, keys each row once, in parallel workers where the plan has them';

CREATE TABLE @extschema@.dedupe_settings (
    tbl              regclass PRIMARY KEY REFERENCES @extschema@.table_config ON DELETE CASCADE,
    threshold        float8 NOT NULL DEFAULT 0.9 CHECK (threshold > 0 AND threshold < 1),
    max_cluster_size integer NOT NULL DEFAULT 50 CHECK (max_cluster_size >= 2),
    max_block_size   integer NOT NULL DEFAULT 100 CHECK (max_block_size >= 2),
    em_iterations    integer NOT NULL DEFAULT 30 CHECK (em_iterations >= 0),
    em_sample_pairs  bigint NOT NULL DEFAULT 300000 CHECK (em_sample_pairs >= 1000),
    prior            float8 CHECK (prior > 0 AND prior < 1),
    features_table   name,
    -- the blocking plan (0.2.0)
    max_pairs        bigint NOT NULL DEFAULT 4000000 CHECK (max_pairs > 0),
    blocking_rules   text[]
);

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

CREATE TABLE @extschema@.dedupe_model (
    tbl          regclass NOT NULL REFERENCES @extschema@.dedupe_settings ON DELETE CASCADE,
    col          name NOT NULL,
    m            float8[],
    u            float8[],
    fixed        boolean NOT NULL DEFAULT false,
    tf_reference float8,
    PRIMARY KEY (tbl, col),
    CHECK (NOT fixed OR (m IS NOT NULL AND u IS NOT NULL))
);

COMMENT ON TABLE @extschema@.dedupe_model IS
'm and u of each compared column per comparison level (see dedupe_levels), estimated by each run and used as the next run''s start, or set by the DBA with fixed = true; tf_reference is the mean log2 frequency of agreeing values that term-frequency adjustments are relative to';

CREATE TABLE @extschema@.dedupe_runs (
    run_id                bigserial PRIMARY KEY,
    tbl                   regclass NOT NULL,
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
    cpu_seconds           jsonb,
    -- for the run's report (0.2.0)
    threshold             float8,
    weight_histogram      jsonb,
    nearby_thresholds     jsonb,
    pairs_near_threshold  jsonb,
    -- the blocking plan (0.2.0)
    blocking              jsonb
);

COMMENT ON TABLE @extschema@.dedupe_runs IS
'Summary of each dedupe run: records, candidate pairs (per blocking rule: in blocks, compared, found at or above the threshold) and reduction ratio, pairs above threshold, clusters and their size distribution, estimated model, the threshold used, the histogram of every candidate pair''s match weight, the pairs and clusters of the thresholds near it, the weakest pairs at or above it and the strongest below it with their explanation, wall and CPU seconds per phase, and the blocking plan (every candidate rule: estimated pairs, records covered, chosen or why not, pairs compared)';

CREATE TABLE @extschema@.dedupe_pairs (
    run_id      bigint NOT NULL,
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
    run_id       bigint NOT NULL,
    cluster_id   bigint NOT NULL,
    key          bigint NOT NULL,
    cluster_size integer NOT NULL,
    flagged      boolean NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE INDEX ON @extschema@.dedupe_clusters (run_id, cluster_id);
-- the flagged clusters of a run, for its report (few rows to maintain)
CREATE INDEX dedupe_clusters_flagged ON @extschema@.dedupe_clusters (run_id, cluster_id) WHERE flagged;

COMMENT ON TABLE @extschema@.dedupe_clusters IS
'Clusters of a run (records linked by pairs above the threshold, singletons omitted); cluster_id is the smallest key; flagged when the size guard refused a link into it';

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

SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_model', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_blocking_rules', '');

CREATE FUNCTION @extschema@.dedupe_levels(OUT kind text, OUT level integer, OUT level_name text,
    OUT default_m float8, OUT default_u float8, OUT tf_adjusted boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_dedupe_levels'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.dedupe_levels() IS
'The comparison levels of each column kind, best first, with the starting m and u used before EM and whether agreement is term-frequency adjusted';

CREATE FUNCTION @extschema@.dedupe_run(tbl regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_dedupe_run'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_run(regclass) IS
'Find the duplicates of a table configured with contacts.configure(): normalized features, blocking rules unioned, EM estimation of m and u, scoring with term-frequency adjustment, records holding another''s alternate compared under it, clustering; returns the run_id of the results in dedupe_runs, dedupe_pairs and dedupe_clusters';

CREATE FUNCTION @extschema@.dedupe_plan(tbl regclass)
RETURNS TABLE (rule text, keys text, source text, estimated_pairs bigint, records_covered bigint,
    records_in_oversized_blocks bigint, largest_block bigint, chosen boolean, reason text)
AS 'MODULE_PATHNAME', 'contacts_dedupe_plan'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_plan(regclass) IS
'The blocking a dedupe_run of the table would choose, before running it: each candidate rule (from the configured columns and dedupe_blocking_rules) with its keys, the pairs its blocks hold (sum of n(n-1)/2 over its keys of at most max_block_size records), the records it covers, the records in keys too common to compare, its largest key, whether it is chosen and why (within max_pairs, degenerate, over budget, enabled or disabled by the DBA); needs ownership of the table, whose rows it reads as their owner';

CREATE FUNCTION @extschema@.dedupe_match(tbl regclass, candidate jsonb,
    max_results integer DEFAULT 10, min_probability float8 DEFAULT 0.5)
RETURNS TABLE (key bigint, probability float8, weight float8, explanation jsonb)
AS 'MODULE_PATHNAME', 'contacts_dedupe_match'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_match(regclass, jsonb, integer, float8) IS
'Best matches of one row (as jsonb of column values) among the rows of the table as they are now, found through the blocking keys of its last dedupe run and scored with that run''s model, most probable first: rows deleted since are never offered, rows merged away since are offered as their survivor, rows added since (keys past the run''s largest) are found, and survivors keeping one of the row''s values as an alternate are compared under it';
