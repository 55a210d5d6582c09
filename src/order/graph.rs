//! A labelled graph of the operations that matter for a violation: petgraph
//! nodes are operations, edges carry an [`EdgeLabel`] (so, rf, rt, co, or a
//! forced write order with its rule). Used to find the shortest cycle inside
//! a strongly connected component (the smallest evidence that no order of
//! the operations exists) and to export DOT.
//!
//! Only small graphs are built here: the operations a topological sort
//! could not order, or the operations of one violation. Whole histories are
//! never turned into explicit edge lists beyond so and rf (O(n) edges).

use crate::history::{History, OpId};
use crate::order::edge::{Edge, EdgeLabel};
use crate::order::relations::{ReadFrom, registers};
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;
use std::fmt::Write as _;

/// Most BFS sources tried per strongly connected component; beyond it the
/// cycle returned is short but not guaranteed shortest (a budget, so that a
/// huge component cannot make evidence quadratic).
pub const BFS_SOURCES_MAX: usize = 64;

/// Most edges the BFS searches of [`OpGraph::shortest_cycle`] examine in
/// all once a first cycle is found: another budget of the same kind,
/// counted in edges (not time) so that the evidence is deterministic. A
/// component that is one long cycle (10^6 operations) would otherwise cost
/// 64 full traversals.
pub const BFS_EDGES_MAX: usize = 4_000_000;

/// A petgraph graph of operations with labelled edges.
pub struct OpGraph {
    pub graph: DiGraph<OpId, EdgeLabel>,
    index: FxHashMap<OpId, NodeIndex>,
}

impl OpGraph {
    /// Builds the graph of `edges` (nodes are their endpoints).
    pub fn new(edges: &[Edge]) -> OpGraph {
        let mut graph = DiGraph::new();
        let mut index = FxHashMap::default();
        for e in edges {
            let a = *index
                .entry(e.from)
                .or_insert_with(|| graph.add_node(e.from));
            let b = *index.entry(e.to).or_insert_with(|| graph.add_node(e.to));
            graph.add_edge(a, b, e.label);
        }
        OpGraph { graph, index }
    }

    /// The node of an operation, if it is in the graph.
    pub fn node(&self, op: OpId) -> Option<NodeIndex> {
        self.index.get(&op).copied()
    }

    /// The shortest cycle found (see [`BFS_SOURCES_MAX`] and
    /// [`BFS_EDGES_MAX`]) inside the smallest non-trivial strongly
    /// connected components, as its edges in order. `None` when the graph
    /// is acyclic.
    ///
    /// Every walk here is iterative, so a component of any length fits in
    /// a small stack.
    pub fn shortest_cycle(&self) -> Option<Vec<Edge>> {
        let g = &self.graph;
        // Kosaraju's algorithm as petgraph implements it is iterative (its
        // two passes are `DfsPostOrder` and `Dfs`, explicit stacks), unlike
        // petgraph's `tarjan_scc`, which recurses once per node of a path
        // and overflowed the stack on a 24,001-operation ring. Components
        // and their members are then sorted, so the evidence does not
        // depend on the algorithm's visiting order.
        let mut sccs: Vec<Vec<NodeIndex>> = kosaraju_scc(g)
            .into_iter()
            .filter(|c| c.len() > 1 || g.contains_edge(c[0], c[0]))
            .map(|mut c| {
                c.sort_unstable();
                c
            })
            .collect();
        sccs.sort_unstable_by_key(|c| (c.len(), c[0]));
        let mut bfs = Bfs::new(g.node_count());
        let mut best: Option<Vec<petgraph::graph::EdgeIndex>> = None;
        // Edges examined since the first cycle was found.
        let mut spent = 0usize;
        'components: for (id, scc) in sccs.iter().take(4).enumerate() {
            let id = id as u32 + 1;
            for &v in scc {
                bfs.component[v.index()] = id;
            }
            for &src in scc.iter().take(BFS_SOURCES_MAX) {
                if best.is_some() && spent >= BFS_EDGES_MAX {
                    break 'components;
                }
                let limit = best.as_ref().map_or(usize::MAX, Vec::len);
                let (found, examined) = bfs.cycle(g, src, id, limit);
                if best.is_some() {
                    spent += examined;
                }
                if let Some(c) = found
                    && best.as_ref().is_none_or(|b| c.len() < b.len())
                {
                    best = Some(c);
                }
            }
        }
        best.map(|path| {
            path.into_iter()
                .filter_map(|id| {
                    let (a, b) = g.edge_endpoints(id)?;
                    Some(Edge {
                        from: g[a],
                        to: g[b],
                        label: g[id],
                    })
                })
                .collect()
        })
    }
}

