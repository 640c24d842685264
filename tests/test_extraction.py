"""Extraction on real seed abstracts (fast mode: rules and lexicons) and on the pieces it is built from."""

from __future__ import annotations

import re
from pathlib import Path

import numpy
import pytest

from kgbuild.extraction import (
    EXTRACTION_VERSION,
    canonical_key,
    extract_papers,
    find_links,
    load_pipeline,
    prediction_record,
)
from kgbuild.extraction.abbreviations import find_definitions
from kgbuild.extraction.canonical import bare_key
from kgbuild.extraction.pipeline import make_doc
from kgbuild.extraction.scored_ner import action_probabilities
from kgbuild.graph import MENTIONS, PAPER, build_graph, node_id
from kgbuild.reading import read_papers
from kgbuild.records import ENTITY_LABELS, ExtractedPaper, Paper

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def seeds() -> list[Paper]:
    return list(read_papers(sorted(EXAMPLES.glob("*.txt"))))


@pytest.fixture(scope="module")
def extracted(seeds):
    return {xp.paper.title: xp for xp in extract_papers(seeds, mode="fast")}


def _paper(extracted, title_start: str):
    return next(xp for title, xp in extracted.items() if title.startswith(title_start))


def _extract_one(abstract: str, title: str = "", mode: str = "fast") -> ExtractedPaper:
    """One invented paper through extraction."""
    [xp] = extract_papers([Paper(id="t", title=title, abstract=abstract)], mode=mode)
    return xp


def _entity(xp, name: str):
    return next((e for e in xp.entities if e.name.lower() == name.lower()
                 or name.lower() in (a.lower() for a in e.aliases)), None)


def test_every_seed_paper_is_extracted_once_in_order(seeds, extracted):
    assert len(extracted) == len({p.title for p in seeds})
    assert all(xp.extraction_version == EXTRACTION_VERSION for xp in extracted.values())


def test_worker_processes_recycled_mid_corpus_give_the_single_process_output(seeds):
    single = list(extract_papers(seeds, mode="fast"))
    pooled = list(extract_papers(seeds, mode="fast", n_process=2, batch_size=16, recycle_after=32))
    assert pooled == single
    assert all(a.paper is b for a, b in zip(pooled, seeds, strict=True))  # the caller's papers, not copies


def test_provenance_offsets_point_at_the_mention_text(extracted):
    checked = 0
    for xp in extracted.values():
        for entity in xp.entities:
            for mention in entity.mentions:
                field_text = getattr(xp.paper, mention.field)
                assert field_text[mention.start:mention.end] == mention.text
                assert mention.text in mention.sentence and mention.sentence in field_text
                assert mention.component and mention.label == entity.label
                checked += 1
    assert checked > 500


def test_model_mentions_carry_the_models_confidence_and_rule_matches_none(seeds):
    accurate = list(extract_papers(seeds, mode="accurate"))
    mentions = [m for xp in accurate for e in xp.entities for m in e.mentions]
    scored = [m for m in mentions if m.confidence is not None]
    assert len(scored) > 20 and all(0.0 < m.confidence <= 1.0 for m in scored)
    assert all("ner" in m.component for m in scored)
    assert all(m.confidence is not None for m in mentions if m.component.startswith("ner"))
    assert all(m.confidence is None for m in mentions if "ner" not in m.component)
    confidences = sorted(m.confidence for m in scored)
    assert confidences[0] < 0.9 < confidences[-1]  # the model is sure of some names and unsure of others
    found = {node_id(PAPER, xp.paper.id): {m.confidence for e in xp.entities for m in e.mentions} for xp in accurate}
    edges = [(u, d) for u, _, k, d in build_graph(accurate).edges(keys=True, data=True) if k == MENTIONS]
    sure = [(u, d) for u, d in edges if "confidence" in d]  # the graph keeps the highest model score
    assert sure and all(d["confidence"] in found[u] and any("ner" in x for x in d["extractor"]) for u, d in sure)


def test_unsure_model_guesses_are_dropped_unless_the_text_defines_them(seeds):
    resolver = load_pipeline("accurate").get_pipe("kgbuild_resolve")
    threshold = resolver.ner_min_confidence
    assert threshold >= 0.5
    try:
        resolver.ner_min_confidence = 0.0
        everything = {(xp.paper.id, e.label, e.name): e for xp in extract_papers(seeds, mode="accurate")
                      for e in xp.entities}
    finally:
        resolver.ner_min_confidence = threshold
    kept = {(xp.paper.id, e.label, e.name) for xp in extract_papers(seeds, mode="accurate") for e in xp.entities}
    dropped = set(everything) - kept
    assert kept <= set(everything) and dropped
    for key in dropped:
        assert all(m.component.startswith("ner_scholarly") and m.confidence < threshold
                   for m in everything[key].mentions), key
    defined = [e for e in everything.values() if any(m.component == "abbreviation" for m in e.mentions)
               and any(m.confidence is not None and m.confidence < threshold for m in e.mentions)]
    assert defined and all((k[0], e.label, e.name) in kept for k, e in everything.items() if e in defined)


def test_scored_ner_finds_exactly_what_the_greedy_model_finds(seeds):
    nlp = load_pipeline("accurate")
    for name in ("ner_scholarly", "ner_brain"):
        ner = nlp.get_pipe(name)
        greedy = list(ner.pipe([make_doc(nlp, p) for p in seeds]))
        scored = [make_doc(nlp, p) for p in seeds]
        probabilities = action_probabilities(ner, scored)
        assert sum(len(doc.ents) for doc in scored) > 20
        assert [[(e.start, e.end, e.label_) for e in doc.ents] for doc in scored] == \
            [[(e.start, e.end, e.label_) for e in doc.ents] for doc in greedy]
        for doc, taken in zip(scored, probabilities, strict=True):
            assert len(taken) == len(doc) and all(0.0 < p <= 1.0 for p in taken)


def test_corpus_mode_annotates_descriptive_phrases_with_its_own_model(seeds):
    from kgbuild.extraction import MODES

    assert "corpus" in MODES
    nlp = load_pipeline("corpus")
    assert "vote_ner_corpus" in nlp.pipe_names and "ner_scholarly" not in nlp.component_names
    assert {"ner_corpus_s0", "ner_corpus_s1", "ner_corpus_s2"} <= set(nlp.component_names)
    guided = {(xp.paper.id, e.label, e.name) for xp in extract_papers(seeds, mode="accurate") for e in xp.entities}
    corpus = list(extract_papers(seeds, mode="corpus"))
    entities = [(xp.paper.id, e) for xp in corpus for e in xp.entities]
    assert {e.label for _, e in entities} <= set(ENTITY_LABELS)  # its GENERIC and OTHER spans are never written
    added = [e for pid, e in entities if (pid, e.label, e.name) not in guided]
    components = {m.component for e in added for m in e.mentions}
    assert "ner_corpus" in components and not any("scholarly" in c for c in components)
    # SciERC-style descriptive phrases that the guidelines leave out: lower-case, several words, no name
    descriptive = [e.name for e in added if e.name.islower() and " " in e.name]
    assert len(descriptive) >= 20, descriptive


def test_the_corpus_ensemble_keeps_the_spans_most_of_its_members_found(seeds):
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("corpus")
    members = [f"cand:ner_corpus_s{i}" for i in range(3)]
    vote = nlp.get_pipe("vote_ner_corpus")
    assert vote.members == members and vote.min_votes == 2
    checked = 0
    with nlp.select_pipes(disable=["vote_ner_corpus", "kgbuild_resolve", "kgbuild_canonical"]):
        for paper in seeds[:30]:
            doc = nlp(make_doc(nlp, paper))
            groups = [{(s.start, s.end, s.label_) for s in doc.spans[key]} for key in members]
            voted = {(s.start, s.end, s.label_) for s in vote(doc).spans["cand:ner_corpus"]}
            assert voted == {span for span in set().union(*groups) if sum(span in g for g in groups) >= 2}
            assert not any(key in doc.spans for key in members)
            checked += len(voted)
    assert checked > 50


def test_entity_keys_are_unique_per_label_within_a_paper(extracted):
    for xp in extracted.values():
        keys = [(e.label, e.key) for e in xp.entities]
        assert len(keys) == len(set(keys)), xp.paper.title


def test_named_entities_found_with_their_type(extracted):
    visual_search = _paper(extracted, "Visual Search Asymmetry")
    assert _entity(visual_search, "ImageNet").label == "DATASET"
    higher_visual = _paper(extracted, "Meta-Learning an In-Context Transformer Model")
    assert _entity(higher_visual, "higher visual cortex").label == "BRAIN_REGION"
    assert _entity(higher_visual, "fMRI").label == "METHOD"
    neuroformer = _paper(extracted, "Neuroformer")
    assert _entity(neuroformer, "Neuroformer").label == "MODEL"


def test_generic_phrases_are_not_entities(extracted):
    generic = {"our model", "a novel approach", "the brain", "brain", "cortex", "neural networks", "model"}
    for xp in extracted.values():
        assert not {e.name.lower() for e in xp.entities} & generic, xp.paper.title


def test_abbreviation_joins_its_long_form_and_later_uses(extracted):
    hahi = _paper(extracted, "HA-HI")
    dti = _entity(hahi, "DTI")
    assert dti.name == "diffusion tensor imaging" and "DTI" in dti.aliases
    assert sum(m.text == "DTI" for m in dti.mentions) >= 2


def test_curated_abbreviation_gives_one_key_across_papers(extracted):
    keys = {e.key for xp in extracted.values() for e in xp.entities if e.label == "METHOD"
            and ("fMRI" in e.aliases or e.name == "fMRI")}
    assert keys == {canonical_key("functional magnetic resonance imaging", "METHOD")}


def test_spellings_of_one_benchmark_are_one_node_in_every_paper():
    papers = [Paper(id=str(i), title="", abstract=text) for i, text in enumerate([
        "We train the detector on MS COCO and report mAP on PASCAL VOC 2012.",
        "Captions come from Microsoft COCO; segmentation uses VOC2012.",
        "Our model is pre-trained on COCO and evaluated on the VOC 2012 test set."])]
    keys: dict[str, set[str]] = {}
    for xp in extract_papers(papers, mode="fast"):
        for e in xp.entities:
            if e.label == "DATASET":
                keys.setdefault(e.key, set()).update([e.name, *e.aliases])
    assert keys.keys() == {canonical_key("COCO", "DATASET"), canonical_key("PASCAL VOC 2012", "DATASET")}, keys
    assert {"MS COCO", "Microsoft COCO", "COCO"} <= keys[canonical_key("COCO", "DATASET")]


def test_repository_links_are_normalised(extracted):
    visual_search = _paper(extracted, "Visual Search Asymmetry")
    assert [r.key for r in visual_search.repositories] == ["kreimanlab/visualsearchasymmetry"]
    repo = visual_search.repositories[0]
    assert repo.host == "github" and repo.url == "https://github.com/kreimanlab/visualsearchasymmetry"


def test_prediction_record_has_what_score_py_reads(extracted):
    record = prediction_record(_paper(extracted, "HA-HI"))
    assert record["title"].startswith("HA-HI")
    entity = next(e for e in record["entities"] if e["name"] == "diffusion tensor imaging")
    assert entity["type"] == "METHOD" and entity["aliases"] == ["DTI"]
    assert {"text", "field", "start", "end", "sentence", "component"} <= set(entity["mentions"][0])
    assert record["repositories"][0]["key"] == "ici-bci/dual-mri-ha-hi"


@pytest.mark.parametrize("a, b, label", [
    ("ResNet-50", "ResNet50", "MODEL"),
    ("transformer", "Transformers", "MODEL"),
    ("CNNs", "CNN", "MODEL"),
    ("V1", "primary visual cortex", "BRAIN_REGION"),
    ("hippocampi", "hippocampus", "BRAIN_REGION"),
    ("non-negative matrix factorization", "Non-Negative Matrix Factorization", "METHOD"),
    ("functional MRI", "fMRI", "METHOD"),
    ("electroencephalogram", "EEG", "METHOD"),
    ("elastic weight consolidation", "EWC", "METHOD"),
    ("double deep Q-network", "Double DQN", "MODEL"),
    ("KITTI benchmark dataset", "KITTI", "DATASET"),
    # British and American spellings
    ("particle swarm optimisation", "Particle Swarm Optimization", "METHOD"),
    ("structural equation modelling", "structural equation modeling", "METHOD"),
    ("randomised smoothing", "randomized smoothing", "METHOD"),
    ("periaqueductal grey", "periaqueductal gray", "BRAIN_REGION"),
    ("haemodynamic response modelling", "hemodynamic response modeling", "METHOD"),
    ("Labelled Faces in the Wild", "Labeled Faces in the Wild", "DATASET"),
    ("dialogue state tracking", "dialog state tracking", "METHOD"),
    ("centre-surround normalisation", "center-surround normalization", "METHOD"),
    # plural words inside a name, not only at its end
    ("principal components analysis", "Principal Component Analysis", "METHOD"),
    ("mixtures of experts", "mixture-of-experts", "MODEL"),
    ("higher visual areas", "higher visual area", "BRAIN_REGION"),
    ("retinas", "retina", "BRAIN_REGION"),
])
def test_canonical_key_merges_spelling_variants(a, b, label):
    assert canonical_key(a, label) == canonical_key(b, label)


def test_lexicon_names_match_in_mixed_hyphenation_and_british_spelling_as_one_node():
    papers = [Paper(id="t:uk", title="Swarms", abstract="We tune weights by particle swarm optimisation and "
                    "spike timing-dependent plasticity in a spiking network."),
              Paper(id="t:us", title="Swarms again", abstract="Particle swarm optimization and "
                    "spike-timing-dependent plasticity are compared.")]
    uk, us = (xp for xp in extract_papers(papers, mode="fast"))
    assert {(e.name, e.label) for e in uk.entities} == {("particle swarm optimisation", "METHOD"),
                                                        ("spike timing-dependent plasticity", "METHOD")}
    assert {e.key for e in uk.entities} == {e.key for e in us.entities}


