-- Blocking chosen from the table: the candidate rules of the configured
-- columns, their pair counts before anything is compared, the plan within
-- max_pairs, degenerate columns, the DBA's rules, and the identifier kind.
\pset null '(null)'
SET client_min_messages = warning;
\set SHOW_CONTEXT never

-- the identifier kind: upper-case alphanumerics, one edit is a level of its own
SELECT contacts.match_key('identifier', ' ab-0012 345 ') AS key,
       contacts.match_key('identifier', '---') IS NULL AS empty_is_null;
SELECT level, level_name FROM contacts.dedupe_levels() WHERE kind = 'identifier' ORDER BY level;

CREATE ROLE dp_owner;
CREATE ROLE dp_reader;
CREATE SCHEMA dp AUTHORIZATION dp_owner;
GRANT USAGE ON SCHEMA dp TO dp_reader;
-- what a statement gives: ok, or the SQLSTATE and message
CREATE FUNCTION public.dp_try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SET ROLE dp_owner;

-- 40 people, each twice: the second typed with one error (a typo in the
-- family name, the member number's digits transposed, the names swapped,
-- the birth date's day and month swapped) and 10 people once.
CREATE TABLE dp.members (id integer PRIMARY KEY, person integer, given text, family text,
                         postcode text, born text, member_no text);
INSERT INTO dp.members
SELECT p, p,
       (ARRAY['Ana', 'Juan', 'María', 'Luis', 'Carmen', 'José', 'Lucía', 'Pedro', 'Elena', 'Jorge'])[1 + p % 10],
       (ARRAY['García', 'Pérez', 'López', 'Sánchez', 'Romero', 'Navarro', 'Torres', 'Ruiz'])[1 + (p * 7) % 8],
       lpad((28000 + (p * 37) % 90)::text, 5, '0'),
       format('%s/%s/%s', 1 + (p * 11) % 28, 1 + (p * 5) % 12, 1940 + (p * 13) % 60),
       format('%s-%s', 1000 + p * 17, 100 + (p * 31) % 900)
FROM generate_series(1, 50) p;
INSERT INTO dp.members
SELECT 100 + m.id, m.person,
       CASE WHEN m.id % 4 = 2 THEN m.family ELSE m.given END,
       CASE m.id % 4 WHEN 0 THEN m.family || 'z' WHEN 2 THEN m.given ELSE m.family END,
       m.postcode,
       CASE WHEN m.id % 4 = 3 THEN format('%s/%s/%s', split_part(m.born, '/', 2), split_part(m.born, '/', 1),
                                         split_part(m.born, '/', 3)) ELSE m.born END,
       CASE WHEN m.id % 4 = 1 THEN overlay(m.member_no placing reverse(substr(m.member_no, 2, 2)) from 2 for 2)
            ELSE m.member_no END
FROM dp.members m WHERE m.id <= 40;
SELECT contacts.configure('dp.members', 'id',
    '{"given": "given_name", "family": "family_name", "postcode": "postcode", "born": "birth_date",
      "member_no": "identifier"}', default_region => 'ES');

-- the plan before any run: every candidate rule, its pairs (sum of
-- n(n-1)/2 over its keys), the records it covers, chosen or why not
SELECT rule, source, estimated_pairs, records_covered, largest_block, chosen, reason
FROM contacts.dedupe_plan('dp.members') ORDER BY rule;
SELECT keys FROM contacts.dedupe_plan('dp.members') WHERE rule = 'identifier';

-- a budget too small for all: the rules with the most records per pair first
UPDATE contacts.dedupe_settings SET max_pairs = 200 WHERE tbl = 'dp.members'::regclass;
SELECT sum(estimated_pairs) FILTER (WHERE chosen) <= 200 AS within_budget,
       count(*) FILTER (WHERE reason LIKE 'dropped: its pairs do not fit%') > 0 AS some_over_budget,
       bool_or(chosen) FILTER (WHERE rule = 'identifier') AS identifier_kept
FROM contacts.dedupe_plan('dp.members');
UPDATE contacts.dedupe_settings SET max_pairs = DEFAULT WHERE tbl = 'dp.members'::regclass;

-- the DBA's rules: one of their own over the row, one candidate disabled,
-- one forced, and one naming no rule
INSERT INTO contacts.dedupe_blocking_rules (tbl, rule, expression, enabled) VALUES
    ('dp.members', 'member_prefix', 'left(member_no, 2) || postcode', NULL),
    ('dp.members', 'birth_date', NULL, false),
    ('dp.members', 'postcode', NULL, true);
SELECT rule, source, keys, estimated_pairs, chosen, reason FROM contacts.dedupe_plan('dp.members')
WHERE rule IN ('member_prefix', 'birth_date', 'postcode') ORDER BY rule;
INSERT INTO contacts.dedupe_blocking_rules (tbl, rule, enabled) VALUES ('dp.members', 'no_such_rule', true);
SELECT rule FROM contacts.dedupe_plan('dp.members');
DELETE FROM contacts.dedupe_blocking_rules WHERE rule = 'no_such_rule';
-- a rule is an expression or a switch, named in lower case
INSERT INTO contacts.dedupe_blocking_rules (tbl, rule) VALUES ('dp.members', 'empty');
INSERT INTO contacts.dedupe_blocking_rules (tbl, rule, enabled) VALUES ('dp.members', 'Bad Name', true);
-- an expression that does not run is the DBA's error, reported as such
INSERT INTO contacts.dedupe_blocking_rules (tbl, rule, expression) VALUES ('dp.members', 'broken', 'no_such_column');
SELECT dp_try($$SELECT contacts.dedupe_plan('dp.members')$$);
DELETE FROM contacts.dedupe_blocking_rules WHERE rule = 'broken';

-- the run follows the plan and reports it: estimated and compared pairs
SELECT contacts.dedupe_run('dp.members') AS run \gset
SELECT r ->> 'rule' AS rule, (r ->> 'chosen')::boolean AS chosen,
       (r ->> 'pairs_compared')::bigint <= (r ->> 'estimated_pairs')::bigint AS compared_within_estimate
FROM contacts.dedupe_runs, jsonb_array_elements(blocking) r WHERE run_id = :run ORDER BY 1;
SELECT blocking_rules FROM contacts.dedupe_settings WHERE tbl = 'dp.members'::regclass;
SELECT (SELECT sum((r ->> 'pairs_compared')::bigint) FROM jsonb_array_elements(blocking) r) = candidate_pairs
       AS compared_add_up
FROM contacts.dedupe_runs WHERE run_id = :run;
-- every planted pair is compared and found, the member number one edit apart too
SELECT count(*) AS planted, count(p.key_a) AS found
FROM dp.members a JOIN dp.members b ON b.person = a.person AND a.id < b.id
LEFT JOIN contacts.dedupe_pairs p ON p.run_id = :run AND p.key_a = a.id AND p.key_b = b.id;
SELECT explanation -> 'member_no' ->> 'level' AS member_no FROM contacts.dedupe_pairs
WHERE run_id = :run AND key_a = 1 AND key_b = 101;
-- dedupe_match looks a row up by the rules the run chose
SELECT key FROM contacts.dedupe_match('dp.members',
    '{"given": "Juan", "family": "Romero", "postcode": "28037", "born": "12/6/1953", "member_no": "1017-131"}', 1);

-- a degenerate column: one birth date typed on nearly every row; its rule
-- and every rule joining it to another column are dropped, with the reason
CREATE TABLE dp.degenerate AS SELECT * FROM dp.members;
SELECT 'dp.degenerate'::regclass::oid AS tbl \gset
ALTER TABLE dp.degenerate ADD PRIMARY KEY (id);
UPDATE dp.degenerate SET born = '01/01/1900' WHERE id % 15 <> 0;
SELECT contacts.configure('dp.degenerate', 'id',
    '{"given": "given_name", "family": "family_name", "postcode": "postcode", "born": "birth_date",
      "member_no": "identifier"}', default_region => 'ES');
SELECT rule, chosen, reason FROM contacts.dedupe_plan('dp.degenerate')
WHERE rule IN ('birth_date', 'birth_family', 'birth_given', 'postcode_year', 'identifier', 'family_postcode')
ORDER BY rule;
SELECT contacts.dedupe_run('dp.degenerate') AS run \gset
-- the run compares no pair under the dropped rules, and still every planted pair
SELECT bool_and((r ->> 'chosen')::boolean = (r ? 'pairs_compared')) AS only_chosen_compare,
       bool_and(NOT (r ->> 'chosen')::boolean) FILTER (WHERE r ->> 'rule' LIKE '%birth%') AS no_birth_rule
FROM contacts.dedupe_runs, jsonb_array_elements(blocking) r WHERE run_id = :run;
SELECT count(*) AS planted, count(*) FILTER (WHERE EXISTS (
           SELECT FROM contacts.dedupe_features_:tbl x, contacts.dedupe_features_:tbl y
           WHERE x.key = a.id AND y.key = b.id AND (x.b_identifier = y.b_identifier OR x.b_name = y.b_name
               OR x.b_family_postcode = y.b_family_postcode OR x.b_identifier_head = y.b_identifier_head
               OR x.b_identifier_tail = y.b_identifier_tail OR x.b_postcode = y.b_postcode))) AS compared
FROM dp.degenerate a JOIN dp.degenerate b ON b.person = a.person AND a.id < b.id;

-- privileges: only owners plan (the rules' expressions are theirs) and
-- write the rules; readers see them
GRANT SELECT ON dp.members TO dp_reader;
SET ROLE dp_reader;
SELECT count(*) FROM contacts.dedupe_plan('dp.members');
SELECT rule FROM contacts.dedupe_blocking_rules ORDER BY rule;
INSERT INTO contacts.dedupe_blocking_rules (tbl, rule, expression) VALUES ('dp.members', 'mine', 'given');
UPDATE contacts.dedupe_blocking_rules SET enabled = false;
SELECT enabled FROM contacts.dedupe_blocking_rules WHERE rule = 'postcode';
RESET ROLE;

DROP SCHEMA dp CASCADE;
SELECT count(*) AS rules_left FROM contacts.dedupe_blocking_rules;
DROP ROLE dp_owner;
DROP ROLE dp_reader;
DROP FUNCTION public.dp_try(text);
