
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
