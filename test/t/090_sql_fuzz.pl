# SQL-level fuzz: every function and procedure of the extension (found in
# pg_proc through pg_depend) called with edge-case arguments, in a UTF-8 and
# a LATIN1 database.  The backend must survive every call (a crash shows as a
# lost connection, and "terminated by signal" in the server log) and every
# error must carry a proper SQLSTATE: never XX000 (internal_error), and never
# an encoding error on valid input.
#
# Each call runs inside a PL/pgSQL exception block that is always rolled
# back, so calls that change data leave nothing behind for the next one, with
# statement_timeout set so a slow call cannot hang the run (a timeout, 57014,
# is acceptable and counted).
#
# The smoke size (the default, in test/run.sh) sweeps, for each function,
# NULL through every argument and every value of each argument's pool with
# the other arguments at a typical value.  SQL_FUZZ_ROUNDS=N adds N calls per
# function and database with every argument drawn from its pool (fixed seed,
# reproducible; SQL_FUZZ_SEED changes it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use IPC::Run;

my $rounds = $ENV{SQL_FUZZ_ROUNDS} || 0;
my $seed = $ENV{SQL_FUZZ_SEED} || 20240611;
my $timeout = $ENV{SQL_FUZZ_TIMEOUT} || '5s';
srand($seed);

# Known bugs: a call of the function that fails with the listed SQLSTATE
# ('crash' for a lost backend) is reported as known, not as a failure.  Add
# an entry only with an open issue, and remove it when its fix lands.
my %known = ();

my $node = PostgreSQL::Test::Cluster->new('sql_fuzz');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
# Every call is one statement: logging them all would dwarf the server log.
$node->append_conf('postgresql.conf', "restart_after_crash = on\nlog_statement = none\n");
$node->start;
$node->safe_psql('postgres',
	"CREATE DATABASE latin1db ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");

# Tables of every relation kind for the regclass arguments, a configured
# contact table with a dedupe run behind it, and the call wrapper.
my $setup = q{
CREATE EXTENSION contacts;
CREATE TABLE fuzz_people (id int PRIMARY KEY, full_name text, given_name text, family_name text,
                          email text, phone text, company text, city text, country text,
                          birth_date date, national_id text, updated_at timestamptz,
                          merged boolean NOT NULL DEFAULT false, flags jsonb);
INSERT INTO fuzz_people (id, full_name, given_name, family_name, email, phone, company, city,
                         country, birth_date, national_id, updated_at)
SELECT g, n || ' ' || f, n, f, lower(n) || '.' || lower(f) || '@example.com',
       '+34 6' || lpad((g % 7)::text, 8, '1'), 'Acme S.A.', 'Madrid', 'ES',
       date '1980-01-01' + g, NULL, now()
  FROM generate_series(1, 30) g,
       LATERAL (SELECT (ARRAY['Jose', 'Maria', 'Ana', 'Juan', 'Lucia'])[1 + g % 5] AS n,
                       (ARRAY['Perez', 'Garcia', 'Lopez'])[1 + g % 3] AS f) x;
SELECT contacts.configure('fuzz_people', 'id',
    '{"full_name": "full_name", "given_name": "given_name", "family_name": "family_name",
      "email": "email", "phone": "phone", "company": "company", "city": "city",
      "country": "country", "birth_date": "birth_date", "national_id": "national_id"}',
    default_region => 'ES', on_invalid => 'set_null', flag_column => 'flags',
    updated_at_column => 'updated_at');
SELECT contacts.merge_configure('fuzz_people', '{"full_name": "longest"}', 'merged', 'updated_at');
CREATE TRIGGER fuzz_people_enforce BEFORE INSERT OR UPDATE ON fuzz_people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
INSERT INTO contacts.dedupe_settings (tbl, em_iterations) VALUES ('fuzz_people', 0);
SET client_min_messages = warning;
SELECT contacts.dedupe_run('fuzz_people');
CREATE TABLE fuzz_plain (id int, note text);
CREATE DOMAIN fuzz_domain AS date CHECK (VALUE > '1900-01-01');
INSERT INTO fuzz_plain VALUES (1, 'a'), (2, 'b');
CREATE TABLE fuzz_staging (full_name text, email text, phone text);
INSERT INTO fuzz_staging VALUES ('Ana Perez', 'ana@example.com', '+34 612 345 678'),
                                ('', 'not an email', '12');
