-- Issue 16, format 3 worked out by hand: sizes of three designs and the cost of matching with exact keys, on a
-- sample of a database kept by bench/search.sh --postgres --keep-db. psql "$DB" -v n=1000 -f bench/pgsearch-format3-prototype.sql
-- (n: documents 1..n of the sample). Drops its own proto_* tables first; drop them after: DROP TABLE proto_parts, proto_postings, proto_tf, proto_keys, proto_keys4, proto_nouni, proto_pairs;
\timing on
SET jit = off;
DROP TABLE IF EXISTS proto_parts, proto_postings, proto_tf, proto_keys, proto_keys4, proto_nouni, proto_pairs;
CREATE TABLE proto_parts AS SELECT * FROM "SearchParts" WHERE "DocumentId" <= :n;
CREATE INDEX ON proto_parts USING GIN ("Terms");
-- (A) one row a (lexeme, part) with positions: an inverted index as a B-tree in lexeme order.
CREATE TABLE proto_postings AS SELECT u.lexeme, p."DocumentId", p."Part", u.positions FROM proto_parts p, unnest(p."Terms") u;
ALTER TABLE proto_postings ADD PRIMARY KEY (lexeme, "DocumentId", "Part");
-- (A') the same without positions, tf only.
CREATE TABLE proto_tf AS SELECT lexeme, "DocumentId", "Part", cardinality(positions)::smallint AS tf FROM proto_postings;
ALTER TABLE proto_tf ADD PRIMARY KEY (lexeme, "DocumentId", "Part");
-- (B) exact candidate keys: every run of 3 and 4 CJK characters as a 64-bit hash, GIN without recheck (@>).
CREATE TABLE proto_keys AS
SELECT p."DocumentId", p."Part", array_agg(DISTINCT hashtextextended(g, 0)) AS keys
FROM proto_parts p, unnest(p."Texts") t, generate_series(1, length(t)) i, (VALUES (3), (4)) k(n), LATERAL (SELECT substr(t, i, k.n) AS g) s
WHERE length(g) = k.n AND g ~ '^[一-鿿]+$'
GROUP BY 1, 2;
CREATE INDEX ON proto_keys USING GIN (keys);
VACUUM ANALYZE proto_parts; VACUUM ANALYZE proto_postings; VACUUM ANALYZE proto_tf; VACUUM ANALYZE proto_keys;
SELECT 'parts (format 2): heap+toast+gin' AS what, round(pg_total_relation_size('proto_parts') / 1e6, 1) AS mb,
       round(pg_total_relation_size('proto_parts') / 1e3 / :n, 1) AS kb_per_doc
UNION ALL SELECT 'postings with positions, table+pk', round(pg_total_relation_size('proto_postings') / 1e6, 1), round(pg_total_relation_size('proto_postings') / 1e3 / :n, 1)
UNION ALL SELECT 'postings pk alone', round(pg_indexes_size('proto_postings') / 1e6, 1), round(pg_indexes_size('proto_postings') / 1e3 / :n, 1)
UNION ALL SELECT 'tf rows, table+pk', round(pg_total_relation_size('proto_tf') / 1e6, 1), round(pg_total_relation_size('proto_tf') / 1e3 / :n, 1)
UNION ALL SELECT 'exact keys, table+gin', round(pg_total_relation_size('proto_keys') / 1e6, 1), round(pg_total_relation_size('proto_keys') / 1e3 / :n, 1)
UNION ALL SELECT 'exact keys gin alone', round(pg_indexes_size('proto_keys') / 1e6, 1), round(pg_indexes_size('proto_keys') / 1e3 / :n, 1);
SELECT count(*) AS postings, round(count(*)::numeric / :n) AS per_doc FROM proto_postings;

\echo === 发展的: format 2 match, match+rank; exact keys match
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_parts WHERE "Terms" @@ '''发展'' <-> ''展的'''::tsquery;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT "DocumentId", max(ts_rank("Terms", '''发展'' <-> ''展的'''::tsquery, 1)) FROM proto_parts WHERE "Terms" @@ '''发展'' <-> ''展的'''::tsquery GROUP BY 1;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_keys WHERE keys @> ARRAY[hashtextextended('发展的', 0)];
\echo === 经济发展
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_parts WHERE "Terms" @@ '''经济'' <2> ''发展'''::tsquery;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_keys WHERE keys @> ARRAY[hashtextextended('经济发展', 0)];
\echo === 中国的
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_parts WHERE "Terms" @@ '''中国'' <-> ''国的'''::tsquery;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_keys WHERE keys @> ARRAY[hashtextextended('中国的', 0)];
\echo === exactness over 40 pieces of 3 and 4 characters taken from the texts: parts matched by the tsquery vs by the key
WITH pieces AS (SELECT DISTINCT g FROM (SELECT substr(t, 1 + (d * 37) % 800, 3 + d % 2) AS g FROM proto_parts p, unnest(p."Texts") t, generate_series(1, 3) d WHERE p."Page" > 0 LIMIT 400) x WHERE g ~ '^[一-鿿]+$' LIMIT 40)
SELECT count(*) AS pieces, sum(CASE WHEN a = b THEN 1 ELSE 0 END) AS identical, sum(a) AS by_tsquery, sum(b) AS by_key FROM (
  SELECT g,
    (SELECT count(*) FROM proto_parts WHERE "Terms" @@ (CASE WHEN length(g) = 3 THEN format('%L <-> %L', substr(g,1,2), substr(g,2,2)) ELSE format('%L <2> %L', substr(g,1,2), substr(g,3,2)) END)::tsquery) AS a,
    (SELECT count(*) FROM proto_keys WHERE keys @> ARRAY[hashtextextended(g, 0)]) AS b
  FROM pieces) y;

-- (B) with 32-bit keys; format 2 without the unigrams' positions (CREATE TABLE AS writes pglz: an upper bound).
DROP TABLE IF EXISTS proto_keys4, proto_nouni;
CREATE TABLE proto_keys4 AS SELECT "DocumentId", "Part", ARRAY(SELECT (k % 2147483647)::int4 FROM unnest(keys) k) AS keys FROM proto_keys;
CREATE INDEX ON proto_keys4 USING GIN (keys);
CREATE TABLE proto_nouni AS
SELECT p."DocumentId", p."Part", p."Page", p."Texts",
       ts_delete(p."Terms", u.unigrams) || array_to_tsvector(u.unigrams) AS "Terms"
FROM proto_parts p, LATERAL (SELECT coalesce(array_agg(lexeme), '{}') AS unigrams FROM unnest(p."Terms") WHERE char_length(lexeme) = 1 AND lexeme ~ '^[一-鿿]$') u;
ALTER TABLE proto_nouni ALTER COLUMN "Terms" SET COMPRESSION lz4, ALTER COLUMN "Texts" SET COMPRESSION lz4;
CREATE INDEX ON proto_nouni USING GIN ("Terms");
VACUUM ANALYZE proto_keys4; VACUUM ANALYZE proto_nouni;
SELECT 'exact keys int4, table+gin' AS what, round(pg_total_relation_size('proto_keys4') / 1e3 / :n, 1) AS kb_per_doc
UNION ALL SELECT 'exact keys int4, gin alone', round(pg_indexes_size('proto_keys4') / 1e3 / :n, 1)
UNION ALL SELECT 'format 2 (parts heap+toast+gin)', round(pg_total_relation_size('proto_parts') / 1e3 / :n, 1)
UNION ALL SELECT 'format 2 without unigram positions', round(pg_total_relation_size('proto_nouni') / 1e3 / :n, 1);

-- The floor: the statement's work after matching, for every document of the library as a match (no vector read).
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH m AS MATERIALIZED (SELECT e."DocumentId", e."Category", e."Format", e."Price", e."PageCount", e."CreatedAt", e."Downloads", (e."DocumentId" % 97)::float8 AS score FROM "SearchEntries" e)
SELECT count(*) FILTER (WHERE m."Category" = 'fashion') AS t, count(*) AS c FROM m
UNION ALL SELECT count(*), 0 FROM (SELECT m."Category" FROM (SELECT * FROM m LIMIT 10000) m GROUP BY 1) x
UNION ALL SELECT count(*), 0 FROM (SELECT m."Format" FROM (SELECT * FROM m LIMIT 10000) m GROUP BY 1) x
UNION ALL (SELECT m."DocumentId", 0 FROM m WHERE m."Category" = 'fashion' ORDER BY m.score DESC, m."DocumentId" LIMIT 20);

-- (B) from the analyzer's own tokens: a key for every two tokens one or two positions apart (from the vector's lexemes
-- and positions), and its exactness against the tsquery over pairs drawn from the texts.
DROP TABLE IF EXISTS proto_pairs;
CREATE TABLE proto_pairs AS
SELECT p."DocumentId", p."Part", k.keys FROM proto_parts p, LATERAL (
  -- (documents 1..:n only)
  WITH t AS (SELECT u.lexeme, pos FROM unnest(p."Terms") u, unnest(u.positions) pos WHERE char_length(u.lexeme) > 1 AND u.lexeme NOT LIKE '~%')
  SELECT array_agg(DISTINCT hashtextextended(a.lexeme || chr(1) || d || chr(1) || b.lexeme, 0)) AS keys
  FROM t a, (VALUES (1), (2)) dd(d), t b WHERE b.pos = a.pos + d) k
