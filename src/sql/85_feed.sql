
-- ---------------------------------------------------------------------------
-- Change feed for two-way sync, and the inbound side: upsert with an
-- external-id map
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.feed_config (
    tbl        regclass PRIMARY KEY,
    logical    boolean NOT NULL DEFAULT true,
    notify     boolean NOT NULL DEFAULT true,
    keep       boolean NOT NULL DEFAULT false,
    retention  interval NOT NULL DEFAULT '7 days' CHECK (retention > interval '0'),
    channel    text NOT NULL CHECK (octet_length(channel) BETWEEN 1 AND 63)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.feed_config', '');

COMMENT ON TABLE @extschema@.feed_config IS
'Per-table change feed switches: logical decoding messages (prefix contacts), NOTIFY on channel, events kept in contacts.feed_event for retention; a table without a row has no feed';

CREATE TRIGGER feed_config_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.feed_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();

CREATE TABLE @extschema@.feed_event (
    event_id  bigserial PRIMARY KEY,
    tbl       regclass NOT NULL,
    kind      text NOT NULL,
    txid      xid8 NOT NULL,
    at        timestamptz NOT NULL,
    event     jsonb NOT NULL
);
CREATE INDEX feed_event_tbl_idx ON @extschema@.feed_event (tbl, event_id);
CREATE INDEX feed_event_at_idx ON @extschema@.feed_event (tbl, at);

COMMENT ON TABLE @extschema@.feed_event IS
'Change feed events of the tables whose feed keeps them (contacts.feed_config.keep), in the order they were made, for consumers without logical decoding; rows older than the table''s retention are pruned';

CREATE FUNCTION @extschema@.feed_configure(tbl regclass, logical boolean DEFAULT true,
                                           notify boolean DEFAULT true, keep boolean DEFAULT false,
                                           retention interval DEFAULT '7 days', channel text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    ch text;
BEGIN
    -- What every writer of the table publishes: for its owner to decide.
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'configure the change feed of');
    IF NOT (coalesce(logical, false) OR coalesce(notify, false) OR coalesce(keep, false)) THEN
        DELETE FROM @extschema@.feed_config c WHERE c.tbl = feed_configure.tbl;
        RETURN NULL;
    END IF;
    IF retention IS NULL OR retention <= interval '0' THEN
        RAISE EXCEPTION 'retention must be a positive interval'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    ch := coalesce(channel, (SELECT 'contacts_' || c.relname FROM pg_class c WHERE c.oid = tbl));
    -- a channel is an identifier: at most 63 bytes
    WHILE octet_length(ch) > 63 LOOP
        ch := left(ch, -1);
    END LOOP;
    IF ch = '' THEN
        RAISE EXCEPTION 'channel must not be empty'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO @extschema@.feed_config AS c (tbl, logical, notify, keep, retention, channel)
    VALUES (tbl, logical, notify, keep, retention, ch)
    ON CONFLICT ON CONSTRAINT feed_config_pkey DO UPDATE
       SET logical = EXCLUDED.logical, notify = EXCLUDED.notify, keep = EXCLUDED.keep,
           retention = EXCLUDED.retention, channel = EXCLUDED.channel;
    RETURN ch;
END
$$;

COMMENT ON FUNCTION @extschema@.feed_configure(regclass, boolean, boolean, boolean, interval, text) IS
'Turn the change feed of tbl on or off: logical decoding messages (prefix contacts, needs wal_level = logical), NOTIFY on channel (default contacts_<table name>), events kept in contacts.feed_event for retention; all false turns it off; returns the channel';

CREATE FUNCTION @extschema@.feed_prune(tbl regclass)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM @extschema@.require_privileges(tbl, 'OWNER', 'prune the change feed of');
    DELETE FROM @extschema@.feed_event e
     WHERE e.tbl = feed_prune.tbl
       AND e.at < now() - coalesce((SELECT c.retention FROM @extschema@.feed_config c
                                     WHERE c.tbl = feed_prune.tbl), interval '0');
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

COMMENT ON FUNCTION @extschema@.feed_prune(regclass) IS
'Delete the kept change feed events of tbl older than its retention (all of them when its feed is off); returns how many. Writers prune as they go, at most once a minute per session';

CREATE FUNCTION @extschema@.feed_import_event(import_id bigint)
RETURNS void
AS 'MODULE_PATHNAME', 'contacts_feed_import_event'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.feed_import_event(bigint) IS
'Internal to contacts.import(): publishes a finished import run on the target''s change feed; refuses runs not finished by the calling transaction';

-- ---------------------------------------------------------------------------
-- External ids: the records of other systems, mapped to ours
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.external_id (
    tbl          regclass NOT NULL,
    system       text NOT NULL CHECK (system <> ''),
    external_id  text NOT NULL,
    key          text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tbl, system, external_id)
);
CREATE INDEX external_id_key_idx ON @extschema@.external_id (tbl, key);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_id', '');

