-- Fuzzy name search with an index: find contacts the way people type them.
\pset pager off
SET search_path = public, contacts;

-- One index on the plain column: no wrapper function, no lower(), no unaccent().
CREATE INDEX crm_contacts_full_name_fuzzy ON crm_contacts USING gin (full_name contacts.name_gin_ops);
ANALYZE crm_contacts;

-- What the index compares: the folded, phonetically spelled, sorted tokens.
SELECT full_name, name_search_key(full_name) AS key
FROM crm_contacts WHERE id IN (SELECT min(id) FROM crm_contacts GROUP BY truth_id ORDER BY 1 LIMIT 6)
ORDER BY id;

-- Lookups as typed at a front desk: misspelled, unaccented, surname first.
SELECT q AS typed, full_name AS found, round((full_name <~> q)::numeric, 2) AS distance
FROM (VALUES ('jenifer anderson'), ('GUTIERRES GONZALES, VICTORIA'), ('ruben romero aguero'),
             ('Cizneros Ruiz, Marta')) v(q),
     LATERAL (SELECT full_name FROM crm_contacts
              WHERE full_name %~ q ORDER BY full_name <~> q, id LIMIT 3) top
ORDER BY q, distance;

-- The plan: a bitmap scan of the GIN index, then the top 3 by distance.
EXPLAIN (COSTS OFF)
SELECT full_name FROM crm_contacts
WHERE full_name %~ 'ruben romero aguero' ORDER BY full_name <~> 'ruben romero aguero' LIMIT 3;

-- The generator knows which records are the same person (truth_id): for
-- every record of a person with several, is another of their records among
-- the 10 nearest names?
SELECT count(*) AS records_with_duplicates,
       round(100.0 * avg((SELECT count(*) > 0
                          FROM (SELECT n.truth_id FROM crm_contacts n
                                WHERE n.full_name %~ c.full_name AND n.id <> c.id
                                ORDER BY n.full_name <~> c.full_name LIMIT 10) top
                          WHERE top.truth_id = c.truth_id)::int), 1) AS "found in top 10 (%)"
FROM crm_contacts c
WHERE c.full_name IS NOT NULL
  AND (SELECT count(*) FROM crm_contacts d WHERE d.truth_id = c.truth_id AND d.full_name IS NOT NULL) > 1;

-- The threshold trades recall for speed: how many names match one query.
SET contacts.name_similarity_threshold = 0.3;
SELECT count(*) AS "matches at 0.3" FROM crm_contacts WHERE full_name %~ 'maria lopez';
SET contacts.name_similarity_threshold = 0.5;
SELECT count(*) AS "matches at 0.5" FROM crm_contacts WHERE full_name %~ 'maria lopez';
SET contacts.name_similarity_threshold = 0.7;
SELECT count(*) AS "matches at 0.7" FROM crm_contacts WHERE full_name %~ 'maria lopez';
RESET contacts.name_similarity_threshold;
