-- Issue 16, the RUM experiment: the search statement matched through a RUM index (positions in the index, so `@@`
-- needs no heap recheck) beside today's GIN index, on a database kept by bench/search.sh --postgres --keep-db.
--   psql "$DB" -v n=40 -f bench/pgsearch-rum.sql          (n: queries per class; needs the postgresql-15-rum package)
-- Setup (once; idempotent): the rum extension, a "Length" column (lexemes of the part, not toasted) and a RUM index.
-- The RUM index is on the expression ("Terms" || ''::tsvector), the same vector, so that a statement chooses its index
-- by how it is written: "Terms" @@ q can only use the GIN index, ("Terms" || ''::tsvector) @@ q only the RUM one.
-- Both read the same heap and TOAST, and the queries run interleaved (each query under every mode in turn).
-- Drop after: DROP INDEX rum_terms; ALTER TABLE "SearchParts" DROP COLUMN "Length"; DROP TABLE rum_q, rum_result;
\timing on
SET jit = off;
CREATE EXTENSION IF NOT EXISTS rum;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'SearchParts' AND column_name = 'Length') THEN
    ALTER TABLE "SearchParts" ADD COLUMN "Length" integer;
    UPDATE "SearchParts" SET "Length" = length("Terms");
  END IF;
END $$;
VACUUM ANALYZE "SearchParts";
SET maintenance_work_mem = '256MB';
\echo === RUM index build (skipped when present)
CREATE INDEX IF NOT EXISTS rum_terms ON "SearchParts" USING rum (("Terms" || ''::tsvector) rum_tsvector_ops);
ANALYZE "SearchParts";
SELECT c.relname, round(pg_relation_size(c.oid) / 1e6, 1) AS mb FROM pg_class c
WHERE c.relname IN ('IX_SearchParts_Terms', 'rum_terms', 'SearchParts', 'SearchEntries')
UNION ALL SELECT 'SearchParts TOAST', round(pg_relation_size(reltoastrelid) / 1e6, 1) FROM pg_class WHERE relname = 'SearchParts'
UNION ALL SELECT 'total SearchParts+SearchEntries (with both indexes)', round((pg_total_relation_size('"SearchParts"') + pg_total_relation_size('"SearchEntries"')) / 1e6, 1);

-- The app's query for a run of CJK characters (ClausePlan.Thin + TsQuery.Phrase): bigrams at character positions,
-- a bigram kept where it starts at or after the end of the last kept one, and the last one always.
CREATE OR REPLACE FUNCTION rum_phrase(s text) RETURNS tsquery LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE q text := ''; covered int := -1; last_kept int := -1; i int; n int := char_length(s);
BEGIN
  FOR i IN 0 .. n - 2 LOOP
    IF i >= covered OR i = n - 2 THEN
      IF last_kept >= 0 THEN q := q || CASE WHEN i - last_kept = 1 THEN ' <-> ' ELSE format(' <%s> ', i - last_kept) END; END IF;
      q := q || quote_literal(substr(s, i + 1, 2));
      covered := i + 2; last_kept := i;
    END IF;
  END LOOP;
  RETURN q::tsquery;
END $$;

-- Queries as bench/search.sh draws them: 1–3 pieces of 3–4 CJK characters; one piece of 6–10; one of 3–4 with a category.
DROP TABLE IF EXISTS rum_q;
CREATE TABLE rum_q (cls text, qid int, grp int, piece text, q tsquery, cat text);
SELECT setseed(0.16), set_config('rum.n', :'n', false);
DO $$
DECLARE c text; k int; g int; groups int; len int; piece text; cats text[];
BEGIN
  SELECT array_agg(DISTINCT "Category") INTO cats FROM "SearchEntries";
  FOREACH c IN ARRAY ARRAY['terms', 'phrase', 'facet'] LOOP
    FOR k IN 1 .. current_setting('rum.n')::int LOOP
      groups := CASE WHEN c = 'terms' THEN 1 + floor(random() * 3)::int ELSE 1 END;
      FOR g IN 1 .. groups LOOP
        LOOP
          len := CASE WHEN c = 'phrase' THEN 6 + floor(random() * 5)::int ELSE 3 + floor(random() * 2)::int END;
          SELECT substr(t, 1 + floor(random() * greatest(char_length(t) - len, 1))::int, len) INTO piece
          FROM "SearchParts" p, unnest(p."Texts") t WHERE p."DocumentId" = 1 + floor(random() * 10000)::int AND p."Page" > 0 LIMIT 1;
          EXIT WHEN piece ~ ('^[一-鿿]{' || len || '}$');
        END LOOP;
        INSERT INTO rum_q VALUES (c, k, g, piece, rum_phrase(piece), CASE WHEN c = 'facet' THEN cats[1 + floor(random() * array_length(cats, 1))::int] END);
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

