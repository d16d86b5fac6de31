# The change feed as a logical decoding consumer sees it: a test_decoding
# slot receives the contacts messages of the entry trigger, merges, an
# unmerge and an import, inside the transactions that made them, in commit
# order, nothing of rolled-back transactions, and a reject at once.  The
# writers are ordinary roles.
use strict;
use warnings;
use JSON::PP;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('feed_decoding');
$node->init(allows_streaming => 'logical', extra => ['--no-locale', '-E', 'UTF8']);
$node->start;

$node->safe_psql('postgres', q{
CREATE ROLE crm_owner;
CREATE ROLE crm_app;
CREATE EXTENSION contacts;
CREATE TABLE person (id int PRIMARY KEY, full_name text, email text, phone text, flags jsonb);
CREATE TABLE staging (id int, name text, mail text);
INSERT INTO staging VALUES (20, 'marta ruiz', 'marta@example.com'), (21, 'bad', 'not an email');
ALTER TABLE person OWNER TO crm_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON person TO crm_app;
GRANT SELECT ON staging TO crm_app;
SET ROLE crm_owner;
SELECT contacts.configure('person', 'id', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
                          default_region => 'ES');
CREATE TRIGGER person_enforce BEFORE INSERT OR UPDATE ON person
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT contacts.feed_configure('person', logical => true, notify => false);
RESET ROLE;
SELECT pg_create_logical_replication_slot('feed', 'test_decoding');
});

sub app
{
	my ($sql) = @_;
	return $node->safe_psql('postgres', "SET ROLE crm_app; SET client_min_messages = warning; $sql");
}

# 1. two inserts, committed; one rolled back
app(q{INSERT INTO person VALUES (1, 'ana GARCIA', 'ana@example.com', NULL, NULL),
                                (2, 'Ana Garcia', 'ana.g@example.com', '612 345 678', NULL)});
app(q{BEGIN; INSERT INTO person VALUES (9, 'ghost', 'ghost@example.com', NULL, NULL); ROLLBACK;});

# 2. a merge that gives the survivor the member's phone; a rolled-back merge
my $merge_id = app(q{SET contacts.source_system = 'dedupe-job';
                     SELECT contacts.merge('person', 1, ARRAY[1, 2], reason => 'same person')});
app(q{INSERT INTO person VALUES (3, 'Luis Perez', 'luis@example.org', NULL, NULL),
                                (4, 'Luis Pérez', 'lperez@example.net', NULL, NULL)});
app(q{BEGIN; SELECT contacts.merge('person', 3, ARRAY[3, 4]); ROLLBACK;});

# 3. the unmerge of the first merge
app("SELECT contacts.unmerge($merge_id)");

# 4. an import
app(q{SELECT contacts.import('staging', 'person', '{"id": "id", "full_name": "name", "email": "mail"}')});

# 5. a rejected insert: the trigger's error rolls everything back but the reject
my ($rc, $out, $err) = $node->psql('postgres',
	q{SET ROLE crm_app; INSERT INTO person VALUES (5, 'Eve', 'eve@@example', NULL, NULL)});
isnt($rc, 0, 'an invalid email is rejected');

# 6. two overlapping transactions: the one that commits first is decoded first
my $s1 = $node->background_psql('postgres');
$s1->query_safe(q{SET ROLE crm_app; BEGIN; INSERT INTO person VALUES (6, 'First Begun', NULL, NULL, NULL)});
app(q{INSERT INTO person VALUES (7, 'First Committed', NULL, NULL, NULL)});
$s1->query_safe('COMMIT');
$s1->quit;

# Everything decoded: transactions, row changes and messages.
my @lines = split /\n/, $node->safe_psql('postgres', q{
SELECT data FROM pg_logical_slot_get_changes('feed', NULL, NULL, 'include-xids', '0', 'skip-empty-xacts', '1')});

# test_decoding prints BEGIN with the first row change, after any message
# before it: a transaction is what comes before its COMMIT.
my @events;    # [event, transactional, index of the transaction]
my $xact = 0;
my %xact_rows;    # transaction index -> row changes of person
for my $l (@lines)
{
	if ($l =~ /^COMMIT/) { $xact++; next; }
	if ($l =~ /^table public\.person: (INSERT|UPDATE|DELETE)/) { $xact_rows{$xact} .= "$1 "; next; }
	next unless $l =~ /^message: transactional: (\d) prefix: (\S+), sz: (\d+) content:(.*)$/;
	is($2, 'contacts', 'the prefix is contacts');
	is(length($4), $3, 'the size is the content\'s');
	push @events, [decode_json($4), $1, $1 ? $xact : undef];
}

