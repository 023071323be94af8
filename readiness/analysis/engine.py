"""The vectorised engine: every replicate's ranks in one pass over a replicate axis.

SALib's second verb (*evaluate*), for our model, without a loop over ``build()``:
the stages upstream of what varies are computed once per distinct choice (one build
per imputation alternative, the treatment of its screened stage per treatment
alternative, one normalisation per method on top), stacked, and indexed by
replicate; weights become a replicates x nodes array; aggregation runs over a
(replicate, country, node) block with the kernels ``build()`` uses, one call per
(level, method) for every replicate that uses that method; ranks are taken over the
country axis. The first level, when its weights do not vary, is aggregated and ranked
once per (upstream variant, method) pair. Replicates are processed in chunks that
bound memory; chunks can run on a pool of processes or a Dask cluster
(:mod:`readiness.analysis.pool`) with results identical bit for bit.
"""

from __future__ import annotations

import math
import uuid
import warnings

import numpy as np
import pandas as pd

from ..errors import MethodError, SpecError
from ..normalise import normalise_params
from .design import Design, aggregation_levels, decode_weights, framework_plan
from .evaluation import Evaluation, nominal_spec, treatment_spec
from .memory import CHUNK_BYTES, check_fits, check_memory, memory_needed
from ..threads import one_blas_thread

__all__ = ["evaluate", "evaluate_rows", "memory_needed", "check_memory"]


def _slice(positions):
    """A slice when positions are a contiguous ascending run (a view instead of a copy), else the array."""
    if len(positions) and np.array_equal(positions, np.arange(positions[0], positions[0] + len(positions))):
        return slice(int(positions[0]), int(positions[0]) + len(positions))
    return positions


def _aggregate_steps(scores, weights, steps, level_methods, method_names, *, p, policy, coverage_min=0.0):
    """Aggregate ``steps`` of a (replicate, country, node) block in place.

    ``steps`` holds (level, parents, children, onehot, child names, weight columns,
    column of ``level_methods``), positions along the block's node axis.
    Returns the (shifted, skipped) flags per replicate.
    """
    from ..aggregate import aggregate_level, positivity_violations

    r = scores.shape[0]
    shifted = np.zeros(r, dtype=bool)
    skipped = np.zeros(r, dtype=bool)
    for level, parents, children, onehot, names, wcols, li in steps:
        xs = scores[..., _slice(children)]
        wmat = weights[:, wcols][:, :, None] * onehot
        col = level_methods[:, li]
        methods = np.unique(col)
        out = np.full(xs.shape[:-1] + (len(parents),), np.nan)
        for mi in methods:
            name = method_names[mi]
            if len(methods) == 1:
                rows, sub, wsub = slice(None), xs, wmat
                idx = np.arange(r)
            else:
                idx = np.flatnonzero(col == mi)
                rows, sub, wsub = idx, xs[idx], wmat[idx]
            bad = positivity_violations(sub, name, p=p)
            if bad.any():
                if policy == "skip":
                    skipped[idx[bad]] = True
                    idx = idx[~bad]
                    rows, sub, wsub = idx, sub[~bad], wsub[~bad]
                else:
                    shifted[idx[bad]] = True
            if len(idx):
                out[rows] = aggregate_level(sub, wsub, method=name, p=p, nonpositive="shift",
                                            children=names, level=level, coverage_min=coverage_min)
        scores[..., _slice(parents)] = out
    return shifted, skipped


def _descending_ranks(x, out):
    """Min ranks along the last axis of ``x`` (rows, n), highest first, NaN for NaN, into float32 ``out``.

    The ranks of :func:`readiness.rank.rank_descending` (the same sort and tie rule:
    equal values share the best rank), written through one flat permutation instead of
    ``put_along_axis``. ``out`` is a C-contiguous (rows, n) float32 array.
    """
    rows, n = x.shape
    neg = np.negative(x, order="C")
    order = np.argsort(neg, axis=-1)  # NaN last
    flat = order
    flat += (np.arange(rows, dtype=order.dtype) * n)[:, None]
    s = neg.reshape(-1)[flat]
    new = np.empty(s.shape, dtype=bool)
    new[:, :1] = True
    np.not_equal(s[:, 1:], s[:, :-1], out=new[:, 1:])
    first = np.where(new, np.arange(1, n + 1, dtype=np.float32), np.float32(0))
    np.maximum.accumulate(first, axis=-1, out=first)
    out.reshape(-1)[flat] = first
    out[np.isnan(x)] = np.nan


