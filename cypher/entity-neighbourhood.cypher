// name: entity-neighbourhood
// description: An entity, each paper that mentions it and the other entities of that paper, as paths to draw in Browser.
// param: entity (str) example: "visual cortex" -- the entity's name or one of its aliases
// param: limit (int) default: 50 example: 25 -- at most this many papers
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE toLower(e.name) = toLower($entity)
   OR any(alias IN coalesce(e.aliases, []) WHERE toLower(alias) = toLower($entity))
MATCH path = (e)<-[:MENTIONS]-(p:Paper)
CALL (p, e) {
  OPTIONAL MATCH other = (p)-[:MENTIONS]->(x)
  WHERE x <> e
  RETURN collect(other) AS others
}
RETURN path, others
LIMIT $limit
