//! The money: the settlement-fund waterfall and the pro rata allocation, in integer cents.

use serde::Serialize;

use crate::case::Fund;
use crate::model::ClaimId;
use crate::money::Cents;

/// Attorney fees: gross x rate, rounded to the cent half away from zero.
pub fn attorney_fees(fund: &Fund) -> Cents {
    fund.attorney_fee_rate.apply(fund.gross)
}

/// The waterfall from the gross fund to the net fund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Waterfall {
    /// Gross settlement fund.
    pub gross: Cents,
    /// Attorney fees.
    pub attorney_fees: Cents,
    /// Litigation costs.
    pub litigation_costs: Cents,
    /// Administration costs.
    pub administration_costs: Cents,
    /// Sum of service awards.
    pub service_awards: Cents,
    /// What is left for claimants.
    pub net: Cents,
}

impl Waterfall {
    /// Computes the waterfall of a fund (the case file has already checked that deductions fit).
    pub fn of(fund: &Fund) -> Waterfall {
        let attorney_fees = attorney_fees(fund);
        let service_awards: Cents = fund.service_awards.iter().map(|a| a.amount).sum();
        let net = fund.gross
            - attorney_fees
            - fund.litigation_costs
            - fund.administration_costs
            - service_awards;
        Waterfall {
            gross: fund.gross,
            attorney_fees,
            litigation_costs: fund.litigation_costs,
            administration_costs: fund.administration_costs,
            service_awards,
            net,
        }
    }
}

/// One approved claim entering the allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    /// The claim (breaks ties between equal remainders: smaller id first).
    pub claim_id: ClaimId,
    /// Its entitlement.
    pub entitlement: Cents,
}

/// The allocation's result, index for index with the shares given.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Allocation {
    /// Payment of each share.
    pub payments: Vec<Cents>,
    /// True for shares removed by the minimum payment (rule 19).
    pub below_minimum: Vec<bool>,
    /// Allocation rounds run (1 when the minimum removes nobody).
    pub rounds: usize,
}

/// Divides `net` among `shares`: full entitlements when they fit, otherwise the floor of each pro
/// rata share plus one cent each, by largest remainder (ties to the smaller claim id), until the
/// net is spent. With a `minimum` above zero, shares paid less are removed and the rest allocated
/// again, until every remaining payment reaches the minimum.
///
/// # Examples
///
/// ```
/// use premium_claims::{allocate, Cents, ClaimId, Share, Uuid};
///
/// let share = |n: u128, dollars: i64| Share {
///     claim_id: ClaimId(Uuid::from_u128(n)),
///     entitlement: Cents::from_cents(dollars * 100),
/// };
/// // $10.00 for a $1,000 and a $3,000 claim, with a $5.00 minimum: the first share ($2.50) is
/// // below it, so the second claim takes the whole net.
/// let a = allocate("10.00".parse()?, &[share(1, 1000), share(2, 3000)], "5.00".parse()?);
/// assert_eq!(a.payments, ["0.00".parse()?, "10.00".parse()?]);
/// assert_eq!(a.below_minimum, [true, false]);
/// assert_eq!(a.rounds, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn allocate(net: Cents, shares: &[Share], minimum: Cents) -> Allocation {
    let mut payments = vec![Cents::ZERO; shares.len()];
    let mut below_minimum = vec![false; shares.len()];
    let mut active: Vec<usize> = (0..shares.len()).collect();
    let mut rounds = 0;
    while !active.is_empty() {
        rounds += 1;
        pro_rata(net, shares, &active, &mut payments);
        if !minimum.is_positive() {
            break;
        }
        let (low, keep): (Vec<usize>, Vec<usize>) =
            active.iter().partition(|&&i| payments[i] < minimum);
        if low.is_empty() {
            break;
        }
        for i in low {
            payments[i] = Cents::ZERO;
            below_minimum[i] = true;
        }
        active = keep;
    }
    Allocation {
        payments,
        below_minimum,
        rounds,
    }
}

