# dedupe_run is cancellable at any point and leaves nothing half done; it
# does not block writers, and two runs of one configuration take turns.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dedupe');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;

# 60000 people, every fifth written twice with the e-mail in upper case
$node->safe_psql('postgres', q{
CREATE EXTENSION contacts;
CREATE TABLE people (id bigint PRIMARY KEY, full_name text, email text, phone text, country text);
INSERT INTO people
SELECT g, 'Person ' || (g % 48000) || ' Surname' || (g % 997), 'p' || (g % 48000) || '@example.com',
       '+34 6' || lpad((g % 48000)::text, 8, '0'), 'ES'
FROM generate_series(1, 60000) g;
UPDATE people SET email = upper(email) WHERE id > 48000;
SELECT contacts.configure('people', 'id',
    '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}');
});
my $first = $node->safe_psql('postgres', q{SET client_min_messages = warning; SELECT contacts.dedupe_run('people')});
my $pairs = $node->safe_psql('postgres', "SELECT count(*) FROM contacts.dedupe_pairs WHERE run_id = $first");
ok($pairs >= 12000, "a complete run finds the planted pairs ($pairs)");

# Cancel a run in each of its phases: nothing of it stays.
my $cancels = 0;
foreach my $delay (0.2, 0.7, 1.4)
{
	my $run = $node->background_psql('postgres', on_error_stop => 0);
	$run->query_until(qr/start/, q{
\echo start
SET client_min_messages = warning;
SELECT contacts.dedupe_run('people');
});
	select(undef, undef, undef, $delay);
	my $cancelled = $node->safe_psql('postgres', q{
SELECT count(*) FROM (SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                      WHERE query LIKE 'SELECT contacts.dedupe_run%' AND state = 'active'
                        AND pid <> pg_backend_pid()) c});
	$run->quit;
	SKIP:
	{
		# Finished first on a fast machine (or between the lookup and the
		# signal, so that nothing was left to cancel): it becomes the baseline.
		if ($cancelled eq '0' || $run->{stderr} !~ /canceling statement due to user request/)
		{
			$first = $node->safe_psql('postgres', 'SELECT max(run_id) FROM contacts.dedupe_runs');
			$pairs = $node->safe_psql('postgres', 'SELECT count(*) FROM contacts.dedupe_pairs');
			skip "the run finished within $delay s", 3;
		}
		$cancels++;
		like($run->{stderr}, qr/canceling statement due to user request/, "run cancelled after $delay s");
		is($node->safe_psql('postgres', 'SELECT max(run_id) FROM contacts.dedupe_runs'),
			$first, "no run left behind by the cancel after $delay s");
		is($node->safe_psql('postgres', "SELECT count(*) FROM contacts.dedupe_pairs"),
			$pairs, 'pairs of the finished run intact');
	}
}
# a run takes seconds here: the earliest cancel at least lands
ok($cancels > 0, "$cancels of 3 runs cancelled");

# the last complete run's features still serve single-row matching
is($node->safe_psql('postgres',
		q{SELECT key FROM contacts.dedupe_match('people', '{"email": "P7@example.com", "country": "ES"}') LIMIT 1}),
	'7', 'dedupe_match after cancelled runs');

# Writers are not blocked by a run; a second run of the same configuration
# waits for the first and then sees the new rows.
my $holder = $node->background_psql('postgres');
$holder->query_safe(q{BEGIN; SET client_min_messages = warning; SELECT contacts.dedupe_run('people')});
$node->safe_psql('postgres', q{
INSERT INTO people VALUES (60001, 'Person 5 Surname5', 'P5@EXAMPLE.COM', '+34 600000005', 'ES');
UPDATE people SET full_name = 'Person 6  Surname6' WHERE id = 6;
});
pass('inserts and updates proceed during a run');
my $second = $node->background_psql('postgres');
$second->query_until(qr/waiting/, q{
\echo waiting
SET client_min_messages = warning;
SELECT contacts.dedupe_run('people');
});
ok($node->poll_query_until('postgres', q{
SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE query LIKE 'SELECT contacts.dedupe_run%' AND state = 'active'}),
	'a second run of the configuration waits for the first');
$holder->query_safe('COMMIT');
$holder->quit;
$second->quit;
my $last = $node->safe_psql('postgres', 'SELECT max(run_id) FROM contacts.dedupe_runs');
is($node->safe_psql('postgres', "SELECT records FROM contacts.dedupe_runs WHERE run_id = $last"),
	'60001', 'the second run sees the row inserted during the first');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM contacts.dedupe_clusters WHERE run_id = $last AND key IN (5, 60001) GROUP BY cluster_id"),
	'2', 'and clusters it with its duplicate');

$node->stop;
done_testing();
