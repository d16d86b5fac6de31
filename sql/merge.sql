-- contacts.merge / contacts.unmerge: survivorship rules, foreign keys,
-- conflicts, soft delete, errors, and names that need quoting everywhere.

-- A snapshot of tables as jsonb, to compare before and after unmerge.
CREATE FUNCTION merge_snapshot(tables regclass[]) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    t regclass;
    result jsonb := '{}';
    rows jsonb;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('SELECT COALESCE(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), ''[]'') FROM %s x', t)
           INTO rows;
        result := result || jsonb_build_object(t::text, rows);
    END LOOP;
    RETURN result;
END
$$;

-- The SQLSTATE, message, detail and hint of the error a statement raises.
CREATE FUNCTION merge_error(sql text) RETURNS TABLE (field text, value text)
LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; det text; hnt text;
BEGIN
    EXECUTE sql;
    RETURN QUERY SELECT 'no error', NULL::text;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
    RETURN QUERY SELECT f, v FROM (VALUES (1, 'sqlstate', st), (2, 'message', msg),
                                          (3, 'detail', det), (4, 'hint', hnt)) x(o, f, v)
                  WHERE v <> '' ORDER BY o;
END
$$;

-- ---------------------------------------------------------------------------
-- Every survivorship rule
-- ---------------------------------------------------------------------------
CREATE TABLE person (
    id          int PRIMARY KEY,
    name        text,
    nickname    text,
    email       text,
    phone       text,
    city        text,
    score       int,
    first_seen  date,
    tags        text[],
    updated_at  timestamptz
);
INSERT INTO person VALUES
  (1, 'Ana',          NULL,  'ana(at)example', '12',              'Madrid',  3, '2020-05-01', '{a,b}', '2024-01-01'),
  (2, 'Ana Garcia',   'Anita', 'ana@example.com', '+34 600 123 456', 'Sevilla', 9, '2019-01-01', '{b,c}', '2024-06-01'),
  (3, NULL,           'Ani', 'ana@old.example', 'call me',         'Sevilla', 5, '2021-01-01', NULL,    '2023-01-01'),
  (4, 'A. Garcia',    NULL,  NULL,              NULL,              'Madrid',  1, NULL,         '{d}',   NULL);

-- the defaults, by column kind
SELECT * FROM contacts.merge_rules('person');

-- per-call rules override them
SELECT * FROM contacts.merge_rules('person',
    '{"name": "longest", "nickname": "most_recent", "city": "most_frequent",
      "score": "max", "first_seen": "min"}');

SELECT contacts.merge('person', 1, ARRAY[1, 2, 3, 4],
    rules => '{"name": "longest", "nickname": "most_recent", "city": "most_frequent",
               "score": "max", "first_seen": "min"}',
    reason => 'same person, four records');
-- name: longest; nickname: most recent non-null (row 2); email and phone:
-- first valid; city: most frequent (tie Madrid/Sevilla goes to the survivor);
-- score max; first_seen min; tags union in preference order; updated_at max
SELECT * FROM person;

SELECT merge_id, tbl, survivor, members, rules->>'name' AS name_rule, reason,
       merged_by = current_user AS by_me, merged_at IS NOT NULL AS stamped
  FROM contacts.merge_log;
SELECT row_id, tbl, action, before->>'id' AS id, after IS NULL AS no_after
  FROM contacts.merge_log_row ORDER BY row_id;

SELECT contacts.unmerge(1);
SELECT * FROM person ORDER BY id;
SELECT merge_id, unmerged_by = current_user AS by_me, unmerged_at IS NOT NULL AS stamped
  FROM contacts.merge_log;

-- columns of type contacts.email are validated whatever their name
CREATE TABLE subscriber (id int PRIMARY KEY, address contacts.email, backup text);
INSERT INTO subscriber VALUES (1, NULL, 'x'), (2, 'Ana@Example.com', 'y');
SELECT * FROM contacts.merge_rules('subscriber');
SELECT contacts.merge('subscriber', 1, ARRAY[1, 2]);
SELECT * FROM subscriber;

-- keep the survivor's value (even NULL) and non_null
SELECT contacts.merge('person', 3, ARRAY[3, 4], '{"name": "survivor", "nickname": "non_null"}');
SELECT id, name, nickname, city, score FROM person WHERE id IN (3, 4);