my @kinds = map { $_->[0]{kind} . ($_->[0]{key} ? '(' . join(',', values %{ $_->[0]{key} }) . ')' : '') } @events;
is_deeply(\@kinds,
	[ 'insert(1)', 'insert(2)', 'update(1)', 'merge(1)', 'insert(3)', 'insert(4)',
	  'update(1)', 'insert(2)', 'unmerge(1)', 'insert(20)', 'import', 'reject(5)',
	  'insert(7)', 'insert(6)' ],
	'the events in commit order, none of the rolled-back transactions')
  or diag(join("\n", @lines));

# the first and the last event of each kind and key
my (%by, %last);
for (@events)
{
	my $k = $_->[0]{kind} . ($_->[0]{key} ? join(',', values %{ $_->[0]{key} }) : '');
	$by{$k} //= $_;
	$last{$k} = $_;
}

# inserts: the columns they set, the normalized values stored
my $ins = $by{insert1}[0];
is($ins->{table}, 'public.person', 'the table, schema-qualified');
is_deeply($ins->{columns}, [ 'id', 'full_name', 'email' ], 'an insert lists the columns it set');
is($ins->{source}, undef, 'no source system unless the session names one');
like($ins->{txid}, qr/^\d+$/, 'the transaction id');
like($ins->{at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, "the time, in UTC");
ok(exists $ins->{alternates}, 'a member for the alternates a merge moves');

# the merge: survivor, merged-away keys, columns, in the merge's transaction
my ($merge, $mt, $mx) = @{ $by{merge1} };
is($mt, 1, 'the merge message is transactional');
is_deeply($merge->{survivor}, { id => '1' }, 'the survivor');
is_deeply($merge->{merged}, [ { id => '2' } ], 'the merged-away keys');
is_deeply($merge->{columns}, ['phone'], 'the columns the merge changed on the survivor');
is($merge->{merge_id}, $merge_id, 'the merge id');
is($merge->{source}, 'dedupe-job', 'the source system the session named');
is($xact_rows{$mx}, 'DELETE UPDATE ', 'decoded with the row changes of its own transaction');
is($by{update1}[2], $mx, 'the trigger\'s update of the survivor is in the same transaction');

my $unmerge = $by{unmerge1}[0];
is_deeply([ $unmerge->{survivor}, $unmerge->{merged}, $unmerge->{columns} ],
	[ { id => '1' }, [ { id => '2' } ], ['phone'] ], 'the unmerge restores what the merge changed');
is($by{unmerge1}[2], $last{insert2}[2], 'the restored row and the unmerge in one transaction');

my ($import) = grep { $_->[0]{kind} eq 'import' } @events;
is_deeply($import->[0]{counts}, { staged => 2, inserted => 1, updated => 0, kept => 0, rejected => 1, suppressed => 0 },
	'the import run with its counts');
is($import->[2], $by{insert20}[2], 'in the import\'s transaction with its rows');

my $reject = $by{reject5};
is($reject->[1], 0, 'a reject is not transactional (its transaction rolls back)');
is($reject->[0]{sqlstate}, '23514', 'with the SQLSTATE');
like($reject->[0]{reason}, qr/invalid email in column "email"/, 'and the reason');
is($reject->[0]{operation}, 'insert', 'and the operation');

ok(!grep({ ($_->[0]{key}{id} // '') eq '9' } @events), 'nothing of the rolled-back insert');
is(scalar(grep { $_->[0]{kind} eq 'merge' } @events), 1, 'nothing of the rolled-back merge');

# Off: no messages at all.
$node->safe_psql('postgres', q{SET ROLE crm_owner;
    SELECT contacts.feed_configure('person', logical => false, notify => false)});
app(q{INSERT INTO person VALUES (8, 'Quiet', NULL, NULL, NULL)});
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_logical_slot_get_changes('feed', NULL, NULL)
    WHERE data LIKE 'message:%'}), '0', 'a table whose feed is off sends nothing');

$node->safe_psql('postgres', q{SELECT pg_drop_replication_slot('feed')});
$node->stop;
done_testing();
