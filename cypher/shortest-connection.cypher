// name: shortest-connection
// description: The shortest chain of papers linking two entities (entity - paper - entity - ...), as names and a path.
// param: source (str) example: "MNIST" -- first entity, by name or alias
// param: target (str) example: "visual cortex" -- second entity, by name or alias
// param: max_hops (int) default: 8 example: 8 -- longest chain considered, in relationships (at most 12)
MATCH (a:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE toLower(a.name) = toLower($source)
   OR any(alias IN coalesce(a.aliases, []) WHERE toLower(alias) = toLower($source))
MATCH (b:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE a <> b AND (toLower(b.name) = toLower($target)
   OR any(alias IN coalesce(b.aliases, []) WHERE toLower(alias) = toLower($target)))
MATCH path = shortestPath((a)-[:MENTIONS*..12]-(b))
WHERE length(path) <= $max_hops
RETURN length(path) / 2 AS papers_between, [n IN nodes(path) | coalesce(n.title, n.name)] AS chain, path
ORDER BY papers_between
LIMIT 5
