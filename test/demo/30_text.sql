-- Folding, similarity and phonetic keys on the CRM's names.
\pset pager off

-- The same person typed differently gets one fold() key.
SELECT contacts.fold(full_name) AS key, count(*) AS records,
       string_agg(DISTINCT full_name, ' | ') AS typed_as
FROM crm_contacts
WHERE full_name IS NOT NULL
GROUP BY 1
HAVING count(DISTINCT full_name) > 1
ORDER BY count(DISTINCT full_name) DESC, key
LIMIT 10;

-- Records of one real person whose keys still differ: how close they are.
SELECT a.full_name AS a, b.full_name AS b,
       contacts.levenshtein_distance(a.full_name, b.full_name) AS lev,
       round(contacts.jaro_winkler_similarity(a.full_name, b.full_name)::numeric, 3) AS jw,
       round(contacts.token_set_similarity(a.full_name, b.full_name)::numeric, 3) AS tset,
       contacts.phonetic_es(a.full_name) = contacts.phonetic_es(b.full_name) AS same_es
FROM crm_contacts a
JOIN crm_contacts b ON b.truth_id = a.truth_id AND b.id > a.id
WHERE contacts.fold(a.full_name) <> contacts.fold(b.full_name)
ORDER BY a.id, b.id
LIMIT 12;

-- Spanish phonetic keys group spellings that sound alike.
SELECT contacts.phonetic_es(family_name) AS key,
       string_agg(DISTINCT family_name, ', ' ORDER BY family_name) AS spellings
FROM crm_contacts
WHERE family_name IS NOT NULL
GROUP BY 1
HAVING count(DISTINCT contacts.fold(family_name)) > 1
ORDER BY count(DISTINCT family_name) DESC, key
LIMIT 10;
