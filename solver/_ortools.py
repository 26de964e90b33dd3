"""The OR-Tools adapter: the only module of the project that imports ``ortools``.

It turns a :class:`~solver.model.Problem` into an OR-Tools routing model, runs one search
and hands back plain visiting orders (stop positions per vehicle). Timing, costs and
reasons are computed elsewhere from the problem alone (``solver.schedule``,
``solver.diagnose``), so nothing of OR-Tools leaks out.

Model (``build``):

* manager nodes are the stops (in problem order, optionally shuffled by a seed), then one
  node per distinct vehicle start/end location, then one zero-distance "open end" node;
* travel matrices are registered as matrices per travel profile (``RegisterTransitMatrix``)
  and demands, stop counts as vectors (``RegisterUnaryTransitVector``): no Python callback
  is called per arc during the search;
* time dimension: transit ``service(i) + travel(i, j)``, waiting slack, stop windows as a
  range with the gaps between windows removed, shifts and depot hours on route starts and
  ends, ``max_duration`` as a span bound, soft deadlines as soft upper bounds;
* one capacity dimension per demand dimension, a distance dimension if any vehicle has a
  ``max_distance``, a count dimension if any has ``max_stops``;
* an unreachable cell (-1) becomes a transit longer than any horizon, so it is never
  travelled; vehicles that cannot serve a stop (skills, allowed vehicles, capacity,
  reachability) are removed from its vehicle variable;
* every stop is in a disjunction whose penalty dominates any detour and grows with
  priority (required stops above all optional ones), so a plan always exists and when not
  every stop fits, the lower-priority ones are left out first;
* reloads (``_add_trips``): per load place and ``reload_service``, a pool of optional
  reload nodes (penalty 0) shared by the vehicles that may load there, sized by
  ``_pool_size``; each capacity dimension counts the load delivered since the last load: a
  reload node's demand is minus the pool's largest capacity and its slack (the only
  nonzero slack of the dimension) lets the load restart anywhere down to zero; a "loads"
  count dimension caps each vehicle's reloads at ``max_trips`` (less the first trip, when
  it leaves loaded); an "empty" 0/1 dimension, 1 at the start of a vehicle that starts
  empty and reset by a reload, must be 0 at every stop; the time dimension gives reload
  nodes the pool's service time and the depot's hours;
* ride limits (``_add_rides``): a "ride" dimension, the time since the current trip left
  its load place, reset to 0 at reload nodes, its slack never below the time dimension's
  waiting; each stop's ``max_ride`` bounds its cumul.

``method="plain"`` builds the textbook model kept as a floor for benchmarks: Python
callbacks per arc, no disjunctions, path-cheapest-arc then guided local search.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_ils_pb2
from ortools.util import optional_boolean_pb2

from solver.model import Problem, Stop
from solver.objective import (
    change_costs,
    compatible_vehicles,
    cost_key,
    penalties,
    vehicle_fixed_bonus,
)
from solver.schedule import end_window, reload_hours, start_window
from solver.search import RESTORE_SECONDS, SearchConfig, SearchResult

#: Transit standing for "no path": longer than any horizon or distance limit.
_NO_PATH = 10**12

FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy
METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic

IntArray = npt.NDArray[np.int64]
BOOL_TRUE = optional_boolean_pb2.BOOL_TRUE
BOOL_FALSE = optional_boolean_pb2.BOOL_FALSE


#: ``RoutingModel.status()`` of a search stopped by a limit before a local optimum, and
#: of one stopped by its time limit before any solution.
_CUT_SHORT = 2
_TIMED_OUT = 4

_STATUS = {
    0: "not solved",
    1: "solved (local optimum or limit reached)",
    2: "stopped by the time or effort limit before a local optimum",
    3: "no solution found",
    4: "no solution found within the time limit",
    5: "invalid model",
    6: "proven infeasible",
    7: "optimal",
}


def _horizon(problem: Problem) -> int:
    return max(v.shift[1] for v in problem.vehicles)


@dataclass(frozen=True, slots=True)
class _Pool:
    """Optional reload nodes at one location, shared by the vehicles that may load there
    with the same ``reload_service``."""

    location: int
    service: int
    vehicles: tuple[int, ...]
    nodes: tuple[int, ...]


#: Reload nodes per pool beyond the loads the demand needs (x ``_LOAD_FACTOR``): room for
#: trips that time or ride limits end before the vehicle is full.
_LOAD_FACTOR = 1.5
_LOAD_SLACK = 3


def _pool_size(problem: Problem, members: Sequence[int]) -> int:
    """How many reload nodes a pool gets: never more than its vehicles may use
    (``max_trips``), nor than the stops (each trip serves one at least), nor than a bound
    from the demand of the stops they may carry."""
    vehicles = [problem.vehicles[k] for k in members]
    allowed = [v.max_loads for v in vehicles]
    most = len(problem.stops) + sum(1 for v in vehicles if not v.start_loaded)
    if all(a is not None for a in allowed):
        most = min(most, sum(a for a in allowed if a is not None))
    need = 0
    for d in range(len(problem.dimensions)):
        cap = min(v.capacity[d] for v in vehicles)
        total = sum(s.demand[d] for s in problem.stops)
        if cap > 0:
            need = max(need, math.ceil(_LOAD_FACTOR * total / cap))
    if not problem.dimensions or any(s.max_ride is not None for s in problem.stops):
        need = len(problem.stops)  # only time and ride limits end a trip
    need += _LOAD_SLACK + sum(1 for v in vehicles if not v.start_loaded)
    return max(0, min(most, need))


class _Nodes:
    """Manager nodes: stops (maybe shuffled), terminal locations, one open end (if any
    route is open), then the reload pools' nodes."""

    def __init__(self, problem: Problem, seed: int) -> None:
        n = len(problem.stops)
        order = np.arange(n)
        if seed:
            order = np.random.default_rng(seed).permutation(n)
        self.stop_of_node: list[int] = [int(i) for i in order]
        self.node_of_stop: list[int] = [0] * n
        for node, i in enumerate(self.stop_of_node):
            self.node_of_stop[i] = node
        terminals: list[int] = []
        for v in problem.vehicles:
            for place in (v.start, v.end):
                if place is not None and place not in terminals:
                    terminals.append(place)
        self.terminal_node = {loc: n + k for k, loc in enumerate(terminals)}
        has_open = any(v.end is None for v in problem.vehicles)
        self.open_end = n + len(terminals)  # only a node if some route is open
        self.count = self.open_end + (1 if has_open else 0)
        locations = [problem.stops[i].location for i in self.stop_of_node] + terminals
        locations += [-1] if has_open else []
        self.n_stops = n
        groups: dict[tuple[int, int], list[int]] = {}
        for k, v in enumerate(problem.vehicles):
            for place in v.load_places:
                groups.setdefault((place, v.reload_service), []).append(k)
        self.pools: list[_Pool] = []
        self.reload_of_node: dict[int, int] = {}
        first = len(locations)
        for (place, service), members in groups.items():
            size = _pool_size(problem, members)
            pool_nodes = tuple(range(first, first + size))
            first += size
            self.pools.append(_Pool(place, service, tuple(members), pool_nodes))
            locations += [place] * size
            for node in pool_nodes:
                self.reload_of_node[node] = place
        self.count = len(locations)
        self.location: IntArray = np.asarray(locations, dtype=np.int64)
        self.free = {id(pool): list(pool.nodes) for pool in self.pools}
        self.fixed = [
            self._take(problem, k, problem.prefix_entries(k)) for k in range(len(problem.vehicles))
        ]

    def _take(self, problem: Problem, k: int, route: Sequence[int]) -> list[int]:
        """Nodes of vehicle ``k``'s visiting order, each reload on a node taken from the
        free nodes of a pool of its vehicle (``ValueError``: the pools are too small)."""
        v = problem.vehicles[k]
        seq = []
        for entry in route:
            place = problem.reload_at(entry)
            if place is None:
                seq.append(self.node_of_stop[entry])
                continue
            pool = next((p for p in self.pools if p.location == place and k in p.vehicles), None)
            if pool is None or not self.free[id(pool)] or v.reload_service != pool.service:
                raise ValueError(f"no free reload node at {place} for vehicle {v.id!r}")
            seq.append(self.free[id(pool)].pop(0))
        return seq

    def matrix(self, m: IntArray, no_path: int) -> IntArray:
        """Matrix over nodes from a matrix over locations; the open end costs nothing."""
        real = self.location >= 0
        idx = np.where(real, self.location, 0)
        out = m[np.ix_(idx, idx)].astype(np.int64)
        out[out < 0] = no_path
        out[~real, :] = 0
        out[:, ~real] = 0
        return out

    def vector(self, values: Sequence[int]) -> list[int]:
        """Per-node vector from per-stop values (terminals and reload nodes get 0)."""
        out = [0] * self.count
        for node, i in enumerate(self.stop_of_node):
            out[node] = int(values[i])
        return out

    def entry(self, problem: Problem, node: int) -> int:
        """The visiting-order entry of a node: a stop position, or a reload code."""
        if node in self.reload_of_node:
            return problem.reload_code(self.reload_of_node[node])
        return self.stop_of_node[node]

    def warm_nodes(
        self, problem: Problem, routes: Sequence[Sequence[int]]
    ) -> list[list[int]] | None:
        """Nodes of visiting orders (each reload on a free node of a pool of its vehicle;
        a fixed prefix on its own nodes), or ``None`` when the pools are too small for
        them or a route does not begin with its vehicle's prefix."""
        saved = {key: list(nodes) for key, nodes in self.free.items()}
        try:
            out: list[list[int]] = []
            for k, route in enumerate(routes):
                fixed = self.fixed[k]
                if list(route[: len(fixed)]) != problem.prefix_entries(k):
                    return None
                out.append(fixed + self._take(problem, k, route[len(fixed) :]))
            return out
        except ValueError:
            return None
        finally:
            self.free = saved


