
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
    unmerged_at  timestamptz,
    -- 0.2.0: the erasure (contacts.erasure) that redacted this merge
    erasure_id   bigint
);
CREATE INDEX merge_log_tbl_idx ON @extschema@.merge_log (tbl, merged_at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_merge_id_seq', '');

COMMENT ON TABLE @extschema@.merge_log IS
'One row per merge: the table, the survivor''s key, the merged-away keys, the survivorship rules in effect, who merged, when and why, who undid it when, and the erasure that redacted it (keys and reason removed, rows deleted: it can no longer be undone)';

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

-- Which member of a cluster survives a batch merge.
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
CREATE FUNCTION @extschema@.citus_table(tbl regclass) RETURNS regclass
AS 'MODULE_PATHNAME', 'contacts_citus_table' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.citus_table(regclass) IS
'The Citus table (distributed, reference or Citus-managed) that tbl is or is a shard of, read from Citus''s metadata; NULL when neither or Citus is not installed. merge() and unmerge() write such a table''s rows one at a time by primary key, and refuse its shards: docs/citus.md';

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

-- The direct path from a dedupe run: its clusters, flagged ones skipped.
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
