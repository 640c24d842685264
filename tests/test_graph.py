"""Graph assembly on real seed abstracts: merging, provenance, typed edges, co-occurrence and stats."""

from __future__ import annotations

from dataclasses import replace

import networkx as nx
import pytest

from kgbuild.extraction.canonical import canonical_key
from kgbuild.graph import (
    CO_OCCURS,
    HAS_CODE,
    MENTIONS,
    PROPOSES,
    STUDIES,
    USES_DATASET,
    USES_METHOD,
    USES_MODEL,
    build_graph,
    classify_relation,
    edge_rows,
    format_stats,
    graph_stats,
    is_abbreviation,
    node_rows,
)
from kgbuild.records import Repository
from tests.graph_helpers import entity, extracted, seed_extracted, seed_paper

EP_TITLE = "Improving equilibrium propagation without weight symmetry"
LIB_TITLE = "The Local Interaction Basis"
ARL_TITLE = "Improving Multimodal Learning via Imbalanced Learning"
BLOCKMNIST_TITLE = "Do Input Gradients Highlight Discriminative Features?"
BPE_TITLE = "Code Completion using Neural Attention and Byte Pair Encoding"
TRANSFORMER_TITLE = "Transformer brain encoders explain human high-level visual responses"
VISUAL_SEARCH_TITLE = "Visual Search Asymmetry"
HVC_TITLE = "Meta-Learning an In-Context Transformer Model of Human Higher Visual Cortex"
MEG_TITLE = "Brain decoding: toward real-time reconstruction of visual perception"
BRAINBERT_TITLE = "BrainBERT: Self-supervised representation learning"


@pytest.fixture(scope="module")
def papers(seed_files):
    titles = [EP_TITLE, LIB_TITLE, ARL_TITLE, BLOCKMNIST_TITLE, BPE_TITLE, TRANSFORMER_TITLE, VISUAL_SEARCH_TITLE,
              HVC_TITLE, MEG_TITLE, BRAINBERT_TITLE]
    return {t: seed_paper(seed_files, t) for t in titles}


def relation(paper, name, label, node_label, aliases=()):
    e = entity(paper, name, label, aliases)
    return classify_relation(paper, node_label, e.mentions)


# --- typed edges ------------------------------------------------------------------------------------

def test_title_head_before_colon_is_proposed(papers):
    rel = relation(papers[LIB_TITLE], "Local Interaction Basis", "METHOD", "Method")
    assert (rel.type, rel.rule) == (PROPOSES, "title-name")


def test_proposal_verb_with_few_words_between_is_proposed(papers):
    rel = relation(papers[ARL_TITLE], "Asymmetric Representation Learning", "METHOD", "Method")
    assert (rel.type, rel.rule) == (PROPOSES, "proposal-verb")
    assert "we propose the Asymmetric Representation Learning" in rel.sentence
    dataset = relation(papers[BLOCKMNIST_TITLE], "BlockMNIST", "DATASET", "Dataset")
    assert (dataset.type, dataset.rule) == (PROPOSES, "proposal-verb")


def test_named_thing_the_authors_only_use_is_not_proposed(papers):
    # "we use an encoding ... called Byte Pair Encoding (BPE)": a naming cue, but no proposal verb.
    rel = relation(papers[BPE_TITLE], "Byte Pair Encoding", "METHOD", "Method", aliases=("BPE",))
    assert rel is None or rel.type != PROPOSES


def test_modifiers_of_what_is_proposed_are_not_proposed(papers):
    # "we introduce BlockMNIST, an MNIST-based semi-real dataset"
    assert relation(papers[BLOCKMNIST_TITLE], "MNIST", "DATASET", "Dataset").type == USES_DATASET
    # "we develop an MEG decoding model"
    meg = relation(papers[MEG_TITLE], "MEG", "METHOD", "Method")
    assert meg is None or meg.type != PROPOSES
    # "We create a reusable Transformer, BrainBERT, ..."; BrainBERT itself heads the title
    transformer = relation(papers[BRAINBERT_TITLE], "Transformer", "MODEL", "Model")
    assert transformer is None or transformer.type != PROPOSES
    assert relation(papers[BRAINBERT_TITLE], "BrainBERT", "MODEL", "Model").rule == "title-name"


