
-- ---------------------------------------------------------------------------
-- Folding: the accent- and case-insensitive key
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fold(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_fold'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.fold(text) IS
'Accent- and case-insensitive key: NFKC, full case folding, diacritics removed (ñ and ç too), ß/æ/œ and ligatures expanded, Unicode spaces, dashes and quotes unified, whitespace collapsed and trimmed; IMMUTABLE for a given ICU version (see versions())';

-- ---------------------------------------------------------------------------
-- Similarity (every function folds both arguments and counts code points)
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.levenshtein_distance(text, text)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_levenshtein'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

COMMENT ON FUNCTION @extschema@.levenshtein_distance(text, text) IS
'Levenshtein edit distance between the folded texts, in code points';

CREATE FUNCTION @extschema@.levenshtein_distance(text, text, integer)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_levenshtein_bounded'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.levenshtein_distance(text, text, integer) IS
'Levenshtein distance between the folded texts when at most the third argument, else that bound plus one (stops early)';

CREATE FUNCTION @extschema@.damerau_levenshtein_distance(text, text)
RETURNS integer
AS 'MODULE_PATHNAME', 'contacts_damerau_levenshtein'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 50;

COMMENT ON FUNCTION @extschema@.damerau_levenshtein_distance(text, text) IS
'Optimal string alignment distance between the folded texts: Levenshtein plus transposition of adjacent characters';

CREATE FUNCTION @extschema@.jaro_similarity(text, text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_jaro'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.jaro_similarity(text, text) IS
'Jaro similarity of the folded texts, in [0, 1]';

CREATE FUNCTION @extschema@.jaro_winkler_similarity(text, text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_jaro_winkler'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 10;

COMMENT ON FUNCTION @extschema@.jaro_winkler_similarity(text, text) IS
'Jaro-Winkler similarity of the folded texts, in [0, 1] (prefix scale 0.1, up to 4 characters, boost above 0.7)';

CREATE FUNCTION @extschema@.token_set_similarity(text, text)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_token_set_similarity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

COMMENT ON FUNCTION @extschema@.token_set_similarity(text, text) IS
'Similarity in [0, 1] of the folded texts as sets of words: order and repetition ignored, 1 when one set contains the other';

CREATE FUNCTION @extschema@.qgram_similarity(text, text, q integer DEFAULT 2)
RETURNS double precision
AS 'MODULE_PATHNAME', 'contacts_qgram_similarity'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 50;

COMMENT ON FUNCTION @extschema@.qgram_similarity(text, text, integer) IS
'Dice coefficient of the q-gram multisets of the folded texts padded at both ends, in [0, 1] (q from 1 to 16, default 2)';

-- ---------------------------------------------------------------------------
-- Phonetic keys (word by word, keys joined by spaces)
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.double_metaphone(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_double_metaphone'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 50;

COMMENT ON FUNCTION @extschema@.double_metaphone(text) IS
'Primary Double Metaphone key of each word (at most 4 characters each), joined by spaces';

CREATE FUNCTION @extschema@.double_metaphone_alt(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_double_metaphone_alt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 50;

COMMENT ON FUNCTION @extschema@.double_metaphone_alt(text) IS
'Alternate Double Metaphone key of each word (the primary where a word has no alternate), joined by spaces';

CREATE FUNCTION @extschema@.phonetic_es(text)
RETURNS text
AS 'MODULE_PATHNAME', 'contacts_phonetic_es'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE COST 20;

COMMENT ON FUNCTION @extschema@.phonetic_es(text) IS
'Spanish phonetic key of each word (b/v, c/s/z, ll/y, silent h, qu/k, gue/gui, g/j before e/i, x, rr, final d), joined by spaces';
