-- Entry standards: declare what each column of crm_contacts holds, look at
-- the health report, let the enforcing trigger clean every row in place,
-- look again, then import a new spreadsheet with a duplicate policy and a
-- suppression list.
\pset pager off
SET client_min_messages = notice;
ALTER TABLE crm_contacts ADD COLUMN IF NOT EXISTS flags jsonb;
SELECT contacts.configure('crm_contacts', 'id',
    '{"full_name": "full_name", "given_name": "given_name", "family_name": "family_name",
      "email": "email", "phone": "phone", "region": "country", "company": "company",
      "national_id": "national_id"}',
    on_invalid => 'flag', flag_column => 'flags', updated_at_column => 'updated_at',
    consent_column => 'consent', duplicate_keys => '{email}', required => '{full_name}');

-- Before: how healthy is the base?
SELECT check_name, column_name, affected, rate, example
  FROM contacts.health('crm_contacts', stale_before => '2020-01-01') ORDER BY check_name, column_name;

-- The trigger holds every write to the standard; touching each row once
-- normalizes the whole base in place and flags what cannot be fixed.
CREATE TRIGGER crm_contacts_enforce BEFORE INSERT OR UPDATE ON crm_contacts
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
CREATE TEMP TABLE before_cleanup AS SELECT id, full_name, email, phone, company FROM crm_contacts;
UPDATE crm_contacts SET full_name = full_name;
SELECT b.full_name AS typed_name, c.full_name, b.phone AS typed_phone, c.phone, b.company AS typed_company, c.company
  FROM crm_contacts c JOIN before_cleanup b USING (id)
 WHERE b.full_name <> c.full_name OR b.phone <> c.phone
 ORDER BY id LIMIT 10;
SELECT key AS column_name, value AS reason, count(*)
  FROM crm_contacts, jsonb_each_text(flags -> 'invalid')
 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10;

-- After: what is left is what only a person can fix (and the duplicates,
-- which the dedupe and merge steps handle).
SELECT check_name, column_name, affected, rate, example
  FROM contacts.health('crm_contacts', stale_before => '2020-01-01') ORDER BY check_name, column_name;

-- A new spreadsheet arrives.  Two people in it asked never to be contacted
-- again: they go on the suppression list (as keyed digests, not addresses).
CREATE TABLE sheet (id text, truth_id text, nombre text, nombre_pila text, apellidos text,
                    correo text, telefono text, pais text, empresa text, ciudad text,
                    cp text, nacimiento text, documento text, acepta text, actualizado text);
\set load_sheet '\\copy sheet FROM ' :'import_csv' ' WITH (FORMAT csv, HEADER true)'
:load_sheet
SELECT contacts.suppress('email', correo, reason => 'unsubscribed')
  FROM sheet WHERE correo LIKE '%@%' AND contacts.email_valid(correo) ORDER BY id::int LIMIT 2;
-- Rows with the key already in the table also come in (from the base).
INSERT INTO sheet (id, nombre, correo, telefono, pais, acepta)
SELECT 'dup' || id, upper(full_name), upper(email), phone, region, 'true'
  FROM crm_contacts WHERE email IS NOT NULL AND flags IS NULL ORDER BY id LIMIT 25;

-- A dry run says what would happen; the import does it.
SELECT staged, inserted, updated, kept, rejected, suppressed
  FROM contacts.import('sheet', 'crm_contacts',
        '{"id": "id", "full_name": "nombre", "email": "correo", "phone": "telefono", "region": "pais",
          "company": "empresa", "national_id": "documento", "consent": "acepta"}',
        duplicate_key => 'email', on_duplicate => 'keep', dry_run => true);
ALTER TABLE crm_contacts ALTER COLUMN id SET DEFAULT 0;
UPDATE sheet SET id = (1000000 + row_number)::text
  FROM (SELECT id AS old_id, row_number() OVER (ORDER BY id) FROM sheet) n WHERE n.old_id = sheet.id;
SELECT import_id, staged, inserted, updated, kept, rejected, suppressed
  FROM contacts.import('sheet', 'crm_contacts',
        '{"id": "id", "full_name": "nombre", "email": "correo", "phone": "telefono", "region": "pais",
          "company": "empresa", "national_id": "documento", "consent": "acepta"}',
        duplicate_key => 'email', on_duplicate => 'keep');
-- Every row set aside is there with its reasons (and, for invalid rows only,
-- the whole source row to fix and re-import).
SELECT category, reasons, source ->> 'correo' AS email, source ->> 'telefono' AS phone
  FROM contacts.import_reject ORDER BY row_number LIMIT 12;
SELECT category, count(*) FROM contacts.import_reject GROUP BY 1 ORDER BY 1;