def test_usage_cue_near_the_mention_gives_uses_edges(papers):
    rel = relation(papers[TRANSFORMER_TITLE], "transformer", "MODEL", "Model")
    assert rel.type == USES_MODEL and rel.rule == "usage-cue"
    method = relation(papers[EP_TITLE], "backpropagation", "METHOD", "Method")
    assert method is None or method.type != USES_METHOD  # "an alternative to backpropagation" is no use


def test_datasets_are_used_and_brain_regions_studied(papers):
    rel = relation(papers[VISUAL_SEARCH_TITLE], "ImageNet", "DATASET", "Dataset")
    assert rel.type == USES_DATASET and "ImageNet" in rel.sentence
    region = relation(papers[HVC_TITLE], "visual cortex", "BRAIN_REGION", "BrainRegion")
    assert region.type == STUDIES


def test_is_abbreviation():
    assert all(map(is_abbreviation, ["EP", "LLMs", "fMRI", "ViT", "LIB", "CIFAR-10"]))
    assert not any(map(is_abbreviation, ["ResNet-50", "ImageNet", "backpropagation", "E", "Equilibrium propagation"]))


# --- cross-paper merging ----------------------------------------------------------------------------

def test_same_key_in_two_papers_is_one_node_with_two_edges_and_all_aliases(papers):
    a = extracted(papers[VISUAL_SEARCH_TITLE], entity(papers[VISUAL_SEARCH_TITLE], "ImageNet", "DATASET"))
    b_paper = papers[EP_TITLE]
    b = extracted(b_paper, entity(b_paper, "ImageNet 32x32", "DATASET", key=a.entities[0].key))
    G = build_graph([a, b])
    node = f"Dataset:{a.entities[0].key}"
    assert G.nodes[node]["paper_count"] == 2
    assert {u for u, _, k in G.in_edges(node, keys=True) if k == MENTIONS} == {
        f"Paper:{a.paper.id}", f"Paper:{b.paper.id}"}
    assert set(G.nodes[node]["aliases"]) | {G.nodes[node]["name"]} == {"ImageNet", "ImageNet 32x32"}


def test_abbreviation_only_entity_joins_the_long_form_defined_elsewhere(papers):
    ep = papers[EP_TITLE]
    defining = extracted(ep, entity(ep, "Equilibrium propagation", "METHOD", aliases=("EP",)))
    # a second paper whose text only says "EP": the EP paper's own abstract, without the definition
    cut = ep.abstract.index("Still,")
    short_paper = replace(ep, id="test:short", title="", abstract=ep.abstract[cut:])
    short = extracted(short_paper, entity(short_paper, "EP", "METHOD"))
    assert short.entities[0].key != defining.entities[0].key

    G = build_graph([defining, short])
    long_node = f"Method:{defining.entities[0].key}"
    assert not G.has_node(f"Method:{short.entities[0].key}")
    assert G.has_edge("Paper:test:short", long_node, MENTIONS)
    assert G.nodes[long_node]["name"] == "Equilibrium propagation"
    assert G.nodes[long_node]["paper_count"] == 2

    # the same alias defined with two different long forms: ambiguous, so nothing merges
    other = papers[BPE_TITLE]
    rival = extracted(replace(other, id="test:rival"),
                      entity(other, "Byte Pair Encoding", "METHOD", aliases=("BPE",), key="electroporation"))
    rival = replace(rival, entities=(replace(rival.entities[0], aliases=("EP",)),))
    G2 = build_graph([defining, short, rival])
    assert G2.has_node(f"Method:{short.entities[0].key}")
    assert build_graph([defining, short], merge_abbreviations=False).has_node(f"Method:{short.entities[0].key}")


