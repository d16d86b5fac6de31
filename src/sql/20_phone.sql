
-- ---------------------------------------------------------------------------
-- Phones: the phone type
-- ---------------------------------------------------------------------------
--
-- A phone value is a parsed, valid phone number: country calling code,
-- national significant number (with Italian-style leading zeros) and an
-- optional extension, stored in a fixed 24 bytes.  It prints as E.164 with
-- an RFC 3966 style extension ("+34612345678;ext=12") and sorts by country
-- code, then national number, then extension.
--
-- The input function reads contacts.default_region for numbers written in
-- national form, so it (and the text -> phone cast) is STABLE, like date
-- input reading DateStyle.  Everything computed from a stored phone depends
-- only on the numbering metadata compiled in (see contacts.versions()) and
-- is IMMUTABLE.

CREATE TYPE @extschema@.phone;

CREATE FUNCTION @extschema@.phone_in(cstring) RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_in'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.phone_out(@extschema@.phone) RETURNS cstring
AS 'MODULE_PATHNAME', 'contacts_phone_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.phone_recv(internal) RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.phone_send(@extschema@.phone) RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_phone_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.phone (
	INPUT = @extschema@.phone_in,
	OUTPUT = @extschema@.phone_out,
	RECEIVE = @extschema@.phone_recv,
	SEND = @extschema@.phone_send,
	INTERNALLENGTH = 24,
	ALIGNMENT = double,
	STORAGE = plain
);

COMMENT ON TYPE @extschema@.phone IS
'A valid phone number (country code, national number, extension); input: E.164, any international form, or a national form with a region prefix ("ES:612 34 56 78") or contacts.default_region; output: E.164 with ";ext="';
COMMENT ON FUNCTION @extschema@.phone_in(cstring) IS
'Input function of type phone (reads contacts.default_region for national forms)';
COMMENT ON FUNCTION @extschema@.phone_out(@extschema@.phone) IS
'Output function of type phone: E.164 with ";ext=" for an extension';
COMMENT ON FUNCTION @extschema@.phone_recv(internal) IS
'Binary input function of type phone';
COMMENT ON FUNCTION @extschema@.phone_send(@extschema@.phone) IS
'Binary output function of type phone';

-- ---------------------------------------------------------------------------
-- Phones: comparison, btree and hash support
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.phone_cmp(@extschema@.phone, @extschema@.phone) RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_phone_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_cmp(@extschema@.phone, @extschema@.phone) IS
'Three-way comparison of phones: country code, then national number, then extension (btree support)';

CREATE FUNCTION @extschema@.phone_eq(@extschema@.phone, @extschema@.phone) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.phone_eq(@extschema@.phone, @extschema@.phone) IS
'True when both phones are the same number with the same extension';

CREATE FUNCTION @extschema@.phone_ne(@extschema@.phone, @extschema@.phone) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.phone_ne(@extschema@.phone, @extschema@.phone) IS
'True when the phones differ in number or extension';

CREATE FUNCTION @extschema@.phone_lt(@extschema@.phone, @extschema@.phone) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.phone_lt(@extschema@.phone, @extschema@.phone) IS
'Phone ordering: less than';

CREATE FUNCTION @extschema@.phone_le(@extschema@.phone, @extschema@.phone) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.phone_le(@extschema@.phone, @extschema@.phone) IS
'Phone ordering: less than or equal';

CREATE FUNCTION @extschema@.phone_gt(@extschema@.phone, @extschema@.phone) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.phone_gt(@extschema@.phone, @extschema@.phone) IS
'Phone ordering: greater than';

CREATE FUNCTION @extschema@.phone_ge(@extschema@.phone, @extschema@.phone) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION @extschema@.phone_ge(@extschema@.phone, @extschema@.phone) IS
'Phone ordering: greater than or equal';

CREATE FUNCTION @extschema@.phone_hash(@extschema@.phone) RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_phone_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_hash(@extschema@.phone) IS
'Hash of a phone, consistent with = (hash index, hash joins and aggregation)';