-- most_recent and the preference order need an updated-at column: without
-- one (and no column named updated_at), most_recent is refused
CREATE TABLE note (id int PRIMARY KEY, body text, changed timestamptz);
SELECT * FROM contacts.merge_rules('note', '{"body": "most_recent"}');
SELECT contacts.merge_configure('note', updated_at_column => 'changed');
SELECT * FROM contacts.merge_rules('note', '{"body": "most_recent"}');
INSERT INTO note VALUES (1, 'old', '2020-01-01'), (2, 'new', '2024-01-01'), (3, NULL, '2025-01-01');
SELECT contacts.merge('note', 1, ARRAY[1, 2, 3], '{"body": "most_recent"}');
SELECT * FROM note;

-- table configuration sits between the defaults and the call
SELECT contacts.merge_configure('note', '{"body": "longest"}', updated_at_column => 'changed');
SELECT * FROM contacts.merge_rules('note');
SELECT * FROM contacts.merge_rules('note', '{"body": "min"}');

-- ---------------------------------------------------------------------------
-- Foreign keys: every referencing table, composite keys, several keys from
-- one table, self-references, unique conflicts
-- ---------------------------------------------------------------------------
CREATE TABLE account (
    region  text,
    num     int,
    holder  text,
    parent_region text,
    parent_num    int,
    PRIMARY KEY (region, num),
    FOREIGN KEY (parent_region, parent_num) REFERENCES account
);
CREATE TABLE invoice (
    id      int PRIMARY KEY,
    region  text,
    num     int,
    billed_region text,
    billed_num    int,
    FOREIGN KEY (region, num) REFERENCES account,
    FOREIGN KEY (billed_region, billed_num) REFERENCES account ON DELETE SET NULL
);
CREATE TABLE account_label (
    id      int UNIQUE,
    region  text,
    num     int,
    label   text,
    PRIMARY KEY (region, num, label),
    FOREIGN KEY (region, num) REFERENCES account ON DELETE CASCADE
);
-- a partial unique index: one primary label per account
ALTER TABLE account_label ADD COLUMN is_primary boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX account_label_primary ON account_label (region, num) WHERE is_primary;
-- rows referencing a label: repointed to the label kept when theirs is dropped
CREATE TABLE label_use (
    id        int PRIMARY KEY,
    label_id  int REFERENCES account_label (id)
);

INSERT INTO account VALUES ('ES', 1, 'Ana', NULL, NULL), ('ES', 2, 'Ana G', NULL, NULL),
                           ('AR', 1, 'Ana Garcia', 'ES', 2), ('ES', 3, 'Luis', 'AR', 1);
UPDATE account SET parent_region = 'ES', parent_num = 2 WHERE (region, num) = ('ES', 2);
INSERT INTO invoice VALUES (100, 'ES', 1, 'AR', 1), (101, 'ES', 2, 'ES', 2), (102, 'AR', 1, NULL, NULL),
                           (103, 'ES', 3, 'ES', 3);
INSERT INTO account_label VALUES (1, 'ES', 1, 'vip', true), (2, 'ES', 2, 'vip', false), (3, 'ES', 2, 'new', true),
                                 (4, 'AR', 1, 'new', false), (5, 'AR', 1, 'old', false), (6, 'ES', 3, 'vip', true);
INSERT INTO label_use VALUES (1, 2), (2, 4), (3, 5), (4, 6);

CREATE TEMP TABLE before_fk AS
SELECT merge_snapshot('{account, invoice, account_label, label_use}') AS snap;

SELECT contacts.merge('account', ROW('ES', 1), ARRAY[ROW('ES', 1), ROW('ES', 2), ROW('AR', 1)],
                      reason => 'composite keys');
SELECT * FROM account ORDER BY region, num;
SELECT * FROM invoice ORDER BY id;
-- labels: ES 2 vip collides with ES 1 vip (primary key) and ES 2 new with
-- ES 1 vip (one primary label per account): both dropped; AR 1 new then
-- collides with no one and moves, as does AR 1 old
SELECT * FROM account_label ORDER BY region, num, label;
-- the uses of dropped labels follow the labels that were kept
SELECT * FROM label_use ORDER BY id;
SELECT tbl, action, before, after FROM contacts.merge_log_row
 WHERE merge_id = (SELECT max(merge_id) FROM contacts.merge_log) ORDER BY row_id;