CREATE VIEW fuzz_view AS SELECT * FROM fuzz_people;
CREATE SEQUENCE fuzz_seq;
CREATE TABLE fuzz_parted (id int, name text) PARTITION BY RANGE (id);
CREATE SCHEMA fuzz;
CREATE FUNCTION fuzz.call(q text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE q;
    -- undo whatever the call changed: the exception block rolls it back
    RAISE SQLSTATE 'FZ000';
EXCEPTION
    WHEN query_canceled THEN
        RETURN '57014';
    WHEN OTHERS THEN
        IF SQLSTATE = 'FZ000' THEN
            RETURN 'ok';
        END IF;
        RETURN SQLSTATE || ' ' || regexp_replace(left(SQLERRM, 160), '\s+', ' ', 'g');
END
$f$;
};
$node->safe_psql($_, $setup) foreach ('postgres', 'latin1db');

# Value pools, by type: SQL expressions.  Text is built with chr() so the same
# script works in either encoding; the UTF-8 pool adds what LATIN1 cannot hold.
my $mb = 1024 * 1024;
my @text_common = (
	"''", "' '", "'a'", "'Jose Perez'", "'ana\@example.com'", "'+34 612 34 56 78'",
	"repeat('x', $mb)", "repeat('ab cd ', $mb / 6)", "repeat('\@', 70000)", "repeat('.', 5000)",
	"repeat(chr(233), 300000)", "repeat(chr(181) || chr(255), 1000)",
	"chr(188) || chr(189) || chr(190) || chr(180) || chr(168)", "chr(160) || chr(173) || chr(160)",
	"E'\\t\\n\\r\\x01\\x1f'", "'''); DROP TABLE fuzz_people; --'", "'%s %I %L %%'",
	"'\"quoted\"'", "'-1'", "'0'", "'99999999999999999999999999'", "'NaN'", "'{}'", "'[]'",
	"'xn--'", "'a\@'", "'\@b'", "'a\@b\@c'", "'a\@' || repeat('b', 300) || '.com'",
	"'\\\\'", "'ES'", "'ZZ'", "'email'", "'phone'", "'name'", "'company'",
);
my @text_utf8 = (
	"repeat(chr(769), 50)",                                        # combining marks only
	"chr(8207) || 'abc' || chr(8238) || 'def' || chr(8206)",       # RTL/LTR marks, override
	"chr(65535) || chr(65534) || chr(1114111)",                    # noncharacters, max code point
	"chr(128512) || chr(8205) || chr(128104) || chr(8205) || chr(128105)",  # emoji, ZWJ
	"chr(8203) || chr(8204) || chr(8205) || chr(65279)",           # zero-width, BOM
	"'Ĳsselmeer Ǆ ǅ ß ﬁ ℌ ㍿ Ⅻ'", "repeat(chr(12354), 100000)",
	"'josé\@bücher.de'", "'例え\@例え.テスト'", "repeat(chr(128512), 300000)",
	"chr(12288) || chr(8232) || chr(8233) || chr(133)",            # ideographic space, separators
);
my @text_latin1 = ();

