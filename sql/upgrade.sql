--
-- Upgrading in place: a database created with contacts 0.1.0 and brought
-- to the current version by ALTER EXTENSION UPDATE must hold exactly what a
-- fresh install holds (every object, its definition, owner-independent
-- privileges and comment), and its users' data must live through it.
-- Runs in a database of its own: the extension is dropped and re-created.
--
SET client_min_messages = warning;
CREATE DATABASE contacts_upgrade;
\c contacts_upgrade
SET client_min_messages = warning;

-- One row per extension member and per detail that defines it, written so
-- that two installs compare equal when, and only when, they are the same:
-- no OIDs, no creation order.
CREATE TABLE catalog_snapshot (install text, object text, detail text);
CREATE FUNCTION catalog_snapshot(install text) RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
WITH ext AS (
    SELECT oid FROM pg_extension WHERE extname = 'contacts'
), member AS (
    SELECT d.classid, d.objid
    FROM pg_depend d, ext
    WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
), detail AS (
    -- routines: the whole definition (volatility, strictness, parallel
    -- safety, cost, settings, body), aggregates by their parts
    SELECT m.classid, m.objid,
           CASE WHEN p.prokind = 'a'
                THEN format('aggregate %s %s %s %s', a.aggtransfn, a.aggfinalfn,
                            a.aggtranstype::regtype, a.agginitval)
                ELSE pg_get_functiondef(p.oid) END
           || E'\nacl ' || coalesce(p.proacl::text, '-') AS detail
    FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
    LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
  UNION ALL
    SELECT m.classid, m.objid,
           format('type %s %s %s %s %s %s len %s byval %s align %s storage %s cat %s coll %s base %s acl %s',
                  t.typtype, t.typinput::regproc, t.typoutput::regproc, t.typreceive::regproc,
                  t.typsend::regproc, t.typanalyze::regproc, t.typlen, t.typbyval, t.typalign,
                  t.typstorage, t.typcategory, t.typcollation, t.typbasetype::regtype,
                  coalesce(t.typacl::text, '-'))
    FROM member m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
  UNION ALL
    -- relations: kind, security, privileges, options ...
    SELECT m.classid, m.objid,
           format('relation %s rls %s force %s acl %s options %s',
                  c.relkind, c.relrowsecurity, c.relforcerowsecurity,
                  coalesce(c.relacl::text, '-'), coalesce(c.reloptions::text, '-'))
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
  UNION ALL
    -- ... columns, with their comments ...
    SELECT m.classid, m.objid,
           format('column %s %s notnull %s default %s identity %s generated %s comment %s',
                  a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
                  col_description(c.oid, a.attnum))
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
  UNION ALL
    -- ... constraints, indexes, triggers, policies, view bodies ...
    SELECT m.classid, m.objid, format('constraint %s %s', co.conname, pg_get_constraintdef(co.oid))
    FROM member m JOIN pg_constraint co ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid
  UNION ALL
    SELECT m.classid, m.objid, 'index ' || pg_get_indexdef(i.indexrelid)
    FROM member m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid
  UNION ALL
    SELECT m.classid, m.objid, 'trigger ' || pg_get_triggerdef(tg.oid)
    FROM member m JOIN pg_trigger tg ON m.classid = 'pg_class'::regclass AND tg.tgrelid = m.objid
    WHERE NOT tg.tgisinternal
  UNION ALL
    SELECT m.classid, m.objid,
           format('policy %s %s %s roles %s using %s check %s', po.polname, po.polcmd,
                  po.polpermissive, po.polroles::regrole[], pg_get_expr(po.polqual, po.polrelid),
                  pg_get_expr(po.polwithcheck, po.polrelid))
    FROM member m JOIN pg_policy po ON m.classid = 'pg_class'::regclass AND po.polrelid = m.objid
  UNION ALL
    SELECT m.classid, m.objid, 'view ' || pg_get_viewdef(m.objid)
    FROM member m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
    WHERE c.relkind IN ('v', 'm')
  UNION ALL
    SELECT m.classid, m.objid,
           format('sequence %s start %s increment %s min %s max %s cache %s cycle %s',
                  s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                  s.seqcache, s.seqcycle)
    FROM member m JOIN pg_sequence s ON m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid
  UNION ALL
    SELECT m.classid, m.objid,
           format('operator %s %s %s -> %s code %s com %s neg %s rest %s join %s merges %s hashes %s',
                  o.oprname, o.oprleft::regtype, o.oprright::regtype, o.oprresult::regtype,
                  o.oprcode, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest,
                  o.oprjoin, o.oprcanmerge, o.oprcanhash)
    FROM member m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
  UNION ALL
    SELECT m.classid, m.objid,
           format('opclass %s default %s type %s key %s', am.amname, oc.opcdefault,
                  oc.opcintype::regtype, oc.opckeytype::regtype)
    FROM member m JOIN pg_opclass oc ON m.classid = 'pg_opclass'::regclass AND oc.oid = m.objid
    JOIN pg_am am ON am.oid = oc.opcmethod
  UNION ALL
    -- operator families by their members
    SELECT m.classid, m.objid,
           format('amop %s %s %s %s %s', ao.amopstrategy, ao.amoplefttype::regtype,
                  ao.amoprighttype::regtype, ao.amopopr::regoperator, ao.amoppurpose)
    FROM member m JOIN pg_amop ao ON m.classid = 'pg_opfamily'::regclass AND ao.amopfamily = m.objid
  UNION ALL
    SELECT m.classid, m.objid,
           format('amproc %s %s %s %s', ap.amprocnum, ap.amproclefttype::regtype,
                  ap.amprocrighttype::regtype, ap.amproc::regprocedure)
    FROM member m JOIN pg_amproc ap ON m.classid = 'pg_opfamily'::regclass AND ap.amprocfamily = m.objid
  UNION ALL
    SELECT m.classid, m.objid,
           format('cast %s %s %s', ca.castfunc::regprocedure, ca.castcontext, ca.castmethod)
    FROM member m JOIN pg_cast ca ON m.classid = 'pg_cast'::regclass AND ca.oid = m.objid
  UNION ALL
    SELECT m.classid, m.objid,
           format('event trigger %s %s %s %s', e.evtevent, e.evtfoid::regprocedure,
                  e.evttags, e.evtenabled)
    FROM member m JOIN pg_event_trigger e ON m.classid = 'pg_event_trigger'::regclass AND e.oid = m.objid
  UNION ALL
    SELECT m.classid, m.objid, 'schema acl ' || coalesce(n.nspacl::text, '-')
    FROM member m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
  UNION ALL
    -- every member's comment, and that it is a member at all
    SELECT m.classid, m.objid, 'comment ' || coalesce(obj_description(m.objid, c.relname), '-')
    FROM member m JOIN pg_class c ON c.oid = m.classid
  UNION ALL
    -- what pg_dump keeps of the configuration tables
    SELECT 'pg_extension'::regclass, ext.oid,
           format('config %s %s', t.tbl, t.cond)
    FROM pg_extension x JOIN ext ON x.oid = ext.oid,
         unnest(x.extconfig::regclass[]::text[], x.extcondition) AS t(tbl, cond)
)
INSERT INTO public.catalog_snapshot
SELECT install, pg_describe_object(classid, objid, 0), detail FROM detail;
SELECT count(*) FROM public.catalog_snapshot s WHERE s.install = catalog_snapshot.install
$$;