SELECT contacts.unmerge(merge_id) FROM contacts.merge_log WHERE reason = 'composite keys';
SELECT merge_snapshot('{account, invoice, account_label, label_use}') = snap AS restored FROM before_fk;

-- a referenced column that would move is refused before anything changes
CREATE TABLE owner (id int PRIMARY KEY);
CREATE TABLE pet (owner_id int REFERENCES owner, name text, PRIMARY KEY (owner_id, name));
CREATE TABLE vet_visit (owner_id int, pet text, FOREIGN KEY (owner_id, pet) REFERENCES pet);
INSERT INTO owner VALUES (1), (2);
INSERT INTO pet VALUES (2, 'Rex');
SELECT * FROM merge_error($$SELECT contacts.merge('owner', 1, ARRAY[1, 2])$$);
SELECT count(*) AS merges_left FROM contacts.merge_log WHERE tbl = 'owner'::regclass;

-- ---------------------------------------------------------------------------
-- Soft delete
-- ---------------------------------------------------------------------------
CREATE TABLE member (id int PRIMARY KEY, name text, merged boolean NOT NULL DEFAULT false);
CREATE TABLE visit (id int PRIMARY KEY, member_id int REFERENCES member);
INSERT INTO member VALUES (1, NULL, false), (2, 'Eva', false);
INSERT INTO visit VALUES (1, 1), (2, 2);
SELECT contacts.merge_configure('member', soft_delete_column => 'merged');
SELECT * FROM contacts.merge_rules('member');
SELECT contacts.merge('member', 1, ARRAY[2, 1]);
SELECT * FROM member ORDER BY id;
SELECT * FROM visit ORDER BY id;
-- a soft-deleted row cannot be merged again
SELECT contacts.merge('member', 2, ARRAY[2, 1]);
SELECT contacts.unmerge(max(merge_id)) FROM contacts.merge_log WHERE tbl = 'member'::regclass;
SELECT * FROM member ORDER BY id;
SELECT * FROM visit ORDER BY id;
-- a repointed primary key whose old value is taken again blocks the unmerge
CREATE TABLE member_badge (member_id int REFERENCES member, badge text, PRIMARY KEY (member_id, badge));
INSERT INTO member_badge VALUES (2, 'gold');
SELECT contacts.merge('member', 1, ARRAY[1, 2]) AS badge_merge \gset
INSERT INTO member_badge VALUES (2, 'gold');	-- the soft-deleted member earns it again
SELECT * FROM merge_error('SELECT contacts.unmerge(' || :badge_merge || ')');
DELETE FROM member_badge WHERE member_id = 2;
SELECT contacts.unmerge(:badge_merge);
SELECT * FROM member_badge;

-- ---------------------------------------------------------------------------
-- Names with spaces, quotes, semicolons and capitals
-- ---------------------------------------------------------------------------
CREATE SCHEMA "Odd; Schema";
CREATE TABLE "Odd; Schema"."Contact ""List""; DROP TABLE person" (
    "Contact Id"  int PRIMARY KEY,
    "Full ""Name"""  text,
    "E-Mail;"     text,
    "Tags []"     int[],
    "Updated At"  timestamptz,
    "Gone?"       timestamptz
);
CREATE TABLE "Odd; Schema"."Calls; --" (
    "Call Id"   int PRIMARY KEY,
    "Who's"     int REFERENCES "Odd; Schema"."Contact ""List""; DROP TABLE person"
);
INSERT INTO "Odd; Schema"."Contact ""List""; DROP TABLE person" VALUES
  (1, 'Zoë', 'zoe at example', '{1,2}', '2024-01-01', NULL),
  (2, 'Zoë O''Neil', 'zoe@example.com', '{2,3}', '2024-02-01', NULL);
INSERT INTO "Odd; Schema"."Calls; --" VALUES (1, 1), (2, 2);
SELECT contacts.merge_configure('"Odd; Schema"."Contact ""List""; DROP TABLE person"',
                                '{"Full \"Name\"": "longest"}',
                                soft_delete_column => 'Gone?', updated_at_column => 'Updated At');