-- The search statement (match, score, total, two facets over at most 10,000 matches, top 20), as
-- PostgresSearchIndex.SearchCommand writes it, without the highlighting that follows it. Modes:
--   gin_tsrank  today: GIN match, per group max(weight * ts_rank(Terms, q, 1)) (reads every matching vector)
--   rum_tsrank  the same statement matched through RUM (no recheck; ts_rank still reads every matching vector)
--   gin_length  GIN match, score from the Length column (the format-3 rank: 0.1 / log2(length + 1), title ×4)
--   rum_length  RUM match and the Length rank: no vector read at all
--   rum_order   RUM match for total and facets; top 20 parts by RUM's own order (Terms <=> q, ts_rank_cd-like,
--               without length normalization); one group only (else as rum_length)
CREATE OR REPLACE FUNCTION rum_stmt(mode text, qs tsquery[], cat text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text := CASE WHEN mode LIKE 'rum%' THEN '(p."Terms" || ''''::tsvector)' ELSE 'p."Terms"' END;
  w text := 'CASE WHEN p."Page" = 0 THEN 4 ELSE 1 END';
  hits text; i int; n int := array_length(qs, 1); catf text := CASE WHEN cat IS NULL THEN 'TRUE' ELSE format('m."Category" = %L', cat) END;
  top text;
BEGIN
  IF mode LIKE '%tsrank' THEN
    hits := 'SELECT p."DocumentId" AS id';
    FOR i IN 1 .. n LOOP
      hits := hits || CASE WHEN n = 1 THEN format(', max(%s * ts_rank(p."Terms", %L::tsquery, 1)) AS s%s', w, qs[i], i)
        ELSE format(', max(CASE WHEN %s @@ %L::tsquery THEN %s * ts_rank(p."Terms", %L::tsquery, 1) END) AS s%s', v, qs[i], w, qs[i], i) END;
    END LOOP;
    hits := hits || format(' FROM "SearchParts" p WHERE %s @@ %L::tsquery GROUP BY 1', v, (SELECT string_agg('(' || x::text || ')', ' | ') FROM unnest(qs) x)::tsquery);
    hits := 'SELECT id, ' || (SELECT string_agg('s' || gi, ' + ') FROM generate_series(1, n) gi) || ' AS score FROM (' || hits || ') h WHERE '
      || (SELECT string_agg('s' || gi || ' IS NOT NULL', ' AND ') FROM generate_series(1, n) gi);
  ELSE
    -- one index scan per group, joined on the document: no part is tested twice, no vector is read
    hits := '';
    FOR i IN 1 .. n LOOP
      hits := hits || CASE WHEN i > 1 THEN ' JOIN ' ELSE '' END
        || format('(SELECT p."DocumentId" AS id, max(%s * 0.1 / log(2, p."Length" + 1)) AS s FROM "SearchParts" p WHERE %s @@ %L::tsquery GROUP BY 1) g%s', w, v, qs[i], i)
        || CASE WHEN i > 1 THEN format(' ON g%s.id = g1.id', i) ELSE '' END;
    END LOOP;
    hits := 'SELECT g1.id, ' || (SELECT string_agg('g' || gi || '.s', ' + ') FROM generate_series(1, n) gi) || ' AS score FROM ' || hits;
  END IF;
  top := format('(SELECT ''h'', m."DocumentId" FROM m WHERE %s ORDER BY m.score DESC, m."DocumentId" LIMIT 20)', catf);
  IF mode = 'rum_order' AND n = 1 THEN
    top := format('(SELECT ''h'', p."DocumentId" FROM "SearchParts" p JOIN "SearchEntries" m ON m."DocumentId" = p."DocumentId" WHERE %s @@ %L::tsquery AND %s ORDER BY %s <=> %L::tsquery LIMIT 20)',
      v, qs[1], catf, v, qs[1]);
  END IF;
  RETURN format($f$WITH m AS MATERIALIZED (SELECT e."DocumentId", e."Category", e."Format", e."Price", e."PageCount", e."CreatedAt", e."Downloads", h.score::float8 AS score
      FROM (%s) h JOIN "SearchEntries" e ON e."DocumentId" = h.id)
    SELECT 't' AS k, count(*) FILTER (WHERE %s) AS v FROM m
    UNION ALL SELECT 'c', count(*) FROM (SELECT m."Category" FROM (SELECT * FROM m LIMIT 10000) m GROUP BY 1) x
    UNION ALL SELECT 'f', count(*) FROM (SELECT m."Format" FROM (SELECT * FROM m WHERE %s LIMIT 10000) m GROUP BY 1) x
    UNION ALL %s$f$, hits, catf, catf, top);
END $$;

DROP TABLE IF EXISTS rum_result;
CREATE TABLE rum_result (cls text, qid int, mode text, pass int, ms float8, buffers bigint, total bigint, top text);
DO $$
DECLARE r record; m text; pass int; j json; tot bigint; top text; stmt text;
BEGIN
  FOR pass IN 1 .. 2 LOOP -- pass 1 warms the caches and keeps total and top 20, pass 2 is measured (EXPLAIN ANALYZE)
    FOR r IN SELECT cls, qid, array_agg(q ORDER BY grp) AS qs, max(cat) AS cat FROM rum_q GROUP BY 1, 2 ORDER BY 2, 1 LOOP
      FOREACH m IN ARRAY ARRAY['gin_tsrank', 'rum_tsrank', 'gin_length', 'rum_length', 'rum_order'] LOOP
        stmt := rum_stmt(m, r.qs, r.cat);
        IF pass = 2 THEN
          EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, FORMAT JSON) ' || stmt INTO j;
          UPDATE rum_result SET pass = 2, ms = (j -> 0 ->> 'Execution Time')::float8,
            buffers = (j -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint + (j -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint
          WHERE rum_result.cls = r.cls AND rum_result.qid = r.qid AND rum_result.mode = m;
          CONTINUE;
        END IF;
        EXECUTE format('SELECT (array_agg(x.v) FILTER (WHERE x.k = ''t''))[1], string_agg(x.v::text, '','') FILTER (WHERE x.k = ''h'') FROM (%s) x', stmt) INTO tot, top;
        INSERT INTO rum_result VALUES (r.cls, r.qid, m, 1, NULL, NULL, tot, top);
      END LOOP;
    END LOOP;
  END LOOP;
END $$;

\echo === per class and mode (pass 2): p50 / p99 ms server-side, median buffers, totals equal to gin_tsrank, top 20 equal to gin_tsrank
SELECT r.cls, r.mode, count(*) AS queries,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms)::numeric, 2) AS p50_ms,
  round(percentile_cont(0.99) WITHIN GROUP (ORDER BY r.ms)::numeric, 2) AS p99_ms,
  round(percentile_cont(0.5) WITHIN GROUP (ORDER BY r.buffers)::numeric) AS buffers_p50,
  round(avg(r.total)) AS avg_total,
  count(*) FILTER (WHERE r.total = b.total) AS same_total,
  count(*) FILTER (WHERE r.top = b.top) AS same_top20
FROM rum_result r JOIN rum_result b ON b.cls = r.cls AND b.qid = r.qid AND b.pass = r.pass AND b.mode = 'gin_tsrank'
WHERE r.pass = 2 GROUP BY 1, 2 ORDER BY 1, array_position(ARRAY['gin_tsrank', 'rum_tsrank', 'gin_length', 'rum_length', 'rum_order'], r.mode);
