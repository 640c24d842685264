// name: co-occurring
// description: Entities that appear in the same abstracts as a given one, ranked by shared papers then weight.
// param: entity (str) example: "visual cortex" -- the entity's name or one of its aliases
// param: label (str) default: null example: "Method" -- only co-occurring entities of this type; all when omitted
// param: limit (int) default: 20 example: 10 -- at most this many entities
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE toLower(e.name) = toLower($entity)
   OR any(alias IN coalesce(e.aliases, []) WHERE toLower(alias) = toLower($entity))
MATCH (e)-[c:CO_OCCURS]-(other)
WHERE $label IS NULL
   OR any(l IN labels(other) WHERE toLower(l) = replace(toLower($label), '_', ''))
RETURN e.name AS entity, other.name AS co_occurring, labels(other)[0] AS type, c.papers AS papers,
       c.sentences AS same_sentence, round(c.weight, 3) AS weight, c.example_papers AS example_papers
ORDER BY papers DESC, weight DESC, co_occurring
LIMIT $limit