/// One allocation round over the `active` shares.
fn pro_rata(net: Cents, shares: &[Share], active: &[usize], payments: &mut [Cents]) {
    let total: i128 = active.iter().map(|&i| shares[i].entitlement.0).sum();
    if total <= net.0 {
        for &i in active {
            payments[i] = shares[i].entitlement;
        }
        return;
    }
    let mut remainders: Vec<(i128, ClaimId, usize)> = Vec::with_capacity(active.len());
    let mut spent = 0i128;
    for &i in active {
        let product = net.0 * shares[i].entitlement.0;
        let floor = product / total;
        payments[i] = Cents(floor);
        spent += floor;
        remainders.push((product % total, shares[i].claim_id, i));
    }
    let left = (net.0 - spent) as usize; // < active.len(), since each floor loses less than one cent
    if left > 0 {
        let by_priority = |a: &(i128, ClaimId, usize), b: &(i128, ClaimId, usize)| {
            b.0.cmp(&a.0).then(a.1.cmp(&b.1))
        };
        if left < remainders.len() {
            remainders.select_nth_unstable_by(left - 1, by_priority);
        }
        for &(_, _, i) in &remainders[..left] {
            payments[i].0 += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn id(n: u128) -> ClaimId {
        ClaimId(Uuid::from_u128(n))
    }

    fn shares(entitlements: &[i128]) -> Vec<Share> {
        entitlements
            .iter()
            .enumerate()
            .map(|(i, &e)| Share {
                claim_id: id(i as u128 + 1),
                entitlement: Cents(e),
            })
            .collect()
    }

    fn cents(v: &[i128]) -> Vec<Cents> {
        v.iter().map(|&c| Cents(c)).collect()
    }

    #[test]
    fn fund_exactly_sufficient_pays_every_entitlement() {
        let a = allocate(Cents(300_000), &shares(&[100_000, 200_000]), Cents::ZERO);
        assert_eq!(a.payments, cents(&[100_000, 200_000]));
    }

    #[test]
    fn one_cent_short_takes_the_cent_from_the_smallest_remainder() {
        // net 2999.99 over 1000 + 2000: shares 999.996.. and 1999.993..; floors 99999 + 199999 = 299998,
        // one cent left goes to the larger remainder (the first: 99999.6.. vs 199999.3..).
        let a = allocate(Cents(299_999), &shares(&[100_000, 200_000]), Cents::ZERO);
        assert_eq!(a.payments, cents(&[100_000, 199_999]));
    }

    #[test]
    fn tied_remainders_go_to_the_smaller_claim_id() {
        // 100 cents over three equal claims: 33 each, one left, all remainders equal.
        let a = allocate(Cents(100), &shares(&[1000, 1000, 1000]), Cents::ZERO);
        assert_eq!(a.payments, cents(&[34, 33, 33]));
        // Same shares given in another order: the cent still goes to claim 1.
        let mut s = shares(&[1000, 1000, 1000]);
        s.reverse();
        let a = allocate(Cents(100), &s, Cents::ZERO);
        assert_eq!(a.payments, cents(&[33, 33, 34]));
    }

    #[test]
    fn minimum_payment_can_need_several_rounds() {
        // net 100 cents; entitlements 1, 2, 97 (x 100). Round 1: 1, 2, 97. Minimum 5 removes the 1 and 2,
        // round 2 gives the 97-claim the whole 100 (capped at its entitlement 9700).
        let a = allocate(Cents(100), &shares(&[100, 200, 9700]), Cents(5));
        assert_eq!(a.payments, cents(&[0, 0, 100]));
        assert_eq!(a.below_minimum, vec![true, true, false]);
        assert_eq!(a.rounds, 2);
        // Three rounds: net 10; entitlements 1, 3, 6 (x1000). Round 1: 1, 3, 6 -> minimum 4 removes 1, 3.
        // Round 2: 10 for the last. Two rounds again; build one that removes in two steps:
        // net 20 over 1, 4, 5, 10 (x100) minimum 5: round 1 -> 1, 4, 5, 10: removes 1 and 4;
        // round 2 over 5, 10 -> 6.67 -> 7, 13: done.
        let a = allocate(Cents(20), &shares(&[100, 400, 500, 1000]), Cents(5));
        assert_eq!(a.payments, cents(&[0, 0, 7, 13]));
        // A cascade: round 1 leaves a share that round 2 pushes below the minimum? Shares only grow
        // when others leave, so the cascade comes from a zero share: net 3 over 1,1,1,1 (x100), min 1:
        // round 1: 1,1,1,0 -> removes the fourth; round 2: 1,1,1.
        let a = allocate(Cents(3), &shares(&[100, 100, 100, 100]), Cents(1));
        assert_eq!(a.payments, cents(&[1, 1, 1, 0]));
        assert_eq!(a.below_minimum, vec![false, false, false, true]);
        assert_eq!(a.rounds, 2);
    }

    #[test]
    fn no_shares_allocates_nothing() {
        let a = allocate(Cents(1_000), &[], Cents(5));
        assert!(a.payments.is_empty());
        assert_eq!(a.rounds, 0);
    }

    #[test]
    fn fees_round_half_away_from_zero() {
        let fund = |gross: i128, rate: &str| Fund {
            gross: Cents(gross),
            attorney_fee_rate: crate::money::FeeRate::parse(rate).unwrap(),
            litigation_costs: Cents::ZERO,
            administration_costs: Cents::ZERO,
            service_awards: vec![],
            minimum_payment: Cents::ZERO,
            residual_recipient: None,
            lodestar: None,
        };
        assert_eq!(attorney_fees(&fund(5_780_082, "0.25")), Cents(1_445_021)); // 14450.205 -> 14450.21
        assert_eq!(attorney_fees(&fund(10, "0.25")), Cents(3)); // 2.5 -> 3
        assert_eq!(attorney_fees(&fund(10, "0")), Cents(0));
        assert_eq!(attorney_fees(&fund(12_345, "1")), Cents(12_345));
    }
}
