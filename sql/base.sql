-- The extension installs into its fixed schema and reports what its
-- IMMUTABLE functions depend on.
SELECT extname, extrelocatable, nspname
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'contacts';

SELECT component, version ~ '^[0-9]+(\.[0-9]+)+$' AS looks_like_version
  FROM contacts.versions()
 WHERE component IN ('contacts', 'icu', 'unicode')
 ORDER BY component;

-- GUCs live under contacts.* and the prefix is reserved.
SHOW contacts.email_profile;
SET contacts.email_profile = 'rfc';
SHOW contacts.email_profile;
SET contacts.email_profile = 'loose';
RESET contacts.email_profile;
SET contacts.name_similarity_threshold = 1.5;
SET contacts.no_such_setting = 'x';

-- Every object of the extension has a comment (indexes and sequences aside,
-- and the array and row types PostgreSQL 17+ also records as members: they
-- come with the type or table that has the comment).
SELECT pg_describe_object(d.classid, d.objid, 0) AS object_without_comment
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'contacts')
   AND d.deptype = 'e'
   AND obj_description(d.objid, d.classid::regclass::text) IS NULL
   AND NOT (d.classid = 'pg_class'::regclass
            AND (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('S', 'i'))
   AND NOT EXISTS (SELECT 1 FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
                    WHERE d.classid = 'pg_type'::regclass AND t.oid = d.objid
                      AND (c.relkind <> 'c' OR t.oid IN (SELECT typarray FROM pg_type)))
 ORDER BY 1;
