
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
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

COMMENT ON FUNCTION @extschema@.name_search_similarity(text, text) IS
'Similarity in [0, 1] of two names as the fuzzy name index sees them: their folded, phonetically spelled tokens paired best first (1 if equal, 1 - 1/(L+1) one edit apart, 0.5 for an initial, else shared trigrams), S the sum of the pair scores, S / (n + m - S) for n and m tokens; ignores case, accents, punctuation and token order';

CREATE FUNCTION @extschema@.name_search_distance(text, text)
RETURNS real
AS 'MODULE_PATHNAME', 'contacts_name_search_distance'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 100;

COMMENT ON FUNCTION @extschema@.name_search_distance(text, text) IS
'1 - name_search_similarity(a, b): the distance behind the <~> operator';

-- STABLE, not IMMUTABLE: the result depends on a setting.
CREATE FUNCTION @extschema@.name_search_match(text, text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'contacts_name_search_match'
LANGUAGE C STABLE STRICT PARALLEL SAFE COST 100;

COMMENT ON FUNCTION @extschema@.name_search_match(text, text) IS
'True when the names share a key and name_search_similarity reaches contacts.name_similarity_threshold: the function behind the %~ operator';

CREATE FUNCTION @extschema@.name_search_key(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_name_search_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

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