def test_a_name_and_its_short_form_are_one_node_however_the_text_spells_them():
    title = "Rules from Long Short Term Memory Networks"
    abstract = ("We consider Long Short Term Memory networks (LSTMs) and Quux Trellis Networks (QTNs). "
                "We propose a Sparse QTN (S-QTN); S-QTN trains faster than LSTMs.")
    xp = _extract_one(abstract, title=title)
    names = [(e.name.lower(), e.label) for e in xp.entities]
    assert len(names) == len(set(names)), names  # no two nodes of one name
    sparse = _entity(xp, "S-QTN")
    assert sparse is not None and sparse.name == "Sparse QTN"


def test_names_the_text_defines_apart_stay_apart_and_a_shared_shortening_joins_neither():
    xp = _extract_one("We cluster with quux clustering (QC) and propose sparse quux clustering (SQC); SQC beats QC.")
    assert {e.name for e in xp.entities if e.label == "METHOD"} == {"quux clustering", "sparse quux clustering"}
    xp = _extract_one("Reinforcement learning is brittle. We build on robust adversarial reinforcement learning "
                      "(RARL) and propose risk-averse robust adversarial reinforcement learning (RARARL); RARARL "
                      "crashes less than RARL.")
    short = {e.name.lower(): set(e.aliases) for e in xp.entities if e.label == "METHOD"}
    assert short["robust adversarial reinforcement learning"] == {"RARL"}
    assert short["risk-averse robust adversarial reinforcement learning"] == {"RARARL"}
    found = _fast("We compare the Kalman filter, the extended Kalman filter and the ensemble Kalman filter.")
    assert {name for name, label in found if label == "METHOD"} == {
        "Kalman filter", "extended Kalman filter", "ensemble Kalman filter"}  # two curated names, one shortening


def _entity_groups(text: str, spans: list[tuple[str, str]], pairs: list[tuple[str, str]], label: str = "METHOD"):
    """canonical.group_entities run directly on `label` spans: (phrase, component) spans, (short, long) pairs;
    each phrase is found at its first occurrence."""
    from spacy.tokens import Span

    from kgbuild.extraction.canonical import group_entities

    doc = load_pipeline("fast").make_doc(text)
    where = {}
    for phrase, _ in spans:
        start = text.index(phrase)
        span = doc.char_span(start, start + len(phrase))
        where[phrase] = (span.start, span.end)
    made = [Span(doc, *where[phrase], label=label, span_id=component) for phrase, component in spans]
    return group_entities(doc, made, [(where[a], where[b]) for a, b in pairs])


def _groups(text: str, spans: list[tuple[str, str]], pairs: list[tuple[str, str]]) -> list[set[str]]:
    """The span texts of each METHOD group (see `_entity_groups`)."""
    return [{s.text for s in g.spans} for g in _entity_groups(text, spans, pairs)]


def test_a_generic_tail_joins_the_name_it_follows_only_where_the_name_occurs():
    text = "QZR converges fast. We run the QZR algorithm beside genetic algorithms."
    groups = _entity_groups(text, [("QZR", "ner_scholarly"), ("QZR algorithm", "ner_scholarly"),
                                   ("genetic algorithms", "lexicon:curated")], [])
    assert [({s.text for s in g.spans}, g.key) for g in groups] == [
        ({"QZR", "QZR algorithm"}, canonical_key("QZR", "METHOD")),
        ({"genetic algorithms"}, canonical_key("genetic algorithm", "METHOD"))]
    text = "The Blorp-Quux model fits spikes; Blorp-Quux dynamics need no Zeta-Quux architecture."
    groups = _entity_groups(text, [("Blorp-Quux model", "ner_scholarly"), ("Blorp-Quux", "ner_scholarly"),
                                   ("Zeta-Quux architecture", "ner_scholarly")], [], label="MODEL")
    assert [({s.text for s in g.spans}, g.name, g.key) for g in groups] == [
        ({"Blorp-Quux model", "Blorp-Quux"}, "Blorp-Quux model", canonical_key("Blorp-Quux", "MODEL")),
        ({"Zeta-Quux architecture"}, "Zeta-Quux architecture", canonical_key("Zeta-Quux architecture", "MODEL"))]
    assert bare_key("Zeta-Quux architecture", "MODEL") == canonical_key("Zeta-Quux", "MODEL")
    assert bare_key("genetic algorithms", "METHOD") == "genetic" and bare_key("algorithm", "METHOD") is None
    assert bare_key("MNIST dataset", "DATASET") is None  # a dataset's head word leaves the key itself
    assert bare_key("Naive Bayes classifier", "METHOD") == canonical_key("naive Bayes", "METHOD")
    assert bare_key("F1 scores", "METRIC") == canonical_key("F1", "METRIC")


def test_a_dataset_named_with_task_or_split_words_is_that_dataset_in_every_paper():
    abstract = ("We train on COCO. Our detector tops the COCO detection benchmark and the KITTI object tracking "
                "dataset, and we parse the WSJ test set; the IJB-A face recognition dataset is left out.")
    xp = _extract_one(abstract)
    for core, qualified in [("COCO", "COCO detection benchmark"), ("KITTI", "KITTI object tracking dataset"),
                            ("WSJ", "WSJ test set"), ("IJB-A", "IJB-A face recognition dataset")]:
        entity = _entity(xp, qualified)
        # named by the bare name, keyed as a paper that writes only the bare name keys it
        assert (entity.label, entity.name, entity.key) == ("DATASET", core, canonical_key(core, "DATASET"))
        [mention] = [m for m in entity.mentions if m.text == qualified]
        assert abstract[mention.start:mention.end] == qualified
        assert mention.component.startswith("qualified+")
    assert _entity(xp, "face recognition") is None  # the task words belong to the dataset's name here
    xp = _extract_one("Faces of the extended Cohn-Kanade dataset (CK+) and scenes of the LSUN bedroom dataset.")
    faces, scenes = _entity(xp, "CK+"), _entity(xp, "LSUN bedroom")
    # a lexicon name that the definition's long form cuts into, and one with a plain head, keep their whole name
    assert (faces.label, faces.name) == ("DATASET", "extended Cohn-Kanade dataset")
    assert faces.key == canonical_key("extended Cohn-Kanade", "DATASET")
    assert (scenes.label, scenes.name) == ("DATASET", "LSUN bedroom dataset")
    xp = _extract_one("We test on the Cityscapes benchmark and the Brown Corpus. Cityscapes has 19 classes, "
                      "and Brown Corpus texts are balanced.")
    city, brown = _entity(xp, "Cityscapes"), _entity(xp, "Brown Corpus")
    # a name the text also writes alone is the name; its lower-case head only said what kind of thing it is
    assert (city.label, city.name, city.aliases) == ("DATASET", "Cityscapes", ("Cityscapes benchmark",))
    assert (brown.label, brown.name) == ("DATASET", "Brown Corpus")  # a capitalised head is part of the name
    assert bare_key("KITTI stereo dataset", "DATASET") == canonical_key("KITTI", "DATASET")
    assert bare_key("face recognition dataset", "DATASET") is None  # no name left without the task words


def test_a_chain_of_shortenings_never_joins_two_defined_or_curated_names():
    text = "We use quux clustering (QC), sparse quux clustering, and fast sparse quux clustering (FSQC)."
    groups = _groups(text, [("quux clustering", "abbreviation"), ("QC", "abbreviation"),
                            ("sparse quux clustering", "ner_scholarly"),
                            ("fast sparse quux clustering", "abbreviation"), ("FSQC", "abbreviation")],
                     [("QC", "quux clustering"), ("FSQC", "fast sparse quux clustering")])
    assert not any({"QC", "FSQC"} <= g for g in groups), groups
    text = "Reinforcement learning, deep reinforcement learning and robust adversarial reinforcement learning (RARL)."
    groups = _groups(text, [("Reinforcement learning", "lexicon:curated"),
                            ("deep reinforcement learning", "lexicon:curated"),
                            ("robust adversarial reinforcement learning", "abbreviation"), ("RARL", "abbreviation")],
                     [("RARL", "robust adversarial reinforcement learning")])
    assert not any({"deep reinforcement learning", "RARL"} <= g for g in groups), groups


def test_organisations_defined_in_the_text_are_no_entities():
    found = _fast("Scans came from the Zorbic Institute for Quux Studies (ZIQS) and the University of Blorp (UoB), "
                  "and the Quux Data Consortium (QDC) released them.")
    assert not {name for name, _ in found} & {"Zorbic Institute for Quux Studies", "ZIQS", "University of Blorp",
                                               "UoB", "Quux Data Consortium", "QDC"}, found
    from kgbuild.extraction.resolve import concept_named

    nlp = load_pipeline("fast")
    assert concept_named(nlp.make_doc("Association for Quux Linguistics")[:])
    assert not concept_named(nlp.make_doc("joint probabilistic data association")[:])  # a technique
    assert not concept_named(nlp.make_doc("Query by Committee")[:])  # a technique
    assert not concept_named(nlp.make_doc("pontine micturition center")[:])  # a region, not a name


def test_canonical_key_keeps_different_things_apart():
    assert canonical_key("ResNet-50", "MODEL") != canonical_key("ResNet-101", "MODEL")
    assert canonical_key("PointNet++", "MODEL") != canonical_key("PointNet", "MODEL")  # score.py reads them alike
    assert canonical_key("CK+", "DATASET") != canonical_key("CK", "DATASET")
    assert canonical_key("PointNet++)", "MODEL") == canonical_key("PointNet ++", "MODEL")
    xp = _extract_one("We attack PointNet, PointNet++ and DGCNN; PointNet++ suffers most.")
    assert _entity(xp, "PointNet") is not _entity(xp, "PointNet++")
    assert [m.text for m in _entity(xp, "PointNet++").mentions] == ["PointNet++", "PointNet++"]
    assert canonical_key("V1", "BRAIN_REGION") != canonical_key("V2", "BRAIN_REGION")
    assert canonical_key("analysis", "METHOD") == "analysis"
    assert canonical_key("supervised learning", "METHOD") == "supervisedlearning"  # not a British "-ise"
    assert canonical_key("denoising", "METHOD") == "denoising"
    assert canonical_key("Thomas algorithm", "METHOD") == "thomasalgorithm"
    assert canonical_key("pancreas", "METHOD") == "pancreas" and canonical_key("atlas", "DATASET") == "atlas"


@pytest.mark.parametrize("text, repo, url", [
    ("Code: https://github.com/Foo/Bar.git.", "foo/bar", "https://github.com/Foo/Bar.git"),
    ("(see https://github.com/a/b/tree/main/src).", "a/b", "https://github.com/a/b/tree/main/src"),
    (r"at \url{https://github.com/a/b}", "a/b", "https://github.com/a/b"),
    ("https://github.com/a/b}{https://github.com/a/b}", "a/b", "https://github.com/a/b"),
    ("at github.com/owner/repo-name, and", "owner/repo-name", "github.com/owner/repo-name"),
    ("https://gitlab.com/group/sub/proj/-/tree/x", "group/sub/proj", "https://gitlab.com/group/sub/proj/-/tree/x"),
    ("https://bitbucket.org/o/n/src/master/", "o/n", "https://bitbucket.org/o/n/src/master/"),
])
def test_repository_urls(text, repo, url):
    links = find_links(text)
    assert [(link.repo, link.url) for link in links] == [(repo, url)]


@pytest.mark.parametrize("text", ["Project page: https://owner.github.io/proj/.", "https://github.com/orgs/x",
                                  "data at www.example.org/data"])
def test_project_pages_are_urls_not_repositories(text):
    links = find_links(text)
    assert len(links) == 1 and links[0].repo is None


@pytest.mark.parametrize("text, short, long", [
    ("We study equilibrium propagation (EP) here.", "EP", "equilibrium propagation"),
    ("Mindful memoization (MM) is fast.", "MM", "Mindful memoization"),
    ("It uses neural architecture search (NAS; Zoph 2017) widely.", "NAS", "neural architecture search"),
    ("We test large language models (hereafter LLMs) on it.", "LLMs", "large language models"),
    ("Then Structure-from-Motion (SfM) is run.", "SfM", "Structure-from-Motion"),
    ("We use the medial prefrontal cortex (mPFC) data.", "mPFC", "medial prefrontal cortex"),
    ("We use ZEPA (Zero-Embedding Predictive Architecture).", "ZEPA", "Zero-Embedding Predictive Architecture"),
    ("A Ray-Traced Quux Proximity Search (RT-QPS) is fast.", "RT-QPS", "Ray-Traced Quux Proximity Search"),
    ("We stack multi-layer perceptrons~(MLPs) deeply.", "MLPs", "multi-layer perceptrons"),
    ("A Zorb Alignments and Zorb Interactions (ZA-ZI) method.", "ZA-ZI", "Zorb Alignments and Zorb Interactions"),
    ("We prompt with Tree of Zorbs (ToZ) here.", "ToZ", "Tree of Zorbs"),
    ("We study ZTS (Zorb-to-Speech) systems.", "ZTS", "Zorb-to-Speech"),
    ("We train multilayer zorbtrons~(MZs) here.", "MZs", "multilayer zorbtrons"),
    # a long form does not start inside a hyphenated word
    ("We apply non-negative zorb factorization (NZF) here.", "NZF", "non-negative zorb factorization"),
    ("We add anti-aliased zorb pooling (AZP) layers.", "AZP", "anti-aliased zorb pooling"),
    ('Our approach -- Zorb Diffusion for Visual Exploration ("ZorbDiVE") -- works.', "ZorbDiVE",
     "Zorb Diffusion for Visual Exploration"),
    # the text capitalises the letters it gives: the long form reaches the word with the first capital
    ("We run Biased Sampling based Zorb Filter (BSZF) queries.", "BSZF", "Biased Sampling based Zorb Filter"),
    ("We use Constraint-based causal Zorbing from heterogeneous/NOnstationary Data (CZ-NOD).", "CZ-NOD",
     "Constraint-based causal Zorbing from heterogeneous/NOnstationary Data"),
    # position letters around a capital core, in any order (the core itself may align loosely)
    ("Cells in the dorsal lateral zorbiculate nucleus (LZNd) fired.", "LZNd", "dorsal lateral zorbiculate nucleus"),
    ("It reaches the external lateral parazorbial subnucleus (PZel).", "PZel",
     "external lateral parazorbial subnucleus"),
    ("Neurons of the dorsolateral periaquezorbal gray (dlPAG) project.", "dlPAG", "dorsolateral periaquezorbal gray"),
    ("Highest in the rostromedial region of substantia zorba (SZrm) here.", "SZrm",
     "rostromedial region of substantia zorba"),
])
def test_abbreviation_definitions(text, short, long):
    nlp = load_pipeline("fast")
    doc = nlp.make_doc(text)
    for _, component in nlp.pipeline[:2]:
        doc = component(doc)
    assert [(s.text, lf.text) for s, lf in find_definitions(doc)] == [(short, long)]