WHERE k.keys IS NOT NULL AND p."DocumentId" <= :n;
CREATE INDEX proto_pairs_keys ON proto_pairs USING GIN (keys);
VACUUM ANALYZE proto_pairs;
SELECT 'pair keys, table+gin' AS what, round(pg_total_relation_size('proto_pairs') / 1e3 / :n, 1) AS kb_per_doc
UNION ALL SELECT 'pair keys, gin alone', round(pg_indexes_size('proto_pairs') / 1e3 / :n, 1);
-- Exactness: 300 pairs drawn from the texts' own vectors (every 997th adjacent or second-next pair), parts by tsquery vs by key.
SET enable_seqscan = off;
WITH t AS (SELECT p."DocumentId", p."Part", u.lexeme, pos FROM proto_parts p, unnest(p."Terms") u, unnest(u.positions) pos
           WHERE p."DocumentId" % 30 = 0 AND p."DocumentId" <= :n AND char_length(u.lexeme) > 1 AND u.lexeme NOT LIKE '~%'),
pairs AS (SELECT DISTINCT a.lexeme AS a, b.pos - a.pos AS d, b.lexeme AS b FROM t a JOIN t b ON a."DocumentId" = b."DocumentId" AND a."Part" = b."Part" AND b.pos = a.pos + 1
           UNION SELECT DISTINCT a.lexeme, 2, b.lexeme FROM t a JOIN t b ON a."DocumentId" = b."DocumentId" AND a."Part" = b."Part" AND b.pos = a.pos + 2),