def test_a_name_with_a_generic_tail_joins_the_bare_name_another_paper_uses(seed_files):
    tailed = seed_paper(seed_files, "Exploring Synaptic Resonance in Large Language Models", "test:tailed")
    bare = seed_paper(seed_files, "Analyzing Vision Transformers for Image Classification", "test:bare")
    alone = seed_paper(seed_files, "Emergent representations in networks trained with the Forward-Forward",
                       "test:alone")
    G = build_graph([extracted(tailed, entity(tailed, "self-attention mechanisms", "METHOD")),
                     extracted(bare, entity(bare, "self-attention", "METHOD")),
                     extracted(alone, entity(alone, "Forward-Forward algorithm", "METHOD"))])
    node = "Method:" + canonical_key("self-attention", "METHOD")
    assert not G.has_node("Method:" + canonical_key("self-attention mechanisms", "METHOD"))
    assert G.nodes[node]["paper_count"] == 2
    assert {G.nodes[node]["name"], *G.nodes[node]["aliases"]} == {"self-attention", "self-attention mechanisms"}
    assert {u for u, _, k in G.in_edges(node, keys=True) if k == MENTIONS} == {"Paper:test:tailed", "Paper:test:bare"}
    # no paper says "Forward-Forward" alone: the name keeps its own node
    assert G.has_node("Method:" + canonical_key("Forward-Forward algorithm", "METHOD"))


def test_a_key_gets_the_label_most_papers_gave_it(papers):
    t = papers[TRANSFORMER_TITLE]
    p2 = replace(papers[LIB_TITLE], id="test:p2")
    as_model = [extracted(replace(t, id=f"test:m{i}"), entity(t, "transformer", "MODEL")) for i in range(2)]
    as_method = extracted(replace(t, id="test:x"), entity(t, "transformer", "METHOD"))
    G = build_graph([*as_model, as_method, extracted(p2)])
    keys = [(d["label"], d["key"]) for _, d in G.nodes(data=True) if d["label"] != "Paper"]
    assert keys == [("Model", as_model[0].entities[0].key)]
    assert G.nodes[f"Model:{keys[0][1]}"]["paper_count"] == 3


def test_a_paper_seen_again_replaces_its_earlier_edges(papers):
    p = papers[LIB_TITLE]
    first = extracted(p, entity(p, "CIFAR-10", "DATASET"), entity(p, "principal component analysis", "METHOD"))
    changed = replace(p, abstract=p.abstract.replace("CIFAR-10", "CIFAR10"))
    second = extracted(changed, entity(changed, "principal component analysis", "METHOD"))
    G = build_graph([first, second])
    assert G.number_of_nodes() == 2  # the paper and PCA; CIFAR-10 lost its only paper
    assert G.nodes[f"Paper:{p.id}"]["abstract"] == changed.abstract
    assert [k for _, _, k in G.edges(keys=True)] == [MENTIONS]


def test_repositories_are_deduplicated_across_papers(papers):
    a, b = papers[VISUAL_SEARCH_TITLE], papers[EP_TITLE]
    url = "https://github.com/kreimanlab/VisualSearchAsymmetry"
    start = a.abstract.index(url)
    repo = Repository("kreimanlab/visualsearchasymmetry", "github", url, "abstract", start, start + len(url))
    shouting = replace(repo, key="KreimanLab/VisualSearchAsymmetry")
    G = build_graph([extracted(a, repositories=[repo, repo]), extracted(b, repositories=[shouting])])
    repos = [n for n, d in G.nodes(data=True) if d["label"] == "Repository"]
    assert len(repos) == 1
    assert G.nodes[repos[0]]["key"] == "kreimanlab/visualsearchasymmetry"
    assert G.nodes[repos[0]]["url"] == url
    assert G.in_degree(repos[0]) == 2
    offsets = G.edges[f"Paper:{a.id}", repos[0], HAS_CODE]["offsets"]
    assert offsets == [f"abstract:{start}-{start + len(url)}"] * 2


