# Spreadsheets as people export them (test/data/sheets): Spanish, Argentine,
# Mexican, US and Brazilian conventions; UTF-8 with a BOM, Windows-1252, ';'
# delimiters, CRLF line ends.  Each is loaded with \copy as it comes, its
# mapping suggested from its headers and values, and imported by an ordinary
# role: dates are read in the sheet's country's order, numbers with its
# decimal mark, consent in people's words, and every bad cell costs its row
# alone, with the reason.  Then a property test: random corruption of cells
# never makes import() raise, and every staged row is accounted for.
use strict;
use warnings;
use Encode qw(decode);
use File::Basename qw(dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $sheets = dirname(__FILE__) . '/../data/sheets';
my $node = PostgreSQL::Test::Cluster->new('sheets');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;
my $db = 'postgres';

$node->safe_psql($db, q{
CREATE EXTENSION contacts;
CREATE ROLE clerk LOGIN;
GRANT CREATE ON SCHEMA public TO clerk;
CREATE TABLE crm (id bigserial PRIMARY KEY, given_name text, family_name text, full_name text,
                  email text, phone text, national_id text, country text, birth_date date,
                  consent boolean, amount numeric(12,2));
SELECT contacts.configure('crm', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "full_name": "full_name",
      "email": "email", "phone": "phone", "national_id": "national_id", "country": "country",
      "birth_date": "birth_date"}',
    consent_column => 'consent', duplicate_keys => '{email}');
GRANT SELECT, INSERT, UPDATE ON crm TO clerk;
GRANT USAGE ON SEQUENCE crm_id_seq TO clerk;
});

# The header line of a sheet, decoded, without the BOM Excel writes.
sub headers
{
	my ($file, $encoding, $delimiter) = @_;
	open(my $fh, '<:raw', "$sheets/$file") or die "$file: $!";
	my $line = <$fh>;
	close $fh;
	$line =~ s/\r?\n$//;
	$line = decode($encoding eq 'WIN1252' ? 'cp1252' : 'UTF-8', $line);
	$line =~ s/^\x{FEFF}//;
	return split /\Q$delimiter\E/, $line;
}

my %expect = (
	# file => [encoding, delimiter, region, amount header, counts, reasons, checks]
	'es_clientes.csv' => [
		'UTF8', ';', 'ES', 'Importe',
		'10 4 5 1',
		'3:birth_date: DATE_IMPOSSIBLE 4:consent: CONSENT_UNREADABLE 5:email: '
		  . 'DOMAIN_SINGLE_LABEL 6:amount: INVALID_VALUE 7:NO_CONSENT 8:national_id: ID_',
		{
			"SELECT birth_date || ' ' || amount FROM crm WHERE email = 'ana.ruiz\@example.es'" =>
			  '1978-03-05 1234.50',
			"SELECT birth_date || ' ' || amount FROM crm WHERE email = 'elena.castro\@example.es'" =>
			  '1984-02-29 1000.00',
			"SELECT birth_date || ' ' || amount FROM crm WHERE lower(email) = 'pablo.ortiz\@example.es'" =>
			  '1979-03-05 0.99',
			"SELECT phone || ' ' || national_id FROM crm WHERE email = 'luis.gomez\@example.es'" =>
			  '+34600112233 87654321X',
		}
	],
	'ar_clientes.csv' => [
		'WIN1252', ';', 'AR', 'Saldo',
		'7 3 3 1',
		'4:national_id: ID_BAD_CHECK_DIGIT 5:NO_CONSENT 6:consent: CONSENT_UNREADABLE 7:birth_date: DATE_IMPOSSIBLE',
		{
			"SELECT full_name || ' ' || birth_date || ' ' || amount || ' ' || phone FROM crm WHERE email = 'martin\@example.com.ar'" =>
			  'Martín Fierro 1966-07-09 1500.75 +5491123456789',
			"SELECT amount FROM crm WHERE email = 'ernesto\@example.com.ar'" => '-250.00',
		}
	],
	'mx_clientes.csv' => [
		'UTF8', ',', 'MX', 'Monto',
		'7 3 3 1',
		'3:birth_date: DATE_IMPOSSIBLE 5:consent: CONSENT_UNREADABLE 6:NO_CONSENT 7:phone: TOO_SHORT',
		{
			"SELECT full_name || ' ' || birth_date || ' ' || amount FROM crm WHERE email = 'lupita\@example.com.mx'" =>
			  'Guadalupe Hernández 1978-03-05 1234.50',
			"SELECT amount FROM crm WHERE email = 'luis.ramirez\@example.com.mx'" => '1000.00',
		}
	],
	'us_contacts.csv' => [
		'UTF8', ',', 'US', 'Amount',
		'8 3 4 1',
		'3:birth_date: DATE_IMPOSSIBLE 5:consent: CONSENT_UNREADABLE 6:birth_date: DATE_IMPOSSIBLE '
		  . '7:NO_CONSENT 8:email: DOMAIN_SINGLE_LABEL',
		{
			"SELECT birth_date || ' ' || amount FROM crm WHERE email = 'john.smith\@example.com'" =>
			  '1978-03-05 1234.50',
			"SELECT birth_date || ' ' || amount FROM crm WHERE email = 'linda.davis\@example.com'" =>
			  '1977-01-29 1000.00',
		}
	],
	'br_clientes.csv' => [
		'UTF8', ';', 'BR', 'Valor',
		'6 2 3 1',
		'3:national_id: ID_BAD_CHECK_DIGIT 4:birth_date: DATE_IMPOSSIBLE 5:NO_CONSENT 6:consent: CONSENT_UNREADABLE',
		{
			"SELECT given_name || ' ' || birth_date || ' ' || amount FROM crm WHERE email = 'joao.silva\@example.com.br'" =>
			  'João 1978-03-05 1234.50',
			"SELECT amount FROM crm WHERE email = 'maria.souza\@example.com.br'" => '10.00',
		}
	],
);

