-- COPY ... (ON_ERROR ignore) (PostgreSQL 17+) skips rows whose contacts.email
-- or contacts.phone value the input function rejects, through the same soft
-- errors.  Before 17 COPY has no ON_ERROR, so there the file stops here
-- (expected/soft_errors_copy_1.out).
SELECT current_setting('server_version_num')::int < 170000 AS skip_test \gset
\if :skip_test
\quit
\endif

CREATE TABLE signup (name text, e contacts.email, p contacts.phone);
COPY signup FROM STDIN (FORMAT csv, ON_ERROR ignore);
Ana,ana@example.com,+34 612 34 56 78
Bad email,ana@-example.com,+34 612 34 56 79
Bad phone,bo@example.com,+34 12
Bo,BO@Example.com,ES:612 34 56 80
\.
SELECT name, e, p FROM signup ORDER BY name;
DROP TABLE signup;
