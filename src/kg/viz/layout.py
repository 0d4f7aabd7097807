"""Node positions for the network page, precomputed in Python: the browser's physics freezes above
~1,500 nodes. Components are laid out alone and packed in rows; big ones by a Fruchterman-Reingold
with an FFT particle mesh (``_fr_mesh``)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np

def layout(g: nx.Graph, *, seed: int = 7) -> dict[str, tuple[float, float]]:
    """Positions in vis-network pixels: each connected component laid out alone, then packed in rows.

    networkx's spring_layout takes 36 s on 5,000 nodes here (forceatlas2 46 s), so components above
    ``_SMALL`` nodes use ``_fr_mesh``: Fruchterman-Reingold with exact spring forces along edges and
    repulsion from an FFT particle mesh, O(n + grid² log grid) per iteration.
    """
    und = nx.Graph(g)
    comps = sorted(nx.connected_components(und), key=lambda c: (-len(c), min(c)))
    placed: list[tuple[list[str], np.ndarray]] = []
    singles: list[str] = []
    for comp in comps:
        nodes = sorted(comp)
        if len(nodes) == 1:
            singles.append(nodes[0])
            continue
        sub = und.subgraph(nodes)
        if len(nodes) <= _SMALL:
            p = nx.spring_layout(sub, seed=seed, iterations=60)
            arr = np.array([p[n] for n in nodes], dtype=float)
        else:
            idx = {n: i for i, n in enumerate(nodes)}
            edges = np.array([(idx[a], idx[b]) for a, b in sub.edges()], dtype=np.int64)
            arr = _fr_mesh(len(nodes), edges, seed=seed)
        arr = _widest_horizontal(arr)
        arr -= arr.min(axis=0)
        span = float(arr.max()) or 1.0
        # small components: more room, their labels are wider than the space a node gets
        arr = arr / span * (_SPACING * math.sqrt(len(nodes)) * (1.8 if len(nodes) <= _SMALL else 1.2))
        placed.append((nodes, arr))
    # shelf packing: rows of boxes, about as wide as a screen is wide (_ASPECT), at least the biggest box
    total_area = sum(float((a.max(axis=0)[0] + _SPACING) * (a.max(axis=0)[1] + _SPACING)) for _, a in placed)
    width = max(max((float(a.max(axis=0)[0]) for _, a in placed), default=0.0), _ASPECT * math.sqrt(total_area))
    x = y = row_h = 0.0
    pos: dict[str, tuple[float, float]] = {}
    for nodes, arr in placed:
        w, h = (float(v) + _SPACING * 2 for v in arr.max(axis=0))
        if x > 0 and x + w > width:
            x, y, row_h = 0.0, y + row_h, 0.0
        for n, (px, py) in zip(nodes, arr, strict=True):
            pos[n] = (round(px + x, 1), round(py + y, 1))
        x += w
        row_h = max(row_h, h)
    if pos:  # a drawing taller than a screen's shape is stretched sideways (at most _MAX_STRETCH times)
        xs, ys = zip(*pos.values(), strict=True)
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        stretch = min(_ASPECT * h / w, _MAX_STRETCH) if w > 0 and h > 0 else 1.0
        if stretch > 1.0:
            pos = {n: (round(px * stretch, 1), py) for n, (px, py) in pos.items()}
        y = (max(ys) + _SPACING * 1.5) if xs else 0.0
        width = max(xs) * max(stretch, 1.0) if xs else width
    else:
        y = 0.0
    if singles:  # unconnected nodes (hidden by default on the page): rows under the drawing, as wide as it
        cols = max(int(width // (_SPACING * 1.4)), int(math.ceil(math.sqrt(len(singles)))), 1)
        for i, n in enumerate(singles):
            pos[n] = (round((i % cols) * _SPACING * 1.4, 1), round(y + (i // cols) * _SPACING * 0.6, 1))
    return pos


def _widest_horizontal(arr: np.ndarray) -> np.ndarray:
    """Rotate a component's positions so that its longest extent (first principal axis) lies along x."""
    if len(arr) < 3:
        return arr
    centred = arr - arr.mean(axis=0)
    _, vecs = np.linalg.eigh(np.cov(centred.T))
    main = vecs[:, -1]  # eigenvector of the largest eigenvalue
    rot = np.array([[main[0], main[1]], [-main[1], main[0]]])
    return centred @ rot.T


_SMALL = 150
_SPACING = 110.0  # average pixels between neighbouring nodes (labels are ~150 px wide)
_ASPECT = 1.6  # width / height of the drawing area on a usual screen (the side panel taken off)
_MAX_STRETCH = 1.8


def _fr_mesh(n: int, edges: np.ndarray, *, seed: int = 7, iterations: int = 120, grid: int = 128) -> np.ndarray:
    """Fruchterman-Reingold in the unit square; repulsion k²/d summed on a grid by FFT convolution."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    k = math.sqrt(1.0 / n)
    # kernel on a (2G)x(2G) grid of cell offsets: force per unit density = k² r / |r|², zero at r = 0
    off = np.fft.fftfreq(2 * grid, d=1.0 / (2 * grid))
    dx, dy = np.meshgrid(off, off, indexing="ij")
    r2 = dx * dx + dy * dy
    r2[0, 0] = 1.0
    kx, ky = dx / r2, dy / r2
    kx[0, 0] = ky[0, 0] = 0.0
    fkx, fky = np.fft.rfft2(kx), np.fft.rfft2(ky)
    t = 0.1
    dt = t / (iterations + 1)
    src, dst = (edges[:, 0], edges[:, 1]) if len(edges) else (np.array([], int), np.array([], int))
    for _ in range(iterations):
        lo = pos.min(axis=0)
        span = float((pos.max(axis=0) - lo).max()) or 1.0
        h = span / (grid - 1)
        cell = np.clip(((pos - lo) / h).astype(np.int64), 0, grid - 1)
        rho = np.zeros((2 * grid, 2 * grid))
        np.add.at(rho, (cell[:, 0], cell[:, 1]), 1.0)
        fr = np.fft.rfft2(rho)
        fx = np.fft.irfft2(fr * fkx, s=rho.shape)
        fy = np.fft.irfft2(fr * fky, s=rho.shape)
        disp = np.empty_like(pos)
        disp[:, 0] = fx[cell[:, 0], cell[:, 1]] * (k * k / h)
        disp[:, 1] = fy[cell[:, 0], cell[:, 1]] * (k * k / h)
        if len(edges):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta * delta).sum(axis=1))[:, None]
            f = delta * dist / k
            np.add.at(disp, src, -f)
            np.add.at(disp, dst, f)
        disp += (0.5 - pos) * (0.3 * k)  # a little gravity keeps loose branches close
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), 1e-9)[:, None]
        pos += disp / length * np.minimum(length, t)
        t -= dt
    return pos


__all__ = ["layout"]
