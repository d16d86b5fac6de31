# The extension installs and works in a LATIN1 database as well as in UTF-8:
# the glue converts between the database encoding and the UTF-8 core.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('encoding');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;

$node->safe_psql('postgres',
	"CREATE DATABASE latin1db ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");

foreach my $db ('postgres', 'latin1db')
{
	$node->safe_psql($db, 'CREATE EXTENSION contacts');
	is($node->safe_psql($db, "SELECT count(*) FROM contacts.versions() WHERE component = 'icu'"),
		'1', "versions() in $db");
	is($node->safe_psql($db, 'SHOW server_encoding'),
		$db eq 'latin1db' ? 'LATIN1' : 'UTF8', "server encoding of $db");
}

# Emails: LATIN1 input reaches the core as UTF-8; an internationalized domain
# is shown in its ASCII form where the database encoding cannot hold it.
foreach my $db ('postgres', 'latin1db')
{
	my $email = sub {
		$node->safe_psql($db, "SET client_encoding = 'UTF8'; SET search_path = public, contacts; $_[0]");
	};
	is($email->(q{SELECT email_valid('josé@example.com')}), 't', "email_valid with é in $db");
	is($email->(q{SELECT email_check('josé@-example.com')}), 'DOMAIN_LABEL_HYPHEN', "email_check in $db");
	is($email->(q{SELECT 'José@Example.COM'::email = 'JOSÉ@example.com'}), 't',
		"case-insensitive é in $db");
	is($email->(q{SELECT 'José@xn--bcher-kva.DE'::email}),
		$db eq 'latin1db' ? 'José@xn--bcher-kva.de' : 'José@bücher.de', "IDN output in $db");
	is($email->(q{SELECT email_suggest('josé@gmial.com')}), 'josé@gmail.com', "email_suggest in $db");
}

# Dropping and re-creating leaves nothing behind.
$node->safe_psql('latin1db', 'DROP EXTENSION contacts');
is($node->safe_psql('latin1db',
		"SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE nspname = 'contacts'"),
	'0', 'no function left behind by DROP EXTENSION');
$node->safe_psql('latin1db', 'CREATE EXTENSION contacts');
pass('extension re-created');

$node->stop;
done_testing();