SELECT * FROM contacts.merge_rules('"Odd; Schema"."Contact ""List""; DROP TABLE person"');
SELECT contacts.merge('"Odd; Schema"."Contact ""List""; DROP TABLE person"', 1, ARRAY[1, 2]) AS odd_merge \gset
SELECT "Contact Id", "Full ""Name""", "E-Mail;", "Tags []", "Updated At", "Gone?" IS NOT NULL AS gone
  FROM "Odd; Schema"."Contact ""List""; DROP TABLE person" ORDER BY 1;
SELECT * FROM "Odd; Schema"."Calls; --" ORDER BY 1;
SELECT contacts.unmerge(:odd_merge);
SELECT "Contact Id", "Full ""Name""", "E-Mail;", "Tags []", "Gone?" IS NOT NULL AS gone
  FROM "Odd; Schema"."Contact ""List""; DROP TABLE person" ORDER BY 1;
SELECT * FROM "Odd; Schema"."Calls; --" ORDER BY 1;
SELECT to_regclass('person') IS NOT NULL AS person_still_there;

-- ---------------------------------------------------------------------------
-- Identity and generated columns, partitioned tables
-- ---------------------------------------------------------------------------
CREATE TABLE lead (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first     text,
    last      text,
    label     text GENERATED ALWAYS AS (first || ' ' || last) STORED
);
INSERT INTO lead (first, last) VALUES ('Ana', NULL), (NULL, 'Ruiz'), ('Ana María', 'Ruiz');
CREATE TEMP TABLE before_lead AS SELECT merge_snapshot('{lead}') AS snap;
SELECT * FROM contacts.merge_rules('lead');
SELECT contacts.merge('lead', 1, ARRAY[1, 2, 3]) AS lead_merge \gset
SELECT * FROM lead;
SELECT contacts.unmerge(:lead_merge);
SELECT merge_snapshot('{lead}') = snap AS restored FROM before_lead;

CREATE TABLE shop (id int, region text, name text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE shop_es PARTITION OF shop FOR VALUES IN ('ES');
CREATE TABLE shop_ar PARTITION OF shop FOR VALUES IN ('AR');
CREATE TABLE shop_visit (id int PRIMARY KEY, shop_id int, shop_region text,
                         FOREIGN KEY (shop_id, shop_region) REFERENCES shop);
INSERT INTO shop VALUES (1, 'ES', 'Centro'), (1, 'AR', NULL), (2, 'AR', 'Palermo');
INSERT INTO shop_visit VALUES (1, 1, 'ES'), (2, 1, 'AR'), (3, 2, 'AR');
CREATE TEMP TABLE before_shop AS SELECT merge_snapshot('{shop, shop_visit}') AS snap;
SELECT contacts.merge('shop', ROW(2, 'AR'), ARRAY[ROW(1, 'ES'), ROW(1, 'AR'), ROW(2, 'AR')]) AS shop_merge \gset
SELECT tableoid::regclass, * FROM shop ORDER BY id, region;
SELECT * FROM shop_visit ORDER BY id;
SELECT contacts.unmerge(:shop_merge);
SELECT merge_snapshot('{shop, shop_visit}') = snap AS restored FROM before_shop;

-- ---------------------------------------------------------------------------
-- Unmerge refuses when an exact restore is impossible
-- ---------------------------------------------------------------------------
TRUNCATE person;
INSERT INTO person (id, name, city) VALUES (10, NULL, NULL), (11, NULL, 'Oslo'), (12, 'Bo', 'Bergen');
SELECT contacts.merge('person', 10, ARRAY[10, 11]) AS m1 \gset
SELECT contacts.merge('person', 10, ARRAY[10, 12]) AS m2 \gset
SELECT id, name, city FROM person ORDER BY id;
-- the first merge's survivor was changed again by the second
SELECT * FROM merge_error('SELECT contacts.unmerge(' || :m1 || ')');
SELECT contacts.unmerge(:m2);
SELECT contacts.unmerge(:m2);
-- a later UPDATE also blocks it, until it is undone
UPDATE person SET city = 'Tromsø' WHERE id = 10;
SELECT contacts.unmerge(:m1);
UPDATE person SET city = 'Oslo' WHERE id = 10;
SELECT contacts.unmerge(:m1);
SELECT id, name, city FROM person ORDER BY id;
-- a merged-away key in use again
SELECT contacts.merge('person', 10, ARRAY[10, 11]) AS m3 \gset
INSERT INTO person (id, name) VALUES (11, 'someone else');
SELECT contacts.unmerge(:m3);
SELECT contacts.unmerge(-1);

-- ---------------------------------------------------------------------------
-- Errors
-- ---------------------------------------------------------------------------
CREATE TABLE heap_no_pk (id int, name text);
SELECT * FROM merge_error($$SELECT contacts.merge('heap_no_pk', 1, ARRAY[1, 2])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[11, 12])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 10])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 99])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, NULL])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', NULL::int, ARRAY[10, 11])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('account', 'ES', ARRAY['ES', 'AR'])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 11], '{"nope": "max"}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 11], '{"name": "newest"}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 11], '{"name": "union"}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 11], '{"city": "first_valid"}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 11], '{"id": "max"}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge('person', 10, ARRAY[10, 11], '[1]')$$);
CREATE VIEW person_view AS SELECT * FROM person;
SELECT * FROM merge_error($$SELECT contacts.merge('person_view', 10, ARRAY[10, 11])$$);
SELECT * FROM merge_error($$SELECT contacts.merge_configure('person', soft_delete_column => 'name')$$);
SELECT * FROM merge_error($$SELECT contacts.merge_configure('person', updated_at_column => 'no such column')$$);
-- nothing was left behind by the failed calls
SELECT count(*) AS config_rows FROM contacts.merge_config WHERE tbl = 'person'::regclass;