-- A fresh install of the current version.
CREATE EXTENSION contacts;
SELECT extversion AS fresh FROM pg_extension WHERE extname = 'contacts';
SELECT catalog_snapshot('fresh') > 500 AS described;
DROP EXTENSION contacts;

-- 0.1.0 as released, with data in its types, its configuration and its logs.
CREATE EXTENSION contacts VERSION '0.1.0';
SET search_path = public, contacts;
CREATE TABLE person (
    id    int PRIMARY KEY,
    name  text,
    email contacts.email,
    phone contacts.phone
);
CREATE INDEX person_email ON person (email);
CREATE INDEX person_phone ON person (phone);
CREATE INDEX person_name_fuzzy ON person USING gin (name contacts.name_gin_ops);
INSERT INTO person VALUES
    (1, 'José Pérez', 'Jose.Perez@Example.com', '+34 612 34 56 78'),
    (2, 'JOSE  perez', 'jose.perez@example.com', '+34612345678'),
    (3, 'Ana Gómez', 'ana@example.org', '+54 9 11 2345-6789');
SELECT contacts.configure('person', 'id', '{"name": "full_name", "email": "email", "phone": "phone"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email}');
CREATE TRIGGER person_enforce BEFORE INSERT OR UPDATE ON person
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT contacts.merge('person', 1, ARRAY[1, 2]) AS merge_id \gset
SELECT count(*) AS before_rows FROM contacts.merge_log_row;

ALTER EXTENSION contacts UPDATE;
SELECT extversion AS updated FROM pg_extension WHERE extname = 'contacts';
SELECT catalog_snapshot('updated') > 500 AS described;

-- What differs between the updated and the fresh install: nothing.
SELECT coalesce(u.object, f.object) AS object,
       CASE WHEN u.object IS NULL THEN 'missing after update' ELSE 'only after update' END AS difference,
       coalesce(u.detail, f.detail) AS detail
FROM (SELECT object, detail FROM catalog_snapshot WHERE install = 'updated') u
FULL JOIN (SELECT object, detail FROM catalog_snapshot WHERE install = 'fresh') f
  ON u.object = f.object AND u.detail IS NOT DISTINCT FROM f.detail
WHERE u.object IS NULL OR f.object IS NULL
ORDER BY 1, 2, 3;

-- The data lived through it, and the types, indexes, configuration, audit
-- log and unmerge work on it.
SET enable_seqscan = off;
SELECT id, email, phone FROM person WHERE email = 'JOSE.PEREZ@example.com'::contacts.email;
SELECT id FROM person WHERE phone = '+34612345678'::contacts.phone;
SELECT id FROM person WHERE name OPERATOR(contacts.%~) 'Jose Peres';
RESET enable_seqscan;
-- the trigger still normalizes, and still refuses a duplicate
INSERT INTO person VALUES (4, 'maría  LÓPEZ', 'Maria@Example.com', '+34 699 88 77 66');
INSERT INTO person VALUES (5, 'ana  GÓMEZ', 'ANA@example.org', NULL);
-- the restored row is the duplicate the trigger now refuses: undo the merge
-- with it off
ALTER TABLE person DISABLE TRIGGER person_enforce;
SELECT contacts.unmerge(:merge_id);
SELECT id, name, email FROM person ORDER BY id;

\c contrib_regression
SET client_min_messages = warning;
DROP DATABASE contacts_upgrade;
