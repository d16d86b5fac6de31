-- Phonetic keys, word by word
SELECT name,
	contacts.double_metaphone(name) AS dm,
	contacts.double_metaphone_alt(name) AS dm_alt,
	contacts.phonetic_es(name) AS es
FROM (VALUES
	-- Spanish
	('José Pérez'), ('Vázquez'), ('Basques'), ('Hernández'), ('Ernandes'),
	('Guillermo'), ('Güemes'), ('Llorente'), ('Yorente'), ('Ximena'), ('Jimena'),
	('Quintero'), ('Kintero'), ('Madrid'), ('Muñoz'),
	-- Portuguese
	('Gonçalves'), ('Conceição'),
	-- French
	('François'), ('Rogier'), ('Breaux'),
	-- German
	('Schmidt'), ('Müller'), ('Straße'),
	-- English
	('Smith'), ('Knight'), ('Thomas'), ('Michael'), ('Laugh'),
	-- Turkish
	('Işık'), ('Çelik'), ('Gülşen'),
	-- empty keys
	(''), ('123')
) AS t(name);

-- names that sound alike in Spanish share the key
SELECT a, b, contacts.phonetic_es(a) = contacts.phonetic_es(b) AS same_es
FROM (VALUES
	('Cecilia Vázquez', 'Sesilia Basques'),
	('Yolanda Hernández', 'Llolanda Ernandez'),
	('Gerardo Quiroga', 'Jerardo Kiroga'),
	('Xavier Zúñiga', 'Javier Suniga'),
	('Guillermo', 'Gillermo')	-- gui sounds /gi/, gi sounds /xi/: different keys
) AS t(a, b);

-- English pairs that share a Double Metaphone key (primary or alternate)
SELECT a, b,
	contacts.double_metaphone(a) IN (contacts.double_metaphone(b), contacts.double_metaphone_alt(b)) OR
	contacts.double_metaphone_alt(a) IN (contacts.double_metaphone(b), contacts.double_metaphone_alt(b)) AS match
FROM (VALUES ('Smith', 'Schmidt'), ('Catherine', 'Kathryn'), ('Stephen', 'Steven'), ('Jon', 'John'),
	('Smith', 'Jones')) AS t(a, b);

SELECT contacts.phonetic_es(NULL) IS NULL AS strict;
