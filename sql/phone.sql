-- contacts.phone and the phone_* functions.  The operators live in schema
-- contacts, so it goes on the search_path (functions stay qualified here to
-- show their full names).
SET search_path = public, contacts;
SET contacts.default_region = '';

--
-- Written forms from many regions, parsed with the region a CRM row would
-- carry: one canonical E.164 each, with type, region and the two human
-- formats.
--
CREATE TEMP TABLE written (id serial, input text, region text);
INSERT INTO written (input, region) VALUES
	('+54 9 11 1234-5678', NULL),            -- AR mobile, international form
	('(011) 15 1234-5678', 'AR'),            -- AR mobile: area code, 15 prefix
	('011 4123-4567', 'AR'),                 -- AR fixed line, Buenos Aires
	('0800 123 4567', 'AR'),                 -- AR toll free
	('55 1234 5678', 'MX'),                  -- MX Mexico City
	('+52 55 1234 5678', NULL),              -- MX, international form
	('800 123 4567', 'MX'),                  -- MX toll free
	('0034 612 34 56 78', 'ES'),             -- ES mobile through 00
	('612345678', 'ES'),
	('+34 810 12 34 56', NULL),              -- ES fixed line
	('900 123 456', 'ES'),                   -- ES toll free
	('(11) 96123-4567', 'BR'),               -- BR mobile
	('0 15 11 96123-4567', 'BR'),            -- BR mobile with carrier code 15
	('+55 11 2345-6789', NULL),              -- BR fixed line
	('321 1234567', 'CO'),                   -- CO mobile
	('(601) 234 5678', 'CO'),                -- CO Bogota fixed line
	('+56 2 2123 4567', NULL),               -- CL Santiago
	('9 6123 4567', 'CL'),                   -- CL mobile
	('094 231 234', 'UY'),                   -- UY mobile
	('2123 1234', 'UY'),                     -- UY Montevideo
	('tel:+1-201-555-0123', NULL),           -- US, RFC 3966 URI
	('(201) 555-0123', 'US'),
	('1-800-234-5678', 'US'),                -- US toll free
	('+1 506 234 5678', NULL),               -- CA (shares +1)
	('020 7946 0018', 'GB'),                 -- GB London
	('07400 123456', 'GB'),                  -- GB mobile
	('+44 1481 256789', NULL),               -- GG (shares +44)
	('+44 1534 456789', NULL),               -- JE
	('+44 1624 756789', NULL),               -- IM
	('02 1234 5678', 'IT'),                  -- IT Milan: leading zero kept
	('+39 06 1234 5678', NULL),              -- IT Rome
	('312 345 6789', 'IT'),                  -- IT mobile
	('030 123456', 'DE'),                    -- DE Berlin
	('+49 151 23456789', NULL),              -- DE mobile
	('01 23 45 67 89', 'FR'),                -- FR Paris
	('06 12 34 56 78', 'FR'),                -- FR mobile
	('+91 81234 56789', NULL),               -- IN mobile
	('074104 10123', 'IN'),                  -- IN fixed line
	('131 2345 6789', 'CN'),                 -- CN mobile
	('010 1234 5678', 'CN'),                 -- CN Beijing
	('+7 912 345-67-89', NULL),              -- RU mobile (shares +7)
	('+7 771 000 9998', NULL),               -- KZ mobile
	('+262 262 16 12 34', NULL),             -- RE (shares +262)
	('+262 269 60 12 34', NULL),             -- YT
	('+590 590 27 12 34', NULL),             -- BL (shares +590)
	('+800 1234 5678', NULL),                -- international freephone, non-geographic
	('+34 612 ３４５ ６７８', NULL),          -- full-width digits
	('+34–612–345–678', NULL);               -- en dashes

SELECT id, input, region, contacts.phone_parse(input, region) AS e164,
       contacts.phone_type(contacts.phone_parse(input, region)) AS type,
       contacts.phone_region(contacts.phone_parse(input, region)) AS of
  FROM written ORDER BY id;

SELECT id, contacts.phone_format(p, 'INTERNATIONAL') AS international,
       contacts.phone_format(p, 'NATIONAL') AS national,
       contacts.phone_format(p, 'RFC3966') AS rfc3966
  FROM (SELECT id, contacts.phone_parse(input, region) AS p FROM written) s
 ORDER BY id;