def _auto_chunk(n_countries, n_nodes):
    return max(1, int(CHUNK_BYTES // (8 * max(1, n_countries) * max(1, n_nodes))))


def _treated(base, spec):
    """The treated stage (ndarray) under ``spec``'s treatment, from ``base``'s screened stage.

    The call ``build()`` makes (:func:`readiness.pipeline.treat_stage`); ``base``'s own
    treated stage when the treatment is its own.
    """
    from ..pipeline import treat_stage

    same = spec.outliers == base.spec.outliers == "none" or (
        (spec.outliers, spec.winsor_max) == (base.spec.outliers, base.spec.winsor_max))
    if same:
        return base.stages["treated"].to_numpy(dtype=float)
    screened = np.ascontiguousarray(base.stages["screened"].to_numpy(dtype=float))
    return treat_stage(screened, spec)[0]


class _Engine:
    """Everything a chunk of replicates needs, computed once per (dataset, spec, design)."""

    def __init__(self, dataset, spec, design, nodes):
        from ..pipeline import build
        from ..weight import node_weights

        self.design, self.spec = design, spec
        space = design.space
        plan = self.plan = framework_plan(dataset)
        if design.framework is not None and tuple(plan.nodes) != tuple(design.framework):
            raise SpecError("this design was drawn for another framework (its nodes differ from the dataset's); "
                            "draw it again with dataset=")
        nominal = self.nominal = build(dataset, spec)
        self.countries = nominal.scores.index
        agg_pos = [i for i, lv in enumerate(plan.levels) if lv > 1]
        index_pos = plan.nodes.index(dataset.index_code)
        self.keep = [i for i in agg_pos if i != index_pos] + [index_pos] if nodes == "all" else [index_pos]
        R = self.n_rows = design.n_rows

        # discrete choices, per replicate
        choices = self.choices = {}

        def pick(column):
            return np.asarray(design.alternatives[column], dtype=object)[design.choice(column)]

        for name in ("imputation", "treatment", "normalisation"):
            if getattr(space, name):
                choices[name] = pick(name)
        # weights: nominal, perturbed, dropped
        w0 = node_weights(dataset, spec).reindex(plan.nodes).to_numpy(dtype=float)
        weights = self.weights = np.tile(w0, (R, 1))
        weight_cols, weight_values = (), None
        if space.weights is not None:
            nodes_w, pos, values = decode_weights(design, plan, w0)
            weights[:, pos] = values
            weight_cols, weight_values = tuple(nodes_w), values
        if space.drop is not None:
            choices["drop"] = pick("drop")
            d_i = design.choice("drop")
            alts = design.alternatives["drop"]
            rows = np.flatnonzero(d_i > 0)
            weights[rows, [plan.nodes.index(alts[j]) for j in d_i[rows]]] = 0.0
            # the record of weights used includes the dropped node's zero
            wcols = list(weight_cols) + [nd for nd in alts[1:] if nd not in weight_cols]
            weight_cols = tuple(wcols)
            weight_values = weights[:, [plan.nodes.index(nd) for nd in wcols]]
        self.weight_cols, self.weight_values = weight_cols, weight_values

        # aggregation method per level and replicate
        levels = [lv for lv, *_ in plan.steps]
        nominal_methods = [spec.aggregation_by_level.get(lv, spec.aggregation) for lv in levels]
        names = self.method_names = list(dict.fromkeys(nominal_methods + list(space.aggregation or ())))
        level_methods = self.level_methods = np.tile([names.index(m) for m in nominal_methods], (R, 1))
        if space.aggregation is not None:
            by_level = {}
            for lv in aggregation_levels(space, levels):
                column = f"aggregation.{lv}" if space.aggregation_per_level else "aggregation"
                idx = design.choice(column)
                level_methods[:, levels.index(lv)] = np.array([names.index(m) for m in design.alternatives[column]])[idx]
                by_level[lv] = np.asarray(design.alternatives[column], dtype=object)[idx]
            choices["aggregation"] = by_level
        self.p = spec.generalised_mean_p
        self._upstream(dataset)
        self._layout()

    def _upstream(self, dataset):
        """The normalised indicators of every (imputation, treatment, normalisation) variant used, stacked.

        One build per imputation alternative (the nominal build for the nominal one), the
        treatment of its screened stage per treatment alternative, one normalisation per
        method on top: the stages ``build()`` would compute, bit for bit.
        """
        from ..normalise import normalise
        from ..pipeline import build

        design, spec, space, nominal, countries = self.design, self.spec, self.design.space, self.nominal, \
            self.countries
        zeros = np.zeros(self.n_rows, dtype=np.int64)
        imp_alts = space.imputation or (spec.imputation,)
        treat_alts = space.treatment or ("none" if spec.outliers == "none" else spec.winsor_max,)
        norm_alts = space.normalisation or (spec.normalisation,)
        imp_i = design.choice("imputation") if space.imputation else zeros
        treat_i = design.choice("treatment") if space.treatment else zeros
        norm_i = design.choice("normalisation") if space.normalisation else zeros
        variant = (imp_i * len(treat_alts) + treat_i) * len(norm_alts) + norm_i
        used, self.variant_idx = np.unique(variant, return_inverse=True)
        first = self._first_level_plan()
        # the normalised variants are kept only when a chunk reads indicators beyond the first level
        stack = self.stack = np.empty((len(used), len(countries), self.plan.n_indicators)) \
            if first is None or first["indicators_later"] else None
        params, by_ind = normalise_params(spec), dict(spec.normalisation_by_indicator)
        base_key = treated_key = base = treated = None
        seen = {}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for k, v in enumerate(used):  # sorted: each imputation, then each treatment, is met in one run
                rest, ni = divmod(int(v), len(norm_alts))
                ii, ti = divmod(rest, len(treat_alts))
                if ii != base_key:
                    base_key, base = ii, nominal
                    if imp_alts[ii] != spec.imputation:
                        # only the stages from imputation on differ from the nominal build
                        up = spec.replace(imputation=imp_alts[ii], aggregation="arithmetic", aggregation_by_level={})
                        base = build(dataset, up, reuse=nominal)
                        self._check_countries(base, imp_alts[ii])
                if (ii, ti) != treated_key:
                    treated_key = (ii, ti)
                    treated = _treated(base, spec.replace(**treatment_spec(treat_alts[ti])))
                normalised = normalise(treated, dataset.indicators, method=norm_alts[ni], by_indicator=by_ind,
                                       params=params)
                if stack is not None:
                    stack[k] = normalised
                if first is not None:
                    self._first_level_of(first, k, normalised)
        if first is not None:
            self._first_level_ranks(first)
        else:
            self.pre = None
        self.rest = list(range(1 if self.pre is not None else 0, len(self.plan.steps)))
        paired = self.pre[4] if self.pre is not None else []
        #: the kept nodes whose ranks are computed (and stored) per replicate; the index is last
        self.stored = [j for j in range(len(self.keep)) if j not in paired]
        for w in caught:
            seen.setdefault(str(w.message), w)
        self.warnings = list(seen.values())

    def _check_countries(self, res, imputation):
        countries = self.countries
        if not res.scores.index.equals(countries):
            lost = sorted(set(countries) - set(res.scores.index))
            gained = sorted(set(res.scores.index) - set(countries))
            raise MethodError(
                f"imputation {imputation!r} scores other countries than the nominal build "
                f"({len(res.scores)} instead of {len(countries)}; not scored: {', '.join(lost) or '-'};"
                f" newly scored: {', '.join(gained) or '-'}); ranks are only comparable over one set "
                "of countries: set screen_on = 'observed' or remove this alternative"
            )

    def _first_level_plan(self):
        """The first level aggregates indicators only; when their weights do not vary, its
        result (and the ranks of its nodes) depends only on (upstream variant, method):
        it is computed once per pair, as each variant is normalised. None otherwise."""
        plan, weights, names = self.plan, self.weights, self.method_names
        if not plan.steps:
            return None
        level, parents0, children0, onehot = plan.steps[0]
        if not (np.all(children0 < plan.n_indicators) and np.all(weights[:, children0] == weights[:1, children0])):
            return None
        key = self.variant_idx * len(names) + self.level_methods[:, 0]
        ukeys, key_idx = np.unique(key, return_inverse=True)
        nc, n_ind = len(self.countries), plan.n_indicators
        later = [plan.steps[li][2] for li in range(1, len(plan.steps))]
        return {
            "ukeys": ukeys, "key_idx": key_idx, "values": np.empty((len(ukeys), nc, len(parents0))),
            "sh": np.zeros(len(ukeys), dtype=bool), "sk": np.zeros(len(ukeys), dtype=bool),
            # block: the indicators, then the parents (local positions)
            "step": [(level, np.arange(n_ind, n_ind + len(parents0)), children0, onehot,
                      [plan.nodes[c] for c in children0], children0, 0)],
            "indicators_later": any(np.any(c < n_ind) for c in later),
        }

    def _first_level_of(self, first, k, normalised):
        """Aggregate the first level of upstream variant ``k`` for every method its replicates use."""
        names, nc, n_ind = self.method_names, len(self.countries), self.plan.n_indicators
        sel = np.flatnonzero(first["ukeys"] // len(names) == k)
        n_par = first["values"].shape[2]
        step = _auto_chunk(nc, n_ind + n_par)
        for a in range(0, len(sel), step):  # a chunk of (variant, method) pairs at a time
            rows = sel[a:a + step]
            block = np.empty((len(rows), nc, n_ind + n_par))
            block[..., :n_ind] = normalised
            lm = (first["ukeys"][rows] % len(names))[:, None]
            first["sh"][rows], first["sk"][rows] = _aggregate_steps(
                block, np.tile(self.weights[0], (len(rows), 1)), first["step"], lm, names, p=self.p,
                policy=self.design.space.nonpositive, coverage_min=self.spec.aggregate_coverage_min)
            first["values"][rows] = block[..., n_ind:]

    def _first_level_ranks(self, first):
        """The ranks of the first level's kept nodes (but the index, always kept per replicate), once per pair."""
        parents0, values = self.plan.steps[0][1], first["values"]
        ranked = [(j, int(np.flatnonzero(parents0 == pos)[0])) for j, pos in enumerate(self.keep[:-1])
                  if pos in parents0]
        pre_ranks = np.empty((len(ranked), values.shape[0], values.shape[1]), dtype=np.float32)
        for m, (_, c) in enumerate(ranked):
            _descending_ranks(np.ascontiguousarray(values[..., c]), pre_ranks[m])
        self.pre = (values, first["key_idx"], first["sh"], first["sk"], [j for j, _ in ranked], pre_ranks)

    def _layout(self):
        """The node axis of a chunk: only the nodes the later levels read or write, renumbered."""
        plan = self.plan
        if self.pre is None:
            cols = np.arange(len(plan.nodes))
        else:
            later = [plan.steps[li][2] for li in self.rest] + [plan.steps[li][1] for li in self.rest]
            later = np.concatenate(later) if later else np.array([], dtype=int)
            cols = np.unique(np.concatenate([later, plan.steps[0][1]]).astype(np.int64))
        local = np.full(len(plan.nodes), -1)
        local[cols] = np.arange(len(cols))
        self.cols, self.local = cols, local
        self.steps = [(lv, local[parents], local[children], onehot, [plan.nodes[c] for c in children], children, li)
                      for li, (lv, parents, children, onehot) in enumerate(plan.steps) if li in self.rest]
        ind = cols[cols < plan.n_indicators]
        self.needed_ind, self.needed_local = ind, local[ind]

    @one_blas_thread()
    def run(self, start, stop):
        """Ranks of the stored nodes (float32, node-major: nodes x replicates x countries), shifted and
        skipped flags of replicates ``start:stop``."""
        plan, sl, nc = self.plan, slice(start, stop), len(self.countries)
        ranks = np.empty((len(self.stored), stop - start, nc), dtype=np.float32)
        # every column read is written first (indicators or earlier parents): no need to fill
        scores = np.empty((stop - start, nc, len(self.cols)))
        if self.pre is None:
            scores[..., : plan.n_indicators] = self.stack[self.variant_idx[sl]]
        else:
            values, key_idx, pre_sh, pre_sk = self.pre[:4]
            keys = key_idx[sl]
            scores[..., _slice(self.local[plan.steps[0][1]])] = values[keys]
            if self.needed_ind.size:
                scores[..., self.needed_local] = self.stack[self.variant_idx[sl]][..., self.needed_ind]
        sh, sk = _aggregate_steps(scores, self.weights[sl], self.steps, self.level_methods[sl], self.method_names,
                                  p=self.p, policy=self.design.space.nonpositive,
                                  coverage_min=self.spec.aggregate_coverage_min)
        if self.pre is not None:
            # a replicate skipped at the first level has NaN children above: it stays skipped
            sh, sk = sh | pre_sh[keys], sk | pre_sk[keys]
        for i, j in enumerate(self.stored):
            _descending_ranks(scores[..., self.local[self.keep[j]]], ranks[i])
        return ranks, sh, sk

    def evaluation(self, stored, shifted, skipped) -> Evaluation:
        """The :class:`Evaluation` of these results (``stored``: the stored nodes' ranks, node-major)."""
        space, choices, R = self.design.space, self.choices, self.n_rows
        stored[:, skipped] = np.nan
        table = {}
        for name in ("imputation", "treatment", "normalisation"):
            if name in choices:
                table[name] = pd.Categorical(choices[name].astype(str) if name == "treatment" else choices[name])
        for lv, m in choices.get("aggregation", {}).items():
            table["aggregation" if not space.aggregation_per_level else f"aggregation.{lv}"] = pd.Categorical(m)
        if "drop" in choices:
            table["drop"] = pd.Categorical(choices["drop"])
        for j, node in enumerate(self.weight_cols):
            table[f"weights.{node}"] = self.weight_values[:, j]
        table["valid"] = ~skipped
        table["shifted"] = shifted
        params = pd.DataFrame(table, index=pd.RangeIndex(R, name="replicate"))
        plan, keep = self.plan, self.keep
        nom_ranks = self.nominal.ranks[[plan.nodes[i] for i in keep]].to_numpy(dtype=float)
        return Evaluation(
            design=self.design, spec=self.spec, nominal=self.nominal, countries=self.countries,
            nodes=tuple(plan.nodes[i] for i in keep), levels=tuple(int(plan.levels[i]) for i in keep), _stored=stored,
            nominal_ranks=nom_ranks, valid=~skipped, shifted=shifted, params=params, _choices=choices,
            _weights=self.weight_values, _weight_cols=self.weight_cols,
            _by_pair=(list(self.pre[4]), self.pre[5], self.pre[1]) if self.pre is not None and self.pre[4] else None,
        )


# one engine per worker process, reused by the tasks of the same evaluation
_WORKER_ENGINE: dict = {}


def _portable(spec):
    """``spec`` in a form pickle can ship: its settings mapping when that rebuilds it exactly.

    (A Spec holds read-only mappings, which pickle refuses.)
    """
    from ..spec import Spec

    try:
        mapping = spec.to_dict()
        if Spec.from_mapping(mapping) == spec:
            return ("spec", mapping)
    except (TypeError, ValueError):
        pass
    return spec


def _unportable(spec):
    from ..spec import Spec

    return Spec.from_mapping(spec[1]) if isinstance(spec, tuple) and spec[:1] == ("spec",) else spec


def evaluate_rows(token, dataset, spec, design, nodes, start, stop, chunk):
    """Evaluate replicates ``start:stop`` in chunks: the task a pool worker runs.

    Returns ``(start, ranks, shifted, skipped)``, ranks node-major (stored nodes x
    replicates x countries). The engine is set up once per worker
    process and evaluation (``token``), then reused by that evaluation's other tasks.
    """
    engine = _WORKER_ENGINE.get(token)
    if engine is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the caller has already shown them
            engine = _Engine(dataset, _unportable(spec), design, nodes)
        _WORKER_ENGINE.clear()
        _WORKER_ENGINE[token] = engine
    parts = [engine.run(s, min(s + chunk, stop)) for s in range(start, stop, chunk)]
    return (start, np.concatenate([p[0] for p in parts], axis=1), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def evaluate(dataset, spec=None, design: Design | None = None, *, nodes: str = "all", chunk: int | None = None,
             workers: int = 1, scheduler: str | None = None, executor=None, progress=None) -> Evaluation:
    """Compute the ranks of every replicate of ``design``, vectorised over replicates.

    Parameters
    ----------
    dataset : Dataset
    spec : Spec, optional
        The nominal choices; default as in :func:`readiness.build`.
    design : Design
        From :func:`~readiness.analysis.design.draw` or :func:`~readiness.analysis.design.grid`.
    nodes : {"all", "index"}, default="all"
        Keep the ranks of every aggregate node (every level) or of the index only.
    chunk : int, optional
        Replicates per block (default: about 8 MB of scores per block).
    workers : int, default=1
        Local worker threads evaluating blocks (1: one after another). Threads share the
        engine (numpy releases the GIL in the heavy kernels), so no worker repeats its
        set-up; a process pool or a Dask cluster is used through ``executor`` or
        ``scheduler``.
    scheduler : str, optional
        ``dask://HOST:PORT``: evaluate blocks on that Dask cluster (needs
        ``readiness[distributed]``).
    executor : concurrent.futures.Executor, optional
        An executor to use instead (e.g. from :func:`readiness.analysis.pool.executor`).
    progress : callable, optional
        Called as ``progress(done, total)`` after each block.

    Returns
    -------
    Evaluation

    Raises
    ------
    SpecError
        A design drawn for another framework, a bad chunk or worker count, a run that
        does not fit in memory.
    MethodError
        A variant that scores another set of countries than the nominal build, or a
        method these data cannot take.

    Notes
    -----
    The ranks of any replicate equal, bit for bit, those of
    ``build(dataset, evaluation.spec_for(r))`` (tested): the upstream stages come from
    ``build()`` itself, normalisation and aggregation use the same kernels. Blocks are
    the same whether they run here, in worker processes or on a cluster, so the
    results are identical bit for bit.
    """
    if design is None or not isinstance(design, Design):
        raise SpecError("evaluate needs a Design from draw() or grid()")
    spec = nominal_spec(dataset, spec)
    if nodes not in ("all", "index"):
        raise SpecError(f"nodes must be 'all' or 'index'; got {nodes!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise SpecError(f"workers must be a whole number >= 1; got {workers!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1):
        raise SpecError(f"chunk must be a whole number >= 1; got {chunk!r}")
    from .pool import executor as make_executor

    engine = _Engine(dataset, spec, design, nodes)
    for w in engine.warnings:
        warnings.warn(w.message, w.category, stacklevel=2)
    R = engine.n_rows
    n_keep = len(engine.stored)
    need, per, fixed = memory_needed(R, n_countries=len(engine.countries), n_keep=n_keep,
                                     n_nodes=len(engine.plan.nodes), n_columns=len(design.columns))
    check_fits(need, what=f"evaluating {R:,} replicates", per_unit=per, fixed=fixed, unit_name="replicates")
    auto = _auto_chunk(len(engine.countries), len(engine.cols))
    chunk = int(chunk) if chunk is not None else auto
    # node-major storage: the index's ranks (the last node) are one contiguous replicates x
    # countries block, which the results share instead of copying
    store = np.empty((n_keep, R, len(engine.countries)), dtype=np.float32)
    shifted = np.zeros(R, dtype=bool)
    skipped = np.zeros(R, dtype=bool)
    done = 0
    if executor is None and workers == 1 and scheduler is None:
        for s in range(0, R, chunk):
            stop = min(s + chunk, R)
            store[:, s:stop], shifted[s:stop], skipped[s:stop] = engine.run(s, stop)
            done += stop - s
            if progress is not None:
                progress(done, R)
        return engine.evaluation(store, shifted, skipped)

    from concurrent.futures import ThreadPoolExecutor, as_completed

    if executor is None and scheduler is None:
        # local workers share this engine in threads: numpy releases the GIL in the heavy
        # kernels, and no worker repeats the engine's set-up or ships its blocks back
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(engine.run, s, min(s + chunk, R)): s for s in range(0, R, chunk)}
            for fut in as_completed(futures):
                start = futures[fut]
                r, sh, sk = fut.result()
                stop = start + len(sh)
                store[:, start:stop], shifted[start:stop], skipped[start:stop] = r, sh, sk
                done += stop - start
                if progress is not None:
                    progress(done, R)
        return engine.evaluation(store, shifted, skipped)

    # tasks are whole chunks, so every block is the one the local run computes
    per_task = chunk * max(1, math.ceil(R / chunk / (4 * max(workers, 2))))
    token = uuid.uuid4().hex
    shipped = _portable(spec)
    with make_executor(workers=workers, scheduler=scheduler, executor=executor) as pool:
        futures = [pool.submit(evaluate_rows, token, dataset, shipped, design, nodes, s, min(s + per_task, R), chunk)
                   for s in range(0, R, per_task)]
        for fut in as_completed(futures):
            start, r, sh, sk = fut.result()
            stop = start + len(sh)
            store[:, start:stop], shifted[start:stop], skipped[start:stop] = r, sh, sk
            done += stop - start
            if progress is not None:
                progress(done, R)
    _WORKER_ENGINE.pop(token, None)  # tasks run in this process (an inline executor) cached it here
    return engine.evaluation(store, shifted, skipped)
