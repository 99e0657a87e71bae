"""TopoFilter (docs/methods.md#interventions): TopoCC, then remove the points furthest from their
neighbours' label.

1. TopoCC: the kNN graph of all points (k [50], i -> each of its k nearest neighbours, a
   point not its own neighbour); per class (weak label > 0.5 or not), the edges between points
   of that class; keep the largest strongly connected component of each class
   (`scipy.sparse.csgraph.connected_components(connection="strong")`).
2. Zeta filter: within the kept set C, each point's neighbour label = the mean soft label of
   its k nearest neighbours in C (itself excluded); remove the points with the largest
   |label - neighbour label| until round(n * contamination) points are removed in all [0.1].
   If TopoCC alone removed more, nothing else goes (the result reports TopoCC's fraction).

As EleutherAI/w2s (`w2s/topo.py`), with these differences: when C holds k points or fewer the
zeta step uses |C| - 1 neighbours (the reference fails); ties in distance are broken by
position (stable sort); the metric may be cosine as well as Euclidean (reference: Euclidean).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from w2sg.errors import W2SGError
from w2sg.probes.knn import check_k, check_probe_inputs, neighbours


@dataclass(frozen=True)
class TopoFilterResult:
    """Positions kept (sorted), TopoCC's kept set, and how much each stage removed."""

    kept: np.ndarray
    component: np.ndarray  # positions in the largest SCC of their class (sorted)
    distance: np.ndarray  # |label - neighbour label| per point of `component`, in its order
    neighbour_labels: np.ndarray  # mean neighbour label per point of `component`
    n: int
    k: int
    k_zeta: int  # neighbours used in the zeta step (k, or |C| - 1 when C is small)

    @property
    def removed(self) -> np.ndarray:
        return np.setdiff1d(np.arange(self.n), self.kept)

    @property
    def topocc_removed_fraction(self) -> float:
        return (self.n - len(self.component)) / self.n

    @property
    def removed_fraction(self) -> float:
        return (self.n - len(self.kept)) / self.n


def largest_class_components(
    x: np.ndarray, labels: np.ndarray, k: int = 50, metric: str = "euclidean"
) -> np.ndarray:
    """TopoCC: positions in the largest strongly connected component of each class (sorted)."""
    from scipy.sparse import csr_matrix  # heavy: loaded on first use
    from scipy.sparse.csgraph import connected_components  # heavy: loaded on first use

    x, y = check_probe_inputs(x, labels, "topofilter")
    n = len(y)
    check_k(k, n, "topofilter", self_excluded=True)
    nbrs = neighbours(x, None, k, metric)
    rows = np.repeat(np.arange(n), k)
    cols = nbrs.ravel()
    hard = y > 0.5
    kept = []
    for cls in (False, True):
        members = np.nonzero(hard == cls)[0]
        if len(members) == 0:
            continue
        local = np.full(n, -1)
        local[members] = np.arange(len(members))
        same = (hard[rows] == cls) & (hard[cols] == cls)
        graph = csr_matrix(
            (np.ones(same.sum(), dtype=np.int8), (local[rows[same]], local[cols[same]])),
            shape=(len(members), len(members)),
        )
        _, comp = connected_components(graph, directed=True, connection="strong")
        largest = np.bincount(comp).argmax()  # the first of equal-sized components
        kept.append(members[comp == largest])
    return np.sort(np.concatenate(kept))


def topofilter(
    x: np.ndarray,
    labels: np.ndarray,
    contamination: float = 0.1,
    *,
    k: int = 50,
    metric: str = "euclidean",
) -> TopoFilterResult:
    """TopoFilter of docs/methods.md#interventions on activations `x` and soft labels; see the
    module docstring."""
    if not 0 <= contamination < 1:
        raise W2SGError(f"topofilter: contamination must lie in [0, 1), got {contamination}")
    x, y = check_probe_inputs(x, labels, "topofilter")
    n = len(y)
    component = largest_class_components(x, y, k, metric)
    k_zeta = min(k, len(component) - 1)
    if k_zeta >= 1:
        idx = neighbours(x[component], None, k_zeta, metric)
        neighbour_labels = y[component][idx].mean(axis=1)
    else:
        neighbour_labels = y[component].copy()
    distance = np.abs(y[component] - neighbour_labels)
    budget = round(n * contamination) - (n - len(component))
    budget = min(max(budget, 0), len(component) - 1)  # keep at least one point
    order = np.argsort(-distance, kind="stable")
    kept = np.sort(np.delete(component, order[:budget]))
    return TopoFilterResult(
        kept=kept,
        component=component,
        distance=distance,
        neighbour_labels=neighbour_labels,
        n=n,
        k=k,
        k_zeta=k_zeta,
    )


def topo_predict(
    x_train: np.ndarray,
    labels: np.ndarray,
    x_query: np.ndarray | None = None,
    *,
    k: int = 50,
    metric: str = "euclidean",
) -> np.ndarray:
    """The TopoFilter probe: mean label of the k nearest TopoCC points (reference `topolabel`).

    `x_query=None` predicts the training points, each without itself among its neighbours
    (the reference lets a training point in C be its own neighbour).
    """
    x, y = check_probe_inputs(x_train, labels, "topo probe")
    component = largest_class_components(x, y, k, metric)
    if x_query is None:
        return _train_predictions(x, y, component, k, metric)
    q = np.asarray(x_query, dtype=np.float32)
    if q.ndim != 2 or q.shape[1] != x.shape[1]:
        raise W2SGError(f"topo probe: X must have {x.shape[1]} columns, got shape {q.shape}")
    k_eff = min(k, len(component))
    idx = neighbours(x[component], q, k_eff, metric)
    return y[component][idx].mean(axis=1)


def _train_predictions(
    x: np.ndarray, y: np.ndarray, component: np.ndarray, k: int, metric: str
) -> np.ndarray:
    """Each training point's mean neighbour label among the TopoCC points other than itself."""
    k_eff = min(k, len(component) - 1)
    if k_eff < 1:
        return np.full(len(y), float(y[component].mean()))
    # one neighbour extra, then drop the point itself where it is among them
    idx = neighbours(x[component], x, min(k_eff + 1, len(component)), metric)
    pos = component[idx]
    out = np.empty(len(y))
    for i in range(len(y)):
        row = pos[i][pos[i] != i][:k_eff]
        out[i] = y[row].mean()
    return out
