// name: entity-evidence
// description: Where an entity comes from: each mention's sentence, offsets, extractor and confidence, per paper.
// param: entity (str) example: "MNIST" -- the entity's name or one of its aliases
// param: limit (int) default: 50 example: 20 -- at most this many sentences
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE toLower(e.name) = toLower($entity)
   OR any(alias IN coalesce(e.aliases, []) WHERE toLower(alias) = toLower($entity))
MATCH (p:Paper)-[m:MENTIONS]->(e)
UNWIND m.sentences AS sentence
RETURN e.name AS entity, labels(e)[0] AS type, p.key AS paper, sentence, m.texts AS written_as,
       m.offsets AS offsets, m.extractor AS extractor, m.confidence AS confidence
ORDER BY paper, sentence
LIMIT $limit
