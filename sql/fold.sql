-- fold(): the accent- and case-insensitive key
SELECT input, contacts.fold(input) AS folded
FROM (VALUES
	-- Spanish
	('  JOSÉ   Pérez '), ('Ñandú Muñoz'), ('María-José Núñez'),
	-- Portuguese
	('João Gonçalves'), ('São Tomé'),
	-- French
	('François Lefèvre-Hébert'), ('Œuvre Cœur'), ('D´Angelo'),
	-- German
	('Straße'), ('GROẞE Größe'), ('Müller'),
	-- English, quotes and dashes
	('O’Brien'), ('“Bob” Smith — Jr.'), ('ﬁnance ﬂoor'),
	-- Turkish: dotted İ and dotless ı both become i
	('İSTANBUL'), ('ışık'), ('IŞIK'),
	-- Nordic, Polish, Vietnamese, Greek
	('Søren Ærø'), ('Łódź'), ('Nguyễn Thị'), ('ΣΟΦΊΑ'),
	-- width, spaces, controls
	('ＡＢＣ　１２３'), (E'a\u00a0b\u2003c\td'), (''), ('   ')
) AS t(input);

-- idempotent
SELECT count(*) AS not_idempotent
FROM (VALUES ('  JOSÉ Pérez '), ('ǅemal'), ('Ⅻ ㎏ ﬃ'), ('İi̇ı'), ('Straße')) AS t(s)
WHERE contacts.fold(contacts.fold(s)) <> contacts.fold(s);

-- long text through ICU whose fold is longer than the input
SELECT length(contacts.fold(repeat('¼', 400) || 'Ω')) AS folded_length,
	right(contacts.fold(repeat('¼', 400) || 'Ω'), 4) AS tail;

-- NULL in, NULL out
SELECT contacts.fold(NULL) IS NULL AS strict;

-- the volatility a functional index needs
SELECT provolatile, proisstrict, proparallel
FROM pg_proc WHERE oid = 'contacts.fold(text)'::regprocedure;

-- an index on fold() serves accent- and case-insensitive lookups
CREATE TABLE fold_people (id int, name text);
INSERT INTO fold_people
SELECT g, (ARRAY['José Pérez', 'Jose PEREZ', 'Zoë Müller', 'Françoise Ñúñez'])[1 + g % 4] || ' ' || g
FROM generate_series(1, 2000) g;
CREATE INDEX fold_people_key ON fold_people (contacts.fold(name));
ANALYZE fold_people;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF)
SELECT id FROM fold_people WHERE contacts.fold(name) = contacts.fold('JOSÉ PÉREZ 4');
SELECT id, name FROM fold_people WHERE contacts.fold(name) = contacts.fold('JOSE PÉREZ 4');
SELECT id, name FROM fold_people WHERE contacts.fold(name) = contacts.fold('zoe muller 1002');
RESET enable_seqscan;
DROP TABLE fold_people;
