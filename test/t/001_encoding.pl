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

# Text functions see the same characters in both encodings (chr() gives the
# Latin-1 character in either database; results are compared in ASCII).
foreach my $db ('postgres', 'latin1db')
{
	my %cases = (
		"contacts.fold('JOS' || chr(201) || '  P' || chr(201) || 'REZ ')" => 'jose perez',
		"contacts.fold('Stra' || chr(223) || 'e ' || chr(198) || 'gir')" => 'strasse aegir',
		"contacts.fold(chr(189))" => '1/2',
		"contacts.levenshtein('Mu' || chr(241) || 'oz', 'MUNOZ')" => '0',
		"contacts.levenshtein(chr(233) || chr(232), 'x')" => '2',
		"contacts.jaro_winkler('M' || chr(252) || 'ller', 'muller')" => '1',
		"contacts.token_set_similarity('P' || chr(233) || 'rez, Jos' || chr(233), 'jose perez')" => '1',
		"contacts.phonetic_es('Mu' || chr(241) || 'oz V' || chr(225) || 'zquez')" => 'MUNOS BASKES',
		"contacts.double_metaphone('Fran' || chr(231) || 'ois')" => 'FRNS',
		"convert_to(contacts.fold('Fran' || chr(199) || 'OIS ' || chr(212)), 'UTF8')" => '\\x6672616e636f6973206f',
	);
	foreach my $expr (sort keys %cases)
	{
		is($node->safe_psql($db, "SELECT $expr"), $cases{$expr}, "$expr in $db");
	}
}

# The micro sign folds to the Greek mu, which LATIN1 cannot hold: a clear
# conversion error, not a wrong key.
my ($ret, $stdout, $stderr) = $node->psql('latin1db', 'SELECT contacts.fold(chr(181))');
isnt($ret, 0, 'fold of the micro sign fails in LATIN1');
like($stderr, qr/has no equivalent in encoding "LATIN1"/, 'with a conversion error');

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

# Names, companies, national IDs and name_similarity convert LATIN1 to the
# UTF-8 core and back (the client sends UTF-8; the server converts).
foreach my $db ('postgres', 'latin1db')
{
	my $q = sub {
		$node->safe_psql($db, "SET client_encoding = 'UTF8'; SELECT $_[0]");
	};
	is($q->("contacts.normalize_name('JOSÉ MARÍA  pérez')"), 'José María Pérez', "normalize_name in $db");
	is($q->("(contacts.name_parts('Pérez García, José')).first_family"), 'Pérez', "name_parts in $db");
	is($q->("contacts.name_similarity('Pepe Pérez', 'JOSE PEREZ')::numeric(4,2)"), '0.96', "name_similarity in $db");
	is($q->("contacts.company_key('Pérez y Cía. S.A.')"), 'perez', "company_key in $db");
	is($q->("contacts.normalize_company('Ibérica s.a.')"), 'Ibérica S.A.', "normalize_company in $db");
	is($q->("contacts.national_id_normalize('ES', NULL, 'x-1234567-l')"), 'X1234567L', "national_id_normalize in $db");
	is($q->("contacts.nickname_of('Concha', 'Concepción')"), 't', "nickname_of in $db");
}

# Phones: a no-break space (0xA0 in LATIN1) reaches the engine as U+00A0
# punctuation; a letter with an accent makes text that is not a number.
foreach my $db ('postgres', 'latin1db')
{
	is($node->safe_psql($db,
			"SELECT contacts.phone_parse('612' || chr(160) || '34' || chr(160) || '56 78', 'ES')"),
		'+34612345678', "phone with a no-break space in $db");
	is($node->safe_psql($db, "SELECT contacts.phone_check('tel' || chr(233) || 'fono', 'ES')"),
		'NOT_A_NUMBER', "phone_check on accented text in $db");
	is($node->safe_psql($db,
			"SELECT contacts.phone_format('ES:612 34 56 78'::contacts.phone, 'national')"),
		'612 34 56 78', "phone type input and format in $db");
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
