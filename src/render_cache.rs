//! Rendered answers kept per object (and, where the answer depends on it, the caller's role) and
//! the object's version.
//!
//! The database stays the only truth: a handler still reads the object's current version on every
//! request (a narrow primary-key lookup) and uses a kept body only when it was rendered from that
//! very version, so a change made by any process shows at once. This is sound for objects whose
//! every write bumps `version` and whose answer depends on nothing but the row and the role.
//!
//! Memory is bounded by a byte budget shared by two generations: entries go into the newer one;
//! when it holds half the budget the older one is dropped and the newer one takes its place. An
//! entry found in the older generation moves to the newer one, so what is in use stays (an
//! approximation of least-recently-used with constant work per request).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use actix_web::web::Bytes;

/// What an entry costs besides its body: the key, the version and the map's own slot.
const ENTRY_OVERHEAD: usize = 64;

struct Entry {
    version: i64,
    body: Bytes,
}

struct Generations<K> {
    current: HashMap<K, Entry>,
    previous: HashMap<K, Entry>,
    current_bytes: usize,
}

impl<K: Hash + Eq> Generations<K> {
    /// Adds `entry`; the newer generation never holds more than `half_budget`, so both together
    /// stay within the budget.
    fn insert(&mut self, key: K, entry: Entry, half_budget: usize) {
        if let Some(replaced) = self.current.remove(&key) {
            self.current_bytes -= replaced.body.len() + ENTRY_OVERHEAD;
        }
        let size = entry.body.len() + ENTRY_OVERHEAD;
        if self.current_bytes + size > half_budget {
            self.previous = std::mem::take(&mut self.current);
            self.current_bytes = 0;
        }
        self.current_bytes += size;
        self.current.insert(key, entry);
    }
}

/// Keyed by `K`: an object's id, or its id and the caller's role.
pub struct RenderCache<K> {
    budget: usize,
    inner: Mutex<Generations<K>>,
}

impl<K: Hash + Eq> RenderCache<K> {
    /// A cache holding at most about `budget` bytes; 0 keeps nothing.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Generations {
                current: HashMap::new(),
                previous: HashMap::new(),
                current_bytes: 0,
            }),
        }
    }

    /// The body rendered from `version` of the object at `key`, if kept.
    pub fn get(&self, key: K, version: i64) -> Option<Bytes> {
        if self.budget == 0 {
            return None;
        }
        let mut generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = generations.current.get(&key) {
            return (entry.version == version).then(|| entry.body.clone());
        }
        let entry = generations.previous.remove(&key).filter(|e| e.version == version)?;
        let body = entry.body.clone();
        generations.insert(key, entry, self.budget / 2);
        Some(body)
    }

    /// Keeps `body`, rendered from `version` of the object at `key`. A body larger than a tenth
    /// of the budget is not kept: it would evict too much.
    pub fn put(&self, key: K, version: i64, body: Bytes) {
        if body.len() + ENTRY_OVERHEAD > self.budget / 10 {
            return;
        }
        let mut generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        generations.insert(key, Entry { version, body }, self.budget / 2);
    }

    /// Bytes held now (bodies and per-entry overhead), for tests and metrics.
    pub fn held_bytes(&self) -> usize {
        let generations = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        [&generations.current, &generations.previous]
            .iter()
            .flat_map(|g| g.values())
            .map(|e| e.body.len() + ENTRY_OVERHEAD)
            .sum()
    }
}

impl<K: Hash + Eq + Copy> RenderCache<K> {
    /// The keys of `stamps` (key and version of each object) with no body kept for that version.
    pub fn missing(&self, stamps: &[(K, i64)]) -> Vec<K> {
        stamps
            .iter()
            .filter(|(key, version)| self.get(*key, *version).is_none())
            .map(|(key, _)| *key)
            .collect()
    }

    /// The bodies of `stamps` (key and version of each object, in order): those kept for that
    /// version as they are, the others from `render_missing`, which gets their keys and returns
    /// the key, version and body of each it still finds; those are kept. An object
    /// `render_missing` no longer finds is left out.
    pub fn bodies<E>(
        &self,
        stamps: &[(K, i64)],
        render_missing: impl FnOnce(&[K]) -> Result<Vec<(K, i64, Bytes)>, E>,
    ) -> Result<Vec<Bytes>, E> {
        let mut bodies: Vec<Option<Bytes>> = stamps.iter().map(|(key, version)| self.get(*key, *version)).collect();
        let missing: Vec<K> = stamps
            .iter()
            .zip(&bodies)
            .filter(|(_, kept)| kept.is_none())
            .map(|((key, _), _)| *key)
            .collect();
        if !missing.is_empty() {
            let mut fresh: HashMap<K, Bytes> = HashMap::new();
            for (key, version, body) in render_missing(&missing)? {
                self.put(key, version, body.clone());
                fresh.insert(key, body);
            }
            for ((key, _), body) in stamps.iter().zip(bodies.iter_mut()) {
                if body.is_none() {
                    *body = fresh.remove(key);
                }
            }
        }
        Ok(bodies.into_iter().flatten().collect())
    }
}

