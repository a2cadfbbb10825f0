//! The min-cost flow behind [`super::assign`]: the network, its solve
//! with network simplex, and the pricing that proves the optimum over every
//! eligible pair.

use super::*;

/// How many left-out candidates of one application pricing adds per round
/// (measured: with 6 × reviewers candidates first and 16 per round, the
/// 20 000 × 8 000 benchmark is certified after two or three solves, the
/// last adding a few dozen pairs).
pub(super) const PRICED_PER_ROUND: usize = 16;

/// How many of each application's best candidates enter the first solve.
pub(super) fn initial_width(need: u32) -> usize {
    (need as usize * 6).max(12)
}

/// Costs of the flow (see the module documentation).
pub(super) struct Weights {
    bonus: i64,
    unfilled: i64,
}

pub(super) fn weights(apps: usize, experts: usize, slots: usize) -> Result<Weights, AssignError> {
    let cycle = 2 * apps.min(experts) as i64 + 2;
    let bonus = cycle * i64::from(MAX_SCORE) + 1;
    let unfilled = 2 * bonus;
    if unfilled > i64::from(i32::MAX) || slots > i32::MAX as usize {
        return Err(AssignError::TooLarge { slots });
    }
    Ok(Weights { bonus, unfilled })
}

pub(super) fn cost_of(score: u32) -> i64 {
    i64::from(MAX_SCORE) - i64::from(score)
}

/// Solves the min-cost flow over every application's best candidates, then
/// prices the left-out candidates and adds those that could improve it,
/// until none can.
pub(super) fn solve(
    prep: &Prepared,
    apps: usize,
    experts: usize,
    initial_width: fn(u32) -> usize,
) -> Result<Vec<(usize, Candidate)>, AssignError> {
    let slots: usize = prep.need.iter().map(|&n| n as usize).sum();
    let w = weights(apps, experts, slots)?;
    // Per application: how many of its candidates (best first) are in the
    // flow, plus any others priced in later.
    let mut width: Vec<usize> = prep
        .need
        .iter()
        .zip(&prep.candidates)
        .map(|(&n, c)| {
            if n == 0 {
                0
            } else {
                initial_width(n).min(c.len())
            }
        })
        .collect();
    let mut extra: Vec<Vec<usize>> = vec![Vec::new(); apps];
    loop {
        let arcs: Vec<(usize, usize)> = (0..apps)
            .flat_map(|ai| {
                (0..width[ai])
                    .chain(extra[ai].iter().copied())
                    .map(move |k| (ai, k))
            })
            .collect();
        let used = run_flow(prep, &w, &arcs, apps, experts);
        let violating = price(prep, &w, &arcs, &used, &width, &extra, apps, experts);
        if violating.is_empty() {
            return Ok(arcs
                .iter()
                .zip(&used)
                .filter(|(_, u)| **u)
                .map(|(&(ai, k), _)| (ai, prep.candidates[ai][k]))
                .collect());
        }
        for (ai, k) in violating {
            if k == width[ai] {
                width[ai] += 1;
            } else {
                extra[ai].push(k);
            }
        }
        for list in &mut extra {
            list.sort_unstable();
            list.dedup();
        }
        for ai in 0..apps {
            let w = width[ai];
            extra[ai].retain(|&k| k >= w);
        }
    }
}

/// Node numbering of the flow network.
pub(super) fn app_node(ai: usize) -> u32 {
    u32::try_from(ai).unwrap_or(u32::MAX)
}

pub(super) fn expert_node(apps: usize, ei: usize) -> u32 {
    u32::try_from(apps + ei).unwrap_or(u32::MAX)
}

/// Runs the network simplex over the given arcs (application position,
/// candidate index); returns which arcs carry a reviewer.
pub(super) fn run_flow(
    prep: &Prepared,
    w: &Weights,
    arcs: &[(usize, usize)],
    apps: usize,
    experts: usize,
) -> Vec<bool> {
    let mut graph: GraphBuilder<u32> = GraphBuilder::new();
    let unfilled = Cost(i32::try_from(w.unfilled).unwrap_or(i32::MAX));
    let bonus = Cost(-i32::try_from(w.bonus).unwrap_or(i32::MAX));
    for (ai, &n) in prep.need.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let cap = Capacity(i32::try_from(n).unwrap_or(i32::MAX));
        graph.add_edge(Vertex::Source, app_node(ai), cap, Cost(0));
        graph.add_edge(app_node(ai), Vertex::Sink, cap, unfilled);
    }
    let mut index: HashMap<(u32, u32), usize> = HashMap::with_capacity(arcs.len());
    for (i, &(ai, k)) in arcs.iter().enumerate() {
        let c = prep.candidates[ai][k];
        let cost = Cost(i32::try_from(cost_of(c.score)).unwrap_or(i32::MAX));
        let to = expert_node(apps, c.expert as usize);
        graph.add_edge(app_node(ai), to, Capacity(1), cost);
        index.insert((app_node(ai), to), i);
    }
    for ei in 0..experts {
        let (cap, min) = (prep.capacity[ei], prep.min_remaining[ei]);
        if cap == 0 {
            continue;
        }
        let node = expert_node(apps, ei);
        if min > 0 {
            let min = Capacity(i32::try_from(min).unwrap_or(i32::MAX));
            graph.add_edge(node, Vertex::Sink, min, bonus);
        }
        if cap > min {
            let rest = Capacity(i32::try_from(cap - min).unwrap_or(i32::MAX));
            graph.add_edge(node, Vertex::Sink, rest, Cost(0));
        }
    }
    let (_, paths) = graph.mcmf();
    let mut used = vec![false; arcs.len()];
    for path in paths {
        let nodes: Vec<u32> = path
            .vertices()
            .into_iter()
            .filter_map(|v| (*v).as_option())
            .collect();
        if let [a, e] = nodes[..]
            && let Some(&i) = index.get(&(a, e))
        {
            used[i] = true;
        }
    }
    used
}

