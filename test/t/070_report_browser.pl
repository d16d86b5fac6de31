# The report pages in a real browser: a non-superuser reader writes the
# dedupe and health pages of a run to files; headless Chromium renders them
# (the screenshot is not blank and shows the bars in their colours) and its
# DOM holds every chart and bar of the page and no script (names in records
# carry markup).  Skipped, with a printed reason, when no Chromium is
# installed (Debian: apt-get install chromium).
use strict;
use warnings;
use Compress::Zlib ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my ($browser) = grep { defined }
  map { my $b = $_; (grep { -x "$_/$b" } split /:/, $ENV{PATH})[0] ? $b : undef }
  qw(chromium chromium-browser google-chrome);
if (!$browser)
{
	print "skipped: no chromium: the report pages are not rendered in a browser\n";
	plan skip_all => 'no chromium installed';
}

my $node = PostgreSQL::Test::Cluster->new('report_browser');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION contacts;
CREATE ROLE crm_owner;
CREATE ROLE crm_reader;
CREATE TABLE people (id integer PRIMARY KEY, given_name text, family_name text, email text, phone text,
                     country text, city text);
ALTER TABLE people OWNER TO crm_owner;
GRANT SELECT ON people TO crm_reader;
-- 150 people, each twice (some typos), and a pair whose names are markup
INSERT INTO people
SELECT g, (ARRAY['Ana', 'José', 'María', 'Juan', 'Lucía', 'Pedro', 'Carmen', 'Luis', 'Elena', 'Pablo'])[1 + g % 10],
       (ARRAY['García', 'López', 'Pérez', 'Sánchez', 'Gómez', 'Díaz', 'Ruiz', 'Soto', 'Vega', 'Mora', 'Cruz'])[1 + (g / 10) % 11]
           || CASE WHEN g > 150 AND g % 7 = 0 THEN 'z' ELSE '' END,
       CASE WHEN g % 5 <> 0 THEN 'user' || (g % 150) || '@example.com' END,
       '+34 6' || lpad(((g % 150) * 7919 % 100000000)::text, 8, '0'),
       'ES', (ARRAY['Madrid', 'Sevilla', 'Valencia'])[1 + g % 3]
  FROM generate_series(1, 300) g;
INSERT INTO people VALUES
  (301, '<script>document.title="owned"</script>', 'O''Brien & Sons', 'x@evil.example', '+44 7912 345678', 'GB', 'London'),
  (302, '<script>document.title="owned2"</script>', 'O''Brien & Sons', 'x@evil.example', '07912 345678', 'GB', 'London');
SELECT contacts.configure('people', 'id',
    '{"given_name": "given_name", "family_name": "family_name", "email": "email", "phone": "phone",
      "country": "country", "city": "city"}');
SET ROLE crm_owner;
SET client_min_messages = warning;
SELECT contacts.dedupe_run('people');
});

my $dir = PostgreSQL::Test::Utils::tempdir;

# The pages as the reader writes them with psql (\o, no superuser needed).
sub write_page
{
	my ($name, $sql) = @_;
	my $file = "$dir/$name.html";
	$node->safe_psql('postgres', qq{SET ROLE crm_reader;
\\pset format unaligned
\\pset tuples_only on
\\o $file
$sql
\\o});
	open my $fh, '<:raw', $file or die "$file: $!";
	local $/;
	my $page = <$fh>;
	close $fh;
	return ($file, $page);
}

# The pixels of an 8-bit RGB(A) PNG: [width, height, bytes per pixel, data].
sub png_decode
{
	my ($file) = @_;
	open my $fh, '<:raw', $file or die "$file: $!";
	local $/;
	my $data = <$fh>;
	close $fh;
	die "$file is no PNG" unless substr($data, 0, 8) eq "\x89PNG\r\n\x1a\n";
	my ($pos, $idat, $w, $h, $depth, $ctype) = (8, '');
	while ($pos < length $data)
	{
		my ($len, $type) = unpack('N a4', substr($data, $pos, 8));
		my $chunk = substr($data, $pos + 8, $len);
		($w, $h, $depth, $ctype) = unpack('N N C C', $chunk) if $type eq 'IHDR';
		$idat .= $chunk if $type eq 'IDAT';
		$pos += 12 + $len;
	}
	die "$file: unsupported PNG" unless $depth == 8 && ($ctype == 2 || $ctype == 6);
	my $bpp = $ctype == 6 ? 4 : 3;
	my $raw = Compress::Zlib::uncompress($idat) // die "$file: bad image data";
	my $stride = $w * $bpp;
	my @prev = (0) x $stride;
	my $out = '';
	for my $y (0 .. $h - 1)
	{
		my $filter = ord(substr($raw, $y * ($stride + 1), 1));
		my @cur = unpack('C*', substr($raw, $y * ($stride + 1) + 1, $stride));
		for my $i (0 .. $stride - 1)
		{
			my $a = $i >= $bpp ? $cur[ $i - $bpp ] : 0;
			my $b = $prev[$i];
			my $c = $i >= $bpp ? $prev[ $i - $bpp ] : 0;
			my $p;
			if ($filter == 0) { $p = 0 }
			elsif ($filter == 1) { $p = $a }
			elsif ($filter == 2) { $p = $b }
			elsif ($filter == 3) { $p = int(($a + $b) / 2) }
			else
			{
				my ($pa, $pb, $pc) = (abs($b - $c), abs($a - $c), abs($a + $b - 2 * $c));
				$p = ($pa <= $pb && $pa <= $pc) ? $a : ($pb <= $pc ? $b : $c);
			}
			$cur[$i] = ($cur[$i] + $p) & 255;
		}
		$out .= pack('C*', @cur);
		@prev = @cur;
	}
	return ($w, $h, $bpp, $out);
}

