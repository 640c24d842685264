// name: proposed-contributions
// description: New methods, models and datasets that papers say they propose, with the sentence that says so.
// param: label (str) default: null example: "Method" -- only this type (Method, Model, Dataset); all when omitted
// param: limit (int) default: 50 example: 20 -- at most this many contributions
MATCH (p:Paper)-[r:PROPOSES]->(e)
WHERE $label IS NULL
   OR any(l IN labels(e) WHERE toLower(l) = toLower($label))
RETURN labels(e)[0] AS type, e.name AS contribution, p.key AS paper, p.title AS title, r.rule AS rule,
       r.sentence AS evidence
ORDER BY type, contribution
LIMIT $limit
