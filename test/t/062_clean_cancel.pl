# contacts.clean() cancelled mid-run (pg_cancel_backend, then
# statement_timeout) keeps the batches it committed, every one logged, and
# nothing of the batch in flight; the next call resumes after the last
# committed key and checks every row exactly once; undo_clean() then gives
# back the table as it was, to the byte.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('clean');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;

# 60000 people, every fifth with a name and an e-mail domain in upper case
my $rows = 60000;
$node->safe_psql('postgres', qq{
CREATE EXTENSION contacts;
CREATE TABLE people (id bigint PRIMARY KEY, full_name text, email text, phone text, country text);
INSERT INTO people
SELECT g, CASE WHEN g % 5 = 0 THEN 'PERSON ' || g ELSE 'Person ' || g END,
       CASE WHEN g % 5 = 0 THEN 'p' || g || '\@EXAMPLE.COM' ELSE 'p' || g || '\@example.com' END,
       CASE WHEN g % 7 = 0 THEN '6' || lpad(g::text, 8, '0') ELSE '+346' || lpad(g::text, 8, '0') END, 'ES'
FROM generate_series(1, $rows) g;
SELECT contacts.configure('people', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}');
CREATE TRIGGER people_enforce BEFORE INSERT OR UPDATE ON people
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
});
my $digest_sql = q{SELECT md5(string_agg(p::text, E'\n' ORDER BY id)) FROM people p};
my $original = $node->safe_psql('postgres', $digest_sql);

# What a cancelled run left: its committed batches applied and logged, the
# rows after its last key untouched.
sub check_partial
{
	my ($how) = @_;
	my ($run, $last, $checked, $finished) = split /\|/, $node->safe_psql('postgres', q{
SELECT run_id, last_key, rows_checked, finished_at IS NOT NULL FROM contacts.clean_run ORDER BY run_id DESC LIMIT 1});
	is($finished, 'f', "the run cancelled by $how is unfinished");
	cmp_ok($checked, '>', 0, "it committed batches before the $how ($checked rows)");
	is($node->safe_psql('postgres', "SELECT count(*) FROM people WHERE id <= $last"),
		$checked, "it checked every row up to its last key, once");
	is($node->safe_psql('postgres', qq{
SELECT count(*) FROM contacts.clean_change c JOIN people p ON p.id = c.row_key::bigint
 WHERE c.run_id = $run AND c.action = 'normalize'
   AND CASE c.col WHEN 'full_name' THEN p.full_name WHEN 'email' THEN p.email ELSE p.phone END
       IS DISTINCT FROM c.after}), '0', "every logged change is in the table");
	is($node->safe_psql('postgres', qq{
SELECT count(*) FROM contacts.clean_change c WHERE c.run_id = $run AND c.row_key::bigint > $last}),
		'0', "nothing is logged after the last committed key");
	is($node->safe_psql('postgres', qq{
SELECT count(*) FROM people WHERE id > $last
   AND (full_name LIKE 'PERSON%' OR email LIKE '%EXAMPLE.COM' OR phone NOT LIKE '+%')}),
		$node->safe_psql('postgres', qq{
SELECT count(*) FROM generate_series($last + 1, $rows) g WHERE g % 5 = 0 OR g % 7 = 0}),
		"the rows after the last key are as they were");
	return $run;
}

# 1. pg_cancel_backend once the run has committed a few batches.
my $bg = $node->background_psql('postgres', on_error_stop => 0);
$bg->query_until(qr/start/, q{
\echo start
SET client_min_messages = warning;
CALL contacts.clean('people', batch_size => 200);
});
ok($node->poll_query_until('postgres',
		q{SELECT coalesce(max(rows_checked), 0) >= 2000 FROM contacts.clean_run}),
	'the run commits batches');
my $cancelled = $node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                      WHERE query LIKE '%CALL contacts.clean%' AND state = 'active'
                        AND pid <> pg_backend_pid()) c});
$bg->quit;
my $run;
SKIP:
{
	skip 'the run finished before its cancel', 7
	  if $cancelled eq '0' || $bg->{stderr} !~ /canceling statement due to user request/;
	like($bg->{stderr}, qr/canceling statement due to user request/, 'run cancelled');
	$run = check_partial('cancel');
}

# 2. statement_timeout: the same, from the committed key on.
my ($stdout, $stderr);
$node->psql('postgres', q{
SET client_min_messages = warning;
SET statement_timeout = '150ms';
CALL contacts.clean('people', batch_size => 200);
}, stdout => \$stdout, stderr => \$stderr);
SKIP:
{
	skip 'the run finished within the timeout', 7
	  if $stderr !~ /canceling statement due to statement timeout/;
	like($stderr, qr/canceling statement due to statement timeout/, 'run timed out');
	my $again = check_partial('statement timeout');
	is($again, $run, 'the timed out call resumed the cancelled run') if defined $run;
	$run = $again;
}

# 3. The next call resumes where the last batch ended and finishes.
$node->psql('postgres', q{CALL contacts.clean('people', batch_size => 1000)},
	stdout => \$stdout, stderr => \$stderr);
like($stderr, qr/resuming clean run/, 'an unfinished run is resumed')
  if defined $run;
my ($last_run, $checked, $finished) = split /\|/, $node->safe_psql('postgres', q{
SELECT run_id, rows_checked, finished_at IS NOT NULL FROM contacts.clean_run ORDER BY run_id DESC LIMIT 1});
is($finished, 't', 'the run finished');
is($checked, $rows, 'every row was checked exactly once over the calls');
is($node->safe_psql('postgres', 'SELECT count(*) FROM contacts.clean_run'), '1', 'one run over the calls');
is($node->safe_psql('postgres', q{SELECT count(*) FROM contacts.clean_preview('people')}),
	'0', 'nothing is left to clean');
is($node->safe_psql('postgres', qq{SELECT count(DISTINCT row_key) FROM contacts.clean_change WHERE run_id = $last_run}),
	$node->safe_psql('postgres', qq{SELECT count(*) FROM generate_series(1, $rows) g WHERE g % 5 = 0 OR g % 7 = 0}),
	'every row that needed it was changed and logged once');

# 4. Undo gives back the table as it was.
is($node->safe_psql('postgres', "SELECT contacts.undo_clean($last_run)"),
	$node->safe_psql('postgres', "SELECT count(*) FROM contacts.clean_change WHERE run_id = $last_run"),
	'undo restores every logged value');
is($node->safe_psql('postgres', $digest_sql), $original, 'the table is as it was before the clean');

$node->stop;
done_testing();
