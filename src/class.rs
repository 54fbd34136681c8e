//! The class list: every accepted member id (to validate references from the other files), and the
//! full facts of the members some claim may resolve to.
//!
//! A defendant's class list runs to millions of members while claims name a small fraction of
//! them. When the engine knows the claims first, it passes their member ids and emails as the
//! [`Interest`], and only those members keep their name, email, subscriptions and evidence
//! summary; every other member costs one hash-table entry.

use std::collections::hash_map::Entry;

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

/// Where an accepted member id points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    /// Line of the member row (for the duplicate message).
    line: u64,
    /// Index in `facts`, or `NOT_KEPT`.
    facts: u32,
}

const NOT_KEPT: u32 = u32::MAX;

/// The class list with per-member facts, looked up by id and by normalised email.
#[derive(Debug, Default)]
pub struct ClassRecords {
    facts: Vec<MemberFacts>,
    ids: Map<Box<str>, Slot>,
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
    /// The line and id of an earlier accepted member with the same id; the list is then unchanged.
    pub fn insert_listed(&mut self, member_id: Box<str>, line: u64) -> Result<(), (u64, Box<str>)> {
        match self.ids.entry(member_id) {
            Entry::Occupied(earlier) => Err((earlier.get().line, earlier.key().clone())),
            Entry::Vacant(slot) => {
                slot.insert(Slot {
                    line,
                    facts: NOT_KEPT,
                });
                Ok(())
            }
        }
    }

    /// Adds a member found on `line`, keeping its facts if [`ClassRecords::wants`] them.
    ///
    /// # Errors
    /// The line of an earlier accepted member with the same id; the list is then unchanged.
    pub fn insert(&mut self, member: Member, line: u64) -> Result<(), u64> {
        if let Some(slot) = self.ids.get(member.member_id.0.as_str()) {
            return Err(slot.line);
        }
        let email_key = member
            .email
            .as_deref()
            .map(normalise)
            .filter(|e| !e.is_empty());
        let keep = self.wants(&member.member_id.0, member.email.as_deref());
        let id: Box<str> = member.member_id.0.as_str().into();
        let facts = if keep && self.facts.len() < NOT_KEPT as usize {
            let index = self.facts.len();
            if let Some(email) = email_key {
                self.by_email
                    .entry(email)
                    .and_modify(|(_, n)| *n += 1)
                    .or_insert((index, 1));
            }
            self.facts.push(MemberFacts::new(member));
            index as u32
        } else {
            NOT_KEPT
        };
        self.ids.insert(id, Slot { line, facts });
        Ok(())
    }

    /// Makes room for `members` more members at once, rather than growing step by step.
    pub fn reserve(&mut self, members: usize) {
        self.ids.reserve(members);
    }

    /// The line of an accepted member id, if known.
    pub fn line_of(&self, member_id: &str) -> Option<u64> {
        self.ids.get(member_id).map(|s| s.line)
    }

    /// Mutable facts of a kept member, to fold in subscriptions, opt-outs and evidence.
    pub fn facts_mut(&mut self, member_id: &str) -> Option<&mut MemberFacts> {
        let slot = *self.ids.get(member_id)?;
        self.facts.get_mut(slot.facts as usize)
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
        self.ids.is_empty()
    }

    /// Number of members whose facts are kept.
    pub fn kept(&self) -> usize {
        self.facts.len()
    }
}

impl ClassList for ClassRecords {
    fn member(&self, member_id: &str) -> Option<&MemberFacts> {
        self.ids
            .get(member_id)
            .and_then(|s| self.facts.get(s.facts as usize))
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
    fn find(&self, member_id: &str) -> Option<Known> {
        self.ids.get(member_id).map(|s| {
            if s.facts == NOT_KEPT {
                Known::Listed
            } else {
                Known::Kept(s.facts as usize)
            }
        })
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
        assert_eq!(class.find("m-1"), Some(Known::Listed));
        assert_eq!(class.find("m-2"), Some(Known::Kept(0)));
        assert_eq!(class.find("m-9"), None);
        assert!(matches!(
            class.members_with_email("shared@example.com"),
            EmailMatch::Many(2)
        ));
        assert!(class.member("m-2").is_some());
    }
}
