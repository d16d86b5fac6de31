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