my %pool = (
	integer => ['0', '-1', '1', '2', '2147483647', '-2147483648', '1000'],
	bigint => ['0', '-1', '1', '9223372036854775807', '-9223372036854775808'],
	smallint => ['0', '-1', '32767', '-32768'],
	'double precision' => ["'NaN'", "'Infinity'", "'-Infinity'", '0', '-1', '1', '1e308', '0.5'],
	boolean => ['true', 'false'],
	jsonb => [
		"'{}'", "'[]'", "'null'", "'1'", "'-1.5e300'", "'\"s\"'", "'{\"x\": null}'",
		"'{\"full_name\": null}'", "'{\"full_name\": 1}'", "'{\"full_name\": []}'",
		"'{\"full_name\": {}}'", "'{\"full_name\": \"longest\"}'", "'{\"full_name\": \"nonsense\"}'",
		"'{\"full_name\": \"full_name\", \"email\": \"email\"}'", "'{\"nope\": \"email\"}'",
		"'{\"full_name\": \"Ana Perez\", \"email\": \"ana\@example.com\", \"phone\": \"+34 612 345 678\"}'",
		"repeat('[', 2000) || repeat(']', 2000)",
		"'{\"' || repeat('k', 100000) || '\": \"email\"}'",
		"(SELECT jsonb_object_agg('c' || g, g) FROM generate_series(1, 2000) g)::text",
	],
	regclass => [
		"'fuzz_people'", "'fuzz_plain'", "'fuzz_staging'", "'fuzz_view'", "'fuzz_seq'",
		"'fuzz_people_pkey'", "'fuzz_parted'", "'pg_class'", "'pg_class_oid_index'",
		"'contacts.table_config'", '0', "'4294967295'::oid", "'1'::oid",
	],
	name => ["'id'", "'full_name'", "'nope'", "''", "repeat('n', 100)", "'merged'", "'flags'"],
	'name[]' => ["'{}'", "'{NULL}'", "'{id}'", "'{email}'", "'{nope}'", "'{email,email}'"],
	'text[]' => [
		"'{}'", "'{NULL}'", "ARRAY['ana\@example.com', 'x']", "ARRAY['+34 612 345 678', '']",
		"ARRAY[repeat('a', 100000) || '\@b.com']", "array_fill('x\@y.co'::text, ARRAY[5000])",
		"'{autorizo}'", "'{\"\"}'", "'{{a,b},{c,d}}'",
	],
	regtype => [
		"'date'", "'boolean'", "'integer'", "'numeric'", "'text'", "'varchar'", "'timestamptz'", "'uuid'",
		"'contacts.email'", "'contacts.phone'", "'int4range'", "'record'", "'void'", "'anyelement'",
		"'fuzz_domain'", '0', "'4294967295'::oid", "'1'::oid",
	],
	'timestamp with time zone' => ["'infinity'", "'-infinity'", "'epoch'", 'now()'],
	interval => ["'7 days'", "'0'", "'-1 day'", "'1 microsecond'", "'infinity'", "'178000000 years'"],
	anyelement => ['1', '2', '0', '-1', '2147483647', "'x'::text", "'1'::text"],
	anyarray => [
		"ARRAY[1, 2]", "'{}'::int[]", "ARRAY[NULL]::int[]", "ARRAY[1]", "ARRAY[1, 1, 2]",
		"ARRAY['a']::text[]", "'[5:6]={1,2}'::int[]", "'{{1,2},{3,4}}'::int[]",
		"string_to_array(repeat('7,', 4999) || '7', ',')::int[]",
	],
	'contacts.email' => [
		"'ana\@example.com'", "'Ana.Maria+tag\@Gmail.COM'", "'jose\@xn--bcher-kva.de'",
		"repeat('a', 64) || '\@' || repeat('b', 63) || '.com'", "'x\@y.co'",
	],
	# dedupe_score_blocks' pass and chunks: empty, short, another version,
	# a pass of one field and rule, a chunk of two records of one block
	bytea => [
		"'\\x'::bytea", "'\\x00'::bytea", "'\\x43545031'::bytea", "'\\x00000000'::bytea",
		"decode(repeat('ff', 1000), 'hex')", "decode(repeat('00', 100000), 'hex')",
		"decode('43545031' || '00000001' || '00000000' || '00000001' || '00' || repeat('00', 280) || '00000002' || repeat('00', 16) || '00000001' || '01', 'hex')",
		"decode('00000000' || '0000000000000001' || 'ffffffff' || 'ffffffff' || '3ff0000000000000' || '00000001' || '61' || '00000000' || '0000000000000002' || '00000003' || '616263' || '00000002' || '6162' || '3ff0000000000000' || '00000001' || '61', 'hex')",
	],
	'contacts.phone' => [
		"'+34612345678'", "'ES:612 34 56 78'", "'+1 650 253 0000 ext. 1234'", "'+999 1'",
		"'+800 1234 5678'", "'+882 1234 5678'",
	],
);
# Typical values by parameter name: the other arguments while one varies.
my @hints = (
	[qr/^(kind)$/, 'text', ["'email'", "'phone'", "'full_name'", "'national_id'", "'company'", "'nope'"]],
	[qr/^(region|country)$/, 'text', ["'ES'", "'US'", "'AR'", "'ZZ'", "'es'", "'001'"]],
	[qr/^profile$/, 'text', ["'strict'", "'lenient'", "'nope'"]],
	[qr/^format$/, 'text', ["'e164'", "'national'", "'international'", "'rfc3966'", "'nope'"]],
	[qr/^(on_invalid|on_duplicate)$/, 'text', ["'reject'", "'set_null'", "'flag'", "'keep'", "'update'", "'nope'"]],
	[qr/^date_order$/, 'text', ["'DMY'", "'MDY'", "'YMD'", "'dmy'", "'nope'"]],
	[qr/^clusters$/, 'text', ["'latest'", "'1'", "'-1'", "'all'"]],
	[qr/^(kinds|mapping)$/, 'jsonb', ["'{\"full_name\": \"full_name\", \"email\": \"email\"}'"]],
	[qr/^candidate$/, 'jsonb', ["'{\"full_name\": \"Ana Perez\", \"email\": \"ana\@example.com\"}'"]],
	[qr/^(target|tbl)$/, 'regclass', ["'fuzz_people'"]],
	[qr/^staging$/, 'regclass', ["'fuzz_staging'"]],
	[qr/^(key_column|duplicate_key)$/, 'name', ["'id'"]],
	[qr/^flag_column$/, 'name', ["'flags'"]],
	[qr/^updated_at_column$/, 'name', ["'updated_at'"]],
	[qr/^soft_delete_column$/, 'name', ["'merged'"]],
	[qr/^members$/, 'anyarray', ["ARRAY[1, 2]"]],
	[qr/^q$/, 'integer', ['2', '1', '0', '-1', '100']],
	[qr/^value_sql$/, 'text', ["'v'", "'1; DROP TABLE fuzz_people'"]],
	[qr/^(source_system|system)$/, 'text', ["'crm'", "''"]],
	[qr/^external_id$/, 'text', ["'C-1'"]],
	[qr/^record$/, 'jsonb', ["'{\"full_name\": \"Ana Perez\", \"email\": \"ana\@example.com\"}'"]],
	[qr/^region_sql$/, 'text', ["'r'", "NULL"]],
);