CREATE FUNCTION @extschema@.phone_hash_extended(@extschema@.phone, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_phone_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_hash_extended(@extschema@.phone, bigint) IS
'Seeded 64-bit hash of a phone (hash partitioning)';

CREATE OPERATOR @extschema@.= (
	LEFTARG = @extschema@.phone, RIGHTARG = @extschema@.phone,
	FUNCTION = @extschema@.phone_eq,
	COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.phone, @extschema@.phone) IS
'Same phone number and extension';

CREATE OPERATOR @extschema@.<> (
	LEFTARG = @extschema@.phone, RIGHTARG = @extschema@.phone,
	FUNCTION = @extschema@.phone_ne,
	COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR @extschema@.<> (@extschema@.phone, @extschema@.phone) IS
'Different phone numbers or extensions';

CREATE OPERATOR @extschema@.< (
	LEFTARG = @extschema@.phone, RIGHTARG = @extschema@.phone,
	FUNCTION = @extschema@.phone_lt,
	COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR @extschema@.< (@extschema@.phone, @extschema@.phone) IS
'Phone ordering: less than';

CREATE OPERATOR @extschema@.<= (
	LEFTARG = @extschema@.phone, RIGHTARG = @extschema@.phone,
	FUNCTION = @extschema@.phone_le,
	COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR @extschema@.<= (@extschema@.phone, @extschema@.phone) IS
'Phone ordering: less than or equal';

CREATE OPERATOR @extschema@.> (
	LEFTARG = @extschema@.phone, RIGHTARG = @extschema@.phone,
	FUNCTION = @extschema@.phone_gt,
	COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR @extschema@.> (@extschema@.phone, @extschema@.phone) IS
'Phone ordering: greater than';

CREATE OPERATOR @extschema@.>= (
	LEFTARG = @extschema@.phone, RIGHTARG = @extschema@.phone,
	FUNCTION = @extschema@.phone_ge,
	COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR @extschema@.>= (@extschema@.phone, @extschema@.phone) IS
'Phone ordering: greater than or equal';

CREATE OPERATOR CLASS @extschema@.phone_ops
DEFAULT FOR TYPE @extschema@.phone USING btree AS
	OPERATOR 1 @extschema@.<,
	OPERATOR 2 @extschema@.<=,
	OPERATOR 3 @extschema@.=,
	OPERATOR 4 @extschema@.>=,
	OPERATOR 5 @extschema@.>,
	FUNCTION 1 @extschema@.phone_cmp(@extschema@.phone, @extschema@.phone);
COMMENT ON OPERATOR CLASS @extschema@.phone_ops USING btree IS
'Default btree operator class for phone: country code, national number, extension';
COMMENT ON OPERATOR FAMILY @extschema@.phone_ops USING btree IS
'Btree operator family of type phone';

CREATE OPERATOR CLASS @extschema@.phone_ops
DEFAULT FOR TYPE @extschema@.phone USING hash AS
	OPERATOR 1 @extschema@.=,
	FUNCTION 1 @extschema@.phone_hash(@extschema@.phone),
	FUNCTION 2 @extschema@.phone_hash_extended(@extschema@.phone, bigint);
COMMENT ON OPERATOR CLASS @extschema@.phone_ops USING hash IS
'Default hash operator class for phone';
COMMENT ON OPERATOR FAMILY @extschema@.phone_ops USING hash IS
'Hash operator family of type phone';

-- ---------------------------------------------------------------------------
-- Phones: casts
-- ---------------------------------------------------------------------------
-- Both go through the type's text form: text -> phone parses like phone_in
-- (reading contacts.default_region), phone -> text prints E.164.

CREATE CAST (text AS @extschema@.phone) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (text AS @extschema@.phone) IS
'Parse a phone number (as the type input does; national forms need a region prefix or contacts.default_region)';

CREATE CAST (@extschema@.phone AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (@extschema@.phone AS text) IS
'A phone as E.164 text with ";ext=" for an extension';

-- ---------------------------------------------------------------------------
-- Phones: parsing and validation
-- ---------------------------------------------------------------------------
-- One pattern for the setting, as for emails: the one-argument forms read
-- contacts.default_region for national forms (STABLE); the forms with an
-- explicit region never read a setting (IMMUTABLE: for indexes, generated
-- columns, constraints and queries that must not depend on the session), and
-- there a NULL region means international forms only.

CREATE FUNCTION @extschema@.phone_parse(number text)
RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_parse'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_parse(text) IS
'Parse a phone number written in any usual form; national forms need a region prefix ("ES:612 34 56 78") or contacts.default_region; invalid numbers raise 22P02 with the reason';

CREATE FUNCTION @extschema@.phone_parse(number text, region text)
RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_parse_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_parse(text, text) IS
'Parse a phone number written in any usual form; region (ISO 3166-1 alpha-2) applies to national forms, NULL means international forms only; never reads a setting';

CREATE FUNCTION @extschema@.phone_valid(number text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_valid'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_valid(text) IS
'True when the text is a valid phone number (as phone_parse(text) would accept it, reading contacts.default_region)';

CREATE FUNCTION @extschema@.phone_valid(number text, region text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_valid_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE COST 10;
COMMENT ON FUNCTION @extschema@.phone_valid(text, text) IS
'True when the text is a valid phone number in the given region (NULL: international forms only); never reads a setting';

CREATE FUNCTION @extschema@.phone_check(number text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_check'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.phone_check(text) IS
'NULL for a valid phone number (reading contacts.default_region), else the reason code (NOT_A_NUMBER, INVALID_COUNTRY_CODE, TOO_SHORT, TOO_LONG, INVALID_LENGTH, INVALID_FOR_REGION)';

CREATE FUNCTION @extschema@.phone_check(number text, region text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_check_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.phone_check(text, text) IS
'NULL for a valid phone number in the given region (NULL: international forms only), else the reason code; never reads a setting';

-- ---------------------------------------------------------------------------
-- Phones: formatting and parts
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.phone_format(@extschema@.phone, format text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_format'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_format(@extschema@.phone, text) IS
'The phone written as E164, INTERNATIONAL, NATIONAL or RFC3966 (case-insensitive), following its country''s formatting rules';

CREATE FUNCTION @extschema@.phone_type(@extschema@.phone) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_type'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_type(@extschema@.phone) IS
'Kind of number: FIXED_LINE, MOBILE, FIXED_LINE_OR_MOBILE, TOLL_FREE, PREMIUM_RATE, SHARED_COST, VOIP, PERSONAL_NUMBER, PAGER, UAN or VOICEMAIL';

CREATE FUNCTION @extschema@.phone_region(@extschema@.phone) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_region'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_region(@extschema@.phone) IS
'ISO 3166-1 region the number belongs to (resolving shared country codes such as +1 and +44), or 001 for non-geographic numbers';

CREATE FUNCTION @extschema@.phone_country_code(@extschema@.phone) RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_phone_country_code'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_country_code(@extschema@.phone) IS
'Country calling code of the phone, e.g. 34';

CREATE FUNCTION @extschema@.phone_national_number(@extschema@.phone) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_national_number'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_national_number(@extschema@.phone) IS
'National significant number as digits (keeps Italian leading zeros; no national prefix)';

CREATE FUNCTION @extschema@.phone_extension(@extschema@.phone) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_extension'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_extension(@extschema@.phone) IS
'Extension digits of the phone, or NULL when it has none';