def test_abbreviation_not_found_in_citations_or_figures():
    nlp = load_pipeline("fast")
    doc = nlp("Results (Fig. 2) improved (2019) as shown (see above).")
    assert doc._.kg_abbreviations == []
    # a name in brackets whose letters only a whole clause spells is an alternative, not a short form
    doc = nlp("Experimental results demonstrate that a proper sketch of ZorbNet (or ResNet) beats the baselines.")
    assert doc._.kg_abbreviations == []


def test_tokenizer_splits_scientific_glue():
    nlp = load_pipeline("fast")
    assert [t.text for t in nlp.make_doc("CIFAR-10/100")] == ["CIFAR-10", "/", "100"]
    assert [t.text for t in nlp.make_doc("propagation(EP)")] == ["propagation", "(", "EP", ")"]
    assert "divergence" in [t.text for t in nlp.make_doc(r"the $\alpha$-divergence")]
    assert "ResNet-50" in [t.text for t in nlp.make_doc("a ResNet-50-based model")]
    # PubMed's truncation mark glued to the last sentence
    assert [t.text for t in nlp.make_doc("superior olive.(ABSTRACT TRUNCATED")] == \
        ["superior", "olive", ".", "(", "ABSTRACT", "TRUNCATED"]


def test_shapes_find_models_datasets_and_regions_without_a_lexicon_entry():
    found = _fast("We train QuuxNet-34 and the Frobformer on the Zorblax Benchmark and the ZORB-7 dataset, and "
                  "record from the dorsolateral prefrontal cortex of macaque monkeys.")
    assert {("QuuxNet-34", "MODEL"), ("Frobformer", "MODEL"), ("Zorblax Benchmark", "DATASET"),
            ("ZORB-7 dataset", "DATASET"), ("dorsolateral prefrontal cortex", "BRAIN_REGION")} <= found


def test_unknown_mode_is_a_clear_error():
    from kgbuild.errors import KgbuildError

    with pytest.raises(KgbuildError, match="unknown extraction mode"):
        load_pipeline("turbo")


def _resolve_with_ner(text: str, ner: list[tuple[str, str]], mode: str = "fast") -> set[tuple[str, str]]:
    """Run the pipeline (fast: no models), add NER candidates as a trained model would, and resolve again."""
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline(mode)
    doc = nlp(make_doc(nlp, Paper(id="t", title="", abstract=text)))
    spans = []
    for phrase, label in ner:
        start = text.index(phrase)
        spans.append(doc.char_span(start, start + len(phrase), label=label))
    doc.spans["cand:ner_test"] = spans
    doc = nlp.get_pipe("kgbuild_resolve")(doc)
    return {(s.text, s.label_) for s in doc.spans["kg:entities"]}


def test_the_corpus_policy_keeps_a_trained_long_form_with_its_bracketed_short_form():
    # SciERC marks "linear-chain conditional random field (CRF)" as one span; the guidelines want the two forms
    text = "We tag sequences with a linear-chain zorbic random field (LZRF) and decode the LZRF greedily."
    span = "linear-chain zorbic random field (LZRF)"
    assert (span, "METHOD") in _resolve_with_ner(text, [(span, "METHOD")], mode="corpus")
    assert not any("(" in name for name, _ in _resolve_with_ner(text, [(span, "METHOD")]))


def test_a_defined_name_ending_in_a_compound_network_word_is_a_model():
    text = ("Our approach, Zorbic Metanetworks (ZMNs), processes the weights of other trained neural networks; ZMNs "
            "are fast.")
    found = _resolve_with_ner(text, [("Zorbic Metanetworks", "METHOD")])
    assert ("Zorbic Metanetworks", "MODEL") in found and ("ZMNs", "MODEL") in found


def test_a_trained_span_that_stops_inside_a_bracket_is_cut_back_or_dropped():
    text = "We report learning results on ZorbSet (2019), and as the Quux equilibrium (QE) is inefficient, we stop."
    found = _resolve_with_ner(text, [("ZorbSet (2019)", "DATASET"), ("Quux equilibrium (QE", "DATASET"),
                                     ("QE) is", "DATASET")])
    assert not any("(" in name or ")" in name for name, _ in found), found
    assert ("ZorbSet", "DATASET") in found  # cut back before the bracket it opened
    assert not any("Quux" in name for name, _ in found)  # it ran into a definition: no name at all

def test_trained_ner_regions_and_datasets_count_as_evidence():
    text = ("Neurons in the lateral part of the parafascicular thalamic nucleus of the rat project to the "
            "striatum; we also train a classifier on the Quux faces collection.")
    found = _resolve_with_ner(text, [("lateral part of the parafascicular thalamic nucleus", "BRAIN_REGION"),
                                     ("Quux faces collection", "DATASET")])
    assert ("lateral part of the parafascicular thalamic nucleus", "BRAIN_REGION") in found
    assert ("Quux faces collection", "DATASET") in found


def test_trained_region_spans_lose_the_words_they_ran_into():
    text = ("Retrograde tracers in the rat brain labelled neurons in area Q9 on the ventral bank and in the medial "
            "zorbic nucleus of the thalamus, and in the pars zeta (PZ) and a lateral band.")
    text += " The biological Zorbic Body Of The fly differs."
    found = _resolve_with_ner(text, [("area Q9 on the", "BRAIN_REGION"), ("medial zorbic nucleus of", "BRAIN_REGION"),
                                     ("pars zeta (PZ) and a", "BRAIN_REGION"),
                                     ("biological Zorbic Body Of The", "BRAIN_REGION")])
    regions = {t for t, label in found if label == "BRAIN_REGION"}
    assert {"area Q9", "medial zorbic nucleus", "Zorbic Body"} <= regions
    assert any(t.startswith("pars zeta") and t.endswith(")") for t in regions)
    assert not [t for t in regions if t.split()[-1] in {"the", "of", "a", "and", "on"}]


def test_generic_ner_spans_are_dropped():
    text = "Our model learns from images and beats BrainSCUBA in the brain of mice, neurons and synapses."
    found = _resolve_with_ner(text, [("Our model", "METHOD"), ("images", "DATASET"),
                                     ("BrainSCUBA", "BRAIN_REGION"), ("the brain", "BRAIN_REGION")])
    assert not {t for t, _ in found} & {"Our model", "model", "images", "BrainSCUBA", "brain", "the brain"}


def test_ner_spans_from_tex_are_dropped_but_underscored_names_stay():
    text = "The bound 3+c_1 of the classifier holds on CHASE_DB9 images."
    found = _resolve_with_ner(text, [("3+c_1", "METHOD"), ("CHASE_DB9", "DATASET")])
    assert ("CHASE_DB9", "DATASET") in found
    assert "3+c_1" not in {t for t, _ in found}


def test_undefined_ner_acronyms_follow_their_corpus_sense():
    text = "A UAV tuned by GA flies while ZQXW logs it; each UAV lands and learns."
    found = _resolve_with_ner(text, [("UAV", "METHOD"), ("GA", "METHOD"), ("ZQXW", "METHOD")])
    assert {("GA", "METHOD"), ("ZQXW", "METHOD")} <= found  # genetic algorithm; never defined: the NER decides
    assert "UAV" not in {t for t, _ in found}  # an unmanned aerial vehicle wherever papers define it
    found = _resolve_with_ner("Edge services learn to guard IoT devices.", [("IoT", "DATASET")])
    assert "IoT" not in {t for t, _ in found}  # mixed-case acronyms too: the Internet of Things


def test_a_dataset_only_the_ner_sees_needs_a_text_about_learning_systems():
    ner = [("Quux DataBase", "DATASET"), ("MATLAB", "DATASET")]
    found = _resolve_with_ner("Crystal structures from the Quux DataBase were refined in MATLAB.", ner)
    assert not {t for t, _ in found} & {"Quux DataBase", "MATLAB"}, found
    found = _resolve_with_ner("A classifier trained on the Quux DataBase was refined in MATLAB.", ner)
    assert ("Quux DataBase", "DATASET") in found


def test_neurons_of_an_animal_make_no_text_about_learning_systems():
    # the scholarly NER calls embryonic days and tracers datasets and techniques in neuroanatomy text
    ner = [("E12", "DATASET"), ("ZQB-tracer", "METHOD")]
    found = _resolve_with_ner("Neurons of the rat spinal cord were labeled with ZQB-tracer at E12 and E14.", ner)
    assert not [t for t, _ in found if t in {"E12", "ZQB-tracer"}], found
    found = _resolve_with_ner("Artificial neurons of a spiking neural network read ZQB-tracer data at E12.", ner)
    assert ("E12", "DATASET") in found, found


def test_a_phrase_only_the_ner_calls_a_technique_needs_a_text_about_learning_systems():
    ner = [("conventional ZQ FETs", "METHOD")]
    text = "Our decoder runs beside conventional ZQ FETs in the array."
    found = _resolve_with_ner(text, ner)
    assert not [t for t, _ in found if "FETs" in t], found
    found = _resolve_with_ner(text.replace("in the array", "when a neural network is trained"), ner)
    assert ("ZQ FETs", "METHOD") in found, found


def test_a_name_headed_problem_is_a_task_whatever_typed_it():
    found = _fast("We train a neural solver for the Zorbic Vehicle Quux Problem (ZVQP); the ZVQP is hard.")
    assert ("Zorbic Vehicle Quux Problem", "TASK") in found, found
    found = _resolve_with_ner("A network learns to solve zorbic quux problems.", [("zorbic quux problems", "METHOD")])
    assert ("zorbic quux problems", "METHOD") not in found


def test_well_known_names_of_no_type_are_dropped_when_only_the_ner_found_them():
    text = "A parser learns to query XML documents with SPARQL in MATLAB while ZQRX tags the RNAs."
    found = _resolve_with_ner(text, [("XML", "METHOD"), ("SPARQL", "METHOD"), ("MATLAB", "METHOD"),
                                     ("ZQRX", "METHOD"), ("RNAs", "METHOD")])
    assert not {t for t, _ in found} & {"XML", "SPARQL", "MATLAB", "RNAs"}, found
    assert ("ZQRX", "METHOD") in found


def test_a_variant_the_corpus_names_beats_the_curated_name_inside_it():
    from kgbuild.extraction import mine_variants

    found = _fast("We fit it by approximate maximum likelihood estimation and sequential importance sampling; "
                  "importance sampling alone is slow. A deep convolutional neural network reads the images.")
    assert {("approximate maximum likelihood estimation", "METHOD"), ("sequential importance sampling", "METHOD"),
            ("convolutional neural network", "MODEL")} <= found, found
    assert ("importance sampling", "METHOD") not in found  # the shortened form is an alias of the variant
    rows = [("zorbic importance sampling", 12, "importance sampling", 0.1),
            ("standard importance sampling", 40, "importance sampling", 0.0),
            ("quux importance sampling", 3, "importance sampling", 0.0),
            ("flarn importance sampling", 20, "importance sampling", 0.9)]
    assert mine_variants.select(rows) == [("zorbic importance sampling", "importance sampling")]
    pattern_rows = mine_variants.mine([("T", "We use zorbic importance sampling here."),
                                       ("U", "Then zorbic importance sampling again.")], ["importance sampling"])
    assert pattern_rows == [("zorbic importance sampling", 2, "importance sampling", 0.5)]  # "use" before it once


def test_a_language_and_its_texts_are_no_dataset():
    text = "We parse the Polish language, Korean text and Romance languages, then train on the Quux Gigaword corpus."
    found = _resolve_with_ner(text, [("Polish language", "DATASET"), ("Korean text", "DATASET"),
                                     ("Romance languages", "DATASET"), ("Quux Gigaword corpus", "DATASET")])
    assert not {t for t, _ in found} & {"Polish language", "Korean text", "Romance languages"}, found
    assert ("Quux Gigaword corpus", "DATASET") in found


def test_one_word_ner_names_need_the_vocabulary_of_the_fields_the_model_learned():
    """Out of its fields the scholarly NER calls molecules, protocols and chips techniques; the same guesses
    stay in a text on parsing or learning, and a code name cut out of "model DNA" still meets its sense."""
    ner = [("ZQSM", "METHOD"), ("ZQRX", "METHOD"), ("linear ZQPC", "METHOD")]
    found = _resolve_with_ner("Handsets switch from ZQSM to ZQRX links with linear ZQPC in cities.", ner)
    assert not {t for t, _ in found} & {"ZQSM", "ZQRX"}, found
    assert "linear ZQPC" not in {t for t, _ in found}  # several words need a learning word (test below)
    found = _resolve_with_ner("A parser switches from ZQSM to ZQRX links with linear ZQPC in cities.", ner)
    assert {("ZQSM", "METHOD"), ("ZQRX", "METHOD")} <= found
    found = _resolve_with_ner("A trained parser switches from ZQSM to ZQRX links with linear ZQPC in cities.", ner)
    assert ("linear ZQPC", "METHOD") in found
    found = _resolve_with_ner("Proteins slide along a model DNA while a learning rule tracks them.",
                              [("model DNA", "METHOD")])
    assert "DNA" not in {t for t, _ in found}, found  # the corpus spells DNA out as no technique
    assert ("Hamming distance", "METRIC") in _fast("Codes are compared by their Hamming distance here.")
    assert ("mutual information", "METRIC") in _fast("Features are ranked by mutual information with the label.")