sub pool_for
{
	my ($type, $argname, $latin1) = @_;
	my @hint;
	foreach my $h (@hints)
	{
		@hint = @{ $h->[2] } if $argname =~ $h->[0] && $type eq $h->[1];
	}
	my @base;
	if ($type eq 'text' || $type eq 'cstring')
	{
		@base = (@text_common, $latin1 ? @text_latin1 : @text_utf8);
	}
	elsif ($type eq 'contacts.email' || $type eq 'contacts.phone')
	{
		# typed values, and text pool values through the type's input function
		@base = (@{ $pool{$type} }, map { "($_)::text" } @text_common[0 .. 8]);
	}
	elsif (exists $pool{$type})
	{
		@base = @{ $pool{$type} };
	}
	else
	{
		die "no value pool for type $type";
	}
	my %seen;
	return grep { !$seen{$_}++ } (@hint, @base);
}

# One argument as SQL, cast to its type (polymorphic ones keep theirs).
sub arg_sql
{
	my ($type, $v) = @_;
	if (!defined $v)
	{
		return 'NULL::int' if $type eq 'anyelement';
		return 'NULL::int[]' if $type eq 'anyarray';
		return "NULL::$type";
	}
	return $v if $type eq 'anyelement' || $type eq 'anyarray';
	return "($v)::text::$type" if $type eq 'cstring';
	return "($v)::$type";
}

