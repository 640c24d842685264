// name: models-on-dataset
// description: Models named in the papers that use a given dataset (trained or evaluated on it), ranked by papers.
// param: dataset (str) example: "CIFAR-10" -- the dataset's name or one of its aliases
// param: limit (int) default: 20 example: 10 -- at most this many models
MATCH (d:Dataset)
WHERE toLower(d.name) = toLower($dataset)
   OR any(alias IN coalesce(d.aliases, []) WHERE toLower(alias) = toLower($dataset))
MATCH (p:Paper)-[:USES_DATASET|PROPOSES|MENTIONS]->(d)
WITH DISTINCT d, p
MATCH (p)-[:MENTIONS]->(m:Model)
WITH d, m, p, [(p)-[r:USES_MODEL|PROPOSES]->(m) | type(r)] AS roles
WITH d, m, count(p) AS papers, sum(size(roles)) AS papers_using, collect(p.title)[..3] AS example_papers
RETURN d.name AS dataset, m.name AS model, papers, papers_using, example_papers
ORDER BY papers DESC, papers_using DESC, model
LIMIT $limit