def test_capitalised_words_before_a_curated_name_make_a_name_of_their_own():
    xp = _extract_one("Agents differ. They use Upside-Down Reinforcement Learning, unlike Reinforcement Learning, and "
                      "we train Sparse Autoencoders (SAEs) with Hierarchical Coevolutionary Genetic Algorithms.",
                      title="Upside-Down Reinforcement Learning Agents")
    upside, rl = _entity(xp, "Upside-Down Reinforcement Learning"), _entity(xp, "Reinforcement Learning")
    assert upside.label == "METHOD" and rl is not upside
    [mention] = upside.mentions  # the title, all capitals, says nothing of where the name starts
    assert (mention.field, mention.component) == ("abstract", "titled+lexicon:curated")
    assert xp.paper.abstract[mention.start:mention.end] == "Upside-Down Reinforcement Learning"
    assert _entity(xp, "Hierarchical Coevolutionary Genetic Algorithms").label == "METHOD"
    assert _entity(xp, "Sparse Autoencoders").name == "Sparse Autoencoders"  # "Sparse" begins the curated name
    xp = _extract_one("Bass Diffusion Model forecasts sales well.")  # where it begins is unclear
    assert _entity(xp, "Bass Diffusion Model") is None


def test_a_lower_case_compound_before_a_curated_name_is_part_of_it():
    found = _fast("We fit a non-linear regression and a reaction-diffusion model, then k-nearest neighbour search "
                  "with self-attention.")
    assert {("non-linear regression", "METHOD"), ("k-nearest neighbour search", "METHOD"),
            ("self-attention", "METHOD")} <= found
    assert not {name for name, _ in found} & {"linear regression", "diffusion model", "nearest neighbour search"}


def test_a_named_algorithm_keeps_every_capitalised_word_of_its_name():
    found = _fast("We run the Normalized Least Mean Square algorithm, then the Neighbor Joining algorithm.")
    assert {("Normalized Least Mean Square algorithm", "METHOD"), ("Neighbor Joining algorithm", "METHOD")} <= found
    assert not {name for name, _ in found} & {"Square algorithm", "Joining algorithm"}


def test_named_approximations_methods_samplers_and_rules_are_techniques_but_not_an_adjective_alone():
    found = _fast("We compare the Bethe approximation, Newton's method, the Gibbs sampler and the Hebbian rule with "
                  "a Bayesian method and a Gaussian approximation.")
    assert {("Bethe approximation", "METHOD"), ("Newton's method", "METHOD"), ("Gibbs sampler", "METHOD"),
            ("Hebbian rule", "METHOD")} <= found
    assert not {name for name, _ in found} & {"Bayesian method", "Gaussian approximation"}
    assert not _fast("Particles follow the Langevin equation and the Zorbic equation.")  # an equation is no technique


def test_a_title_that_calls_a_name_a_dataset_types_it_in_the_whole_text():
    xp = _extract_one("We introduce ZorbNet, 500 annotated matches. Models trained on ZorbNet spot goals.",
                      title="ZorbNet: A Scalable Dataset for Action Spotting")
    entity = _entity(xp, "ZorbNet")
    assert entity.label == "DATASET" and {m.field for m in entity.mentions} == {"title", "abstract"}
    assert {m.component for m in entity.mentions} == {"shapes:title_dataset"}
    xp = _extract_one("We release scans of 800 brains.", title="Quuxbrain: A large-scale dataset of MRI images")
    assert _entity(xp, "Quuxbrain").label == "DATASET"  # one plain word, named once: the title says what it is


def test_headings_and_quantities_are_no_names_whatever_a_model_guessed():
    text = "OBJECTIVES: we train a 2D model that runs 3-40x faster at -20 dB. RESULTS: ZQNet wins."
    found = _resolve_with_ner(text, [("OBJECTIVES", "DATASET"), ("2D", "METHOD"), ("3-40x", "METHOD"),
                                     ("-20 dB", "DATASET"), ("RESULTS", "METHOD"), ("ZQNet", "MODEL")])
    assert {t for t, _ in found} == {"ZQNet"}, found


def test_a_curated_technique_keeps_its_type_whatever_its_shape():
    found = _fast("We learn a Dynamic Bayesian Network from logs and a Bayesian Network from labels.")
    assert {("Dynamic Bayesian Network", "METHOD"), ("Bayesian Network", "METHOD")} <= found, found


def test_title_case_definitions_name_techniques_only_in_texts_about_learning_systems():
    assert ("Zorbic Quux Reality", "METHOD") not in _fast("Headsets for Zorbic Quux Reality (ZQR) sell well; ZQR "
                                                          "headsets are cheap.")
    assert ("Zorbic Quux Reality", "METHOD") not in _fast("An algorithm routes Zorbic Quux Reality (ZQR) queries; "
                                                          "ZQR headsets are cheap.")  # field words alone
    assert ("Zorbic Quux Reality", "METHOD") in _fast("Headsets for Zorbic Quux Reality (ZQR) learn users; ZQR "
                                                      "headsets are cheap.")


def test_ner_only_definitions_of_things_are_dropped_unless_something_else_speaks_for_them():
    text = "We schedule user equipment (UE) well; each UE reports."
    found = _resolve_with_ner(text, [("user equipment", "METHOD"), ("UE", "METHOD")])
    assert not {t for t, _ in found} & {"user equipment", "UE"}
    titled = "An Unmanned Aerial Vehicle (UAV) carries a UAV-MEC server for learning."
    found = _resolve_with_ner(titled, [("UAV-MEC", "METHOD")])
    assert ("UAV-MEC", "METHOD") in found  # a longer name that contains the short form stays
    assert not {t for t, _ in found} & {"Unmanned Aerial Vehicle", "UAV"}
    dataset = "We release the Unmanned Aerial Vehicle (UAV) Dataset of 900 flights."
    found = _resolve_with_ner(dataset, [])
    assert any(label == "DATASET" and "Unmanned Aerial Vehicle" in t for t, label in found)


def test_long_form_typed_by_head_before_a_prepositional_tail():
    xp = _extract_one("We solve the problem with the blorp direction method of multipliers (BDMM); BDMM is fast.")
    found = _entity(xp, "BDMM")
    assert found is not None and found.label == "METHOD"
    assert found.name.lower() == "blorp direction method of multipliers"


def _fast(text: str, title: str = "") -> set[tuple[str, str]]:
    return {(e.name, e.label) for e in _extract_one(text, title).entities}


@pytest.mark.parametrize("mode", ["fast", "accurate"])
def test_the_cortex_at_large_and_training_settings_are_no_entities(mode):
    xp = _extract_one("We collected cerebral images of neonates and mapped responses across cortical areas, over the "
                      "cortical surface and in the left hemisphere, from V1 to the cerebral cortex; neocortical "
                      "neurons spiked. The learning rate and batch size of the decoder were tuned.", mode=mode)
    found = {(e.name, e.label) for e in xp.entities}
    assert {("left hemisphere", "BRAIN_REGION"), ("cerebral cortex", "BRAIN_REGION")} <= found, found
    assert not {name.lower() for name, _ in found} & {"cerebral", "cortical areas", "cortical surface", "neocortical",
                                                       "learning rate", "batch size"}, found


@pytest.mark.parametrize("mode", ["fast", "accurate"])
def test_a_region_acronym_does_not_make_its_definition_a_region_in_another_field(mode):
    # IC and MEA are WhiteText region acronyms (inferior colliculus, medial amygdala); the texts speak of
    # neurons and spikes, so the neuroscience gate lets short region names through
    for text in ["Spiking neurons that share an interference channel (IC) are studied; the IC capacity bounds "
                 "how many spikes reach the receiver.",
                 "Multi-electrode arrays (MEA) record spontaneous spiking activity of cultured neurons; MEA "
                 "recordings were analysed."]:
        assert not [e for e in _extract_one(text, mode=mode).entities if e.label == "BRAIN_REGION"], text
    # a position word alone names a nucleus, as neuroscience writes it
    xp = _extract_one("Neurons of the mediodorsal (MD) and anterior thalamus project to prefrontal cortex; MD "
                      "lesions impair working memory.", mode=mode)
    md = _entity(xp, "MD")
    assert md is not None and md.label == "BRAIN_REGION" and md.name.startswith("mediodorsal"), xp.entities


@pytest.mark.parametrize("mode", ["fast", "accurate"])
def test_a_defined_network_or_machine_is_a_model_only_in_text_about_learning(mode):
    other = _extract_one("We schedule uplink traffic in Zorbic Passive Optical Networks (ZPONs) and log it on the "
                         "Quux Virtual Machine (QVM); ZPONs cut the latency of every QVM call.", mode=mode)
    assert not [e for e in other.entities if e.label == "MODEL"], other.entities
    learning = _extract_one("We train Zorbic Residual Networks (ZRNs) with gradient descent; deep ZRNs learn "
                            "image classification faster.", mode=mode)
    zrn = _entity(learning, "ZRNs")
    assert zrn is not None and zrn.label == "MODEL" and zrn.name == "Zorbic Residual Networks", learning.entities


def test_capitals_name_a_dataset_only_where_the_text_did_not_capitalise_every_word():
    xp = _extract_one("We store verb frames in a relational store. Unlike NoSQL databases, it keeps joins fast; "
                      "we also release the Zorbic Emotional Speech Corpus.",
                      title="A Lexical Database of Quux Verbs Using the Blorp Semantic Corpus")
    assert {e.name for e in xp.entities if e.label == "DATASET"} == {"Zorbic Emotional Speech Corpus"}, xp.entities


def test_capitals_give_no_dataset_that_starts_inside_a_longer_capitalised_run():
    # five capitalised words before "Suite" are more than the rule reads; its last four are no name
    xp = _extract_one("We evaluate the agent in two suites with pixel inputs: Zorbic Quux Lab and Blorp Control "
                      "Suite, and report returns after ten million frames.")
    names = {e.name for e in xp.entities if e.label == "DATASET"}
    assert not [name for name in names if name.startswith(("Lab", "Quux"))], xp.entities
    # a name after a sentence opener is still read whole
    xp = _extract_one("On Zorbic Control Suite the agent learns fastest.")
    assert {e.name for e in xp.entities if e.label == "DATASET"} == {"Zorbic Control Suite"}, xp.entities
    # a year is no name of its own: "Zorb Sound Events 2017 dataset" gives no "2017 dataset"
    xp = _extract_one("Features are evaluated on the public Zorb Sound Events 2017 dataset of 70 minutes.")
    assert not [e for e in xp.entities if e.name.startswith("2017")], xp.entities
    # named environments of the RL suites are benchmarks, as the suites that hold them are
    xp = _extract_one("We train PPO on CartPole, LunarLander and HalfCheetah, and on DeepMind Lab and "
                      "DeepMind Control Suite.")
    assert {e.name for e in xp.entities if e.label == "DATASET"} == {
        "CartPole", "LunarLander", "HalfCheetah", "DeepMind Lab", "DeepMind Control Suite"}, xp.entities


@pytest.mark.parametrize("mode", ["fast", "accurate"])
def test_a_short_model_name_is_a_model_only_in_text_about_learning(mode):
    # SSD (a detector), OPT and Gemini (language models) are curated model names; here they are other things
    other = _extract_one("We place the write cache on an SSD and bound OPT, the optimal offline cost, while the "
                         "Gemini telescope streams frames.", mode=mode)
    assert not [e for e in other.entities if e.label == "MODEL"], other.entities
    learning = _extract_one("We fine-tune OPT and Gemini with prompts and compare both language models.", mode=mode)
    assert {"OPT", "Gemini"} <= {e.name for e in learning.entities if e.label == "MODEL"}, learning.entities


def test_rates_and_ratios_are_no_words_of_neuroscience():
    # "TS" is a region short form of the WhiteText lexicon; a text needs neuroscience words to keep it
    found = _fast("Because the transition state (TS) moves as the loading rate is varied, the TS location and the "
                  "unbinding rates are hard to infer.")
    assert not [t for t, label in found if label == "BRAIN_REGION"], found
    found = _fast("In rats, cells of the transition state (TS) fire before the spiking of thalamic neurons.")
    assert [t for t, label in found if label == "BRAIN_REGION"], found


def test_encoding_and_decoding_analyses_are_methods_only_in_neuroscience_text():
    neuro = _fast("We fit voxelwise semantic encoding models to fMRI responses of human cortex and compare "
                  "them with neural decoding of cortical activity; these encoding models predict the brain well.")
    methods = {name for name, label in neuro if label == "METHOD"}
    assert "neural decoding" in methods
    # the shortened form joins the full name: one entity, not two
    assert len([m for m in methods if "encoding" in m]) == 1
    ml = _fast("Neural decoding with beam search improves machine translation on WMT benchmarks.")
    assert not any("decoding" in name for name, _ in ml)


def test_dataset_names_keep_their_head_but_not_a_shared_plural_one():
    found = _fast("We evaluate on the Labeled Faces in the Wild dataset, then on the LFW and YTF datasets.")
    names = {name for name, label in found if label == "DATASET"}
    assert "Labeled Faces in the Wild dataset" in names
    assert not any(name.endswith("datasets") for name in names)
    titled = _fast("We release scans of 500 infants.", title="Quuxbrain: A large-scale dataset of infant MRI")
    assert ("Quuxbrain", "DATASET") in titled