sub call_sql
{
	my ($f, $args) = @_;
	my @a = map { arg_sql($f->{types}[$_], $args->[$_]) } 0 .. $#$args;
	# CALL takes no subqueries: a procedure gets the other values
	return undef if $f->{kind} eq 'p' && grep { /\(SELECT / } @a;
	my $call = "$f->{name}(" . join(', ', @a) . ')';
	# The result goes through its type's output function.  Not count(*) over a
	# subquery: the planner drops unused non-volatile outputs, and the call
	# would never run.
	return $f->{kind} eq 'p' ? "CALL $call" : "SELECT length(($call)::text)";
}

my $funcs_sql = q{
SELECT p.prokind, p.oid::regprocedure, p.oid::regproc, p.pronargs, p.pronargdefaults,
       array_to_string(ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t), ','),
       array_to_string(ARRAY(SELECT coalesce(nullif(n, ''), '-')
                               FROM unnest(coalesce(p.proargnames, '{}'::text[]), p.proargmodes) WITH ORDINALITY u(n, m, i)
                              WHERE m IS NULL OR m IN ('i', 'b', 'v')), ',')
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'contacts'
 ORDER BY p.oid::regprocedure::text};

# What fails a call.  Every argument is valid text in the database encoding,
# so an encoding error (22021 invalid byte sequence, 22P05 untranslatable
# character) means a function made text that is not valid, or could not give
# back in the database encoding what it was given.
my %bad_state = map { $_ => 1 } ('crash', 'no answer', 'XX000', '22021', '22P05');

my %total = (calls => 0, states => {}, known => {}, skipped => {});
my $start = time;
my $log_offset = -s $node->logfile;