@dataclass
class _Model:
    manager: Any
    routing: Any
    nodes: _Nodes
    time_dim: Any
    build_seconds: float


def _arc_costs(problem: Problem, nodes: _Nodes) -> tuple[dict[tuple[int, int, int], IntArray], int]:
    """Node cost matrix per (profile, cost/s, cost/m), and the largest finite arc cost."""
    out: dict[tuple[int, int, int], IntArray] = {}
    bound = 1
    for v in problem.vehicles:
        key = cost_key(problem, v)
        if key in out:
            continue
        prof = problem.profiles[v.profile]
        dur = prof.durations.astype(np.int64)
        dist = prof.distances.astype(np.int64)
        m = key[1] * dur + key[2] * dist
        m[dur < 0] = -1
        finite = m[m >= 0]
        top = int(finite.max()) if finite.size else 0
        bound = max(bound, top)
        # Unreachable arcs are forbidden by the time dimension; a moderate cost here keeps
        # cost-based sampling (annealing temperatures, neighbour lists) meaningful.
        out[key] = nodes.matrix(m, 2 * top + 1)
    return out, bound


def _register_matrix(routing: Any, manager: Any, m: IntArray, plain: bool, keep: list[Any]) -> int:
    """Register a node matrix: as a matrix, or (plain mode) as a Python callback per arc."""
    if not plain:
        return int(routing.RegisterTransitMatrix(m.tolist()))
    rows = m.tolist()

    def transit(i: int, j: int) -> int:
        return int(rows[manager.IndexToNode(i)][manager.IndexToNode(j)])

    keep.append(transit)
    return int(routing.RegisterTransitCallback(transit))


