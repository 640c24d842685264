// name: brain-region-methods
// description: Papers that study a brain region, with the methods and models each of them uses or mentions.
// param: region (str) example: "visual cortex" -- the region's name or one of its aliases (V1, PFC, ...)
// param: limit (int) default: 25 example: 10 -- at most this many papers
MATCH (r:BrainRegion)
WHERE toLower(r.name) = toLower($region)
   OR any(alias IN coalesce(r.aliases, []) WHERE toLower(alias) = toLower($region))
MATCH (p:Paper)-[:STUDIES|MENTIONS]->(r)
WITH DISTINCT r, p
RETURN r.name AS region, p.key AS paper, p.title AS title,
       [(p)-[:MENTIONS]->(m:Method) | m.name] AS methods,
       [(p)-[:MENTIONS]->(m:Model) | m.name] AS models
ORDER BY size(methods) + size(models) DESC, title
LIMIT $limit
