-- Cells as spreadsheets hold them: dates by the sheet's country, numbers
-- with its decimal mark, yes and no in people's words; birth dates; and
-- imports into typed columns, where one bad cell costs one row.
SET client_min_messages = warning;
SET DateStyle = 'ISO, DMY';

-- Dates: day first in Spain and Latin America, month first in the US, ISO everywhere.
SELECT v, r, contacts.date_parse(v, r) AS d
  FROM (VALUES ('05/03/1978', 'ES'), ('05/03/1978', 'AR'), ('05/03/1978', 'MX'), ('05/03/1978', 'BR'),
               ('05/03/1978', 'US'), ('1978-03-05', 'US'), ('5 de marzo de 1978', 'US'),
               ('05-mar-78', 'ES'), ('28154', 'ES'), ('25/12/1990', NULL), ('05/03/29', 'ES'),
               ('05/03/30', 'ES')) t(v, r);
SET DateStyle = 'ISO, MDY';
SELECT contacts.date_parse('05/03/1978', 'ES') AS spanish_date_under_mdy;
SET DateStyle = 'ISO, DMY';
SELECT contacts.date_parse('05/03/1978', 'US', date_order => 'DMY') AS override;
SELECT contacts.date_parse('31/02/1980', 'ES');
SELECT contacts.date_parse('05/03/1978');
SELECT contacts.date_parse('05/03/1978', 'ES', 'XYZ');

-- Birth dates: the same reader, two-digit years never in the future.
SELECT v, contacts.birth_date_check(v, 'ES') AS reason, contacts.birth_date_normalize(v, 'ES') AS iso
  FROM (VALUES ('05/03/1978'), ('5-3-78'), ('1978-03-05')) t(v);
SELECT v, contacts.birth_date_check(v, 'ES') AS reason
  FROM (VALUES ('31/02/1980'), ('01/01/2999'), ('01/01/1850'), ('yesterday'), ('05/03')) t(v);
SELECT contacts.birth_date_normalize('31/02/1980', 'ES');

-- Numbers written the local way.
SELECT v, r, contacts.number_parse(v, r) AS n
  FROM (VALUES ('1.234,50', 'ES'), ('1,234.50', 'US'), ('1.234', 'AR'), ('1.234', 'MX'),
               ('R$ 1.234,50', 'BR'), ('(12,5)', 'ES'), ('1234.5', 'ES')) t(v, r);
SELECT contacts.number_parse('1.234');
SELECT contacts.number_parse('12.34.5', 'ES');

-- Yes and no.
SELECT v, contacts.yesno_parse(v) AS b
  FROM (VALUES ('sí'), ('SI'), ('x'), ('Acepto'), ('ok'), ('no'), ('N'), ('falso'), ('0'), ('Não')) t(v);
SELECT contacts.yesno_parse('Autorizo', yes_words => '{autorizo}');
SELECT contacts.yesno_parse('quizás');

-- import_value() never raises: it says why.
SELECT v, t::regtype, contacts.import_value(v, t::regtype, m, 'ES', NULL, '{}', '{}') AS result
  FROM (VALUES ('si', 'boolean', -1), ('quizás', 'boolean', -1), ('31/02/1980', 'date', -1),
               ('05/03/1978', 'date', -1), ('05/03/1978 14:30', 'timestamp', -1),
               ('1.234,50', 'numeric', -1), ('1.234,50', 'numeric', 393222), ('12,00', 'integer', -1),
               ('12,5', 'integer', -1), ('99999999999', 'integer', -1), ('abc', 'uuid', -1),
               ('demasiado largo', 'varchar', 9), ('corto', 'varchar', 9)) x(v, t, m);
SELECT contacts.import_value(NULL, 'date', -1, 'ES', NULL, '{}', '{}') IS NULL AS null_stays_null;

-- An import from a Spanish sheet into typed columns.
CREATE TABLE sheet_target (id serial PRIMARY KEY, name text, email text, birth date, born text,
                           signed_up date, amount numeric(10,2), visits integer, vip boolean,
                           consent boolean, code varchar(4));
SELECT contacts.configure('sheet_target', 'id',
    '{"name": "full_name", "email": "email", "born": "birth_date"}',
    default_region => 'ES', consent_column => 'consent', yes_words => '{autorizo}');
CREATE TABLE sheet (nombre text, correo text, nacimiento text, nacido text, alta text, importe text,
                    visitas text, vip text, acepta text, codigo text);
