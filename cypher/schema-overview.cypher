// name: schema-overview
// description: What the graph holds: node labels and relationship patterns with counts and property names.
// Needs Neo4j 5.26 or later (dynamic labels); in Browser, CALL db.schema.visualization() draws the same shape.
CALL () {
  CALL db.labels() YIELD label
  WITH label WHERE label <> 'KgbuildLoad'
  CALL (label) {
    MATCH (n:$(label))
    RETURN count(n) AS count
  }
  CALL (label) {
    MATCH (n:$(label))
    WITH n LIMIT 25
    UNWIND keys(n) AS key
    WITH DISTINCT key ORDER BY key
    RETURN collect(key) AS properties
  }
  RETURN 'node' AS kind, label AS name, count, properties
  UNION ALL
  MATCH (a)-[r]->(b)
  WITH labels(a)[0] AS source, type(r) AS type, labels(b)[0] AS target, count(*) AS count
  CALL (source, type, target) {
    MATCH (:$(source))-[r:$(type)]->(:$(target))
    WITH r LIMIT 25
    UNWIND keys(r) AS key
    WITH DISTINCT key ORDER BY key
    RETURN collect(key) AS properties
  }
  RETURN 'relationship' AS kind, source + '-[:' + type + ']->' + target AS name, count, properties
}
RETURN kind, name, count, [key IN properties WHERE NOT key STARTS WITH 'kg_' | key] AS properties
ORDER BY kind, count DESC, name