# --- provenance, co-occurrence, rows, stats --------------------------------------------------------

def test_mentions_edge_provenance_points_at_the_text(papers):
    p = papers[EP_TITLE]
    e = entity(p, "Equilibrium propagation", "METHOD", aliases=("EP",))
    G = build_graph([extracted(p, e)])
    data = G.edges[f"Paper:{p.id}", f"Method:{e.key}", MENTIONS]
    assert data["count"] == len(e.mentions) == len(data["offsets"]) >= 3
    for offset in data["offsets"]:
        field, span = offset.split(":")
        start, end = map(int, span.split("-"))
        assert getattr(p, field)[start:end] in data["texts"]
    assert all(s in p.abstract or s in p.title for s in data["sentences"])
    assert data["extractor"] == ["test"] and "confidence" not in data


def test_cooccurrence_counts_papers_and_sentences_separately(papers):
    lib, arl = papers[LIB_TITLE], papers[ARL_TITLE]
    lib_e = [entity(lib, "CIFAR-10", "DATASET"), entity(lib, "principal component analysis", "METHOD"),
             entity(lib, "Mechanistic interpretability", "METHOD")]
    arl_e = entity(arl, "Asymmetric Representation Learning", "METHOD")
    G = build_graph([extracted(lib, *lib_e), extracted(arl, arl_e)])
    co = {frozenset((G.nodes[u]["name"], G.nodes[v]["name"])): d
          for u, v, k, d in G.edges(keys=True, data=True) if k == CO_OCCURS}
    assert len(co) == 3  # the three pairs within the LIB paper, none across papers
    same_sentence = co[frozenset(("CIFAR-10", "principal component analysis"))]
    assert (same_sentence["papers"], same_sentence["sentences"]) == (1, 1)
    apart = co[frozenset(("CIFAR-10", "Mechanistic interpretability"))]  # first vs a later sentence
    assert (apart["papers"], apart["sentences"]) == (1, 0)
    assert apart["weight"] == 1.0 and apart["example_papers"] == [lib.id]
    without = build_graph([extracted(lib, *lib_e)], cooccurrence=False)
    assert CO_OCCURS not in {k for *_, k in without.edges(keys=True)}
    capped = build_graph([extracted(lib, *lib_e)], max_cooccurring=2)
    assert sum(k == CO_OCCURS for *_, k in capped.edges(keys=True)) == 1
    again = extracted(replace(lib, id="test:again"), *lib_e[:2])
    frequent = build_graph([extracted(lib, *lib_e), again], min_cooccurrence=2)
    kept = [(d["papers"], d["example_papers"]) for *_, k, d in frequent.edges(keys=True, data=True)
            if k == CO_OCCURS]
    assert kept == [(2, [lib.id, "test:again"])]


def test_rows_are_grouped_for_unwind_and_hold_only_storable_values(papers):
    p = papers[LIB_TITLE]
    G = build_graph([extracted(p, entity(p, "CIFAR-10", "DATASET"), entity(p, "LIB", "METHOD"))])
    nodes = node_rows(G)
    assert set(nodes) == {"Paper", "Dataset", "Method"}
    assert all("label" not in r and r["key"] and r["name"] for rows in nodes.values() for r in rows)
    rels = edge_rows(G)
    assert ("MENTIONS", "Paper", "Dataset") in rels and ("USES_DATASET", "Paper", "Dataset") in rels
    for rows in rels.values():
        for r in rows:
            for v in r["props"].values():
                assert isinstance(v, str | int | float | bool) or (
                    isinstance(v, list) and len({type(x) for x in v}) <= 1), v