sample AS (SELECT * FROM (SELECT *, row_number() OVER (ORDER BY hashtext(a || b)) AS r FROM pairs) x WHERE r <= 300)
SELECT count(*) AS pairs, count(*) FILTER (WHERE by_query = by_key) AS identical, sum(by_query) AS parts_by_query, sum(by_key) AS parts_by_key FROM (
  SELECT (SELECT count(*) FROM proto_parts WHERE "DocumentId" <= :n AND "Terms" @@ format('%L <%s> %L', a, d, b)::tsquery) AS by_query,
         (SELECT count(*) FROM proto_pairs WHERE keys @> ARRAY[hashtextextended(a || chr(1) || d || chr(1) || b, 0)]) AS by_key
  FROM sample) y;

-- ===== Format 3 as a whole on the full database (run alone: psql "$DB" -f with the part below; then per query
-- psql "$DB" -v a=发展 -v d=1 -v b=展的 -f the f3 query part). Drop after: DROP TABLE f3_parts;
DROP TABLE IF EXISTS f3_parts;
CREATE TABLE f3_parts AS
SELECT p."DocumentId", p."Part", p."Page", length(p."Terms") AS "Length", k.keys AS "Keys" FROM "SearchParts" p, LATERAL (
  WITH t AS (SELECT u.lexeme, pos FROM unnest(p."Terms") u, unnest(u.positions) pos WHERE char_length(u.lexeme) > 1 AND u.lexeme NOT LIKE '~%')
  SELECT array_agg(DISTINCT hashtextextended(a.lexeme || chr(1) || d || chr(1) || b.lexeme, 0)) AS keys
  FROM t a, (VALUES (1), (2)) dd(d), t b WHERE b.pos = a.pos + d) k
