-- National ID numbers: check digits, normalization, detection of the kind.
SELECT country, kind, value,
       contacts.national_id_valid(country, kind, value) AS valid,
       contacts.national_id_check(country, kind, value) AS reason,
       contacts.national_id_kind(country, value) AS detected
  FROM (VALUES ('ES', 'DNI', '12.345.678-Z'), ('ES', 'DNI', '12345678A'), ('ES', 'NIE', 'x-1234567-l'),
               ('ES', 'CIF', 'A28015865'), ('ES', 'CIF', 'Q2826000H'), ('ES', NULL, 'B12345674'),
               ('ES', 'NIF', '1234567'),
               ('AR', 'CUIT', '20-12345678-6'), ('AR', 'CUIL', '33-69345023-9'), ('AR', NULL, '12.345.678'),
               ('MX', 'CURP', 'HEGG560427MVZRRL04'), ('MX', 'CURP', 'HEGG561327MVZRRL04'),
               ('MX', 'CURP', 'HEGG560427MXXRRL04'), ('MX', 'RFC', 'GODE561231GR8'), ('MX', NULL, 'gode-561231-gr8'),
               ('BR', 'CPF', '111.444.777-35'), ('BR', 'CPF', '111.111.111-11'),
               ('BR', 'CNPJ', '11.222.333/0001-81'), ('BR', 'CNPJ', '12.ABC.345/01DE-35'),
               ('CL', 'RUT', '12.345.678-5'), ('CL', NULL, '12.345.678-K'),
               ('UY', 'CI', '1.234.567-2'), ('CO', 'NIT', '890.903.938-8'), ('CO', 'CC', '1.020.304.050'),
               ('PE', 'RUC', '20131312955'), ('PE', NULL, '30131312955'),
               ('US', 'SSN', '123-45-6789'), ('US', 'SSN', '666-45-6789'), ('US', NULL, '912-70-1234'),
               ('ES', NULL, '12345678Z!'), ('ES', NULL, ' - '), ('FR', NULL, '1234')) AS t(country, kind, value);

-- Spellings of one number normalize to one key.
SELECT contacts.national_id_normalize('ES', 'DNI', v) FROM (VALUES ('12345678z'), ('12.345.678-Z'), (' 12 345 678 Z ')) AS t(v);
SELECT contacts.national_id_normalize('mx', NULL, 'maar790213hmnrlf03');

-- NULL arguments give NULL; kind NULL detects.
SELECT contacts.national_id_valid(NULL, 'DNI', '12345678Z') IS NULL AS null_country,
       contacts.national_id_valid('ES', 'DNI', NULL) IS NULL AS null_value;

-- Errors: invalid numbers, unknown kinds, unsupported countries (22023).
\set VERBOSITY default
SELECT contacts.national_id_normalize('ES', 'DNI', '12345678A');
SELECT contacts.national_id_normalize('BR', NULL, '123');
SELECT contacts.national_id_valid('ES', 'SSN', '123');
SELECT contacts.national_id_normalize('FR', NULL, '123');
