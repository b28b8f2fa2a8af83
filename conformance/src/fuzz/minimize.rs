//! Makes a failing query small: tries smaller queries (a clause or item gone, an expression
//! replaced by one of its parts or by a plain literal) and keeps each that still fails the
//! same way, until none does.

use std::future::Future;

use super::query::{Expr, Kind, Select};

/// Every query one step smaller than `select`.
pub fn smaller(select: &Select) -> Vec<Select> {
    let mut out = Vec::new();
    let mut push = |f: &dyn Fn(&mut Select)| {
        let mut s = select.clone();
        f(&mut s);
        if s != *select {
            out.push(s);
        }
    };
    push(&|s| s.set_operation = None);
    push(&|s| s.limit = None);
    push(&|s| s.distinct = false);
    push(&|s| s.filter = None);
    push(&|s| s.having = None);
    if select.from.len() > 1 {
        push(&|s| {
            s.from.truncate(1);
        });
    }
    for i in 0..select.items.len() {
        if select.items.len() > 1 {
            push(&|s| {
                s.items.remove(i);
                if let Some((_, other)) = &mut s.set_operation {
                    if other.items.len() > i {
                        other.items.remove(i);
                    }
                }
            });
        }
    }
    for i in 0..select.group_by.len() {
        push(&|s| {
            s.group_by.remove(i);
        });
    }
    // Expressions: each node replaced by a same-typed child, or by NULL of its type.
    let slots = expression_count(select);
    for slot in 0..slots {
        for replacement in 0..4 {
            let mut s = select.clone();
            if replace_nth(&mut s, slot, replacement) && s != *select {
                out.push(s);
            }
        }
    }
    out
}

fn expressions_mut(select: &mut Select) -> Vec<&mut Expr> {
    let mut all: Vec<&mut Expr> = select.items.iter_mut().collect();
    all.extend(select.filter.as_mut());
    all.extend(select.having.as_mut());
    all
}

fn count_nodes(e: &Expr) -> usize {
    1 + e.children().iter().map(|c| count_nodes(c)).sum::<usize>()
}

fn expression_count(select: &Select) -> usize {
    let mut s = select.clone();
    expressions_mut(&mut s).iter().map(|e| count_nodes(e)).sum()
}

/// Replaces the `slot`-th expression node (pre-order) by its `which`-th same-typed child,
/// or (past the children) by a NULL of its type. Whether anything was replaced.
fn replace_nth(select: &mut Select, slot: usize, which: usize) -> bool {
    let mut remaining = slot;
    for root in expressions_mut(select) {
        if let Some(done) = replace_in(root, &mut remaining, which) {
            return done;
        }
    }
    false
}

fn replace_in(e: &mut Expr, remaining: &mut usize, which: usize) -> Option<bool> {
    if *remaining == 0 {
        let same_typed: Vec<Expr> = e
            .children()
            .into_iter()
            .filter(|c| c.ty == e.ty)
            .cloned()
            .collect();
        let replacement = match same_typed.get(which) {
            Some(child) => child.clone(),
            None if which == same_typed.len() && !matches!(e.kind, Kind::Literal(_)) => {
                Expr::literal(e.ty, format!("CAST(NULL AS {})", e.ty.name()))
            }
            None => return Some(false),
        };
        *e = replacement;
        return Some(true);
    }
    *remaining -= 1;
    for child in e.children_mut() {
        if let Some(done) = replace_in(child, remaining, which) {
            return Some(done);
        }
    }
    None
}

/// The smallest query reachable from `select` for which `fails` holds (it holds for
/// `select`), trying at most `budget` candidates.
pub async fn minimize<F, Fut>(select: Select, mut budget: usize, fails: F) -> Select
where
    F: Fn(Select) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut current = select;
    'shrink: loop {
        for candidate in smaller(&current) {
            if budget == 0 {
                break 'shrink;
            }
            budget -= 1;
            if fails(candidate.clone()).await {
                current = candidate;
                continue 'shrink;
            }
        }
        break;
    }
    current
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::fuzz::Generator;

    #[tokio::test]
    async fn shrinks_to_what_still_fails() {
        let mut g = Generator::new(ChaCha8Rng::seed_from_u64(3));
        // "Fails" while the text mentions a table; the smallest such query is one item.
        let query = (0..50)
            .map(|_| g.query())
            .find(|q| q.items.len() > 1 && q.filter.is_some())
            .expect("some query with several items and a filter");
        let small = minimize(query.clone(), 10_000, |q| async move {
            q.to_string().contains(" FROM ")
        })
        .await;
        assert_eq!(small.items.len(), 1, "{small}");
        assert!(small.filter.is_none(), "{small}");
        assert!(small.to_string().len() < query.to_string().len());
    }
}