/// `value` as a JSON body.
pub fn render<T: serde::Serialize>(value: &T) -> Result<Bytes, crate::error::ApiError> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| crate::error::ApiError::internal(format!("cannot render an answer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::roles::Role;
    use uuid::Uuid;

    fn body(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn a_kept_body_serves_only_its_version_and_role() {
        let cache = RenderCache::new(1 << 20);
        let id = Uuid::now_v7();
        cache.put((id, Role::Owner), 3, Bytes::from_static(b"v3"));
        assert_eq!(cache.get((id, Role::Owner), 3).as_deref(), Some(&b"v3"[..]));
        assert_eq!(cache.get((id, Role::Owner), 4), None);
        assert_eq!(cache.get((id, Role::Developer), 3), None);
        assert_eq!(cache.get((Uuid::now_v7(), Role::Owner), 3), None);
        cache.put((id, Role::Owner), 4, Bytes::from_static(b"v4"));
        assert_eq!(cache.get((id, Role::Owner), 3), None);
        assert_eq!(cache.get((id, Role::Owner), 4).as_deref(), Some(&b"v4"[..]));
    }

    /// What is missing is what `bodies` would ask for: the keys with nothing kept for the
    /// version asked, in order.
    #[test]
    fn the_missing_keys_are_those_not_kept_for_their_version() {
        let cache = RenderCache::new(1 << 20);
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        cache.put(a, 1, body(3));
        cache.put(b, 1, body(3));
        let stamps = [(a, 1), (b, 2), (c, 1)];
        assert_eq!(cache.missing(&stamps), vec![b, c]);
        let mut asked = Vec::new();
        let bodies = cache
            .bodies(&stamps, |keys| {
                asked = keys.to_vec();
                Ok::<_, ()>(vec![(b, 2, body(4)), (c, 1, body(5))])
            })
            .unwrap();
        assert_eq!(asked, vec![b, c]);
        assert_eq!(bodies.iter().map(Bytes::len).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert!(cache.missing(&stamps).is_empty());
    }

    #[test]
    fn memory_stays_within_the_budget_and_recent_use_survives() {
        let budget = 100_000;
        let cache = RenderCache::new(budget);
        let hot = Uuid::now_v7();
        cache.put((hot, Role::Manager), 1, body(1_000));
        for i in 0..1_000 {
            cache.put((Uuid::now_v7(), Role::Owner), i, body(1_000));
            assert!(cache.held_bytes() <= budget, "{} bytes held", cache.held_bytes());
            // Used all along, the hot entry is never dropped.
            assert!(
                cache.get((hot, Role::Manager), 1).is_some(),
                "hot entry lost after {i} inserts"
            );
        }
    }

    #[test]
    fn a_page_takes_kept_bodies_and_renders_only_the_others() {
        let cache = RenderCache::new(1 << 20);
        let ids: Vec<Uuid> = (0..4).map(|_| Uuid::now_v7()).collect();
        let stamps: Vec<(Uuid, i64)> = ids.iter().map(|id| (*id, 1)).collect();
        cache.put(ids[1], 1, Bytes::from_static(b"kept"));
        let mut asked = Vec::new();
        let bodies = cache
            .bodies(&stamps, |missing| {
                asked = missing.to_vec();
                // The last one was deleted meanwhile; the first one moved on to version 2.
                Ok::<_, ()>(vec![
                    (ids[0], 2, Bytes::from_static(b"zero")),
                    (ids[2], 1, Bytes::from_static(b"two")),
                ])
            })
            .unwrap();
        assert_eq!(asked, vec![ids[0], ids[2], ids[3]]);
        assert_eq!(
            bodies,
            vec![
                Bytes::from_static(b"zero"),
                Bytes::from_static(b"kept"),
                Bytes::from_static(b"two")
            ]
        );
        // What was rendered is kept under the version it was rendered from.
        assert_eq!(cache.get(ids[0], 2).as_deref(), Some(&b"zero"[..]));
        assert_eq!(cache.get(ids[0], 1), None);
        let again = cache
            .bodies(&stamps[1..3], |_| Err("nothing should be missing"))
            .unwrap();
        assert_eq!(again, vec![Bytes::from_static(b"kept"), Bytes::from_static(b"two")]);
    }

    #[test]
    fn a_zero_budget_keeps_nothing_and_oversized_bodies_are_not_kept() {
        let id = Uuid::now_v7();
        let off = RenderCache::new(0);
        off.put((id, Role::Owner), 1, body(10));
        assert_eq!(off.get((id, Role::Owner), 1), None);
        let small = RenderCache::new(10_000);
        small.put((id, Role::Owner), 1, body(5_000));
        assert_eq!(small.get((id, Role::Owner), 1), None);
        assert_eq!(small.held_bytes(), 0);
    }
}
