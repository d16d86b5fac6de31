# A CSV with every kind of bad row goes through COPY into a staging table and
# contacts.import() into a configured contact table: every staged row is
# accounted for, invalid rows are set aside with their reasons and their whole
# source row, suppressed and non-consenting people never get in, duplicates
# follow the chosen policy, and a dry run changes nothing.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('import');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;
my $db = 'postgres';
$node->safe_psql($db, 'CREATE EXTENSION contacts');

# Rows: 1 new; 2 duplicate of 1 inside the file (same address, other case);
# 3 invalid email; 4 invalid phone; 5 missing required name; 6 suppressed
# (suppressed in another written form); 7 no consent; 8 duplicate of a row
# already in the table; 9 quotes, commas, accents; 10 phone in national form
# for Argentina with the 15 mobile prefix; 11 two problems at once.
my $csv = <<'CSV';
nombre,correo,telefono,pais,empresa,consentimiento
"  JOSE  perez garcía ",Jose.Perez@Gmail.com,612 34 56 78,ES,acme s.a.,true
José Pérez,jose.perez@GMAIL.COM,+34 612345678,ES,ACME SA,true
Ana Ruiz,ana@gmial..con,600 11 22 33,ES,,true
Luis Gómez,luis@example.com,12,ES,,true
,nadie@example.com,,ES,,true
Opted Out,OptOut@Example.com,,ES,,true
Sin Consentimiento,noconsent@example.com,,ES,,false
"García, María",maria@existing.example,,ES,,true
"Zoë O'Brien, Jr.",zoe@example.ie,+353 1 234 5678,IE,"O'Brien & Sons, Ltd",true
Martín Fierro,martin@example.com.ar,(011) 15 2345-6789,AR,,true
,broken@@example.com,1,ES,,true
CSV
my $path = $node->basedir . '/contacts.csv';
open(my $fh, '>', $path) or die $!;
print $fh $csv;
close $fh;

$node->safe_psql($db, q{
CREATE TABLE crm (id bigserial PRIMARY KEY, full_name text, email text, phone text,
                  country text, company text, consent boolean);
CREATE INDEX ON crm (email);
SELECT contacts.configure('crm', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country", "company": "company"}',
    consent_column => 'consent', required => '{full_name}');
INSERT INTO crm (full_name, email, country, consent) VALUES ('María García', 'maria@existing.example', 'ES', true);
SELECT contacts.suppress('email', 'optout@example.com', reason => 'asked by phone');
CREATE TABLE staging (nombre text, correo text, telefono text, pais text, empresa text, consentimiento text);
});
$node->safe_psql($db, "COPY staging FROM '$path' WITH (FORMAT csv, HEADER true)");
is($node->safe_psql($db, 'SELECT count(*) FROM staging'), '11', 'CSV staged');

my $mapping = q{'{"full_name": "nombre", "email": "correo", "phone": "telefono",
                  "country": "pais", "company": "empresa", "consent": "consentimiento"}'};

# A dry run reports and changes nothing.
is($node->safe_psql($db, qq{
    SELECT format('%s %s %s %s %s %s', staged, inserted, updated, kept, rejected, suppressed)
      FROM contacts.import('staging', 'crm', $mapping, duplicate_key => 'email', dry_run => true)}),
   '11 3 0 2 4 2', 'dry run counts: 3 inserted, 2 kept, 4 rejected, 2 suppressed');
is($node->safe_psql($db, 'SELECT count(*) FROM crm'), '1', 'dry run inserted nothing');
is($node->safe_psql($db, 'SELECT count(*) FROM contacts.import_run'), '0', 'dry run logged nothing');

my $run = $node->safe_psql($db, qq{
    SELECT format('%s|%s %s %s %s %s %s', import_id, staged, inserted, updated, kept, rejected, suppressed)
      FROM contacts.import('staging', 'crm', $mapping, duplicate_key => 'email', on_duplicate => 'keep')});
my ($id, $counts) = split /\|/, $run;
is($counts, '11 3 0 2 4 2', 'import accounting: staged = inserted + updated + kept + rejected + suppressed');