/// Shortest-path potentials of the residual network of the flow, then every
/// candidate not in the flow whose reduced cost is negative (it could
/// improve the solution), at most a few per application.
#[allow(clippy::too_many_arguments)]
pub(super) fn price(
    prep: &Prepared,
    w: &Weights,
    arcs: &[(usize, usize)],
    used: &[bool],
    width: &[usize],
    extra: &[Vec<usize>],
    apps: usize,
    experts: usize,
) -> Vec<(usize, usize)> {
    let sink = apps + experts;
    let n = sink + 1;
    let mut filled = vec![0u32; apps];
    let mut load = vec![0u32; experts];
    let mut residual: Vec<(usize, usize, i64)> = Vec::new();
    for (&(ai, k), &u) in arcs.iter().zip(used) {
        let c = prep.candidates[ai][k];
        let e = c.expert as usize;
        let en = apps + e;
        if u {
            filled[ai] += 1;
            load[e] += 1;
            residual.push((en, ai, -cost_of(c.score)));
        } else if prep.capacity[e] > 0 {
            residual.push((ai, en, cost_of(c.score)));
        }
    }
    for (ai, (&need, &filled)) in prep.need.iter().zip(&filled).enumerate() {
        if need == 0 {
            continue;
        }
        if filled > 0 {
            residual.push((ai, sink, w.unfilled));
        }
        if filled < need {
            residual.push((sink, ai, -w.unfilled));
        }
    }
    for (e, &load) in load.iter().enumerate() {
        let (cap, min) = (prep.capacity[e], prep.min_remaining[e]);
        if cap == 0 {
            continue;
        }
        let at_min = load.min(min);
        let above = load - at_min;
        let en = apps + e;
        if at_min < min {
            residual.push((en, sink, -w.bonus));
        }
        if at_min > 0 {
            residual.push((sink, en, w.bonus));
        }
        if above < cap - min {
            residual.push((en, sink, 0));
        }
        if above > 0 {
            residual.push((sink, en, 0));
        }
    }
    let Some(dist) = potentials(n, &residual) else {
        // No potentials (cannot happen for an optimal flow): price in
        // everything so the next solve is exact over all candidates.
        return (0..apps)
            .flat_map(|ai| (width[ai]..prep.candidates[ai].len()).map(move |k| (ai, k)))
            .collect();
    };
    let mut out = Vec::new();
    for ai in 0..apps {
        if prep.need[ai] == 0 {
            continue;
        }
        let mut added = 0;
        for k in width[ai]..prep.candidates[ai].len() {
            if extra[ai].binary_search(&k).is_ok() {
                continue;
            }
            let c = prep.candidates[ai][k];
            let e = c.expert as usize;
            if prep.capacity[e] == 0 {
                continue;
            }
            if cost_of(c.score) + dist[ai] - dist[apps + e] < 0 {
                out.push((ai, k));
                added += 1;
                if added == PRICED_PER_ROUND {
                    break;
                }
            }
        }
    }
    out
}

/// Shortest distances from a virtual root joined to every node at cost 0
/// (queue-based Bellman–Ford); `None` if a negative cycle shows up.
pub(super) fn potentials(n: usize, edges: &[(usize, usize, i64)]) -> Option<Vec<i64>> {
    let mut start = vec![0usize; n + 1];
    for &(u, _, _) in edges {
        start[u + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut adjacency = vec![(0usize, 0i64); edges.len()];
    for &(u, v, c) in edges {
        adjacency[fill[u]] = (v, c);
        fill[u] += 1;
    }
    let mut dist = vec![0i64; n];
    let mut queued = vec![true; n];
    let mut passes = vec![0u32; n];
    let mut queue: VecDeque<usize> = (0..n).collect();
    while let Some(u) = queue.pop_front() {
        queued[u] = false;
        passes[u] += 1;
        if passes[u] as usize > n {
            return None;
        }
        for &(v, c) in &adjacency[start[u]..start[u + 1]] {
            if dist[u] + c < dist[v] {
                dist[v] = dist[u] + c;
                if !queued[v] {
                    queued[v] = true;
                    queue.push_back(v);
                }
            }
        }
    }
    Some(dist)
}
