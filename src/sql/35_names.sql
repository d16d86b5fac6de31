
-- ---------------------------------------------------------------------------
-- National ID numbers
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.national_id_valid(country text, kind text, value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_national_id_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.national_id_valid(text, text, text) IS
'True when value is a well-formed national ID of that country (ISO alpha-2) and kind with a correct check digit; kind NULL detects the kind from the value; NULL for a country without known documents';

CREATE FUNCTION @extschema@.national_id_normalize(country text, kind text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_national_id_normalize'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.national_id_normalize(text, text, text) IS
'Compact normalized form of a national ID (no separators, upper case, leading zeros restored), a duplicate key; raises 22023 with the reason when invalid';

CREATE FUNCTION @extschema@.national_id_check(country text, kind text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_national_id_check'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.national_id_check(text, text, text) IS
'NULL when the national ID is valid, else the reason code (ID_BAD_CHECK_DIGIT, ID_BAD_LENGTH, ...)';

CREATE FUNCTION @extschema@.national_id_kind(country text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_national_id_kind'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.national_id_kind(text, text) IS
'The document kind (DNI, NIE, CIF, CUIT, CPF, ...) a valid national ID of that country is, detected from its shape; NULL when not valid';
