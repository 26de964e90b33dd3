"""What one search of the portfolio is configured with and what it returns.

Kept apart from :mod:`solver._ortools` (the only module that imports OR-Tools) so that
:mod:`solver.solve` names configurations and results without loading OR-Tools: a problem
the refinement plans alone (a day with trips) never builds an OR-Tools model, and its
process never loads the library (~0.2 s of a command's start-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Least time (s) allowed for reading a warm start back into an OR-Tools model.
RESTORE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """One configuration of the search (a member of the portfolio).

    Attributes
    ----------
    first_solution
        Name of an OR-Tools ``FirstSolutionStrategy`` (e.g. ``"PARALLEL_CHEAPEST_INSERTION"``).
    metaheuristic
        ``"gls"`` (guided local search), ``"ils"`` (iterated local search: string removals
        and cheapest reinsertion, simulated-annealing acceptance), ``"greedy"``, ``"tabu"``,
        ``"sa"`` (simulated annealing), or several of gls/tabu/sa/greedy joined by ``+``
        (e.g. ``"gls+tabu"``), taken in turn every ``switch_after`` local optima.
    switch_after
        Local optima before the next metaheuristic of a ``+`` list takes over.
    ils_recreate
        First-solution strategy name that reinserts the removed visits in iterated local
        search.
    vehicle_cost, vehicle_cost_share
        Route-count guidance: when ``vehicle_cost`` > 0, the first ``vehicle_cost_share`` of
        the time searches with an extra cost of ``vehicle_cost`` x the largest arc cost per
        used vehicle (so emptying a route pays), then the rest searches the true objective
        from that plan.
    gls_lambda
        Guided local search penalty coefficient.
    sisr_avg_removed, sisr_max_sequence
        Average number of removed visits and longest removed string of the ruin step.
    ils_temperature
        Initial simulated-annealing temperature as a fraction of the mean arc cost
        (final temperature is 1/100 of it); ``None``: OR-Tools' automatic temperatures.
    refine_after
        Share of the search time given to OR-Tools before the ruin-and-recreate refinement
        (:mod:`solver.refine`) takes its plan for the rest; 1 (or a problem the refinement
        does not model) leaves the whole time to OR-Tools.
    refine_temperature
        Initial annealing temperature of the refinement, in mean arc costs of the plan
        (raised on plans of long routes: :attr:`solver.refine.RefineConfig.long_route`).
    """

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    metaheuristic: str = "gls"
    gls_lambda: float = 0.1
    sisr_avg_removed: int = 10
    sisr_max_sequence: int = 10
    ils_temperature: float | None = None
    neighbors_ratio: float = 1.0
    min_neighbors: int = 1
    bandit: bool = False
    operators: tuple[tuple[str, bool], ...] = ()
    reset_penalties: bool | None = None
    penalties_in_operators: bool | None = None
    switch_after: int = 200
    vehicle_cost: float = 0.0
    vehicle_cost_share: float = 0.5
    ils_recreate: str = "PARALLEL_CHEAPEST_INSERTION"
    refine_after: float = 0.1
    refine_temperature: float = 1.0


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What one search returns, in problem positions only.

    Attributes
    ----------
    routes
        For every vehicle (problem order), the positions of its stops in visiting order.
    found
        ``False`` if the search returned no plan at all (only possible in plain mode).
    objective
        The solver's objective value (arc costs, fixed costs, lateness, span cost and the
        penalties of dropped stops).
    status
        The final status in words.
    build_seconds, search_seconds
        Wall-clock seconds spent building the model and searching.
    history
        ``(seconds, objective)`` at each improvement.
    cut_short
        ``True`` when a time or effort limit stopped the search before its first local
        optimum (on large problems: possibly before every stop had been tried), or before
        any plan.
    """

    routes: list[list[int]]
    found: bool
    objective: int
    status: str
    build_seconds: float
    search_seconds: float
    history: list[tuple[float, int]] = field(default_factory=list)
    cut_short: bool = False
