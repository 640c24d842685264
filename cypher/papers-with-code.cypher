// name: papers-with-code
// description: Papers that link a code repository, with the repositories, optionally only those mentioning an entity.
// param: entity (str) default: null example: "MNIST" -- only papers that mention this entity (name or alias); all when omitted
// param: limit (int) default: 50 example: 20 -- at most this many papers
MATCH (p:Paper)-[:HAS_CODE]->(r:Repository)
WHERE $entity IS NULL OR EXISTS {
  MATCH (p)-[:MENTIONS]->(e)
  WHERE toLower(e.name) = toLower($entity)
     OR any(alias IN coalesce(e.aliases, []) WHERE toLower(alias) = toLower($entity))
}
WITH p, collect(DISTINCT r.key) AS repositories, collect(DISTINCT r.url) AS urls
RETURN p.key AS paper, p.title AS title, repositories, urls,
       COUNT { (p)-[:MENTIONS]->() } AS entities
ORDER BY title
LIMIT $limit
