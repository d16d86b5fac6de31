
-- ---------------------------------------------------------------------------
-- Erasure (right to be forgotten): a person's row and everything the
-- extension keeps about that person, removed in one transaction
-- (docs/erasure.md)
-- ---------------------------------------------------------------------------

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
