import { LRUCache } from "lru-cache";
import type { Db } from "@/db/client";
import { env } from "@/lib/env";

/**
 * Reads keyed by a change token (lib/services/pipeline-revision.ts: a pipeline's, or the
 * portfolio's, which moves with any pipeline's). A pipeline's token moves
 * with every committed change to a row of the pipeline a page shows (database triggers,
 * migration 0020), so what a board or an environment page read at one token is what any reader at
 * that token would read again: a page opened by ten people, or refreshed by one, reads its
 * pipeline's facts once per change instead of once per view. At demo scale the board's reads
 * after its first statement were about a third of its cost (PostgreSQL planning and running four
 * statements), for facts that change a few times an hour.
 *
 * Correct because:
 * - the token is read first (in the page's first statement), the cached reads after it, so an
 *   entry holds facts at least as new as its token; a change committed meanwhile moves the token,
 *   and the next view misses;
 * - only reads that do not depend on the viewer are cached, nor on the time except within a
 *   stated validity: the board and the environment page apply the clock after, per view; the
 *   portfolio and the environments list judge health when they read, and say until when that
 *   holds (`validUntil`: the first fresh reading going stale), after which a view reads again;
 *   freezes and traffic are read per view;
 * - what the token leaves out (a health reading's detail and small moves of its time, a step's
 *   log, a gate's reason, a job's output, people's and teams' names) is at most MAX_AGE_MS old,
 *   and at most BUSY_MAX_AGE_MS while something moves (the caller says so: a rollout's log and
 *   gate reasons change every second then);
 * - a transaction's handle never caches: inside it, its own uncommitted writes have not moved the
 *   token yet.
 *
 * Bounded: MAX_ENTRIES entries and MAX_BYTES (each value's JSON size) per database handle, each
 * kept at most MAX_AGE_MS. Concurrent misses of one key share one read, which completes for its
 * waiters even when its entry is dropped meanwhile. A view of an entry past half its age starts one
 * read in the background that replaces it: a page viewed steadily is renewed without its views
 * waiting (at scale, every view arriving while an expired board was read again waited for that
 * read: the slowest 1 % of the board's views). SLIPWAY_READ_CACHE=off turns it off, for
 * measuring the uncached path.
 */

const MAX_ENTRIES = 256;
/** ~32 MB of values' JSON: a demo board's entry is about 0.1 MB, a 600-app board page's about 1 MB. */
const MAX_BYTES = 32 * 1024 * 1024;
const MAX_AGE_MS = 10_000;
/** For a value that shows something moving (a rollout, a job): about a live page's refresh. */
export const BUSY_MAX_AGE_MS = 1_000;

/** `refreshAt`: performance.now() past which a view answers with the entry while one read renews it (half its age). */
type Entry = { value: unknown; bytes: number; maxAgeMs: number; validUntil: number | null; refreshAt: number };

/** How long a shared read may serve (both optional; the default is MAX_AGE_MS of real time). */
export interface SharingRule<T> {
  /** At most this many ms of real time, when shorter than MAX_AGE_MS (BUSY_MAX_AGE_MS for a value showing something in motion). */
  maxAgeMs?: (value: T) => number | undefined;
  /**
   * The first instant of the views' clock at which the value no longer holds (a time its read
   * applied, such as a health reading going stale), or null while it holds whatever the time. A
   * view at or after it reads again; requires `now`.
   */
  validUntil?: (value: T) => Date | null;
  /** The view's time (its clock's now), for `validUntil`. */
  now?: Date;
}
type Loader = () => Promise<Entry>;

// On globalThis: the custom server, Next's bundled route code and the controller each load this
// module, and share one cache per database handle (as they share the handle, db/client.ts).
const holder = globalThis as unknown as { __slipwayRevisionCaches?: WeakMap<Db, LRUCache<string, Entry, Loader>> };
const caches = (holder.__slipwayRevisionCaches ??= new WeakMap());
let enabled: boolean | undefined;

