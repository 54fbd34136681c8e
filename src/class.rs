//! The class list: every accepted member id (to validate references from the other files), and the
//! full facts of the members some claim may resolve to.
//!
//! A defendant's class list runs to millions of members while claims name a small fraction of
//! them. When the engine knows the claims first, it passes their member ids and emails as the
//! [`Interest`], and only those members keep their name, email, subscriptions and evidence
//! summary; every other member costs one hash-table entry.

use std::cell::RefCell;
use std::hash::BuildHasher;

use hashbrown::hash_table::{Entry, HashTable};

use crate::hashing::{Map, Set};

use crate::input::{Known, KnownMembers};
use crate::model::{normalise, Member};
use crate::rules::{ClassList, EmailMatch, MemberFacts};

/// Which members' facts to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interest {
    /// Member ids as claims and cures give them.
    pub member_ids: Set<String>,
    /// Normalised emails claims and cures give.
    pub emails: Set<String>,
}

impl Interest {
    /// Notes a claimant's member id and email.
    pub fn add(&mut self, member_id: Option<&str>, email: Option<&str>) {
        if let Some(id) = member_id {
            self.member_ids.insert(id.to_string());
        }
        if let Some(email) = email.map(normalise).filter(|e| !e.is_empty()) {
            self.emails.insert(email);
        }
    }
}

const NOT_KEPT: u32 = u32::MAX;

/// The hash of a member id, as [`ClassRecords::insert_listed_hashed`] expects it.
pub fn hash_id(member_id: &[u8]) -> u64 {
    foldhash::fast::FixedState::default().hash_one(member_id)
}

/// Accepted member ids stored end to end in one buffer and found through a table of their
/// positions: a few dozen bytes a member, and no allocation of its own.
#[derive(Default)]
struct MemberIds {
    bytes: Vec<u8>,
    /// Id `i` is `bytes[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<usize>,
    /// Line of each id's row (for the duplicate message).
    lines: Vec<u64>,
    /// Index of each id's facts, or `NOT_KEPT`.
    facts: Vec<u32>,
    /// Positions of the ids, by hash.
    table: HashTable<usize>,
}

impl std::fmt::Debug for MemberIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemberIds")
            .field("len", &self.ends.len())
            .finish_non_exhaustive()
    }
}

fn id_at<'a>(bytes: &'a [u8], ends: &[usize], i: usize) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &bytes[start..ends[i]]
}

impl MemberIds {
    fn id(&self, i: usize) -> &[u8] {
        id_at(&self.bytes, &self.ends, i)
    }

    fn position(&self, id: &[u8], hash: u64) -> Option<usize> {
        self.table.find(hash, |&i| self.id(i) == id).copied()
    }

    /// Adds an id; `Err` with the position of the same id if it is already there.
    fn insert(&mut self, id: &[u8], hash: u64, line: u64, facts: u32) -> Result<usize, usize> {
        let MemberIds {
            bytes,
            ends,
            lines,
            facts: all_facts,
            table,
        } = self;
        let entry = table.entry(
            hash,
            |&i| id_at(bytes, ends, i) == id,
            |&i| hash_id(id_at(bytes, ends, i)),
        );
        match entry {
            Entry::Occupied(earlier) => Err(*earlier.get()),
            Entry::Vacant(slot) => {
                let i = ends.len();
                bytes.extend_from_slice(id);
                ends.push(bytes.len());
                lines.push(line);
                all_facts.push(facts);
                slot.insert(i);
                Ok(i)
            }
        }
    }

