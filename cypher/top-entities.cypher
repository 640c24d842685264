// name: top-entities
// description: The most frequent entities of each type, by the number of papers that mention them.
// param: label (str) default: null example: "Dataset" -- only this type (Method, Dataset, Model, BrainRegion, Task, Metric); all when omitted
// param: per_label (int) default: 10 example: 5 -- how many entities per type
MATCH (e:Method|Dataset|Model|BrainRegion|Task|Metric)
WHERE $label IS NULL
   OR any(l IN labels(e) WHERE toLower(l) = replace(toLower($label), '_', ''))
WITH e, labels(e)[0] AS type, COUNT { (:Paper)-[:MENTIONS]->(e) } AS papers
ORDER BY type, papers DESC, e.name
WITH type, collect({name: e.name, papers: papers})[..$per_label] AS top
UNWIND range(0, size(top) - 1) AS i
RETURN type, i + 1 AS rank, top[i].name AS entity, top[i].papers AS papers
ORDER BY type, rank
