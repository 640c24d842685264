// name: datasets-for-method
// description: Datasets used in the papers that mention a given method or model, ranked by number of papers.
// param: method (str) example: "CCL" -- a Method or Model, by name or alias ("CCL" is counter-current learning)
// param: limit (int) default: 20 example: 10 -- at most this many datasets
MATCH (m:Method|Model)
WHERE toLower(m.name) = toLower($method)
   OR any(alias IN coalesce(m.aliases, []) WHERE toLower(alias) = toLower($method))
MATCH (p:Paper)-[:MENTIONS]->(m)
MATCH (p)-[r:USES_DATASET|PROPOSES]->(d:Dataset)
WITH m, d, count(DISTINCT p) AS papers, collect(DISTINCT type(r)) AS relations,
     collect(DISTINCT p.title)[..3] AS example_papers
RETURN m.name AS method, d.name AS dataset, papers, relations, example_papers
ORDER BY papers DESC, dataset
LIMIT $limit