# Pixels that are not white, and pixels of each of the given colours.
sub count_colours
{
	my ($file, %colours) = @_;
	my ($w, $h, $bpp, $px) = png_decode($file);
	my %n = (ink => 0, map { $_ => 0 } keys %colours);
	for (my $o = 0; $o < length $px; $o += $bpp)
	{
		my ($r, $g, $b) = unpack('C3', substr($px, $o, 3));
		$n{ink}++ if $r < 235 || $g < 235 || $b < 235;
		for my $k (keys %colours)
		{
			my ($cr, $cg, $cb) = @{ $colours{$k} };
			$n{$k}++ if abs($r - $cr) < 12 && abs($g - $cg) < 12 && abs($b - $cb) < 12;
		}
	}
	return ($w * $h, \%n);
}

my @chrome = ($browser, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
	"--user-data-dir=$dir/profile", '--window-size=900,1500');
local $ENV{HOME} = $dir;

sub render
{
	my ($name, $file, $page, $min_bars, %colours) = @_;
	my ($stdout, $stderr);
	IPC::Run::run([ 'timeout', '120', @chrome, "--screenshot=$dir/$name.png", "file://$file" ],
		'>', \$stdout, '2>', \$stderr);
	ok(-s "$dir/$name.png", "$name: chromium took a screenshot") or diag($stderr);
	my ($pixels, $n) = count_colours("$dir/$name.png", %colours);
	cmp_ok($n->{ink}, '>', $pixels / 50, "$name: the screenshot is not blank ($n->{ink} of $pixels pixels)");
	for my $k (sort keys %colours)
	{
		cmp_ok($n->{$k}, '>', 200, "$name: $k bars are drawn ($n->{$k} pixels)");
	}

	IPC::Run::run([ 'timeout', '120', @chrome, '--dump-dom', "file://$file" ], '>', \$stdout, '2>', \$stderr);
	my $dom = $stdout;
	my @src_rects = $page =~ /<rect\b/g;
	my @dom_rects = $dom =~ /<rect\b/g;
	my @src_svgs = $page =~ /<svg\b/g;
	my @dom_svgs = $dom =~ /<svg\b/g;
	cmp_ok(scalar @src_rects, '>=', $min_bars, "$name: the page draws bars (" . scalar(@src_rects) . ")");
	is(scalar @dom_rects, scalar @src_rects, "$name: every bar is in the rendered DOM");
	is(scalar @dom_svgs, scalar @src_svgs, "$name: every chart is in the rendered DOM");
	unlike($dom, qr/<script/i, "$name: no script element, whatever the names hold");
	unlike($dom, qr/<title>owned/, "$name: and none ran");
	return;
}

my ($dfile, $dpage) = write_page('dedupe',
	q{SELECT contacts.dedupe_report(max(run_id)) FROM contacts.dedupe_runs;});
render('dedupe', $dfile, $dpage, 40,
	agreement => [ 0x2e, 0x7d, 0x32 ],
	disagreement => [ 0xc6, 0x28, 0x28 ],
	count => [ 0x15, 0x65, 0xc0 ]);

my ($hfile, $hpage) = write_page('health', q{SELECT contacts.health_report('people');});
like($hpage, qr/&lt;script&gt;document\.title=&quot;owned&quot;&lt;\/script&gt;/,
	'health: the markup in a name is shown as text');
render('health', $hfile, $hpage, 6, valid => [ 0x43, 0xa0, 0x47 ]);

$node->stop;
done_testing();
