-- EXPLAIN of the search statement (match, rank, counts, facets, top 20) and of the match alone; psql -v q=TSQUERY -v cat=CATEGORY
SET jit = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH hits AS (SELECT p."DocumentId" AS id, max(CASE WHEN p."Page" = 0 THEN 4 ELSE 1 END * (ts_rank(p."Terms", :'q'::tsquery, 1))) AS s0
  FROM "SearchParts" p WHERE p."Terms" @@ :'q'::tsquery GROUP BY p."DocumentId"),
m AS MATERIALIZED (SELECT e."DocumentId", e."Category", e."Format", e."Price", e."PageCount", e."CreatedAt", e."Downloads", h.s0::float8 AS score
  FROM hits h JOIN "SearchEntries" e ON e."DocumentId" = h.id WHERE h.s0 IS NOT NULL)
SELECT count(*) FILTER (WHERE m."Category" = :'cat') AS t, count(*) AS c FROM m
UNION ALL SELECT count(*), 0 FROM (SELECT m."Category" FROM (SELECT * FROM m LIMIT 10000) m GROUP BY 1) x
UNION ALL (SELECT m."DocumentId", 0 FROM m WHERE m."Category" = :'cat' ORDER BY m.score DESC, m."DocumentId" LIMIT 20);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT count(*) FROM "SearchParts" p WHERE p."Terms" @@ :'q'::tsquery;
