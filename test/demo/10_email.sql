-- Emails: how many of the CRM's addresses are invalid and why, which typos
-- can be fixed, which "different" addresses are one mailbox, and what kind
-- of addresses the base holds.
\pset pager off
SET search_path = public, contacts;

-- How many addresses fail validation (mailbox profile), and why.
SELECT count(email) AS with_email,
       count(*) FILTER (WHERE NOT email_valid(email)) AS invalid,
       round(100.0 * count(*) FILTER (WHERE NOT email_valid(email)) / count(email), 1) AS pct_invalid
  FROM crm_contacts;

SELECT email_check(email) AS reason, count(*) AS contacts,
       (array_agg(email ORDER BY id))[1:2] AS examples
  FROM crm_contacts
 WHERE NOT email_valid(email)
 GROUP BY 1
 ORDER BY 2 DESC, 1;

-- Mistyped domains (valid or not) and missing @ signs that can be repaired.
SELECT id, email AS typed, email_suggest(email) AS suggestion, email_check(email) AS reason
  FROM crm_contacts
 WHERE email_suggest(email) IS NOT NULL
 ORDER BY id
 LIMIT 12;

SELECT count(*) FILTER (WHERE email_suggest(email) IS NOT NULL) AS repairable,
       count(*) FILTER (WHERE NOT email_valid(email) AND email_suggest(email) IS NULL) AS still_invalid
  FROM crm_contacts;

-- The repaired addresses as contacts.email: stored normalized (domain in
-- lower case), compared ignoring case, keyed per provider for duplicates.
CREATE TEMP TABLE crm_emails AS
SELECT id, truth_id, fixed::email AS email
  FROM (SELECT id, truth_id, coalesce(email_suggest(email), email) AS fixed FROM crm_contacts) s
 WHERE email_valid(fixed);

SELECT count(*) AS addresses,
       count(DISTINCT email::text) AS distinct_as_typed,
       count(DISTINCT email) AS distinct_ignoring_case,
       count(DISTINCT email_canonical(email)) AS distinct_mailboxes
  FROM crm_emails;

-- Addresses that differ as text but reach the same mailbox.
SELECT email_canonical(email) AS mailbox, array_agg(DISTINCT email::text) AS spellings,
       count(DISTINCT truth_id) AS generator_truth_ids
  FROM crm_emails
 GROUP BY 1
HAVING count(DISTINCT email::text) > 1
 ORDER BY count(*) DESC, 1
 LIMIT 12;

-- A UNIQUE index on the column refuses case variants of a stored address.
CREATE TEMP TABLE crm_unique (email email UNIQUE);
INSERT INTO crm_unique SELECT DISTINCT ON (email) email FROM crm_emails;
DO $$
BEGIN
    INSERT INTO crm_unique SELECT upper(email::text) FROM crm_unique LIMIT 1;
EXCEPTION WHEN unique_violation THEN
    RAISE NOTICE 'rejected: %', SQLERRM;
END $$;

-- What kind of addresses the base holds.
SELECT count(*) FILTER (WHERE email_is_freemail(email)) AS freemail,
       count(*) FILTER (WHERE NOT email_is_freemail(email)) AS company_or_other,
       count(*) FILTER (WHERE email_is_role(email)) AS role_accounts,
       count(*) FILTER (WHERE email_is_disposable(email)) AS disposable
  FROM crm_emails;

SELECT email_domain(email) AS domain, count(*) AS contacts, bool_or(email_is_freemail(email)) AS freemail
  FROM crm_emails
 GROUP BY 1
 ORDER BY 2 DESC, 1
 LIMIT 10;
