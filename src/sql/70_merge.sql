
-- ---------------------------------------------------------------------------
-- Merging and unmerging
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.merge_config (
    tbl                 regclass PRIMARY KEY,
    rules               jsonb NOT NULL DEFAULT '{}'
                        CHECK (jsonb_typeof(rules) = 'object'),
    soft_delete_column  name,
    updated_at_column   name
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_config', '');

COMMENT ON TABLE @extschema@.merge_config IS
'Per-table merge settings: survivorship rules by column ({"column": "rule"}), the flag column that marks merged-away rows instead of deleting them, and the updated-at column that most_recent and the preference order use';

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
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.merge_rules(regclass, jsonb) IS
'The survivorship rule a merge of tbl applies to each column (with the given call rules), and where it comes from: default, table (contacts.merge_config) or call';

CREATE FUNCTION @extschema@.merge_configure(tbl regclass, rules jsonb DEFAULT '{}',
                                            soft_delete_column name DEFAULT NULL,
                                            updated_at_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO @extschema@.merge_config AS c (tbl, rules, soft_delete_column, updated_at_column)
    VALUES (tbl, COALESCE(rules, '{}'), soft_delete_column, updated_at_column)
    ON CONFLICT ON CONSTRAINT merge_config_pkey DO UPDATE
       SET rules = EXCLUDED.rules,
           soft_delete_column = EXCLUDED.soft_delete_column,
           updated_at_column = EXCLUDED.updated_at_column;
    -- validate now rather than at the first merge
    PERFORM @extschema@.merge_rules(tbl);
END
$$;

COMMENT ON FUNCTION @extschema@.merge_configure(regclass, jsonb, name, name) IS
'Set the merge configuration of tbl (survivorship rules by column, soft-delete flag column, updated-at column) after checking it';
