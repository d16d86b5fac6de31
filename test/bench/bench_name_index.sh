#!/usr/bin/env bash
# Fuzzy name search: contacts' name_gin_ops index (%~, ranked by <~>) against
# pg_trgm on lower(f_unaccent(name)) with GIN (% ranked by similarity()) and
# with GiST (KNN <->), on the same names and the same queries, on four data
# sets (DATASETS, default all four):
#
# names: 1M generated names (SMOKE=1: 1000), about 70% Spanish/Latin
#   American (given name, sometimes a second one, two surnames, written with
#   accents) and 30% English (given name, sometimes a middle name, surname).
#   300 queries (SMOKE=1: 20): names drawn from the table, each retyped the
#   way people do: case changed, accents dropped, half of them surname first
#   ("Pérez García, José"), and one misspelling in one token (a random
#   keyboard edit -- substitution, deletion, insertion or transposition --
#   or, half of the time, a spelling of the same sound: b/v, s/z/c, ll/y,
#   g/j, a dropped or added h).
#
# contactgen: the project's generator (test/gen/contactgen), 10k records
#   (SMOKE=1: 1000).  A query is a duplicate record's "given family" as typed
#   there (typos, nicknames, swapped fields, missing parts); the searched
#   table holds every other record; the hit is the full name of the
#   person's first record (lowest id).  500 queries (SMOKE=1: 50).
#
# registry: postal/registry-style records, 10k people (SMOKE=1: 1000), one
#   record each, "given surname" from an international vocabulary (English,
#   Scottish, Irish, German, Italian, Polish, Dutch, Chinese, Vietnamese,
#   Indian, Arabic names), with 500 queries (SMOKE=1: 50): a duplicate of a
#   random record corrupted by a model of its own (pg_temp.corrupt below):
#   the given name missing (15%), given and surname swapped (12% of the
#   others), and in each token with probability 0.45 one error -- adjacent
#   letters transposed (30%), a letter dropped (25%), a keyboard-neighbour
#   substitution (25%), a letter inserted (10%), a phonetic respelling
#   (10%) -- plus a second error in the surname in 15% of the queries; case
#   is lowered.
#   The hit is the original record's name.
#
# registrygen: the second, independent generator (test/gen/registrygen),
#   10k records (SMOKE=1: 1000) with its own corruption model; queries and
#   hits as for contactgen.  500 queries (SMOKE=1: 50).
#
# recall@10: share of queries whose original name is among the 10 results.
# Latency: median over the queries of one query's wall time inside the
# server (planning and execution, measured with clock_timestamp() around
# EXECUTE), so that client round trips do not blur it.  Each method uses the
# default threshold of its extension (contacts 0.3, pg_trgm 0.3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

DATASETS=${DATASETS:-names contactgen registry registrygen}
QUERIES=${QUERIES:-500}
[ "$SMOKE" = 1 ] && QUERIES=50

bpsql <<'SQL'
CREATE EXTENSION IF NOT EXISTS contacts;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
-- The usual workaround for unaccent() not being IMMUTABLE.
CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent', $1) $$;
DROP TABLE IF EXISTS ni_contactgen, ni_people, ni_ours, ni_trgm_gin, ni_trgm_gist, ni_queries, ni_timings, ni_methods;
SQL

# Each data set fills ni_people (id, name) and ni_queries (qid, kind,
# target, query); evaluate then runs the three methods on them.

