
-- ---------------------------------------------------------------------------
-- Alternates: the emails, phones and national IDs of merged-away rows, kept
-- by their survivor so that a returning person is still recognized
-- ---------------------------------------------------------------------------

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
