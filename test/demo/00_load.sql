-- Load the generated contact base as a CRM would hold it: everything typed
-- by people, nothing normalized.
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contacts;
SELECT * FROM contacts.versions();

DROP TABLE IF EXISTS crm_contacts;
CREATE TABLE crm_contacts (
    id          bigint PRIMARY KEY,
    truth_id    bigint,      -- the generator's ground truth: same person, same truth_id
    full_name   text,
    given_name  text,
    family_name text,
    email       text,
    phone       text,
    region      text,
    company     text,
    city        text,
    postcode    text,
    birth_date  text,
    national_id text,
    consent     boolean,
    updated_at  timestamptz
);
-- (psql does not expand variables in \copy, hence the detour through \set)
\set load_csv '\\copy crm_contacts FROM ' :'csv' ' WITH (FORMAT csv, HEADER true)'
:load_csv

SELECT count(*) AS contacts, count(DISTINCT truth_id) AS real_people FROM crm_contacts;
SELECT id, full_name, email, phone, region, company FROM crm_contacts ORDER BY id LIMIT 12;
