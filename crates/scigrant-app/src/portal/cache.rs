//! What visitors read most — the home page, a section's pages, an article's
//! page — kept per node for at most [`LIFETIME`], so a deadline's crowd on
//! the portal costs the database one read per page per second instead of
//! one per visit.
//!
//! A change made on this node shows at once: every use case that changes
//! what visitors see calls [`PortalCache::changed`] after its commit, and
//! an entry filled before that is never served again (the generation is
//! read before the database, so a read racing a commit cannot outlive it).
//! A change made on another node, and a scheduled article reaching its
//! time, show within [`LIFETIME`]. An entry is also dropped when the
//! product's clock has moved by more than [`LIFETIME`] since it was filled
//! (a period that opened or closed, in tests with a set clock too).

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::{App, AppError};

/// How long a page's content is served without reading it again.
pub const LIFETIME: Duration = Duration::from_secs(1);

/// At most this many pages are kept; past it the cache starts afresh (a
/// crawl of every article cannot grow it without bound).
const MAX_ENTRIES: usize = 4096;

/// What is kept: the home page, a page of a section, an article's page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Home,
    Section(&'static str, i64),
    Article(i64),
}

struct Entry {
    value: Arc<dyn Any + Send + Sync>,
    filled: Instant,
    /// The product's clock when filled (ms).
    at: i64,
    generation: u64,
}

/// The per-node cache of public pages' content (in `App::cache`).
#[derive(Default)]
pub struct PortalCache {
    generation: AtomicU64,
    entries: RwLock<HashMap<Key, Entry>>,
}

impl std::fmt::Debug for PortalCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalCache")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl PortalCache {
    /// Public content changed here: nothing kept before is served again.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut map) = self.entries.write() {
            map.clear();
        }
    }

    fn get<T: Send + Sync + 'static>(&self, key: Key, now: i64) -> Option<Arc<T>> {
        let generation = self.generation.load(Ordering::SeqCst);
        let map = self.entries.read().ok()?;
        let e = map.get(&key)?;
        let fresh = e.generation == generation
            && e.filled.elapsed() < LIFETIME
            && (now - e.at).unsigned_abs() < LIFETIME.as_millis() as u64;
        if !fresh {
            return None;
        }
        e.value.clone().downcast::<T>().ok()
    }

    fn put<T: Send + Sync + 'static>(&self, key: Key, value: Arc<T>, at: i64, generation: u64) {
        if let Ok(mut map) = self.entries.write() {
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
            map.insert(
                key,
                Entry {
                    value,
                    filled: Instant::now(),
                    at,
                    generation,
                },
            );
        }
    }
}

/// The value kept under `key`, or what `fill` reads (then kept). Errors
/// are not kept.
pub(crate) async fn cached<T, F, Fut>(app: &App, key: Key, fill: F) -> Result<Arc<T>, AppError>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let cache = &app.cache.portal;
    let now = app.now();
    if let Some(v) = cache.get::<T>(key, now) {
        return Ok(v);
    }
    // Read before the database: a commit after this point bumps it, and
    // the entry filled from the older read is then never served.
    let generation = cache.generation.load(Ordering::SeqCst);
    let value = Arc::new(fill().await?);
    cache.put(key, value.clone(), now, generation);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_lives_until_a_change_or_its_lifetime_or_a_clock_jump() {
        let c = PortalCache::default();
        c.put(Key::Home, Arc::new(7_i32), 1_000, 0);
        assert_eq!(c.get::<i32>(Key::Home, 1_500).as_deref(), Some(&7));
        // The product's clock moved a day (a test's set clock): re-read.
        assert!(c.get::<i32>(Key::Home, 86_400_000).is_none());
        // Another key, another type: nothing.
        assert!(c.get::<i32>(Key::Article(1), 1_000).is_none());
        assert!(c.get::<String>(Key::Home, 1_000).is_none());
        c.changed();
        assert!(c.get::<i32>(Key::Home, 1_000).is_none());
        // Filled from a read begun before the change: never served.
        c.put(Key::Home, Arc::new(8_i32), 1_000, 0);
        assert!(c.get::<i32>(Key::Home, 1_000).is_none());
        c.put(Key::Home, Arc::new(9_i32), 1_000, 1);
        assert_eq!(c.get::<i32>(Key::Home, 1_000).as_deref(), Some(&9));
    }

    #[test]
    fn the_cache_starts_afresh_when_full() {
        let c = PortalCache::default();
        for i in 0..MAX_ENTRIES as i64 {
            c.put(Key::Article(i), Arc::new(i), 0, 0);
        }
        assert!(c.get::<i64>(Key::Article(0), 0).is_some());
        c.put(Key::Article(-1), Arc::new(-1_i64), 0, 0);
        assert!(c.get::<i64>(Key::Article(0), 0).is_none());
        assert!(c.get::<i64>(Key::Article(-1), 0).is_some());
    }
}