my %mapping_expect = (
	'es_clientes.csv' => 'birth_date:Fecha de nacimiento consent:Acepta comunicaciones email:Correo electrónico '
	  . 'family_name:Apellidos given_name:Nombre national_id:DNI/NIF phone:Teléfono móvil',
	'ar_clientes.csv' => 'birth_date:Fecha nac. consent:Acepta email:E-mail full_name:Nombre y apellido '
	  . 'national_id:CUIT phone:Celular',
	'mx_clientes.csv' => 'birth_date:Fecha de nacimiento consent:Acepta comunicaciones email:Correo '
	  . 'full_name:Nombre completo phone:Teléfono',
	'us_contacts.csv' => 'amount:Amount birth_date:Date of Birth consent:Opt In email:Email '
	  . 'family_name:Last Name given_name:First Name phone:Phone',
	'br_clientes.csv' => 'birth_date:Data de nascimento consent:Aceita comunicações email:E-mail '
	  . 'family_name:Sobrenome given_name:Nome national_id:CPF phone:Celular',
);

foreach my $file (sort keys %expect)
{
	my ($encoding, $delimiter, $region, $amount, $counts, $reasons, $checks) = @{ $expect{$file} };
	(my $staging = $file) =~ s/\.csv$//;
	my @cols = headers($file, $encoding, $delimiter);
	my $cols = join(', ', map { my $c = $_; $c =~ s/"/""/g; qq{"$c" text} } @cols);

	# As the README shows: a staging table of text columns named as the
	# headers, and \copy with the sheet's delimiter and encoding.
	$node->safe_psql($db, "SET ROLE clerk; CREATE TABLE $staging ($cols)");
	my $delim = $delimiter eq ';' ? q{';'} : q{','};
	my ($rc, $out, $err) = $node->psql($db,
		"SET ROLE clerk;\n\\copy $staging FROM '$sheets/$file' WITH (FORMAT csv, HEADER true, DELIMITER $delim, ENCODING '$encoding')");
	is($rc, 0, "$file: \\copy as it comes") or diag($err);

	is($node->safe_psql($db, qq{
		SET ROLE clerk;
		SELECT string_agg(key || ':' || value, ' ' ORDER BY key)
		  FROM jsonb_each_text(contacts.import_suggest_mapping('$staging', 'crm', '$region') -> 'mapping')}),
	   $mapping_expect{$file}, "$file: suggested mapping");

	my $mapping = qq{(contacts.import_suggest_mapping('$staging', 'crm', '$region') -> 'mapping')
	                 || jsonb_build_object('amount', '$amount')};
	is($node->safe_psql($db, qq{
		SET ROLE clerk;
		SELECT format('%s %s %s %s', staged, inserted, rejected, suppressed)
		  FROM contacts.import('$staging', 'crm', $mapping, region => '$region', dry_run => true)}),
	   $counts, "$file: dry run counts");
	my $id = $node->safe_psql($db, qq{
		SET ROLE clerk;
		SELECT import_id FROM contacts.import('$staging', 'crm', $mapping, region => '$region')});
	is($node->safe_psql($db, qq{SELECT format('%s %s %s %s', staged, inserted, rejected, suppressed)
	                              FROM contacts.import_run WHERE import_id = $id}),
	   $counts, "$file: staged = inserted + rejected + suppressed");

	# every reason, in row order (ID_ stands for any national ID reason)
	my $got = $node->safe_psql($db, qq{
		SELECT string_agg(row_number || ':' || array_to_string(reasons, ';'), ' ' ORDER BY row_number)
		  FROM contacts.import_reject WHERE import_id = $id});
	my @want = split / (?=\d+:)/, $reasons;
	my @have = split / (?=\d+:)/, $got;
	is(scalar(@have), scalar(@want), "$file: one reject per bad row") or diag($got);
	for my $i (0 .. $#want)
	{
		my $prefix = $want[$i];
		ok(defined $have[$i] && ($have[$i] eq $prefix || ($prefix =~ /_$/ && index($have[$i], $prefix) == 0)),
		   "$file: reject $want[$i]")
		  or diag("got: " . ($have[$i] // 'nothing'));
	}
	is($node->safe_psql($db, qq{SELECT count(*) FROM contacts.import_reject
	                             WHERE import_id = $id AND category = 'invalid' AND source IS NULL}),
	   '0', "$file: invalid rows keep their source row");
	foreach my $q (sort keys %$checks)
	{
		is($node->safe_psql($db, $q), $checks->{$q}, "$file: $q");
	}
}
is($node->safe_psql($db, "SELECT count(*) FROM crm WHERE consent IS NOT TRUE"), '0',
   'no one without consent was imported');

# Property: whatever is done to the cells, import() answers and balances.
my @junk = ('31/02/1980', '13/13/13', '', ' ', 'quizás', 'sí', 'NO', 'x', '1e999', '99999999999999',
	'1.234.5', '-', '(', "\x{00e9}\x{0301}", 'NULL', "'; DROP TABLE crm; --", '0', '28154', '2958466',
	'a' x 300, '@', '+34', '12:99', '1/1/1', 'ñ' x 5, '💥', "tab\there", 'Jose.Perez@Gmail.com');
srand(22);
my @cols = headers('es_clientes.csv', 'UTF8', ';');
my $ok = 1;
for my $round (1 .. 25)
{
	my @sets;
	for (1 .. 1 + int(rand(6)))
	{
		my $col = $cols[ int(rand(@cols)) ];
		my $val = $junk[ int(rand(@junk)) ];
		if (rand() < 0.3)
		{
			$val = join('', map { chr(32 + int(rand(200))) } 1 .. int(rand(12)));
		}
		$val =~ s/'/''/g;
		(my $qc = $col) =~ s/"/""/g;
		push @sets, sprintf(q{UPDATE fuzz SET "%s" = '%s' WHERE ctid = (SELECT ctid FROM fuzz OFFSET %d LIMIT 1)},
			$qc, $val, int(rand(10)));
	}
	my $sql = "BEGIN; SET ROLE clerk; CREATE TEMP TABLE fuzz AS SELECT * FROM es_clientes; "
	  . join('; ', @sets) . "; "
	  . "SELECT format('%s=%s', staged, inserted + updated + kept + rejected + suppressed) "
	  . "  FROM contacts.import('fuzz', 'crm', (contacts.import_suggest_mapping('fuzz', 'crm', 'ES') -> 'mapping') "
	  . "       || '{\"amount\": \"Importe\"}', region => 'ES', duplicate_key => 'email', "
	  . "       dry_run => " . ($round % 2 ? 'true' : 'false') . "); ROLLBACK;";
	my ($rc, $out, $err) = $node->psql($db, $sql);
	my ($staged, $sum) = $out =~ /(\d+)=(\d+)/ ? ($1, $2) : (-1, -2);
	if ($rc != 0 || $staged != 10 || $staged != $sum)
	{
		$ok = 0;
		diag("round $round: rc $rc, out '$out', err '$err'\n$sql");
	}
}
ok($ok, 'random corruption of cells: import() never raises and always balances');

$node->stop;
done_testing();