COMMENT ON TABLE @extschema@.external_id IS
'Which record of a contact table (its key column''s value as text) holds the record external_id of another system; merges move the merged-away rows'' ids to the survivor, unmerges move them back';

CREATE TABLE @extschema@.external_id_move (
    merge_id     bigint NOT NULL REFERENCES @extschema@.merge_log ON DELETE CASCADE,
    tbl          regclass NOT NULL,
    system       text NOT NULL,
    external_id  text NOT NULL,
    from_key     text NOT NULL,
    to_key       text NOT NULL,
    PRIMARY KEY (merge_id, tbl, system, external_id)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_id_move', '');

COMMENT ON TABLE @extschema@.external_id_move IS
'External ids a merge moved to its survivor, and from which key: what unmerge moves back';

CREATE FUNCTION @extschema@.external_key(tbl regclass, system text, external_id text)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT x.key FROM @extschema@.external_id x
 WHERE x.tbl = external_key.tbl AND x.system = external_key.system
   AND x.external_id = external_key.external_id
$$;

COMMENT ON FUNCTION @extschema@.external_key(regclass, text, text) IS
'The key (as text) of the record of tbl that holds record external_id of system: after merges, the survivor''s; NULL when unknown';

CREATE FUNCTION @extschema@.entry_redirected_key(tbl regclass)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_entry_redirected_key'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.entry_redirected_key(regclass) IS
'Internal to contacts.upsert(): the key of the row the entry trigger last turned an insert into tbl into an update of (on_duplicate = update) in this session, forgotten once read';

CREATE FUNCTION @extschema@.upsert(tbl regclass, record jsonb, source_system text, external_id text,
                                   OUT key text, OUT action text)
RETURNS record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg      @extschema@.table_config;
    keytype  text;
    cols     text := '';
    vals     text := '';
    upd      text := '';
    missing  text;
    mapped   text;
    old_source text;
    n        bigint;
BEGIN
    IF tbl IS NULL OR record IS NULL OR source_system IS NULL OR external_id IS NULL THEN
        RAISE EXCEPTION 'table, record, source system and external id of an upsert must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF jsonb_typeof(record) <> 'object' OR source_system = '' THEN
        RAISE EXCEPTION 'an upsert takes a record as a JSON object and a non-empty source system name'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM @extschema@.require_privileges(tbl, 'SELECT, INSERT, UPDATE', 'upsert into');
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = upsert.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    -- The entry standards and duplicate policy are the trigger's: records
    -- from another system take the same path as every other writer's.
    IF NOT EXISTS (SELECT 1 FROM pg_trigger t
                    WHERE t.tgrelid = tbl AND t.tgfoid = '@extschema@.enforce()'::regprocedure
                      AND t.tgenabled <> 'D' AND t.tgtype::int & 23 = 23) THEN
        RAISE EXCEPTION 'table % has no enabled contacts.enforce() trigger for inserts and updates', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = format('CREATE TRIGGER ... BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION @extschema@.enforce()', tbl);
    END IF;
    SELECT string_agg(quote_literal(k), ', ') INTO missing
      FROM jsonb_object_keys(record) k
     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = k
                          AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no writable column(s) %', tbl, missing
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name the record''s members after the table''s columns.';
    END IF;
    SELECT format_type(a.atttypid, a.atttypmod) INTO keytype
      FROM pg_attribute a WHERE a.attrelid = tbl AND a.attname = cfg.key_column;
    SELECT coalesce(string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum), ''),
           coalesce(string_agg(format('r.%I', a.attname), ', ' ORDER BY a.attnum), ''),
           coalesce(string_agg(format('%1$I = r.%1$I', a.attname), ', ' ORDER BY a.attnum)
                    FILTER (WHERE a.attname <> cfg.key_column), '')
      INTO cols, vals, upd
      FROM pg_attribute a
     WHERE a.attrelid = tbl AND a.attnum > 0 AND NOT a.attisdropped AND record ? a.attname;

    -- One upsert of a given external id at a time.
    PERFORM pg_advisory_xact_lock(hashtextextended(tbl::oid::text || E'\n' || source_system
                                                   || E'\n' || upsert.external_id, 0));
    -- Changes made here are the source system's in the feed.
    old_source := current_setting('contacts.source_system');
    PERFORM set_config('contacts.source_system', source_system, true);

    SELECT x.key INTO mapped FROM @extschema@.external_id x
     WHERE x.tbl = upsert.tbl AND x.system = source_system AND x.external_id = upsert.external_id;
    IF mapped IS NOT NULL THEN
        -- A record we know: update the row it resolves to (after merges, the survivor).
        IF upd = '' THEN
            EXECUTE format('SELECT t.%1$I::text FROM %2$s t WHERE t.%1$I = $1::%3$s', cfg.key_column, tbl, keytype)
               INTO key USING mapped;
        ELSE
            EXECUTE format('UPDATE %2$s t SET %4$s FROM jsonb_populate_record(NULL::%2$s, $1) r '
                           'WHERE t.%1$I = $2::%3$s RETURNING t.%1$I::text', cfg.key_column, tbl, keytype, upd)
               INTO key USING record, mapped;
        END IF;
        IF key IS NOT NULL THEN
            action := 'update';
        END IF;
        -- else the row is gone (deleted): the record is new again
    END IF;
    IF key IS NULL THEN
        PERFORM @extschema@.entry_redirected_key(tbl);
        EXECUTE format('INSERT INTO %1$s (%2$s) SELECT %3$s FROM jsonb_populate_record(NULL::%1$s, $1) r '
                       'RETURNING %4$I::text', tbl, cols, vals, cfg.key_column)
           INTO key USING record;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 1 THEN
            action := 'insert';
        ELSE
            -- The trigger's duplicate policy (on_duplicate = update) made
            -- the insert an update of the record the person already has.
            key := @extschema@.entry_redirected_key(tbl);
            action := 'matched';
            IF key IS NULL THEN
                RAISE EXCEPTION 'the insert into % was skipped by a trigger', tbl
                    USING ERRCODE = 'object_not_in_prerequisite_state',
                          HINT = 'Another BEFORE trigger on the table returned NULL; upsert cannot tell which record holds the external id.';
            END IF;
        END IF;
        INSERT INTO @extschema@.external_id AS x (tbl, system, external_id, key)
        VALUES (tbl, source_system, upsert.external_id, key)
        ON CONFLICT ON CONSTRAINT external_id_pkey DO UPDATE
           SET key = EXCLUDED.key, updated_at = now();
    END IF;
    PERFORM set_config('contacts.source_system', old_source, true);
END
$$;

COMMENT ON FUNCTION @extschema@.upsert(regclass, jsonb, text, text) IS
'Write a record of another system (a JSON object of column values, the system''s name and its id for the record) through the entry trigger: updates the record the id maps to, else inserts under the table''s entry standards and duplicate policy, and maps the id to the resulting key; action is insert, update or matched (an existing duplicate was updated)';