INSERT INTO sheet VALUES
  ('Ana Ruiz',    'ana@example.com',   '05/03/1978', '05/03/1978', '28154', '1.234,50', '12',  'sí', 'Sí',       'A1'),
  ('Luis Gómez',  'luis@example.com',  '31/02/1980', '05/03/1978', '',      '10',       '3',   'no', 'acepto',   'B2'),
  ('Eva Sanz',    'eva@example.com',   '05/03/1978', '31/02/1980', '',      '',         '',    '',   'si',       ''),
  ('Juan Pérez',  'juan@example.com',  '',           '',           '',      'mucho',    '1,5', 'x',  'quizás',   'C3'),
  ('Rosa Díaz',   'rosa@example.com',  '',           '',           '',      '',         '',    '',   'no',       ''),
  ('Pilar Gil',   'pilar@example.com', '',           '',           'ayer',  '',         '',    'talvez', 'AUTORIZO', 'DEMASIADO'),
  ('Marta Vidal', 'marta@example.com', '1978-03-05', '5 de marzo de 1978', '05/03/2024 10:00', '12.345.678,90', '', 'N', 'X', '');
SELECT staged, inserted, rejected, suppressed
  FROM contacts.import('sheet', 'sheet_target',
        '{"name": "nombre", "email": "correo", "birth": "nacimiento", "born": "nacido", "signed_up": "alta",
          "amount": "importe", "visits": "visitas", "vip": "vip", "consent": "acepta", "code": "codigo"}');
SELECT name, birth, born, signed_up, amount, visits, vip, consent, code FROM sheet_target ORDER BY id;
SELECT r.row_number, r.category, r.reasons, r.details
  FROM contacts.import_reject r
 WHERE r.import_id = (SELECT max(import_id) FROM contacts.import_run)
 ORDER BY r.row_number;

-- The same sheet read as American: 05/03/1978 is 3 May.
TRUNCATE sheet_target;
SELECT staged, inserted, rejected
  FROM contacts.import('sheet', 'sheet_target', '{"name": "nombre", "birth": "nacimiento", "consent": "acepta"}',
                       date_order => 'MDY', dry_run => true);
SELECT contacts.import('sheet', 'sheet_target', '{"name": "nombre"}', date_order => 'DM');

-- The entry trigger reads birth dates the same way, with the table's order.
CREATE TABLE typed_people (id serial PRIMARY KEY, born text, birth date);
SELECT contacts.configure('typed_people', 'id', '{"born": "birth_date", "birth": "birth_date"}',
                          default_region => 'US');
CREATE TRIGGER typed_people_enforce BEFORE INSERT OR UPDATE ON typed_people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO typed_people (born) VALUES ('03/05/1978'), ('March 5, 1978');
INSERT INTO typed_people (born) VALUES ('02/31/1980');
INSERT INTO typed_people (birth) VALUES ('2999-01-01');
SELECT contacts.configure('typed_people', 'id', '{"born": "birth_date"}', default_region => 'US', date_order => 'DMY');
INSERT INTO typed_people (born) VALUES ('03/05/1978');
SELECT born FROM typed_people ORDER BY id;
SELECT contacts.configure('typed_people', 'id', '{"born": "birth_date"}', date_order => 'DYM');
DROP TABLE typed_people, sheet, sheet_target;

-- Suggesting a mapping from a sheet's headers and values.
CREATE TABLE crm (id serial PRIMARY KEY, given text, family text, email text, mobile text, dni text,
                  country text, born date, consent boolean, notes text);
SELECT contacts.configure('crm', 'id',
    '{"given": "given_name", "family": "family_name", "email": "email", "mobile": "phone",
      "dni": "national_id", "country": "country"}', default_region => 'ES', consent_column => 'consent');
CREATE TABLE hoja ("Nombre" text, "Apellidos" text, "Correo electrónico" text, "Teléfono móvil" text,
                   "DNI/NIF" text, "País" text, "F. Nacimiento" text, "Acepta comunicaciones" text,
                   "Contacto" text, "Observaciones" text);
INSERT INTO hoja VALUES
  ('Ana', 'Ruiz García', 'ana@example.com', '612 34 56 78', '12345678Z', 'ES', '05/03/1978', 'Sí', 'ana.r@example.com', 'llamar'),
  ('Luis', 'Gómez', 'luis@example.com', '600112233', '87654321X', 'ES', '1/12/1985', 'no', 'lg@example.com', '');
SELECT contacts.import_suggest_mapping('hoja', 'crm') -> 'mapping' AS mapping;
SELECT key, value FROM jsonb_each((contacts.import_suggest_mapping('hoja', 'crm')) -> 'confidence') ORDER BY key;
SELECT contacts.import_suggest_mapping('hoja', 'crm') -> 'unmapped' AS unmapped;
SELECT inserted, rejected
  FROM contacts.import('hoja', 'crm', contacts.import_suggest_mapping('hoja', 'crm') -> 'mapping');
-- A headerless column (COPY into generic names) is recognized by its values.
CREATE TABLE raw_sheet (c1 text, c2 text, c3 text);
INSERT INTO raw_sheet VALUES ('Ana', 'ana@example.com', '+34 612 34 56 78'), ('Luis', 'luis@example.com', '600 11 22 33');
SELECT contacts.import_suggest_mapping('raw_sheet', 'crm') -> 'mapping' AS mapping;
DROP TABLE crm, hoja, raw_sheet;
