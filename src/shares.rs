//! Independent items (claims, class members) evaluated in shares on several threads, the results
//! put back in the items' order: the outcome never depends on how the items were shared.

/// Fewest items worth a thread of their own.
const MIN_SHARE: usize = 4096;

/// Items per share for `len` items: one share per core, at least [`MIN_SHARE`].
pub(crate) fn share_size(len: usize) -> usize {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    len.div_ceil(threads).max(MIN_SHARE)
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
