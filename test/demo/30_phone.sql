-- Phones: every written phone of the CRM parsed with the row's region into a
-- contacts.phone (E.164), checked, classified and written back the way its
-- country writes it; then the same numbers written differently.
\pset pager off
SET search_path = public, contacts;   -- the phone operators (=, <) live in contacts

CREATE TEMP TABLE crm_phones AS
SELECT id, truth_id, phone AS written, region,
       contacts.phone_check(phone, NULLIF(region, '')) AS reason
  FROM crm_contacts
 WHERE phone <> '';
ALTER TABLE crm_phones ADD COLUMN parsed contacts.phone;
UPDATE crm_phones SET parsed = contacts.phone_parse(written, NULLIF(region, ''))
 WHERE reason IS NULL;

-- What people typed and what it is.
SELECT id, written, region, parsed AS e164, contacts.phone_type(parsed) AS type,
       contacts.phone_region(parsed) AS number_region
  FROM crm_phones ORDER BY id LIMIT 15;

-- How many are valid, and why the others are not.
SELECT coalesce(reason, 'valid') AS verdict, count(*),
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
  FROM crm_phones GROUP BY 1 ORDER BY 2 DESC;

-- Where they come from (Mexico's 01/044/045 prefixes were abolished in 2019,
-- so numbers still written with them are now too long).
SELECT region, reason, count(*), (array_agg(written ORDER BY id))[1:3] AS examples
  FROM crm_phones WHERE reason IS NOT NULL
 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10;

-- Kinds of numbers per region.
SELECT contacts.phone_region(parsed) AS region, contacts.phone_type(parsed) AS type, count(*)
  FROM crm_phones WHERE parsed IS NOT NULL
 GROUP BY 1, 2 ORDER BY 1, 3 DESC LIMIT 15;

-- Written back the way each country writes them.
SELECT written, contacts.phone_format(parsed, 'NATIONAL') AS national,
       contacts.phone_format(parsed, 'INTERNATIONAL') AS international
  FROM crm_phones WHERE parsed IS NOT NULL ORDER BY id LIMIT 12;

-- The same number written differently: found by E.164, not by text.
SELECT parsed AS e164, count(*) AS rows, count(DISTINCT written) AS spellings,
       string_agg(DISTINCT written, ' | ') AS written_as
  FROM crm_phones WHERE parsed IS NOT NULL
 GROUP BY parsed HAVING count(DISTINCT written) > 1
 ORDER BY count(DISTINCT written) DESC, parsed LIMIT 12;

SELECT count(DISTINCT written) AS distinct_texts, count(DISTINCT parsed) AS distinct_numbers,
       count(*) FILTER (WHERE parsed IS NOT NULL) AS valid_rows
  FROM crm_phones;

-- A UNIQUE index on the parsed number would have caught them at entry.
CREATE TEMP TABLE crm_unique_phones (phone contacts.phone UNIQUE);
INSERT INTO crm_unique_phones SELECT DISTINCT parsed FROM crm_phones WHERE parsed IS NOT NULL;
ANALYZE crm_unique_phones;
EXPLAIN (COSTS OFF) SELECT * FROM crm_unique_phones WHERE phone = contacts.phone_parse('+34 626 117 854');
