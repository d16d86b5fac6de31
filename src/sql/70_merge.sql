
-- ---------------------------------------------------------------------------
-- Merging and unmerging
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.merge_config (
    tbl                 regclass PRIMARY KEY,
    rules               jsonb NOT NULL DEFAULT '{}'
                        CHECK (jsonb_typeof(rules) = 'object'),
    soft_delete_column  name,
    updated_at_column   name,
    alternate_columns   jsonb NOT NULL DEFAULT '{}'
                        CHECK (jsonb_typeof(alternate_columns) = 'object')
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_config', '');
-- the entry trigger reads alternate_columns
CREATE TRIGGER merge_config_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.merge_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();

COMMENT ON TABLE @extschema@.merge_config IS
'Per-table merge settings: survivorship rules by column ({"column": "rule"}), the flag column that marks merged-away rows instead of deleting them, the updated-at column that most_recent and the preference order use, and the array columns that keep the alternates (other emails, phones, national IDs of merged-away rows) by kind ({"email": "other_emails"}; a kind not named keeps them in contacts.alternate)';

CREATE TABLE @extschema@.merge_log (
    merge_id     bigserial PRIMARY KEY,
    tbl          regclass NOT NULL,
    survivor     jsonb NOT NULL,
    members      jsonb NOT NULL,
    rules        jsonb NOT NULL,
    reason       text,
    merged_by    name NOT NULL DEFAULT CURRENT_USER,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    unmerged_by  name,
    unmerged_at  timestamptz
);
CREATE INDEX merge_log_tbl_idx ON @extschema@.merge_log (tbl, merged_at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_merge_id_seq', '');

COMMENT ON TABLE @extschema@.merge_log IS
'One row per merge: the table, the survivor''s key, the merged-away keys, the survivorship rules in effect, who merged, when and why, and who undid it when';

CREATE TABLE @extschema@.merge_log_row (
    row_id    bigserial PRIMARY KEY,
    merge_id  bigint NOT NULL REFERENCES @extschema@.merge_log ON DELETE CASCADE,
    tbl       regclass NOT NULL,
    action    text NOT NULL
              CHECK (action IN ('update', 'delete', 'soft_delete', 'repoint', 'delete_conflict')),
    before    jsonb NOT NULL,
    after     jsonb,
    CHECK ((after IS NULL) = (action IN ('delete', 'delete_conflict')))
);
CREATE INDEX merge_log_row_merge_idx ON @extschema@.merge_log_row (merge_id, row_id);
-- unmerge finds later merges that logged a row as this merge left it
CREATE INDEX merge_log_row_before_idx ON @extschema@.merge_log_row USING hash (before);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_row', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_row_row_id_seq', '');

COMMENT ON TABLE @extschema@.merge_log_row IS
'Every row a merge changed or deleted, in order: update (the survivor), delete or soft_delete (merged-away rows), repoint (a referencing row moved to the survivor), delete_conflict (a referencing row dropped because its move collided with a unique key); before and after are to_jsonb images, after is NULL for deletions';

CREATE FUNCTION @extschema@.merge(tbl regclass, survivor anyelement, members anyarray,
                                  rules jsonb DEFAULT NULL, reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_merge'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.merge(regclass, anyelement, anyarray, jsonb, text) IS
'Merge the rows of tbl whose primary keys are in members into the row survivor (one of them): repoint every foreign key reference, delete (or soft-delete) the others, apply the survivorship rules, log everything; returns the merge_id for unmerge. Keys of a composite primary key are ROW(...) values';

CREATE FUNCTION @extschema@.unmerge(merge_id bigint)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_unmerge'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.unmerge(bigint) IS
'Restore exactly what merge merge_id changed (rows, deleted rows, references); refuses with SQLSTATE 55000 when a later change makes an exact restore impossible; returns the number of rows restored';

CREATE FUNCTION @extschema@.merge_rules(tbl regclass, rules jsonb DEFAULT NULL,
                                        OUT column_name text, OUT rule text,
                                        OUT validator text, OUT source text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_merge_rules'
LANGUAGE C STABLE PARALLEL RESTRICTED;

COMMENT ON FUNCTION @extschema@.merge_rules(regclass, jsonb) IS
'The survivorship rule a merge of tbl applies to each column (with the given call rules), and where it comes from: default, table (contacts.merge_config) or call';

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

CREATE TABLE @extschema@.merge_batch (
    batch_name   text PRIMARY KEY,
    tbl          regclass NOT NULL,
    clusters     text NOT NULL,
    rules        jsonb,
    reason       text,
    started_by   name NOT NULL DEFAULT CURRENT_USER,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_batch', '');

COMMENT ON TABLE @extschema@.merge_batch IS
'One row per batch merge (contacts.merge_clusters): the table, the query giving the clusters, when it started and finished';

CREATE TABLE @extschema@.merge_batch_cluster (
    batch_name  text NOT NULL REFERENCES @extschema@.merge_batch ON DELETE CASCADE,
    cluster_id  text NOT NULL,
    merge_id    bigint,
    error       text,
    done_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_name, cluster_id)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_batch_cluster', '');

COMMENT ON TABLE @extschema@.merge_batch_cluster IS
'Clusters a batch merge has dealt with: the merge_id, or the error (SQLSTATE: message) that made it skip the cluster; a resumed batch skips every cluster listed here (delete a row to retry it)';

-- A procedure that commits cannot carry a SET clause, so every name below is
-- schema-qualified instead of pinning search_path.
CREATE PROCEDURE @extschema@.merge_clusters(tbl regclass, clusters text,
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
