
-- ---------------------------------------------------------------------------
-- Emails: the contacts.email type
-- ---------------------------------------------------------------------------

CREATE TYPE @extschema@.email;

-- Input reads contacts.email_profile, so it is STABLE (as date_in is with DateStyle).
CREATE FUNCTION @extschema@.email_in(cstring) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_in' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_in(cstring) IS
'Input function of contacts.email: validates under contacts.email_profile and normalizes';

CREATE FUNCTION @extschema@.email_out(@extschema@.email) RETURNS cstring
AS 'MODULE_PATHNAME', 'contacts_email_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_out(@extschema@.email) IS
'Output function of contacts.email: the local part as typed, the domain lower-cased';

CREATE FUNCTION @extschema@.email_recv(internal) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_recv' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_recv(internal) IS
'Binary input function of contacts.email (the text form, validated again)';

CREATE FUNCTION @extschema@.email_send(@extschema@.email) RETURNS bytea
AS 'MODULE_PATHNAME', 'contacts_email_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
AS 'MODULE_PATHNAME', 'contacts_email_from_text' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email(text) IS
'Cast text to contacts.email: validates under contacts.email_profile and normalizes';

CREATE FUNCTION @extschema@.email(text, profile text) RETURNS @extschema@.email
AS 'MODULE_PATHNAME', 'contacts_email_from_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email(text, text) IS
'Text to contacts.email under the given profile, reading no setting: for indexes, constraints, and lookups that Citus routes to one shard by the value';

CREATE FUNCTION @extschema@.email_to_text(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_to_text' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
AS 'MODULE_PATHNAME', 'contacts_email_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_cmp(@extschema@.email, @extschema@.email) IS
'Case-insensitive three-way comparison of two addresses (btree support)';

CREATE FUNCTION @extschema@.email_sortsupport(internal) RETURNS void
AS 'MODULE_PATHNAME', 'contacts_email_sortsupport' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_sortsupport(internal) IS
'Sort support for contacts.email: abbreviated keys from the case-folded address';

CREATE FUNCTION @extschema@.email_eq(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_eq(@extschema@.email, @extschema@.email) IS
'Addresses equal ignoring case';
CREATE FUNCTION @extschema@.email_ne(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_ne(@extschema@.email, @extschema@.email) IS
'Addresses differ ignoring case';
CREATE FUNCTION @extschema@.email_lt(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_lt(@extschema@.email, @extschema@.email) IS
'First address sorts before the second ignoring case';
CREATE FUNCTION @extschema@.email_le(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_le(@extschema@.email, @extschema@.email) IS
'First address sorts before or equal to the second ignoring case';
CREATE FUNCTION @extschema@.email_gt(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_gt(@extschema@.email, @extschema@.email) IS
'First address sorts after the second ignoring case';
CREATE FUNCTION @extschema@.email_ge(@extschema@.email, @extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_ge(@extschema@.email, @extschema@.email) IS
'First address sorts after or equal to the second ignoring case';

CREATE FUNCTION @extschema@.email_hash(@extschema@.email) RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_email_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_hash(@extschema@.email) IS
'Hash of the case-folded address (hash support)';
CREATE FUNCTION @extschema@.email_hash_extended(@extschema@.email, bigint) RETURNS bigint
AS 'MODULE_PATHNAME', 'contacts_email_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
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
-- ('mailbox', 'provider' or 'rfc'), IMMUTABLE and usable in indexes and constraints;
-- without one it reads contacts.email_profile and is therefore STABLE.

CREATE FUNCTION @extschema@.email_valid(text) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_valid' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_valid(text) IS
'True when the text is a valid address under contacts.email_profile';
CREATE FUNCTION @extschema@.email_valid(text, profile text) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_valid' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_valid(text, text) IS
'True when the text is a valid address under the given profile (mailbox, provider or rfc)';

CREATE FUNCTION @extschema@.email_check(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_check' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_check(text) IS
'NULL when the text is a valid address under contacts.email_profile, else the reason code (see the README)';
CREATE FUNCTION @extschema@.email_check(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_check' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_check(text, text) IS
'NULL when the text is a valid address under the given profile, else the reason code';

CREATE FUNCTION @extschema@.email_normalize(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_normalize' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_normalize(text) IS
'The address as contacts.email stores it (trimmed, NFC, domain lower-cased, IDN in Unicode form); error when invalid';
CREATE FUNCTION @extschema@.email_normalize(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_normalize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_normalize(text, text) IS
'The normalized address under the given profile; error when invalid';

-- The one definition of "the same email": the key the email type compares
-- by, used by duplicate keys (the entry trigger, imports, health).  IMMUTABLE
-- for a given ICU version, like the type's order; independent of
-- contacts.email_profile.
CREATE FUNCTION @extschema@.email_key(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 5;
COMMENT ON FUNCTION @extschema@.email_key(text) IS
'Duplicate key of an address: its normal form with Unicode full case folding (STRASSE@ and straße@ give strasse@), equal exactly when the contacts.email values are; NULL when the text is not an address. Index it for duplicate checks: CREATE INDEX ON t (contacts.email_key(email))';

CREATE FUNCTION @extschema@.email_suggest(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_suggest' LANGUAGE C STABLE STRICT PARALLEL SAFE COST 20;
COMMENT ON FUNCTION @extschema@.email_suggest(text) IS
'The address probably meant when the domain is a misspelt common one (gmial.com, hotmail.con), else NULL';
CREATE FUNCTION @extschema@.email_suggest(text, profile text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_suggest' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;
COMMENT ON FUNCTION @extschema@.email_suggest(text, text) IS
'The address probably meant, validated under the given profile, else NULL';

CREATE FUNCTION @extschema@.email_local(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_local' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_local(@extschema@.email) IS
'The local part (before the @), as typed';

CREATE FUNCTION @extschema@.email_domain(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_domain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_domain(@extschema@.email) IS
'The domain, lower-cased (Unicode form for internationalized domains in a UTF-8 database)';

CREATE FUNCTION @extschema@.email_ascii(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_ascii' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_ascii(@extschema@.email) IS
'The address with its domain in ASCII (xn--) form, for systems without SMTPUTF8';

CREATE FUNCTION @extschema@.email_canonical(@extschema@.email) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_canonical' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_canonical(@extschema@.email) IS
'Provider-aware duplicate key: lower-cased, Gmail dots and +tags removed, provider aliases merged (see the README provider table)';

CREATE FUNCTION @extschema@.email_canonical_key(text) RETURNS text
AS 'MODULE_PATHNAME', 'contacts_email_canonical_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_canonical_key(text) IS
'Provider-aware duplicate key of a text (email_canonical of its email_key: Gmail dots and +tags removed, googlemail = gmail); NULL when the text is not an address. The key of the email_canonical duplicate key option; index it: CREATE INDEX ON t (contacts.email_canonical_key(email))';

CREATE FUNCTION @extschema@.email_is_disposable(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_is_disposable' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_is_disposable(@extschema@.email) IS
'True when the domain (or a parent) is a disposable-mail service (disposable-email-domains list, CC0)';

CREATE FUNCTION @extschema@.email_is_freemail(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_is_freemail' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_is_freemail(@extschema@.email) IS
'True when the domain is a free consumer mail service (gmail.com, hotmail.es, yahoo.com.ar ...)';

CREATE FUNCTION @extschema@.email_is_role(@extschema@.email) RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_email_is_role' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.email_is_role(@extschema@.email) IS
'True when the local part names a role or department rather than a person (info, ventas, admin, noreply ...)';
