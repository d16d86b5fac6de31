-- Names, companies and national IDs on the CRM table: display forms,
-- parts, duplicate keys, and how name_similarity sees the planted duplicates.

-- Names as typed and their display form (only rows that change).
SELECT full_name, contacts.name_normalize(full_name) AS normalized
  FROM crm_contacts
 WHERE full_name IS DISTINCT FROM contacts.name_normalize(full_name)
 ORDER BY id LIMIT 12;

-- Given and family names recovered from the full name, beside the columns
-- the CRM also has, and how often they agree (accent- and case-insensitive).
SELECT full_name, (p).given_names, (p).family_names, (p).first_family, (p).second_family
  FROM (SELECT id, full_name, contacts.name_parts(full_name) AS p FROM crm_contacts) s
 ORDER BY id LIMIT 12;
SELECT count(*) AS with_both_columns,
       round(100.0 * avg((contacts.fold((p).given_names) = contacts.fold(given_name))::int), 1) AS given_agrees_pct,
       round(100.0 * avg((contacts.fold((p).family_names) = contacts.fold(family_name))::int), 1) AS family_agrees_pct
  FROM (SELECT given_name, family_name, contacts.name_parts(full_name) AS p FROM crm_contacts
         WHERE given_name <> '' AND family_name <> '') s;

-- Companies: how the spellings collapse under company_key.
SELECT contacts.company_key(company) AS key, count(*) AS rows,
       count(DISTINCT company) AS spellings,
       (array_agg(DISTINCT contacts.company_normalize(company)))[1:3] AS display_forms
  FROM crm_contacts
 WHERE company <> ''
 GROUP BY 1 ORDER BY spellings DESC, key LIMIT 12;
SELECT count(DISTINCT company) AS distinct_spellings,
       count(DISTINCT contacts.company_normalize(company)) AS distinct_display_forms,
       count(DISTINCT contacts.company_key(company)) AS distinct_keys
  FROM crm_contacts WHERE company <> '';

-- National IDs: validity per country, with the kind detected and the reasons.
SELECT region, contacts.national_id_kind(region, national_id) AS kind, count(*) AS ids,
       count(*) FILTER (WHERE contacts.national_id_valid(region, NULL, national_id)) AS valid,
       string_agg(DISTINCT contacts.national_id_check(region, NULL, national_id), ', ') AS reasons
  FROM crm_contacts
 WHERE national_id <> ''
 GROUP BY 1, 2 ORDER BY 1, 2;
-- (SQL does not promise the order of AND: the CASE makes normalizing wait
-- for the check, since national_id_normalize raises on an invalid number)
SELECT region, national_id, normalized
  FROM (SELECT id, region, national_id,
               CASE WHEN contacts.national_id_valid(region, NULL, national_id)
                    THEN contacts.national_id_normalize(region, NULL, national_id) END AS normalized
          FROM crm_contacts) c
 WHERE national_id <> normalized
 ORDER BY id LIMIT 8;
-- The normalized number as a duplicate key: people sharing one.
SELECT contacts.national_id_normalize(region, NULL, national_id) AS id_key,
       count(*) AS rows, count(DISTINCT truth_id) AS people, array_agg(full_name ORDER BY id) AS names
  FROM crm_contacts
 WHERE contacts.national_id_valid(region, NULL, national_id)
 GROUP BY region, 1 HAVING count(*) > 1
 ORDER BY rows DESC, id_key LIMIT 8;

-- name_similarity on pairs the generator knows are one person, and on
-- pairs of different people with the same family name.
WITH same AS (
    SELECT a.full_name AS a, b.full_name AS b
      FROM crm_contacts a JOIN crm_contacts b ON a.truth_id = b.truth_id AND a.id < b.id
     WHERE a.full_name <> b.full_name
), other AS (
    SELECT a.full_name AS a, b.full_name AS b
      FROM crm_contacts a JOIN crm_contacts b
        ON contacts.fold(a.family_name) = contacts.fold(b.family_name) AND a.truth_id < b.truth_id
     LIMIT 5000
)
SELECT 'same person' AS pairs, count(*), round(avg(contacts.name_similarity(a, b))::numeric, 3) AS mean,
       round(100.0 * avg((contacts.name_similarity(a, b) >= 0.8)::int), 1) AS pct_at_least_0_8
  FROM same
UNION ALL
SELECT 'different people, same family name', count(*), round(avg(contacts.name_similarity(a, b))::numeric, 3),
       round(100.0 * avg((contacts.name_similarity(a, b) >= 0.8)::int), 1)
  FROM other;
SELECT a.full_name AS a, b.full_name AS b, round(contacts.name_similarity(a.full_name, b.full_name)::numeric, 3) AS score
  FROM crm_contacts a JOIN crm_contacts b ON a.truth_id = b.truth_id AND a.id < b.id
 WHERE a.full_name <> b.full_name
 ORDER BY a.id LIMIT 15;