def test_stats_report_counts_top_entities_components_and_papers_missed(papers):
    lib, ep, ts = papers[LIB_TITLE], papers[EP_TITLE], papers[TRANSFORMER_TITLE]
    cifar = entity(lib, "CIFAR-10", "DATASET")
    G = build_graph([extracted(lib, cifar, entity(lib, "LIB", "METHOD")),
                     extracted(replace(lib, id="test:copy"), cifar),
                     extracted(ep), extracted(ts, entity(ts, "transformer", "MODEL"))])
    stats = graph_stats(G)
    assert stats["nodes"] == {"Paper": 4, "Method": 1, "Dataset": 1, "Model": 1}
    assert stats["edges"][MENTIONS] == 4
    assert stats["top_entities"]["Dataset"][0] == {"key": cifar.key, "name": "CIFAR-10", "papers": 2}
    assert stats["papers_without_entities"]["count"] == 1
    assert stats["papers_without_entities"]["examples"][0]["key"] == ep.id
    assert stats["components"]["count"] == nx.number_weakly_connected_components(G) == 3
    assert stats["degree"]["entity_papers"]["max"] == 2
    text = format_stats(stats)
    assert "CIFAR-10 (2)" in text and ep.title in text and "Connected components: 3" in text


# --- the two seed files, through reading and fast extraction --------------------------------------

@pytest.fixture(scope="module")
def seed_graph(seed_files):
    items = seed_extracted(seed_files)
    return items, build_graph(items)


def test_seed_graph_has_one_paper_node_per_paper_read(seed_graph):
    items, G = seed_graph
    papers = [n for n, d in G.nodes(data=True) if d["label"] == "Paper"]
    assert len(papers) == len({ep.paper.id for ep in items}) > 100
    assert graph_stats(G)["nodes"]["Paper"] == len(papers)


def test_seed_graph_has_no_two_entity_nodes_with_one_key(seed_graph):
    _, G = seed_graph
    keys = [d["key"] for _, d in G.nodes(data=True) if d["label"] not in ("Paper", "Repository")]
    assert keys and len(keys) == len(set(keys))
    assert all(n == f"{d['label']}:{d['key']}" and d["name"] for n, d in G.nodes(data=True))


def test_every_seed_mentions_edge_points_at_real_text(seed_graph):
    _, G = seed_graph
    checked = 0
    for u, _, k, d in G.edges(keys=True, data=True):
        if k != MENTIONS:
            continue
        paper = G.nodes[u]
        assert d["count"] == len(d["offsets"]) >= 1 and d["extractor"]
        for offset in d["offsets"]:
            field, span = offset.rsplit(":", 1)
            start, end = map(int, span.split("-"))
            assert paper[field][start:end] in d["texts"]
            checked += 1
        assert all(s in paper["title"] or s in paper["abstract"] for s in d["sentences"])
    assert checked > 50


def test_seed_repositories_are_deduplicated(seed_graph):
    items, G = seed_graph
    repos = {n: d for n, d in G.nodes(data=True) if d["label"] == "Repository"}
    linked = {r.key.casefold() for ep in items for r in ep.repositories}
    assert len(repos) == len(linked) > 5
    assert len({d["key"].casefold() for d in repos.values()}) == len(repos)
    for n, d in repos.items():
        for u, _, k, e in G.in_edges(n, keys=True, data=True):
            field, span = e["offsets"][0].rsplit(":", 1)
            start, end = map(int, span.split("-"))
            assert k == HAS_CODE and G.nodes[u][field][start:end] == e["url"]
            assert d["key"] in e["url"].casefold()


def test_a_dataset_named_with_and_without_its_generic_head_is_one_node(seed_graph):
    items, G = seed_graph
    spelled = {m.text for ep in items for e in ep.entities if e.label == "DATASET" and e.key == "mnist"
               for m in e.mentions}
    assert {"MNIST", "MNIST dataset"} <= spelled  # both spellings occur in the seed abstracts
    nodes = [d for _, d in G.nodes(data=True) if d["label"] == "Dataset" and "mnist" in d["key"]
             and "MNIST" in {d["name"], *d["aliases"]}]
    assert len(nodes) == 1 and nodes[0]["key"] == "mnist"
    assert "MNIST dataset" in {nodes[0]["name"], *nodes[0]["aliases"]}
