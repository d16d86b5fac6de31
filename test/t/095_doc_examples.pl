# Every SQL example in README.md and docs/*.md runs as shown.
#
# Each ```sql block of a file runs, in order, in one psql session on a
# database of that file's own (examples build on the ones before them).  A
# statement must succeed unless the example shows its error: a comment
# "-- ERROR:  message" right after it.  Where an example shows its result as
# a psql table in comments right after the statement (header, a line of
# dashes, rows), the result must be that table.  A block fenced ```sql norun
# is only shown (a template with placeholders, or a repeat of a statement
# already run); one fenced ```sql pg17+ runs on PostgreSQL 17 and later.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use File::Spec;

my $repo = $ENV{REPO} // dirname(__FILE__) . '/../..';
my @files = ("$repo/README.md", sort glob("$repo/docs/*.md"));

# The statements of a file's runnable blocks: { sql, line, output, error }.
sub examples
{
	my ($path, $server_major) = @_;
	open(my $fh, '<', $path) or die "$path: $!";
	my @lines = <$fh>;
	close($fh);
	my (@stmts, $in, $cur, $dollar);
	for (my $i = 0; $i < @lines; $i++)
	{
		my $l = $lines[$i];
		chomp $l;
		if (!$in)
		{
			if ($l =~ /^```sql(?:\s+(\S+))?\s*$/)
			{
				my $flag = $1 // '';
				$in = 1;
				$in = 0 if $flag eq 'norun';
				$in = 0 if $flag =~ /^pg(\d+)\+$/ && $server_major < $1;
				die "$path:" . ($i + 1) . ": unknown fence flag $flag\n"
				  if $flag ne '' && $flag ne 'norun' && $flag !~ /^pg\d+\+$/;
			}
			next;
		}
		if ($l =~ /^```/)
		{
			die "$path:" . ($i + 1) . ": unterminated statement\n" if $cur;
			$in = 0;
			next;
		}
		# the table or error shown after a statement
		if (!$cur && @stmts && $l =~ /^--/ && $stmts[-1]{open})
		{
			my $text = $l =~ s/^-- ?//r;
			if ($text =~ /^ERROR:\s+(.*)/)
			{
				$stmts[-1]{error} = $1;
				next;
			}
			push @{ $stmts[-1]{shown} }, $text;
			next;
		}
		$stmts[-1]{open} = 0 if @stmts;
		next if !$cur && ($l =~ /^\s*(--.*)?$/);
		$cur //= { sql => '', line => $i + 1, shown => [] };
		$cur->{sql} .= "$l\n";
		# dollar-quoted bodies may hold semicolons
		my ($code, $comment) = split_comment($l);
		# an error shown on the statement's own line
		$cur->{error} = $1 if defined $comment && $comment =~ /^\s*ERROR:\s+(.*?)\s*$/;
		while ($code =~ /(\$[A-Za-z_]*\$)/g)
		{
			if (!defined $dollar) { $dollar = $1; }
			elsif ($dollar eq $1) { undef $dollar; }
		}
		# a statement ends with ; or with psql's \g, \gset, \gx ...
		if (!defined $dollar && ($code =~ /;\s*$/ || $code =~ /\\g\w*(\s+\S+)?\s*$/ || $l =~ /^\\/))
		{
			$cur->{open} = 1;
			push @stmts, $cur;
			undef $cur;
		}
	}
	# a table shown is a header, a rule of dashes and rows; other comments
	# after a statement are prose
	for my $s (@stmts)
	{
		my @t = @{ $s->{shown} };
		$s->{output} = (@t >= 2 && $t[1] =~ /^-+(\+-+)*\s*$/) ? \@t : undef;
	}
	return @stmts;
}

# A line split into its code and its trailing comment (quotes respected).
sub split_comment
{
	my ($l) = @_;
	my $q = 0;
	for (my $i = 0; $i < length($l); $i++)
	{
		my $c = substr($l, $i, 1);
		$q = !$q if $c eq "'";
		return (substr($l, 0, $i), substr($l, $i + 2)) if !$q && substr($l, $i, 2) eq '--';
	}
	return ($l, undef);
}

sub trim_lines
{
	return join("\n", map { s/\s+$//r } grep { /\S/ } split(/\n/, $_[0]));
}

my $node = PostgreSQL::Test::Cluster->new('doc_examples');
$node->init;
# the change feed's logical decoding example needs it
$node->append_conf('postgresql.conf', 'wal_level = logical');
$node->start;

# Files an example writes (\o page.html) go to a directory of the test's
# own; the repository's sample files (\copy ... FROM 'test/data/...') are
# found there as from the repository's root.
my $workdir = PostgreSQL::Test::Utils::tempdir();
symlink(File::Spec->rel2abs("$repo/test"), "$workdir/test") or die "symlink: $!";
chdir($workdir);
my $server_major = int($node->safe_psql('postgres', 'SHOW server_version_num') / 10000);
my $n = 0;
foreach my $path (@files)
{
	my @stmts = examples($path, $server_major);
	next unless @stmts;
	my $name = basename($path);
	my $db = 'examples_' . ++$n;
	$node->safe_psql('postgres', "CREATE DATABASE $db");

	# One session: markers between statements split its output.
	my $script = "\\set ON_ERROR_STOP 0\n\\pset footer off\n";
	for my $k (0 .. $#stmts)
	{
		$script .= "\\echo '\@\@example $k\@\@'\n$stmts[$k]{sql}";
	}
	$script .= "\\echo '\@\@example end\@\@'\n";
	my ($stdout, $stderr);
	my $cmd = [ 'psql', '-X', '-q', '-d', $node->connstr($db), '-f', '-' ];
	IPC::Run::run($cmd, '<', \$script, '>&', \$stdout);
	my @parts = split(/^\@\@example (\d+|end)\@\@\n/m, $stdout);
	shift @parts;
	my %out = @parts;

	for my $k (0 .. $#stmts)
	{
		my $s = $stmts[$k];
		my $got = $out{$k} // '';
		my $where = "$name:$s->{line}";
		# a server error, or psql's own (a \\copy file it cannot open)
		my ($err) = $got =~ /^(?:psql:[^\n]*?)?ERROR:\s+([^\n]*)/m;
		($err) = $got =~ /^psql:[^\n]*?: error: ([^\n]*)/m unless defined $err;
		if (defined $s->{error})
		{
			like($err // '(no error)', qr/^\Q$s->{error}\E/, "$where fails as shown");
			next;
		}
		if (defined $err)
		{
			fail("$where runs: ERROR: $err");
			next;
		}
		if ($s->{output})
		{
			my $shown = trim_lines(join("\n", @{ $s->{output} }));
			my $table = trim_lines(join("\n", grep { !/^(NOTICE|WARNING|HINT|DETAIL|psql):/ } split(/\n/, $got)));
			is($table, $shown, "$where gives the result shown");
		}
		else
		{
			pass("$where runs");
		}
	}
}

$node->stop;
done_testing();