/// Breadth-first search state over dense node indices, reused between
/// sources: a node is seen in the current search when its stamp is the
/// search's.
struct Bfs {
    /// The component a node belongs to (1-based; 0: none searched).
    component: Vec<u32>,
    stamp: Vec<u32>,
    parent: Vec<petgraph::graph::EdgeIndex>,
    depth: Vec<u32>,
    current: u32,
    queue: VecDeque<NodeIndex>,
}

impl Bfs {
    fn new(n: usize) -> Bfs {
        Bfs {
            component: vec![0; n],
            stamp: vec![0; n],
            parent: vec![petgraph::graph::EdgeIndex::end(); n],
            depth: vec![0; n],
            current: 0,
            queue: VecDeque::new(),
        }
    }

    /// The shortest cycle through `src` inside component `id`, as edge
    /// indices in order, if it is shorter than `limit` edges; and the number
    /// of edges examined.
    fn cycle(
        &mut self,
        g: &DiGraph<OpId, EdgeLabel>,
        src: NodeIndex,
        id: u32,
        limit: usize,
    ) -> (Option<Vec<petgraph::graph::EdgeIndex>>, usize) {
        use petgraph::visit::EdgeRef;
        self.current += 1;
        let stamp = self.current;
        self.queue.clear();
        self.queue.push_back(src);
        self.stamp[src.index()] = stamp;
        self.depth[src.index()] = 0;
        let mut examined = 0;
        while let Some(u) = self.queue.pop_front() {
            // A cycle closed from u has depth(u) + 1 edges: no shorter one
            // than `limit` can come from here on (BFS order).
            if self.depth[u.index()] as usize + 1 >= limit {
                break;
            }
            for e in g.edges(u) {
                examined += 1;
                let v = e.target();
                if self.component[v.index()] != id {
                    continue;
                }
                if v == src {
                    let mut path = vec![e.id()];
                    let mut cur = u;
                    while cur != src {
                        let pe = self.parent[cur.index()];
                        path.push(pe);
                        cur = g.edge_endpoints(pe).map_or(src, |(a, _)| a);
                    }
                    path.reverse();
                    return (Some(path), examined);
                }
                if self.stamp[v.index()] != stamp {
                    self.stamp[v.index()] = stamp;
                    self.parent[v.index()] = e.id();
                    self.depth[v.index()] = self.depth[u.index()] + 1;
                    self.queue.push_back(v);
                }
            }
        }
        (None, examined)
    }
}

/// DOT text of operations and labelled edges. Nodes show the operation and
/// its input line; `highlight` operations are drawn bold; `caption`, when
/// given, is the graph's label (so the picture stands alone).
pub fn to_dot(
    history: &History,
    title: &str,
    ops: &[OpId],
    edges: &[Edge],
    highlight: &[OpId],
    caption: Option<&str>,
) -> String {
    let mut nodes: Vec<OpId> = ops.to_vec();
    for e in edges {
        nodes.push(e.from);
        nodes.push(e.to);
    }
    nodes.sort();
    nodes.dedup();
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(title));
    let _ = writeln!(out, "  rankdir=LR;");
    let _ = writeln!(out, "  node [shape=box, fontname=\"monospace\"];");
    for op in &nodes {
        let o = history.op(*op);
        let mut label = history.describe(*op);
        if o.source.line > 0 {
            let _ = write!(label, "\\nline {}", o.source.line);
        }
        let style = if highlight.contains(op) {
            ", style=bold, color=red"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  op{} [label={}{}];",
            op.0,
            quote_keep_newlines(&label),
            style
        );
    }
    for e in edges {
        let (text, style) = edge_look(&e.label);
        let _ = writeln!(
            out,
            "  op{} -> op{} [label={}{}];",
            e.from.0,
            e.to.0,
            quote(&text),
            style
        );
    }
    if let Some(caption) = caption {
        let _ = writeln!(out, "  label={};", quote(caption));
    }
    out.push_str("}\n");
    out
}

/// An edge's DOT label and attributes: `so`, `rf` (blue), `rt` (dotted),
/// `co` (dashed), `ar (rule)` (red), `lin` (gray).
pub fn edge_look(label: &EdgeLabel) -> (String, &'static str) {
    let text = match label {
        EdgeLabel::ForcedWriteOrder { rule } => format!("ar ({rule})"),
        other => other.short().to_string(),
    };
    let style = match label {
        EdgeLabel::SessionOrder => "",
        EdgeLabel::ReadsFrom => ", color=blue, fontcolor=blue",
        EdgeLabel::RealTime => ", style=dotted",
        EdgeLabel::Causal => ", style=dashed",
        EdgeLabel::ForcedWriteOrder { .. } => ", color=red, fontcolor=red",
        EdgeLabel::Linearization => ", color=gray",
    };
    (text, style)
}