    fn reserve(&mut self, ids: usize, bytes: usize) {
        let MemberIds {
            bytes: all,
            ends,
            table,
            ..
        } = self;
        all.reserve(bytes);
        ends.reserve(ids);
        self.lines.reserve(ids);
        self.facts.reserve(ids);
        table.reserve(ids, |&i| hash_id(id_at(all, ends, i)));
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// The class list with per-member facts, looked up by id and by normalised email.
#[derive(Debug, Default)]
pub struct ClassRecords {
    facts: Vec<MemberFacts>,
    ids: MemberIds,
    by_email: Map<String, (usize, usize)>,
    interest: Option<Interest>,
}

impl ClassRecords {
    /// An empty class list that keeps every member's facts.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty class list that keeps the facts of the members `interest` names, by id or email.
    pub fn with_interest(interest: Interest) -> Self {
        ClassRecords {
            interest: Some(interest),
            ..Self::default()
        }
    }

    /// True when the facts of a member with this id and email are to be kept.
    pub fn wants(&self, member_id: &str, email: Option<&str>) -> bool {
        match &self.interest {
            None => true,
            Some(i) => {
                i.member_ids.contains(member_id)
                    || (!i.emails.is_empty()
                        && email.is_some_and(|e| {
                            // Most emails are already in normal form: skip the copy for them.
                            let e = e.trim();
                            if e.bytes().any(|b| b.is_ascii_uppercase()) {
                                i.emails.contains(&e.to_ascii_lowercase())
                            } else {
                                i.emails.contains(e)
                            }
                        }))
            }
        }
    }

    /// Lists a member whose facts are not kept (see [`ClassRecords::wants`]).
    ///
    /// # Errors
    /// The line of an earlier accepted member with the same id; the list is then unchanged.
    pub fn insert_listed(&mut self, member_id: &str, line: u64) -> Result<(), u64> {
        let id = member_id.as_bytes();
        self.insert_listed_hashed(id, hash_id(id), line)
    }

    /// [`ClassRecords::insert_listed`] with the id's [`hash_id`] already computed (as reading
    /// threads do, ahead of the insertions in file order).
    ///
    /// # Errors
    /// The line of an earlier accepted member with the same id; the list is then unchanged.
    pub fn insert_listed_hashed(
        &mut self,
        member_id: &[u8],
        hash: u64,
        line: u64,
    ) -> Result<(), u64> {
        match self.ids.insert(member_id, hash, line, NOT_KEPT) {
            Ok(_) => Ok(()),
            Err(earlier) => Err(self.ids.lines[earlier]),
        }
    }

    /// Adds a member found on `line`, keeping its facts if [`ClassRecords::wants`] them.
    ///
    /// # Errors
    /// The line of an earlier accepted member with the same id; the list is then unchanged.
    pub fn insert(&mut self, member: Member, line: u64) -> Result<(), u64> {
        let keep = self.wants(&member.member_id.0, member.email.as_deref())
            && self.facts.len() < NOT_KEPT as usize;
        let facts = if keep {
            self.facts.len() as u32
        } else {
            NOT_KEPT
        };
        let id = member.member_id.0.as_bytes();
        if let Err(earlier) = self.ids.insert(id, hash_id(id), line, facts) {
            return Err(self.ids.lines[earlier]);
        }
        if keep {
            let index = self.facts.len();
            if let Some(email) = member
                .email
                .as_deref()
                .map(normalise)
                .filter(|e| !e.is_empty())
            {
                self.by_email
                    .entry(email)
                    .and_modify(|(_, n)| *n += 1)
                    .or_insert((index, 1));
            }
            self.facts.push(MemberFacts::new(member));
        }
        Ok(())
    }

    /// Makes room for `members` more members whose ids take `id_bytes` bytes in all, at once
    /// rather than step by step.
    pub fn reserve(&mut self, members: usize, id_bytes: usize) {
        self.ids.reserve(members, id_bytes);
    }

    /// Where an accepted member id is in the list.
    fn position(&self, member_id: &[u8]) -> Option<usize> {
        self.ids.position(member_id, hash_id(member_id))
    }

    /// [`ClassRecords::line_of`] with the id's [`hash_id`] already computed.
    pub fn line_of_hashed(&self, member_id: &[u8], hash: u64) -> Option<u64> {
        self.ids
            .position(member_id, hash)
            .map(|i| self.ids.lines[i])
    }

    /// The line of an accepted member id, if known.
    pub fn line_of(&self, member_id: &str) -> Option<u64> {
        self.position(member_id.as_bytes())
            .map(|i| self.ids.lines[i])
    }

    /// Mutable facts of a kept member, to fold in subscriptions, opt-outs and evidence.
    pub fn facts_mut(&mut self, member_id: &str) -> Option<&mut MemberFacts> {
        let i = self.position(member_id.as_bytes())?;
        self.facts.get_mut(self.ids.facts[i] as usize)
    }

    /// Facts by position (see [`Known::Kept`]).
    pub fn facts_at(&self, index: usize) -> Option<&MemberFacts> {
        self.facts.get(index)
    }

    /// Mutable facts by position.
    pub fn facts_at_mut(&mut self, index: usize) -> Option<&mut MemberFacts> {
        self.facts.get_mut(index)
    }

    /// Number of accepted members.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when no member was accepted.
    pub fn is_empty(&self) -> bool {
        self.ids.len() == 0
    }

    /// Number of members whose facts are kept.
    pub fn kept(&self) -> usize {
        self.facts.len()
    }
}

/// The last member a reader looked up, and where it was in the class list.
#[derive(Debug, Default)]
pub struct RecentMember {
    id: Vec<u8>,
    known: Option<Known>,
    position: Option<usize>,
}

/// Member look-ups for a file that usually lists its rows member by member, in the class list's
/// order (as exports do): the same member as the last row's, or the one listed after it, is found
/// without a hash look-up.
pub struct CachedLookup<'a> {
    class: &'a ClassRecords,
    recent: &'a RefCell<RecentMember>,
}

/// `a == b`, with ids of 8 to 16 bytes (the usual) compared as two overlapping words rather than
/// by a call to `memcmp`: this runs once per evidence row.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if (8..=16).contains(&n) {
        a[..8] == b[..8] && a[n - 8..] == b[n - 8..]
    } else {
        a == b
    }
}

