
-- ---------------------------------------------------------------------------
-- Reports: a dedupe run and a table's health as a page (HTML with inline
-- SVG and CSS, nothing fetched) or as text for psql (block characters in
-- 80 columns).  docs/reports.md.
--
-- dedupe_report reads what the run stored (dedupe_runs, dedupe_pairs,
-- dedupe_clusters) and, for the few sampled pairs, those records by key; it
-- never scans the table.  Every value that comes from data (names in
-- records, column names, examples) goes through html_escape: records are
-- hostile input.  The page is also well-formed XML (every element closed,
-- only the five predefined entities), so XML tools can read it.
-- ---------------------------------------------------------------------------

CREATE FUNCTION @extschema@.html_escape(value text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.regexp_replace(
           pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
               value, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;'),
           '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]', '&#65533;', 'g')
$$;

COMMENT ON FUNCTION @extschema@.html_escape(text) IS
'value as HTML (and XML) text or attribute content: & < > " and '' escaped, control characters replaced by &#65533; (U+FFFD); ASCII out, whatever the database encoding';

-- The characters the text form draws with: block elements where the
-- database encoding has them (UTF-8), else ASCII.  (PL/pgSQL: an
-- expression is planned only when reached, so chr(9608) is never
-- evaluated in a LATIN1 database.)
CREATE FUNCTION @extschema@.report_glyphs()
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF getdatabaseencoding() = 'UTF8' THEN
        -- full, light, medium, dark shade, then 1/8 .. 7/8 of a cell
        RETURN ARRAY[chr(9608), chr(9617), chr(9618), chr(9619),
                     chr(9615), chr(9614), chr(9613), chr(9612), chr(9611), chr(9610), chr(9609)];
    END IF;
    RETURN ARRAY['#', '.', ':', '=', '', '', '', '#', '#', '#', '#'];
END;
$$;

COMMENT ON FUNCTION @extschema@.report_glyphs() IS
'The characters of the reports'' text form: full block, light, medium and dark shade, then seven partial blocks of 1/8 to 7/8; block elements in a UTF-8 database, ASCII (#, ., :, =) in any other';

CREATE FUNCTION @extschema@.text_bar(value float8, scale float8, width integer)
RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT pg_catalog.repeat(g[1], (e / 8)::integer) || CASE WHEN e % 8 = 0 THEN '' ELSE g[4 + (e % 8)::integer] END
  FROM @extschema@.report_glyphs() g, (SELECT pg_catalog.round(CASE WHEN scale > 0 THEN LEAST(GREATEST(value / scale * width, 0), width) ELSE 0 END * 8)::bigint AS e) x
$$;

COMMENT ON FUNCTION @extschema@.text_bar(float8, float8, integer) IS
'A bar of block characters (report_glyphs), value/scale of width cells long, to an eighth of a cell; used by the text form of the reports';

CREATE FUNCTION @extschema@.report_diff(a text, b text, html boolean DEFAULT true)
RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    la  integer := coalesce(length(a), 0);
    lb  integer := coalesce(length(b), 0);
    pre integer := 0;
    suf integer := 0;
    res text[] := '{}';
    v   text;
    l   integer;
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN ARRAY[CASE WHEN html THEN @extschema@.html_escape(a) ELSE a END,
                     CASE WHEN html THEN @extschema@.html_escape(b) ELSE b END];
    END IF;
    WHILE pre < la AND pre < lb AND substr(a, pre + 1, 1) = substr(b, pre + 1, 1) LOOP
        pre := pre + 1;
    END LOOP;
    WHILE suf < la - pre AND suf < lb - pre AND substr(a, la - suf, 1) = substr(b, lb - suf, 1) LOOP
        suf := suf + 1;
    END LOOP;
    FOREACH v IN ARRAY ARRAY[a, b] LOOP
        l := length(v);
        IF l - pre - suf = 0 THEN
            res := res || CASE WHEN html THEN @extschema@.html_escape(v) ELSE v END;
        ELSIF html THEN
            res := res || (@extschema@.html_escape(substr(v, 1, pre)) || '<mark>'
                           || @extschema@.html_escape(substr(v, pre + 1, l - pre - suf)) || '</mark>'
                           || @extschema@.html_escape(substr(v, l - suf + 1)));
        ELSE
            res := res || (substr(v, 1, pre) || '[' || substr(v, pre + 1, l - pre - suf) || ']'
                           || substr(v, l - suf + 1));
        END IF;
    END LOOP;
    RETURN res;
END;
$$;

COMMENT ON FUNCTION @extschema@.report_diff(text, text, boolean) IS
'The two values with the part where they differ (between their common prefix and suffix) marked: <mark> in escaped HTML, or [brackets] in text; the reports show compared records with it';

-- The style both pages share.
CREATE FUNCTION @extschema@.report_page(title text, body text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT '<!DOCTYPE html>' || E'\n'
    || '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><meta charset="utf-8"/>'
    || '<title>' || @extschema@.html_escape(title) || '</title><style>'
    || 'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}'
    || 'h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;margin-top:32px}'
    || 'h3{font-size:15px;margin:16px 0 4px}'
    || 'table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;vertical-align:top}'
    || 'td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}tr.run td{font-weight:bold;background:#fff3e0}'
    || 'svg{display:block;margin:6px 0}svg text{font:11px system-ui,sans-serif;fill:#333}'
    || '.agree{fill:#2e7d32}.disagree{fill:#c62828}.count{fill:#1565c0}.step-up{fill:#43a047}.step-down{fill:#e53935}'
    || '.total{fill:#6a1b9a}.prior{fill:#757575}.axis{stroke:#444;stroke-width:1}.threshold{stroke:#ff6f00;stroke-width:2}'
    || '.seg-valid{fill:#43a047}.seg-invalid{fill:#e53935}.seg-not-normalized{fill:#fb8c00}.seg-missing{fill:#bdbdbd}'
    || 'mark{background:#ffe082}.muted{color:#777}.pair{margin:16px 0;padding:8px;border:1px solid #eee}'
    || '.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}'
    || '</style></head><body>' || body || '</body></html>' || E'\n'
$$;

COMMENT ON FUNCTION @extschema@.report_page(text, text) IS
'A report page around the given HTML body: title and the inline style the reports share, nothing loaded from elsewhere';

-- Number formats of the reports.
CREATE FUNCTION @extschema@.report_num(value float8, digits integer DEFAULT 2)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE WHEN value IS NULL THEN '-' WHEN value = 'NaN'::float8 THEN 'NaN'
            WHEN value = 'Infinity'::float8 THEN 'inf' WHEN value = '-Infinity'::float8 THEN '-inf'
            ELSE pg_catalog.round(value::numeric, digits)::text END
$$;

COMMENT ON FUNCTION @extschema@.report_num(float8, integer) IS
'value rounded to digits decimals for the reports (''-'' for NULL)';

CREATE FUNCTION @extschema@.dedupe_report(run_id bigint, format text DEFAULT 'html')
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r        @extschema@.dedupe_runs;
    key_col  name;
    html     boolean;
    o        text := '';
    f        record;
    l        record;
    p        record;
    wmax     float8;
    y        integer;
    n        integer;
    x0       float8;
    x1       float8;
    lo       float8;
    hi       float8;
    sc       float8;
    cmax     float8;
    tw       float8;
    prior_w  float8;
    cum      float8;
    cols     text[];
    pairs    jsonb;
    recs     jsonb := '{}';
    keys     bigint[];
    d        text[];
    bins     jsonb;
    width    float8;
    label    text;
    gl       text[] := @extschema@.report_glyphs();
BEGIN
    IF dedupe_report.format IS NULL OR dedupe_report.format NOT IN ('html', 'text') THEN
        RAISE EXCEPTION 'unknown report format "%"', dedupe_report.format
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use format => ''html'' or ''text''.';
    END IF;
    html := dedupe_report.format = 'html';
    SELECT * INTO r FROM @extschema@.dedupe_runs d WHERE d.run_id = dedupe_report.run_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'dedupe run % does not exist', run_id
            USING ERRCODE = 'undefined_object',
                  HINT = 'contacts.dedupe_runs lists the runs of the tables you may read.';
    END IF;
    PERFORM @extschema@.require_privileges(r.tbl, 'SELECT', 'report on');
    IF r.finished_at IS NULL OR r.weight_histogram IS NULL THEN
        RAISE EXCEPTION 'dedupe run % has no report', run_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'The run did not finish, or was made by a version that kept no histogram.',
                  HINT = 'Run contacts.dedupe_run() again.';
    END IF;
    SELECT c.key_column INTO key_col FROM @extschema@.table_config c WHERE c.tbl = r.tbl;
    prior_w := log(2::numeric, ((r.model->>'prior')::float8 / (1 - (r.model->>'prior')::float8))::numeric)::float8;
    tw := log(2::numeric, (r.threshold / (1 - r.threshold))::numeric)::float8;

    -- heading and summary
    IF html THEN
        o := o || format('<h1>Dedupe run %s of %s</h1><p class="summary" data-records="%s" data-candidate-pairs="%s" '
                         'data-pairs-above="%s" data-clusters="%s">%s records, %s candidate pairs compared '
                         '(reduction ratio %s), %s pairs at or above the threshold %s, %s clusters of %s records, '
                         '%s flagged; finished %s.</p>',
                         r.run_id, @extschema@.html_escape(r.tbl::text), r.records, r.candidate_pairs,
                         r.pairs_above_threshold, r.clusters, r.records, r.candidate_pairs,
                         @extschema@.report_num(r.reduction_ratio, 6), r.pairs_above_threshold,
                         @extschema@.report_num(r.threshold, 4), r.clusters, r.records_in_clusters,
                         r.flagged_clusters, @extschema@.html_escape(to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')));
    ELSE
        o := o || format('DEDUPE RUN %s OF %s', r.run_id, r.tbl::text)
               || format(E'\n%s records, %s candidate pairs compared (reduction ratio %s),',
                         r.records, r.candidate_pairs, @extschema@.report_num(r.reduction_ratio, 6))
               || format(E'\n%s pairs at or above the threshold %s, %s clusters of %s records, %s flagged.',
                         r.pairs_above_threshold, @extschema@.report_num(r.threshold, 4), r.clusters,
                         r.records_in_clusters, r.flagged_clusters);
    END IF;

    -- the model: each level's weight, agreement right and disagreement left
    SELECT greatest(1, max(abs((lv->>'weight')::float8))) INTO wmax
      FROM jsonb_each(r.model->'fields') e, jsonb_array_elements(e.value->'levels') lv;
    IF html THEN
        o := o || format('<section id="model"><h2>Model</h2><p>Match weight (log<sub>2</sub> of m/u) of each '
                         'comparison level; agreement to the right, disagreement to the left; m and u on hover. '
                         'Prior: %s (%s bits).</p>', @extschema@.report_num((r.model->>'prior')::float8, 6),
                         @extschema@.report_num(prior_w));
    ELSE
        o := o || format(E'\n\nMODEL: match weight of each level in bits (prior %s = %s bits)',
                         @extschema@.report_num((r.model->>'prior')::float8, 6), @extschema@.report_num(prior_w));
    END IF;
    FOR f IN SELECT e.key AS col, e.value AS fm FROM jsonb_each(r.model->'fields') e ORDER BY e.key LOOP
        n := jsonb_array_length(f.fm->'levels');
        IF html THEN
            o := o || format('<h3>%s <span class="muted">(%s%s)</span></h3><svg class="chart model" data-column="%s" '
                             'width="720" height="%s" viewBox="0 0 720 %s" xmlns="http://www.w3.org/2000/svg">'
                             '<line class="axis" x1="460" y1="0" x2="460" y2="%s"/>',
                             @extschema@.html_escape(f.col), @extschema@.html_escape(f.fm->>'kind'),
                             CASE WHEN (f.fm->>'fixed')::boolean THEN ', fixed' ELSE '' END,
                             @extschema@.html_escape(f.col), n * 20 + 4, n * 20 + 4, n * 20 + 4);
        ELSE
            o := o || E'\n' || f.col || ' (' || (f.fm->>'kind') || ')';
        END IF;
        FOR l IN SELECT ord, lv->>'level' AS level, (lv->>'m')::float8 AS m, (lv->>'u')::float8 AS u,
                        (lv->>'weight')::float8 AS w
                   FROM jsonb_array_elements(f.fm->'levels') WITH ORDINALITY x(lv, ord) ORDER BY ord LOOP
            IF html THEN
                y := (l.ord::integer - 1) * 20 + 2;
                o := o || format('<text x="4" y="%s">%s</text><rect class="bar %s" x="%s" y="%s" width="%s" height="15">'
                                 '<title>%s: weight %s bits, m = %s, u = %s</title></rect><text x="%s" y="%s"%s>%s</text>',
                                 y + 12, @extschema@.html_escape(l.level),
                                 CASE WHEN l.w >= 0 THEN 'agree' ELSE 'disagree' END,
                                 round((460 + least(l.w, 0) / wmax * 200)::numeric, 1), y,
                                 round((abs(l.w) / wmax * 200)::numeric, 1),
                                 @extschema@.html_escape(l.level), @extschema@.report_num(l.w),
                                 @extschema@.report_num(l.m, 6), @extschema@.report_num(l.u, 6),
                                 round((460 + l.w / wmax * 200 + CASE WHEN l.w >= 0 THEN 4 ELSE -4 END)::numeric, 1),
                                 y + 12, CASE WHEN l.w < 0 THEN ' text-anchor="end"' ELSE '' END,
                                 @extschema@.report_num(l.w));
            ELSE
                -- 22 cells of label, 23 left of the axis, 23 right, the weight
                o := o || E'\n  ' || rpad(l.level, 22)
                       || lpad(repeat(gl[2], round(greatest(-l.w, 0) / wmax * 23)::integer), 23) || '|'
                       || rpad(@extschema@.text_bar(greatest(l.w, 0), wmax, 23), 23)
                       || lpad(@extschema@.report_num(l.w), 8);
            END IF;
        END LOOP;
        IF html THEN
            o := o || '</svg>';
        END IF;
    END LOOP;
    IF html THEN
        o := o || '</section>';
    END IF;

    -- the histogram of every candidate pair's weight, log count
    bins := r.weight_histogram->'bins';
    SELECT min((b->>'from')::float8), max((b->>'to')::float8), max((b->>'pairs')::float8)
      INTO lo, hi, cmax FROM jsonb_array_elements(bins) b;
    cmax := coalesce(cmax, 0);
    lo := floor(least(coalesce(lo, tw - 1), tw - 1));
    hi := ceil(greatest(coalesce(hi, tw + 1), tw + 1));
    IF html THEN
        sc := 640 / (hi - lo);
        o := o || format('<section id="histogram" data-pairs="%s"><h2>Candidate pairs by match weight</h2>'
                         '<p>Every compared pair, by total match weight (bins of %s bits; height: log of the count). '
                         'The line is the threshold %s (weight %s).</p>'
                         '<svg class="chart histogram" width="720" height="230" viewBox="0 0 720 230" '
                         'xmlns="http://www.w3.org/2000/svg"><line class="axis" x1="40" y1="180" x2="690" y2="180"/>',
                         r.candidate_pairs, r.weight_histogram->>'bin_width', @extschema@.report_num(r.threshold, 4),
                         @extschema@.report_num(tw));
        FOR p IN SELECT (b->>'from')::float8 AS x0, (b->>'to')::float8 AS x1, (b->>'pairs')::bigint AS n
                   FROM jsonb_array_elements(bins) b LOOP
            o := o || format('<rect class="bar count" x="%s" y="%s" width="%s" height="%s" data-pairs="%s">'
                             '<title>weight %s to %s (probability %s to %s): %s pairs</title></rect>',
                             round((40 + (p.x0 - lo) * sc)::numeric, 1),
                             round((180 - 170 * ln(1 + p.n) / ln(1 + cmax))::numeric, 1),
                             round(greatest((p.x1 - p.x0) * sc - 1, 1)::numeric, 1),
                             round((170 * ln(1 + p.n) / ln(1 + cmax))::numeric, 1), p.n,
                             p.x0, p.x1, @extschema@.report_num(1 / (1 + 2 ^ (-p.x0)), 4),
                             @extschema@.report_num(1 / (1 + 2 ^ (-p.x1)), 4), p.n);
        END LOOP;
        FOR n IN SELECT g FROM generate_series(ceil(lo / 5)::integer * 5, floor(hi)::integer, 5) g LOOP
            o := o || format('<text x="%s" y="196" text-anchor="middle">%s</text><text x="%s" y="210" '
                             'text-anchor="middle" class="muted">%s</text>',
                             round((40 + (n - lo) * sc)::numeric, 1), n, round((40 + (n - lo) * sc)::numeric, 1),
                             @extschema@.report_num(1 / (1 + 2 ^ (-n::float8)), 3));
        END LOOP;
        o := o || format('<text x="4" y="196">weight</text><text x="4" y="210">p</text>'
                         '<line class="threshold" x1="%s" y1="4" x2="%s" y2="184"><title>threshold %s</title></line>'
                         '<text x="%s" y="14">threshold %s</text></svg>',
                         round((40 + (tw - lo) * sc)::numeric, 1), round((40 + (tw - lo) * sc)::numeric, 1),
                         @extschema@.report_num(r.threshold, 4), round((44 + (tw - lo) * sc)::numeric, 1),
                         @extschema@.report_num(r.threshold, 4));
        o := o || '<table id="thresholds"><tr><th class="n">threshold</th><th class="n">pairs</th><th class="n">clusters</th></tr>';
        FOR p IN SELECT (t->>'threshold')::float8 AS t, t->>'pairs' AS pairs, t->>'clusters' AS clusters
                   FROM jsonb_array_elements(r.nearby_thresholds) t LOOP
            o := o || format('<tr%s><td class="n">%s</td><td class="n">%s</td><td class="n">%s</td></tr>',
                             CASE WHEN p.t = r.threshold THEN ' class="run"' ELSE '' END,
                             @extschema@.report_num(p.t, 4), p.pairs, coalesce(p.clusters, 'not counted'));
        END LOOP;
        o := o || '</table></section>';
    ELSE
        -- at most 30 rows: bins merged to a width of whole half bits
        width := greatest(0.5, ceil((hi - lo) / 30 * 2) / 2);
        o := o || format(E'\n\nCANDIDATE PAIRS BY MATCH WEIGHT (%s pairs; bar: log of the count)', r.candidate_pairs)
               || E'\n  weight          probability            ' || rpad('', 25) || '   pairs';
        FOR p IN SELECT lo + g * width AS x0, lo + (g + 1) * width AS x1,
                        coalesce(sum((b->>'pairs')::bigint), 0) AS n
                   FROM generate_series(0, ceil((hi - lo) / width)::integer - 1) g
                   LEFT JOIN jsonb_array_elements(bins) b
                          ON (b->>'from')::float8 >= lo + g * width AND (b->>'from')::float8 < lo + (g + 1) * width
                  GROUP BY g ORDER BY g LOOP
            o := o || E'\n  ' || lpad(p.x0::text, 5) || ' to ' || lpad(p.x1::text, 5) || '  '
                   || rpad(@extschema@.report_num(1 / (1 + 2 ^ (-p.x0)), 4) || '-' || @extschema@.report_num(1 / (1 + 2 ^ (-p.x1)), 4), 14)
                   || rpad(@extschema@.text_bar(ln(1 + p.n), ln(1 + cmax), 36), 36) || lpad(p.n::text, 10)
                   || CASE WHEN tw >= p.x0 AND tw < p.x1 THEN ' <' ELSE '' END;
        END LOOP;
        o := o || E'\n  (< threshold ' || @extschema@.report_num(r.threshold, 4) || ', weight ' || @extschema@.report_num(tw) || ')'
               || E'\n\n  threshold       pairs    clusters';
        FOR p IN SELECT (t->>'threshold')::float8 AS t, t->>'pairs' AS pairs, t->>'clusters' AS clusters
                   FROM jsonb_array_elements(r.nearby_thresholds) t LOOP
            o := o || E'\n  ' || rpad(@extschema@.report_num(p.t, 4), 9) || lpad(p.pairs, 12)
                   || lpad(coalesce(p.clusters, 'not counted'), 12) || CASE WHEN p.t = r.threshold THEN '  (this run)' ELSE '' END;
        END LOOP;
    END IF;

    -- blocking rules: pairs in their blocks (the estimate), compared, found
    SELECT greatest(1, max((e.value->>'pairs_in_blocks')::float8)) INTO cmax FROM jsonb_each(r.pairs_by_rule) e;
    IF html THEN
        o := o || format('<section id="blocking"><h2>Blocking rules</h2><p>Per rule: the pairs its blocks hold '
                         '(estimated from the block sizes), the pairs it compared (those no earlier rule compared), '
                         'and those at or above the threshold among them; bars on a log scale.</p>'
                         '<svg class="chart blocking" width="720" height="%s" viewBox="0 0 720 %s" '
                         'xmlns="http://www.w3.org/2000/svg">',
                         (SELECT count(*) * 50 + 4 FROM jsonb_each(r.pairs_by_rule)),
                         (SELECT count(*) * 50 + 4 FROM jsonb_each(r.pairs_by_rule)));
        y := 2;
        FOR f IN SELECT e.key AS rule, e.value AS v FROM jsonb_each(r.pairs_by_rule) e ORDER BY e.key LOOP
            o := o || format('<text x="4" y="%s">%s</text>', y + 26, @extschema@.html_escape(f.rule));
            n := 0;
            FOREACH label IN ARRAY ARRAY['pairs_in_blocks', 'pairs_compared', 'pairs_found'] LOOP
                o := o || format('<rect class="bar %s" x="170" y="%s" width="%s" height="13"><title>%s: %s</title></rect>'
                                 '<text x="%s" y="%s">%s</text>',
                                 CASE label WHEN 'pairs_found' THEN 'agree' WHEN 'pairs_compared' THEN 'count' ELSE 'prior' END,
                                 y + n * 15, round((440 * ln(1 + coalesce((f.v->>label)::float8, 0)) / ln(1 + cmax))::numeric, 1),
                                 replace(label, '_', ' '), coalesce(f.v->>label, '-'),
                                 round((174 + 440 * ln(1 + coalesce((f.v->>label)::float8, 0)) / ln(1 + cmax))::numeric, 1),
                                 y + n * 15 + 11, coalesce(f.v->>label, '-'));
                n := n + 1;
            END LOOP;
            y := y + 50;
        END LOOP;
        o := o || '</svg><table id="rules"><tr><th>rule</th><th class="n">pairs in blocks</th><th class="n">compared</th>'
               || '<th class="n">blocks skipped</th><th class="n">found</th></tr>';
        FOR f IN SELECT e.key AS rule, e.value AS v FROM jsonb_each(r.pairs_by_rule) e ORDER BY e.key LOOP
            o := o || format('<tr><td>%s</td><td class="n">%s</td><td class="n" data-compared="%s">%s</td><td class="n">%s</td>'
                             '<td class="n" data-found="%s">%s</td></tr>',
                             @extschema@.html_escape(f.rule), f.v->>'pairs_in_blocks', f.v->>'pairs_compared',
                             f.v->>'pairs_compared', f.v->>'blocks_skipped', coalesce(f.v->>'pairs_found', ''),
                             coalesce(f.v->>'pairs_found', '-'));
        END LOOP;
        o := o || '</table></section>';
    ELSE
        o := o || E'\n\nBLOCKING RULES (log scale; in blocks / compared / found)'
               || E'\n  rule              ' || rpad('', 24) || '    in blocks    compared     found';
        FOR f IN SELECT e.key AS rule, e.value AS v FROM jsonb_each(r.pairs_by_rule) e ORDER BY e.key LOOP
            o := o || E'\n  ' || rpad(f.rule, 18)
                   || rpad(@extschema@.text_bar(ln(1 + coalesce((f.v->>'pairs_in_blocks')::float8, 0)), ln(1 + cmax), 24), 24)
                   || lpad(coalesce(f.v->>'pairs_in_blocks', '-'), 13) || lpad(coalesce(f.v->>'pairs_compared', '-'), 12)
                   || lpad(coalesce(f.v->>'pairs_found', '-'), 10)
                   || E'\n  ' || rpad('', 18) || @extschema@.text_bar(ln(1 + coalesce((f.v->>'pairs_compared')::float8, 0)), ln(1 + cmax), 24)
                   || E'\n  ' || rpad('', 18) || @extschema@.text_bar(ln(1 + coalesce((f.v->>'pairs_found')::float8, 0)), ln(1 + cmax), 24);
        END LOOP;
    END IF;

    -- cluster sizes and the flagged clusters
    SELECT greatest(1, max(e.value::float8)) INTO cmax FROM jsonb_each_text(r.cluster_sizes) e;
    IF html THEN
        o := o || format('<section id="clusters" data-clusters="%s" data-flagged="%s"><h2>Clusters</h2>'
                         '<p>%s clusters of %s records by size; %s flagged (the size guard refused %s links into them).</p>'
                         '<svg class="chart clusters" width="720" height="%s" viewBox="0 0 720 %s" xmlns="http://www.w3.org/2000/svg">',
                         r.clusters, r.flagged_clusters, r.clusters, r.records_in_clusters, r.flagged_clusters,
                         r.refused_links, (SELECT count(*) * 20 + 4 FROM jsonb_each(r.cluster_sizes)),
                         (SELECT count(*) * 20 + 4 FROM jsonb_each(r.cluster_sizes)));
        y := 2;
        FOR f IN SELECT e.key AS size, e.value::bigint AS n FROM jsonb_each_text(r.cluster_sizes) e
                  ORDER BY ltrim(e.key, '>=')::integer LOOP
            o := o || format('<text x="4" y="%s">size %s</text><rect class="bar count" x="90" y="%s" width="%s" '
                             'height="15" data-clusters="%s"><title>%s clusters of size %s</title></rect><text x="%s" y="%s">%s</text>',
                             y + 12, @extschema@.html_escape(f.size), y, round(greatest(1, 540 * f.n / cmax)::numeric, 1),
                             f.n, f.n, @extschema@.html_escape(f.size), round((94 + 540 * f.n / cmax)::numeric, 1), y + 12, f.n);
            y := y + 20;
        END LOOP;
        o := o || '</svg>';
    ELSE
        o := o || format(E'\n\nCLUSTERS: %s of %s records, %s flagged', r.clusters, r.records_in_clusters, r.flagged_clusters);
        FOR f IN SELECT e.key AS size, e.value::bigint AS n FROM jsonb_each_text(r.cluster_sizes) e
                  ORDER BY ltrim(e.key, '>=')::integer LOOP
            o := o || E'\n  size ' || rpad(f.size, 6) || rpad(@extschema@.text_bar(f.n, cmax, 55), 55) || lpad(f.n::text, 12);
        END LOOP;
    END IF;
    n := 0;
    FOR f IN SELECT c.cluster_id, max(c.cluster_size) AS size,
                    (array_agg(c.key ORDER BY c.key))[1:12] AS members
               FROM @extschema@.dedupe_clusters c
              WHERE c.run_id = r.run_id AND c.flagged
              GROUP BY c.cluster_id ORDER BY max(c.cluster_size) DESC, c.cluster_id LIMIT 20 LOOP
        IF html THEN
            IF n = 0 THEN
                o := o || format('<h3>Flagged clusters (the %s largest of %s)</h3><table id="flagged">'
                                 '<tr><th class="n">cluster</th><th class="n">size</th><th>records</th></tr>',
                                 least(20, r.flagged_clusters), r.flagged_clusters);
            END IF;
            o := o || format('<tr class="flagged"><td class="n">%s</td><td class="n">%s</td><td>%s%s</td></tr>', f.cluster_id,
                             f.size, array_to_string(f.members, ', '), CASE WHEN f.size > 12 THEN ', ...' ELSE '' END);
        ELSE
            IF n = 0 THEN
                o := o || E'\n  flagged (largest first):';
            END IF;
            o := o || E'\n    cluster ' || f.cluster_id || ' (' || f.size || '): '
                   || left(array_to_string(f.members, ', ') || CASE WHEN f.size > 12 THEN ', ...' ELSE '' END, 50);
        END IF;
        n := n + 1;
    END LOOP;
    IF html THEN
        o := o || CASE WHEN n > 0 THEN '</table>' ELSE '' END || '</section>';
    END IF;

    -- pairs just above and just below the threshold: waterfall and records
    -- (kept by the run: no sort of its pairs)
    SELECT coalesce(jsonb_agg(x.v || jsonb_build_object('side', x.side) ORDER BY x.side, x.ord), '[]') INTO pairs
      FROM (SELECT 'above' AS side, v, ord FROM jsonb_array_elements(r.pairs_near_threshold->'above') WITH ORDINALITY a(v, ord)
            UNION ALL
            SELECT 'below', v, ord FROM jsonb_array_elements(r.pairs_near_threshold->'below') WITH ORDINALITY b(v, ord)) x;
    SELECT array_agg(DISTINCT k) INTO keys
      FROM jsonb_array_elements(pairs) e, LATERAL (VALUES ((e->>'key_a')::bigint), ((e->>'key_b')::bigint)) v(k);
    SELECT array_agg(c ORDER BY c) INTO cols FROM jsonb_object_keys(r.model->'fields') c;
    IF keys IS NOT NULL AND key_col IS NOT NULL THEN
        EXECUTE format('SELECT coalesce(jsonb_object_agg(t.%I::text, jsonb_build_object(%s)), ''{}'') FROM %s t WHERE t.%I = ANY ($1)',
                       key_col, (SELECT string_agg(format('%L, t.%I::text', c, c), ', ') FROM unnest(cols) c),
                       r.tbl, key_col)
           INTO recs USING keys;
    END IF;
    IF html THEN
        o := o || format('<section id="pairs"><h2>Pairs near the threshold</h2><p>The %s weakest pairs at or above '
                         'the threshold and the %s strongest below it: from the prior, each column adds its weight '
                         'to the final match weight and probability. Both records as they are now, '
                         'the differing characters marked.</p>',
                         (SELECT count(*) FROM jsonb_array_elements(pairs) e WHERE e->>'side' = 'above'),
                         (SELECT count(*) FROM jsonb_array_elements(pairs) e WHERE e->>'side' = 'below'));
    ELSE
        o := o || E'\n\nPAIRS NEAR THE THRESHOLD (waterfall from the prior; records as they are now)';
    END IF;
    FOR p IN SELECT e->>'side' AS side, (e->>'key_a')::bigint AS a, (e->>'key_b')::bigint AS b,
                    (e->>'probability')::float8 AS prob, (e->>'weight')::float8 AS w, e->'explanation' AS ex
               FROM jsonb_array_elements(pairs) e LOOP
        -- the waterfall's range: every running sum, 0 and the threshold
        SELECT least(min(s), 0, prior_w, tw) - 1, greatest(max(s), 0, prior_w, tw) + 1 INTO lo, hi
          FROM (SELECT prior_w + sum((v->>'weight')::float8) OVER (ORDER BY k) AS s
                  FROM jsonb_each(p.ex) j(k, v)) s;
        n := (SELECT count(*) FROM jsonb_each(p.ex))::integer;
        IF html THEN
            sc := 420 / (hi - lo);
            o := o || format('<div class="pair %s" data-key-a="%s" data-key-b="%s"><h3>%s and %s: probability %s '
                             '(weight %s), %s the threshold</h3><svg class="chart waterfall" width="720" height="%s" '
                             'viewBox="0 0 720 %s" xmlns="http://www.w3.org/2000/svg"><line class="axis" x1="%s" y1="0" x2="%s" y2="%s"/>'
                             '<line class="threshold" x1="%s" y1="0" x2="%s" y2="%s"><title>threshold</title></line>',
                             p.side, p.a, p.b, p.a, p.b, @extschema@.report_num(p.prob, 4), @extschema@.report_num(p.w),
                             CASE p.side WHEN 'above' THEN 'above' ELSE 'below' END,
                             (n + 2) * 20 + 4, (n + 2) * 20 + 4,
                             round((260 + (0 - lo) * sc)::numeric, 1), round((260 + (0 - lo) * sc)::numeric, 1), (n + 2) * 20 + 4,
                             round((260 + (tw - lo) * sc)::numeric, 1), round((260 + (tw - lo) * sc)::numeric, 1), (n + 2) * 20 + 4);
            o := o || format('<text x="4" y="14">prior</text><rect class="bar prior" x="%s" y="2" width="%s" height="15">'
                             '<title>prior: %s bits</title></rect><text x="200" y="14">%s</text>',
                             round((260 + (least(prior_w, 0) - lo) * sc)::numeric, 1),
                             round(greatest(abs(prior_w) * sc, 1)::numeric, 1), @extschema@.report_num(prior_w),
                             @extschema@.report_num(prior_w));
        ELSE
            o := o || format(E'\n\n  %s and %s: probability %s (weight %s), %s the threshold',
                             p.a, p.b, @extschema@.report_num(p.prob, 4), @extschema@.report_num(p.w), p.side)
                   || E'\n    ' || rpad('prior', 30) || lpad(@extschema@.report_num(prior_w), 7) || ' '
                   || repeat(' ', round((least(prior_w, 0) - lo) / (hi - lo) * 36)::integer)
                   || repeat(gl[3], greatest(1, round(abs(prior_w) / (hi - lo) * 36))::integer);
        END IF;
        cum := prior_w;
        y := 22;
        FOR l IN SELECT j.k AS col, j.v->>'level' AS level, (j.v->>'weight')::float8 AS w
                   FROM jsonb_each(p.ex) j(k, v) ORDER BY j.k LOOP
            x0 := least(cum, cum + l.w);
            x1 := greatest(cum, cum + l.w);
            IF html THEN
                o := o || format('<text x="4" y="%s">%s: %s</text><rect class="bar %s" x="%s" y="%s" width="%s" height="15">'
                                 '<title>%s: %s, %s bits</title></rect><text x="200" y="%s">%s</text>',
                                 y + 12, @extschema@.html_escape(l.col), @extschema@.html_escape(l.level),
                                 CASE WHEN l.w >= 0 THEN 'step-up' ELSE 'step-down' END,
                                 round((260 + (x0 - lo) * sc)::numeric, 1), y,
                                 round(greatest((x1 - x0) * sc, 1)::numeric, 1),
                                 @extschema@.html_escape(l.col), @extschema@.html_escape(l.level),
                                 @extschema@.report_num(l.w), y + 12, @extschema@.report_num(l.w));
            ELSE
                o := o || E'\n    ' || rpad(left(l.col || ': ' || l.level, 30), 30) || lpad(@extschema@.report_num(l.w), 7) || ' '
                       || repeat(' ', round((x0 - lo) / (hi - lo) * 36)::integer)
                       || repeat(CASE WHEN l.w >= 0 THEN gl[1] ELSE gl[2] END,
                                 greatest(CASE WHEN l.w = 0 THEN 0 ELSE 1 END, round((x1 - x0) / (hi - lo) * 36))::integer);
            END IF;
            cum := cum + l.w;
            y := y + 20;
        END LOOP;
        IF html THEN
            o := o || format('<text x="4" y="%s">total: probability %s</text><rect class="bar total" x="%s" y="%s" '
                             'width="%s" height="15"><title>total: %s bits, probability %s</title></rect>'
                             '<text x="200" y="%s">%s</text></svg>',
                             y + 12, @extschema@.report_num(p.prob, 4), round((260 + (least(cum, 0) - lo) * sc)::numeric, 1),
                             y, round(greatest(abs(cum) * sc, 1)::numeric, 1), @extschema@.report_num(cum),
                             @extschema@.report_num(p.prob, 4), y + 12, @extschema@.report_num(cum));
            o := o || format('<table class="records"><tr><th>column</th><th>record %s</th><th>record %s</th></tr>', p.a, p.b);
        ELSE
            o := o || E'\n    ' || rpad('total, probability ' || @extschema@.report_num(p.prob, 4), 30)
                   || lpad(@extschema@.report_num(cum), 7) || ' '
                   || repeat(' ', round((least(cum, 0) - lo) / (hi - lo) * 36)::integer)
                   || repeat(gl[4], greatest(1, round(abs(cum) / (hi - lo) * 36))::integer);
        END IF;
        IF NOT recs ? p.a::text OR NOT recs ? p.b::text THEN
            o := o || CASE WHEN html THEN '<tr><td colspan="3" class="muted">a record of this pair is no longer in the table</td></tr>'
                           ELSE E'\n    (a record of this pair is no longer in the table)' END;
        END IF;
        FOREACH label IN ARRAY coalesce(cols, '{}') LOOP
            d := @extschema@.report_diff(recs->p.a::text->>label, recs->p.b::text->>label, html);
            IF html THEN
                o := o || format('<tr><td>%s</td><td>%s</td><td>%s</td></tr>', @extschema@.html_escape(label),
                                 coalesce(d[1], '<span class="muted">-</span>'), coalesce(d[2], '<span class="muted">-</span>'));
            ELSE
                o := o || E'\n    ' || rpad(left(label, 14), 14) || ' ' || rpad(left(coalesce(d[1], '-'), 29), 29)
                       || ' ' || left(coalesce(d[2], '-'), 29);
            END IF;
        END LOOP;
        IF html THEN
            o := o || '</table></div>';
        END IF;
    END LOOP;
    IF html THEN
        o := o || '</section>';
        RETURN @extschema@.report_page(format('contacts: dedupe run %s of %s', r.run_id, r.tbl::text),
                                       o);
    END IF;
    RETURN o || E'\n';
END;
$$;

COMMENT ON FUNCTION @extschema@.dedupe_report(bigint, text) IS
'Report of a dedupe run from its stored results (never a scan of the table): the model''s level weights, the histogram of candidate pair weights with the pairs and clusters of the thresholds near the run''s, the blocking rules, cluster sizes and flagged clusters, and pairs just above and below the threshold as waterfalls with both records; format html (one self-contained page) or text (80 columns, for psql)';

CREATE FUNCTION @extschema@.health_report(tbl regclass, format text DEFAULT 'html',
    stale_before timestamptz DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    cfg     @extschema@.table_config;
    html    boolean;
    region  text;
    vals    text := '';
    norms   text := '';
    k       record;
    counts  jsonb;
    s       record;
    o       text := '';
    stats   jsonb;
    total   bigint;
    x       float8;
    y       integer;
    i       integer := 0;
    states  text[] := ARRAY['valid', 'invalid', 'not normalized', 'missing'];
    gl      text[] := @extschema@.report_glyphs();
    glyphs  text[] := ARRAY[gl[1], gl[4], gl[3], gl[2]];
    st      text;
    cells   integer;
    used    integer;
BEGIN
    IF health_report.format IS NULL OR health_report.format NOT IN ('html', 'text') THEN
        RAISE EXCEPTION 'unknown report format "%"', health_report.format
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Use format => ''html'' or ''text''.';
    END IF;
    html := health_report.format = 'html';
    PERFORM @extschema@.require_privileges(tbl, 'SELECT', 'report on');
    SELECT * INTO cfg FROM @extschema@.table_config t WHERE t.tbl = health_report.tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'table % is not configured for contacts', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call contacts.configure() for the table first.';
    END IF;
    -- the region of each row, as health() takes it
    SELECT format('coalesce(upper(t.%I::text), %s)', ck.col, quote_nullable(cfg.default_region)) INTO region
      FROM @extschema@.column_kind ck WHERE ck.tbl = health_report.tbl AND ck.kind = 'country';
    region := coalesce(region, quote_nullable(cfg.default_region));

    -- One scan: each configured column's value, reason and normal form, by
    -- the expressions health() and imports use; a value is missing (NULL
    -- or blank), invalid (a reason), not normalized or valid.
    FOR k IN SELECT ck.col, ck.kind FROM @extschema@.column_kind ck
              WHERE ck.tbl = health_report.tbl ORDER BY ck.col LOOP
        i := i + 1;
        vals := vals || format('%s(%s, t.%I::text, %s)', CASE WHEN i > 1 THEN ', ' ELSE '' END, i, k.col,
                               @extschema@.kind_check_sql(k.kind, format('t.%I::text', k.col), region));
        -- the normal form of valid values only (normalizing an invalid one may fail)
        norms := norms || format(' WHEN %s THEN %s', i,
                                 CASE WHEN k.kind IN ('email', 'phone', 'national_id', 'given_name', 'family_name',
                                                      'full_name', 'company')
                                      THEN @extschema@.kind_normalize_sql(k.kind, 'v.x', region)
                                      ELSE 'v.x' END);
    END LOOP;
    IF i = 0 THEN
        RAISE EXCEPTION 'table % has no configured columns', tbl
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Name the columns'' kinds in contacts.configure().';
    END IF;
    EXECUTE format('SELECT coalesce(jsonb_agg(jsonb_build_object(''c'', c, ''s'', s, ''r'', r, ''n'', n, ''x'', x)), ''[]'') '
                   'FROM (SELECT c, s, r, count(*) AS n, '
                   '             min(x COLLATE "C") FILTER (WHERE s IN (''invalid'', ''not normalized'')) AS x FROM ('
                   '  SELECT v.c, CASE WHEN NULLIF(btrim(v.x), '''') IS NULL THEN ''missing'' '
                   '                   WHEN v.r IS NOT NULL THEN ''invalid'' '
                   '                   WHEN v.x IS DISTINCT FROM w.n THEN ''not normalized'' ELSE ''valid'' END AS s, '
                   '         CASE WHEN NULLIF(btrim(v.x), '''') IS NOT NULL THEN v.r END AS r, v.x '
                   '    FROM %1$s t, LATERAL (VALUES %2$s) AS v(c, x, r), '
                   '         LATERAL (SELECT CASE WHEN v.r IS NULL AND v.x IS NOT NULL THEN CASE v.c %3$s END END) AS w(n)) y '
                   'GROUP BY c, s, r) z',
                   tbl, vals, norms)
       INTO stats;
    -- every row has a value (or none) in the first column
    SELECT coalesce(sum((e->>'n')::bigint), 0) INTO total FROM jsonb_array_elements(stats) e WHERE (e->>'c')::integer = 1;

    IF html THEN
        o := o || format('<h1>Health of %s</h1><p class="summary" data-rows="%s">%s rows; per configured column: valid, '
                         'invalid, not in normal form and missing values, with the commonest reasons and an example each.</p>'
                         '<p class="legend"><span class="seg-valid" style="background:#43a047"></span>valid'
                         '<span style="background:#e53935"></span>invalid<span style="background:#fb8c00"></span>not normalized'
                         '<span style="background:#bdbdbd"></span>missing</p><section id="columns"><h2>Columns</h2>',
                         @extschema@.html_escape(tbl::text), total, total);
    ELSE
        o := o || format('HEALTH OF %s: %s rows', tbl::text, total)
               || E'\n' || format('  %s valid  %s invalid  %s not normalized  %s missing',
                                  glyphs[1], glyphs[2], glyphs[3], glyphs[4]);
    END IF;
    i := 0;
    FOR k IN SELECT ck.col, ck.kind, ck.required FROM @extschema@.column_kind ck
              WHERE ck.tbl = health_report.tbl ORDER BY ck.col LOOP
        i := i + 1;
        SELECT jsonb_object_agg(q.s, q.n) INTO counts
          FROM (SELECT e->>'s' AS s, sum((e->>'n')::bigint) AS n FROM jsonb_array_elements(stats) e
                 WHERE (e->>'c')::integer = i GROUP BY 1) q;
        IF html THEN
            o := o || format('<h3>%s <span class="muted">(%s%s)</span></h3><svg class="chart health" data-column="%s" '
                             'width="720" height="24" viewBox="0 0 720 24" xmlns="http://www.w3.org/2000/svg">',
                             @extschema@.html_escape(k.col), @extschema@.html_escape(k.kind),
                             CASE WHEN k.required THEN ', required' ELSE '' END, @extschema@.html_escape(k.col));
            x := 0;
            FOREACH st IN ARRAY states LOOP
                IF coalesce((counts->>st)::bigint, 0) > 0 THEN
                    o := o || format('<rect class="bar seg-%s" x="%s" y="2" width="%s" height="18" data-state="%s" data-rows="%s">'
                                     '<title>%s: %s of %s (%s%%)</title></rect>',
                                     replace(st, ' ', '-'), round(x::numeric, 1),
                                     round((700.0 * (counts->>st)::bigint / greatest(total, 1))::numeric, 1),
                                     st, counts->>st, st, counts->>st, total,
                                     round(100.0 * (counts->>st)::bigint / greatest(total, 1), 1));
                    x := x + 700.0 * (counts->>st)::bigint / greatest(total, 1);
                END IF;
            END LOOP;
            o := o || '</svg><table class="counts"><tr>';
            FOREACH st IN ARRAY states LOOP
                o := o || format('<td>%s: <b>%s</b></td>', st, coalesce(counts->>st, '0'));
            END LOOP;
            o := o || '</tr></table>';
        ELSE
            o := o || E'\n' || rpad(left(k.col || ' (' || k.kind || ')', 23), 24);
            used := 0;
            FOREACH st IN ARRAY states LOOP
                cells := round(54.0 * coalesce((counts->>st)::bigint, 0) / greatest(total, 1))::integer;
                cells := least(cells, 54 - used);
                IF cells = 0 AND coalesce((counts->>st)::bigint, 0) > 0 AND used < 54 THEN
                    cells := 1;
                END IF;
                o := o || repeat(glyphs[array_position(states, st)], cells);
                used := used + cells;
            END LOOP;
            o := o || E'\n  ' || format('%s valid, %s invalid, %s not normalized, %s missing',
                                        coalesce(counts->>'valid', '0'), coalesce(counts->>'invalid', '0'),
                                        coalesce(counts->>'not normalized', '0'), coalesce(counts->>'missing', '0'));
        END IF;
        y := 0;
        FOR s IN SELECT coalesce(e->>'r', e->>'s') AS reason, (e->>'n')::bigint AS n, e->>'x' AS example
                   FROM jsonb_array_elements(stats) e
                  WHERE (e->>'c')::integer = i AND e->>'s' IN ('invalid', 'not normalized')
                  ORDER BY (e->>'n')::bigint DESC, 1 LIMIT 5 LOOP
            IF html THEN
                o := o || CASE WHEN y = 0 THEN '<table class="reasons"><tr><th>reason</th><th class="n">rows</th><th>example</th></tr>' ELSE '' END
                       || format('<tr><td>%s</td><td class="n">%s</td><td>%s</td></tr>', @extschema@.html_escape(s.reason),
                                 s.n, @extschema@.html_escape(s.example));
            ELSE
                o := o || E'\n    ' || rpad(left(s.reason, 24), 24) || lpad(s.n::text, 10) || '  e.g. ' || left(s.example, 34);
            END IF;
            y := y + 1;
        END LOOP;
        IF html AND y > 0 THEN
            o := o || '</table>';
        END IF;
    END LOOP;

    -- and health()'s checks, as it reports them
    IF html THEN
        o := o || '</section><section id="checks"><h2>Checks</h2><table><tr><th>check</th><th>column</th>'
               || '<th class="n">affected</th><th class="n">rate</th><th>example</th></tr>';
    ELSE
        o := o || E'\n\nCHECKS (contacts.health)';
    END IF;
    FOR s IN SELECT * FROM @extschema@.health(tbl, stale_before) LOOP
        IF html THEN
            o := o || format('<tr class="check" data-affected="%s"><td>%s</td><td>%s</td><td class="n">%s</td><td class="n">%s</td><td>%s</td></tr>',
                             s.affected, @extschema@.html_escape(s.check_name), @extschema@.html_escape(s.column_name),
                             s.affected, coalesce(s.rate::text, '-'), coalesce(@extschema@.html_escape(s.example), ''));
        ELSE
            o := o || E'\n  ' || rpad(left(s.check_name || ' ' || s.column_name, 34), 34) || lpad(s.affected::text, 10)
                   || lpad(coalesce(s.rate::text, '-'), 8) || '  ' || left(coalesce(s.example, ''), 24);
        END IF;
    END LOOP;
    IF html THEN
        o := o || '</table></section>';
        RETURN @extschema@.report_page(format('contacts: health of %s', tbl::text), o);
    END IF;
    RETURN o || E'\n';
END;
$$;

COMMENT ON FUNCTION @extschema@.health_report(regclass, text, timestamptz) IS
'Report of a configured table''s data quality: per column, valid, invalid, not normalized and missing values as stacked bars with the commonest reasons and an example each, then the checks of contacts.health(); format html (one self-contained page) or text (80 columns, for psql)';
