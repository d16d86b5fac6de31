--
-- The public API's names: one verb order, and no collision with the contrib
-- modules a contact database is likely to have beside contacts, under any
-- search_path order.
--
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS citext;

-- Function names of contacts that another installed extension or the
-- system catalog also defines: none, so no search_path order can pick the
-- wrong one.
WITH member AS (
    SELECT e.extname, p.proname, p.pronamespace
    FROM pg_depend d
    JOIN pg_extension e ON e.oid = d.refobjid
    JOIN pg_proc p ON p.oid = d.objid
    WHERE d.classid = 'pg_proc'::regclass AND d.refclassid = 'pg_extension'::regclass
      AND d.deptype = 'e')
SELECT c.proname, o.extname AS also_in
FROM member c JOIN member o ON o.proname = c.proname AND o.extname <> 'contacts'
WHERE c.extname = 'contacts'
UNION ALL
SELECT c.proname, 'pg_catalog'
FROM member c JOIN pg_proc p ON p.proname = c.proname AND p.pronamespace = 'pg_catalog'::regnamespace
WHERE c.extname = 'contacts'
UNION ALL
-- pg_similarity (not packaged for every server version): its function names
SELECT c.proname, 'pg_similarity'
FROM member c
WHERE c.extname = 'contacts'
  AND c.proname IN ('block', 'cosine', 'dice', 'euclidean', 'hamming', 'hamming_text', 'jaccard',
                    'jaro', 'jarowinkler', 'lev', 'levslow', 'matchingcoefficient', 'mongeelkan',
                    'needlemanwunsch', 'overlapcoefficient', 'qgram', 'smithwaterman',
                    'smithwatermangotoh', 'soundex')
ORDER BY 1, 2;

-- So either order gives each module its own answer.
SET search_path = public, contacts;
SELECT levenshtein('JOSÉ', 'jose') AS fuzzystrmatch, levenshtein_distance('JOSÉ', 'jose') AS contacts,
       round(similarity('José Pérez', 'jose perez')::numeric, 2) AS pg_trgm,
       round(name_similarity('José Pérez', 'jose perez')::numeric, 2) AS contacts_names;
SET search_path = contacts, public;
SELECT levenshtein('JOSÉ', 'jose') AS fuzzystrmatch, levenshtein_distance('JOSÉ', 'jose') AS contacts;
RESET search_path;

-- One verb order: a value's functions are named noun first (email_normalize,
-- name_normalize, phone_parse, date_parse); verbs lead only for actions on
-- tables (configure, import, merge, ...).
SELECT p.proname
FROM pg_proc p
JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'contacts'
WHERE p.proname ~ '^(normalize|parse|check|valid|format)_' OR p.proname ~ '_in_region$'
ORDER BY 1;

DROP EXTENSION citext;
DROP EXTENSION unaccent;
DROP EXTENSION pg_trgm;
DROP EXTENSION fuzzystrmatch;