-- ---------------------------------------------------------------------------
-- Batch merge of clusters
-- ---------------------------------------------------------------------------
TRUNCATE person;
INSERT INTO person (id, name, city) SELECT g, 'p' || g % 5, NULL FROM generate_series(1, 20) g;
SET client_min_messages = warning;	-- progress notices carry timings
CREATE TABLE person_cluster AS SELECT 'c' || id % 5 AS cluster, id AS person_id, 0.5 + (id % 5) / 10.0 AS probability FROM person;
CALL contacts.merge_clusters('person',
    'SELECT cluster AS cluster_id, person_id AS member_key FROM person_cluster WHERE probability >= 0.7',
    batch_size => 2, reason => 'batch');
SELECT id, name FROM person ORDER BY id;
SELECT cluster_id, merge_id IS NOT NULL AS merged, error FROM contacts.merge_batch_cluster ORDER BY 1;
SELECT batch_name, tbl, finished_at IS NOT NULL AS finished FROM contacts.merge_batch;
-- running it again resumes: nothing left to do
CALL contacts.merge_clusters('person',
    'SELECT cluster AS cluster_id, person_id AS member_key FROM person_cluster WHERE probability >= 0.7',
    batch_size => 2, reason => 'batch');
-- a cancel (simulated: a trigger raises query_canceled while merging
-- cluster k3) keeps the batches committed before it; calling again resumes
INSERT INTO person (id, name) SELECT g, 'q' || g % 4 FROM generate_series(101, 124) g;
CREATE TABLE cancel_once (armed boolean);
INSERT INTO cancel_once VALUES (true);
-- (qualified: merge runs triggers under search_path = pg_catalog, pg_temp)
CREATE FUNCTION cancel_in_k3() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.id % 4 = 3 AND (SELECT armed FROM public.cancel_once) THEN
        RAISE EXCEPTION 'canceling statement due to user request' USING ERRCODE = 'query_canceled';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER cancel_in_k3 BEFORE DELETE ON person FOR EACH ROW EXECUTE FUNCTION cancel_in_k3();
\set SHOW_CONTEXT never
CALL contacts.merge_clusters('person',
    'SELECT ''k'' || person_id % 4 AS cluster_id, person_id AS member_key FROM generate_series(101, 124) person_id',
    batch_size => 1, batch_name => 'cancelled');
\set SHOW_CONTEXT errors
SELECT cluster_id, merge_id IS NOT NULL AS merged FROM contacts.merge_batch_cluster
 WHERE batch_name = 'cancelled' ORDER BY 1;
UPDATE cancel_once SET armed = false;
CALL contacts.merge_clusters('person',
    'SELECT ''k'' || person_id % 4 AS cluster_id, person_id AS member_key FROM generate_series(101, 124) person_id',
    batch_size => 1, batch_name => 'cancelled');