impl ClassRecords {
    /// Look-ups that remember the last member in `recent`.
    pub fn cached<'a>(&'a self, recent: &'a RefCell<RecentMember>) -> CachedLookup<'a> {
        CachedLookup {
            class: self,
            recent,
        }
    }

    fn known_at(&self, position: usize) -> Known {
        match self.ids.facts[position] {
            NOT_KEPT => Known::Listed,
            facts => Known::Kept(facts as usize),
        }
    }
}

impl KnownMembers for CachedLookup<'_> {
    fn find(&self, member_id: &[u8]) -> Option<Known> {
        let mut recent = self.recent.borrow_mut();
        if !recent.id.is_empty() && same_bytes(&recent.id, member_id) {
            return recent.known;
        }
        let ids = &self.class.ids;
        let next = recent
            .position
            .map(|p| p + 1)
            .filter(|&p| p < ids.len() && ids.id(p) == member_id);
        let position = next.or_else(|| self.class.position(member_id));
        recent.known = position.map(|p| self.class.known_at(p));
        recent.position = position.or(recent.position);
        recent.id.clear();
        recent.id.extend_from_slice(member_id);
        recent.known
    }
}

impl ClassList for ClassRecords {
    fn member(&self, member_id: &str) -> Option<&MemberFacts> {
        self.position(member_id.as_bytes())
            .and_then(|i| self.facts.get(self.ids.facts[i] as usize))
    }

    fn members_with_email(&self, email_key: &str) -> EmailMatch<'_> {
        match self.by_email.get(email_key) {
            None => EmailMatch::None,
            Some(&(i, 1)) => EmailMatch::One(&self.facts[i]),
            Some(&(_, n)) => EmailMatch::Many(n),
        }
    }
}

impl KnownMembers for ClassRecords {
    fn find(&self, member_id: &[u8]) -> Option<Known> {
        self.position(member_id).map(|i| self.known_at(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MemberId;

    fn member(id: &str, email: &str) -> Member {
        Member {
            member_id: MemberId(id.into()),
            full_name: None,
            email: Some(email.into()),
            country: "US".into(),
            ai_training_opt_out_at: None,
            excluded_category: None,
        }
    }

    #[test]
    fn only_members_of_interest_keep_their_facts_but_all_are_known() {
        let mut interest = Interest::default();
        interest.add(Some("m-2"), None);
        interest.add(None, Some(" Shared@Example.com"));
        let mut class = ClassRecords::with_interest(interest);
        class.insert(member("m-1", "one@example.com"), 2).unwrap();
        class.insert(member("m-2", "two@example.com"), 3).unwrap();
        class
            .insert(member("m-3", "shared@example.com"), 4)
            .unwrap();
        class
            .insert(member("m-4", "SHARED@example.com"), 5)
            .unwrap();
        assert_eq!(class.insert(member("m-1", "x@example.com"), 6), Err(2));
        assert_eq!(class.len(), 4);
        assert_eq!(class.kept(), 3);
        assert_eq!(class.find(b"m-1"), Some(Known::Listed));
        assert_eq!(class.find(b"m-2"), Some(Known::Kept(0)));
        assert_eq!(class.find(b"m-9"), None);
        assert!(matches!(
            class.members_with_email("shared@example.com"),
            EmailMatch::Many(2)
        ));
        assert!(class.member("m-2").is_some());
    }
}
