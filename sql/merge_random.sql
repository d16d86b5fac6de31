-- Random sequences of merges and unmerges (in and out of order) on a table
-- with a self-reference and two referencing tables (one with unique
-- conflicts): every refused unmerge changes nothing, and unmerging what is
-- left, newest first, gives back exactly the starting tables.  Once the
-- table is configured, merges keep alternates (in contacts.alternate, then
-- in an array column): every valid email and phone of a merged-away row
-- finds the survivor, and the round trips keep the alternates exact.

CREATE TABLE rc (
    id          int PRIMARY KEY,
    name        text,
    email       text,
    phone       text,
    tags        text[],
    referrer    int REFERENCES rc,
    score       numeric,
    updated_at  timestamptz
);
CREATE TABLE rc_order (
    id          int PRIMARY KEY,
    contact_id  int NOT NULL REFERENCES rc,
    amount      numeric
);
CREATE INDEX ON rc_order (contact_id);
CREATE TABLE rc_tag (
    contact_id  int REFERENCES rc ON DELETE CASCADE,
    tag         text,
    added       date,
    PRIMARY KEY (contact_id, tag)
);

CREATE FUNCTION rc_snapshot() RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'rc', (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM rc x),
        'rc_order', (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.id) FROM rc_order x),
        'rc_tag', (SELECT jsonb_agg(to_jsonb(x) ORDER BY x.contact_id, x.tag) FROM rc_tag x),
        'alternate', (SELECT jsonb_agg(to_jsonb(a) ORDER BY a.merge_id, a.survivor, a.kind, a.value)
                        FROM contacts.alternate a WHERE a.tbl = 'rc'::regclass))
$$;

-- soft-deleted (once the table has a merged_away flag)
CREATE FUNCTION rc_gone(r rc) RETURNS boolean LANGUAGE sql AS $$
    SELECT COALESCE((to_jsonb(r)->>'merged_away')::boolean, false)
$$;

-- the values of the rows a merge takes away
CREATE TEMP TABLE rc_moved (col text, v text);

CREATE FUNCTION rc_random_run(seed float8, steps int)
RETURNS TABLE (check_name text, ok boolean)
LANGUAGE plpgsql AS $$
DECLARE
    start_snap  jsonb;
    snap        jsonb;
    stack       bigint[] := '{}';
    group_keys  int[];
    survivor    int;
    pick        int;
    mid         bigint;
    merges      int := 0;
    unmerges    int := 0;
    refused     int := 0;
    refusal_ok  boolean := true;
    counts_ok   boolean := true;
    alt_ok      boolean := true;
    alt_checked int := 0;
    configured  boolean := EXISTS (SELECT 1 FROM contacts.table_config WHERE tbl = 'rc'::regclass);
    moved       record;
    found       text;
    before_rows bigint;