foreach my $db ('postgres', 'latin1db')
{
	my $latin1 = $db eq 'latin1db';
	my @funcs;
	foreach my $row (split /\n/, $node->safe_psql($db, $funcs_sql))
	{
		my ($kind, $sig, $name, $nargs, $ndef, $types, $names) = split /\|/, $row, -1;
		my @t = split /,/, $types;
		my @n = split /,/, $names;
		$n[$_] //= '-' foreach 0 .. $#t;
		# SQL cannot make a value of type internal, not even NULL: the type
		# and index support functions behind it are reached through their
		# types and operators instead
		if (grep { $_ eq 'internal' } @t)
		{
			$total{skipped}{$sig} = 1;
			next;
		}
		push @funcs, { kind => $kind, sig => $sig, name => "contacts.$name" =~ s/^contacts\.contacts\./contacts./r,
			types => \@t, names => \@n, nreq => $nargs - $ndef };
	}

	# The calls: per function, the required arguments only; NULL in each
	# position; each pool value in each position; then the random rounds.
	my @calls;
	foreach my $f (@funcs)
	{
		my @pools = map { [ pool_for($f->{types}[$_], $f->{names}[$_], $latin1) ] } 0 .. $#{ $f->{types} };
		my @typical = map { $_->[0] } @pools;
		my %seen;
		my $add = sub {
			my $sql = call_sql($f, $_[0]);
			push @calls, { f => $f, sql => $sql } if defined $sql && !$seen{$sql}++;
		};
		$add->([ @typical[ 0 .. $f->{nreq} - 1 ] ]);
		foreach my $i (0 .. $#pools)
		{
			my @a = @typical;
			$a[$i] = undef;
			$add->(\@a);
			foreach my $v (@{ $pools[$i] })
			{
				@a = @typical;
				$a[$i] = $v;
				$add->(\@a);
			}
		}
		foreach (1 .. $rounds)
		{
			$add->([ map { my $p = $_; (@$p == 0 || rand() < 0.1) ? undef : $p->[ int(rand(@$p)) ] } @pools ]);
		}
	}

	# Run them through psql; a crash ends psql, and the run resumes after the
	# call that was running once the server has recovered.
	my %result;
	my $next = 0;
	my $restarts = 0;
	while ($next < @calls && $restarts < 50)
	{
		my $script = "SET statement_timeout = '$timeout';\nSET client_min_messages = error;\n";
		foreach my $i ($next .. $#calls)
		{
			(my $q = $calls[$i]{sql}) =~ s/'/''/g;
			$script .= "SELECT 'R $i ' || fuzz.call('$q');\nSELECT 'A $i';\n";
		}
		# from a file, not stdin: psql stops reading when the backend is lost
		my $file = "$PostgreSQL::Test::Utils::tmp_check/sql_fuzz_$db.sql";
		open(my $fh, '>', $file) or die "$file: $!";
		print $fh $script;
		close($fh);
		my ($out, $err) = ('', '');
		IPC::Run::run([ 'psql', '-X', '-A', '-t', '-d', $node->connstr($db), '-f', $file ],
			'>', \$out, '2>', \$err);
		my $last = $next - 1;
		foreach my $line (split /\n/, $out)
		{
			if ($line =~ /^R (\d+) (.*)$/) { $result{$1} = $2; }
			elsif ($line =~ /^A (\d+)$/) { $last = $1; }
		}
		last if $last >= $#calls;
		# the call after the last one that answered lost the backend
		my $lost = $last + 1;
		$result{$lost} = 'crash';
		$restarts++;
		$node->poll_query_until($db, 'SELECT true') or die "server did not come back after a crash";
		$next = $lost + 1;
	}

	# Every call and its answer, for whoever looks into a failure.
	open(my $res, '>', "$PostgreSQL::Test::Utils::tmp_check/sql_fuzz_$db.results") or die $!;
	print $res "$_\t" . ($result{$_} // 'no answer') . "\t$calls[$_]{sql}\n" foreach 0 .. $#calls;
	close($res);

	# Tally per function: a crash or XX000 fails its function unless known.
	my (%bad, %ncalls);
	foreach my $i (0 .. $#calls)
	{
		my $f = $calls[$i]{f};
		my $r = $result{$i} // 'no answer';
		my $state = $r =~ /^(ok|crash|[0-9A-Z]{5})\b/ ? $1 : 'no answer';
		$ncalls{ $f->{sig} }++;
		$total{calls}++;
		$total{states}{$state}++;
		next unless $bad_state{$state};
		my $k = $known{ $f->{sig} };
		if ($k && $k->{$state})
		{
			$total{known}{"$f->{sig} $state"}++;
			next;
		}
		push @{ $bad{ $f->{sig} } }, "$state: $calls[$i]{sql} -> $r";
	}
	$total{functions} += @funcs;
	foreach my $f (@funcs)
	{
		my $b = $bad{ $f->{sig} } // [];
		ok(!@$b, "$f->{sig} in $db: $ncalls{$f->{sig}} calls, no crash, no internal error")
		  or diag(join("\n", map { substr($_, 0, 400) } @$b[ 0 .. ($#$b < 4 ? $#$b : 4) ]));
	}
}

my $log = slurp_file($node->logfile, $log_offset);
my @signals = $log =~ /^.*terminated by signal.*$/mg;
my $expected_signals = 0;
$expected_signals += $total{known}{$_} foreach grep { / crash$/ } keys %{ $total{known} };
ok(@signals <= $expected_signals, 'no unexpected backend terminated by a signal in the server log')
  or diag(join("\n", @signals));

my $states = join(', ', map { "$_ $total{states}{$_}" } sort keys %{ $total{states} });
my $known = join(', ', map { "$_ x$total{known}{$_}" } sort keys %{ $total{known} });
printf "# sql_fuzz: %d calls of %d functions in %.1f s (rounds %d, seed %d; %d taking internal not callable), results by SQLSTATE: %s%s\n",
  $total{calls}, $total{functions}, time - $start, $rounds, $seed, scalar(keys %{ $total{skipped} }),
  $states, $known ? "; known: $known" : '';

$node->stop;
done_testing();
