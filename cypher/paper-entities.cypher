// name: paper-entities
// description: Everything extracted from one paper: its entities with type, relation and evidence, and its code.
// param: paper (str) example: "Counter-Current Learning" -- a paper key (title:..., arxiv:..., doi:...) or words from its title
MATCH (p:Paper)
WHERE p.key = $paper OR toLower(p.title) CONTAINS toLower($paper)
WITH p ORDER BY p.key = $paper DESC, size(p.title) LIMIT 1
MATCH (p)-[m:MENTIONS|HAS_CODE]->(x)
RETURN p.title AS paper, labels(x)[0] AS type, x.name AS entity,
       [(p)-[r]->(x) WHERE type(r) <> 'MENTIONS' | type(r)] AS relations,
       m.count AS mentions, coalesce(m.sentences[0], m.url) AS evidence
ORDER BY type, entity