def test_region_compounds_and_hemispheres():
    found = _fast("Neurons of the macaque dorsal-lateral stream and the left hemisphere differ from "
                  "dorsomedial regions of the rat brain cortex.")
    regions = {name for name, label in found if label == "BRAIN_REGION"}
    assert {"dorsal-lateral stream", "left hemisphere"} <= regions
    assert "dorsomedial regions" not in regions


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "abstracts-cs_ml-00.jsonl.gz"


@pytest.mark.skipif(not CORPUS.is_file(), reason="unlabelled arXiv corpus not present")
def test_dataset_mining_on_real_abstracts_finds_datasets_and_filters_ordinary_words():
    import gzip
    import itertools
    import json

    from kgbuild.extraction.mine_datasets import mine, name_ok, select

    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        records = [(r["title"], r["abstract"]) for r in map(json.loads, itertools.islice(handle, 44000, 50000))]
    rows = mine(records)
    assert rows and all(name_ok(name) and 2 <= in_context <= total for name, in_context, total in rows)
    kept = set(select(rows))
    assert "MNIST" in kept  # a well-known dataset, announced as one in many of these abstracts
    assert not kept & {"The", "We", "English", "Twitter"}
    assert len(kept) < len(rows)  # the ratio filter drops names mostly used otherwise


@pytest.mark.skipif(not CORPUS.is_file(), reason="unlabelled arXiv corpus not present")
def test_method_mining_keeps_defined_technique_names_and_drops_fields_tasks_and_models():
    import gzip
    import itertools
    import json

    from kgbuild.extraction.mine_methods import HEADS, mine, select

    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        records = [(r["title"], r["abstract"]) for r in map(json.loads, itertools.islice(handle, 44000, 50000))]
    rows = mine(load_pipeline("fast"), records)
    assert rows and all(phrase.islower() and defined >= 2 for phrase, defined, _ in rows)
    mined = {phrase: short for phrase, _, short in rows}
    assert mined["stochastic gradient descent"] == "SGD"  # defined with its short form in several abstracts
    kept = set(select(rows, min_docs=2))
    assert {"stochastic gradient descent", "principal component analysis"} <= kept
    assert all(phrase.split()[-1] in HEADS for phrase in kept)
    # a field, a task and a model family are defined as often, but are not techniques
    assert {"deep learning", "automatic speech recognition", "convolutional neural network"} <= set(mined)
    assert not kept & {"deep learning", "automatic speech recognition", "convolutional neural network"}
    paper = Paper(id="t:pod", title="Reduced flows",
                  abstract="We reduce the flow with proper orthogonal decomposition and a sparse solver.")
    [xp] = extract_papers([paper], mode="fast")
    assert [(e.name, e.label) for e in xp.entities] == [("proper orthogonal decomposition", "METHOD")]


def _corpus_papers(shared: Path, wanted: dict[str, set[int]]) -> list[Paper]:
    """The corpus abstracts at the given line numbers of each corpus file, as papers."""
    import gzip
    import json

    papers = []
    for name, lines in wanted.items():
        with gzip.open(shared / "corpus" / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle):
                if number in lines:
                    row = json.loads(line)
                    papers.append(Paper(id=f"{name}:{number}", title=row["title"], abstract=row["abstract"]))
                if number >= max(lines):
                    break
    return papers


def test_trained_spans_cut_out_of_tex_mathematics_are_no_entities(shared_dir):
    papers = _corpus_papers(shared_dir, {"abstracts-cs_other_sample-00": {20741, 20631, 20419}})
    assert len(papers) == 3
    names = {e.name for xp in extract_papers(papers, mode="accurate") for e in xp.entities}
    assert not any(set(name) & set("$\\^_{}") for name in names)  # the NER saw "3+c_1", "O^*(1.657^k"


def test_acronym_senses_come_from_the_corpus_definitions():
    from kgbuild.extraction.acronyms import entity_share

    assert entity_share("UAV") < 0.5 and entity_share("SNR") < 0.5  # a vehicle, a ratio
    assert entity_share("SNRs") == entity_share("SNR")
    assert entity_share("GA") > 0.5 and entity_share("BFS") > 0.5  # genetic algorithm, breadth-first search
    assert entity_share("ZQXW") is None  # never defined: the NER's word stands
    assert entity_share("GAN") is None  # the lexicon lists it as a model


def test_undefined_acronyms_that_papers_define_as_devices_or_quantities_are_not_techniques(shared_dir):
    """Real abstracts from other fields use "FPGA", "UAV", "MIMO", "SNR" without defining them; the trained
    NER called them techniques. The corpus's own definitions say they are devices, vehicles, channels
    and ratios, while "BFS", "PTAS" and "DCT" are algorithms and transforms and stay."""
    papers = _corpus_papers(shared_dir, {"abstracts-cs_other_sample-00": {20334, 20657, 20548, 20609, 20514, 20718},
                                         "abstracts-stat_eess_medph-00": {20041}})
    assert len(papers) == 7
    found = {(e.name, e.label) for xp in extract_papers(papers, mode="accurate") for e in xp.entities}
    typed = {name for name, label in found if label in ("METHOD", "MODEL", "DATASET")}
    assert not typed & {"FPGA", "UAV", "MIMO", "SNR"}
    assert {("BFS", "METHOD"), ("PTAS", "METHOD"), ("DCT", "METHOD")} <= found


def test_defined_devices_and_measures_that_only_the_ner_typed_are_no_entities(shared_dir):
    """"gestational age (GA)", "unmanned aerial vehicle (UAV)", "user equipment (UE)": the abstracts define
    them and the trained NER called them techniques; corpus abstracts define the same long forms, and
    they are no technique, model or dataset. A technique in the same abstracts stays, and so does a longer
    name that contains such a short form."""
    from kgbuild.extraction.acronyms import names_other_thing

    assert names_other_thing("user equipments") and names_other_thing("Gestational Age")
    assert not names_other_thing("stochastic gradient descent") and not names_other_thing("Zorbex flow")
    papers = _corpus_papers(shared_dir, {"abstracts-stat_eess_medph-00": {20042, 20124, 20592},
                                         "abstracts-cs_other_sample-00": {20449}, "abstracts-cs_ml-00": {20634}})
    assert len(papers) == 5
    entities = [e for xp in extract_papers(papers, mode="accurate") for e in xp.entities]
    found = {(e.key, e.label) for e in entities}
    typed = {key for key, label in found if label in ("METHOD", "MODEL", "DATASET")}
    things = {canonical_key(name, "") for name in ("gestational age", "heart rate variability",
                                                   "unmanned aerial vehicle", "user equipment", "base station",
                                                   "visual inertial navigation systems")}
    assert not typed & things
    assert (canonical_key("boosted decision tree", "METHOD"), "METHOD") in found
    # "visual inertial navigation systems (VINS)" is no entity, but the filter "RIEKF-VINS" that contains it is
    assert "RIEKF-VINS" in {e.name for e in entities}


def test_title_case_definitions_of_devices_are_no_methods_but_named_techniques_are():
    found = _fast("We route packets in Wireless Sensor Networks (WSNs) built from a System-on-Chip (SoC) and "
                  "train them with Zorbex Flow Matching (ZFM). WSNs using ZFM last longer.")
    assert ("Zorbex Flow Matching", "METHOD") in found
    assert not {name for name, _ in found} & {"Wireless Sensor Networks", "System-on-Chip", "WSNs", "SoC"}


def test_dataset_lists_name_unseen_datasets_and_mined_short_forms_need_data_talk():
    from kgbuild.extraction.mine_datasets import listed_names

    text = "We report results on the Zorbex-17 and QuuxSet datasets, and on benchmarks such as Flarn-3 and PLOQ."
    assert {text[a:b] for a, b in listed_names(text)} == {"Flarn-3", "PLOQ", "Zorbex-17", "QuuxSet"}
    paper = Paper(id="t:zorbex", title="Zorbex and friends", abstract=text)
    [xp] = extract_papers([paper], mode="fast")
    assert {"Zorbex-17", "QuuxSet", "Flarn-3", "PLOQ"} <= {e.name for e in xp.entities if e.label == "DATASET"}
    neuro = Paper(id="t:ctb", title="Tracing",
                  abstract="Injections of CTB into the spinal cord labelled afferents in rats.")
    [xp] = extract_papers([neuro], mode="fast")
    assert not any(e.label == "DATASET" for e in xp.entities)  # "CTB" is a mined dataset name elsewhere


def test_a_dataset_named_with_its_head_has_the_bare_name_as_an_alias():
    abstract = ("We train on the Quuxbench-7 dataset and the Zorblax benchmark, and report results on our own "
                "training data set, an MNIST-like dataset and the Brown Corpus.")
    xp = _extract_one(abstract, title="Quux")
    found = {e.name: e for e in xp.entities if e.label == "DATASET"}
    assert found["Quuxbench-7 dataset"].aliases == ("Quuxbench-7",)
    assert found["Zorblax benchmark"].aliases == ("Zorblax",)
    assert found["Brown Corpus"].aliases == ()
    two_heads = _extract_one("We evaluate on the Quuxbench-7 benchmark dataset.", title="Quux")
    [entity] = [e for e in two_heads.entities if e.label == "DATASET"]
    assert entity.key == canonical_key("Quuxbench-7", "DATASET") and entity.aliases == ("Quuxbench-7",)
    assert not [e for e in xp.entities if "training" in e.name.lower() or "MNIST-like" in e.aliases]


def test_a_definition_in_a_list_of_datasets_is_a_dataset_with_all_its_uses():
    abstract = ("We compare search spaces on QuuxBench-101, QuuxBench-201, Zorbnet Design Spaces (ZDS), and "
                "BlorpBench-301. Predictors trained on ZDS transfer poorly; ZDS is small, and ZDS has few cells.")
    xp = _extract_one(abstract, title="Quux")
    found = {e.name: e for e in xp.entities}
    assert found["Zorbnet Design Spaces"].label == "DATASET" and found["Zorbnet Design Spaces"].aliases == ("ZDS",)
    assert len(found["Zorbnet Design Spaces"].mentions) == 5
    assert {e.label for e in xp.entities} == {"DATASET"}


def test_a_curated_name_in_a_list_of_other_things_keeps_its_type():
    abstract = ("We compare against ResNet-50, ViT-B/16, and Knowledge Distillation (KD) baselines. KD helps "
                "little, and KD costs more. We merge Low-Rank Adaptation (LoRA) task vectors.")
    xp = _extract_one(abstract, title="Quux")
    found = {e.name: e.label for e in xp.entities}
    assert found["Knowledge Distillation"] == "METHOD" and found["Low-Rank Adaptation"] == "METHOD"


def test_a_definition_followed_by_task_names_a_task():
    abstract = ("We study the circuit behind the Quux Object Naming (QON) task in small transformers. "
                "Patching two heads restores QON accuracy.")
    xp = _extract_one(abstract, title="Quux circuits")
    found = {e.name: e for e in xp.entities}
    assert found["Quux Object Naming"].label == "TASK" and found["Quux Object Naming"].aliases == ("QON",)


def _public_rows(shared: Path, corpus: str, ids: set[str]) -> list[dict]:
    import json

    path = shared / "eval-data" / corpus / "train.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row["doc_id"] in ids]


def _extract_rows(rows: list[dict], mode: str = "fast") -> dict[str, object]:
    from kgbuild.extraction.evaluation import gold_papers

    return {xp.paper.id: xp for xp in extract_papers(gold_papers(rows), mode=mode)}


def test_a_positioned_part_of_a_region_is_one_region_on_whitetext_abstracts(shared_dir):
    expected = {"PMID:10972944": {"central and lateral parts of the caudate nucleus",
                                  "medial edge of the caudate nucleus"},
                "PMID:9550142": {"lateral and medial parts of the parabrachial nucleus"},
                "PMID:7381058": {"lateral part of the deep mesencephalic nucleus"}}
    rows = _public_rows(shared_dir, "whitetext", set(expected))
    extracted = _extract_rows(rows)
    for row in rows:
        assert expected[row["doc_id"]] <= {e["name"] for e in row["entities"]}  # what WhiteText's curators marked
        regions = {e.name: e for e in extracted[row["doc_id"]].entities if e.label == "BRAIN_REGION"}
        for name in expected[row["doc_id"]]:
            assert any(m.component.startswith("part_of+") for m in regions[name].mentions), name
    # the short form inside the part reads as its long form: one entity, the spelled-out name first
    xp = extracted["PMID:7381058"]
    part = _entity(xp, "lateral part of the deep mesencephalic nucleus")
    assert part is not None and "lateral part of the DMN" in part.aliases
    assert _entity(xp, "deep mesencephalic nucleus").key != part.key


def test_dataset_coordination_counted_lists_and_definition_heads_on_scirex_abstracts(shared_dir):
    counted = "15e1af79939dbf90790b03d8aa02477783fb1d0f"  # "three large-scale datasets, A, B and C"
    headed = "20cc4bfdb648fd7947c71252589fc867d4d16933"  # "Long Form (LF) dataset"
    rows = _public_rows(shared_dir, "scirex", {counted, headed})
    extracted = _extract_rows(rows)
    names = {e.name for e in extracted[counted].entities if e.label == "DATASET"}
    assert {"Market-1501", "CUHK03", "DukeMTMC-reID"} <= names
    fgvc = _entity(extracted[headed], "FGVC")
    assert fgvc is not None and fgvc.label == "DATASET"
    paper = Paper(id="t:coord", title="Coordination",
                  abstract="Images from CIFAR-10, Zorb-5K and QuuxQA7 were resized; ResNet and GPU settings "
                  "follow prior work, and MNIST or transfer tasks are left out.")
    [xp] = extract_papers([paper], mode="fast")
    datasets = {e.name for e in xp.entities if e.label == "DATASET"}
    assert {"CIFAR-10", "Zorb-5K", "QuuxQA7", "MNIST"} <= datasets and not datasets & {"ResNet", "GPU", "transfer"}
    assert any(m.component == "coordination" for e in xp.entities for m in e.mentions)


