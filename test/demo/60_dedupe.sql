-- Finding duplicates: tell the extension which column is which, run the
-- dedupe, and look at what it found and why.
\pset pager off
-- (the configuration is the one triggers and imports use too)
SELECT contacts.configure('crm_contacts', 'id',
    '{"full_name": "full_name", "given_name": "given_name", "family_name": "family_name",
      "email": "email", "phone": "phone", "company": "company", "city": "city",
      "postcode": "postcode", "birth_date": "birth_date", "national_id": "national_id",
      "region": "country"}');

SELECT contacts.dedupe_run('crm_contacts') AS run \gset

-- the run: candidate pairs per blocking rule, time per phase, clusters
SELECT records, candidate_pairs, round(reduction_ratio::numeric, 6) AS reduction_ratio,
       pairs_above_threshold, clusters, records_in_clusters, cluster_sizes, seconds
FROM contacts.dedupe_runs WHERE run_id = :run \gx

-- a few clusters with their members as typed
SELECT c.cluster_id, c.key, p.full_name, p.email, p.phone, p.company, p.birth_date
FROM contacts.dedupe_clusters c JOIN crm_contacts p ON p.id = c.key
WHERE c.run_id = :run AND c.cluster_id IN (
    SELECT cluster_id FROM contacts.dedupe_clusters WHERE run_id = :run AND cluster_size >= 3
    ORDER BY cluster_id LIMIT 3)
ORDER BY c.cluster_id, c.key;

-- why two records match: the level each column reached and its weight
SELECT key_a, key_b, round(probability::numeric, 6) AS probability, f.key AS column_name,
       f.value ->> 'level' AS level, f.value ->> 'weight' AS weight
FROM (SELECT * FROM contacts.dedupe_pairs WHERE run_id = :run
      ORDER BY probability, key_a LIMIT 1) p, jsonb_each(p.explanation) f
ORDER BY (f.value ->> 'weight')::float8 DESC;

-- the model (estimated by EM from the table when it has enough candidate
-- pairs, else the starting values): agreeing on a phone number is strong
-- evidence, on a city weak
SELECT d.col, k.kind, round(m[1]::numeric, 3) AS m_exact, round(u[1]::numeric, 5) AS u_exact,
       round(log(2, (m[1] / u[1])::numeric), 1) AS weight_exact
FROM contacts.dedupe_model d JOIN contacts.column_kind k USING (tbl, col)
WHERE d.tbl = 'crm_contacts'::regclass ORDER BY d.col;

-- how good is it? the generator knows the truth
WITH truth AS (SELECT a.id AS a, b.id AS b FROM crm_contacts a JOIN crm_contacts b
               ON a.truth_id = b.truth_id AND a.id < b.id),
     found AS (SELECT key_a AS a, key_b AS b FROM contacts.dedupe_pairs WHERE run_id = :run),
     tp AS (SELECT count(*) AS n FROM found JOIN truth USING (a, b))
SELECT (SELECT count(*) FROM truth) AS true_pairs, (SELECT count(*) FROM found) AS found_pairs,
       round(tp.n::numeric / (SELECT count(*) FROM found), 4) AS precision,
       round(tp.n::numeric / (SELECT count(*) FROM truth), 4) AS recall
FROM tp;

-- a new contact arrives: who is it already?
SELECT m.key, round(m.probability::numeric, 4) AS probability, p.full_name, p.email, p.phone
FROM contacts.dedupe_match('crm_contacts',
       (SELECT jsonb_build_object('full_name', upper(full_name), 'email', email,
                                  'phone', phone, 'region', region)
        FROM crm_contacts WHERE email IS NOT NULL AND phone IS NOT NULL ORDER BY id LIMIT 1)) m
JOIN crm_contacts p ON p.id = m.key;

-- The run as pictures: a page a colleague can open (the model's weights,
-- the histogram of pair weights around the threshold, the blocking rules,
-- cluster sizes, and pairs near the threshold with both records), written
-- by psql's \o on this side of the connection: no superuser, no COPY TO
-- PROGRAM.  The report reads the run's stored results, not the table.
\set dedupe_page :report_dir '/dedupe_report.html'
\pset format unaligned
\pset tuples_only on
\o :dedupe_page
SELECT contacts.dedupe_report(:run);
\o
\echo wrote the dedupe report of run :run to :dedupe_page
-- the same figures as text, in psql
SELECT contacts.dedupe_report(:run, format => 'text');
\pset format aligned
\pset tuples_only off