-- The other number types, from the metadata's example numbers.
SELECT input, contacts.phone_type(contacts.phone_parse(input)) AS type,
       contacts.phone_region(contacts.phone_parse(input)) AS of
  FROM (VALUES ('+34 803 12 34 56'), ('+34 901 12 34 56'), ('+33 9 12 34 56 78'),
               ('+34 701 23 45 67'), ('+49 164 12345'), ('+34 511 23 45 67'),
               ('+39 331 0123 4501'), ('+882 3 4851 234567')) v(input);

--
-- Parts of a phone.
--
SELECT p, contacts.phone_country_code(p) AS cc, contacts.phone_national_number(p) AS nsn,
       contacts.phone_extension(p) AS ext
  FROM (VALUES (contacts.phone_parse('+39 02 1234 5678')),
               (contacts.phone_parse('+54 9 11 1234-5678')),
               (contacts.phone_parse('+1 201-555-0123 ext. 42')),
               (contacts.phone_parse('+44 20 7946 0018 x0012')),
               (contacts.phone_parse('+1 201-555-0123 ext. 12345678901234567890'))) v(p);

--
-- Extensions in their usual spellings.
--
SELECT input, contacts.phone_parse(input, 'MX') AS phone,
       contacts.phone_format(contacts.phone_parse(input, 'MX'), 'NATIONAL') AS national
  FROM (VALUES ('55 1234 5678 ext. 12'), ('55 1234 5678 ext 12'), ('55 1234 5678 x12'),
               ('55 1234 5678 #12'), ('+52 55 1234 5678;ext=12'),
               ('tel:+52-55-1234-5678;ext=12')) v(input);

--
-- Every reason code, and NULL for valid numbers.
--
SELECT input, region, contacts.phone_check(input, region) AS reason,
       contacts.phone_valid(input, region) AS valid
  FROM (VALUES ('+34 612 34 56 78', NULL), ('hello', 'ES'), ('', 'ES'),
               ('+999 1234 5678', NULL), ('612 34 56 78', NULL),
               ('+34 6', NULL), ('+34 612 34 56 78 90 12 34 56 78', NULL),
               ('+34 612 34 56 7', NULL), ('+1 555 0123', NULL),
               ('359637083', 'CO'), ('+34 112 34 56 78', NULL), ('(011) 0000-0000', 'AR'),
               ('+52 1 55 1234 5678', NULL),  -- Mexico dropped the mobile "1" in 2019
               ('01 55 1234 5678', 'MX'),     -- ... and the "01" national prefix
               (NULL, 'ES')) v(input, region);

--
-- The default region: used when the region argument is NULL.
--
SELECT contacts.phone_parse('612 34 56 78');
SELECT contacts.phone_check('612 34 56 78') AS without_default;
SET contacts.default_region = 'es';
SHOW contacts.default_region;
SELECT contacts.phone_parse('612 34 56 78') AS with_default,
       contacts.phone_valid('612 34 56 78') AS valid, contacts.phone_check('612 34 56 78') AS reason,
       contacts.phone_parse('(201) 555-0123', 'US') AS explicit_region_wins,
       contacts.phone_parse('+33 1 23 45 67 89') AS international_ignores_it;
-- the two-argument forms never read the setting: NULL is international only
SELECT contacts.phone_valid('612 34 56 78', NULL) AS valid, contacts.phone_check('612 34 56 78', NULL) AS reason;
SELECT contacts.phone_parse('612 34 56 78', NULL);
SELECT '612 34 56 78'::contacts.phone AS type_input_uses_it;
SET contacts.default_region = 'XX';
\echo :LAST_ERROR_SQLSTATE
SET contacts.default_region = 'Spain';
RESET contacts.default_region;

-- ZZ, libphonenumber's "unknown region" (its users pass it for numbers written
-- with +), means what NULL means, in any case and wherever a region is taken.
SELECT contacts.phone_parse('+34 612 34 56 78', 'ZZ') AS zz,
       contacts.phone_parse('+34 612 34 56 78', NULL) AS null_region,
       contacts.phone_parse('+34 612 34 56 78', 'zz') AS in_region_zz,
       contacts.phone_valid('+34 612 34 56 78', 'Zz') AS valid,
       contacts.phone_format(contacts.phone_parse('+34 612 34 56 78', 'ZZ'), 'NATIONAL') AS national,
       'ZZ:+34 612 34 56 78'::contacts.phone AS type_input_prefix,
       contacts.match_key('phone', '+34 612 34 56 78', 'ZZ') AS match_key;
SELECT region, contacts.phone_check('612 34 56 78', region) AS reason,
       contacts.phone_valid('612 34 56 78', region) AS valid,
       contacts.match_key('phone', '612 34 56 78', region) AS match_key
  FROM (VALUES ('ZZ'), ('zz'), (NULL)) v(region);
