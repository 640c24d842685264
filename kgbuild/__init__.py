"""kgbuild: scientific abstracts to a knowledge graph in Neo4j, offline and with provenance."""

__version__ = "0.1.0"
