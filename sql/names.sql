-- name_normalize: proper case, particles, Mc/Mac, O'/D', initials, suffixes,
-- in Spanish, Portuguese, French, German, English and Turkish names.
SELECT input, contacts.name_normalize(input) AS normalized
  FROM (VALUES ('  JOSE   perez  '), ('josé pérez garcía'), ('MARÍA DE LOS ÁNGELES GARCÍA DE LA TORRE'),
               ('Pérez , José'), ('j.perez'), ('j perez'), ('J.R.R. TOLKIEN'),
               ('JOÃO DOS SANTOS E SILVA'), ('maria da conceição'),
               ('jean-pierre DE LA FONTAINE'), ('françois d''ARTAGNAN'),
               ('LUDWIG VAN BEETHOVEN'), ('hans-georg müller-lüdenscheidt'), ('Johann von Goethe'),
               ('patrick o''brien'), ('ANGUS MACDONALD'), ('mcdonald'), ('MACÍAS'), ('carlos machado'),
               ('jack mack'), ('DeVito, Danny'), ('john f kennedy jr'), ('henry ford ii'),
               ('İSMAİL ŞAHİN'), ('ismail yılmaz'), ('ahmed al-rashid'), ('jOSE'),
               ('JOSÉ ORTEGA Y GASSET'), ('')) AS t(input);

-- Idempotent: normalizing twice changes nothing.
SELECT count(*) AS changed_on_second_pass
  FROM (VALUES ('JOSE perez'), ('ahmed AL-RASHID'), ('mcDONALD'), ('j.r.r. tolkien'), ('İSMAİL'),
               ('DE LA TORRE, maría'), ('smith, john, jr')) AS t(input)
 WHERE contacts.name_normalize(contacts.name_normalize(input)) <> contacts.name_normalize(input);

-- name_parts: given and family names.
SELECT input, (p).given_names, (p).family_names, (p).first_family, (p).second_family, (p).suffix
  FROM (SELECT input, contacts.name_parts(input) AS p
          FROM (VALUES ('José Pérez García'), ('María de los Ángeles García de la Torre'),
                       ('Pérez García, José'), ('Juan Carlos Pérez'), ('juan carlos pérez lópez'),
                       ('María del Pilar Sánchez'), ('John Michael Smith'), ('John F. Kennedy Jr.'),
                       ('José Ortega y Gasset'), ('Ludwig van Beethoven'), ('Madonna'),
                       ('Smith, John, Jr.'), ('Mehmet Öztürk'), ('')) AS t(input)) AS s;

-- Nicknames: both directions, shared formal names, compound names.
SELECT a, b, contacts.nickname_of(a, b)
  FROM (VALUES ('Pepe', 'José'), ('JOSE', 'pepe'), ('Paco', 'Francisco'), ('Pancho', 'Francisco'),
               ('Nacho', 'Ignacio'), ('Lola', 'Dolores'), ('Chema', 'José María'), ('Zé', 'José'),
               ('Bob', 'Robert'), ('Bill', 'William'), ('Bill', 'Will'), ('Beto', 'Roberto'),
               ('Roberto', 'Alberto'), ('José', 'Juan'), ('Xyz', 'Xyz')) AS t(a, b);
SELECT contacts.name_variants('Pepe') AS pepe, contacts.name_variants('Lola') AS lola,
       contacts.name_variants('Zzyzx') AS unknown;
