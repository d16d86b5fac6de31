-- Reports of a dedupe run and of a table's health: structure, escaping,
-- and every figure equal to the stored results it summarizes.
\pset null '(null)'

-- a page is well-formed when its tags nest (void elements self-closed)
-- and it holds no entity but the five XML ones
CREATE FUNCTION rp_well_formed(page text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    m text[];
    stack text[] := '{}';
BEGIN
    IF page ~ '&(?!(amp|lt|gt|quot|#[0-9]+);)' THEN
        RETURN 'stray entity';
    END IF;
    FOR m IN SELECT regexp_matches(page, '<(/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>', 'g') LOOP
        IF m[3] LIKE '%/' THEN
            CONTINUE;
        ELSIF m[1] = '' THEN
            stack := stack || m[2];
        ELSIF cardinality(stack) = 0 OR stack[cardinality(stack)] <> m[2] THEN
            RETURN format('</%s> closes <%s>', m[2], stack[cardinality(stack)]);
        ELSE
            stack := stack[1:cardinality(stack) - 1];
        END IF;
    END LOOP;
    RETURN CASE WHEN cardinality(stack) = 0 THEN 'well-formed' ELSE 'unclosed ' || array_to_string(stack, ', ') END;
END $$;
-- the numbers a page carries in an attribute of the elements matching a pattern
CREATE FUNCTION rp_attr(page text, element text, attr text) RETURNS numeric[] LANGUAGE sql AS $$
SELECT coalesce(array_agg(m[1]::numeric), '{}')
  FROM regexp_matches(page, '<' || element || '[^>]*\s' || attr || '="([0-9.]+)"', 'g') m
$$;

CREATE TABLE rp_people (
    id          integer PRIMARY KEY,
    given_name  text,
    family_name text,
    email       text,
    phone       text,
    country     text,
    city        text
);
INSERT INTO rp_people VALUES
(1, 'José', 'Pérez García', 'jose.perez@gmail.com', '+34 612 345 678', 'ES', 'Madrid'),
(2, 'Pepe', 'Perez Garcia', 'joseperez@gmail.com', '612 34 56 78', 'ES', 'Madrid'),
(3, 'José', 'Pérez', NULL, '0034 612345678', 'ES', 'madrid'),
(4, 'William', 'Smith', 'wsmith@northwind.com', '(212) 555-0134', 'US', 'New York'),
(5, 'Bill', 'Smith', 'wsmith@northwind.com', '212.555.0134', 'US', 'New York'),
-- hostile input: markup in a name, its duplicate with an ampersand
(6, '<script>alert(1)</script>', 'O''Brien & "Sons"', 'mallory@evil.example', '+44 7912 345678', 'GB', 'London'),
(7, '<script>alert(2)</script>', 'O''Brien & "Sons"', 'mallory@evil.example', '07912 345678', 'GB', 'London'),
(8, 'Ana', 'Pérez García', 'ana.perez.garcia@yahoo.es', '+34 913 456 789', 'ES', 'Madrid'),
(9, 'Juan', 'Pérez García', 'jperez@telefonica.net', '+34 913 456 789', 'ES', 'Madrid'),
(10, 'William', 'Smith', 'bill.smith77@yahoo.com', '(305) 555-0199', 'US', 'Miami'),
(11, 'Carolina', 'Soto', 'not an email', '12345', 'CL', 'Valparaíso'),
(12, 'pedro', 'GÓMEZ', NULL, NULL, 'ES', NULL);

CREATE ROLE rp_owner;
CREATE ROLE rp_reader;
CREATE ROLE rp_stranger;
ALTER TABLE rp_people OWNER TO rp_owner;
GRANT SELECT ON rp_people TO rp_reader;
SELECT contacts.configure('rp_people', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "email": "email", "phone": "phone",
      "country": "country", "city": "city"}', required => '{family_name}');
-- (too few pairs for EM: the starting values; at 0.99 one pair, 8 and 9,
-- falls between the thresholds the report counts)
INSERT INTO contacts.dedupe_settings (tbl, em_iterations, threshold) VALUES ('rp_people', 0, 0.99);
SET client_min_messages = warning;
SET ROLE rp_owner;
SELECT contacts.dedupe_run('rp_people') AS run \gset
RESET ROLE;
RESET client_min_messages;

-- what the run kept for its report
SELECT threshold, weight_histogram ->> 'bin_width' AS bin_width,
       (SELECT sum((b ->> 'pairs')::bigint) FROM jsonb_array_elements(weight_histogram -> 'bins') b) = candidate_pairs
           AS histogram_counts_every_pair,
       (SELECT sum((v ->> 'pairs_found')::bigint) FROM jsonb_each(pairs_by_rule) r(k, v)) = pairs_above_threshold
           AS rules_found_every_pair,
       jsonb_array_length(nearby_thresholds) AS thresholds
FROM contacts.dedupe_runs WHERE run_id = :run;
-- each threshold: its pairs are those at or above it, the run's own agrees with the run
SELECT t.v ->> 'threshold' AS threshold, t.v ->> 'pairs' AS pairs, t.v ->> 'clusters' AS clusters,
       (t.v ->> 'threshold')::float8 = r.threshold AS runs,
       CASE WHEN (t.v ->> 'threshold')::float8 >= r.threshold
            THEN (t.v ->> 'pairs')::bigint = (SELECT count(*) FROM contacts.dedupe_pairs p
                                               WHERE p.run_id = r.run_id AND p.probability >= (t.v ->> 'threshold')::float8)
            ELSE (t.v ->> 'pairs')::bigint >= r.pairs_above_threshold END AS pairs_agree,
       CASE WHEN (t.v ->> 'threshold')::float8 = r.threshold
            THEN (t.v ->> 'clusters')::bigint = r.clusters
                 AND (t.v ->> 'pairs')::bigint = r.pairs_above_threshold END AS run_agrees,
       (t.v ->> 'pairs')::bigint >= coalesce(lag((t.v ->> 'pairs')::bigint) OVER (ORDER BY t.ord), 0) AS more_pairs_lower,
       t.v ->> 'clusters' IS NOT NULL AS counted
FROM contacts.dedupe_runs r, jsonb_array_elements(r.nearby_thresholds) WITH ORDINALITY t(v, ord)
WHERE r.run_id = :run ORDER BY t.ord;
-- the pairs near the threshold: the weakest at or above it are the stored
-- pairs of least probability; the strongest below it are below it; both
-- strongest first, explained
SELECT array_agg(concat_ws(' ', v ->> 'key_a', v ->> 'key_b', (v ->> 'probability')::float8, (v ->> 'weight')::float8)
                 ORDER BY ord) =
       (SELECT array_agg(concat_ws(' ', key_a, key_b, probability, weight) ORDER BY probability DESC, key_a, key_b)
          FROM (SELECT * FROM contacts.dedupe_pairs p WHERE p.run_id = :run
                 ORDER BY probability, key_a, key_b LIMIT 5) w) AS weakest_above,
       bool_and(v -> 'explanation' = (SELECT explanation FROM contacts.dedupe_pairs p WHERE p.run_id = :run
                                        AND p.key_a = (v ->> 'key_a')::bigint AND p.key_b = (v ->> 'key_b')::bigint))
           AS explained_alike
FROM contacts.dedupe_runs r, jsonb_array_elements(r.pairs_near_threshold -> 'above') WITH ORDINALITY x(v, ord)
WHERE r.run_id = :run;
SELECT (b ->> 'probability')::float8 < r.threshold AS below,
       (b ->> 'key_a')::bigint < (b ->> 'key_b')::bigint AS ordered,
       (SELECT count(*) FROM jsonb_object_keys(b -> 'explanation')) AS columns
FROM contacts.dedupe_runs r, jsonb_array_elements(r.pairs_near_threshold -> 'below') WITH ORDINALITY x(b, ord)
WHERE r.run_id = :run ORDER BY x.ord;
SELECT coalesce(bool_and((a ->> 'probability')::float8 >= (b ->> 'probability')::float8), true) AS strongest_first
FROM contacts.dedupe_runs r, jsonb_array_elements(r.pairs_near_threshold -> 'below') WITH ORDINALITY x(a, i)
JOIN jsonb_array_elements(r.pairs_near_threshold -> 'below') WITH ORDINALITY y(b, j) ON j = i + 1
WHERE r.run_id = :run;

-- the page, as a reader of the table sees it
SET ROLE rp_reader;
SELECT contacts.dedupe_report(:run) AS page \gset
RESET ROLE;
SELECT rp_well_formed(:'page'),
       :'page' LIKE '<!DOCTYPE html>%' AS doctype,
       length(:'page') < 200000 AS small,
       :'page' ~* '<script|<link|<img|@import|url\(|src=' AS fetches_or_runs,
       :'page' LIKE '%&lt;script&gt;alert(%' AS name_escaped,
       :'page' LIKE '%O&#39;Brien &amp; &quot;Sons&quot;%' AS quotes_escaped;
SELECT s[1] AS section FROM regexp_matches(:'page', '<section id="([a-z]+)"', 'g') s;
-- the figures equal the tables they summarize
SELECT (rp_attr(:'page', 'p class="summary"', 'data-candidate-pairs'))[1] = r.candidate_pairs AS summary,
       (SELECT sum(x) FROM unnest(rp_attr(:'page', 'rect class="bar count"[^>]*', 'data-pairs')) x) = r.candidate_pairs
           AS histogram_bars,
       (SELECT sum(x) FROM unnest(rp_attr(:'page', 'rect class="bar count"[^>]*', 'data-clusters')) x) = r.clusters
           AS cluster_bars,
       (SELECT sum(x) FROM unnest(rp_attr(:'page', 'td class="n"', 'data-found')) x) = r.pairs_above_threshold
           AS rule_found,
       (SELECT sum(x) FROM unnest(rp_attr(:'page', 'td class="n"', 'data-compared')) x) = r.candidate_pairs
           AS rule_compared,
       cardinality(regexp_split_to_array(:'page', '<svg class="chart model"')) - 1 =
           (SELECT count(*) FROM contacts.dedupe_model m WHERE m.tbl = r.tbl) AS model_charts,
       cardinality(regexp_split_to_array(:'page', '<rect class="bar (agree|disagree)" x="[0-9.]+" y="[0-9.]+" width="[0-9.]+" height="15">')) - 1 =
           (SELECT sum(array_length(m.m, 1)) FROM contacts.dedupe_model m WHERE m.tbl = r.tbl) AS model_bars,
       cardinality(regexp_split_to_array(:'page', '<div class="pair above"')) - 1 = least(5, r.pairs_above_threshold)
           AS pairs_above,
       cardinality(regexp_split_to_array(:'page', '<div class="pair below"')) - 1 = jsonb_array_length(r.pairs_near_threshold -> 'below')
           AS pairs_below
FROM contacts.dedupe_runs r WHERE r.run_id = :run;
-- the weakest pair above the threshold is shown, differing characters marked
SELECT :'page' LIKE '%data-key-a="' || key_a || '" data-key-b="' || key_b || '"%' AS weakest_shown
FROM contacts.dedupe_pairs WHERE run_id = :run ORDER BY probability, key_a LIMIT 1;
SELECT contacts.report_diff('Jon Smith', 'John Smith'), contacts.report_diff('<b>', '<i>'),
       contacts.report_diff('same', 'same'), contacts.report_diff(NULL, 'x&y'),
       contacts.report_diff('Smtih', 'Smith', false);
SELECT contacts.html_escape(E'<a href="x">O''Neil & co\x01</a>'), contacts.text_bar(3, 8, 8), contacts.text_bar(9, 8, 4);

-- the text form: the same sections, in 80 columns
SET ROLE rp_reader;
SELECT contacts.dedupe_report(:run, format => 'text') AS text \gset
RESET ROLE;
SELECT l AS too_long FROM regexp_split_to_table(:'text', E'\n') l WHERE length(l) > 80;
SELECT max(length(l)) <= 80 AS fits,
       bool_or(l LIKE 'MODEL:%') AS model, bool_or(l LIKE 'CANDIDATE PAIRS BY MATCH WEIGHT%') AS histogram,
       bool_or(l LIKE 'BLOCKING RULES%') AS blocking, bool_or(l LIKE 'CLUSTERS:%') AS clusters,
       bool_or(l LIKE 'PAIRS NEAR THE THRESHOLD%') AS pairs
FROM regexp_split_to_table(:'text', E'\n') l;

-- who may see it: a stranger sees no run; wrong arguments are named
SET ROLE rp_stranger;
\set VERBOSITY sqlstate
SELECT contacts.dedupe_report(:run);
\set VERBOSITY default
RESET ROLE;
SELECT contacts.dedupe_report(:run, 'pdf');
SELECT contacts.dedupe_report(-1);

-- health: per column, valid + invalid + not normalized + missing = rows
SET ROLE rp_reader;
SELECT contacts.health_report('rp_people') AS health \gset
SELECT contacts.health_report('rp_people', 'text') AS health_text \gset
RESET ROLE;
SELECT rp_well_formed(:'health'), :'health' LIKE '%&lt;script&gt;%' OR :'health' NOT LIKE '%script%' AS escaped;
SELECT s[1] AS section FROM regexp_matches(:'health', '<section id="([a-z]+)"', 'g') s;
SELECT substring(c FROM '^data-column="([a-z_]+)"') AS col,
       (SELECT sum(x[1]::numeric) FROM regexp_matches(split_part(c, '</svg>', 1), 'data-rows="([0-9]+)"', 'g') x) AS rows,
       (SELECT string_agg(x[1] || '=' || x[2], ' ') FROM regexp_matches(split_part(c, '</svg>', 1),
                'data-state="([a-z ]+)" data-rows="([0-9]+)"', 'g') x) AS states
FROM regexp_split_to_table(:'health', '<svg class="chart health" ') c WHERE c LIKE 'data-column=%';
-- invalid values agree with health()
SELECT h.check_name, h.column_name, h.affected,
       :'health' ~ ('data-column="' || h.column_name || '".*?data-state="invalid" data-rows="' || h.affected || '"') AS bar_agrees
FROM contacts.health('rp_people') h WHERE h.check_name LIKE 'invalid%' ORDER BY 1, 2;
SELECT split_part(:'health_text', E'\n', 1) AS heading;
SELECT l AS too_long FROM regexp_split_to_table(:'health_text', E'\n') l WHERE length(l) > 80;
SELECT max(length(l)) <= 80 AS fits,
       bool_or(l LIKE 'CHECKS%') AS checks
FROM regexp_split_to_table(:'health_text', E'\n') l;
SET ROLE rp_stranger;
SELECT contacts.health_report('rp_people');
RESET ROLE;

-- at a threshold no pair reaches, the pairs below it kept are the 5
-- strongest of all 7 (same model: no EM)
UPDATE contacts.dedupe_settings SET threshold = 0.9999999999 WHERE tbl = 'rp_people'::regclass;
SET client_min_messages = warning;
SET ROLE rp_owner;
SELECT contacts.dedupe_run('rp_people') AS high_run \gset
RESET ROLE;
RESET client_min_messages;
SELECT r.candidate_pairs, r.pairs_above_threshold, jsonb_array_length(r.pairs_near_threshold -> 'below') AS kept,
       (SELECT array_agg((v ->> 'key_a') || '-' || (v ->> 'key_b') ORDER BY ord)
          FROM jsonb_array_elements(r.pairs_near_threshold -> 'below') WITH ORDINALITY x(v, ord)) =
       (SELECT (array_agg(a || '-' || b ORDER BY p DESC, a, b))[1:5]
          FROM (SELECT key_a AS a, key_b AS b, probability AS p FROM contacts.dedupe_pairs WHERE run_id = :run
                UNION ALL
                SELECT (v ->> 'key_a')::bigint, (v ->> 'key_b')::bigint, (v ->> 'probability')::float8
                  FROM contacts.dedupe_runs o, jsonb_array_elements(o.pairs_near_threshold -> 'below') v
                 WHERE o.run_id = :run) every_pair) AS strongest_below
FROM contacts.dedupe_runs r WHERE r.run_id = :high_run;

-- a run that compared no pair, and a table without rows: still whole pages
CREATE TABLE rp_lonely (id integer PRIMARY KEY, full_name text, email text);
ALTER TABLE rp_lonely OWNER TO rp_owner;
INSERT INTO rp_lonely VALUES (1, 'Ana Soto', 'ana@example.com'), (2, 'Luis Vega', NULL);
SELECT contacts.configure('rp_lonely', 'id', '{"full_name": "full_name", "email": "email"}');
SET client_min_messages = warning;
SET ROLE rp_owner;
SELECT contacts.dedupe_run('rp_lonely') AS lonely_run \gset
RESET client_min_messages;
SELECT candidate_pairs, weight_histogram, nearby_thresholds -> 3 AS at_threshold, pairs_near_threshold
FROM contacts.dedupe_runs WHERE run_id = :lonely_run;
SELECT rp_well_formed(contacts.dedupe_report(:lonely_run)),
       contacts.dedupe_report(:lonely_run, 'text') LIKE '%CLUSTERS: 0 of 0 records, 0 flagged%' AS text_form;
DELETE FROM rp_lonely;
SELECT rp_well_formed(contacts.health_report('rp_lonely')),
       contacts.health_report('rp_lonely', 'text') LIKE 'HEALTH OF public.rp_lonely: 0 rows%' AS text_form;
RESET ROLE;

DROP TABLE rp_people, rp_lonely;
DROP FUNCTION rp_well_formed(text);
DROP FUNCTION rp_attr(text, text, text);
DROP ROLE rp_owner, rp_reader, rp_stranger;
