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

# Text functions see the same characters in both encodings (chr() gives the
# Latin-1 character in either database; results are compared in ASCII).
foreach my $db ('postgres', 'latin1db')
{
	my %cases = (
		"contacts.fold('JOS' || chr(201) || '  P' || chr(201) || 'REZ ')" => 'jose perez',
		"contacts.fold('Stra' || chr(223) || 'e ' || chr(198) || 'gir')" => 'strasse aegir',
		"contacts.fold(chr(189))" => '1/2',
		"contacts.levenshtein_distance('Mu' || chr(241) || 'oz', 'MUNOZ')" => '0',
		"contacts.levenshtein_distance(chr(233) || chr(232), 'x')" => '2',
		"contacts.jaro_winkler_similarity('M' || chr(252) || 'ller', 'muller')" => '1',
		"contacts.token_set_similarity('P' || chr(233) || 'rez, Jos' || chr(233), 'jose perez')" => '1',
		"contacts.phonetic_es('Mu' || chr(241) || 'oz V' || chr(225) || 'zquez')" => 'MUNOS BASKES',
		"contacts.double_metaphone('Fran' || chr(231) || 'ois')" => 'FRNS',
		"convert_to(contacts.fold('Fran' || chr(199) || 'OIS ' || chr(212)), 'UTF8')" => '\\x6672616e636f6973206f',
		"contacts.name_search_similarity('P' || chr(233) || 'rez, Jos' || chr(233), 'jose perez')" => '1',
		"contacts.name_search_key('V' || chr(225) || 'zquez Mu' || chr(241) || 'oz')" => 'baskes munos',
	);
	foreach my $expr (sort keys %cases)
	{
		is($node->safe_psql($db, "SELECT $expr"), $cases{$expr}, "$expr in $db");
	}
}

# Results the core makes of LATIN1 characters that LATIN1 cannot hold come
# back as the character they were made from (fold of the micro sign is Greek
# mu, upper case of y with diaeresis is U+0178, NFKC of a vulgar fraction has
# U+2044): never an encoding error.  In UTF-8 nothing changes.
is($node->safe_psql('latin1db', 'SELECT contacts.fold(chr(181)) = chr(181)'), 't',
	'fold of the micro sign keeps the micro sign in LATIN1');
is($node->safe_psql('postgres', 'SELECT contacts.fold(chr(181)) = chr(956)'), 't',
	'fold of the micro sign is Greek mu in UTF-8');
is($node->safe_psql('latin1db', "SELECT contacts.name_normalize(chr(255) || 'ves') = chr(255) || 'ves'"),
	't', 'name_normalize keeps y with diaeresis in LATIN1');
is($node->safe_psql('postgres', "SELECT contacts.name_normalize(chr(255) || 'ves') = chr(376) || 'ves'"),
	't', 'name_normalize upper-cases y with diaeresis in UTF-8');

# Every LATIN1 character, alone, as a word, and in a name: the text functions
# all answer, and fold() stays idempotent and case-insensitive.
my $every = q{
	WITH c AS (SELECT b, chr(b) AS ch FROM generate_series(32, 255) b WHERE b < 127 OR b > 159),
	     v AS (SELECT b, s FROM c, LATERAL (VALUES (ch), (ch || 'ves ' || ch || 'ez'),
	                                        ('Jos' || ch || ', ' || upper(ch) || 'x ' || ch)) t(s))
	SELECT count(*),
	       count(*) FILTER (WHERE contacts.fold(contacts.fold(s)) IS DISTINCT FROM contacts.fold(s)),
	       count(*) FILTER (WHERE contacts.fold(upper(s)) IS DISTINCT FROM contacts.fold(lower(s))
	                          AND upper(lower(s)) = upper(s)),
	       count(contacts.name_normalize(s)), count((contacts.name_parts(s)).given_names),
	       count(contacts.company_normalize(s)), count(contacts.company_key(s)),
	       count(contacts.name_search_key(s)), count(contacts.phonetic_es(s)),
	       sum(cardinality(contacts.name_variants(s)))
	  FROM v};
foreach my $db ('postgres', 'latin1db')
{
	my ($n, $notidem, $case, @rest) = split /\|/, $node->safe_psql($db, $every);
	cmp_ok($n, '>', 500, "every LATIN1 character through the text functions in $db");
	is($notidem, '0', "fold is idempotent on every LATIN1 character in $db");
	is($case, '0', "fold ignores case on every LATIN1 character in $db");
}
is($node->safe_psql('latin1db', q{
	SELECT string_agg(chr(b), '')
	  FROM generate_series(161, 255) b, LATERAL (VALUES (chr(b)), ('x' || chr(b) || 'x')) t(s)
	 WHERE concat(contacts.name_normalize(s), contacts.fold(s), contacts.company_normalize(s),
	              (contacts.name_parts(s)).given_names, contacts.name_search_key(s)) ~ '[?]'}),
	'', 'no LATIN1 character comes back as a question mark');