SELECT cluster_id, merge_id IS NOT NULL AS merged FROM contacts.merge_batch_cluster
 WHERE batch_name = 'cancelled' ORDER BY 1;
SELECT id, name FROM person WHERE id > 100 ORDER BY id;
DROP TRIGGER cancel_in_k3 ON person;

-- a cluster that fails is recorded and skipped
CALL contacts.merge_clusters('person',
    'SELECT 1 AS cluster_id, x AS member_key FROM unnest(ARRAY[1, 999]) x', batch_name => 'broken');
SELECT cluster_id, merge_id, error FROM contacts.merge_batch_cluster WHERE batch_name = 'broken';
CALL contacts.merge_clusters('person', 'SELECT 1 AS cluster_id, 2 AS member_key', batch_name => 'broken');
RESET client_min_messages;

-- ---------------------------------------------------------------------------
-- Rules that are not JSON strings: a clear error, never a crash
-- ---------------------------------------------------------------------------
CREATE TABLE rule_target (id int PRIMARY KEY, name text);
INSERT INTO rule_target VALUES (1, 'a'), (2, 'b');
SELECT * FROM merge_error($$SELECT * FROM contacts.merge_rules('rule_target', '{"name": null}')$$);
SELECT * FROM merge_error($$SELECT * FROM contacts.merge_rules('rule_target', '{"name": 1}')$$);
SELECT * FROM merge_error($$SELECT * FROM contacts.merge_rules('rule_target', '{"name": {"rule": "max"}}')$$);
SELECT * FROM merge_error($$SELECT * FROM contacts.merge_rules('rule_target', '{"name": ["max"]}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge_configure('rule_target', '{"name": null}')$$);
SELECT * FROM merge_error($$SELECT contacts.merge('rule_target', 1, ARRAY[1, 2], '{"name": null}')$$);
-- a bad configuration stored around merge_configure fails the merge cleanly
INSERT INTO contacts.merge_config (tbl, rules) VALUES ('rule_target', '{"name": false}');
SELECT * FROM merge_error($$SELECT contacts.merge('rule_target', 1, ARRAY[1, 2])$$);
DELETE FROM contacts.merge_config WHERE tbl = 'rule_target'::regclass;
SELECT * FROM rule_target ORDER BY id;

-- ---------------------------------------------------------------------------
-- OIDs that are no table: 42P01, never an internal error
-- ---------------------------------------------------------------------------
CREATE FUNCTION merge_error_masked(sql text) RETURNS TABLE (field text, value text)
LANGUAGE sql AS $$
    SELECT field, regexp_replace(value, 'OID \d+', 'OID n') FROM merge_error(sql)
$$;
SELECT * FROM merge_error($$SELECT contacts.merge(0::regclass, 1, ARRAY[1, 2])$$);
SELECT * FROM merge_error($$SELECT contacts.merge('pg_class_oid_index', 1, ARRAY[1, 2])$$);
SELECT * FROM merge_error($$SELECT * FROM contacts.merge_rules('pg_class_oid_index')$$);
CREATE SEQUENCE merge_seq;
SELECT * FROM merge_error_masked($$SELECT contacts.merge('merge_seq', 1, ARRAY[1, 2])$$);
SELECT * FROM merge_error_masked($$SELECT * FROM contacts.merge_rules('merge_seq')$$);
CREATE TABLE dropped_soon (id int PRIMARY KEY, name text);
INSERT INTO dropped_soon VALUES (1, NULL), (2, 'x');
SELECT 'dropped_soon'::regclass::oid AS dropped_oid, contacts.merge('dropped_soon', 1, ARRAY[1, 2]) AS dropped_merge \gset
DROP TABLE dropped_soon;
SELECT * FROM merge_error_masked('SELECT contacts.merge(' || :dropped_oid || '::oid::regclass, 1, ARRAY[1, 2])');
SELECT * FROM merge_error_masked('SELECT * FROM contacts.merge_rules(' || :dropped_oid || '::oid::regclass)');
SELECT * FROM merge_error_masked('SELECT contacts.unmerge(' || :dropped_merge || ')');

-- ---------------------------------------------------------------------------
-- search_path: an operator planted on the caller's path captures nothing
-- ---------------------------------------------------------------------------
CREATE ROLE regress_merge_attacker;
GRANT CREATE ON SCHEMA public TO regress_merge_attacker;
SET ROLE regress_merge_attacker;
-- it would make its owner superuser when a superuser evaluates it
CREATE FUNCTION public.evil(varchar, varchar) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE NOTICE 'evil(%, %) called by %', $1, $2, current_user;
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
        ALTER ROLE regress_merge_attacker SUPERUSER;
    END IF;
    RETURN $1::text OPERATOR(pg_catalog.=) $2::text;
END
$$;
CREATE OPERATOR public.= (LEFTARG = varchar, RIGHTARG = varchar, FUNCTION = public.evil);
-- an unqualified comparison of varchar values under this path takes it
SET search_path = public, pg_catalog;
SELECT 'a'::varchar = 'a'::varchar AS captured;
RESET search_path;
RESET ROLE;

CREATE TABLE vendor (code varchar(10) PRIMARY KEY, name text, parent varchar(10) REFERENCES vendor);
CREATE TABLE vendor_order (id int PRIMARY KEY, vendor_code varchar(10) REFERENCES vendor, item varchar(10),
                           UNIQUE (vendor_code, item));
INSERT INTO vendor VALUES ('A', NULL, NULL), ('B', 'Acme', NULL), ('C', 'Acme Inc', 'B');
INSERT INTO vendor_order VALUES (1, 'A', 'bolts'), (2, 'B', 'bolts'), (3, 'B', 'nuts'), (4, 'C', 'nuts');
-- keys of a type from another schema: contacts.email
CREATE TABLE mailbox (addr contacts.email PRIMARY KEY, owner text);
CREATE TABLE mail (id int PRIMARY KEY, box contacts.email REFERENCES mailbox);
INSERT INTO mailbox VALUES ('ana@example.com', NULL), ('ANA@example.org', 'Ana');
INSERT INTO mail VALUES (1, 'ana@example.com'), (2, 'ana@example.org');
CREATE TEMP TABLE before_vendor AS SELECT merge_snapshot('{vendor, vendor_order, mailbox, mail}') AS snap;

SET search_path = public, pg_catalog;
SELECT * FROM contacts.merge_rules('vendor');
SELECT contacts.merge('vendor', 'A'::varchar, ARRAY['A', 'B', 'C']::varchar[]) AS vendor_merge \gset
SELECT * FROM vendor ORDER BY code;
SELECT * FROM vendor_order ORDER BY id;
SELECT * FROM merge_error($$SELECT contacts.merge('vendor', 'A'::varchar, ARRAY['A', 'Z']::varchar[])$$);
SELECT contacts.merge('mailbox', 'ana@example.com'::contacts.email,
                      ARRAY['ana@example.com', 'ana@example.org']::contacts.email[]) AS mailbox_merge \gset
SELECT * FROM mailbox;
SELECT * FROM mail ORDER BY id;
SELECT contacts.unmerge(:mailbox_merge);
SELECT contacts.unmerge(:vendor_merge);
RESET search_path;
SELECT merge_snapshot('{vendor, vendor_order, mailbox, mail}') = snap AS restored FROM before_vendor;
SELECT rolsuper AS attacker_is_superuser FROM pg_roles WHERE rolname = 'regress_merge_attacker';

-- ---------------------------------------------------------------------------
-- Roles: the caller's privileges on every table touched, checked first
-- ---------------------------------------------------------------------------
CREATE ROLE regress_merge_owner;
CREATE ROLE regress_merge_writer;	-- INSERT and UPDATE only
CREATE ROLE regress_merge_reader;	-- SELECT only
CREATE ROLE regress_merge_stranger;	-- nothing
CREATE ROLE regress_merge_partial;	-- the table, but not the table referencing it
CREATE TABLE crm_contact (id int PRIMARY KEY, name text);
CREATE TABLE crm_note (id int PRIMARY KEY, contact_id int REFERENCES crm_contact, body text);
INSERT INTO crm_contact VALUES (1, 'Ana'), (2, NULL), (3, 'Bo');
INSERT INTO crm_note VALUES (1, 2, 'called');
ALTER TABLE crm_contact OWNER TO regress_merge_owner;
ALTER TABLE crm_note OWNER TO regress_merge_owner;
GRANT INSERT, UPDATE ON crm_contact, crm_note TO regress_merge_writer;
GRANT SELECT ON crm_contact, crm_note TO regress_merge_reader;
GRANT SELECT, UPDATE, DELETE, INSERT ON crm_contact TO regress_merge_partial;

SET ROLE regress_merge_stranger;
SELECT * FROM merge_error($$SELECT contacts.merge('crm_contact', 1, ARRAY[1, 2])$$);
SELECT * FROM merge_error($$SELECT * FROM contacts.merge_rules('crm_contact')$$);
SET ROLE regress_merge_writer;
SELECT * FROM merge_error($$SELECT contacts.merge('crm_contact', 1, ARRAY[1, 2])$$);
SET ROLE regress_merge_reader;
SELECT * FROM contacts.merge_rules('crm_contact');
SELECT * FROM merge_error($$SELECT contacts.merge('crm_contact', 1, ARRAY[1, 2])$$);
SET ROLE regress_merge_partial;
SELECT * FROM merge_error($$SELECT contacts.merge('crm_contact', 1, ARRAY[1, 2])$$);
RESET ROLE;
-- nothing was changed by the refused merges
SELECT count(*) AS crm_merges FROM contacts.merge_log WHERE tbl = 'crm_contact'::regclass;
SELECT * FROM crm_note;

-- the owner (no superuser) merges, as itself
SET ROLE regress_merge_owner;
SELECT contacts.merge('crm_contact', 1, ARRAY[1, 2]) AS crm_merge \gset
SELECT * FROM crm_contact ORDER BY id;
SELECT * FROM crm_note;
SET ROLE regress_merge_reader;
SELECT * FROM merge_error('SELECT contacts.unmerge(' || :crm_merge || ')');
SET ROLE regress_merge_partial;
SELECT * FROM merge_error('SELECT contacts.unmerge(' || :crm_merge || ')');
SET ROLE regress_merge_owner;
SELECT contacts.unmerge(:crm_merge);
SELECT * FROM crm_contact ORDER BY id;
SELECT * FROM crm_note;
RESET ROLE;
SELECT merged_by, unmerged_by FROM contacts.merge_log WHERE merge_id = :crm_merge;

DROP TABLE crm_note, crm_contact, vendor_order, vendor, mail, mailbox;
DROP OWNED BY regress_merge_attacker, regress_merge_owner, regress_merge_writer,
              regress_merge_reader, regress_merge_stranger, regress_merge_partial;
DROP ROLE regress_merge_attacker, regress_merge_owner, regress_merge_writer,
          regress_merge_reader, regress_merge_stranger, regress_merge_partial;

-- a unique index mixing a foreign key column and an expression is refused
-- before anything changes
CREATE TABLE topic (id int PRIMARY KEY);
CREATE TABLE topic_label (topic_id int REFERENCES topic, label text);
CREATE UNIQUE INDEX topic_label_lower ON topic_label (topic_id, lower(label));
INSERT INTO topic VALUES (1), (2);
INSERT INTO topic_label VALUES (1, 'News'), (2, 'news');
SELECT * FROM merge_error($$SELECT contacts.merge('topic', 1, ARRAY[1, 2])$$);
SELECT * FROM topic_label ORDER BY topic_id;

-- with a soft-delete column, merge and unmerge need no DELETE
CREATE ROLE regress_merge_flagger;
CREATE TABLE flagged (id int PRIMARY KEY, name text, gone boolean NOT NULL DEFAULT false);
INSERT INTO flagged VALUES (1, NULL, false), (2, 'Eva', false);
GRANT SELECT, UPDATE ON flagged TO regress_merge_flagger;
SET ROLE regress_merge_flagger;
SELECT * FROM merge_error($$SELECT contacts.merge('flagged', 1, ARRAY[1, 2])$$);
RESET ROLE;
SELECT contacts.merge_configure('flagged', soft_delete_column => 'gone');
SET ROLE regress_merge_flagger;
SELECT contacts.merge('flagged', 1, ARRAY[1, 2]) AS flagged_merge \gset
SELECT * FROM flagged ORDER BY id;
SELECT contacts.unmerge(:flagged_merge);
SELECT * FROM flagged ORDER BY id;
RESET ROLE;
DROP TABLE flagged;
DROP OWNED BY regress_merge_flagger;
DROP ROLE regress_merge_flagger;
