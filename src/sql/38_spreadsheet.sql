
-- ---------------------------------------------------------------------------
-- Cells as spreadsheets hold them: dates, numbers, yes and no
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.date_parse(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS date
AS 'MODULE_PATHNAME', 'contacts_parse_date'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.date_parse(text, text, text) IS
'A date as the sheet''s country writes it: day first (05/03/1978 is 5 March) except month first for US, ISO everywhere, month names in es/pt/en/fr/de/it, two-digit years 00-29 as 20xx, Excel serial numbers (5-6 digits); date_order (DMY, MDY, YMD) overrides the region''s order; impossible or ambiguous dates are errors with a reason code';

CREATE FUNCTION @extschema@.number_parse(value text, region text DEFAULT NULL)
RETURNS numeric
AS 'MODULE_PATHNAME', 'contacts_parse_number'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.number_parse(text, text) IS
'A number as the sheet''s country writes it: 1.234,50 in ES/AR/BR, 1,234.50 in US/MX; signs, accounting parentheses and currency symbols allowed; an error with a reason code otherwise';

CREATE FUNCTION @extschema@.yesno_parse(value text, yes_words text[] DEFAULT '{}', no_words text[] DEFAULT '{}')
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_parse_yesno'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.yesno_parse(text, text[], text[]) IS
'Yes or no in people''s words (sí/si/s/x/yes/y/1/true/verdadero/acepto/ok/sim, no/n/0/false/falso/não), case- and accent-insensitive, plus the words given; an error for anything else';

CREATE FUNCTION @extschema@.birth_date_check(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_birth_date_check'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.birth_date_check(text, text, text) IS
'Why value is not a birth date (DATE_IMPOSSIBLE, DATE_AMBIGUOUS, BIRTH_DATE_IN_FUTURE...), read as date_parse() reads dates but with two-digit years never in the future; NULL when it is one';

CREATE FUNCTION @extschema@.birth_date_normalize(value text, region text DEFAULT NULL, date_order text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_birth_date_normalize'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.birth_date_normalize(text, text, text) IS
'A birth date as ISO 8601 text (1978-03-05), read as birth_date_check() reads it; an error when it is not one';

-- Not STRICT: region, date order and words may be NULL.  PARALLEL UNSAFE:
-- before PostgreSQL 16 a value a type rejects is caught in a subtransaction.
CREATE FUNCTION @extschema@.import_value(value text, target regtype, typmod integer, region text,
                                         date_order text, yes_words text[], no_words text[])
RETURNS text[]
AS 'MODULE_PATHNAME', 'contacts_import_value'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.import_value(text, regtype, integer, text, text, text[], text[]) IS
'Used by import(): a staged cell as the text its target type reads (dates and numbers read the region''s way, booleans in people''s words), as {value, NULL, NULL}, or {NULL, ''INVALID_VALUE'', the reason} when the type rejects it; never raises for a value';