function cacheOf(db: Db): LRUCache<string, Entry, Loader> {
  let cache = caches.get(db);
  if (!cache) {
    cache = new LRUCache<string, Entry, Loader>({
      max: MAX_ENTRIES,
      maxSize: MAX_BYTES,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttl: MAX_AGE_MS,
      // Freed when they expire, not at the next read of their key: an idle portal holds nothing.
      ttlAutopurge: true,
      // A read in flight when its entry expires or is evicted still answers the views waiting on it.
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { context, options }) => {
        const entry = await context();
        options.ttl = entry.maxAgeMs;
        return entry;
      },
    });
    caches.set(db, cache);
  }
  return cache;
}

/** Forgets every read cached for `db` (benchmarks count a page's statements on a cold cache). */
export function clearRevisionCache(db: Db): void {
  caches.get(db)?.clear();
}

/** drizzle's transaction handle (PgTransaction) is the only one with rollback(). */
const isTransaction = (db: Db) => typeof (db as unknown as { rollback?: unknown }).rollback === "function";

/**
 * `read()`'s value for `key` at the change token `revision` (a pipeline's, or the portfolio's):
 * cached when a read at that token is and its `rule` still holds (at most MAX_AGE_MS old, or less
 * by `rule.maxAgeMs`; not past `rule.validUntil` at `rule.now`), else read now. `key` must name
 * everything the read depends on besides the token (the pipeline or environment, the filters, the
 * page); `read` must not depend on the viewer, nor on the time except as `rule.validUntil` bounds
 * it. Errors of `read` are thrown to every caller waiting on it and not cached.
 */
export async function readAtRevision<T>(db: Db, key: string, revision: string, read: () => Promise<T>, rule: SharingRule<T> = {}): Promise<T> {
  enabled ??= env().readCache;
  if (!enabled || isTransaction(db)) return read();
  const cache = cacheOf(db);
  const context = async (): Promise<Entry> => {
    const value = await read();
    const validUntil = rule.validUntil?.(value)?.getTime() ?? null;
    const maxAgeMs = Math.min(MAX_AGE_MS, rule.maxAgeMs?.(value) ?? MAX_AGE_MS);
    const entry = { value, bytes: jsonBytes(value), maxAgeMs, validUntil, refreshAt: performance.now() + maxAgeMs / 2 };
    // Every view shares the value: outside production, a view that changes it throws.
    if (process.env.NODE_ENV !== "production") deepFreeze(value);
    return entry;
  };
  const pastValidity = (entry: Entry | undefined) => entry?.validUntil != null && rule.now !== undefined && rule.now.getTime() >= entry.validUntil;
  // allowStale: while a renewal is in flight, its entry answers (a miss still waits for its read).
  let entry = await cache.fetch(`${key}@${revision}`, { context, allowStale: true });
  // Past what its read applied of the time: read again (views arriving meanwhile share that read)…
  if (pastValidity(entry)) entry = await cache.fetch(`${key}@${revision}`, { context, forceRefresh: true });
  // …which, joined in flight, may have been started by a view a moment earlier: then this view reads alone.
  if (pastValidity(entry)) return read();
  // Past half its age: renewed by one read in the background while views keep answering with it
  // (they never wait for a renewal; an entry is still never older than its age, when it expires).
  if (entry && performance.now() >= entry.refreshAt) void cache.fetch(`${key}@${revision}`, { context, forceRefresh: true, allowStale: true }).catch(() => undefined);
  return entry!.value as T;
}

/** About what `value` holds in memory: its JSON's length in UTF-16 (Maps as their entries); once per read, not per view. */
function jsonBytes(value: unknown): number {
  const json = JSON.stringify(value, (_key, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
  return 256 + 2 * (json?.length ?? 0);
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  const children = value instanceof Map ? [...value.values()] : Object.values(value);
  for (const child of children) deepFreeze(child);
}
