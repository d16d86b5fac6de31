-- contacts extension install script.  Built by concatenating src/sql/*.sql
-- in name order; each part is one topic.

\echo Use "CREATE EXTENSION contacts" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Versions
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.versions(OUT component text, OUT version text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_versions'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.versions() IS
'Versions of the extension, ICU, Unicode, the generated fold table (and the ICU it was built from) and the phone numbering metadata; rebuild indexes on contacts functions and types when any of them change';

-- ---------------------------------------------------------------------------
-- Emails: the contacts.email type
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.email;

-- Input reads contacts.email_profile, so it is STABLE (as date_in is with DateStyle).
CREATE FUNCTION @extschema@.email_in(cstring) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'email_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_in(cstring) IS
'Input function of contacts.email: validates under contacts.email_profile and normalizes';

CREATE FUNCTION @extschema@.email_out(@extschema@.email) RETURNS cstring
AS 'MODULE_PATHNAME', 'email_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_out(@extschema@.email) IS
'Output function of contacts.email: the local part as typed, the domain lower-cased';

CREATE FUNCTION @extschema@.email_recv(internal) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'email_recv' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_recv(internal) IS
'Binary input function of contacts.email (the text form, validated again)';

CREATE FUNCTION @extschema@.email_send(@extschema@.email) RETURNS bytea
AS 'MODULE_PATHNAME', 'email_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_send(@extschema@.email) IS
'Binary output function of contacts.email (the text form)';

CREATE TYPE @extschema@.email (
    INPUT = @extschema@.email_in,
    OUTPUT = @extschema@.email_out,
    RECEIVE = @extschema@.email_recv,
    SEND = @extschema@.email_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended,
    CATEGORY = 'S'
);
COMMENT ON TYPE @extschema@.email IS
'Validated, normalized email address; equality and ordering are case-insensitive over the whole address';

-- Casts

CREATE FUNCTION @extschema@.email(text) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'email_from_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email(text) IS
'Cast text to contacts.email: validates under contacts.email_profile and normalizes';

CREATE FUNCTION @extschema@.email_to_text(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'email_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_to_text(@extschema@.email) IS
'Cast contacts.email to text: the address as stored';

CREATE CAST (text AS @extschema@.email) WITH FUNCTION @extschema@.email(text) AS ASSIGNMENT;
COMMENT ON CAST (text AS @extschema@.email) IS
'Validating cast from text, applied on assignment (INSERT, UPDATE)';
CREATE CAST (varchar AS @extschema@.email) WITH FUNCTION @extschema@.email(text) AS ASSIGNMENT;
COMMENT ON CAST (varchar AS @extschema@.email) IS
'Validating cast from varchar, applied on assignment (INSERT, UPDATE)';
-- Not implicit (unlike citext): with contacts off the search_path, e = 'x'
-- would otherwise silently fall back to case-sensitive text equality.
CREATE CAST (@extschema@.email AS text) WITH FUNCTION @extschema@.email_to_text(@extschema@.email) AS ASSIGNMENT;
COMMENT ON CAST (@extschema@.email AS text) IS
'Cast contacts.email to text, applied on assignment or when written e::text';

-- Comparison

CREATE FUNCTION @extschema@.email_cmp(@extschema@.email, @extschema@.email) RETURNS integer
AS 'MODULE_PATHNAME', 'email_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_cmp(@extschema@.email, @extschema@.email) IS
'Case-insensitive three-way comparison of two addresses (btree support)';

CREATE FUNCTION @extschema@.email_sortsupport(internal) RETURNS void
AS 'MODULE_PATHNAME', 'email_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_sortsupport(internal) IS
'Sort support for contacts.email: abbreviated keys from the case-folded address';

CREATE FUNCTION @extschema@.email_eq(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_eq(@extschema@.email, @extschema@.email) IS
'Addresses equal ignoring case';
CREATE FUNCTION @extschema@.email_ne(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_ne(@extschema@.email, @extschema@.email) IS
'Addresses differ ignoring case';
CREATE FUNCTION @extschema@.email_lt(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_lt(@extschema@.email, @extschema@.email) IS
'First address sorts before the second ignoring case';
CREATE FUNCTION @extschema@.email_le(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_le(@extschema@.email, @extschema@.email) IS
'First address sorts before or equal to the second ignoring case';
CREATE FUNCTION @extschema@.email_gt(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_gt(@extschema@.email, @extschema@.email) IS
'First address sorts after the second ignoring case';
CREATE FUNCTION @extschema@.email_ge(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_ge(@extschema@.email, @extschema@.email) IS
'First address sorts after or equal to the second ignoring case';

CREATE FUNCTION @extschema@.email_hash(@extschema@.email) RETURNS integer
AS 'MODULE_PATHNAME', 'email_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_hash(@extschema@.email) IS
'Hash of the case-folded address (hash support)';
CREATE FUNCTION @extschema@.email_hash_extended(@extschema@.email, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'email_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_hash_extended(@extschema@.email, bigint) IS
'Seeded 64-bit hash of the case-folded address (hash partitioning support)';

CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.email, RIGHTARG = @extschema@.email,
    FUNCTION = @extschema@.email_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
COMMENT ON OPERATOR @extschema@.= (@extschema@.email, @extschema@.email) IS 'equal ignoring case';
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.email, RIGHTARG = @extschema@.email,
    FUNCTION = @extschema@.email_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
COMMENT ON OPERATOR @extschema@.<> (@extschema@.email, @extschema@.email) IS 'not equal ignoring case';
CREATE OPERATOR @extschema@.< (
    LEFTARG = @extschema@.email, RIGHTARG = @extschema@.email,
    FUNCTION = @extschema@.email_lt,
    COMMUTATOR = OPERATOR(@extschema@.>), NEGATOR = OPERATOR(@extschema@.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
COMMENT ON OPERATOR @extschema@.< (@extschema@.email, @extschema@.email) IS 'less than ignoring case';
CREATE OPERATOR @extschema@.<= (
    LEFTARG = @extschema@.email, RIGHTARG = @extschema@.email,
    FUNCTION = @extschema@.email_le,
    COMMUTATOR = OPERATOR(@extschema@.>=), NEGATOR = OPERATOR(@extschema@.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
COMMENT ON OPERATOR @extschema@.<= (@extschema@.email, @extschema@.email) IS 'less than or equal ignoring case';
CREATE OPERATOR @extschema@.> (
    LEFTARG = @extschema@.email, RIGHTARG = @extschema@.email,
    FUNCTION = @extschema@.email_gt,
    COMMUTATOR = OPERATOR(@extschema@.<), NEGATOR = OPERATOR(@extschema@.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
COMMENT ON OPERATOR @extschema@.> (@extschema@.email, @extschema@.email) IS 'greater than ignoring case';
CREATE OPERATOR @extschema@.>= (
    LEFTARG = @extschema@.email, RIGHTARG = @extschema@.email,
    FUNCTION = @extschema@.email_ge,
    COMMUTATOR = OPERATOR(@extschema@.<=), NEGATOR = OPERATOR(@extschema@.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);
COMMENT ON OPERATOR @extschema@.>= (@extschema@.email, @extschema@.email) IS 'greater than or equal ignoring case';

CREATE OPERATOR CLASS @extschema@.email_ops
    DEFAULT FOR TYPE @extschema@.email USING btree AS
        OPERATOR 1 @extschema@.< ,
        OPERATOR 2 @extschema@.<= ,
        OPERATOR 3 @extschema@.= ,
        OPERATOR 4 @extschema@.>= ,
        OPERATOR 5 @extschema@.> ,
        FUNCTION 1 @extschema@.email_cmp(@extschema@.email, @extschema@.email),
        FUNCTION 2 @extschema@.email_sortsupport(internal);
COMMENT ON OPERATOR CLASS @extschema@.email_ops USING btree IS
'Case-insensitive ordering of addresses (UNIQUE constraints, ORDER BY, range scans)';
COMMENT ON OPERATOR FAMILY @extschema@.email_ops USING btree IS
'Case-insensitive ordering of addresses';

CREATE OPERATOR CLASS @extschema@.email_ops
    DEFAULT FOR TYPE @extschema@.email USING hash AS
        OPERATOR 1 @extschema@.= ,
        FUNCTION 1 @extschema@.email_hash(@extschema@.email),
        FUNCTION 2 @extschema@.email_hash_extended(@extschema@.email, bigint);
COMMENT ON OPERATOR CLASS @extschema@.email_ops USING hash IS
'Case-insensitive hashing of addresses (hash joins, hash indexes, hash partitioning)';
COMMENT ON OPERATOR FAMILY @extschema@.email_ops USING hash IS
'Case-insensitive hashing of addresses';

-- ---------------------------------------------------------------------------
-- Emails: functions
-- ---------------------------------------------------------------------------
-- Each text function comes in two forms: with an explicit profile
-- ('mailbox' or 'rfc'), IMMUTABLE and usable in indexes and constraints;
-- without one it reads contacts.email_profile and is therefore STABLE.

CREATE FUNCTION @extschema@.email_valid(text) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_valid' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_valid(text) IS
'True when the text is a valid address under contacts.email_profile';
CREATE FUNCTION @extschema@.email_valid(text, profile text) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_valid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_valid(text, text) IS
'True when the text is a valid address under the given profile (mailbox or rfc)';

CREATE FUNCTION @extschema@.email_check(text) RETURNS text
AS 'MODULE_PATHNAME', 'email_check_reason' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_check(text) IS
'NULL when the text is a valid address under contacts.email_profile, else the reason code (see the README)';
CREATE FUNCTION @extschema@.email_check(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'email_check_reason' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_check(text, text) IS
'NULL when the text is a valid address under the given profile, else the reason code';

CREATE FUNCTION @extschema@.email_normalize(text) RETURNS text
AS 'MODULE_PATHNAME', 'email_normalize_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_normalize(text) IS
'The address as contacts.email stores it (trimmed, NFC, domain lower-cased, IDN in Unicode form); error when invalid';
CREATE FUNCTION @extschema@.email_normalize(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'email_normalize_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_normalize(text, text) IS
'The normalized address under the given profile; error when invalid';

CREATE FUNCTION @extschema@.email_suggest(text) RETURNS text
AS 'MODULE_PATHNAME', 'email_suggest_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_suggest(text) IS
'The address probably meant when the domain is a misspelt common one (gmial.com, hotmail.con), else NULL';
CREATE FUNCTION @extschema@.email_suggest(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'email_suggest_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_suggest(text, text) IS
'The address probably meant, validated under the given profile, else NULL';

CREATE FUNCTION @extschema@.email_local(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'email_local' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_local(@extschema@.email) IS
'The local part (before the @), as typed';

CREATE FUNCTION @extschema@.email_domain(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'email_domain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_domain(@extschema@.email) IS
'The domain, lower-cased (Unicode form for internationalized domains in a UTF-8 database)';

CREATE FUNCTION @extschema@.email_ascii(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'email_ascii' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_ascii(@extschema@.email) IS
'The address with its domain in ASCII (xn--) form, for systems without SMTPUTF8';

CREATE FUNCTION @extschema@.email_canonical(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'email_canonical_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_canonical(@extschema@.email) IS
'Provider-aware duplicate key: lower-cased, Gmail dots and +tags removed, provider aliases merged (see the README provider table)';

CREATE FUNCTION @extschema@.email_is_disposable(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_is_disposable_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_is_disposable(@extschema@.email) IS
'True when the domain (or a parent) is a disposable-mail service (disposable-email-domains list, CC0)';

CREATE FUNCTION @extschema@.email_is_freemail(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_is_freemail_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_is_freemail(@extschema@.email) IS
'True when the domain is a free consumer mail service (gmail.com, hotmail.es, yahoo.com.ar ...)';

CREATE FUNCTION @extschema@.email_is_role(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'email_is_role_fn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_is_role(@extschema@.email) IS
'True when the local part names a role or department rather than a person (info, ventas, admin, noreply ...)';

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
-- With region NULL these read contacts.default_region, hence STABLE and not
-- STRICT.  The *_in_region variants never read a setting (a NULL region means
-- "international forms only") and are IMMUTABLE, for indexes, generated
-- columns and constraints.

CREATE FUNCTION @extschema@.phone_parse(number text, region text DEFAULT NULL)
RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_parse'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_parse(text, text) IS
'Parse a phone number written in any usual form; region (ISO 3166-1 alpha-2) applies to national forms, NULL means contacts.default_region; invalid numbers raise 22P02 with the reason';

CREATE FUNCTION @extschema@.phone_valid(number text, region text DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_valid'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_valid(text, text) IS
'True when the text is a valid phone number (as phone_parse would accept it); region NULL means contacts.default_region';

CREATE FUNCTION @extschema@.phone_check(number text, region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phone_check'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_check(text, text) IS
'NULL for a valid phone number, else the reason code (NOT_A_NUMBER, INVALID_COUNTRY_CODE, TOO_SHORT, TOO_LONG, INVALID_LENGTH, INVALID_FOR_REGION); region NULL means contacts.default_region';

CREATE FUNCTION @extschema@.phone_parse_in_region(number text, region text)
RETURNS @extschema@.phone
AS 'MODULE_PATHNAME', 'contacts_phone_parse_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_parse_in_region(text, text) IS
'phone_parse without the setting: region NULL means international forms only; IMMUTABLE, for indexes and generated columns';

CREATE FUNCTION @extschema@.phone_valid_in_region(number text, region text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_phone_valid_in_region'
LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.phone_valid_in_region(text, text) IS
'phone_valid without the setting: region NULL means international forms only; IMMUTABLE, for constraints and partial indexes';

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

-- ---------------------------------------------------------------------------
-- Folding: the accent- and case-insensitive key
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fold(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_fold'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.fold(text) IS
'Accent- and case-insensitive key: NFKC, full case folding, diacritics removed (ñ and ç too), ß/æ/œ and ligatures expanded, Unicode spaces, dashes and quotes unified, whitespace collapsed and trimmed; IMMUTABLE for a given ICU version (see versions())';

-- ---------------------------------------------------------------------------
-- Similarity (every function folds both arguments and counts code points)
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.levenshtein(text, text)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_levenshtein'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.levenshtein(text, text) IS
'Levenshtein edit distance between the folded texts, in code points';

CREATE FUNCTION @extschema@.levenshtein(text, text, integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_levenshtein_bounded'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.levenshtein(text, text, integer) IS
'Levenshtein distance between the folded texts when at most the third argument, else that bound plus one (stops early)';

CREATE FUNCTION @extschema@.damerau_levenshtein(text, text)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_damerau_levenshtein'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.damerau_levenshtein(text, text) IS
'Optimal string alignment distance between the folded texts: Levenshtein plus transposition of adjacent characters';

CREATE FUNCTION @extschema@.jaro(text, text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_jaro'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.jaro(text, text) IS
'Jaro similarity of the folded texts, in [0, 1]';

CREATE FUNCTION @extschema@.jaro_winkler(text, text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_jaro_winkler'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.jaro_winkler(text, text) IS
'Jaro-Winkler similarity of the folded texts, in [0, 1] (prefix scale 0.1, up to 4 characters, boost above 0.7)';

CREATE FUNCTION @extschema@.token_set_similarity(text, text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_token_set_similarity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.token_set_similarity(text, text) IS
'Similarity in [0, 1] of the folded texts as sets of words: order and repetition ignored, 1 when one set contains the other';

CREATE FUNCTION @extschema@.qgram_similarity(text, text, q integer DEFAULT 2)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_qgram_similarity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.qgram_similarity(text, text, integer) IS
'Dice coefficient of the q-gram multisets of the folded texts padded at both ends, in [0, 1] (q from 1 to 16, default 2)';

-- ---------------------------------------------------------------------------
-- Phonetic keys (word by word, keys joined by spaces)
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.double_metaphone(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_double_metaphone'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.double_metaphone(text) IS
'Primary Double Metaphone key of each word (at most 4 characters each), joined by spaces';

CREATE FUNCTION @extschema@.double_metaphone_alt(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_double_metaphone_alt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.double_metaphone_alt(text) IS
'Alternate Double Metaphone key of each word (the primary where a word has no alternate), joined by spaces';

CREATE FUNCTION @extschema@.phonetic_es(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phonetic_es'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.phonetic_es(text) IS
'Spanish phonetic key of each word (b/v, c/s/z, ll/y, silent h, qu/k, gue/gui, g/j before e/i, x, rr, final d), joined by spaces';

-- ---------------------------------------------------------------------------
-- Person names
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.normalize_name(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_normalize_name'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.normalize_name(text) IS
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
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

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
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_similarity(text, text) IS
'Similarity of two person names in [0,1]: word order ignored, missing middle name or second surname tolerated, initials, nicknames, accents, case and typos matched; symmetric';

-- ---------------------------------------------------------------------------
-- Company names
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.normalize_company(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_normalize_company'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.normalize_company(text) IS
'Display form of a company name: single-spaced, comma spacing fixed, trailing legal form written the usual way (S.A. de C.V., GmbH, Inc.); case otherwise as typed';

CREATE FUNCTION @extschema@.company_key(name text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_company_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.company_key(text) IS
'Comparison key of a company name: folded, punctuation dropped, initials joined, &/and/y/und/et unified, leading "the" and trailing legal forms removed; depends on the ICU version';

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

-- ---------------------------------------------------------------------------
-- Fuzzy name search with an index
--
-- name %~ query is true when the two names' similarity (name_search_similarity)
-- reaches contacts.name_similarity_threshold; name <~> query is 1 - similarity.
-- The operator names differ from pg_trgm's (%, <%, %>, <<%, %>>, <->, <<->,
-- <->>, <<<->, <->>>) so that both extensions can share a search_path: with
-- the same spelling on (text, text) the first schema in the path would win
-- silently.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.name_search_similarity(text, text)
RETURNS real
AS 'MODULE_PATHNAME', 'contacts_name_search_similarity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_search_similarity(text, text) IS
'Similarity in [0, 1] of two names as the fuzzy name index sees them: Jaccard index of their keys (trigrams and sorted letters of the folded, phonetically spelled tokens); ignores case, accents, punctuation and token order';

CREATE FUNCTION @extschema@.name_search_distance(text, text)
RETURNS real
AS 'MODULE_PATHNAME', 'contacts_name_search_distance'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_search_distance(text, text) IS
'1 - name_search_similarity(a, b): the distance behind the <~> operator';

-- STABLE, not IMMUTABLE: the result depends on a setting.
CREATE FUNCTION @extschema@.name_search_match(text, text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_name_search_match'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_search_match(text, text) IS
'True when the names share a key and name_search_similarity reaches contacts.name_similarity_threshold: the function behind the %~ operator';

CREATE FUNCTION @extschema@.name_search_key(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_name_search_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_search_key(text) IS
'The folded, phonetically spelled tokens of a name, sorted: what the fuzzy name index compares (c stands for ch/sh; h, q, v, z are spelled away)';

CREATE OPERATOR @extschema@.%~ (
    LEFTARG = text,
    RIGHTARG = text,
    FUNCTION = @extschema@.name_search_match,
    COMMUTATOR = OPERATOR(@extschema@.%~),
    RESTRICT = matchingsel,
    JOIN = matchingjoinsel
);

COMMENT ON OPERATOR @extschema@.%~ (text, text) IS
'Fuzzy name match: similarity at least contacts.name_similarity_threshold, ignoring case, accents, token order and small misspellings; indexable with name_gin_ops';

CREATE OPERATOR @extschema@.<~> (
    LEFTARG = text,
    RIGHTARG = text,
    FUNCTION = @extschema@.name_search_distance,
    COMMUTATOR = OPERATOR(@extschema@.<~>)
);

COMMENT ON OPERATOR @extschema@.<~> (text, text) IS
'Fuzzy name distance, 1 - name_search_similarity: ORDER BY name <~> query LIMIT k gives the k nearest names';

-- GIN support

CREATE FUNCTION @extschema@.name_gin_extract_value(text, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'contacts_name_gin_extract_value'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_gin_extract_value(text, internal) IS
'GIN support for name_gin_ops: the keys of an indexed name';

CREATE FUNCTION @extschema@.name_gin_extract_query(text, internal, int2, internal, internal, internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'contacts_name_gin_extract_query'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_gin_extract_query(text, internal, int2, internal, internal, internal, internal) IS
'GIN support for name_gin_ops: the keys of a query name';

CREATE FUNCTION @extschema@.name_gin_consistent(internal, int2, text, int4, internal, internal, internal, internal)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_name_gin_consistent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_gin_consistent(internal, int2, text, int4, internal, internal, internal, internal) IS
'GIN support for name_gin_ops: whether a row sharing the given keys can reach the threshold (rechecked)';

CREATE FUNCTION @extschema@.name_gin_triconsistent(internal, int2, text, int4, internal, internal, internal)
RETURNS "char"
AS 'MODULE_PATHNAME', 'contacts_name_gin_triconsistent'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.name_gin_triconsistent(internal, int2, text, int4, internal, internal, internal) IS
'GIN support for name_gin_ops: ternary consistent, which lets GIN skip rows that lack all of the rarest keys';

CREATE OPERATOR CLASS @extschema@.name_gin_ops
FOR TYPE text USING gin AS
    OPERATOR 1 @extschema@.%~ (text, text),
    FUNCTION 1 pg_catalog.btint4cmp(int4, int4),
    FUNCTION 2 @extschema@.name_gin_extract_value(text, internal),
    FUNCTION 3 @extschema@.name_gin_extract_query(text, internal, int2, internal, internal, internal, internal),
    FUNCTION 4 @extschema@.name_gin_consistent(internal, int2, text, int4, internal, internal, internal, internal),
    FUNCTION 6 @extschema@.name_gin_triconsistent(internal, int2, text, int4, internal, internal, internal),
    STORAGE int4;

COMMENT ON OPERATOR CLASS @extschema@.name_gin_ops USING gin IS
'GIN index on a text column for fuzzy name search with %~ (accent-, case- and order-insensitive, tolerant of misspellings)';

COMMENT ON OPERATOR FAMILY @extschema@.name_gin_ops USING gin IS
'GIN operator family of name_gin_ops';

-- ---------------------------------------------------------------------------
-- Per-table configuration shared by the trigger, imports, dedupe and health
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.table_config (
    tbl               regclass PRIMARY KEY,
    key_column        name NOT NULL,
    default_region    text,
    on_invalid        text NOT NULL DEFAULT 'reject'
                      CHECK (on_invalid IN ('reject', 'set_null', 'flag')),
    on_duplicate      text NOT NULL DEFAULT 'allow'
                      CHECK (on_duplicate IN ('reject', 'update', 'flag', 'allow')),
    flag_column       name,
    updated_at_column name,
    consent_column    name,
    fuzzy_duplicates  boolean NOT NULL DEFAULT false
);

COMMENT ON TABLE @extschema@.table_config IS
'One row per contact table managed by contacts: its key column, default phone region, what the entry trigger does with invalid values and duplicates (exact keys, and likely duplicates by the dedupe model when fuzzy_duplicates), and optional flag, updated-at and consent columns';

CREATE TABLE @extschema@.column_kind (
    tbl           regclass NOT NULL REFERENCES @extschema@.table_config ON DELETE CASCADE,
    col           name NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('given_name', 'family_name', 'full_name', 'email',
                      'phone', 'company', 'address', 'city', 'postcode', 'country', 'birth_date',
                      'national_id', 'free_text')),
    duplicate_key boolean NOT NULL DEFAULT false,
    required      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tbl, col)
);

COMMENT ON TABLE @extschema@.column_kind IS
'What each configured column of a contact table holds, whether it is an exact duplicate key for the entry trigger, and whether it is required';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.table_config', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.column_kind', '');

CREATE FUNCTION @extschema@.configure(
    tbl regclass,
    key_column name,
    kinds jsonb,
    default_region text DEFAULT NULL,
    on_invalid text DEFAULT 'reject',
    on_duplicate text DEFAULT 'allow',
    flag_column name DEFAULT NULL,
    updated_at_column name DEFAULT NULL,
    consent_column name DEFAULT NULL,
    duplicate_keys name[] DEFAULT '{}',
    required name[] DEFAULT '{}',
    fuzzy_duplicates boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    col text;
    missing text;
BEGIN
    -- Every named column must exist: a typo here would silently skip checks.
    SELECT string_agg(c, ', ') INTO missing
      FROM (SELECT jsonb_object_keys(kinds) AS c
            UNION ALL SELECT key_column
            UNION ALL SELECT unnest(ARRAY[flag_column, updated_at_column, consent_column])
            UNION ALL SELECT unnest(duplicate_keys)
            UNION ALL SELECT unnest(required)) named
     WHERE c IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = tbl AND a.attname = c
                          AND a.attnum > 0 AND NOT a.attisdropped);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no column(s) %', tbl, missing
            USING ERRCODE = 'undefined_column',
                  HINT = 'Name existing columns in key_column, kinds, flag_column, updated_at_column, consent_column, duplicate_keys and required.';
    END IF;
    IF flag_column IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM pg_attribute a
            WHERE a.attrelid = tbl AND a.attname = flag_column AND a.atttypid = 'jsonb'::regtype) THEN
        RAISE EXCEPTION 'flag column % of table % must be of type jsonb', flag_column, tbl
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    IF on_invalid NOT IN ('reject', 'set_null', 'flag') THEN
        RAISE EXCEPTION 'unknown on_invalid action "%"', on_invalid
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use reject, set_null or flag.';
    END IF;
    IF on_duplicate NOT IN ('reject', 'update', 'flag', 'allow') THEN
        RAISE EXCEPTION 'unknown on_duplicate action "%"', on_duplicate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use reject, update, flag or allow.';
    END IF;
    SELECT string_agg(format('%s (%s)', e.key, e.value), ', ') INTO missing
      FROM jsonb_each_text(kinds) e
     WHERE e.value NOT IN ('given_name', 'family_name', 'full_name', 'email', 'phone', 'company',
                           'address', 'city', 'postcode', 'country', 'birth_date', 'national_id',
                           'free_text');
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'unknown column kind: %', missing
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Kinds are given_name, family_name, full_name, email, phone, company, address, city, postcode, country, birth_date, national_id and free_text.';
    END IF;
    FOREACH col IN ARRAY duplicate_keys || required LOOP
        IF NOT kinds ? col THEN
            RAISE EXCEPTION 'column % is named as a duplicate key or required but has no kind', col
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Give every duplicate key and required column a kind in kinds.';
        END IF;
    END LOOP;

    INSERT INTO @extschema@.table_config AS t
           (tbl, key_column, default_region, on_invalid, on_duplicate, flag_column,
            updated_at_column, consent_column, fuzzy_duplicates)
    VALUES (configure.tbl, configure.key_column, configure.default_region, configure.on_invalid,
            configure.on_duplicate, configure.flag_column, configure.updated_at_column,
            configure.consent_column, configure.fuzzy_duplicates)
    ON CONFLICT ON CONSTRAINT table_config_pkey DO UPDATE
       SET key_column = EXCLUDED.key_column, default_region = EXCLUDED.default_region,
           on_invalid = EXCLUDED.on_invalid, on_duplicate = EXCLUDED.on_duplicate,
           flag_column = EXCLUDED.flag_column, updated_at_column = EXCLUDED.updated_at_column,
           consent_column = EXCLUDED.consent_column, fuzzy_duplicates = EXCLUDED.fuzzy_duplicates;

    DELETE FROM @extschema@.column_kind k WHERE k.tbl = configure.tbl;
    INSERT INTO @extschema@.column_kind (tbl, col, kind, duplicate_key, required)
    SELECT configure.tbl, e.key, e.value, e.key = ANY (duplicate_keys), e.key = ANY (required)
      FROM jsonb_each_text(kinds) e;
END;
$$;

COMMENT ON FUNCTION @extschema@.configure(regclass, name, jsonb, text, text, text, name, name, name, name[], name[], boolean) IS
'Declare a contact table: its key column, which column holds which kind of value ({"col": "email", ...}), the default phone region, the entry trigger''s actions on invalid values and duplicates (exact keys, and with fuzzy_duplicates likely duplicates by the dedupe model), and optional flag (jsonb), updated-at and consent columns';

CREATE FUNCTION @extschema@.config_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_config_changed'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.config_changed() IS
'Trigger on the configuration tables: tells every session to reload the configuration of the changed table';

CREATE TRIGGER table_config_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.table_config
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();
CREATE TRIGGER column_kind_changed AFTER INSERT OR UPDATE OR DELETE ON @extschema@.column_kind
    FOR EACH ROW EXECUTE FUNCTION @extschema@.config_changed();

-- A dropped table takes its configuration with it (regclass is no foreign key).
CREATE FUNCTION @extschema@.forget_dropped_tables()
RETURNS event_trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM @extschema@.table_config
     WHERE tbl::oid IN (SELECT objid FROM pg_event_trigger_dropped_objects()
                         WHERE classid = 'pg_class'::regclass AND objsubid = 0);
END;
$$;

COMMENT ON FUNCTION @extschema@.forget_dropped_tables() IS
'Event trigger: removes the contacts configuration of dropped tables';

CREATE EVENT TRIGGER contacts_forget_dropped_tables ON sql_drop
    EXECUTE FUNCTION @extschema@.forget_dropped_tables();

COMMENT ON EVENT TRIGGER contacts_forget_dropped_tables IS
'Removes the contacts configuration of dropped tables';

-- SQL expressions that check and normalize a value of a given kind, shared
-- by imports and the health report so that both agree with the trigger.
CREATE FUNCTION @extschema@.kind_check_sql(kind text, value_sql text, region_sql text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE kind
    WHEN 'email' THEN format('@extschema@.email_check(%s)', value_sql)
    WHEN 'phone' THEN format('@extschema@.phone_check(%s, %s)', value_sql, region_sql)
    -- Without a region, or for a country whose documents are not known, an
    -- ID cannot be checked: it is kept as typed (as the trigger does).
    WHEN 'national_id' THEN format('NULLIF(@extschema@.national_id_check(%s, NULL, %s), ''ID_UNSUPPORTED_COUNTRY'')',
                                   region_sql, value_sql)
    ELSE 'NULL::text'
END
$$;

COMMENT ON FUNCTION @extschema@.kind_check_sql(text, text, text) IS
'SQL expression giving the reason code why value_sql is invalid for kind (NULL when valid); used to build import and health queries';

-- Two values of a kind are the same duplicate key when kind_key_sql() of
-- both are equal: emails compare case-insensitively over the whole address
-- (as contacts.email does), everything else as its normal form.  The key is
-- text, so it never fails on a stored invalid value and can be indexed.
CREATE FUNCTION @extschema@.kind_key_sql(kind text, value_sql text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE kind WHEN 'email' THEN format('lower((%s)::text)', value_sql) ELSE value_sql END
$$;

COMMENT ON FUNCTION @extschema@.kind_key_sql(text, text) IS
'SQL expression of value_sql as a duplicate key of kind (emails lower-cased); index it, e.g. CREATE INDEX ON t (lower(email)), to make duplicate checks fast';

CREATE FUNCTION @extschema@.kind_normalize_sql(kind text, value_sql text, region_sql text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE kind
    WHEN 'email' THEN format('@extschema@.email_normalize(%s)', value_sql)
    -- the phone type's text form: E.164, and ";ext=" with the extension
    WHEN 'phone' THEN format('(@extschema@.phone_parse(%s, %s))::text', value_sql, region_sql)
    WHEN 'national_id' THEN format('CASE WHEN @extschema@.national_id_check(%1$s, NULL, %2$s) IS NULL '
                                   'AND %1$s IS NOT NULL THEN @extschema@.national_id_normalize(%1$s, NULL, %2$s) '
                                   'ELSE NULLIF(btrim(%2$s), '''') END', region_sql, value_sql)
    WHEN 'given_name' THEN format('@extschema@.normalize_name(%s)', value_sql)
    WHEN 'family_name' THEN format('@extschema@.normalize_name(%s)', value_sql)
    WHEN 'full_name' THEN format('@extschema@.normalize_name(%s)', value_sql)
    WHEN 'company' THEN format('@extschema@.normalize_company(%s)', value_sql)
    ELSE format('NULLIF(btrim(%s), '''')', value_sql)
END
$$;

COMMENT ON FUNCTION @extschema@.kind_normalize_sql(text, text, text) IS
'SQL expression giving the normalized form of a valid value_sql of kind (E.164 with any extension for phones, proper case for names...); used to build import and health queries';

-- ---------------------------------------------------------------------------
-- Duplicate detection (dedupe): configuration, runs, results, matching
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.match_key(kind text, value text, region text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_match_key'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.match_key(text, text, text) IS
'Normalized key of a contact value for blocking and comparison; kind is email, phone, phonetic, company, national_id, postcode, date or fold; region (ISO alpha-2) decides national phones, IDs and day/month order; NULL when the value yields no key';

CREATE TABLE @extschema@.dedupe_settings (
    tbl              regclass PRIMARY KEY REFERENCES @extschema@.table_config ON DELETE CASCADE,
    threshold        float8 NOT NULL DEFAULT 0.9 CHECK (threshold > 0 AND threshold < 1),
    max_cluster_size integer NOT NULL DEFAULT 50 CHECK (max_cluster_size >= 2),
    max_block_size   integer NOT NULL DEFAULT 100 CHECK (max_block_size >= 2),
    em_iterations    integer NOT NULL DEFAULT 30 CHECK (em_iterations >= 0),
    em_sample_pairs  bigint NOT NULL DEFAULT 300000 CHECK (em_sample_pairs >= 1000),
    prior            float8 CHECK (prior > 0 AND prior < 1),
    features_table   name
);

COMMENT ON TABLE @extschema@.dedupe_settings IS
'Dedupe knobs of a table configured with contacts.configure(): match threshold, cluster and block size guards, EM settings; prior and features_table are set by dedupe_run (a row with the defaults is added by the first run)';

CREATE TABLE @extschema@.dedupe_model (
    tbl          regclass NOT NULL REFERENCES @extschema@.dedupe_settings ON DELETE CASCADE,
    col          name NOT NULL,
    m            float8[],
    u            float8[],
    fixed        boolean NOT NULL DEFAULT false,
    tf_reference float8,
    PRIMARY KEY (tbl, col),
    CHECK (NOT fixed OR (m IS NOT NULL AND u IS NOT NULL))
);

COMMENT ON TABLE @extschema@.dedupe_model IS
'm and u of each compared column per comparison level (see dedupe_levels), estimated by each run and used as the next run''s start, or set by the DBA with fixed = true; tf_reference is the mean log2 frequency of agreeing values that term-frequency adjustments are relative to';

CREATE TABLE @extschema@.dedupe_runs (
    run_id                bigserial PRIMARY KEY,
    tbl                   regclass NOT NULL,
    started_at            timestamptz NOT NULL DEFAULT now(),
    finished_at           timestamptz,
    records               bigint,
    candidate_pairs       bigint,
    pairs_by_rule         jsonb,
    reduction_ratio       float8,
    pairs_above_threshold bigint,
    clusters              bigint,
    records_in_clusters   bigint,
    cluster_sizes         jsonb,
    flagged_clusters      bigint,
    refused_links         bigint,
    em_iterations         integer,
    model                 jsonb,
    seconds               jsonb,
    cpu_seconds           jsonb
);

COMMENT ON TABLE @extschema@.dedupe_runs IS
'Summary of each dedupe run: records, candidate pairs (per blocking rule) and reduction ratio, pairs above threshold, clusters and their size distribution, estimated model, wall and CPU seconds per phase';

CREATE TABLE @extschema@.dedupe_pairs (
    run_id      bigint NOT NULL REFERENCES @extschema@.dedupe_runs ON DELETE CASCADE,
    key_a       bigint NOT NULL,
    key_b       bigint NOT NULL,
    probability float8 NOT NULL,
    weight      float8 NOT NULL,
    explanation jsonb NOT NULL,
    PRIMARY KEY (run_id, key_a, key_b)
);

COMMENT ON TABLE @extschema@.dedupe_pairs IS
'Record pairs of a run whose match probability reached the threshold (key_a < key_b), with the total weight and, per column, the comparison level hit and its weight';

CREATE TABLE @extschema@.dedupe_clusters (
    run_id       bigint NOT NULL REFERENCES @extschema@.dedupe_runs ON DELETE CASCADE,
    cluster_id   bigint NOT NULL,
    key          bigint NOT NULL,
    cluster_size integer NOT NULL,
    flagged      boolean NOT NULL,
    PRIMARY KEY (run_id, key)
);

CREATE INDEX ON @extschema@.dedupe_clusters (run_id, cluster_id);

COMMENT ON TABLE @extschema@.dedupe_clusters IS
'Clusters of a run (records linked by pairs above the threshold, singletons omitted); cluster_id is the smallest key; flagged when the size guard refused a link into it';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_settings', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.dedupe_model', '');

CREATE FUNCTION @extschema@.dedupe_levels(OUT kind text, OUT level integer, OUT level_name text,
    OUT default_m float8, OUT default_u float8, OUT tf_adjusted boolean)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_dedupe_levels'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.dedupe_levels() IS
'The comparison levels of each column kind, best first, with the starting m and u used before EM and whether agreement is term-frequency adjusted';

CREATE FUNCTION @extschema@.dedupe_run(tbl regclass)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_dedupe_run'
LANGUAGE C VOLATILE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_run(regclass) IS
'Find the duplicates of a table configured with contacts.configure(): normalized features, blocking rules unioned, EM estimation of m and u, scoring with term-frequency adjustment, clustering; returns the run_id of the results in dedupe_runs, dedupe_pairs and dedupe_clusters';

CREATE FUNCTION @extschema@.dedupe_match(tbl regclass, candidate jsonb,
    max_results integer DEFAULT 10, min_probability float8 DEFAULT 0.5)
RETURNS TABLE (key bigint, probability float8, weight float8, explanation jsonb)
AS 'MODULE_PATHNAME', 'contacts_dedupe_match'
LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION @extschema@.dedupe_match(regclass, jsonb, integer, float8) IS
'Best matches of one row (as jsonb of column values) among the records of the table''s last dedupe run, scored with that run''s model, most probable first';

-- ---------------------------------------------------------------------------
-- Merging and unmerging
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.merge_config (
    tbl                 regclass PRIMARY KEY,
    rules               jsonb NOT NULL DEFAULT '{}'
                        CHECK (jsonb_typeof(rules) = 'object'),
    soft_delete_column  name,
    updated_at_column   name
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_config', '');

COMMENT ON TABLE @extschema@.merge_config IS
'Per-table merge settings: survivorship rules by column ({"column": "rule"}), the flag column that marks merged-away rows instead of deleting them, and the updated-at column that most_recent and the preference order use';

CREATE TABLE @extschema@.merge_log (
    merge_id     bigserial PRIMARY KEY,
    tbl          regclass NOT NULL,
    survivor     jsonb NOT NULL,
    members      jsonb NOT NULL,
    rules        jsonb NOT NULL,
    reason       text,
    merged_by    name NOT NULL DEFAULT CURRENT_USER,
    merged_at    timestamptz NOT NULL DEFAULT now(),
    unmerged_by  name,
    unmerged_at  timestamptz
);
CREATE INDEX merge_log_tbl_idx ON @extschema@.merge_log (tbl, merged_at);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_merge_id_seq', '');

COMMENT ON TABLE @extschema@.merge_log IS
'One row per merge: the table, the survivor''s key, the merged-away keys, the survivorship rules in effect, who merged, when and why, and who undid it when';

CREATE TABLE @extschema@.merge_log_row (
    row_id    bigserial PRIMARY KEY,
    merge_id  bigint NOT NULL REFERENCES @extschema@.merge_log ON DELETE CASCADE,
    tbl       regclass NOT NULL,
    action    text NOT NULL
              CHECK (action IN ('update', 'delete', 'soft_delete', 'repoint', 'delete_conflict')),
    before    jsonb NOT NULL,
    after     jsonb,
    CHECK ((after IS NULL) = (action IN ('delete', 'delete_conflict')))
);
CREATE INDEX merge_log_row_merge_idx ON @extschema@.merge_log_row (merge_id, row_id);
-- unmerge finds later merges that logged a row as this merge left it
CREATE INDEX merge_log_row_before_idx ON @extschema@.merge_log_row USING hash (before);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_row', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_log_row_row_id_seq', '');

COMMENT ON TABLE @extschema@.merge_log_row IS
'Every row a merge changed or deleted, in order: update (the survivor), delete or soft_delete (merged-away rows), repoint (a referencing row moved to the survivor), delete_conflict (a referencing row dropped because its move collided with a unique key); before and after are to_jsonb images, after is NULL for deletions';

CREATE FUNCTION @extschema@.merge(tbl regclass, survivor anyelement, members anyarray,
                                  rules jsonb DEFAULT NULL, reason text DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_merge'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.merge(regclass, anyelement, anyarray, jsonb, text) IS
'Merge the rows of tbl whose primary keys are in members into the row survivor (one of them): repoint every foreign key reference, delete (or soft-delete) the others, apply the survivorship rules, log everything; returns the merge_id for unmerge. Keys of a composite primary key are ROW(...) values';

CREATE FUNCTION @extschema@.unmerge(merge_id bigint)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_unmerge'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;

COMMENT ON FUNCTION @extschema@.unmerge(bigint) IS
'Restore exactly what merge merge_id changed (rows, deleted rows, references); refuses with SQLSTATE 55000 when a later change makes an exact restore impossible; returns the number of rows restored';

CREATE FUNCTION @extschema@.merge_rules(tbl regclass, rules jsonb DEFAULT NULL,
                                        OUT column_name text, OUT rule text,
                                        OUT validator text, OUT source text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'contacts_merge_rules'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.merge_rules(regclass, jsonb) IS
'The survivorship rule a merge of tbl applies to each column (with the given call rules), and where it comes from: default, table (contacts.merge_config) or call';

CREATE FUNCTION @extschema@.merge_configure(tbl regclass, rules jsonb DEFAULT '{}',
                                            soft_delete_column name DEFAULT NULL,
                                            updated_at_column name DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO @extschema@.merge_config AS c (tbl, rules, soft_delete_column, updated_at_column)
    VALUES (tbl, COALESCE(rules, '{}'), soft_delete_column, updated_at_column)
    ON CONFLICT ON CONSTRAINT merge_config_pkey DO UPDATE
       SET rules = EXCLUDED.rules,
           soft_delete_column = EXCLUDED.soft_delete_column,
           updated_at_column = EXCLUDED.updated_at_column;
    -- validate now rather than at the first merge
    PERFORM @extschema@.merge_rules(tbl);
END
$$;

COMMENT ON FUNCTION @extschema@.merge_configure(regclass, jsonb, name, name) IS
'Set the merge configuration of tbl (survivorship rules by column, soft-delete flag column, updated-at column) after checking it';

CREATE TABLE @extschema@.merge_batch (
    batch_name   text PRIMARY KEY,
    tbl          regclass NOT NULL,
    clusters     text NOT NULL,
    rules        jsonb,
    reason       text,
    started_by   name NOT NULL DEFAULT CURRENT_USER,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_batch', '');

COMMENT ON TABLE @extschema@.merge_batch IS
'One row per batch merge (contacts.merge_clusters): the table, the query giving the clusters, when it started and finished';

CREATE TABLE @extschema@.merge_batch_cluster (
    batch_name  text NOT NULL REFERENCES @extschema@.merge_batch ON DELETE CASCADE,
    cluster_id  text NOT NULL,
    merge_id    bigint,
    error       text,
    done_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (batch_name, cluster_id)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.merge_batch_cluster', '');

COMMENT ON TABLE @extschema@.merge_batch_cluster IS
'Clusters a batch merge has dealt with: the merge_id, or the error (SQLSTATE: message) that made it skip the cluster; a resumed batch skips every cluster listed here (delete a row to retry it)';

-- A procedure that commits cannot carry a SET clause, so every name below is
-- schema-qualified instead of pinning search_path.
CREATE PROCEDURE @extschema@.merge_clusters(tbl regclass, clusters text,
                                            batch_size integer DEFAULT 1000,
                                            rules jsonb DEFAULT NULL,
                                            reason text DEFAULT NULL,
                                            batch_name text DEFAULT NULL)
LANGUAGE plpgsql
AS $$
DECLARE
    v_batch     text := COALESCE(batch_name,
                         'merge_clusters ' || pg_catalog.md5(tbl::text || E'\n' || clusters));
    v_stored    @extschema@.merge_batch;
    v_total     bigint;
    v_done      bigint;
    v_merged    bigint := 0;
    v_failed    bigint := 0;
    v_in_batch  integer := 0;
    v_started   timestamptz := pg_catalog.clock_timestamp();
    v_cluster   record;
    v_merge_id  bigint;
BEGIN
    IF tbl IS NULL OR clusters IS NULL THEN
        RAISE EXCEPTION 'table and clusters query of a batch merge must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'batch_size must be at least 1'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    INSERT INTO @extschema@.merge_batch AS b (batch_name, tbl, clusters, rules, reason)
    VALUES (v_batch, tbl, clusters, rules, reason)
    ON CONFLICT ON CONSTRAINT merge_batch_pkey DO NOTHING;
    SELECT * INTO v_stored FROM @extschema@.merge_batch b WHERE b.batch_name = v_batch;
    IF v_stored.tbl OPERATOR(pg_catalog.<>) tbl OR v_stored.clusters OPERATOR(pg_catalog.<>) clusters THEN
        RAISE EXCEPTION 'batch merge "%" already exists for another table or query', v_batch
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pick another batch_name, or delete the old batch from contacts.merge_batch.';
    END IF;
    COMMIT;

    EXECUTE pg_catalog.format('SELECT pg_catalog.count(DISTINCT q.cluster_id) FROM (%s) q', clusters)
       INTO v_total;
    SELECT pg_catalog.count(*) INTO v_done
      FROM @extschema@.merge_batch_cluster c WHERE c.batch_name = v_batch;
    RAISE NOTICE 'batch merge "%" into %: % clusters, % done earlier', v_batch, tbl, v_total, v_done;

    FOR v_cluster IN EXECUTE pg_catalog.format(
        'SELECT q.cluster_id::text AS cluster_id, pg_catalog.array_agg(q.member_key ORDER BY q.member_key) AS members '
        'FROM (%s) q WHERE NOT EXISTS (SELECT 1 FROM @extschema@.merge_batch_cluster d '
        '  WHERE d.batch_name = $1 AND d.cluster_id = q.cluster_id::text) '
        'GROUP BY 1 ORDER BY 1', clusters) USING v_batch
    LOOP
        BEGIN
            IF pg_catalog.cardinality(v_cluster.members) < 2 THEN
                v_merge_id := NULL;
            ELSE
                -- the survivor is the cluster's smallest key
                EXECUTE 'SELECT @extschema@.merge($1, $2[1], $2, $3, $4)'
                   INTO v_merge_id USING tbl, v_cluster.members, rules, reason;
                v_merged := v_merged + 1;
            END IF;
            INSERT INTO @extschema@.merge_batch_cluster (batch_name, cluster_id, merge_id)
            VALUES (v_batch, v_cluster.cluster_id, v_merge_id);
        EXCEPTION WHEN OTHERS THEN
            v_failed := v_failed + 1;
            INSERT INTO @extschema@.merge_batch_cluster (batch_name, cluster_id, error)
            VALUES (v_batch, v_cluster.cluster_id, SQLSTATE || ': ' || SQLERRM);
        END;
        v_done := v_done + 1;
        v_in_batch := v_in_batch + 1;
        IF v_in_batch >= batch_size THEN
            COMMIT;
            v_in_batch := 0;
            RAISE NOTICE 'batch merge "%": % of % clusters done, % merged, % failed, % s', v_batch, v_done, v_total,
                v_merged, v_failed, pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - v_started)::numeric, 1);
        END IF;
    END LOOP;

    UPDATE @extschema@.merge_batch b SET finished_at = pg_catalog.now() WHERE b.batch_name = v_batch;
    COMMIT;
    RAISE NOTICE 'batch merge "%" finished: % of % clusters done, % merged, % failed, % s', v_batch, v_done, v_total,
        v_merged, v_failed, pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - v_started)::numeric, 1);
END
$$;

COMMENT ON PROCEDURE @extschema@.merge_clusters(regclass, text, integer, jsonb, text, text) IS
'Merge every cluster given by the query clusters (columns cluster_id and member_key: the primary key, or ROW(...) for a composite key) into its smallest key, committing every batch_size clusters and reporting progress; run it again with the same arguments (or batch_name) to resume after a cancel';

-- ---------------------------------------------------------------------------
-- Entry standards: the enforcing trigger
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.enforce()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_enforce'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.enforce() IS
'BEFORE INSERT OR UPDATE row trigger: checks and normalizes the columns declared with contacts.configure(), and rejects, nulls or flags invalid values and duplicates as configured';

-- ---------------------------------------------------------------------------
-- Suppression list: people who must never be imported again
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.suppression_key (
    key bytea NOT NULL CHECK (length(key) >= 32)
);
-- 256 bits from gen_random_uuid(), which uses a strong random source.
INSERT INTO @extschema@.suppression_key
SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text
                      || gen_random_uuid()::text, '-', ''), 'hex');
REVOKE ALL ON @extschema@.suppression_key FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.suppression_key', '');

COMMENT ON TABLE @extschema@.suppression_key IS
'The secret key of the suppression digests (HMAC-SHA256), made at CREATE EXTENSION; keep it with backups, since digests cannot be matched without it';

CREATE TABLE @extschema@.suppression (
    kind     text NOT NULL CHECK (kind IN ('email', 'phone', 'national_id')),
    digest   bytea NOT NULL,
    reason   text,
    added_at timestamptz NOT NULL DEFAULT now(),
    added_by name NOT NULL DEFAULT current_user,
    PRIMARY KEY (kind, digest)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.suppression', '');

COMMENT ON TABLE @extschema@.suppression IS
'Emails, phones and national IDs that must never be imported or entered again, kept as keyed digests of their normalized form, not as plain values';

CREATE FUNCTION @extschema@.suppression_changed()
RETURNS trigger
AS 'MODULE_PATHNAME', 'contacts_suppression_changed'
LANGUAGE C;

COMMENT ON FUNCTION @extschema@.suppression_changed() IS
'Trigger on contacts.suppression: tells every session to reload the suppression list the entry trigger consults';

CREATE TRIGGER suppression_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.suppression
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.suppression_changed();

CREATE FUNCTION @extschema@.suppression_digest(kind text, normalized_value text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_suppression_digest'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.suppression_digest(text, text) IS
'HMAC-SHA256 under the suppression key of kind:normalized_value';

CREATE FUNCTION @extschema@.suppression_normal_form(kind text, value text, region text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    normal text;
BEGIN
    IF value IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format('SELECT CASE WHEN %s IS NULL THEN %s END',
                   @extschema@.kind_check_sql(kind, '$1', '$2'),
                   @extschema@.kind_normalize_sql(kind, '$1', '$2'))
       INTO normal USING value, region;
    -- Every spelling of one mailbox (Gmail dots, +tags) is one suppression.
    IF kind = 'email' AND normal IS NOT NULL THEN
        normal := @extschema@.email_canonical(normal::@extschema@.email);
    END IF;
    RETURN normal;
END;
$$;

COMMENT ON FUNCTION @extschema@.suppression_normal_form(text, text, text) IS
'The form of a value that suppression digests are taken of: canonical email key, E.164 phone, normalized national ID; NULL when the value is invalid';

CREATE FUNCTION @extschema@.suppress(kind text, value text, region text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    normal text := @extschema@.suppression_normal_form(kind, value, region);
BEGIN
    IF normal IS NULL THEN
        RAISE EXCEPTION 'cannot suppress invalid % "%"', kind, value
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Suppress the valid form of the value (and give region for national phone numbers).';
    END IF;
    INSERT INTO @extschema@.suppression (kind, digest, reason)
    VALUES (kind, @extschema@.suppression_digest(kind, normal), reason)
    ON CONFLICT DO NOTHING;
    RETURN FOUND;
END;
$$;

COMMENT ON FUNCTION @extschema@.suppress(text, text, text, text) IS
'Add an email, phone or national ID to the suppression list (as a keyed digest); returns false when it was already there';

CREATE FUNCTION @extschema@.is_suppressed(kind text, value text, region text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT 1 FROM @extschema@.suppression s
                WHERE s.kind = is_suppressed.kind
                  AND s.digest = @extschema@.suppression_digest(
                          is_suppressed.kind,
                          @extschema@.suppression_normal_form(is_suppressed.kind, value, region)))
$$;

COMMENT ON FUNCTION @extschema@.is_suppressed(text, text, text) IS
'True when the email, phone or national ID (in any of its written forms) is on the suppression list';

-- ---------------------------------------------------------------------------
-- Imports: staging table -> configured target, with a duplicate policy
-- ---------------------------------------------------------------------------

CREATE TABLE @extschema@.import_run (
    import_id     bigserial PRIMARY KEY,
    target        regclass NOT NULL,
    staging       regclass NOT NULL,
    duplicate_key text,
    on_duplicate  text NOT NULL,
    dry_run       boolean NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    run_by        name NOT NULL DEFAULT current_user,
    staged        bigint,
    inserted      bigint,
    updated       bigint,
    kept          bigint,
    rejected      bigint,
    suppressed    bigint
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.import_run', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.import_run_import_id_seq', '');

COMMENT ON TABLE @extschema@.import_run IS
'One row per import (dry runs included): what was imported where, with which duplicate key and policy, and where every staged row went: staged = inserted + updated + kept + rejected + suppressed';

CREATE TABLE @extschema@.import_reject (
    import_id  bigint NOT NULL REFERENCES @extschema@.import_run ON DELETE CASCADE,
    row_number bigint NOT NULL,
    category   text NOT NULL CHECK (category IN ('invalid', 'suppressed', 'no_consent')),
    reasons    text[] NOT NULL,
    source     jsonb,
    PRIMARY KEY (import_id, row_number)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.import_reject', '');

COMMENT ON TABLE @extschema@.import_reject IS
'Staged rows an import set aside: invalid rows with the whole source row and every reason; suppressed and no-consent rows with their reason only (their data is not kept)';

CREATE FUNCTION @extschema@.import(
    staging regclass,
    target regclass,
    mapping jsonb,
    duplicate_key name DEFAULT NULL,
    on_duplicate text DEFAULT 'keep',
    dry_run boolean DEFAULT false,
    region text DEFAULT NULL,
    fuzzy boolean DEFAULT false)
RETURNS @extschema@.import_run
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg        @extschema@.table_config;
    run        @extschema@.import_run;
    m          record;
    src_col    text;
    kind       text;
    rule       text;
    val        text;
    region_sql text;
    sel        text := '';
    chk        text := '';
    supp       text := '';
    cols       text := '';
    ins_cols   text := '';
    upd_set    text := '';
    key_kind   text;
    candidate  text := '';
    n          bigint;
    t0         timestamptz := clock_timestamp();
BEGIN
    IF on_duplicate NOT IN ('keep', 'create', 'update') THEN
        RAISE EXCEPTION 'unknown duplicate policy "%"', on_duplicate
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use keep (leave the existing record), create (insert anyway) or update (update the existing record).';
    END IF;
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = target;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', target
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the target table first.';
    END IF;
    IF jsonb_typeof(mapping) IS DISTINCT FROM 'object' OR mapping = '{}' THEN
        RAISE EXCEPTION 'mapping must be a non-empty JSON object {"target column": "staging column" | {"from": ..., "on_update": ...}}'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF duplicate_key IS NOT NULL AND NOT mapping ? duplicate_key THEN
        RAISE EXCEPTION 'duplicate key % is not a mapped target column', duplicate_key
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Name a target column that the mapping fills, e.g. the email column.';
    END IF;

    -- The row's region: a mapped country column, else the argument, else the table's.
    region_sql := quote_nullable(coalesce(region, cfg.default_region));
    FOR m IN SELECT e.key AS col, k.kind
               FROM jsonb_each(mapping) e
               JOIN @extschema@.column_kind k ON k.tbl = target AND k.col = e.key
              WHERE k.kind = 'country' LOOP
        src_col := coalesce(mapping -> m.col ->> 'from', mapping ->> m.col);
        region_sql := format('coalesce(upper(btrim(s.%I::text)), %s)', src_col, region_sql);
    END LOOP;

    FOR m IN SELECT e.key AS col, e.value AS spec, k.kind, coalesce(k.required, false) AS required,
                    a.atttypid
               FROM jsonb_each(mapping) e
               LEFT JOIN @extschema@.column_kind k ON k.tbl = target AND k.col = e.key
               LEFT JOIN pg_attribute a ON a.attrelid = target AND a.attname = e.key
                                       AND a.attnum > 0 AND NOT a.attisdropped
              ORDER BY e.key LOOP
        IF m.atttypid IS NULL THEN
            RAISE EXCEPTION 'target table % has no column %', target, m.col
                USING ERRCODE = 'undefined_column';
        END IF;
        src_col := CASE jsonb_typeof(m.spec) WHEN 'string' THEN m.spec #>> '{}' ELSE m.spec ->> 'from' END;
        IF src_col IS NULL OR NOT EXISTS (SELECT 1 FROM pg_attribute a
                                       WHERE a.attrelid = staging AND a.attname = src_col
                                         AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'staging table % has no column % (mapped to %)', staging, coalesce(src_col, 'NULL'), m.col
                USING ERRCODE = 'undefined_column';
        END IF;
        rule := coalesce(m.spec ->> 'on_update', 'fill');
        IF rule NOT IN ('fill', 'overwrite', 'keep') THEN
            RAISE EXCEPTION 'unknown on_update rule "%" for column %', rule, m.col
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Use fill (only empty fields), overwrite (non-empty incoming values win) or keep.';
        END IF;
        kind := coalesce(m.kind, 'free_text');
        val := format('NULLIF(btrim(s.%I::text), '''')', src_col);
        -- Raw value, reason and normal form of each mapped column.
        sel := sel || format(', %s AS %I, %s AS %I', val, 'raw_' || m.col,
                             @extschema@.kind_check_sql(kind, val, region_sql), 'why_' || m.col);
        chk := chk || format(', CASE WHEN %1$I IS NOT NULL THEN %3$L || '': '' || %1$I '
                             'WHEN %2$I IS NULL AND %4$L THEN %3$L || '': REQUIRED'' END',
                             'why_' || m.col, 'raw_' || m.col, m.col, m.required);
        cols := cols || format(', CASE WHEN %1$I IS NULL THEN (%2$s)::%3$s END AS %4$I',
                               'why_' || m.col,
                               @extschema@.kind_normalize_sql(kind, quote_ident('raw_' || m.col), 'import_region'),
                               format_type(m.atttypid, NULL), m.col);
        ins_cols := ins_cols || format(', %I', m.col);
        IF m.col <> cfg.key_column AND rule <> 'keep' THEN
            upd_set := upd_set || format(', %1$I = %2$s', m.col,
                CASE rule WHEN 'fill' THEN format('coalesce(t.%1$I, u.%1$I)', m.col)
                          ELSE format('coalesce(u.%1$I, t.%1$I)', m.col) END);
        END IF;
        IF kind IN ('email', 'phone', 'national_id') THEN
            supp := supp || format(
                ' OR (%1$I IS NULL AND %2$I IS NOT NULL AND EXISTS (SELECT 1 FROM @extschema@.suppression x'
                ' WHERE x.kind = %3$L AND x.digest = @extschema@.suppression_digest(%3$L, %4$s)))',
                'why_' || m.col, 'raw_' || m.col, kind,
                CASE kind WHEN 'email' THEN format('@extschema@.email_canonical(%s::@extschema@.email)',
                                                   @extschema@.kind_normalize_sql(kind, quote_ident('raw_' || m.col), 'import_region'))
                          ELSE @extschema@.kind_normalize_sql(kind, quote_ident('raw_' || m.col), 'import_region') END);
        END IF;
        IF m.col = duplicate_key THEN
            key_kind := kind;
        END IF;
        IF m.kind IS NOT NULL THEN
            candidate := candidate || format(', %L, r.%I', m.col, m.col);
        END IF;
    END LOOP;

    -- Phase 1: every staged row, its reasons and normal forms.
    IF to_regclass('pg_temp.contacts_import_rows') IS NOT NULL THEN
        DROP TABLE pg_temp.contacts_import_rows;
    END IF;
    EXECUTE format(
        'CREATE TEMP TABLE contacts_import_rows AS '
        'SELECT rn, src, array_remove(ARRAY[NULL::text %s], NULL) AS reasons, '
        '       CASE WHEN false %s THEN ''suppressed'' END AS suppressed %s, '
        '       NULL::text AS outcome, NULL::text AS existing_key '
        '  FROM (SELECT row_number() OVER (ORDER BY s.ctid) AS rn, to_jsonb(s) AS src, '
        '               %s AS import_region %s FROM %s s) r',
        chk, supp, cols, region_sql, sel, staging);
    GET DIAGNOSTICS n = ROW_COUNT;
    RAISE NOTICE 'import: % staged rows checked and normalized (% s)', n,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    -- Phase 2: suppression and consent first (their data is never kept), then invalid rows.
    UPDATE contacts_import_rows SET outcome = 'suppressed' WHERE suppressed IS NOT NULL;
    IF cfg.consent_column IS NOT NULL AND mapping ? cfg.consent_column THEN
        EXECUTE format('UPDATE contacts_import_rows SET outcome = ''no_consent'' '
                       'WHERE outcome IS NULL AND %I IS DISTINCT FROM true', cfg.consent_column);
    END IF;
    UPDATE contacts_import_rows SET outcome = 'invalid' WHERE outcome IS NULL AND cardinality(reasons) > 0;

    -- Phase 3: duplicates, inside the file and against the target.
    IF duplicate_key IS NOT NULL THEN
        EXECUTE format(
            'UPDATE contacts_import_rows r SET existing_key = t.%1$I::text '
            '  FROM %2$s t WHERE r.outcome IS NULL AND r.%3$I IS NOT NULL AND %4$s',
            cfg.key_column, target, duplicate_key,
            @extschema@.kind_key_sql(key_kind, format('t.%I', duplicate_key)) || ' = '
            || @extschema@.kind_key_sql(key_kind, format('r.%I', duplicate_key)));
        IF on_duplicate = 'create' THEN
            UPDATE contacts_import_rows SET outcome = 'insert' WHERE outcome IS NULL;
        ELSE
            -- The first row of each key in the file is the one that is inserted
            -- (when the target has no such record); later ones are duplicates.
            EXECUTE format(
                'UPDATE contacts_import_rows r SET outcome = CASE '
                '   WHEN r.existing_key IS NULL AND r.rn = f.first_rn THEN ''insert'' '
                '   WHEN %2$L = ''update'' THEN ''update'' ELSE ''keep'' END '
                '  FROM (SELECT %3$s AS dup_key, min(rn) AS first_rn FROM contacts_import_rows '
                '         WHERE outcome IS NULL AND %1$I IS NOT NULL GROUP BY 1) f '
                ' WHERE r.outcome IS NULL AND %4$s',
                duplicate_key, on_duplicate,
                @extschema@.kind_key_sql(key_kind, quote_ident(duplicate_key)),
                @extschema@.kind_key_sql(key_kind, format('r.%I', duplicate_key)) || ' = f.dup_key');
            -- Rows without a key value cannot be duplicates by that key.
            UPDATE contacts_import_rows SET outcome = 'insert' WHERE outcome IS NULL;
        END IF;
    ELSE
        UPDATE contacts_import_rows SET outcome = 'insert' WHERE outcome IS NULL;
    END IF;

    -- Likely duplicates: rows about to be inserted that the dedupe model
    -- matches to a record of the table (above the table's threshold).
    IF fuzzy THEN
        EXECUTE format(
            'UPDATE contacts_import_rows r SET existing_key = '
            '  (SELECT m.key::text FROM @extschema@.dedupe_match(%1$L::regclass, jsonb_build_object(%2$s), 1, '
            '      coalesce((SELECT threshold FROM @extschema@.dedupe_settings WHERE tbl = %1$L::regclass), 0.9)) m) '
            ' WHERE r.outcome = ''insert'' AND r.existing_key IS NULL',
            target, substr(candidate, 3));
        UPDATE contacts_import_rows
           SET outcome = CASE import.on_duplicate WHEN 'keep' THEN 'keep' WHEN 'update' THEN 'update' ELSE 'insert' END
         WHERE outcome = 'insert' AND existing_key IS NOT NULL;
    END IF;

    run.target := target;
    run.staging := staging;
    run.duplicate_key := duplicate_key;
    run.on_duplicate := on_duplicate;
    run.dry_run := dry_run;
    run.started_at := t0;
    run.run_by := current_user;
    SELECT count(*),
           count(*) FILTER (WHERE outcome = 'insert'),
           count(*) FILTER (WHERE outcome = 'update'),
           count(*) FILTER (WHERE outcome = 'keep'),
           count(*) FILTER (WHERE outcome = 'invalid'),
           count(*) FILTER (WHERE outcome IN ('suppressed', 'no_consent'))
      INTO run.staged, run.inserted, run.updated, run.kept, run.rejected, run.suppressed
      FROM contacts_import_rows;
    IF run.staged <> run.inserted + run.updated + run.kept + run.rejected + run.suppressed THEN
        RAISE EXCEPTION 'import accounting does not balance: % staged <> % + % + % + % + %',
            run.staged, run.inserted, run.updated, run.kept, run.rejected, run.suppressed
            USING ERRCODE = 'internal_error';
    END IF;
    RAISE NOTICE 'import: % to insert, % to update, % kept as duplicates, % rejected, % suppressed (% s)',
        run.inserted, run.updated, run.kept, run.rejected, run.suppressed,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);

    IF dry_run THEN
        DROP TABLE pg_temp.contacts_import_rows;
        run.finished_at := clock_timestamp();
        RETURN run;
    END IF;

    INSERT INTO @extschema@.import_run (target, staging, duplicate_key, on_duplicate, dry_run, started_at, run_by)
    VALUES (target, staging, duplicate_key, on_duplicate, false, t0, current_user)
    RETURNING import_id INTO run.import_id;

    INSERT INTO @extschema@.import_reject (import_id, row_number, category, reasons, source)
    SELECT run.import_id, rn, outcome,
           CASE outcome WHEN 'invalid' THEN reasons
                        WHEN 'no_consent' THEN ARRAY['NO_CONSENT']
                        ELSE ARRAY['SUPPRESSED'] END,
           CASE WHEN outcome = 'invalid' THEN src END
      FROM contacts_import_rows WHERE outcome IN ('invalid', 'suppressed', 'no_consent');

    ins_cols := substr(ins_cols, 3);
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM contacts_import_rows WHERE outcome = ''insert'' ORDER BY rn',
                   target, ins_cols, ins_cols);
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n <> run.inserted THEN
        RAISE EXCEPTION 'import inserted % rows into % instead of %', n, target, run.inserted
            USING ERRCODE = 'internal_error',
                  HINT = 'A trigger on the target skipped or redirected rows; the import was rolled back.';
    END IF;

    IF run.updated > 0 THEN
        IF upd_set = '' THEN
            RAISE EXCEPTION 'on_duplicate = update, but no mapped column may be updated'
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Map a column other than the key with on_update fill or overwrite.';
        END IF;
        -- Several staged rows may update one record: the last one in file
        -- order is applied, with each column's on_update rule.
        -- A row that duplicates one inserted by this import finds it by key.
        EXECUTE format(
            'UPDATE %1$s t SET %2$s FROM ('
            '  SELECT DISTINCT ON (target_key) * FROM (SELECT r.*, '
            '         coalesce(r.existing_key, %3$s) AS target_key '
            '    FROM contacts_import_rows r WHERE outcome = ''update'') x ORDER BY target_key, rn DESC) u '
            ' WHERE t.%4$I::text = u.target_key',
            target, substr(upd_set, 3),
            CASE WHEN duplicate_key IS NULL THEN 'NULL'
                 ELSE format('(SELECT t2.%I::text FROM %s t2 WHERE %s LIMIT 1)', cfg.key_column, target,
                             @extschema@.kind_key_sql(key_kind, format('t2.%I', duplicate_key)) || ' = '
                             || @extschema@.kind_key_sql(key_kind, format('r.%I', duplicate_key))) END,
            cfg.key_column);
    END IF;

    run.finished_at := clock_timestamp();
    UPDATE @extschema@.import_run SET finished_at = run.finished_at, staged = run.staged,
           inserted = run.inserted, updated = run.updated, kept = run.kept,
           rejected = run.rejected, suppressed = run.suppressed
     WHERE import_id = run.import_id;
    DROP TABLE pg_temp.contacts_import_rows;
    RAISE NOTICE 'import % done in % s', run.import_id,
        round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
    RETURN run;
END;
$$;

COMMENT ON FUNCTION @extschema@.import(regclass, regclass, jsonb, name, text, boolean, text, boolean) IS
'Import a staging table into a configured contact table: map columns, check and normalize each by its kind, set aside invalid rows with their reasons, never import suppressed or non-consenting contacts, and apply the duplicate policy (keep, create or update) on the chosen duplicate key, inside the file and against the table, and with fuzzy on likely duplicates found by the dedupe model';

-- ---------------------------------------------------------------------------
-- Health report of a configured table
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.health(tbl regclass, stale_before timestamptz DEFAULT NULL)
RETURNS TABLE (check_name text, column_name name, affected bigint, total bigint, rate numeric, example text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg    @extschema@.table_config;
    k      record;
    region text;
    aggs   text := '';
    names  text[] := '{}';
    cols   name[] := '{}';
    vals   text[];
    i      int;
    n      bigint;
BEGIN
    SELECT * INTO cfg FROM @extschema@.table_config c WHERE c.tbl = health.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    region := quote_nullable(cfg.default_region);
    SELECT format('coalesce(upper(%I::text), %s)', c.col, region) INTO region
      FROM @extschema@.column_kind c WHERE c.tbl = health.tbl AND c.kind = 'country';
    region := coalesce(region, quote_nullable(cfg.default_region));

    -- One scan computes every per-value check: the reason and the normal
    -- form come from the same expressions the import uses.
    FOR k IN SELECT c.col, c.kind, c.required FROM @extschema@.column_kind c
              WHERE c.tbl = health.tbl ORDER BY c.col LOOP
        IF k.required THEN
            aggs := aggs || format(', (count(*) FILTER (WHERE NULLIF(btrim(%I::text), '''') IS NULL))::text, NULL::text', k.col);
            names := names || 'missing required value'::text;
            cols := cols || k.col;
        END IF;
        IF k.kind IN ('email', 'phone', 'national_id') THEN
            aggs := aggs || format(', (count(*) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NOT NULL))::text, '
                                   'min(%1$I::text) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NOT NULL)',
                                   k.col, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region));
            names := names || ('invalid ' || k.kind);
            cols := cols || k.col;
        END IF;
        IF k.kind IN ('email', 'phone', 'national_id', 'given_name', 'family_name', 'full_name', 'company') THEN
            aggs := aggs || format(', (count(*) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NULL AND %1$I::text IS DISTINCT FROM %3$s))::text, '
                                   'min(%1$I::text) FILTER (WHERE %1$I IS NOT NULL AND %2$s IS NULL AND %1$I::text IS DISTINCT FROM %3$s)',
                                   k.col, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region),
                                   @extschema@.kind_normalize_sql(k.kind, format('%I::text', k.col), region));
            names := names || 'not in normal form'::text;
            cols := cols || k.col;
        END IF;
    END LOOP;
    IF cfg.updated_at_column IS NOT NULL AND stale_before IS NOT NULL THEN
        aggs := aggs || format(', (count(*) FILTER (WHERE %1$I < %2$L))::text, min(%1$I::text) FILTER (WHERE %1$I < %2$L)',
                               cfg.updated_at_column, stale_before);
        names := names || 'not updated since'::text;
        cols := cols || cfg.updated_at_column;
    END IF;

    EXECUTE format('SELECT ARRAY[count(*)::text %s] FROM %s', aggs, tbl) INTO vals;
    total := vals[1]::bigint;
    FOR i IN 1 .. cardinality(names) LOOP
        check_name := names[i];
        column_name := cols[i];
        affected := vals[2 * i]::bigint;
        example := vals[2 * i + 1];
        rate := round(affected::numeric / NULLIF(total, 0), 4);
        RETURN NEXT;
    END LOOP;

    -- Exact duplicates: rows sharing a normalized duplicate-key value.
    FOR k IN SELECT c.col, c.kind FROM @extschema@.column_kind c
              WHERE c.tbl = health.tbl AND c.duplicate_key ORDER BY c.col LOOP
        EXECUTE format('SELECT coalesce(sum(n), 0), min(v::text) FROM (SELECT %5$s AS v, count(*) AS n FROM '
                       '(SELECT CASE WHEN %2$s IS NULL THEN %3$s END AS v FROM %1$s WHERE %4$I IS NOT NULL) x '
                       ' WHERE v IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d',
                       tbl, @extschema@.kind_check_sql(k.kind, format('%I::text', k.col), region),
                       @extschema@.kind_normalize_sql(k.kind, format('%I::text', k.col), region), k.col,
                       @extschema@.kind_key_sql(k.kind, 'v'))
           INTO n, example;
        check_name := 'duplicate ' || k.kind;
        column_name := k.col;
        affected := n;
        rate := round(n::numeric / NULLIF(total, 0), 4);
        RETURN NEXT;
    END LOOP;
END;
$$;

COMMENT ON FUNCTION @extschema@.health(regclass, timestamptz) IS
'Data-quality report of a configured table: per column, missing required values, invalid emails/phones/IDs, values not in normal form, exact duplicates on duplicate keys, and records not updated since stale_before; counts, rates and an example each';
