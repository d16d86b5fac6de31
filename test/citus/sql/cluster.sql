-- The cluster the other tests run on: a coordinator and two workers, the
-- extension on every node.
SET search_path = public, contacts;
SELECT nodeport, noderole FROM pg_dist_node ORDER BY nodeid;
SELECT nodeid, result FROM run_command_on_all_nodes(
    $$SELECT extversion FROM pg_extension WHERE extname = 'contacts'$$) ORDER BY nodeid;
