//! Stable sorting that compiles once: [`sort_by`], [`sort_by_key`] and [`sort_by_cached_key`]
//! order a slice as the standard library's stable sorts do, and every call shares one compiled
//! sort.
//!
//! The standard library's sort is generic over the element type and the comparison, so each call
//! site with its own closure becomes a sort of its own in the wasm (about 3 kB each). Here the
//! sort orders positions, `usize`s compared through a `dyn` comparison, and only the small step
//! that moves the elements into that order is generic. A comparison costs one indirect call
//! more, which the sizes sorted here (a page, a list of types, at most a held copy of events)
//! do not notice.
//!
//! The app and this crate sort through these functions (the app's source rules test that);
//! sorts of plain integers (`sort_unstable` on positions and times) stay with the standard
//! library, which compiles those once per integer type.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping the given order of equal items.
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let order = ordered(items.len(), &|a, b| compare(&items[a], &items[b]));
    arrange(items, order);
}

/// Sorts `items` by the key `key` gives each (asked once per comparison), keeping the given
/// order of items with equal keys.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` by the key `key` gives each, asked once per item (for keys that cost a
/// string to make), keeping the given order of items with equal keys.
pub fn sort_by_cached_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    let keys: Vec<K> = items.iter().map(key).collect();
    let order = ordered(keys.len(), &|a, b| keys[a].cmp(&keys[b]));
    arrange(items, order);
}

/// Sorts `items` by their own order, keeping the given order of equal items.
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// The positions `0..len` in the order `compare` puts them, equal ones as given: the one sort
/// every function here shares.
fn ordered(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves `items` into `order` (`order[k]` is the position of the item that goes to `k`), in
/// place: each swap puts one item where it belongs.
fn arrange<T>(items: &mut [T], order: Vec<usize>) {
    // Where each item goes, the inverse of `order`.
    let mut goes = vec![0; order.len()];
    for (to, from) in order.into_iter().enumerate() {
        goes[from] = to;
    }
    for i in 0..items.len() {
        while goes[i] != i {
            let to = goes[i];
            items.swap(i, to);
            goes.swap(i, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so the tests need no dependency.
    fn numbers(seed: u64, len: usize, below: u64) -> Vec<u64> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % below
            })
            .collect()
    }

    #[test]
    fn orders_as_the_standard_stable_sort_does() {
        for (seed, len, below) in [
            (1, 0, 5),
            (2, 1, 5),
            (3, 2, 2),
            (4, 17, 3),
            (5, 1000, 10),
            (6, 5000, 1_000_000),
        ] {
            // Pairs of (key, given position): equal keys must keep their positions' order.
            let items: Vec<(u64, usize)> = numbers(seed, len, below).into_iter().zip(0..).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|p| p.0);

            let mut by = items.clone();
            sort_by(&mut by, |a, b| a.0.cmp(&b.0));
            assert_eq!(by, expected, "sort_by, {len} items below {below}");

            let mut by_key = items.clone();
            sort_by_key(&mut by_key, |p| p.0);
            assert_eq!(by_key, expected, "sort_by_key");

            let mut cached = items.clone();
            sort_by_cached_key(&mut cached, |p| format!("{:020}", p.0));
            assert_eq!(cached, expected, "sort_by_cached_key");

            let mut descending = items.clone();
            sort_by(&mut descending, |a, b| b.0.cmp(&a.0));
            let mut expected_descending = items.clone();
            expected_descending.sort_by_key(|b| std::cmp::Reverse(b.0));
            assert_eq!(descending, expected_descending, "descending, ties as given");
        }
    }

    #[test]
    fn sorts_owned_values_without_losing_or_copying_one() {
        let mut names: Vec<String> = ["delta", "alpha", "Charlie", "bravo", "alpha"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        sort(&mut names);
        assert_eq!(names, ["Charlie", "alpha", "alpha", "bravo", "delta"]);
        sort_by_cached_key(&mut names, |s| s.to_lowercase());
        assert_eq!(names, ["alpha", "alpha", "bravo", "Charlie", "delta"]);
    }
}
