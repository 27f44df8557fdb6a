"""Plain-language names for the page: strategies, network kinds, and the Info page's glossary.

The schema's identifiers (``barabasi_albert``, ``celf``) stay what files and the CLI use; the page
shows these words beside them, so an analyst can read it and still find the name in a TOML file.
"""

from __future__ import annotations

__all__ = ["STRATEGY_LABELS", "KIND_LABELS", "GLOSSARY", "strategy_label", "kind_label", "plain"]

STRATEGY_LABELS = {
    "random": "random people",
    "degree": "most connected people",
    "degree_discount": "most connected, avoiding overlap",
    "pagerank": "most central (PageRank)",
    "eigenvector": "best-connected to the well-connected",
    "betweenness": "bridges between groups",
    "celf": "best set by simulation (CELF, slow)",
    "imm": "best set by sampling (IMM)",
    "ris": "best set by reverse sampling (RIS)",
    "kcore": "people in the dense core",
    "diffusion_centrality": "best short-range spreaders",
    "community": "one per community",
    "dispersed": "spread far apart",
    "clustered": "clustered together",
    "nomination": "friends of random people",
    "organisation": "through organisations",
    "group": "within a chosen group",
    "given": "people you list",
}

KIND_LABELS = {
    "town": "synthetic town (households, areas, deprivation)",
    "erdos_renyi": "random ties (Erdős-Rényi)",
    "barabasi_albert": "hubs and followers (Barabási-Albert)",
    "watts_strogatz": "small world (Watts-Strogatz)",
    "powerlaw_cluster": "hubs with clustering (Holme-Kim)",
    "stochastic_block": "groups with more ties inside (block model)",
    "configuration": "a given degree sequence (configuration model)",
    "ring_lattice": "a ring of neighbours",
    "grid_2d": "a square grid",
}


def strategy_label(name: str) -> str:
    """``"degree"`` -> ``"degree: most connected people"`` (unknown names as they are)."""
    return f"{name}: {STRATEGY_LABELS[name]}" if name in STRATEGY_LABELS else name


def kind_label(name: str) -> str:
    return f"{KIND_LABELS[name]} [{name}]" if name in KIND_LABELS else name.replace("_", " ")


def plain(text: str | None) -> str:
    """A docstring's first paragraph without reStructuredText markup (``start`` -> start)."""
    if not text:
        return ""
    return text.replace("``", "").replace(":func:", "").replace(":class:", "").replace("`", "")


#: the Info page: (term, explanation)
GLOSSARY = [
    ("first adopters", "The people who take up the behaviour at the start, chosen by the targeting strategy "
     "(elsewhere in the project, and in scenario files, they are called the seeds: [seeding] count)."),
    ("random seed", "A number that fixes every random draw, so the same random seed gives exactly the same run. "
     "It has nothing to do with first adopters. In files: seed = ..."),
    ("targeting strategy", "How first adopters are chosen: at random, the most connected, the best set found by "
     "simulation, and so on. Compare runs several on the same network with the same random seeds."),
    ("round / week", "The model advances in rounds; everyone reconsiders once per round. The page reads one round "
     "as one week (change 'weeks per round' under Run settings), so 52 rounds are a year."),
    ("share adopting", "The percentage of everyone in the network who has taken up the behaviour."),
    ("95% interval", "The range that, over many repeated experiments, would contain the true mean adoption 95% of "
     "the time. For shares it is a Wilson interval, always within 0-100%. One run gives no interval."),
    ("replicate / run", "One run of the same scenario with another random seed; the mean over runs and its "
     "interval show what is typical and how sure we are."),
    ("tipped", "A run tipped when adoption passed 50%: a large cascade rather than a fizzle."),
    ("vs random", "How many percentage points more (or fewer) people adopt than when first adopters are random."),
    ("budget / spent", "Money units of the scenario's costs (GBP in the bundled examples): recruiting first "
     "adopters and running interventions."),
    ("deprivation quintile", "In the synthetic town, each area's deprivation fifth: 1 = most deprived, 5 = least."),
    ("sweep", "Many runs over a grid of settings (like NetLogo's BehaviorSpace); results are kept in a folder "
     "under the results root and can be reopened from the list."),
]
