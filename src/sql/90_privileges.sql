
-- ---------------------------------------------------------------------------
-- Who may read and write the extension's tables
--
-- Every table of the extension concerns one contact table (its tbl, target
-- or run).  Rows are visible to the roles that may read that table, and
-- written by the procedures as their caller, so row security decides by the
-- caller's privileges on that table (README, "Privileges and roles"):
--   configuration     read by any role with a privilege on the table,
--                     written by its owners (configure(), merge_configure())
--   dedupe results    read with SELECT on the table, written by its owners
--                     (dedupe_run())
--   merge log         read with SELECT on the table, written by the role
--                     that merges or unmerges (UPDATE on the table)
--   imports           read with SELECT on the target, written by the role
--                     that imports (INSERT on the target)
--   change feed       settings as configuration; kept events read with
--                     SELECT on the table, written by the extension's owner
--                     for its writers, pruned by its owners
--   clean log         read with SELECT on the table, written by the roles
--                     that clean it or undo a clean (UPDATE on the table)
--   external ids      read with SELECT on the table, written by the roles
--                     that may update it (upsert(), merge(), unmerge())
--   suppression       the extension owner's alone; GRANT SELECT and INSERT
--                     on contacts.suppression to the roles that keep it
--   bounces           the same: GRANT SELECT and INSERT on contacts.bounce
--                     (and bounce_settings) to the system that sends mail
--   archive           read with SELECT on the table, written by the roles
--                     that may delete its rows, restored by those that may
--                     insert them, purged by its owners
--   retention         as configuration
--   purges            (purge_expired()) by the table's owners, in every log
-- The extension's owner (a superuser) bypasses row security, as the
-- lookups the entry trigger makes on a writer's behalf need.
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

-- Configuration: table_config, column_kind, merge_config, dedupe_settings,
-- dedupe_model and dedupe_blocking_rules, all keyed by tbl.
GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.table_config, @extschema@.column_kind,
    @extschema@.merge_config, @extschema@.feed_config, @extschema@.dedupe_settings, @extschema@.dedupe_model,
    @extschema@.retention, @extschema@.dedupe_blocking_rules TO PUBLIC;

-- The same two policies on each: read by any role with a privilege on the
-- table, written by its owners.
DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['table_config', 'configuration'],
                                     ['column_kind', 'column kinds'],
                                     ['merge_config', 'merge settings'],
                                     ['feed_config', 'change feed settings'],
                                     ['dedupe_settings', 'dedupe settings'],
                                     ['dedupe_model', 'match model'],
                                     ['retention', 'retention'],
                                     ['dedupe_blocking_rules', 'list of blocking rules']] LOOP
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

-- The suppression list and its key stay with the extension's owner.
REVOKE ALL ON @extschema@.suppression, @extschema@.suppression_key FROM PUBLIC;

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
        ['clean_change', 'values changed by clean runs', 'tbl'],
        ['archive', 'archived rows', 'tbl']] LOOP
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
