-- Soft errors (PostgreSQL 16+): the input functions of contacts.email and
-- contacts.phone save a bad value's error for pg_input_is_valid() and
-- pg_input_error_info() instead of throwing.  PostgreSQL 15 has neither
-- function, so there the file stops here (expected/soft_errors_1.out).
SELECT current_setting('server_version_num')::int < 160000 AS skip_test \gset
\if :skip_test
\quit
\endif

SELECT v, pg_input_is_valid(v, 'contacts.email') AS valid
  FROM (VALUES ('ana@example.com'), ('ana@-example.com'), ('ana'), ('')) t(v);
SELECT * FROM pg_input_error_info('ana@-example.com', 'contacts.email');

SELECT v, pg_input_is_valid(v, 'contacts.phone') AS valid
  FROM (VALUES ('+34 612 34 56 78'), ('ES:612 34 56 78'), ('+34 12'), ('XX:612'), ('call me')) t(v);
SELECT * FROM pg_input_error_info('+34 12', 'contacts.phone');
SELECT * FROM pg_input_error_info('XX:612', 'contacts.phone');

-- Hard errors are unchanged: a cast still throws.
SELECT 'ana@-example.com'::contacts.email;
\echo :LAST_ERROR_SQLSTATE