def _register_vector(
    routing: Any, manager: Any, values: list[int], plain: bool, keep: list[Any]
) -> int:
    if not plain:
        return int(routing.RegisterUnaryTransitVector(values))

    def transit(i: int) -> int:
        return values[manager.IndexToNode(i)]

    keep.append(transit)
    return int(routing.RegisterUnaryTransitCallback(transit))


def _add_windows(cumul: Any, stop: Stop, horizon: int) -> bool:
    """Restrict ``cumul`` to the stop's windows within ``[0, horizon]``.

    Returns ``False`` (and leaves ``cumul`` alone) when no window opens by the horizon:
    then no vehicle can serve the stop, and the caller must say so to the model.
    """
    windows = [(lo, min(hi, horizon)) for lo, hi in stop.windows if lo <= horizon]
    if not stop.windows:
        return True
    if not windows:
        return False
    cumul.SetRange(windows[0][0], windows[-1][1])
    for (_, hi), (lo, _) in itertools.pairwise(windows):
        if lo - 1 >= hi + 1:
            cumul.RemoveInterval(hi + 1, lo - 1)
    return True


def build(
    problem: Problem,
    *,
    seed: int = 0,
    plain: bool = False,
    span_bound: int | None = None,
    vehicle_cost: float = 0.0,
) -> tuple[_Model, list[Any]]:
    """Build the routing model of ``problem``.

    Parameters
    ----------
    problem
        The validated problem.
    seed
        0 keeps the stops in problem order; another value shuffles the node order, which
        changes tie-breaking and so the search trajectory.
    plain
        Build the textbook model (Python callbacks per arc, no disjunctions).
    span_bound
        Extra upper bound (s) on every route's duration (used to balance routes).
    vehicle_cost
        Search-only cost per used vehicle, in units of the largest arc cost (0: none).

    Returns
    -------
    tuple
        The model and a list of Python objects that must outlive the search.
    """
    t0 = time.perf_counter()
    keep: list[Any] = []
    nodes = _Nodes(problem, seed)
    vehicles = problem.vehicles
    starts = [nodes.terminal_node[v.start] for v in vehicles]
    ends = [nodes.open_end if v.end is None else nodes.terminal_node[v.end] for v in vehicles]
    manager = pywrapcp.RoutingIndexManager(nodes.count, len(vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    keep.append(manager)

    # Arc costs, one matrix per distinct cost structure.
    cost_mats, arc_bound = _arc_costs(problem, nodes)
    cost_ids = {
        key: _register_matrix(routing, manager, m, plain, keep) for key, m in cost_mats.items()
    }
    extra_fixed = round(vehicle_cost * arc_bound)
    for k, v in enumerate(vehicles):
        routing.SetArcCostEvaluatorOfVehicle(cost_ids[cost_key(problem, v)], k)
        fixed = v.fixed_cost + extra_fixed
        if problem.objective.minimise_vehicles:
            fixed += vehicle_fixed_bonus(problem, arc_bound)
        if fixed:
            routing.SetFixedCostOfVehicle(fixed, k)

    # Time: service at i plus travel i -> j, waiting allowed.
    horizon = _horizon(problem)
    service = nodes.vector([s.service for s in problem.stops])
    for pool in nodes.pools:
        for node in pool.nodes:
            service[node] = pool.service
    service_col = np.asarray(service, dtype=np.int64)[:, None]
    time_ids: dict[int, int] = {}
    for p in sorted({v.profile for v in vehicles}):
        travel = nodes.matrix(problem.profiles[p].durations, _NO_PATH)
        time_ids[p] = _register_matrix(routing, manager, travel + service_col, plain, keep)
    routing.AddDimensionWithVehicleTransits(
        [time_ids[v.profile] for v in vehicles], horizon, horizon, False, "time"
    )
    time_dim = routing.GetDimensionOrDie("time")
    for k, v in enumerate(vehicles):
        lo, hi = start_window(problem, v)
        e_lo, e_hi = end_window(problem, v)
        if lo <= hi and e_lo <= e_hi:
            time_dim.CumulVar(routing.Start(k)).SetRange(lo, hi)
            time_dim.CumulVar(routing.End(k)).SetRange(e_lo, e_hi)
        limit = v.max_duration
        if span_bound is not None:
            limit = span_bound if limit is None else min(limit, span_bound)
        if limit is not None:
            time_dim.SetSpanUpperBoundForVehicle(limit, k)
    closed = set()  # stops whose windows all open after the last shift ends
    for i, stop in enumerate(problem.stops):
        index = manager.NodeToIndex(nodes.node_of_stop[i])
        if not _add_windows(time_dim.CumulVar(index), stop, horizon):
            closed.add(i)
            if plain:  # no disjunctions: the textbook model simply has no plan
                time_dim.CumulVar(index).SetValue(horizon)
        if stop.deadline is not None and stop.lateness_cost > 0:
            time_dim.SetCumulVarSoftUpperBound(index, stop.deadline, stop.lateness_cost)
    if problem.objective.span_cost:
        time_dim.SetGlobalSpanCostCoefficient(problem.objective.span_cost)

    # Capacities, one dimension per demand dimension: the load delivered since the last
    # load. A reload node takes its pool's largest capacity off, and its slack (the only
    # slack, see _add_trips) lets the load after it be anything down to zero.
    for d, name in enumerate(problem.dimensions):
        demand = nodes.vector([s.demand[d] for s in problem.stops])
        top = 0
        for pool in nodes.pools:
            largest = max(vehicles[k].capacity[d] for k in pool.vehicles)
            top = max(top, largest)
            for node in pool.nodes:
                demand[node] = -largest
        idx = _register_vector(routing, manager, demand, plain, keep)
        caps = [v.capacity[d] for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(idx, top, caps, True, f"load:{name}")

    if any(v.max_distance is not None for v in vehicles):
        dist_ids = {
            p: _register_matrix(
                routing, manager, nodes.matrix(problem.profiles[p].distances, _NO_PATH), plain, keep
            )
            for p in sorted({v.profile for v in vehicles})
        }
        caps = [_NO_PATH - 1 if v.max_distance is None else v.max_distance for v in vehicles]
        routing.AddDimensionWithVehicleTransitAndCapacity(
            [dist_ids[v.profile] for v in vehicles], 0, caps, True, "distance"
        )

    if any(v.max_stops is not None for v in vehicles):
        ones = nodes.vector([1] * len(problem.stops))
        idx = _register_vector(routing, manager, ones, plain, keep)
        n = len(problem.stops)
        caps = [n if v.max_stops is None else v.max_stops for v in vehicles]
        routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, "stops")

    # Who may serve what; and the disjunctions that keep a plan always possible.
    compatible = compatible_vehicles(problem)
    pens = penalties(problem, arc_bound, extra_fixed=extra_fixed)
    all_vehicles = len(vehicles)
    for i in range(len(problem.stops)):
        index = manager.NodeToIndex(nodes.node_of_stop[i])
        allowed = [] if i in closed else compatible[i]
        if not plain:
            routing.AddDisjunction([index], pens[i])
        if not allowed:
            if not plain:
                routing.ActiveVar(index).SetValue(0)
        elif len(allowed) < all_vehicles:
            # SetAllowedVehiclesForIndex rejects every Python sequence in ortools 9.15
            # (TypeError: absl::Span<int const>); restricting the vehicle variable is the
            # same constraint (-1 keeps the stop droppable).
            routing.VehicleVar(index).SetValues([-1, *allowed])

    _fix_prefixes(problem, routing, manager, nodes)
    _add_change_costs(problem, routing, manager, nodes, plain, keep)
    model = _Model(manager, routing, nodes, time_dim, time.perf_counter() - t0)
    if nodes.pools or any(s.max_ride is not None for s in problem.stops):
        _add_trips(problem, model, horizon, keep)
        model.build_seconds = time.perf_counter() - t0
    return model, keep


def _fix_prefixes(problem: Problem, routing: Any, manager: Any, nodes: _Nodes) -> None:
    """Chain each vehicle's fixed prefix from its start: the nodes are served, by it, in
    this order (the rest of its route follows the last of them)."""
    for k, fixed in enumerate(nodes.fixed):
        previous = routing.Start(k)
        for node in fixed:
            index = manager.NodeToIndex(node)
            routing.NextVar(previous).SetValue(index)
            routing.VehicleVar(index).SetValue(k)
            routing.ActiveVar(index).SetValue(1)
            previous = index


def _add_change_costs(
    problem: Problem, routing: Any, manager: Any, nodes: _Nodes, plain: bool, keep: list[Any]
) -> None:
    """A ``changes`` dimension: vehicle ``k`` pays a stop's ``change_cost`` when it serves a
    stop whose ``reference`` is another vehicle; its span cost adds those to the objective."""
    if not any(s.change_cost and s.reference is not None for s in problem.stops):
        return
    evaluators = [
        _register_vector(routing, manager, nodes.vector(costs), plain, keep)
        for costs in change_costs(problem)
    ]
    total = sum(s.change_cost for s in problem.stops) + 1
    routing.AddDimensionWithVehicleTransits(evaluators, 0, total, True, "changes")
    routing.GetDimensionOrDie("changes").SetSpanCostCoefficientForAllVehicles(1)


#: Metaheuristics by their short names in ``SearchConfig.metaheuristic``.
_METAHEURISTICS = {
    "gls": METAHEURISTIC.GUIDED_LOCAL_SEARCH,
    "greedy": METAHEURISTIC.GREEDY_DESCENT,
    "tabu": METAHEURISTIC.TABU_SEARCH,
    "sa": METAHEURISTIC.SIMULATED_ANNEALING,
}


def _search_parameters(
    config: SearchConfig, time_limit: float, *, solution_limit: int | None = None
) -> Any:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(FIRST_SOLUTION, config.first_solution)
    if config.metaheuristic == "gls":
        params.local_search_metaheuristic = METAHEURISTIC.GUIDED_LOCAL_SEARCH
        params.guided_local_search_lambda_coefficient = config.gls_lambda
    elif config.metaheuristic == "ils":
        params.local_search_metaheuristic = METAHEURISTIC.GREEDY_DESCENT
        params.use_iterated_local_search = True
        ils = params.iterated_local_search_parameters
        ils.perturbation_strategy = routing_ils_pb2.PerturbationStrategy.RUIN_AND_RECREATE
        rr = ils.ruin_recreate_parameters
        del rr.ruin_strategies[:]
        ruin = rr.ruin_strategies.add()
        ruin.sisr.avg_num_removed_visits = config.sisr_avg_removed
        ruin.sisr.max_removed_sequence_size = config.sisr_max_sequence
        ruin.sisr.bypass_factor = 0.01
        rr.recreate_strategy.heuristic = getattr(FIRST_SOLUTION, config.ils_recreate)
        ils.improve_perturbed_solution = True
        sa = ils.reference_solution_acceptance_strategy.simulated_annealing
        sa.cooling_schedule_strategy = routing_ils_pb2.CoolingScheduleStrategy.EXPONENTIAL
        if config.ils_temperature is None:
            sa.automatic_temperatures = True
        else:
            sa.automatic_temperatures = False
            sa.initial_temperature = config.ils_temperature
            sa.final_temperature = config.ils_temperature / 100
        ils.best_solution_acceptance_strategy.greedy_descent.SetInParent()
    elif "+" in config.metaheuristic:
        params.local_search_metaheuristic = METAHEURISTIC.UNSET
        params.local_search_metaheuristics.extend(
            _METAHEURISTICS[m] for m in config.metaheuristic.split("+")
        )
        params.num_max_local_optima_before_metaheuristic_switch = config.switch_after
        params.guided_local_search_lambda_coefficient = config.gls_lambda
    else:
        params.local_search_metaheuristic = _METAHEURISTICS[config.metaheuristic]
    params.ls_operator_neighbors_ratio = config.neighbors_ratio
    params.ls_operator_min_neighbors = config.min_neighbors
    params.use_multi_armed_bandit_concatenate_operators = config.bandit
    for name, on in config.operators:
        setattr(params.local_search_operators, name, BOOL_TRUE if on else BOOL_FALSE)
    if config.reset_penalties is not None:
        params.guided_local_search_reset_penalties_on_new_best_solution = config.reset_penalties
    if config.penalties_in_operators is not None:
        params.use_guided_local_search_penalties_in_local_search_operators = (
            config.penalties_in_operators
        )
    seconds = max(time_limit, 0.001)
    params.time_limit.seconds = int(seconds)
    params.time_limit.nanos = int((seconds - int(seconds)) * 1e9)
    if solution_limit is not None:
        params.solution_limit = solution_limit
    return params


def _read_routes(problem: Problem, model: _Model, assignment: Any) -> list[list[int]]:
    routing, manager, nodes = model.routing, model.manager, model.nodes
    routes: list[list[int]] = []
    for k in range(len(problem.vehicles)):
        index = assignment.Value(routing.NextVar(routing.Start(k)))
        seq: list[int] = []
        while not routing.IsEnd(index):
            seq.append(nodes.entry(problem, manager.IndexToNode(index)))
            index = assignment.Value(routing.NextVar(index))
        routes.append(seq)
    return routes


def _add_rides(
    problem: Problem, model: Any, horizon: int, rides: list[tuple[int, int]], keep: list[Any]
) -> None:
    """The "ride" dimension: time since the current trip left its load place.

    Transit ``service(i) + travel(i, j)`` (a reload's own service left out: the ride starts
    when it leaves), minus ``reset`` into a reload node, whose cumul is fixed at 0: the slack
    before a reload absorbs the rest. Elsewhere the ride's slack is at least the time
    dimension's (the waiting), so the cumul never understates a ride; each stop's
    ``max_ride`` bounds its cumul.
    """
    routing, manager, nodes, time_dim = model.routing, model.manager, model.nodes, model.time_dim
    reset = 4 * horizon
    service = np.asarray(nodes.vector([s.service for s in problem.stops]), dtype=np.int64)
    is_reload = np.zeros(nodes.count, dtype=bool)
    is_reload[list(nodes.reload_of_node)] = True
    ids = {}
    for p in sorted({v.profile for v in problem.vehicles}):
        m = nodes.matrix(problem.profiles[p].durations, _NO_PATH) + service[:, None]
        m[:, is_reload] -= reset
        ids[p] = _register_matrix(routing, manager, m, False, keep)
    routing.AddDimensionWithVehicleTransits(
        [ids[v.profile] for v in problem.vehicles], reset + horizon, horizon, True, "ride"
    )
    ride = routing.GetDimensionOrDie("ride")
    solver = routing.solver()
    for node in nodes.reload_of_node:
        ride.CumulVar(manager.NodeToIndex(node)).SetValue(0)
    for i in range(routing.Size()):
        solver.Add(ride.SlackVar(i) >= time_dim.SlackVar(i))
    for i, limit in rides:
        ride.CumulVar(manager.NodeToIndex(nodes.node_of_stop[i])).SetMax(limit)


def _add_trips(problem: Problem, model: Any, horizon: int, keep: list[Any]) -> None:
    """Reloads, starting empty and ride limits (see the module notes)."""
    routing, manager, nodes, time_dim = model.routing, model.manager, model.nodes, model.time_dim
    vehicles = problem.vehicles
    reload_index = [manager.NodeToIndex(node) for node in nodes.reload_of_node]
    others = [
        i for i in range(routing.Size()) if manager.IndexToNode(i) not in nodes.reload_of_node
    ]
    # A reload right after another, before the end, or first on a route that leaves
    # loaded carries nothing: such arcs are removed (zero-cost ones would else appear).
    ends = [routing.End(k) for k in range(len(vehicles))]
    for k, v in enumerate(vehicles):
        if v.start_loaded:
            routing.NextVar(routing.Start(k)).RemoveValues(reload_index)
    for pool in nodes.pools:
        for node in pool.nodes:
            index = manager.NodeToIndex(node)
            routing.NextVar(index).RemoveValues([i for i in reload_index if i != index] + ends)
            routing.AddDisjunction([index], 0)
            routing.VehicleVar(index).SetValues([-1, *pool.vehicles])
            for lo, hi in reload_hours(problem, pool.location):
                time_dim.CumulVar(index).SetRange(max(0, lo), min(hi, horizon))
    # Each trip's load (see build): no slack but at reload nodes.
    for name in problem.dimensions:
        dim = routing.GetDimensionOrDie(f"load:{name}")
        for i in others:
            if not routing.IsEnd(i):
                dim.SlackVar(i).SetValue(0)
    if any(not v.start_loaded for v in vehicles):
        values = [0] * nodes.count
        for node in nodes.reload_of_node:
            values[node] = -1
        idx = routing.RegisterUnaryTransitVector(values)
        routing.AddDimension(idx, 1, 1, False, "empty")
        empty = routing.GetDimensionOrDie("empty")
        for i in others:
            if not routing.IsEnd(i):
                empty.SlackVar(i).SetValue(0)
        for node in nodes.stop_of_node:
            empty.CumulVar(manager.NodeToIndex(node)).SetMax(0)
        for k, v in enumerate(vehicles):
            empty.CumulVar(routing.Start(k)).SetValue(0 if v.start_loaded else 1)
    limits = [v.max_loads for v in vehicles]
    pool_total = sum(len(p.nodes) for p in nodes.pools)
    if any(a is not None and a < pool_total for a in limits):
        values = [0] * nodes.count
        for node in nodes.reload_of_node:
            values[node] = 1
        idx = routing.RegisterUnaryTransitVector(values)
        caps = [pool_total if a is None else min(a, pool_total) for a in limits]
        routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, "loads")
    rides = [(i, s.max_ride) for i, s in enumerate(problem.stops) if s.max_ride is not None]
    if rides:
        _add_rides(problem, model, horizon, rides, keep)
    del keep


def search(
    problem: Problem,
    *,
    config: SearchConfig,
    deadline: float,
    seed: int = 0,
    plain: bool = False,
    initial_routes: Sequence[Sequence[int]] | None = None,
    solution_limit: int | None = None,
    span_bound: int | None = None,
    on_progress: Callable[[float, int], None] | None = None,
    clock_origin: float | None = None,
) -> SearchResult:
    """Build the model and search until ``deadline`` (a ``time.monotonic()`` instant).

    Parameters
    ----------
    problem
        The problem.
    config
        Search configuration (ignored in plain mode, which uses path-cheapest-arc then
        guided local search).
    deadline
        Wall-clock instant (``time.monotonic()``) by which the search must end.
    seed
        Node-order shuffle seed (0: problem order).
    plain
        Use the textbook model.
    initial_routes
        Warm start: stop positions per vehicle (problem order); ignored if infeasible.
    solution_limit
        Stop after this many improving solutions (deterministic effort bound).
    span_bound
        Extra bound (s) on every route's duration.
    on_progress
        Called as ``(seconds since clock_origin, objective)`` at each improvement.
    clock_origin
        ``time.monotonic()`` instant that ``on_progress`` times are measured from.
    """
    origin = time.monotonic() if clock_origin is None else clock_origin
    if plain or config.vehicle_cost <= 0:
        return _search_once(
            problem,
            config=config,
            deadline=deadline,
            seed=seed,
            plain=plain,
            initial_routes=initial_routes,
            solution_limit=solution_limit,
            span_bound=span_bound,
            on_progress=on_progress,
            origin=origin,
        )
    # Route-count guidance first, then the true objective from the plan it found.
    split = time.monotonic() + config.vehicle_cost_share * (deadline - time.monotonic())
    guided = _search_once(
        problem,
        config=config,
        deadline=split,
        seed=seed,
        initial_routes=initial_routes,
        solution_limit=solution_limit,
        span_bound=span_bound,
        origin=origin,
        vehicle_cost=config.vehicle_cost,
    )
    final = _search_once(
        problem,
        config=config,
        deadline=deadline,
        seed=seed,
        initial_routes=guided.routes if guided.found else initial_routes,
        solution_limit=solution_limit,
        span_bound=span_bound,
        on_progress=on_progress,
        origin=origin,
    )
    # If the second part had no time left to restore the plan, the guided plan stands.
    kept = guided if guided.found and not final.found else final
    return dataclasses.replace(
        kept,
        build_seconds=guided.build_seconds + final.build_seconds,
        search_seconds=guided.search_seconds + final.search_seconds,
    )


def _search_once(
    problem: Problem,
    *,
    config: SearchConfig,
    deadline: float,
    seed: int,
    initial_routes: Sequence[Sequence[int]] | None,
    solution_limit: int | None,
    span_bound: int | None,
    origin: float,
    plain: bool = False,
    on_progress: Callable[[float, int], None] | None = None,
    vehicle_cost: float = 0.0,
) -> SearchResult:
    """One model, one search (see :func:`search`); ``vehicle_cost`` as in :func:`build`."""
    model, keep = build(
        problem, seed=seed, plain=plain, span_bound=span_bound, vehicle_cost=vehicle_cost
    )
    routing = model.routing
    if plain:
        config = SearchConfig(first_solution="PATH_CHEAPEST_ARC", metaheuristic="gls")
    history: list[tuple[float, int]] = []
    best = [2**63 - 1]
    # The callback must not hold ``routing``: the model holds the callback, a cycle through
    # C++ that Python's collector cannot see, so every model would stay in memory for good
    # (measured: ~12 MiB per 250-stop solve). It reads the cost variable, set once closed.
    cost_var: list[Any] = []

    def at_solution() -> None:
        value = int(cost_var[0].Max())
        if value < best[0]:
            best[0] = value
            now = time.monotonic() - origin
            history.append((now, value))
            if on_progress is not None:
                on_progress(now, value)

    keep.append(at_solution)
    routing.AddAtSolutionCallback(at_solution)
    params = _search_parameters(config, deadline - time.monotonic(), solution_limit=solution_limit)
    # The limit the model is closed with also bounds reading a warm start back
    # (ReadAssignmentFromRoutes): at least RESTORE_SECONDS, so a feasible warm start is
    # read even when the deadline has come (then it stands as the plan, below).
    restore = max(deadline - time.monotonic(), RESTORE_SECONDS)
    routing.CloseModelWithParameters(
        _search_parameters(config, restore, solution_limit=solution_limit)
    )
    cost_var.append(routing.CostVar())
    t0 = time.perf_counter()
    assignment = None
    kept_warm = False
    warm = None if initial_routes is None else model.nodes.warm_nodes(problem, initial_routes)
    if warm is not None:
        node_routes = [[model.manager.NodeToIndex(node) for node in r] for r in warm]
        start = routing.ReadAssignmentFromRoutes(node_routes, True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, params)
            params = _search_parameters(
                config, deadline - time.monotonic(), solution_limit=solution_limit
            )
            if assignment is None:  # no time to improve it: the feasible warm start stands
                assignment, kept_warm = start, True
    if assignment is None:
        assignment = routing.SolveWithParameters(params)
    search_seconds = time.perf_counter() - t0
    status = _STATUS.get(routing.status(), str(routing.status()))
    if kept_warm:
        status = "the warm start, unimproved: no time left to search"
    if assignment is None:
        return SearchResult(
            routes=[[] for _ in problem.vehicles],
            found=False,
            objective=0,
            status=status,
            build_seconds=model.build_seconds,
            search_seconds=search_seconds,
            history=history,
            cut_short=routing.status() == _TIMED_OUT,
        )
    routes = _read_routes(problem, model, assignment)
    del keep
    return SearchResult(
        routes=routes,
        found=True,
        objective=int(assignment.ObjectiveValue()),
        status=status,
        build_seconds=model.build_seconds,
        search_seconds=search_seconds,
        history=history,
        cut_short=routing.status() == _CUT_SHORT,
    )