is($node->safe_psql('latin1db', "SELECT contacts.name_normalize(chr(181) || ' ' || chr(255))"),
	$node->safe_psql('latin1db', "SELECT chr(181) || '. ' || chr(255) || '.'"),
	'name_normalize keeps the micro sign and y with diaeresis as initials');
is($node->safe_psql('latin1db',
		"SELECT contacts.name_normalize('1' || chr(188) || ' ' || chr(180) || 'x') = '1' || chr(188) || ' ' || chr(180) || 'X'"),
	't', 'name_normalize keeps a vulgar fraction and a spacing accent in LATIN1');

# The entry trigger with on_invalid => 'set_null' and a dedupe run accept
# names that fold or case-map outside LATIN1.
$node->safe_psql('latin1db', q{
	CREATE TABLE enc_people (id int PRIMARY KEY, full_name text, given_name text,
	                         family_name text, company text, email text);
	SELECT contacts.configure('enc_people', 'id',
		'{"full_name": "full_name", "given_name": "given_name", "family_name": "family_name",
		  "company": "company", "email": "email"}', on_invalid => 'set_null');
	CREATE TRIGGER enc_people_enforce BEFORE INSERT OR UPDATE ON enc_people
		FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
	INSERT INTO enc_people
	SELECT b, chr(b) || 'ves ' || chr(181) || chr(255) || 'ller', chr(b) || 'ves',
	       chr(181) || chr(255) || 'ller', chr(188) || ' ' || chr(255) || 'S.A.',
	       chr(181) || chr(255) || '@example.com'
	  FROM generate_series(161, 255) b;
	INSERT INTO enc_people SELECT 1000 + id, full_name, given_name, family_name, company, email
	  FROM enc_people;
});
is($node->safe_psql('latin1db', 'SELECT count(*), count(family_name) FROM enc_people'), '190|190',
	'entry trigger with set_null accepts every LATIN1 name');
is($node->safe_psql('latin1db', q{
	SET client_min_messages = warning;
	SELECT contacts.dedupe_run('enc_people') IS NOT NULL}), 't',
	'dedupe_run over LATIN1 names that fold outside LATIN1');
$node->safe_psql('latin1db', 'DROP TABLE enc_people');

# Names, companies, national IDs and name_similarity convert LATIN1 to the
# UTF-8 core and back (the client sends UTF-8; the server converts).
foreach my $db ('postgres', 'latin1db')
{
	my $q = sub {
		$node->safe_psql($db, "SET client_encoding = 'UTF8'; SELECT $_[0]");
	};
	is($q->("contacts.name_normalize('JOSÉ MARÍA  pérez')"), 'José María Pérez', "name_normalize in $db");
	is($q->("(contacts.name_parts('Pérez García, José')).first_family"), 'Pérez', "name_parts in $db");
	is($q->("contacts.name_similarity('Pepe Pérez', 'JOSE PEREZ')::numeric(4,2)"), '0.96', "name_similarity in $db");
	is($q->("contacts.company_key('Pérez y Cía. S.A.')"), 'perez', "company_key in $db");
	is($q->("contacts.company_normalize('Ibérica s.a.')"), 'Ibérica S.A.', "company_normalize in $db");
	is($q->("contacts.national_id_normalize('ES', NULL, 'x-1234567-l')"), 'X1234567L', "national_id_normalize in $db");
	is($q->("contacts.nickname_of('Concha', 'Concepción')"), 't', "nickname_of in $db");
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

# Merge: survivorship compares characters, not database-encoded bytes
# (chr(191) is one LATIN1 byte that looks like a UTF-8 continuation byte).
$node->safe_psql('latin1db', q{
	CREATE TABLE merge_enc (id int PRIMARY KEY, name text);
	INSERT INTO merge_enc VALUES (1, 'abc'), (2, repeat(chr(191), 5));
	SELECT contacts.merge('merge_enc', 1, ARRAY[1, 2], '{"name": "longest"}');
});
is($node->safe_psql('latin1db', 'SELECT name = repeat(chr(191), 5) FROM merge_enc'),
	't', 'merge: longest counts LATIN1 characters');

$node->stop;
done_testing();
