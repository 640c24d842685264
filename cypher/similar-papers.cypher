// name: similar-papers
// description: Papers similar to a given paper by the entities they share, rarer shared entities weighing more.
// param: paper (str) example: "Higher Visual Cortex" -- a paper key (title:..., arxiv:..., doi:...) or words from its title
// param: limit (int) default: 10 example: 5 -- at most this many papers
MATCH (p:Paper)
WHERE p.key = $paper OR toLower(p.title) CONTAINS toLower($paper)
WITH p ORDER BY p.key = $paper DESC, size(p.title) LIMIT 1
MATCH (p)-[:MENTIONS]->(e)<-[:MENTIONS]-(q:Paper)
WITH p, q, e, COUNT { (:Paper)-[:MENTIONS]->(e) } AS df
WITH p, q, collect(e.name) AS shared, sum(1.0 / log(1 + df)) AS score
WITH p, q, shared, score, COUNT { (p)-[:MENTIONS]->() } AS np, COUNT { (q)-[:MENTIONS]->() } AS nq
RETURN p.title AS paper, q.key AS similar, q.title AS title, size(shared) AS shared_entities,
       round(score, 3) AS score, round(toFloat(size(shared)) / (np + nq - size(shared)), 3) AS jaccard, shared
ORDER BY score DESC, jaccard DESC, title
LIMIT $limit
