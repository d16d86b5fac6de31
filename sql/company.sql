-- company_normalize: spacing and legal forms; company_key: comparison key.
SELECT input, contacts.company_normalize(input) AS display, contacts.company_key(input) AS key
  FROM (VALUES ('bimbo s.a. de c.v.'), ('GRUPO BIMBO, S.A.B. DE C.V.'), ('Tienda S. de R.L. de C.V.'),
               ('  Acme   inc'), ('Acme, Inc.'), ('acme ,inc'), ('Pérez y Cía. S.A.'), ('PEREZ & CIA SA'),
               ('Construcciones López S L U'), ('Distribuidora del Sur Ltda.'), ('Banco do Brasil S.A.'),
               ('Michelin SAS'), ('Carrefour sarl'), ('Volkswagen gmbh'), ('Müller GmbH & Co. KG'),
               ('Siemens AG'), ('Ferrero S.p.A.'), ('Philips N.V.'), ('Koç Holding A.Ş.'),
               ('The Coca-Cola Company'), ('I.B.M. Corp'), ('IBM Corporation'), ('eBay Inc'),
               ('Marks and Spencer plc'), ('Marks & Spencer PLC'), ('AT&T Inc.'), ('S.A.'), ('')) AS t(input);

-- The same company written differently has one key.
SELECT count(DISTINCT contacts.company_key(input)) AS keys
  FROM (VALUES ('Pérez y Cía. S.A.'), ('PEREZ & CIA SA'), ('Perez, S.A.'), ('pérez s. a.')) AS t(input);
SELECT count(DISTINCT contacts.company_key(input)) AS keys
  FROM (VALUES ('Johnson & Johnson'), ('JOHNSON AND JOHNSON, INC.'), ('Johnson y Johnson S.A. de C.V.')) AS t(input);
