// name: curation-candidates
// description: Entities worth a curator's look: orphans no paper mentions, and rare ones with one mention or low confidence.
// param: max_papers (int) default: 1 example: 1 -- entities mentioned by at most this many papers
// param: min_confidence (float) default: 0.5 example: 0.5 -- flag a model score below this (rule matches have none)
// param: limit (int) default: 50 example: 50 -- at most this many entities
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WITH e, COUNT { (:Paper)-[:MENTIONS]->(e) } AS papers
WHERE papers <= $max_papers
OPTIONAL MATCH (p:Paper)-[m:MENTIONS]->(e)
WITH e, papers, sum(coalesce(m.count, 0)) AS mentions, max(m.confidence) AS confidence,
     collect(m.sentences[0])[0] AS evidence, collect(p.key)[0] AS paper,
     reduce(acc = [], x IN collect(m.extractor) | acc + [y IN x WHERE NOT y IN acc]) AS extractors
WITH e, papers, mentions, confidence, evidence, paper, extractors,
     CASE
       WHEN papers = 0 THEN 'orphan: no paper mentions it'
       WHEN confidence IS NOT NULL AND confidence < $min_confidence THEN 'low confidence'
       WHEN mentions <= 1 THEN 'a single mention'
     END AS reason
WHERE reason IS NOT NULL
RETURN e.name AS entity, labels(e)[0] AS type, reason, papers, mentions, confidence, extractors, paper, evidence
ORDER BY papers, confidence, mentions, type, entity
LIMIT $limit
