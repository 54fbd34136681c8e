//! Independent items (claims, class members) evaluated in shares on several threads, the results
//! put back in the items' order: the outcome never depends on how the items were shared.

/// Fewest items worth a thread of their own.
const MIN_SHARE: usize = 4096;

/// Items per share for `len` items on `threads` threads: one share per thread, at least
/// [`MIN_SHARE`] items.
pub(crate) fn share_size(len: usize, threads: usize) -> usize {
    len.div_ceil(threads.max(1)).max(MIN_SHARE)
}

/// `work` applied to `items` in shares of `share` items, one thread per share, the results in
/// the items' order. A panic in a thread is passed on to the caller.
pub(crate) fn map_shares<T: Sync, R: Send>(
    items: &[T],
    share: usize,
    work: impl Fn(&[T]) -> R + Sync,
) -> Vec<R> {
    let work = &work;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(share.max(1))
            .map(|items| scope.spawn(move || work(items)))
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
    let work = &work;
    let share = share.max(1);
    if items.len() <= share {
        work(items, out);
        return;
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(share)
            .zip(out.chunks_mut(share))
            .map(|(items, out)| scope.spawn(move || work(items, out)))
            .collect();
        for h in handles {
            h.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
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
