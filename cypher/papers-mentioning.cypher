// name: papers-mentioning
// description: Papers that mention an entity, found by its name or any of its aliases (any case), with the sentence.
// param: entity (str) example: "MNIST" -- the entity's name or one of its aliases
// param: limit (int) default: 25 example: 10 -- at most this many papers
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE toLower(e.name) = toLower($entity)
   OR any(alias IN coalesce(e.aliases, []) WHERE toLower(alias) = toLower($entity))
MATCH (p:Paper)-[m:MENTIONS]->(e)
RETURN p.key AS paper, p.title AS title, labels(e)[0] AS type, e.name AS entity, m.count AS mentions,
       m.sentences[0] AS evidence
ORDER BY mentions DESC, title
LIMIT $limit
