//! Independent items (claims, class members) evaluated in shares on several threads, the results
//! put back in the items' order: the outcome never depends on how the items were shared.

/// Fewest items worth a thread of their own.
const MIN_SHARE: usize = 4096;

/// Items per share for `len` items on `threads` threads: one share per thread, at least
/// [`MIN_SHARE`] items.
pub(crate) fn share_size(len: usize, threads: usize) -> usize {
    len.div_ceil(threads.max(1)).max(MIN_SHARE)
}

/// `work` applied to each of `items`, each on a thread of its own (on the caller's thread when
/// there is only one), the results in the items' order. A panic in a thread is passed on to the
/// caller.
pub(crate) fn map_each<I: Send, R: Send>(items: Vec<I>, work: impl Fn(I) -> R + Sync) -> Vec<R> {
    if items.len() <= 1 {
        return items.into_iter().map(work).collect();
    }
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || work(item)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// `work` applied to `items` in shares of `share` items, one thread per share (on the caller's
/// thread when there is one share), the results in the items' order. A panic in a thread is
/// passed on to the caller.
pub(crate) fn map_shares<T: Sync, R: Send>(
    items: &[T],
    share: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    map_each(items.chunks(share.max(1)).collect(), work)
}

/// `work` applied to `items` and the matching `out` entries in shares of `share` items, one
/// thread per share (on the caller's thread when there is one share). `work` must write
/// `out[i]` from `items[i]` alone; the outcome then does not depend on the sharing. A panic in a
/// thread is passed on to the caller.
pub(crate) fn zip_shares_mut<T: Sync, U: Send>(
    items: &[T],
    out: &mut [U],
    share: usize,
    work: impl Fn(&[T], &mut [U]) + Sync,
) {
    let share = share.max(1);
    let shares: Vec<_> = items.chunks(share).zip(out.chunks_mut(share)).collect();
    map_each(shares, |(items, out)| work(items, out));
}

/// `a` and `b` at the same time, `a` on a thread of its own; both results. A panic in either is
/// passed on to the caller.
pub(crate) fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|scope| {
        let a = scope.spawn(a);
        let b = b();
        let a = a
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    #[test]
    fn shares_are_one_per_thread_and_never_below_the_minimum() {
        assert_eq!(share_size(1_000_000, 1), 1_000_000);
        assert_eq!(share_size(1_000_000, 4), 250_000);
        assert_eq!(share_size(1_000_001, 4), 250_001);
        assert_eq!(share_size(1_000_000, 0), 1_000_000);
        assert_eq!(share_size(10, 4), MIN_SHARE);
    }

    /// One share is worked on the caller's thread; several each on a thread of their own, the
    /// results in the items' order.
    #[test]
    fn one_share_stays_on_the_calling_thread() {
        let caller = thread::current().id();
        let items: Vec<u32> = (0..10).collect();
        let whole = map_shares(&items, 10, |s| (thread::current().id(), s.to_vec()));
        assert_eq!(whole, vec![(caller, items.clone())]);
        assert!(map_shares(&items[..0], 4, |s| s.len()).is_empty());
        let split = map_shares(&items, 4, |s| (thread::current().id(), s.to_vec()));
        let parts: Vec<Vec<u32>> = split.iter().map(|(_, s)| s.clone()).collect();
        assert_eq!(parts, vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7], vec![8, 9]]);
        assert!(split.iter().all(|(id, _)| *id != caller));

        let mut out = vec![(caller, 0); 10];
        zip_shares_mut(&items, &mut out, 10, |s, o| {
            for (x, o) in s.iter().zip(o) {
                *o = (thread::current().id(), x * 2);
            }
        });
        assert!(out.iter().all(|(id, _)| *id == caller));
        zip_shares_mut(&items, &mut out, 3, |s, o| {
            for (x, o) in s.iter().zip(o) {
                *o = (thread::current().id(), x * 3);
            }
        });
        let values: Vec<u32> = out.iter().map(|(_, v)| *v).collect();
        assert_eq!(values, items.iter().map(|x| x * 3).collect::<Vec<_>>());
        assert!(out.iter().all(|(id, _)| *id != caller));

        let (a, b) = join(|| thread::current().id(), || thread::current().id());
        assert_ne!(a, caller);
        assert_eq!(b, caller);
    }
}
