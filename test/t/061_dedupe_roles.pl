# dedupe as production roles run it: the table's owner (no superuser)
# deduplicates; after a crash the unlogged features are empty and the entry
# trigger keeps accepting rows (matching warns and finds nothing) until the
# owner runs dedupe again; DROP EXTENSION takes the feature tables with it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dedupe_roles');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;
$node->safe_psql('postgres', 'CREATE ROLE crm_owner');

# A configured table of crm_owner's with the entry trigger flagging likely
# duplicates, deduplicated once by its owner.
sub setup_db
{
	my ($db) = @_;
	$node->safe_psql($db, q{
CREATE EXTENSION contacts;
CREATE TABLE leads (id bigint PRIMARY KEY, full_name text, email text, phone text, country text, flags jsonb);
ALTER TABLE leads OWNER TO crm_owner;
INSERT INTO leads VALUES
  (1, 'José Pérez García', 'jperez@example.com', '+34 612 34 56 78', 'ES', NULL),
  (2, 'María López Ruiz', 'mlopez@example.es', '+34 622 11 22 33', 'ES', NULL),
  (3, 'Juan Martínez', 'juan.martinez@example.com', '+54 9 11 2345-6789', 'AR', NULL),
  (4, 'Ana Fernández', 'ana.f@example.com', '+52 55 1234 5678', 'MX', NULL);
SELECT contacts.configure('leads', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}',
    on_duplicate => 'flag', flag_column => 'flags', fuzzy_duplicates => true);
SET ROLE crm_owner;
SET client_min_messages = warning;
SELECT contacts.dedupe_run('leads');
RESET ROLE;
CREATE TRIGGER leads_enforce BEFORE INSERT OR UPDATE ON leads
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
});
}

# Insert José again; returns what the trigger flagged him as.  (As a
# superuser: the entry trigger's own privileges are another issue's.)
sub insert_jose
{
	my ($db, $id) = @_;
	my ($stdout, $stderr);
	my $rc = $node->psql($db, qq{
INSERT INTO leads (id, full_name, email, phone, country)
VALUES ($id, 'PEPE PEREZ GARCIA', 'pepe.perez\@gmail.com', '612345678', 'ES')
RETURNING coalesce(flags ->> 'duplicate_of', 'none')},
		stdout => \$stdout, stderr => \$stderr);
	return ($rc, $stdout, $stderr);
}

setup_db('postgres');
my $features = 'contacts.dedupe_features_'
  . $node->safe_psql('postgres', q{SELECT 'leads'::regclass::oid});
my ($rc, $out, $err) = insert_jose('postgres', 5);
is($out, '1', 'before the crash a likely duplicate is flagged');

# Crash: unlogged tables come back empty.
$node->stop('immediate');
$node->start;
is($node->safe_psql('postgres', "SELECT count(*) FROM $features"), '0',
	'crash recovery emptied the features');
($rc, $out, $err) = insert_jose('postgres', 6);
is($rc, 0, 'the entry trigger still accepts rows after the crash');
is($out, 'none', 'and flags nothing');
like($err, qr/WARNING:  no likely duplicates of table leads can be found until it is deduplicated again/,
	'it warns that matching is off');
like($err, qr/HINT:  Run contacts.dedupe_run\('leads'\) to rebuild its features/,
	'and says how to turn it on again');

# The owner reruns dedupe: matching is back.
$node->safe_psql('postgres',
	q{SET ROLE crm_owner; SET client_min_messages = warning; SELECT contacts.dedupe_run('leads')});
($rc, $out, $err) = insert_jose('postgres', 7);
like($out, qr/^[156]$/, 'after a new run likely duplicates are flagged again');

# DROP EXTENSION drops the feature tables, members of the extension.
$node->safe_psql('postgres', 'CREATE DATABASE other');
setup_db('other');
my $count = q{SELECT count(*) FROM pg_class WHERE relname LIKE 'dedupe\_features\_%' AND relkind = 'r'};
is($node->safe_psql('other', $count), '2', 'a run leaves a features and a counts table');
$node->safe_psql('other', 'DROP EXTENSION contacts CASCADE');
is($node->safe_psql('other', $count), '0', 'DROP EXTENSION drops them');
is($node->safe_psql('other', 'SELECT count(*) FROM leads'), '4', 'the table itself stays');

$node->stop;
done_testing();