@pytest.mark.skipif(not CORPUS.is_file(), reason="unlabelled arXiv corpus not present")
def test_publisher_notices_pasted_into_abstracts_yield_no_entities():
    import gzip
    import json

    from kgbuild.extraction.resolve import NOTICE

    wanted = {"arXiv:1902.01626", "arXiv:1103.3802"}  # an IEEE notice; an abstract about copyright protection
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        rows = {r["id"]: r for r in map(json.loads, handle) if r["id"] in wanted}
    notice = rows["arXiv:1902.01626"]["abstract"]
    [match] = NOTICE.finditer(notice)
    assert match.group().startswith("Copyright 20XX IEEE. Personal use of this material is permitted.")
    assert not list(NOTICE.finditer(rows["arXiv:1103.3802"]["abstract"]))  # "Copyright protection" is a topic
    # the notice as it appears in some SciREX abstracts: the trained NER reads its capitalised words as datasets
    abstract = ("We train a detector on the Zorb-5K dataset and report mAP. IEEE Copyright Notice Copyright (c) 2016 "
                "IEEE Personal use of this material is permitted. Permission from IEEE must be obtained.")
    xp = _extract_one(abstract, title="A detector", mode="accurate")
    assert {m.text for e in xp.entities for m in e.mentions} == {"Zorb-5K dataset", "mAP"}


def test_tex_citation_keys_pasted_into_abstracts_yield_no_entities():
    # the trained NER reads parts of citation keys as technique names ("Chen:2005", "RUP")
    abstracts = [
        "We revisit how to find a generator of the multiplicative group modulo a prime \\cite{Shoup:1992:PRT,"
        "Chen:2005:ESR}. Shoup suggests that a small set suffices. We then give algorithms computing primitive "
        "roots with high probability in polynomial time.",
        "Sparse recovery with greedy pursuit \\cite{Tropp:2004:GIG} and convex relaxation \\cite{Candes:2006:RUP} "
        "is revisited for structured dictionaries using deep learning.",
        "Following \\citep[Sec. 2]{Smith:2010:LDA}, we fit a topic model to the corpus with variational inference.",
    ]
    found = set()
    for abstract in abstracts:
        xp = _extract_one(abstract, title="Numbers", mode="accurate")
        keys = [(m.start(), m.end()) for m in re.finditer(r"\\cite[a-z]*(?:\[[^\]]*\])?\{[^}]*\}", abstract)]
        assert len(keys) >= 1
        for mention in (m for e in xp.entities for m in e.mentions):
            assert not any(a < mention.end and mention.start < b for a, b in keys), mention
        found |= {e.name for e in xp.entities}
    assert "variational inference" in found  # the text outside the keys is read as before


@pytest.mark.parametrize("mode", ["fast", "accurate"])
def test_a_lexicon_name_in_a_phrase_of_another_sense_is_no_entity(mode):
    # "transformer" and "dropout" are in the curated lexicon; a power transformer and a student dropout are not
    xp = _extract_one("Fault diagnosis of power transformers uses dissolved gas data; each distribution transformer "
                      "is monitored. Student dropout in online courses is also studied. We train a Transformer "
                      "with dropout on both tasks.", title="Diagnosis", mode=mode)
    texts = sorted(m.text for e in xp.entities for m in e.mentions)
    assert texts == ["Transformer", "dropout"]


@pytest.mark.parametrize("notice", ["To appear in Theory and Practice of Zorbic Programming (TPZP).",
                                    "This paper is under consideration for acceptance in Journal of Quux Learning "
                                    "(JQL)."])
def test_a_publication_notice_names_a_venue_not_a_technique(notice):
    xp = _extract_one(f"We compare answer set programming solvers with deep learning. {notice}", title="Solvers",
                      mode="accurate")
    start = xp.paper.abstract.index(notice.split(" in ")[-1])
    assert xp.entities and all(m.start < start for e in xp.entities for m in e.mentions), xp.entities


def test_a_trained_span_holding_an_equation_is_no_entity():
    # the scholarly NER reads "RMSE=149.7" as a technique
    xp = _extract_one("The proposed model reached better scores (nRMSE=23.4%, RMSE=99.0 W.h) compared to those "
                      "obtained with the persistence (nRMSE=42.2%, RMSE=149.7 W.h). We use a neural network "
                      "forecaster trained by deep learning.", title="Forecasting", mode="accurate")
    assert not any("=" in m.text for e in xp.entities for m in e.mentions)


def test_one_word_region_names_of_other_organs_need_an_anatomical_text():
    yeast = _fast("Mutants with errors in septum positioning divide early; the model predicts cell size control.")
    assert not any(label == "BRAIN_REGION" for _, label in yeast)
    brain = _fast("Neurons of the septum and the hippocampus fire in theta rhythm in the rat brain.")
    assert ("septum", "BRAIN_REGION") in brain


def test_a_dataset_spelled_in_mixed_case_is_not_an_acronym_in_capitals():
    found = _fast("Addresses are passed with DHCP in the network. We segment neonatal brains of the dHCP with a CNN.")
    assert ("dHCP", "DATASET") in found and not any(name == "DHCP" for name, _ in found)


def test_a_shared_task_of_a_numbered_dataset_is_its_own_dataset():
    found = _fast("We evaluate a CNN on DCASE 2018 Task 5 and on SemEval 2010, and compare with DCASE 2017.")
    assert {("DCASE 2018 Task 5", "DATASET"), ("SemEval 2010", "DATASET"), ("DCASE 2017", "DATASET")} <= found


def test_a_platform_is_no_dataset_even_where_a_corpus_lexicon_has_it():
    found = _fast("We test our CNN on a large dataset of YouTube clips and on YouTube Faces.")
    assert ("YouTube Faces", "DATASET") in found and ("YouTube", "DATASET") not in found


def test_a_program_is_no_technique():
    # the scholarly NER calls simulators and engines techniques; the text says they are programs
    xp = _extract_one("The learning algorithm was evaluated in Virtual Test Drive (VTD), a comprehensive traffic "
                      "simulator. We also propose QueenBee, a decentralized search engine, and drive a PTV VISSIM "
                      "microsimulation environment with reinforcement learning.", title="Driving", mode="accurate")
    names = {e.name for e in xp.entities}
    assert "reinforcement learning" in names
    assert not names & {"Virtual Test Drive", "VTD", "QueenBee", "PTV VISSIM"}, names


@pytest.mark.parametrize("title, name", [("ZorbKit: A Python Library for Graph Learning", None),
                                          ("ZorbSim: An Open-Source Traffic Simulator", None),
                                          ("ZorbScript: A Language for Robot Controllers", None),
                                          ("ZorbAct: Making Activations Trainable", "ZorbAct"),
                                          ("ZorbAct: A Language Model Trained on Code", "ZorbAct")])
def test_a_title_that_calls_its_system_a_program_names_no_technique(title, name):
    found = _fast("We present it and train neural networks with deep learning.", title=title)
    assert {n for n, label in found if label == "METHOD" and n.startswith("Zorb")} == ({name} if name else set())


def test_names_listed_after_a_program_head_are_programs():
    # "the verifiers X, Y and Z": the scholarly NER calls such names techniques; a sentence break ends the list
    xp = _extract_one("We compare the verifiers CPAchecker, SeaHorn and Ultimate Automizer on C programs in unknown "
                      "environments. The Cognitive Mapper and Planner (CMP) is based on a joint architecture for "
                      "mapping and planning. CMP constructs a top-down belief map of the world, and CMP outperforms "
                      "classical path planning approaches.", title="Verification and navigation", mode="accurate")
    names = {e.name for e in xp.entities}
    assert not names & {"CPAchecker", "SeaHorn", "Ultimate Automizer"}, names
    assert "Cognitive Mapper and Planner" in names


def test_a_title_case_subtitle_that_calls_the_system_a_library_drops_the_trained_name():
    # the scholarly NER finds the name; the subtitle's head ("Library") says it is a program, even after a
    # capitalised stop word ("Least")
    xp = _extract_one("We describe the package and its regularized least squares solvers.",
                      title="GURLS: a Least Squares Library for Supervised Learning", mode="accurate")
    assert "GURLS" not in {e.name for e in xp.entities}


def test_a_name_matches_with_any_mix_of_hyphens_and_spaces():
    found = _fast("We solve correlated generalized least-squares problems and fit iterated weighted least-squares.")
    assert {("generalized least-squares", "METHOD"), ("weighted least-squares", "METHOD")} <= found


def test_the_brain_ner_runs_only_on_texts_with_anatomical_words(seeds, shared_dir):
    from kgbuild.extraction.gate import REGION_WORDS
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("accurate")
    for name in ("ner_brain", "ner_brain_encoder", "ner_brain_tagger"):  # the model and its voters
        assert name in nlp.disabled and f"gate_{name}" in nlp.pipe_names
    plain = [p for p in seeds if not REGION_WORDS.search(f"{p.title} {p.abstract}")][:20]
    [neuro] = _public_rows(shared_dir, "whitetext", {"PMID:9550142"})
    neuro_paper = Paper(id=neuro["doc_id"], title=neuro["title"], abstract=neuro["abstract"])
    docs = list(nlp.pipe(make_doc(nlp, p) for p in [*plain, neuro_paper]))
    assert plain and all(len(doc.spans["cand:ner_brain"]) == 0 for doc in docs[:-1])
    assert len(docs[-1].spans["cand:ner_brain"]) >= 3  # the wrapped NER did run on the neuroanatomy abstract


def test_the_brain_ner_keeps_what_two_voters_found_or_the_tagger_is_sure_of(shared_dir):
    from kgbuild.extraction.scored_ner import CONFIDENCE

    nlp = load_pipeline("accurate")
    members = ["cand:ner_brain", "cand:ner_brain_encoder", "cand:ner_brain_tagger"]
    vote = nlp.get_pipe("vote_ner_brain")
    assert vote.members == members and vote.min_votes == 2 and vote.trusted == {"cand:ner_brain_tagger": 0.5}
    rows = _public_rows(shared_dir, "whitetext", {"PMID:1692855", "PMID:2358512", "PMID:3995367"})
    assert len(rows) == 3
    disagreements = kept = alone = 0
    with nlp.select_pipes(disable=["vote_ner_brain", "kgbuild_resolve", "kgbuild_canonical"]):
        for row in rows:
            doc = nlp(make_doc(nlp, Paper(id=row["doc_id"], title=row["title"], abstract=row["abstract"])))
            groups = [{(s.start, s.end, s.label_) for s in doc.spans[key]} for key in members]
            assert all(groups)  # every voter ran on the neuroanatomy abstract
            voted = {(s.start, s.end, s.label_) for s in vote(doc).spans["cand:ner_brain"]}
            majority = {span for span in set().union(*groups) if sum(span in g for g in groups) >= 2}
            sure = {span for span in groups[2] if doc.user_data[(CONFIDENCE, *span)] >= 0.5}
            assert voted == majority | sure
            disagreements += len(set().union(*groups) - set.intersection(*groups))
            kept += len(voted)
            alone += len(sure - majority)
    assert kept >= 10 and disagreements > 0 and alone > 0


def test_a_trusted_voter_needs_no_second_vote_where_it_is_confident():
    import spacy
    from spacy.tokens import Span

    from kgbuild.extraction.scored_ner import CONFIDENCE
    from kgbuild.extraction.vote import NerVote

    doc = spacy.blank("en")("Fibres from the locus coeruleus reach the dentate gyrus and the lateral septum .")
    groups = {"cand:a": [(3, 5), (7, 9)], "cand:b": [(3, 5)], "cand:t": [(7, 9), (11, 13)]}
    confidence = {(7, 9): 0.4, (11, 13): 0.9}
    for key, spans in groups.items():
        doc.spans[key] = [Span(doc, start, end, label="BRAIN_REGION") for start, end in spans]
    for (start, end), value in confidence.items():
        doc.user_data[(CONFIDENCE, start, end, "BRAIN_REGION")] = value
    NerVote("v", list(groups), "cand:voted", trusted={"cand:t": 0.5})(doc)
    # "locus coeruleus" by two votes, "dentate gyrus" by two (the tagger unsure, but seconded), "lateral septum"
    # by the tagger alone at 0.9; no member group is left behind
    assert [s.text for s in doc.spans["cand:voted"]] == ["locus coeruleus", "dentate gyrus", "lateral septum"]
    assert not set(groups) & set(doc.spans)
    doc.spans.update({key: [Span(doc, a, b, label="BRAIN_REGION") for a, b in spans] for key, spans in groups.items()})
    NerVote("v", list(groups), "cand:voted")(doc)  # trusting none: the majority alone
    assert [s.text for s in doc.spans["cand:voted"]] == ["locus coeruleus", "dentate gyrus"]


def test_the_fine_tuned_tagger_marks_region_names_with_a_confidence():
    from kgbuild.extraction.scored_ner import CONFIDENCE

    nlp = load_pipeline("accurate")
    tagger = nlp.get_pipe("ner_brain_tagger")
    neuro = Paper(id="n", title="Thalamic projections to the frontal cortex of the rat",
                  abstract="Injections of tracer into the mediodorsal nucleus of the thalamus labeled terminals in the "
                           "prelimbic cortex and the anterior cingulate cortex, but not in the hippocampus.")
    doc = tagger(make_doc(nlp, neuro))
    spans = doc.spans["cand:ner_brain_tagger"]
    assert {"frontal cortex", "prelimbic cortex", "anterior cingulate cortex", "hippocampus"} <= {s.text for s in spans}
    assert all(0.5 < doc.user_data[(CONFIDENCE, s.start, s.end, "BRAIN_REGION")] <= 1.0 for s in spans)
    assert not any(s.start_char < doc._.kg_abstract_start < s.end_char for s in spans)  # title and abstract apart
    plain = Paper(id="p", title="Scaling vision transformers",
                  abstract="We train a convolutional network on ImageNet and evaluate it on COCO with a new loss.")
    assert list(tagger(make_doc(nlp, plain)).spans["cand:ner_brain_tagger"]) == []