WHERE k.keys IS NOT NULL;
ALTER TABLE f3_parts ALTER COLUMN "Keys" SET STORAGE EXTERNAL;
SET maintenance_work_mem = '256MB';
CREATE INDEX f3_parts_keys ON f3_parts USING GIN ("Keys");
VACUUM ANALYZE f3_parts;
SELECT round(pg_relation_size('f3_parts') / 1e6, 1) AS heap_mb, round(pg_total_relation_size('f3_parts') / 1e6, 1) AS total_mb, round(pg_indexes_size('f3_parts') / 1e6, 1) AS gin_mb;

-- The search statement from f3_parts alone (needs -v a= -v d= -v b=).
SET enable_seqscan = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH hits AS (SELECT k."DocumentId" AS id, max(CASE WHEN k."Page" = 0 THEN 4 ELSE 1 END * 0.1 / log(2, k."Length" + 1)) AS s0
  FROM f3_parts k WHERE k."Keys" @> ARRAY[hashtextextended(:'a' || chr(1) || :'d' || chr(1) || :'b', 0)] GROUP BY 1),
m AS MATERIALIZED (SELECT e."DocumentId", e."Category", e."Format", e."Price", e."PageCount", e."CreatedAt", e."Downloads", h.s0::float8 AS score
  FROM hits h JOIN "SearchEntries" e ON e."DocumentId" = h.id)
SELECT count(*) FILTER (WHERE m."Category" = 'fashion') AS t, count(*) AS c FROM m
UNION ALL SELECT count(*), 0 FROM (SELECT m."Category" FROM (SELECT * FROM m LIMIT 10000) m GROUP BY 1) x
UNION ALL (SELECT m."DocumentId", 0 FROM m WHERE m."Category" = 'fashion' ORDER BY m.score DESC, m."DocumentId" LIMIT 20);
SELECT count(DISTINCT "DocumentId") AS docs_by_key FROM f3_parts WHERE "Keys" @> ARRAY[hashtextextended(:'a' || chr(1) || :'d' || chr(1) || :'b', 0)];
SELECT count(DISTINCT "DocumentId") AS docs_by_tsquery FROM "SearchParts" WHERE "Terms" @@ format('%L <%s> %L', :'a', :'d', :'b')::tsquery;

-- The keys as a GIN expression index over the vector (no stored array), on the 1,000-document sample.
CREATE OR REPLACE FUNCTION pair_keys(v tsvector) RETURNS bigint[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH t AS (SELECT u.lexeme, pos FROM unnest(v) u, unnest(u.positions) pos WHERE char_length(u.lexeme) > 1 AND u.lexeme NOT LIKE '~%')
  SELECT coalesce(array_agg(DISTINCT hashtextextended(a.lexeme || chr(1) || d || chr(1) || b.lexeme, 0)), '{}')
  FROM t a, (VALUES (1), (2)) dd(d), t b WHERE b.pos = a.pos + d
$$;
SET maintenance_work_mem = '256MB';
DROP INDEX IF EXISTS proto_parts_pair_keys;
CREATE INDEX proto_parts_pair_keys ON proto_parts USING GIN (pair_keys("Terms"));
ANALYZE proto_parts;
SELECT round(pg_relation_size('proto_parts_pair_keys') / 1e3 / 1000, 1) AS gin_kb_per_doc;
SET enable_seqscan = off;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) SELECT count(*) FROM proto_parts WHERE pair_keys("Terms") @> ARRAY[hashtextextended('经济' || chr(1) || 2 || chr(1) || '发展', 0)];
