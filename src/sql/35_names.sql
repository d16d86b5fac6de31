
-- ---------------------------------------------------------------------------
-- Person names
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.name_normalize(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_normalize_name'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.name_normalize(text) IS
'Display form of a person name: trimmed, single-spaced, proper case with lower-case particles (de, van, von...), Mc/Mac, O''/D'', initials with a dot; accents kept; depends on the ICU version';

CREATE TYPE @extschema@.name_parts AS (
    given_names   text,
    family_names  text,
    first_family  text,
    second_family text,
    suffix        text
);

COMMENT ON TYPE @extschema@.name_parts IS
'Parts of a person name as returned by name_parts(): given names, family names, first and second family name, suffix (Jr., III)';

CREATE FUNCTION @extschema@.name_parts(name text)
RETURNS @extschema@.name_parts
AS 'MODULE_PATHNAME', 'contacts_name_parts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

COMMENT ON FUNCTION @extschema@.name_parts(text) IS
'Split a person name into given and family names (handles "Family, Given", two Spanish surnames, particles, initials, suffixes)';

CREATE FUNCTION @extschema@.name_variants(given_name text)
RETURNS text[]
AS 'MODULE_PATHNAME', 'contacts_name_variants'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_variants(text) IS
'Every form of a given name from the shipped nickname lists (formal names and their nicknames), folded; the folded name alone when unknown';

CREATE FUNCTION @extschema@.nickname_of(a text, b text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_nickname_of'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.nickname_of(text, text) IS
'True when two given names are forms of one another (Pepe/José, Bill/William, Chema/José María) or nicknames of the same name';

CREATE FUNCTION @extschema@.name_similarity(a text, b text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_name_similarity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 50;

COMMENT ON FUNCTION @extschema@.name_similarity(text, text) IS
'Similarity of two person names in [0,1]: word order ignored, missing middle name or second surname tolerated, initials, nicknames, accents, case and typos matched; symmetric';

-- ---------------------------------------------------------------------------
-- Company names
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.company_normalize(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_normalize_company'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

COMMENT ON FUNCTION @extschema@.company_normalize(text) IS
'Display form of a company name: single-spaced, comma spacing fixed, trailing legal form written the usual way (S.A. de C.V., GmbH, Inc.); case otherwise as typed';

CREATE FUNCTION @extschema@.company_key(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_company_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

COMMENT ON FUNCTION @extschema@.company_key(text) IS
'Comparison key of a company name: folded, punctuation dropped, initials joined, &/and/y/und/et unified, leading "the" and trailing legal forms removed; depends on the ICU version';

-- ---------------------------------------------------------------------------
-- National ID numbers
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.national_id_valid(country text, kind text, value text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_national_id_valid'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.national_id_valid(text, text, text) IS
'True when value is a well-formed national ID of that country (ISO alpha-2) and kind with a correct check digit; kind NULL detects the kind from the value; NULL for a country without known documents';

CREATE FUNCTION @extschema@.national_id_normalize(country text, kind text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_national_id_normalize'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.national_id_normalize(text, text, text) IS
'Compact normalized form of a national ID (no separators, upper case, leading zeros restored), a duplicate key; raises 22023 with the reason when invalid';

CREATE FUNCTION @extschema@.national_id_check(country text, kind text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_national_id_check'
LANGUAGE C IMMUTABLE PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.national_id_check(text, text, text) IS
'NULL when the national ID is valid, else the reason code (ID_BAD_CHECK_DIGIT, ID_BAD_LENGTH, ...)';

CREATE FUNCTION @extschema@.national_id_kind(country text, value text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_national_id_kind'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.national_id_kind(text, text) IS
'The document kind (DNI, NIE, CIF, CUIT, CPF, ...) a valid national ID of that country is, detected from its shape; NULL when not valid';