def test_the_tagger_reads_long_texts_in_windows_of_whole_words():
    from kgbuild.extraction.tagger import PIECES, bio_spans, viterbi, windows

    tagger = load_pipeline("accurate").get_pipe("ner_brain_tagger")
    words = ("The subthalamic nucleus and the parabrachial complex receive afferents ; " * 60).split()
    parts = windows(tagger.tokenizer, words)
    assert len(parts) > 2 and all(len(ids) <= PIECES + 2 for ids, _labels, _first in parts)  # with [CLS], [SEP]
    assert [word for _ids, _labels, first in parts for _piece, word in first] == list(range(len(words)))
    assert len(tagger.log_probabilities(words)) == len(words)
    # I never starts a path nor follows O, however much the scores favour it
    favour_inside = numpy.log(numpy.array([[0.1, 0.1, 0.8], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8]]))
    path = viterbi(favour_inside)
    assert path[0] != 2 and all(not (a == 0 and b == 2) for a, b in zip(path, path[1:], strict=False))
    assert bio_spans([1, 2, 0, 1, 1, 2, 2]) == [(0, 2), (3, 4), (4, 7)]


def test_a_tagger_without_its_weights_is_one_clear_error(tmp_path):
    from kgbuild.extraction.pipeline import ExtractionError
    from kgbuild.extraction.tagger import TransformerTagger

    with pytest.raises(ExtractionError, match="weights.npz"):
        TransformerTagger("ner_x", tmp_path, "BRAIN_REGION", "cand:ner_x", -2.0)
    # weights that do not say which encoder they were fine-tuned from cannot be laid over one
    numpy.savez(tmp_path / "weights.npz", **{"head.weight": numpy.zeros((384, 3)), "head.bias": numpy.zeros(3)})
    with pytest.raises(ExtractionError, match="names no encoder kgbuild knows"):
        TransformerTagger("ner_x", tmp_path, "BRAIN_REGION", "cand:ner_x", -2.0)


def test_the_shipped_tagger_names_its_encoder():
    from kgbuild.extraction.encoder import ENCODERS
    from kgbuild.extraction.pipeline import MODELS
    from kgbuild.extraction.tagger import ENCODER, WEIGHTS

    with numpy.load(MODELS / "brain_tagger" / WEIGHTS) as weights:
        assert str(weights[ENCODER]) in ENCODERS
        assert all(weights[name].dtype == numpy.float16 for name in weights.files if name != ENCODER)


def test_a_versioned_short_form_and_a_split_of_a_definition_name_a_dataset():
    abstract = ("We reach 50% on the validation set of Urban Street Scenes in the Wild (USSW 2.0), then fine-tune "
                "on USSW 2.0 again. The test split of the Zorp Faces Archive (ZFA) is harder; ZFA has 9k faces.")
    xp = _extract_one(abstract, title="Street scenes")
    found = {e.name: e for e in xp.entities}
    assert found["Urban Street Scenes in the Wild"].label == "DATASET"
    assert found["Urban Street Scenes in the Wild"].aliases == ("USSW 2.0",)
    assert len([m for m in found["Urban Street Scenes in the Wild"].mentions if m.text == "USSW 2.0"]) == 2
    assert found["Zorp Faces Archive"].label == "DATASET" and "ZFA" in found["Zorp Faces Archive"].aliases


def test_a_trained_region_span_over_a_clause_splits_into_the_regions_around_it():
    from kgbuild.extraction.resolve import REGION_BREAKS

    assert {"reach", "although", "mainly"} <= REGION_BREAKS and not {"nucleus", "caudal", "of"} & REGION_BREAKS
    text = ("In rats, neurons of the medial zorbic nucleus reach the rostral and medial part of the caudate-putamen, "
            "and fibers end in the caudal part of this nucleus.")
    found = _resolve_with_ner(text, [
        ("medial zorbic nucleus reach the rostral and medial part of the caudate-putamen", "BRAIN_REGION"),
        ("caudal part of this nucleus", "BRAIN_REGION")])
    regions = {t for t, label in found if label == "BRAIN_REGION"}
    assert {"medial zorbic nucleus", "rostral and medial part of the caudate-putamen"} <= regions
    assert not any("reach" in t or "this" in t or t.startswith("caudal part") for t in regions)


def test_a_corpus_lexicon_short_form_defined_as_a_generic_field_is_no_entity():
    abstract = ("We bridge machine learning and computational neuroscience (CN). Results from CN suggest that "
                "recurrent circuits in the brain and in neurons of the cortex support memory.")
    xp = _extract_one(abstract, title="Bridging fields")
    assert not any("CN" in (e.name, *e.aliases) for e in xp.entities)


def test_later_uses_of_a_hyphenated_or_reversed_short_form_join_the_long_form():
    abstract = ("We build on ZEPA (Zero-Embedding Predictive Architecture) and a Ray-Traced Quux Proximity Search "
                "(RT-QPS). ZEPA learns fast, and RT-QPS beats brute force.")
    xp = _extract_one(abstract)
    found = {e.name: e for e in xp.entities}
    assert found["Zero-Embedding Predictive Architecture"].label == "MODEL"  # the head noun types it
    assert found["Zero-Embedding Predictive Architecture"].aliases == ("ZEPA",)
    assert found["Ray-Traced Quux Proximity Search"].aliases == ("RT-QPS",)
    assert len(found["Ray-Traced Quux Proximity Search"].mentions) == 3


def test_names_of_ideas_and_dimensions_are_not_entities():
    abstract = ("We test the Linear Zorb Hypothesis (LZH) and Theory of Mind (ToM) on 2D and 3D datasets. "
                "LZH holds for ToM, and equilibrium propagation trains the network.")
    xp = _extract_one(abstract, mode="accurate")
    assert {e.name for e in xp.entities} == {"equilibrium propagation"}


def test_code_names_coordinated_with_a_model_and_sized_models_are_models():
    abstract = "We compare S4, Zorb5, and the LRU, and evaluate BORK-7B on reasoning; LAION-5B is left out."
    xp = _extract_one(abstract)
    labels = {e.name: e.label for e in xp.entities}
    assert labels["Zorb5"] == "MODEL" and labels["BORK-7B"] == "MODEL"
    assert labels["LAION-5B"] == "DATASET"  # a curated dataset outranks the size shape


def test_lexicon_names_match_across_prefix_hyphens_and_grow_over_a_glued_prefix():
    from kgbuild.extraction.lexicons import variants

    assert {"multi-layer perceptron", "multilayer perceptron"} <= variants("multilayer perceptron")
    abstract = ("A multi-layer perceptron reads features from Places-CNN; a Semi-Nonnegative Matrix Factorization "
                "of self-attention mechanisms follows, unlike a non-Transformer baseline and Image-fMRI pairs.")
    xp = _extract_one(abstract)
    labels = {e.name: e.label for e in xp.entities}
    assert labels["multi-layer perceptron"] == "MODEL" and labels["Places-CNN"] == "MODEL"
    assert labels["Semi-Nonnegative Matrix Factorization"] == "METHOD" and "self-attention mechanisms" in labels
    assert "Transformer" in labels and "non-Transformer" not in labels  # a negation is not part of the name
    assert "Image-fMRI" not in labels


def test_a_code_shaped_prefix_makes_a_longer_name_of_a_lexicon_match():
    abstract = ("We build on QZX-SLAM and sample with DQ-MCMC, then compare against plain SLAM; "
                "MEG-EEG recordings and PCA-SVM pipelines stay two names each.")
    labels = {e.name: e.label for e in _extract_one(abstract).entities}
    assert labels.get("QZX-SLAM") == "METHOD" and labels.get("DQ-MCMC") == "METHOD"
    assert "MCMC" not in labels  # the lexicon's MCMC does not stand alone inside DQ-MCMC
    assert labels.get("Simultaneous Localization and Mapping", labels.get("SLAM")) == "METHOD"  # plain SLAM
    assert {"MEG", "EEG", "PCA", "SVM"} <= set(labels) and not {"MEG-EEG", "PCA-SVM"} & set(labels)

def test_a_system_the_text_introduces_by_apposition_is_named_and_typed_by_its_head():
    abstract = ("We introduce Zorb Steering, a training-free activation steering technique, and we describe "
                "Sparzey, an unsupervised hierarchical memory model. Zorb Steering halves the cost; Sparzey learns "
                "online. In this paper we present Results, a framework, on ImageNet, MIT Places and Zorb-5K.")
    xp = _extract_one(abstract)
    found = {e.name: e for e in xp.entities}
    assert found["Zorb Steering"].label == "METHOD" and len(found["Zorb Steering"].mentions) == 2
    assert found["Sparzey"].label == "MODEL" and len(found["Sparzey"].mentions) == 2
    assert "Results" not in found  # one plain capitalised word that never recurs is no name
    assert "MIT" not in found  # the edge of a longer name is not a coordinated name of its own


def test_a_system_the_text_introduces_after_its_head_noun_is_found_with_its_type():
    abstract = ("We propose a novel graph learning framework, QuuxGNN, that scales to large graphs. We also present "
                "a confidence-bound bandit algorithm ZQ-MW to tune it, and we introduce a new model, BlorpNet, for "
                "link prediction. QuuxGNN beats every baseline.")
    xp = _extract_one(abstract, title="Quux graphs")
    found = {e.name: e for e in xp.entities}
    assert found["QuuxGNN"].label == "METHOD" and len(found["QuuxGNN"].mentions) == 2
    assert found["ZQ-MW"].label == "METHOD"
    assert found["BlorpNet"].label == "MODEL"


def test_a_name_after_called_ends_where_the_name_ends():
    abstract = ("A search algorithm called Levy flight guides the swarm, and a second method, called ZORQ (Zero "
                "Order Quux), prunes it.")
    xp = _extract_one(abstract)
    names = {e.name for e in xp.entities}
    assert "Levy" not in names and ({"ZORQ", "Zero Order Quux"} & names)


def test_generic_model_classes_defined_with_a_short_form_are_no_entities():
    abstract = ("We train a reward model (RM) and large reasoning models (LRMs), and Vision-Language Models (VLMs) "
                "fail where a long short-term memory (LSTM) and an induction head (IH) do not. The RM, the LRMs "
                "and the VLMs improve; the LSTM and the IH stay.")
    xp = _extract_one(abstract, mode="accurate")
    assert [(e.name, e.label, e.aliases) for e in xp.entities] == [("long short-term memory", "MODEL", ("LSTM",))]


def test_a_list_holds_one_kind_of_thing():
    text = "We compare the activations ReLU, ZeLU and QuLU on images, and train on CIFAR-10 and Zorb-9."
    found = _resolve_with_ner(text, [("ReLU", "METHOD"), ("ZeLU", "DATASET"), ("QuLU", "METHOD"),
                                     ("Zorb-9", "METHOD")])
    assert {("ZeLU", "METHOD"), ("QuLU", "METHOD"), ("Zorb-9", "DATASET"), ("CIFAR-10", "DATASET")} <= found


def test_a_defined_long_form_is_the_entity_wherever_it_is_written_and_the_text_sense_wins():
    title = "Aligned Zorbic Predictive Coding for speech"
    abstract = ("We propose Aligned Zorbic Predictive Coding (AZPC), and we store episodic memory (EM) beside it. "
                "AZPC is fast; EM traces are sparse.")
    xp = _extract_one(abstract, title=title)
    [entity] = [e for e in xp.entities if e.name == "Aligned Zorbic Predictive Coding"]
    assert {m.field for m in entity.mentions} == {"title", "abstract"} and entity.aliases == ("AZPC",)
    assert not any("EM" in (e.name, *e.aliases) for e in xp.entities)  # not EM = expectation maximization


@pytest.mark.parametrize("mode, abstract, expected", [
    # a capitalised sentence opener is not the start of a longer name, and "On X, Y" is no list
    ("fast", "On Foo-5K and CIFAR-10, our method improves accuracy.", {("Foo-5K", "DATASET"), ("CIFAR-10", "DATASET")}),
    # "IL-1B" is a cytokine, not a model with a size
    ("fast", "Neuroinflammation raised IL-1B levels in the hippocampus of mice.", {("hippocampus", "BRAIN_REGION")}),
    # the first head noun decides the apposition; a head used as a modifier is no head
    ("fast", "We introduce ZQA, a dataset of questions for training retrieval models.", set()),
    ("fast", "We propose Zorbify, a transformer-based architecture. Zorbify is fast.",
     {("Zorbify", "MODEL"), ("transformer", "MODEL")}),
    # the British spelling of a curated long form is the curated entity, named as the text spells it
    ("fast", "Parameters are fitted by expectation-maximisation (EM). EM converges slowly.",
     {("expectation-maximisation", "METHOD")}),
    ("fast", "The Zorb Ticket Hypothesis (ZTH) and the Chain of Zorb Hypothesis (CZH) are studied.", set()),
    ("fast", "Non-Transformer baselines are weaker than a Transformer.", {("Transformer", "MODEL")}),
])
def test_rules_keep_to_their_cases(mode, abstract, expected):
    xp = _extract_one(abstract, mode=mode)
    assert {(e.name, e.label) for e in xp.entities} == expected


def test_a_region_split_keeps_capitalised_area_names():
    from kgbuild.extraction.pipeline import load_pipeline as load
    from kgbuild.extraction.resolve import region_pieces

    nlp = load("fast")
    doc = nlp.make_doc("the anterior IT cortex reach the rostral part of area IT")
    assert [doc[a:b].text for a, b in region_pieces(doc, 1, len(doc))] == ["anterior IT cortex",
                                                                           "rostral part of area IT"]


def test_a_title_defines_its_short_form_before_the_colon():
    title = "PINs: Progressive Implicit Networks for Zorb Scenes"
    abstract = "We propose PINs, which train in minutes. PINs beat baselines; BERT does not apply."
    xp = _extract_one(abstract, title=title)
    found = {e.name: e for e in xp.entities}
    assert found["Progressive Implicit Networks"].label == "MODEL"
    assert found["Progressive Implicit Networks"].aliases == ("PINs",)
    assert len(found["Progressive Implicit Networks"].mentions) == 4