BEGIN
    PERFORM setseed(seed);
    TRUNCATE rc, rc_order, rc_tag, contacts.merge_log CASCADE;
    INSERT INTO rc
    SELECT g, (ARRAY['Ana', 'Luis', NULL, 'Eva', 'Ana María'])[1 + floor(random() * 5)::int],
           CASE WHEN random() < 0.3 THEN NULL WHEN random() < 0.5 THEN 'bad-' || g ELSE 'p' || g || '@example.com' END,
           CASE WHEN random() < 0.4 THEN NULL ELSE '+34 600 ' || (100000 + g) END,
           CASE WHEN random() < 0.3 THEN NULL ELSE ARRAY['t' || (g % 4), 't' || (g % 7)] END,
           NULL, round((random() * 100)::numeric, 2),
           CASE WHEN random() < 0.2 THEN NULL ELSE timestamptz '2024-01-01' + g * interval '1 hour' END
      FROM generate_series(1, 60) g;
    UPDATE rc SET referrer = 1 + floor(random() * 60)::int WHERE random() < 0.3;
    INSERT INTO rc_order SELECT g, 1 + floor(random() * 60)::int, g FROM generate_series(1, 150) g;
    INSERT INTO rc_tag SELECT DISTINCT ON (c, t) c, t, date '2024-01-01' + c
      FROM (SELECT 1 + floor(random() * 60)::int AS c, (ARRAY['vip', 'new', 'old'])[1 + floor(random() * 3)::int] AS t
              FROM generate_series(1, 120)) x;
    start_snap := rc_snapshot();

    FOR step IN 1 .. steps LOOP
        pick := floor(random() * 100)::int;
        IF pick < 60 OR cardinality(stack) = 0 THEN
            -- merge 2 to 4 random rows that still exist
            SELECT array_agg(id) INTO group_keys
              FROM (SELECT id FROM rc WHERE NOT rc_gone(rc) ORDER BY random() LIMIT 2 + floor(random() * 3)::int) x;
            CONTINUE WHEN cardinality(group_keys) < 2;
            survivor := group_keys[1 + floor(random() * cardinality(group_keys))::int];
            SELECT count(*) INTO before_rows FROM rc WHERE NOT rc_gone(rc);
            TRUNCATE rc_moved;
            INSERT INTO rc_moved SELECT c.col, c.v FROM rc, LATERAL (VALUES ('email', rc.email), ('phone', rc.phone)) c(col, v)
             WHERE rc.id = ANY (group_keys) AND rc.id <> survivor AND c.v IS NOT NULL;
            mid := contacts.merge('rc', survivor, group_keys);
            -- every valid value of a merged-away row finds the survivor (the
            -- lookup skips soft-deleted rows); invalid ones find no one
            IF configured THEN
                FOR moved IN SELECT * FROM rc_moved LOOP
                    found := contacts.duplicate_of('rc', moved.col, moved.v, NULL, false);
                    alt_ok := alt_ok AND CASE
                        WHEN (moved.col = 'email' AND NOT contacts.email_valid(moved.v))
                          OR (moved.col = 'phone' AND NOT contacts.phone_valid(moved.v)) THEN found IS NULL
                        ELSE found = survivor::text END;
                    alt_checked := alt_checked + 1;
                END LOOP;
            END IF;
            stack := stack || mid;
            merges := merges + 1;
            counts_ok := counts_ok AND (SELECT count(*) FROM rc WHERE NOT rc_gone(rc)) = before_rows - cardinality(group_keys) + 1;
        ELSIF pick < 85 THEN
            -- unmerge the newest merge: always possible
            mid := stack[cardinality(stack)];
            PERFORM contacts.unmerge(mid);
            stack := stack[1:cardinality(stack) - 1];
            unmerges := unmerges + 1;
        ELSE
            -- unmerge an older merge: done exactly, or refused with no change
            mid := stack[1 + floor(random() * cardinality(stack))::int];
            snap := rc_snapshot();
            BEGIN
                PERFORM contacts.unmerge(mid);
                stack := array_remove(stack, mid);
                unmerges := unmerges + 1;
            EXCEPTION WHEN object_not_in_prerequisite_state THEN
                refused := refused + 1;
                refusal_ok := refusal_ok AND rc_snapshot() = snap;
            END;
        END IF;
    END LOOP;

    -- undo the rest, newest first
    FOR i IN REVERSE cardinality(stack) .. 1 LOOP
        PERFORM contacts.unmerge(stack[i]);
    END LOOP;

    RETURN QUERY VALUES
        ('merged and unmerged', merges > steps / 3 AND unmerges > 0),
        ('row counts after each merge', counts_ok),
        ('refusals left everything unchanged', refusal_ok),
        ('merged-away values find the survivor', alt_ok AND (alt_checked > 0) = configured),
        ('tables identical at the end', rc_snapshot() = start_snap),
        ('every merge unmerged', NOT EXISTS (SELECT 1 FROM contacts.merge_log WHERE unmerged_at IS NULL));
END
$$;

SELECT * FROM rc_random_run(0.11, 120);
SELECT * FROM rc_random_run(0.42, 120);
SELECT * FROM rc_random_run(-0.73, 200);

-- configured: alternates in contacts.alternate
SELECT contacts.configure('rc', 'id', '{"email": "email", "phone": "phone", "name": "full_name"}',
                          default_region => 'ES', duplicate_keys => '{email,phone}');
SELECT * FROM rc_random_run(0.21, 150);
SELECT * FROM rc_random_run(-0.37, 150);

-- emails in an array column of the table
ALTER TABLE rc ADD COLUMN other_emails text[];
SELECT contacts.merge_configure('rc', alternate_columns => '{"email": "other_emails"}');
SELECT * FROM rc_random_run(0.66, 150);

-- with a soft-delete flag and the survivorship defaults of the table
ALTER TABLE rc ADD COLUMN merged_away boolean NOT NULL DEFAULT false;
SELECT contacts.merge_configure('rc', '{"name": "longest", "score": "max"}', soft_delete_column => 'merged_away');
SELECT * FROM rc_random_run(0.5, 150);
