#!/usr/bin/env bash
# Email: validation against the length() floor and the usual regex, the
# cast to contacts.email against the cast to citext, and a UNIQUE index on a
# contacts.email column against one on lower(text), on generated realistic
# addresses (mixed case, IDN in Unicode and punycode form, ~10% invalid).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=${BENCH_N:-$(scale 1000000)}
# One process per query: per-row costs, not how the two shared cores are split.
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c max_parallel_maintenance_workers=0"

bpsql -v n="$N" <<'SQL'
CREATE EXTENSION IF NOT EXISTS contacts;
CREATE EXTENSION IF NOT EXISTS citext;
DROP TABLE IF EXISTS bench_emails, bench_valid, bench_typed;
\o /dev/null
SELECT setseed(0.42);
\o
CREATE TABLE bench_emails AS
WITH p AS (
    SELECT g,
           CASE WHEN random() < 0.02   -- SMTPUTF8 local parts are still rare
                THEN (ARRAY['josé','íñigo','zoë','björn','maría','андрей','李'])[1 + floor(random() * 7)::int]
                ELSE (ARRAY['ana','juan','maria','jose','carlos','lucia','john','mary','pedro','sofia',
                            'miguel','laura','david','elena','pablo','marta'])[1 + floor(random() * 16)::int]
           END AS fn,
           (ARRAY['garcia','martinez','lopez','smith','gonzalez','rodriguez','fernandez',
                  'perez','sanchez','johnson','brown','diaz','torres','ruiz'])
               [1 + floor(random() * 14)::int] AS ln,
           (ARRAY['.', '_', '', '.', '-', '+news.'])[1 + floor(random() * 6)::int] AS sep,
           random() AS rd, random() AS rc, random() AS ri, floor(random() * 10)::int AS kind
      FROM generate_series(1, :n) g
), a AS (
    SELECT g, rc, ri, kind,
           CASE WHEN rc < 0.3 THEN initcap(fn) ELSE fn END || sep || ln || g AS local,
           CASE WHEN rd < 0.25 THEN 'gmail.com'
                WHEN rd < 0.35 THEN 'hotmail.com'
                WHEN rd < 0.42 THEN 'yahoo.com.ar'
                WHEN rd < 0.48 THEN 'outlook.es'
                WHEN rd < 0.52 THEN 'hotmail.es'
                WHEN rd < 0.55 THEN 'icloud.com'
                WHEN rd < 0.97 THEN 'empresa' || (g % 5000) ||
                     (ARRAY['.com', '.com.ar', '.es', '.com.mx', '.co.uk'])[1 + g % 5]
                ELSE (ARRAY['bücher.de', 'münchen.de', 'españa.com', '例え.jp', 'пример.рф',
                            'xn--bcher-kva.de', 'café.fr', 'xn--mnchen-3ya.de'])[1 + g % 8]
           END AS domain
      FROM p
)
SELECT g,
       CASE WHEN ri >= 0.10 THEN local || '@' || CASE WHEN rc > 0.85 THEN upper(domain) ELSE domain END
            WHEN kind = 0 THEN local || domain                      -- missing @
            WHEN kind = 1 THEN local || '..x@' || domain            -- consecutive dots
            WHEN kind = 2 THEN local || '.@' || domain              -- trailing dot
            WHEN kind = 3 THEN local || '@-' || domain              -- hyphen label
            WHEN kind = 4 THEN replace(local, '.', ' ') || ' x@' || domain   -- space
            WHEN kind = 5 THEN local || '@' || domain || '.'        -- empty label
            WHEN kind = 6 THEN local || '@@' || domain              -- two @
            WHEN kind = 7 THEN local || '@' || replace(domain, '.', ',')   -- comma
            WHEN kind = 8 THEN '@' || domain                        -- no local part
            ELSE local || '@' || split_part(domain, '.', 1)         -- no TLD
       END AS e
  FROM a;
CREATE TABLE bench_valid AS SELECT e FROM bench_emails WHERE contacts.email_valid(e);
CREATE TABLE bench_typed AS SELECT e::contacts.email AS e FROM bench_valid;
VACUUM ANALYZE bench_emails;
VACUUM ANALYZE bench_valid;
VACUUM ANALYZE bench_typed;
SELECT count(*) AS addresses,
       round(100.0 * count(*) FILTER (WHERE NOT contacts.email_valid(e)) / count(*), 1) AS pct_invalid,
       round(100.0 * count(*) FILTER (WHERE split_part(e, '@', 2) ~ '[^\x01-\x7f]' OR e ~* 'xn--') / count(*), 1) AS pct_idn,
       round(100.0 * count(*) FILTER (WHERE split_part(e, '@', 1) ~ '[^\x01-\x7f]') / count(*), 1) AS pct_utf8_local,
       round(100.0 * count(*) FILTER (WHERE e <> lower(e)) / count(*), 1) AS pct_mixed_case
  FROM bench_emails;
SQL

floor="SELECT count(*) FROM bench_emails WHERE length(e) > 0"
ours="SELECT count(*) FROM bench_emails WHERE contacts.email_valid(e)"
regex="SELECT count(*) FROM bench_emails WHERE e ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\$'"
f=$(median_ms "$floor")
o=$(median_ms "$ours")
r=$(median_ms "$regex")
printf '%-44s ours %9.1f ms  floor %9.1f ms  ratio to floor x%s (target <= 1.50)\n' \
	"email_valid vs length() floor" "$o" "$f" "$(ratio "$o" "$f")"
printf '%-44s ours %9.1f ms  regex %9.1f ms  speedup x%s (target > 1)\n' \
	"email_valid vs regex" "$o" "$r" "$(ratio "$r" "$o")"

compare "cast text to contacts.email vs citext" \
	"SELECT count(e::contacts.email) FROM bench_valid" \
	"SELECT count(e::citext) FROM bench_valid"

compare "UNIQUE index on email column vs lower(text)" \
	"CREATE UNIQUE INDEX bench_typed_e ON bench_typed (e); DROP INDEX bench_typed_e" \
	"CREATE UNIQUE INDEX bench_valid_lower ON bench_valid (lower(e)); DROP INDEX bench_valid_lower"

bpsql -c "DROP TABLE bench_emails, bench_valid, bench_typed"
