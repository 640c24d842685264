// name: emerging-entities
// description: Entities first seen in the newest papers and in no older one (only papers whose year is known count).
// param: since (int) default: null example: null -- first year that counts as new; the newest year in the graph when omitted
// param: min_papers (int) default: 1 example: 1 -- only entities in at least this many new papers
// param: limit (int) default: 25 example: 25 -- at most this many entities
MATCH (p:Paper) WHERE p.year IS NOT NULL
WITH coalesce($since, max(p.year)) AS since, min(p.year) AS oldest
WHERE oldest < since
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)<-[:MENTIONS]-(p:Paper)
WHERE p.year IS NOT NULL
WITH since, e, min(p.year) AS first_year, count(p) AS papers, collect(p.title)[..3] AS example_papers
WHERE first_year >= since AND papers >= $min_papers
RETURN e.name AS entity, labels(e)[0] AS type, first_year, papers, example_papers
ORDER BY papers DESC, entity
LIMIT $limit