is($node->safe_psql($db, "SELECT string_agg(row_number || ':' || category || ':' || array_to_string(reasons, ';'), ' ' ORDER BY row_number)
                            FROM contacts.import_reject WHERE import_id = $id"),
   '3:invalid:email: ' . $node->safe_psql($db, "SELECT contacts.email_check('ana\@gmial..con')")
   . ' 4:invalid:phone: ' . $node->safe_psql($db, "SELECT contacts.phone_check('12', 'ES')")
   . ' 5:invalid:full_name: REQUIRED 6:suppressed:SUPPRESSED 7:no_consent:NO_CONSENT'
   . ' 11:invalid:email: ' . $node->safe_psql($db, "SELECT contacts.email_check('broken\@\@example.com')")
   . ';full_name: REQUIRED;phone: ' . $node->safe_psql($db, "SELECT contacts.phone_check('1', 'ES')"),
   'every rejected row with every reason');
is($node->safe_psql($db, "SELECT source->>'correo' FROM contacts.import_reject WHERE import_id = $id AND row_number = 3"),
   'ana@gmial..con', 'invalid rows keep their whole source row');
is($node->safe_psql($db, "SELECT count(source) FROM contacts.import_reject WHERE import_id = $id AND category <> 'invalid'"),
   '0', 'suppressed and no-consent rows keep no data');
is($node->safe_psql($db, "SELECT count(*) FROM crm WHERE lower(email) IN ('optout\@example.com', 'noconsent\@example.com')"),
   '0', 'suppressed and non-consenting people were not imported');

is($node->safe_psql($db, "SELECT full_name || ' | ' || email || ' | ' || phone FROM crm WHERE email ILIKE 'jose.perez%'"),
   $node->safe_psql($db, "SELECT contacts.name_normalize('  JOSE  perez garcía ') || ' | ' || contacts.email_normalize('Jose.Perez\@Gmail.com') || ' | +34612345678'"),
   'the first of two in-file duplicates was imported, normalized');
is($node->safe_psql($db, "SELECT phone FROM crm WHERE email = 'martin\@example.com.ar'"),
   '+5491123456789', 'Argentine 15 mobile form becomes E.164 with the 9');
is($node->safe_psql($db, "SELECT company FROM crm WHERE email = 'zoe\@example.ie'"),
   $node->safe_psql($db, q{SELECT contacts.company_normalize('O''Brien & Sons, Ltd')}), 'quoted CSV fields survive');
is($node->safe_psql($db, 'SELECT count(*) FROM crm'), '4', 'one existing + three imported');

# Importing the same file again with update: every valid row is now a
# duplicate, nothing new is inserted, and nothing is lost.
$node->safe_psql($db, "UPDATE crm SET company = NULL WHERE email ILIKE 'jose.perez%'");
is($node->safe_psql($db, qq{
    SELECT format('%s %s %s %s %s %s', staged, inserted, updated, kept, rejected, suppressed)
      FROM contacts.import('staging', 'crm', $mapping, duplicate_key => 'email', on_duplicate => 'update')}),
   '11 0 5 0 4 2', 'second import updates the five known people');
ok($node->safe_psql($db, "SELECT company FROM crm WHERE email ILIKE 'jose.perez%'") ne '',
   'update filled the empty company');
is($node->safe_psql($db, 'SELECT count(*) FROM crm'), '4', 'update inserted nothing');

# Bad calls fail clearly and leave nothing behind.
my ($rc, $out, $err) = $node->psql($db, qq{SELECT contacts.import('staging', 'crm', '{"nope": "nombre"}')});
like($err, qr/target table public.crm has no column nope/, 'unknown target column');
($rc, $out, $err) = $node->psql($db, qq{SELECT contacts.import('staging', 'crm', $mapping, on_duplicate => 'merge')});
like($err, qr/unknown duplicate policy "merge"/, 'unknown policy');
is($node->safe_psql($db, 'SELECT count(*) FROM contacts.import_run'), '2', 'failed imports are not logged');

$node->stop;
done_testing();
