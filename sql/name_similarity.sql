-- name_similarity: order, missing parts, initials, nicknames, accents, typos.
SELECT a, b, round(contacts.name_similarity(a, b)::numeric, 3) AS score
  FROM (VALUES ('JOSE  perez', 'José Pérez'), ('Pérez, José', 'José Pérez'), ('Pepe Pérez', 'José Pérez'),
               ('J. Perez Garcia', 'José Pérez'), ('Juan Pérez', 'Juan Pérez García'),
               ('Juan Pérez García', 'Juan Pérez López'), ('Juan Pérez', 'María Pérez'),
               ('Paco Gómez', 'Francisco Gomez'), ('Nacho Ruiz', 'Ignacio Ruiz'), ('Lola Flores', 'Dolores Flores'),
               ('Chema Aznar', 'José María Aznar'), ('Zé Carlos Silva', 'José Carlos da Silva'),
               ('François Dupont', 'Francois DUPONT'), ('Jean-Pierre Martin', 'Jean Pierre Martin'),
               ('Jürgen Müller', 'Juergen Mueller'), ('Straße', 'Strasse'),
               ('Bob Smith', 'Robert Smith'), ('Bill Gates', 'William Henry Gates'), ('Jhon Smith', 'John Smith'),
               ('Şükrü Yılmaz', 'Sukru Yilmaz'), ('İSMAİL ŞAHİN', 'ismail sahin'),
               ('Ana López', 'Pedro Martínez'), ('', 'José'), ('de la', 'de la')) AS t(a, b);

-- Symmetric and within [0, 1] on every pair of a small set.
WITH n(x) AS (VALUES ('José Pérez'), ('Pepe Perez García'), ('J. Pérez'), ('Pérez, José'), ('María'),
                      ('Bill W. Gates'), ('William Gates III'), ('Chema'), (''), ('de la Torre'))
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE contacts.name_similarity(a.x, b.x) <> contacts.name_similarity(b.x, a.x)) AS asymmetric,
       count(*) FILTER (WHERE contacts.name_similarity(a.x, b.x) NOT BETWEEN 0 AND 1) AS out_of_range
  FROM n a, n b;
-- overlong names are refused, as by the other similarity functions
SELECT contacts.name_similarity(repeat('a', 10001), 'a');
SELECT contacts.name_similarity('Ana', repeat('é', 10000)) BETWEEN 0 AND 1 AS at_the_limit;