names_data() {
ROWS=${NAMES_ROWS:-$(scale 1000000)}
local QUERIES=300
[ "$SMOKE" = 1 ] && QUERIES=20
# Names: vocabularies of common Spanish/Latin American and English names
# (common knowledge, written for this benchmark).
bpsql -v rows="$ROWS" <<'SQL'
SELECT setseed(0.2026) AS seed \gset
CREATE TABLE ni_people AS
WITH v AS (
  SELECT
    '{José,Juan,Luis,Carlos,Jorge,Miguel,Pedro,Javier,Antonio,Manuel,Francisco,Alejandro,Fernando,Ricardo,Eduardo,Roberto,Andrés,Sergio,Raúl,Óscar,Pablo,Diego,Héctor,Rubén,Víctor,Gustavo,Guillermo,Gonzalo,Ignacio,Joaquín,Rodrigo,Martín,Sebastián,Tomás,Agustín,Emilio,Esteban,Felipe,Gabriel,Hugo,Iván,Julián,Lucas,Mateo,Nicolás,Patricio,Ramón,Salvador,Santiago,Vicente,Álvaro,Ángel,Jesús,Enrique,Alfonso,Arturo,Benjamín,César,Cristian,Daniel,Mauricio,Marcelo,Leonardo,Gerardo,Rafael,Humberto,Ernesto,Rogelio,Xavier,Jaime}'::text[] AS es_m,
    '{María,Ana,Carmen,Laura,Lucía,Marta,Paula,Sofía,Valentina,Camila,Isabel,Elena,Patricia,Rosa,Teresa,Beatriz,Cristina,Gabriela,Mónica,Verónica,Adriana,Alejandra,Andrea,Carolina,Claudia,Daniela,Fernanda,Florencia,Guadalupe,Inés,Josefina,Julia,Leticia,Lorena,Luisa,Mercedes,Natalia,Noelia,Pilar,Raquel,Silvia,Susana,Victoria,Yolanda,Ximena,Jimena,Dolores,Concepción,Rocío,Inmaculada,Ángela,Belén,Consuelo,Esperanza,Graciela,Irene,Juana,Lourdes,Nélida,Olga}'::text[] AS es_f,
    '{García,Rodríguez,González,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Martín,Jiménez,Ruiz,Hernández,Díaz,Moreno,Muñoz,Álvarez,Romero,Alonso,Gutiérrez,Navarro,Torres,Domínguez,Vázquez,Ramos,Gil,Ramírez,Serrano,Blanco,Molina,Morales,Suárez,Ortega,Delgado,Castro,Ortiz,Rubio,Marín,Sanz,Núñez,Iglesias,Medina,Garrido,Cortés,Castillo,Santos,Lozano,Guerrero,Cano,Prieto,Méndez,Cruz,Calvo,Gallego,Vidal,León,Márquez,Herrera,Peña,Flores,Cabrera,Campos,Vega,Fuentes,Carrasco,Diez,Caballero,Reyes,Nieto,Aguilar,Pascual,Santana,Herrero,Montero,Lorenzo,Hidalgo,Giménez,Ibáñez,Ferrer,Durán,Santiago,Benítez,Vargas,Mora,Vicente,Arias,Carmona,Crespo,Román,Pastor,Soto,Sáez,Velasco,Moya,Soler,Parra,Esteban,Bravo,Gallardo,Rojas,Acosta,Villalobos,Zúñiga,Quiroga,Chávez,Orozco,Bustamante,Echeverría,Villanueva,Sepúlveda,Valenzuela,Contreras,Figueroa,Salazar,Espinoza,Sandoval,Cárdenas,Aguirre,Olivares,Mejía,Quintero,Velázquez,Villarreal,Zapata,Ochoa,Escobar,Cervantes,Barrientos,Llorente,Yáñez,Hurtado,Beltrán,Ávila,Cuevas,Maldonado,Guzmán,Rivas,Palacios,Trujillo}'::text[] AS es_s,
    '{James,John,Robert,Michael,William,David,Richard,Joseph,Thomas,Charles,Christopher,Daniel,Matthew,Anthony,Mark,Donald,Steven,Paul,Andrew,Joshua,Kenneth,Kevin,Brian,George,Timothy,Ronald,Edward,Jason,Jeffrey,Ryan,Jacob,Gary,Nicholas,Eric,Jonathan,Stephen,Larry,Justin,Scott,Brandon,Benjamin,Samuel,Gregory,Alexander,Patrick,Frank,Raymond,Jack,Dennis,Jerry,Mary,Patricia,Jennifer,Linda,Elizabeth,Barbara,Susan,Jessica,Sarah,Karen,Lisa,Nancy,Betty,Margaret,Sandra,Ashley,Kimberly,Emily,Donna,Michelle,Carol,Amanda,Dorothy,Melissa,Deborah,Stephanie,Rebecca,Sharon,Laura,Cynthia,Kathleen,Amy,Angela,Shirley,Anna,Brenda,Pamela,Emma,Nicole,Helen,Samantha,Katherine,Christine,Debra,Rachel,Carolyn,Janet,Catherine,Heather,Diane}'::text[] AS en_g,
    '{Smith,Johnson,Williams,Brown,Jones,Miller,Davis,Wilson,Anderson,Taylor,Thomas,Moore,Jackson,Martin,Lee,Thompson,White,Harris,Clark,Lewis,Robinson,Walker,Young,Allen,King,Wright,Scott,Hill,Green,Adams,Baker,Nelson,Carter,Mitchell,Roberts,Turner,Phillips,Campbell,Parker,Evans,Edwards,Collins,Stewart,Morris,Murphy,Cook,Rogers,Morgan,Peterson,Cooper,Reed,Bailey,Bell,Kelly,Howard,Ward,Cox,Richardson,Wood,Watson,Brooks,Bennett,Gray,James,Hughes,Price,Sanders,Myers,Long,Ross,Foster,Powell,Jenkins,Perry,Russell,Sullivan,Fisher,Butler,Barnes,Henderson,Coleman,Simmons,Patterson,Jordan,Reynolds,Hamilton,Graham,Wallace,Gibson,Hayes,Griffin,Ellis,Stevens,Murray,Ford,Marshall,Owens,McDonald,Harrison,Kennedy,Wells,Alexander,Tucker,Porter,Hunter,Hicks,Crawford,Henry,Boyd,Mason,Kennedy,Warren,Dixon,Burns,Gordon,Shaw,Holmes,Rice,Robertson,O''Brien,O''Connor,MacKenzie}'::text[] AS en_s
), r AS (
  SELECT g AS id, random() AS lang, random() AS sex, random() AS two, random() AS a, random() AS b, random() AS c, random() AS d
  FROM generate_series(1, :rows) g
)
SELECT r.id,
       CASE WHEN r.lang < 0.7 THEN
         concat_ws(' ',
           CASE WHEN r.sex < 0.5 THEN v.es_m[1 + floor(r.a * cardinality(v.es_m))::int] ELSE v.es_f[1 + floor(r.a * cardinality(v.es_f))::int] END,
           CASE WHEN r.two < 0.3 THEN (CASE WHEN r.sex < 0.5 THEN v.es_m ELSE v.es_f END)[1 + floor(r.d * 60)::int] END,
           v.es_s[1 + floor(r.b * cardinality(v.es_s))::int],
           v.es_s[1 + floor(r.c * cardinality(v.es_s))::int])
       ELSE
         concat_ws(' ',
           v.en_g[1 + floor(r.a * cardinality(v.en_g))::int],
           CASE WHEN r.two < 0.4 THEN v.en_g[1 + floor(r.d * cardinality(v.en_g))::int] END,
           v.en_s[1 + floor(r.b * cardinality(v.en_s))::int])
       END AS name,
       r.lang < 0.7 AS spanish
FROM r, v;
SQL

# Queries: a third each with a keyboard typo, a phonetic respelling, or
# both; all with case and accents changed, half of them surname first.
bpsql -v nq="$QUERIES" -v rows="$ROWS" <<'SQL'
-- One keyboard edit at a random place: substitution, deletion, insertion
-- or transposition.
CREATE FUNCTION pg_temp.typo(tok text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  n int := length(tok);
  i int := 1 + floor(random() * n)::int;
  l text := chr(ascii('a') + floor(random() * 26)::int);
BEGIN
  IF n < 2 THEN RETURN tok || l; END IF;
  CASE floor(random() * 4)::int
    WHEN 0 THEN RETURN overlay(tok PLACING l FROM i FOR 1);
    WHEN 1 THEN RETURN overlay(tok PLACING '' FROM i FOR 1);
    WHEN 2 THEN RETURN overlay(tok PLACING l FROM i FOR 0);
    ELSE
      i := least(i, n - 1);
      RETURN overlay(tok PLACING substr(tok, i + 1, 1) || substr(tok, i, 1) FROM i FOR 2);
  END CASE;
END $$;

-- The token written as it sounds: one or two spellings of the same sound
-- that people confuse swapped wherever they occur (Vázquez -> Basquez ->
-- Basques, Stephen -> Stefen), or an h dropped or added.  The Spanish
-- confusions apply to Spanish names, the English ones to English names.
CREATE FUNCTION pg_temp.respell(tok text, spanish boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  pairs text[] := CASE WHEN spanish
    THEN '{v:b,b:v,z:s,es$:ez,ez$:es,ce:se,ci:si,ll:y,ge:je,gi:ji,je:ge,ji:gi,^h:,^x:j,gui:gi,cc:c,rr:r}'::text[]
    ELSE '{ph:f,th:t,ck:k,c:k,k:c,y:i,i:y,ll:l,ss:s,tt:t,nn:n,^h:,s$:z}'::text[] END;
  t text := lower(public.unaccent(tok));
  start int := floor(random() * cardinality(pairs))::int;
  want int := 1 + floor(random() * 2)::int;
  done int := 0;
  p text;
BEGIN
  FOR k IN 0 .. cardinality(pairs) - 1 LOOP
    p := pairs[1 + (start + k) % cardinality(pairs)];
    IF t ~ split_part(p, ':', 1) THEN
      t := regexp_replace(t, split_part(p, ':', 1), split_part(p, ':', 2), 'g');
      done := done + 1;
      EXIT WHEN done = want;
    END IF;
  END LOOP;
  IF done = 0 AND left(t, 1) IN ('a', 'e', 'i', 'o', 'u') THEN
    t := 'h' || t;
  END IF;
  RETURN t;
END $$;

-- kind 0: typo, 1: respelling, 2: both (in different tokens when there are).
CREATE FUNCTION pg_temp.retype(name text, spanish boolean, kind int) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  t text[] := string_to_array(name, ' ');
  n int := cardinality(t);
  i int := 1 + floor(random() * n)::int;
  j int := 1 + (i + floor(random() * (n - 1))::int) % n;
  q text;
BEGIN
  IF kind IN (1, 2) THEN t[i] := pg_temp.respell(t[i], spanish); END IF;
  IF kind = 0 THEN t[i] := pg_temp.typo(t[i]); END IF;
  IF kind = 2 THEN t[j] := pg_temp.typo(t[j]); END IF;
  -- surname first: Spanish names have two surnames, English ones one
  IF random() < 0.5 THEN
    q := array_to_string(t, ' ');
  ELSIF spanish THEN
    q := array_to_string(t[n - 1:], ' ') || ', ' || array_to_string(t[:n - 2], ' ');
  ELSE
    q := t[n] || ', ' || array_to_string(t[:n - 1], ' ');
  END IF;
  IF random() < 0.7 THEN q := public.unaccent(q); END IF;
  RETURN CASE floor(random() * 5)::int WHEN 0 THEN upper(q) WHEN 1 THEN q ELSE lower(q) END;
END $$;

SELECT setseed(0.1917) AS seed \gset
CREATE TABLE ni_queries AS
SELECT qid, (ARRAY['typo', 'respelling', 'typo+respelling'])[1 + qid % 3] AS kind,
       name AS target, pg_temp.retype(name, spanish, (qid % 3)::int) AS query
FROM (SELECT row_number() OVER (ORDER BY id) AS qid, name, spanish
      FROM ni_people
      WHERE id IN (SELECT 1 + floor(random() * :rows)::int FROM generate_series(1, :nq))
      ORDER BY id LIMIT :nq) picked;
SQL

}

contactgen_data() {
ROWS=$([ "$SMOKE" = 1 ] && echo 1000 || echo 10000)
make -s -C "$repo/test" gen >/dev/null
bpsql <<'SQL'
CREATE TABLE ni_contactgen (id bigint, truth_id bigint, full_name text, given_name text,
	family_name text, email text, phone text, region text, company text, city text,
	postcode text, birth_date text, national_id text, consent boolean, updated_at text);
SQL
"$repo/test/build/plain/contactgen" --rows "$ROWS" --seed 17 |
	bpsql -c "\\copy ni_contactgen FROM pstdin WITH (FORMAT csv, HEADER true)"
bpsql -v nq="$QUERIES" <<'SQL'
SELECT setseed(0.4711) AS seed \gset
-- A person's first record is the original; one later record, typed as
-- "given family", is the query.
CREATE TABLE ni_queries AS
WITH rec AS (
  SELECT *, min(id) OVER (PARTITION BY truth_id) AS first_id FROM ni_contactgen
), dup AS (
  SELECT DISTINCT ON (d.truth_id) d.*, o.full_name AS target
    FROM rec d JOIN ni_contactgen o ON o.id = d.first_id
   WHERE d.id <> d.first_id AND concat(d.given_name, d.family_name) <> '' AND o.full_name <> ''
   ORDER BY d.truth_id, random()
)
SELECT row_number() OVER (ORDER BY id) AS qid, 'duplicate'::text AS kind, target,
       concat_ws(' ', nullif(given_name, ''), nullif(family_name, '')) AS query, id AS source
  FROM (SELECT * FROM dup ORDER BY random() LIMIT :nq) d;
CREATE TABLE ni_people AS
SELECT id, full_name AS name FROM ni_contactgen WHERE id NOT IN (SELECT source FROM ni_queries);
DROP TABLE ni_contactgen;
SQL
ROWS=$(bpsql -A -t -c "SELECT count(*) FROM ni_people")
}

registrygen_data() {
ROWS=$([ "$SMOKE" = 1 ] && echo 1000 || echo 10000)
make -s -C "$repo/test" gen >/dev/null
bpsql <<'SQL'
CREATE TABLE ni_registry (id bigint, truth_id bigint, given_name text, family_name text,
	address text, city text, postcode text, birth_date text, member_no text);
SQL
"$repo/test/build/plain/registrygen" --rows "$ROWS" --seed 23 |
	bpsql -c "\\copy ni_registry FROM pstdin WITH (FORMAT csv, HEADER true)"
bpsql -v nq="$QUERIES" <<'SQL'
SELECT setseed(0.2718) AS seed \gset
-- As for contactgen: a person's first record is the original, one later
-- record typed as "given family" the query, every other record searched.
CREATE TABLE ni_queries AS
WITH rec AS (
  SELECT *, min(id) OVER (PARTITION BY truth_id) AS first_id FROM ni_registry
), dup AS (
  SELECT DISTINCT ON (d.truth_id) d.*, concat_ws(' ', nullif(o.given_name, ''), nullif(o.family_name, '')) AS target
    FROM rec d JOIN ni_registry o ON o.id = d.first_id
   WHERE d.id <> d.first_id AND concat(d.given_name, d.family_name) <> ''
     AND concat(o.given_name, o.family_name) <> ''
   ORDER BY d.truth_id, random()
)
SELECT row_number() OVER (ORDER BY id) AS qid,
       CASE WHEN coalesce(given_name, '') = '' THEN 'no given name' ELSE 'duplicate' END AS kind, target,
       concat_ws(' ', nullif(given_name, ''), nullif(family_name, '')) AS query, id AS source
  FROM (SELECT * FROM dup ORDER BY random() LIMIT :nq) d;
CREATE TABLE ni_people AS
SELECT id, concat_ws(' ', nullif(given_name, ''), nullif(family_name, '')) AS name
  FROM ni_registry WHERE id NOT IN (SELECT source FROM ni_queries);
DROP TABLE ni_registry;
SQL
ROWS=$(bpsql -A -t -c "SELECT count(*) FROM ni_people")
}

registry_data() {
ROWS=$([ "$SMOKE" = 1 ] && echo 1000 || echo 10000)
# Vocabularies: common given names and surnames of many origins (common
# knowledge, written for this benchmark; deliberately not the Spanish and
# English lists of the names data set nor contactgen's).
bpsql -v rows="$ROWS" <<'SQL'
SELECT setseed(0.3141) AS seed \gset
CREATE TABLE ni_people AS
WITH v AS (
  SELECT
    '{finlay,callum,ewan,hamish,angus,fraser,rory,isla,eilidh,morag,niamh,siobhan,aoife,ciaran,declan,padraig,sean,liam,oisin,grainne,hans,jurgen,klaus,dieter,wolfgang,heike,ute,birgit,greta,lukas,marco,giulia,francesca,giovanni,luca,matteo,chiara,alessandro,lorenzo,paola,piotr,krzysztof,tomasz,agnieszka,katarzyna,malgorzata,wojciech,zofia,jan,pieter,joost,sanne,femke,bram,wei,li,ming,jun,hui,xiao,yan,lan,minh,thanh,tuan,linh,anh,hoa,priya,rahul,anil,sunita,deepak,arjun,kavita,ravi,ahmed,fatima,omar,layla,yusuf,aisha,khalid,noor,tom,amy,ben,zoe,max,eve,jack,mia,sam,ivy,leo,ava,noah,ella,ryan,kate,luke,jade,owen,ruby,dale,gemma,craig,karen}'::text[] AS given,
    '{white,black,brown,green,grey,wood,hall,hill,king,ward,ross,reid,kerr,hay,shaw,bell,lee,ng,wu,li,le,ho,tan,lim,ong,chan,wong,nguyen,tran,pham,huynh,hoang,vu,dang,bui,do,patel,shah,singh,kumar,gupta,sharma,rao,iyer,nair,das,khan,ali,hassan,hussain,rahman,said,aziz,muller,schmidt,schneider,fischer,weber,becker,wagner,hoffmann,koch,richter,rossi,russo,ferrari,esposito,bianchi,romano,colombo,ricci,greco,bruno,nowak,kowalski,wisniewski,wojcik,kaminski,lewandowski,zielinski,jansen,devries,bakker,visser,smit,meijer,mulder,bos,macleod,mackay,macdonald,campbell,stewart,robertson,murray,fraser,gallagher,byrne,ryan,doyle,walsh,murphy,kelly,obrien,sullivan,mccarthy,quinn,fox,cox,day,lamb,moss,ford,nash,pike,rowe,dunn,lowe,hunt,webb,cole,mann,wilkinson,thornton,fitzgerald,ashworth,whitfield,bancroft}'::text[] AS sur
)
SELECT g AS id,
       initcap(v.given[1 + floor(random() * cardinality(v.given))::int]) || ' ' ||
       initcap(v.sur[1 + floor(random() * cardinality(v.sur))::int]) AS name
  FROM generate_series(1, :rows) g, v;
SQL
bpsql -v nq="$QUERIES" -v rows="$ROWS" <<'SQL'
-- One error in a token: transposition, deletion, keyboard substitution,
-- insertion, or a phonetic respelling.
CREATE FUNCTION pg_temp.corrupt_token(tok text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  n int := length(tok);
  i int := 1 + floor(random() * n)::int;
  r float8 := random();
  -- letters next to each letter on a QWERTY keyboard
  near text[] := '{a:qwsz,b:vghn,c:xdfv,d:serfcx,e:wsdr,f:drtgvc,g:ftyhbv,h:gyujnb,i:ujko,j:huikmn,k:jiolm,l:kop,m:njkrn,n:bhjm,o:iklp,p:ol,q:wa,r:edft,s:awedxz,t:rfgy,u:yhji,v:cfgb,w:qase,x:zsdc,y:tghu,z:asx}'::text[];
  c text := substr(tok, i, 1);
  cand text;
  respell text[] := '{ph:f,f:ph,ck:k,c:k,k:c,ie:ei,ei:ie,ou:ow,ee:ea,y:ie,ll:l,ss:s,mm:m,nn:n,tt:t,w:v,v:w,z:s,s:z,oo:u,ae:e,th:t,sch:sh,j:y}'::text[];
  p text;
BEGIN
  IF n < 2 THEN RETURN tok; END IF;
  IF r < 0.30 THEN
    i := least(i, n - 1);
    RETURN overlay(tok PLACING substr(tok, i + 1, 1) || substr(tok, i, 1) FROM i FOR 2);
  ELSIF r < 0.55 THEN
    RETURN overlay(tok PLACING '' FROM i FOR 1);
  ELSIF r < 0.80 THEN
    cand := coalesce((SELECT split_part(x, ':', 2) FROM unnest(near) x WHERE split_part(x, ':', 1) = c), 'e');
    RETURN overlay(tok PLACING substr(cand, 1 + floor(random() * length(cand))::int, 1) FROM i FOR 1);
  ELSIF r < 0.90 THEN
    RETURN overlay(tok PLACING chr(ascii('a') + floor(random() * 26)::int) FROM i FOR 0);
  END IF;
  FOR k IN 0 .. cardinality(respell) - 1 LOOP
    p := respell[1 + (floor(random() * cardinality(respell))::int + k) % cardinality(respell)];
    IF position(split_part(p, ':', 1) IN tok) > 0 THEN
      RETURN replace(tok, split_part(p, ':', 1), split_part(p, ':', 2));
    END IF;
  END LOOP;
  RETURN overlay(tok PLACING '' FROM i FOR 1);
END $$;

CREATE FUNCTION pg_temp.corrupt(name text, OUT query text, OUT kind text)
LANGUAGE plpgsql AS $$
DECLARE
  t text[] := string_to_array(lower(name), ' ');
  errors int := 0;
BEGIN
  kind := '';
  FOR k IN 1 .. cardinality(t) LOOP
    IF random() < 0.45 THEN t[k] := pg_temp.corrupt_token(t[k]); errors := errors + 1; END IF;
  END LOOP;
  IF random() < 0.15 THEN
    t[2] := pg_temp.corrupt_token(t[2]);
    errors := errors + 1;
  END IF;
  IF random() < 0.15 THEN
    kind := 'no given name';
    query := t[2];
  ELSIF random() < 0.12 THEN
    kind := 'swapped';
    query := t[2] || ' ' || t[1];
  ELSE
    query := t[1] || ' ' || t[2];
  END IF;
  kind := concat_ws(', ', nullif(kind, ''), CASE errors WHEN 0 THEN 'no typo' WHEN 1 THEN '1 typo' ELSE '2+ typos' END);
END $$;

SELECT setseed(0.2718) AS seed \gset
CREATE TABLE ni_queries AS
SELECT row_number() OVER (ORDER BY id) AS qid, (c).kind, name AS target, (c).query
  FROM (SELECT id, name, pg_temp.corrupt(name) AS c
          FROM ni_people
         WHERE id IN (SELECT 1 + floor(random() * :rows)::int FROM generate_series(1, 2 * :nq))
         ORDER BY id LIMIT :nq) picked;
SQL
}

evaluate() {
echo "sample queries (target -> query):"
bpsql -A -t -F ' -> ' -c "SELECT target, query FROM ni_queries ORDER BY qid LIMIT 9"
local QUERIES
QUERIES=$(bpsql -A -t -c "SELECT count(*) FROM ni_queries")

# One table per method so that each query can only use its own index.
build() {
	local label=$1 sql=$2 t0 t1
	t0=$(date +%s.%N)
	bpsql -c "$sql"
	t1=$(date +%s.%N)
	printf '%-34s %7.1f s\n' "$label" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')"
}
echo "index builds:"
bpsql -c "CREATE TABLE ni_ours AS SELECT id, name FROM ni_people" \
	-c "CREATE TABLE ni_trgm_gin AS SELECT id, name FROM ni_people" \
	-c "CREATE TABLE ni_trgm_gist AS SELECT id, name FROM ni_people"
build "contacts name_gin_ops" "CREATE INDEX ni_ours_gin ON ni_ours USING gin (name contacts.name_gin_ops)"
build "pg_trgm gin_trgm_ops" "CREATE INDEX ni_trgm_gin_idx ON ni_trgm_gin USING gin (lower(f_unaccent(name)) gin_trgm_ops)"
build "pg_trgm gist_trgm_ops" "CREATE INDEX ni_trgm_gist_idx ON ni_trgm_gist USING gist (lower(f_unaccent(name)) gist_trgm_ops)"
bpsql -c "VACUUM ANALYZE ni_ours, ni_trgm_gin, ni_trgm_gist"
bpsql -A -t -F ' ' -c "SELECT 'index sizes:', string_agg(c.relname || ' ' || pg_size_pretty(pg_relation_size(c.oid)), ', ' ORDER BY c.relname)
	FROM pg_class c WHERE c.relname IN ('ni_ours_gin', 'ni_trgm_gin_idx', 'ni_trgm_gist_idx')"

# Each method's query: a format() string, %1$L standing for the query text.
OURS="SELECT name FROM ni_ours WHERE name OPERATOR(contacts.%%~) %1\$L ORDER BY name OPERATOR(contacts.<~>) %1\$L LIMIT 10"
TRGM_GIN="SELECT name FROM ni_trgm_gin WHERE lower(f_unaccent(name)) %% lower(f_unaccent(%1\$L)) ORDER BY similarity(lower(f_unaccent(name)), lower(f_unaccent(%1\$L))) DESC LIMIT 10"
TRGM_GIST="SELECT name FROM ni_trgm_gist ORDER BY lower(f_unaccent(name)) <-> lower(f_unaccent(%1\$L)) LIMIT 10"

# The plans, to show that every method uses its index.
# (With the tiny SMOKE table the planner rightly prefers a sequential scan.)
echo "plans (scan nodes):"
for q in "$OURS" "$TRGM_GIN" "$TRGM_GIST"; do
	bpsql -A -t -c "SELECT format('EXPLAIN (COSTS OFF) $(sed "s/'/''/g" <<<"$q")', 'jose perez')" |
		bpsql -A -t | grep -E 'Scan' | sed 's/^ *\(-> *\)*/  /' || true
done

bpsql -c "CREATE TABLE ni_timings (method text, qid bigint, ms float8, hit boolean)" \
	-c "CREATE TABLE ni_methods (ord int, method text, sql text)"
bpsql -v ours="$OURS" -v gin="$TRGM_GIN" -v gist="$TRGM_GIST" <<'SQL'
INSERT INTO ni_methods VALUES
  (1, 'contacts %~ (GIN), <~> order', :'ours'),
  (2, 'pg_trgm % (GIN), similarity order', :'gin'),
  (3, 'pg_trgm <-> (GiST KNN)', :'gist');
SQL
# Tables and indexes are read into the cache first, so that no method pays
# for reading from disk what another has already read.
bpsql -A -t -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
	-c "SELECT sum(pg_prewarm(c)) FROM unnest('{ni_ours,ni_ours_gin,ni_trgm_gin,ni_trgm_gin_idx,ni_trgm_gist,ni_trgm_gist_idx}'::regclass[]) c" >/dev/null
bpsql <<'SQL'
DO $$
DECLARE
  m record;
  q record;
  t0 timestamptz;
  found text[];
BEGIN
  -- The methods take turns on each query so that a change in the
  -- machine's load hits all of them alike.
  FOR q IN SELECT * FROM ni_queries ORDER BY qid LOOP
    FOR m IN SELECT * FROM ni_methods ORDER BY ord LOOP
      t0 := clock_timestamp();
      EXECUTE format('SELECT array_agg(name) FROM (' || m.sql || ') s', q.query) INTO found;
      INSERT INTO ni_timings VALUES (m.method, q.qid,
        1000 * extract(epoch FROM clock_timestamp() - t0),
        coalesce(q.target = ANY (found), false));
    END LOOP;
  END LOOP;
END $$;
SQL

settings=$(bpsql -A -t -c "SELECT contacts.name_search_similarity('a', 'a'), similarity('a', 'a')" \
	-c "SELECT format('contacts.name_similarity_threshold = %s, pg_trgm.similarity_threshold = %s',
	current_setting('contacts.name_similarity_threshold'), current_setting('pg_trgm.similarity_threshold'))" | tail -n 1)
echo "results ($QUERIES queries on $ROWS names; $settings):"
bpsql -A -t -F '|' <<'SQL' | awk -F'|' '{printf "%-36s recall@10 %5.1f%%  median %8.2f ms  p90 %8.2f ms\n", $1, $2, $3, $4}'
SELECT method, round(100.0 * avg(hit::int), 1), round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY ms)::numeric, 2)
FROM ni_timings JOIN ni_methods USING (method) GROUP BY ord, method ORDER BY ord;
SQL
echo "recall@10 by kind of retyping (contacts / pg_trgm GIN / pg_trgm GiST):"
bpsql -A -t -F '|' <<'SQL' | awk -F'|' '{printf "  %-16s %3d queries  %5.1f%% / %5.1f%% / %5.1f%%\n", $1, $2, $3, $4, $5}'
SELECT q.kind, count(*) / 3,
       round(100.0 * avg(hit::int) FILTER (WHERE ord = 1), 1),
       round(100.0 * avg(hit::int) FILTER (WHERE ord = 2), 1),
       round(100.0 * avg(hit::int) FILTER (WHERE ord = 3), 1)
FROM ni_timings JOIN ni_methods USING (method) JOIN ni_queries q USING (qid)
GROUP BY q.kind ORDER BY min(q.qid % 3);
SQL
bpsql -A -t -F '|' <<'SQL' | while IFS='|' read -r peer points ours_ms peer_ms; do
SELECT p.method, round(100.0 * (o.recall - p.recall), 1), o.median, p.median
FROM (SELECT method, ord, avg(hit::int) AS recall, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median
      FROM ni_timings JOIN ni_methods USING (method) GROUP BY method, ord) p,
     (SELECT avg(hit::int) AS recall, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS median
      FROM ni_timings JOIN ni_methods USING (method) WHERE ord = 1) o
WHERE p.ord > 1 ORDER BY p.ord;
SQL
	printf 'contacts vs %-33s recall %+.1f points, median latency speedup x%s\n' "$peer" "$points" "$(ratio "$peer_ms" "$ours_ms")"
done

bpsql -c "DROP TABLE ni_people, ni_ours, ni_trgm_gin, ni_trgm_gist, ni_queries, ni_timings, ni_methods"
}

for d in $DATASETS; do
	echo "== data set: $d"
	"${d}_data"
	echo "rows: $ROWS, queries: $(bpsql -A -t -c "SELECT count(*) FROM ni_queries")"
	evaluate
done
