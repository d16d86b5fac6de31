-- Similarity functions: both arguments are folded, lengths are code points
SELECT a, b,
	contacts.levenshtein_distance(a, b) AS lev,
	contacts.damerau_levenshtein_distance(a, b) AS osa,
	round(contacts.jaro_similarity(a, b)::numeric, 4) AS jaro_similarity,
	round(contacts.jaro_winkler_similarity(a, b)::numeric, 4) AS jw,
	round(contacts.token_set_similarity(a, b)::numeric, 4) AS tset,
	round(contacts.qgram_similarity(a, b)::numeric, 4) AS q2
FROM (VALUES
	-- Spanish
	('José Pérez', 'JOSE PEREZ'),
	('Pérez, José', 'José Pérez'),
	('José Pérez', 'José Pérez García'),
	('Muñoz', 'Munoz'),
	('Gonzalez', 'Gonzales'),
	-- Portuguese
	('João Gonçalves', 'Joao Goncalvez'),
	-- French
	('François', 'Francois'),
	('Lefèvre', 'Lefebvre'),
	-- German
	('Straße', 'Strasse'),
	('Müller', 'Mueller'),
	-- English
	('MARTHA', 'MARHTA'),
	('DWAYNE', 'DUANE'),
	('kitten', 'sitting'),
	-- Turkish
	('Işık', 'ISIK'),
	('İstanbul', 'istanbul'),
	-- edge cases
	('', ''),
	('abc', '')
) AS t(a, b);

-- bounded Levenshtein: the distance when within the bound, else bound + 1
SELECT contacts.levenshtein_distance('kitten', 'sitting', 5) AS within,
	contacts.levenshtein_distance('kitten', 'sitting', 3) AS at_bound,
	contacts.levenshtein_distance('kitten', 'sitting', 1) AS over,
	contacts.levenshtein_distance('Pérez', 'perez', 0) AS folded_equal,
	contacts.levenshtein_distance('a', 'b', 2147483647) AS huge_bound;

-- q-gram sizes
SELECT q, round(contacts.qgram_similarity('Hernández', 'Fernandez', q)::numeric, 4) AS sim
FROM generate_series(1, 4) q;

-- symmetric and within [0, 1] on a sample of pairs
WITH names(n) AS (VALUES ('José'), ('Jose Maria'), ('María José'), ('Zoë'), ('Ölçer'), ('Straße'), (''))
SELECT count(*) AS pairs,
	bool_and(contacts.jaro_winkler_similarity(a.n, b.n) = contacts.jaro_winkler_similarity(b.n, a.n)) AS jw_symmetric,
	bool_and(contacts.token_set_similarity(a.n, b.n) BETWEEN 0 AND 1) AS tset_in_range,
	bool_and(contacts.levenshtein_distance(a.n, b.n) = contacts.levenshtein_distance(b.n, a.n)) AS lev_symmetric
FROM names a, names b;

-- errors
SELECT contacts.levenshtein_distance('a', 'b', -1);
SELECT contacts.qgram_similarity('a', 'b', 0);
SELECT contacts.qgram_similarity('a', 'b', 17);
SELECT contacts.levenshtein_distance(repeat('a', 10001), 'a');
SELECT contacts.jaro_similarity(NULL, 'a') IS NULL AS strict;

-- these are not fuzzystrmatch's functions: schema contacts, folded input
SELECT p.oid::regprocedure AS function, provolatile, proisstrict, proparallel
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE nspname = 'contacts' AND proname IN ('levenshtein_distance', 'damerau_levenshtein_distance', 'jaro_similarity',
	'jaro_winkler_similarity', 'token_set_similarity', 'qgram_similarity')
ORDER BY p.oid::regprocedure::text;
