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
-- Privileges (README, "Privileges and roles"; grants and row security in
-- 90_privileges.sql)
-- ---------------------------------------------------------------------------

-- Like a contrib module's, the types and functions are for everyone; the
-- tables behind the procedures are guarded one by one.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

CREATE FUNCTION @extschema@.require_privileges(tbl regclass, privileges text, action text)
RETURNS void
AS 'MODULE_PATHNAME', 'contacts_require_privileges'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.require_privileges(regclass, text, text) IS
'Raise 42501 naming what is missing unless the current role holds every privilege listed (SELECT, INSERT, UPDATE, DELETE, OWNER) on tbl; 42P01 when tbl is no table; action completes "permission denied to ... table"';