/// The happens-before graph of a register history as DOT: every counted
/// operation, session-order edges between consecutive operations of a
/// session and reads-from edges (their transitive closure is co).
pub fn happens_before_dot(history: &History) -> String {
    let reg = registers(history);
    let mut edges = Vec::new();
    for (from, to) in reg.so_pairs() {
        edges.push(Edge {
            from,
            to,
            label: EdgeLabel::SessionOrder,
        });
    }
    for op in history.ops() {
        if let Some(ReadFrom::Write(w)) = reg.read_from(op.id) {
            edges.push(Edge {
                from: w,
                to: op.id,
                label: EdgeLabel::ReadsFrom,
            });
        }
    }
    let ops: Vec<OpId> = reg.sessions.iter().flatten().copied().collect();
    to_dot(history, "happens_before", &ops, &edges, &[], None)
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Like [`quote`] but keeps `\n` sequences already escaped for DOT.
fn quote_keep_newlines(s: &str) -> String {
    quote(s).replace("\\\\n", "\\n")
}

/// Kahn's algorithm on an explicit edge list over `n` nodes: returns, for
/// each node, whether it was left over (it lies on or after a cycle). All
/// `false` means the graph is acyclic.
pub fn kahn_leftover(n: usize, edges: &[(u32, u32)]) -> Vec<bool> {
    let mut indeg = vec![0u32; n];
    let mut start = vec![0u32; n + 1];
    for &(a, b) in edges {
        indeg[b as usize] += 1;
        start[a as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut succ = vec![0u32; edges.len()];
    for &(a, b) in edges {
        succ[fill[a as usize] as usize] = b;
        fill[a as usize] += 1;
    }
    let mut stack: Vec<u32> = (0..n as u32).filter(|&i| indeg[i as usize] == 0).collect();
    let mut done = vec![false; n];
    while let Some(u) = stack.pop() {
        done[u as usize] = true;
        for &v in &succ[start[u as usize] as usize..start[u as usize + 1] as usize] {
            indeg[v as usize] -= 1;
            if indeg[v as usize] == 0 {
                stack.push(v);
            }
        }
    }
    done.into_iter().map(|d| !d).collect()
}

/// The shortest cycle among labelled edges, looking only at edges whose
/// endpoints both satisfy `keep` (typically: left over by a topological
/// sort).
pub fn cycle_among(
    edges: impl IntoIterator<Item = Edge>,
    keep: impl Fn(OpId) -> bool,
) -> Option<Vec<Edge>> {
    let kept: Vec<Edge> = edges
        .into_iter()
        .filter(|e| keep(e.from) && keep(e.to))
        .collect();
    OpGraph::new(&kept).shortest_cycle()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: u32) -> Vec<Edge> {
        (0..n)
            .map(|i| Edge {
                from: OpId(i),
                to: OpId((i + 1) % n),
                label: EdgeLabel::SessionOrder,
            })
            .collect()
    }

    /// A cycle through 200,000 nodes on a test thread (2 MB of stack): a
    /// recursive strongly-connected-components walk overflows long before.
    #[test]
    fn a_long_cycle_is_found_without_recursion() {
        let n = 200_000;
        let cycle = OpGraph::new(&ring(n)).shortest_cycle().expect("a cycle");
        assert_eq!(cycle.len(), n as usize);
        assert_eq!(cycle[0].from, OpId(0));
        for w in cycle.windows(2) {
            assert_eq!(w[0].to, w[1].from);
        }
    }

    #[test]
    fn the_smallest_component_gives_the_shortest_cycle() {
        let mut edges = ring(5);
        // A separate 2-cycle, and a bridge from it into the ring.
        for (a, b) in [(10, 11), (11, 10), (11, 0)] {
            edges.push(Edge {
                from: OpId(a),
                to: OpId(b),
                label: EdgeLabel::ReadsFrom,
            });
        }
        let cycle = OpGraph::new(&edges).shortest_cycle().unwrap();
        let ends: Vec<(u32, u32)> = cycle.iter().map(|e| (e.from.0, e.to.0)).collect();
        assert_eq!(ends, [(10, 11), (11, 10)]);
        assert!(OpGraph::new(&ring(5)[..4]).shortest_cycle().is_none());
    }
}