def test_a_title_long_form_ends_on_the_word_that_gives_the_last_letter():
    from kgbuild.extraction.abbreviations import _colon_definitions
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("fast")
    doc = nlp(make_doc(nlp, Paper(id="t", title="RZA: Randomized Zorbing as a Tool", abstract="Text.")))
    assert _colon_definitions(doc) == []  # not "Randomized Zorbing as" nor "... as a Tool"


def test_a_sentence_defines_a_short_form_before_a_colon():
    abstract = ("We present ZAP: Zorbing Attention Predictor, trained on quux scenes. ZAP beats baselines. "
                "Results: Accuracy Gains Remain high.")
    xp = _extract_one(abstract, title="Fast quux scenes")
    found = {e.name: e for e in xp.entities}
    assert found["Zorbing Attention Predictor"].aliases == ("ZAP",)
    assert len(found["Zorbing Attention Predictor"].mentions) == 3
    assert not any("Results" in e.aliases for e in xp.entities)  # a word, not a short form


@pytest.mark.parametrize("title, pair", [
    ("ZLAN: Zlow Attention for NAS", ("ZLAN", "Zlow Attention for NAS")),  # letters inside a word
    ("Explainable ZI: A Neurally-Inspired Zorb Stack", None),  # initials out of order
    ("K-ZNMI: A Zorb Mutual Information Clustering", None),  # the short form is K-ZNMI, not ZNMI
    ("ZANA: Zimulated Annealing Network Aligner for Graphs", ("ZANA", "Zimulated Annealing Network Aligner")),
    ("ZiMM: Zorb-informed Multi-stage Machine learning", None),  # not "Zorb-informed Multi"
])
def test_colon_definitions_letters_inside_words_in_order(title, pair):
    from kgbuild.extraction.abbreviations import _colon_definitions
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("fast")
    doc = nlp(make_doc(nlp, Paper(id="t", title=title, abstract="Text.")))
    assert [(s.text, long.text) for s, long in _colon_definitions(doc)] == ([pair] if pair else [])


def test_an_abstract_may_open_with_a_colon_definition():
    from kgbuild.extraction.abbreviations import _colon_definitions
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("fast")
    doc = nlp(make_doc(nlp, Paper(id="t", title="Fast quux scenes", abstract="ZAP: Zorbing Attention Predictor.")))
    assert [(s.text, long.text) for s, long in _colon_definitions(doc)] == [("ZAP", "Zorbing Attention Predictor")]


def test_a_trained_span_keeps_the_code_name_without_the_words_it_ran_over():
    text = ("Our trained predictor ZORBNet improves on Quuxset99. Analysis on Quuxset99 leverages this; we parse HTML "
            "documents and report the ZQA test set and the ZQBD cohort.")
    found = _resolve_with_ner(text, [("predictor ZORBNet", "MODEL"), ("Quuxset99 leverages", "DATASET"),
                                     ("HTML documents", "DATASET"), ("ZQA test set", "DATASET"),
                                     ("ZQBD cohort", "DATASET")])
    assert ("ZORBNet", "MODEL") in found and ("ZQBD", "DATASET") in found
    assert ("Quuxset99", "DATASET") in found and ("ZQA test set", "DATASET") in found
    assert not {t for t, _ in found} & {"predictor ZORBNet", "Quuxset99 leverages", "HTML", "HTML documents"}


def test_an_ordinary_word_that_names_a_dataset_counts_only_where_the_sentence_does_not_capitalise_it():
    assert not {name for name, _ in _fast("Adult rats received injections into the striatum.")} & {"Adult"}
    assert ("Adult", "DATASET") in _fast("Adult is a tabular benchmark. We train on Adult and report accuracy.")


def test_no_long_form_runs_over_a_bracket():
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("fast")
    text = "Labelled cells were found in the caudal zorbic (cZrA) and medial (cMdA) nuclei, in rats."
    doc = nlp(make_doc(nlp, Paper(id="t", title="", abstract=text)))
    assert doc._.kg_abbreviations == []  # not "cZrA) and medial" for cMdA


def test_names_that_are_also_ordinary_words_match_only_as_spelled(tmp_path):
    import gzip
    import json

    from kgbuild.extraction.build_lexicons import mark_ordinary

    texts = ["Cells react to light.", "Neurons react fast.", "We react to noise.", "ZorbNet and zorbnet.",
             "Quux and quux and quux; see quux.com.", "Quux is good. Quux is fast. Quux wins.",
             "Adult mice; adult rats.", "adult zebrafish", "adult flies"]
    texts += ["a zorb database of tables", "each zorb database", "zorb database systems", "the Zorb Database",
              "a mixture of zorbs", "mixture of zorbs", "our mixture of zorbs"]
    with gzip.open(tmp_path / "abstracts-x.jsonl.gz", "wt", encoding="utf-8") as handle:
        for text in texts:
            handle.write(json.dumps({"title": "", "abstract": text}) + "\n")
    rows = [{"text": name, "label": "X"} for name in ["ReAct", "ZorbNet", "Quux", "Adult"]]
    rows += [{"text": "Zorb Database", "label": "DATASET"}, {"text": "Mixture of Zorbs", "label": "MODEL"}]
    mark_ordinary(rows, tmp_path)
    # a dataset's name written as an ordinary phrase is ordinary; a model's lower-case form is still the model
    assert [row.get("ordinary", False) for row in rows] == [True, False, False, True, True, False]
    found = _fast("Stimulating the palm of the hand evoked responses; the language model PaLM answered questions "
                  "about them.")
    assert ("PaLM", "MODEL") in found and not any(name.lower() == "palm" and name != "PaLM" for name, _ in found)


def test_a_dataset_name_that_is_also_an_ordinary_phrase_needs_its_capitals_and_no_title_case_title():
    assert ("Speech Commands", "DATASET") in _fast("We evaluate keyword spotting on Speech Commands and LaSOT.")
    assert not _fast("The assistant accepts speech commands. Relational database systems store tables.")
    assert not _fast("Users talk to phones.", title="Speech Commands Improve Voice Assistants")
    assert ("Speech Commands", "DATASET") in _fast("We test on Speech Commands.",
                                                   title="Speech Commands Improve Voice Assistants")


def test_a_well_known_name_at_a_sentence_start_is_found():
    found = _fast("Qwen outperforms strong baselines on math word problems. Wikipedia is used as the retrieval "
                  "corpus. Adam converges faster than SGD on CIFAR-10.")
    assert {"Qwen", "Wikipedia", "Adam"} <= {name for name, _ in found}


def test_a_defined_disease_or_condition_is_no_entity():
    found = _resolve_with_ner("Patients with zorbic cognitive impairment (ZCI) were scanned; ZCI was staged by our "
                              "Zorb Staging Protocol.", [("zorbic cognitive impairment", "METHOD"), ("ZCI", "METHOD")])
    assert not {text for text, _ in found} & {"zorbic cognitive impairment", "ZCI"}


def test_a_trained_region_span_starts_at_its_title_case_name():
    text = "Lesions of the biological Zorbus Callosum and of the left Quux Nucleus changed cortical responses in rats."
    found = _resolve_with_ner(text, [("biological Zorbus Callosum", "BRAIN_REGION"),
                                     ("left Quux Nucleus", "BRAIN_REGION")])
    assert ("Zorbus Callosum", "BRAIN_REGION") in found and ("left Quux Nucleus", "BRAIN_REGION") in found


def test_a_short_form_inside_a_longer_one_is_no_use_of_it():
    from kgbuild.extraction.pipeline import make_doc

    nlp = load_pipeline("fast")
    text = "We compute the Zorb Kernel (ZK) and non Zorb Kernel (Non-ZK) features. ZK helps; Non-ZK does not."
    doc = nlp(make_doc(nlp, Paper(id="t", title="", abstract=text)))
    uses = [(s.text, s.start_char) for s, long in doc._.kg_abbreviations if long.text == "Zorb Kernel"]
    assert uses == [("ZK", text.index("ZK")), ("ZK", text.index("ZK helps"))]


def test_an_ordinary_word_name_capitalised_by_a_title_or_a_header_is_no_name():
    [xp] = extract_papers([Paper(id="t", title="Zorb Currents Shape the Kinetics of Adult Neurons",
                                 abstract="Results: Adult rats received injections into the striatum.")], mode="fast")
    assert not {e.name for e in xp.entities} & {"Kinetics", "Adult"}


def test_numbered_variants_of_curated_dataset_names_are_datasets():
    found = _fast("We report results on PASCAL VOC 2007, on the VOC2012 split, on SQuAD v2 and on DAVIS 2017, "
                  "with 2017 images of Zorbs 2019.")
    datasets = {name for name, label in found if label == "DATASET"}
    assert {"PASCAL VOC 2007", "SQuAD v2", "DAVIS 2017"} <= datasets
    assert not any("Zorbs" in name or name.startswith("with") for name in datasets)
    found = _fast("The VQA v2.0 split and WordNet 1.6 help, but ImageNet 8.5% top-5 error and CIFAR-10 9.5 points "
                  "do not name versions.")
    datasets = {name for name, label in found if label == "DATASET"}
    assert {"VQA v2.0", "WordNet 1.6", "ImageNet", "CIFAR-10"} <= datasets, datasets
    assert not any(name.startswith(("ImageNet ", "CIFAR-10 ")) for name in datasets), datasets


def test_models_trained_with_word_vectors_lend_them_to_the_pipeline_and_must_agree(tmp_path):
    """`python -m kgbuild.extraction.training --vectors` trains models that read static vectors from the Doc's
    vocab: the extraction pipeline takes the first model's table and refuses a model with another one."""
    import numpy
    import spacy

    from kgbuild.extraction.pipeline import ExtractionError, _share_vectors

    def with_vectors(value: float):
        source = spacy.blank("en")
        source.vocab.set_vector("zorbnet", numpy.full(4, value, dtype="float32"))
        return source

    nlp = spacy.blank("en")
    _share_vectors(nlp, spacy.blank("en"), tmp_path)
    assert nlp.vocab.vectors.shape[0] == 0
    _share_vectors(nlp, with_vectors(1.0), tmp_path)
    assert nlp.make_doc("the zorbnet")[1].vector.tolist() == [1.0] * 4
    _share_vectors(nlp, with_vectors(1.0), tmp_path)
    with pytest.raises(ExtractionError, match="other word vectors"):
        _share_vectors(nlp, with_vectors(2.0), tmp_path)


def test_an_ner_model_trained_with_static_vectors_runs_in_the_extraction_pipeline(tmp_path):
    """Without the pipeline taking its table over, such a model fails on the pipeline's Docs (spaCy E896)."""
    import numpy
    import spacy
    from spacy.training import Example

    from kgbuild.extraction.pipeline import CONFIG, _add_ner

    spacy.util.fix_random_seed(0)
    source = spacy.blank("en")
    for row, word in enumerate(["zorbnet", "helps", "the", "model"]):
        source.vocab.set_vector(word, numpy.arange(4, dtype="float32") + row)
    embed = {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": True, "width": 16, "depth": 1,
             "embed_size": 50, "window_size": 1, "maxout_pieces": 2, "subword_features": True}
    source.add_pipe("ner", config={"model": {"tok2vec": embed}})
    examples = [Example.from_dict(source.make_doc("zorbnet helps the model"), {"entities": [(0, 7, "METHOD")]})]
    optimizer = source.initialize(lambda: examples)
    for _ in range(30):
        source.update(examples, sgd=optimizer)
    source.to_disk(tmp_path / "model")
    expected = [(e.text, e.label_) for e in source("zorbnet helps the model").ents]
    assert expected == [("zorbnet", "METHOD")]

    nlp = spacy.util.load_model_from_config(spacy.util.load_config(CONFIG), auto_fill=True)
    _add_ner(nlp, tmp_path / "model")
    doc = nlp("zorbnet helps the model")
    assert [(s.text, s.label_) for s in doc.spans["cand:ner"]] == expected


def test_a_trained_guess_for_a_bare_acronym_types_its_definition_only_when_the_definition_agrees():
    text = ("Zorbic quux panels (ZQP) cover the roof, and the inverter uses quux zorb modulation (QZM). "
            "Each ZQP feeds QZM, and zorbic patient records (ZPR) were kept; ZPR were anonymised for training.")
    found = _resolve_with_ner(text, [("ZQP", "METHOD"), ("QZM", "METHOD"), ("ZPR", "DATASET")])
    assert {("quux zorb modulation", "METHOD"), ("QZM", "METHOD")} <= found
    assert not any(name in {"ZQP", "ZPR"} or "panels" in name or "records" in name for name, _ in found), found


def test_a_disease_the_brain_ner_reads_as_a_region_is_no_entity():
    abstract = ("The risk factors of ischemic cerebral stroke were analysed in a contingency table of patients with "
                "lesions of the hippocampus and thalamus.")
    xp = _extract_one(abstract, title="Stroke risk", mode="accurate")
    assert {e.name for e in xp.entities} == {"hippocampus", "thalamus"}


def test_the_accurate_mode_without_its_encoder_offline_is_one_clear_error(tmp_path, monkeypatch):
    from kgbuild.extraction import encoder
    from kgbuild.extraction.pipeline import ExtractionError

    monkeypatch.setenv(encoder.ENCODER_ENV, str(tmp_path / "encoder"))
    monkeypatch.setattr(encoder, "MAVEN_CENTRAL", "http://127.0.0.1:9/maven2/")
    with pytest.raises(ExtractionError, match=r"the accurate and corpus modes need it: .*KGBUILD_ENCODER_DIR"):
        load_pipeline.__wrapped__("accurate")
    assert list(load_pipeline.__wrapped__("fast").pipe_names)  # the fast mode needs no encoder