SELECT contacts.phone_parse('612 34 56 78', 'ZZ');
SELECT contacts.phone_parse('612 34 56 78', NULL);
SELECT contacts.phone_parse('612 34 56 78', 'XX');
\echo :LAST_ERROR_SQLSTATE
-- ... and the setting set to ZZ is no default region, like the empty string.
SET contacts.default_region = 'zz';
SHOW contacts.default_region;
SELECT contacts.phone_parse('+34 612 34 56 78') AS international,
       contacts.phone_check('612 34 56 78') AS national,
       contacts.phone_check('612 34 56 78', 'ES') AS explicit_region;
SELECT 'ZZ:612 34 56 78'::contacts.phone;
RESET contacts.default_region;

-- The IMMUTABLE variants never read the setting.
SET contacts.default_region = 'FR';
SELECT contacts.phone_parse('+34 612 34 56 78', NULL) AS international,
       contacts.phone_valid('06 12 34 56 78', NULL) AS national_without_region,
       contacts.phone_valid('06 12 34 56 78', 'FR') AS national_with_region;
SELECT contacts.phone_parse('06 12 34 56 78', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT provolatile, proname FROM pg_proc
 WHERE pronamespace = 'contacts'::regnamespace AND proname LIKE 'phone\_%'
   AND proname NOT IN ('phone_in', 'phone_out', 'phone_recv', 'phone_send')
 ORDER BY proname;
RESET contacts.default_region;

--
-- Type input: E.164, any international form, region-prefixed national forms.
--
SELECT '+34612345678'::contacts.phone AS e164,
       '+34612345678;ext=12'::contacts.phone AS with_ext,
       '+34 612 345 678 ext. 12'::contacts.phone AS spaced_ext,
       'ES:612 34 56 78'::contacts.phone AS region_prefix,
       'es: 0034 612 34 56 78'::contacts.phone AS prefix_and_idd,
       'AR:(011) 15 1234-5678'::contacts.phone AS ar_mobile,
       'IT:02 1234 5678'::contacts.phone AS it_leading_zero;
-- Output reads back as the same value.
SELECT p, p::text::contacts.phone = p AS round_trip
  FROM (VALUES ('+39 02 1234 5678'::contacts.phone), ('+1 201 555 0123 x7'),
               ('+800 1234 5678')) v(p);
SELECT '612 34 56 78'::contacts.phone;
\echo :LAST_ERROR_SQLSTATE
SELECT 'XX:612 34 56 78'::contacts.phone;
\echo :LAST_ERROR_SQLSTATE
SELECT '+34 612'::contacts.phone;
\echo :LAST_ERROR_SQLSTATE
SELECT 'ES:112 34 56 78'::contacts.phone;
\echo :LAST_ERROR_SQLSTATE

--
-- Errors from the functions.
--
SELECT contacts.phone_parse('not a phone', 'ES');
\echo :LAST_ERROR_SQLSTATE
SELECT contacts.phone_parse('612 34 56 78');
\echo :LAST_ERROR_SQLSTATE
SELECT contacts.phone_parse('612 34 56 78', 'Spain');
\echo :LAST_ERROR_SQLSTATE
SELECT contacts.phone_valid('612 34 56 78', 'QQ');
\echo :LAST_ERROR_SQLSTATE
SELECT contacts.phone_check('612 34 56 78', '');
\echo :LAST_ERROR_SQLSTATE
SELECT contacts.phone_format('+34612345678', 'pretty');
\echo :LAST_ERROR_SQLSTATE
SELECT contacts.phone_parse(NULL, 'ES') IS NULL AS null_in_null_out,
       contacts.phone_format(NULL, 'E164') IS NULL AS format_of_null;

--
-- Every format, any case.
--
SELECT f, contacts.phone_format('+54 9 11 1234-5678 ext. 9'::contacts.phone, f) AS ar,
       contacts.phone_format('+44 20 7946 0018'::contacts.phone, f) AS gb
  FROM (VALUES ('E164'), ('international'), ('National'), ('rfc3966')) v(f);

--
-- Comparison: the same number written differently is equal; order is
-- country code, national number, extension.
--
SELECT contacts.phone_parse('(011) 15 1234-5678', 'AR') = contacts.phone_parse('+54 9 11 1234 5678') AS ar_same,
       contacts.phone_parse('0034 612 34 56 78', 'ES') = '+34612345678' AS es_same,
       '+34612345678'::contacts.phone <> '+34612345678;ext=1' AS ext_differs,
       '+39 0332 345678'::contacts.phone <> '+39 332 345678'::contacts.phone AS leading_zero_matters;
SELECT p FROM (VALUES ('+34612345678;ext=2'::contacts.phone), ('+34612345678'),
                      ('+34612345678;ext=10'), ('+1 201 555 0123'), ('+33 1 23 45 67 89'),
                      ('+34 810 12 34 56'), ('+39 312 345 6789'), ('+39 02 1234 5678'),
                      ('+34612345678;ext=1')) v(p)
 ORDER BY p;
SELECT contacts.phone_cmp('+34612345678', '+34612345678;ext=1') AS cmp_no_ext_first,
       '+1 201 555 0123'::contacts.phone < '+34612345678' AS by_country_code,
       '+34612345678'::contacts.phone >= '+34612345678' AS ge, '+34612345678'::contacts.phone <= '+34612345679' AS le;

--
-- A UNIQUE index catches the same number written two ways; lookups use it.
--
CREATE TABLE phone_book (id int, phone contacts.phone UNIQUE);
INSERT INTO phone_book VALUES (1, contacts.phone_parse('0034 612 34 56 78', 'ES'));
INSERT INTO phone_book VALUES (2, contacts.phone_parse('612 345 678', 'ES'));
\echo :LAST_ERROR_SQLSTATE
INSERT INTO phone_book (id, phone) VALUES (3, '+54 9 11 1234-5678'), (4, '+1 201 555 0123');
INSERT INTO phone_book (id, phone) SELECT 4 + g, ('+34 612 00 ' || lpad(g::text, 4, '0'))::contacts.phone
  FROM generate_series(1, 2000) g;
ANALYZE phone_book;
EXPLAIN (COSTS OFF) SELECT id FROM phone_book WHERE phone = '+34612345678';
SELECT id FROM phone_book WHERE phone = contacts.phone_parse('(011) 15 1234-5678', 'AR');
EXPLAIN (COSTS OFF) SELECT id FROM phone_book WHERE phone BETWEEN '+34612000010' AND '+34612000019';
SELECT count(*) FROM phone_book WHERE phone BETWEEN '+34612000010' AND '+34612000019';

-- A hash index and hash joins use the hash opclass.
CREATE INDEX phone_book_hash ON phone_book USING hash (phone);
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM phone_book WHERE phone = '+12015550123';
DROP INDEX phone_book_hash;
RESET enable_bitmapscan;
-- (a join with a second table: PostgreSQL 18 removes a self-join on a
-- unique column altogether)
CREATE TABLE phone_calls AS SELECT phone FROM phone_book WHERE id % 20 = 0;
ANALYZE phone_calls;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM phone_book b JOIN phone_calls c USING (phone);
SELECT count(*) FROM phone_book b JOIN phone_calls c USING (phone);
RESET enable_mergejoin;
RESET enable_nestloop;
DROP TABLE phone_calls;
SELECT count(DISTINCT phone) AS distinct_phones, count(*) FROM phone_book;
SELECT contacts.phone_hash('+34612345678;ext=7') = contacts.phone_hash(contacts.phone_parse('612 34 56 78 ext. 7', 'ES')) AS hash_agrees,
       contacts.phone_hash_extended('+34612345678', 0) = contacts.phone_hash_extended('+34612345678', 1) AS seed_matters,
       (contacts.phone_hash_extended('+34612345678;ext=7', 0) & x'ffffffff'::bigint)::bit(32)::int
         = contacts.phone_hash('+34612345678;ext=7') AS seed_0_matches_hash;
-- Hash partitioning uses the extended hash.
CREATE TABLE phone_parts (phone contacts.phone) PARTITION BY HASH (phone);
CREATE TABLE phone_parts_0 PARTITION OF phone_parts FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE phone_parts_1 PARTITION OF phone_parts FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO phone_parts SELECT phone FROM phone_book;
SELECT count(*) AS rows, count(DISTINCT tableoid) AS partitions_used FROM phone_parts;
SELECT count(*) AS found_in_its_partition FROM phone_parts
 WHERE phone = contacts.phone_parse('(011) 15 1234-5678', 'AR');
DROP TABLE phone_parts;

-- An IMMUTABLE parse makes generated columns and expression indexes possible.
CREATE TABLE crm (raw text, region text,
                  phone contacts.phone GENERATED ALWAYS AS (contacts.phone_parse(raw, region)) STORED);
INSERT INTO crm VALUES ('612 34 56 78', 'ES'), ('+1 (201) 555-0123 ext. 5', NULL);
SELECT * FROM crm;
-- Messy text stays text; an expression index on its parsed form (NULL when
-- invalid) finds every spelling of a number.
CREATE TABLE messy (id int, raw text, region text);
INSERT INTO messy VALUES (1, '0034 612 34 56 78', 'ES'), (2, 'call me', 'ES'), (3, '612-345-678', 'ES'),
                         (4, '+34 612 345 678', NULL), (5, '612345678', NULL);
INSERT INTO messy SELECT g, '+1 201 555 ' || lpad(g::text, 4, '0'), 'US' FROM generate_series(10, 2000) g;
CREATE INDEX messy_phone ON messy ((CASE WHEN contacts.phone_valid(raw, region)
                                         THEN contacts.phone_parse(raw, region) END));
ANALYZE messy;
EXPLAIN (COSTS OFF)
SELECT id FROM messy WHERE CASE WHEN contacts.phone_valid(raw, region)
                                THEN contacts.phone_parse(raw, region) END = '+34612345678';
SELECT id, raw FROM messy WHERE CASE WHEN contacts.phone_valid(raw, region)
                                     THEN contacts.phone_parse(raw, region) END = '+34612345678'
 ORDER BY id;
DROP TABLE messy;

--
-- Casts: text <-> phone (assignment), binary send/recv.
--
CREATE TABLE phone_text (t text);
INSERT INTO phone_text SELECT phone FROM phone_book WHERE id = 3;
SELECT t, pg_typeof(t) FROM phone_text;
INSERT INTO phone_book (id, phone) SELECT 5000, '+33 1 23 45 67 89'::text;
SELECT phone, pg_typeof(phone) FROM phone_book WHERE id = 5000;
-- No implicit casts: a phone function does not take text silently.
SELECT contacts.phone_type('+34612345678'::text);
SELECT contacts.phone_send('+39 02 1234 5678;ext=34') AS wire;

CREATE TABLE phone_copy (LIKE phone_book);
-- A file inside this cluster's data directory: no clash with other clusters.
SELECT current_setting('data_directory') || '/contacts_regress_phone.bin' AS binfile \gset
COPY phone_book TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS copied,
       count(*) FILTER (WHERE b.phone IS NOT DISTINCT FROM c.phone) AS identical
  FROM phone_book b JOIN phone_copy c USING (id);
INSERT INTO phone_book VALUES (9000, '+39 02 1234 5678;ext=34');
COPY (SELECT * FROM phone_book WHERE id = 9000) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
SELECT phone, contacts.phone_national_number(phone), contacts.phone_extension(phone)
  FROM phone_copy WHERE id = 9000;
-- recv checks what it gets: a bytea with the same framing stands in for a
-- damaged or forged value (bad version, out of range, invalid number).
CREATE TABLE bad_wire (id int, wire bytea);
INSERT INTO bad_wire
SELECT id, CASE id
	WHEN 1 THEN set_byte(w, 0, 2)                                            -- version 2
	WHEN 2 THEN overlay(w PLACING '\x03e7' FROM 2 FOR 2)                    -- country code 999
	WHEN 3 THEN substring(w FROM 1 FOR 8)                                    -- truncated
	WHEN 4 THEN overlay(w PLACING int8send(123) FROM 5 FOR 8)                -- +34 123: too short
	WHEN 5 THEN overlay(w PLACING int8send(100000000000000000) FROM 5 FOR 8) -- 18 digits
	WHEN 6 THEN set_byte(w, 12, 1) || '\x41'::bytea                          -- extension "A"
	END
  FROM generate_series(1, 6) id, contacts.phone_send('+34612345678') w;
COPY (SELECT id, wire FROM bad_wire WHERE id = 1) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT id, wire FROM bad_wire WHERE id = 2) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT id, wire FROM bad_wire WHERE id = 3) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT id, wire FROM bad_wire WHERE id = 4) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT id, wire FROM bad_wire WHERE id = 5) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE
COPY (SELECT id, wire FROM bad_wire WHERE id = 6) TO :'binfile' (FORMAT binary);
COPY phone_copy FROM :'binfile' (FORMAT binary);
\echo :LAST_ERROR_SQLSTATE

-- Without contacts on the search_path there is no silent fallback to text =.
SET search_path = public;
SELECT '+34612345678'::contacts.phone = '+34 612 34 56 78';
SELECT '+34612345678'::contacts.phone OPERATOR(contacts.=) '+34 612 34 56 78';
SET search_path = public, contacts;

DROP TABLE phone_book, phone_copy, phone_text, bad_wire, crm;
