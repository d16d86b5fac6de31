# The change feed as a LISTENing client sees it: one notification per event
# on the table's channel, sent when the writing transaction commits, none
# for one rolled back, and a short form for an event too long for a
# notification.  Writers and listener are ordinary roles.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('feed_listen');
$node->init(extra => ['--no-locale', '-E', 'UTF8']);
$node->start;

$node->safe_psql('postgres', q{
CREATE ROLE crm_owner;
CREATE ROLE crm_app;
CREATE ROLE mail_tool LOGIN;
CREATE EXTENSION contacts;
CREATE TABLE person (id int PRIMARY KEY, full_name text, email text, phone text);
ALTER TABLE person OWNER TO crm_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON person TO crm_app;
SET ROLE crm_owner;
SELECT contacts.configure('person', 'id', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
                          default_region => 'ES');
CREATE TRIGGER person_enforce BEFORE INSERT OR UPDATE ON person
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
});
is($node->safe_psql('postgres', q{SET ROLE crm_owner;
    SELECT contacts.feed_configure('person', logical => false, notify => true, channel => 'person changes')}),
	'person changes', 'the channel is the one named');

sub app
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', "SET ROLE crm_app; SET client_min_messages = warning; $sql");
}

# The mail tool listens (it needs no rights on the table to listen).
my $listener = $node->background_psql('postgres', extra_params => ['-U', 'mail_tool']);
$listener->query_safe('LISTEN "person changes"');

# the notifications the listener has received since the last call
sub received
{
	my $out = $listener->query_safe('SELECT 1');
	my @n;
	while ($out =~ /Asynchronous notification "([^"]+)" with payload "(.*)" received from server process with PID \d+\./g)
	{
		push @n, [ $1, decode_json($2) ];
	}
	return @n;
}

app(q{INSERT INTO person VALUES (1, 'ana GARCIA', 'ana@example.com', NULL),
                                (2, 'Ana Garcia', 'ana.g@example.com', '612 345 678')});
my @n = received();
is(scalar(@n), 2, 'one notification per inserted row');
is($n[0][0], 'person changes', 'on the table\'s channel');
is_deeply([ map { $_->[1]{kind} . $_->[1]{key}{id} } @n ], [ 'insert1', 'insert2' ], 'in order');
is($n[0][1]{table}, 'public.person', 'naming the table');

# Nothing before the commit, nothing for a rollback.
my $writer = $node->background_psql('postgres');
$writer->query_safe(q{SET ROLE crm_app; BEGIN; UPDATE person SET phone = '699 000 111' WHERE id = 1});
is(scalar(received()), 0, 'nothing while the transaction is open');
$writer->query_safe('ROLLBACK');
is(scalar(received()), 0, 'nothing for a rolled-back transaction');
$writer->query_safe(q{BEGIN; UPDATE person SET phone = '699 000 111' WHERE id = 1});
$writer->query_safe('COMMIT');
@n = received();
is_deeply([ map { [ $_->[1]{kind}, $_->[1]{columns} ] } @n ], [ [ 'update', ['phone'] ] ],
	'the committed update, with the column it changed');
$writer->query_safe(q{UPDATE person SET phone = '+34699000111' WHERE id = 1});
is(scalar(received()), 0, 'an update that changes nothing is no event');
$writer->quit;

# A merge: the trigger's update of the survivor, then the merge.
my $merge_id = app(q{SET contacts.source_system = 'crm';
    SELECT contacts.merge('person', 1, ARRAY[1, 2])});
@n = received();
is_deeply([ map { $_->[1]{kind} } @n ], ['merge'], 'a merge (the survivor kept its values)');
is_deeply([ $n[0][1]{survivor}, $n[0][1]{merged}, $n[0][1]{source}, $n[0][1]{merge_id} ],
	[ { id => '1' }, [ { id => '2' } ], 'crm', $merge_id ], 'with its survivor, members, source and id');
app("SELECT contacts.unmerge($merge_id)");
@n = received();
is_deeply([ map { $_->[1]{kind} } @n ], [ 'insert', 'unmerge' ], 'an unmerge: the restored row, then the unmerge');

# An event too long for a notification comes in short form.
app(q{INSERT INTO person SELECT i, 'Person ' || i, NULL, NULL FROM generate_series(100, 1099) i});
is(scalar(received()), 1000, 'a thousand inserts, a thousand notifications');
app(q{SELECT contacts.merge('person', 100, ARRAY(SELECT generate_series(100, 1099)))});
@n = received();
is(scalar(@n), 1, 'one notification for the big merge');
is_deeply([ $n[0][1]{kind}, $n[0][1]{key}, $n[0][1]{truncated} ? 1 : 0, exists $n[0][1]{merged} ? $n[0][1]{merged} : 'absent' ],
	[ 'merge', { id => '100' }, 1, undef ], 'in short form: kind, key, truncated');

# Off: silence.
$node->safe_psql('postgres', q{SET ROLE crm_owner; SELECT contacts.feed_configure('person', logical => false, notify => false)});
app(q{INSERT INTO person VALUES (3, 'Quiet', NULL, NULL)});
is(scalar(received()), 0, 'a table whose feed is off notifies nothing');

$listener->quit;
$node->stop;
done_testing();
