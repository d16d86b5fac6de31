-- Merging duplicates, and undoing it.  The generator's ground truth
-- (truth_id) says which rows are the same person; a real run would take the
-- clusters of a dedupe run instead.
\pset pager off

-- Activities that reference contacts: a merge moves them to the survivor.
DROP TABLE IF EXISTS crm_activity;
CREATE TABLE crm_activity (
    id          bigserial PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES crm_contacts,
    kind        text
);
CREATE INDEX ON crm_activity (contact_id);
INSERT INTO crm_activity (contact_id, kind)
SELECT id, (ARRAY['call', 'email', 'meeting'])[1 + id % 3] FROM crm_contacts WHERE id % 3 <> 0;

-- Consent must follow the latest record, and the longest name is the most
-- complete one; everything else keeps the defaults.
SELECT contacts.merge_configure('crm_contacts', '{"consent": "most_recent", "full_name": "longest"}');
SELECT * FROM contacts.merge_rules('crm_contacts');

-- Three groups of duplicates.
CREATE TEMP TABLE demo_group AS
SELECT truth_id, array_agg(id ORDER BY updated_at DESC NULLS LAST, id) AS ids
  FROM crm_contacts GROUP BY truth_id HAVING count(*) = 3
 ORDER BY truth_id LIMIT 3;
SELECT g.truth_id, c.id, c.full_name, c.email, c.phone, c.city, c.consent, c.updated_at::date,
       (SELECT count(*) FROM crm_activity a WHERE a.contact_id = c.id) AS activities
  FROM demo_group g JOIN crm_contacts c ON c.id = ANY (g.ids) ORDER BY g.truth_id, c.updated_at DESC;

-- Merge each group into its most recently updated row.
SELECT truth_id, contacts.merge('crm_contacts', ids[1], ids, reason => 'demo: same truth_id') AS merge_id
  FROM demo_group ORDER BY truth_id;
SELECT g.truth_id, c.id, c.full_name, c.email, c.phone, c.city, c.consent, c.updated_at::date,
       (SELECT count(*) FROM crm_activity a WHERE a.contact_id = c.id) AS activities
  FROM demo_group g JOIN crm_contacts c ON c.id = ANY (g.ids) ORDER BY g.truth_id;

-- The log: who merged what, when and why, and every row changed, deleted or repointed.
SELECT merge_id, survivor, members, merged_by, merged_at::time(0), reason FROM contacts.merge_log ORDER BY merge_id;
SELECT merge_id, tbl, action, before->>'id' AS id, before->>'contact_id' AS contact_before,
       after->>'contact_id' AS contact_after, left(before->>'full_name', 24) AS name_before,
       left(after->>'full_name', 24) AS name_after
  FROM contacts.merge_log_row ORDER BY row_id LIMIT 15;

-- Undo the first merge: the three rows and their activities are back.
SELECT contacts.unmerge(min(merge_id)) AS rows_restored FROM contacts.merge_log;
SELECT g.truth_id, c.id, c.full_name, c.email, c.phone, c.consent,
       (SELECT count(*) FROM crm_activity a WHERE a.contact_id = c.id) AS activities
  FROM demo_group g JOIN crm_contacts c ON c.id = ANY (g.ids)
 WHERE g.truth_id = (SELECT min(truth_id) FROM demo_group) ORDER BY c.id;

-- A merged row that changed since cannot be restored exactly: unmerge refuses.
CREATE TEMP TABLE demo_changed AS
SELECT id, city FROM crm_contacts
 WHERE id = (SELECT (survivor->>'id')::bigint FROM contacts.merge_log WHERE unmerged_at IS NULL ORDER BY merge_id LIMIT 1);
UPDATE crm_contacts c SET city = 'Somewhere else' FROM demo_changed d WHERE c.id = d.id;
\set ON_ERROR_STOP 0
SELECT contacts.unmerge(merge_id) FROM contacts.merge_log WHERE unmerged_at IS NULL ORDER BY merge_id LIMIT 1;
\set ON_ERROR_STOP 1

-- Batch: every ground-truth cluster of a copy of the base, committed every
-- 500 clusters, with progress; running it again resumes where it stopped.
DROP TABLE IF EXISTS crm_contacts_copy;
CREATE TABLE crm_contacts_copy AS SELECT * FROM crm_contacts;
ALTER TABLE crm_contacts_copy ADD PRIMARY KEY (id);
SELECT count(*) AS contacts, count(DISTINCT truth_id) AS people FROM crm_contacts_copy;
CALL contacts.merge_clusters('crm_contacts_copy',
    'SELECT truth_id AS cluster_id, id AS member_key FROM crm_contacts_copy', batch_size => 500,
    reason => 'demo batch', batch_name => 'demo');
SELECT count(*) AS contacts, count(DISTINCT truth_id) AS people FROM crm_contacts_copy;
SELECT count(*) FILTER (WHERE merge_id IS NOT NULL) AS merged, count(*) FILTER (WHERE error IS NOT NULL) AS failed,
       count(*) FILTER (WHERE merge_id IS NULL AND error IS NULL) AS single
  FROM contacts.merge_batch_cluster WHERE batch_name = 'demo';

-- Leave the base as it was for the next steps.
DROP TABLE crm_contacts_copy;
UPDATE crm_contacts c SET city = d.city FROM demo_changed d WHERE c.id = d.id;
SELECT contacts.unmerge(merge_id) AS rows_restored FROM contacts.merge_log
 WHERE unmerged_at IS NULL AND tbl = 'crm_contacts'::regclass ORDER BY merge_id DESC;
DROP TABLE crm_activity;
DELETE FROM contacts.merge_config WHERE tbl = 'crm_contacts'::regclass;
