/**
 * What both benchmarks (measure.ts at scale, measure-demo.ts on the demo data) do to one running
 * server: sign in, probe one request (status, compressed bytes, SQL statements), load a target at
 * N connections, wait for the server to settle, and print the table.
 */
import http from "node:http";
import { load, send, type LoadResult, type Target } from "./load";

export const TIMEOUT_MS = 60_000;

export interface Row {
  name: string;
  kind: "floor" | "page" | "api" | "mutation";
  path: string;
  result: LoadResult | null;
  /** `sql`: statements of a request on a cold read cache (every read made, lib/services/revision-cache.ts); `sqlWarm`: of the next one at the same revision. */
  probe: { status: number; bytes: number; encoding: string | null; sql: number | null; sqlWarm: number | null } | null;
  /** The server process's CPU (user + system) per request while the target was loaded, in ms; where measured. */
  cpuMs?: number;
  /** The PostgreSQL backends' CPU per request meanwhile, in ms (postgresCpuByBackend); where measured. */
  pgCpuMs?: number;
  note?: string;
}

export interface LoadOptions {
  connections: number;
  durationMs: number;
}

/** Signs in through the local provider at `base` as `email`; returns the session cookie. @throws Error when no session cookie comes back */
export async function signIn(base: string, email: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]!);
  const res = await fetch(`${base}/api/auth/callback/local`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, email, callbackUrl: `${base}/` }),
  });
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .find((c) => c.includes("session-token"));
  if (!session) throw new Error(`signing in as ${email} failed: HTTP ${res.status} without a session cookie`);
  return session;
}

/** The server's statement counter (SLIPWAY_BENCH_COUNT_SQL=1), or null when it has none; `cold` also empties its read cache first. */
async function sqlCount(port: number, cold = false): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/__bench/sql-count${cold ? "?cold" : ""}`);
    return res.ok ? Number(await res.text()) : null;
  } catch {
    return null;
  }
}

/**
 * One request at a time: status and compressed bytes of the last of three, and (on Slipway) the
 * SQL statements of the second, sent on a cold read cache, and of the third, at the same revision.
 */
async function probe(port: number, target: Target, countSql: boolean): Promise<Row["probe"]> {
  const agent = new http.Agent({ keepAlive: false });
  await send(agent, port, target, TIMEOUT_MS); // warm-up
  const counted = async (cold: boolean) => {
    const before = countSql ? await sqlCount(port, cold) : null;
    const sample = await send(agent, port, target, TIMEOUT_MS);
    await new Promise((r) => setTimeout(r, 100)); // work finishing after the response (after()) still counts
    const after = countSql ? await sqlCount(port) : null;
    return { status: sample.status, bytes: sample.bytes, encoding: sample.encoding, sql: before !== null && after !== null ? after - before : null };
  };
  const cold = await counted(true);
  const warm = await counted(false);
  return { ...warm, sql: cold.sql, sqlWarm: warm.sql };
}

/** The first of `candidates` that answers 200 on `port` (the multi-pipeline routes once they exist, older ones otherwise). */
export async function firstServed(port: number, candidates: string[], headers: Record<string, string>): Promise<string> {
  for (const candidate of candidates) {
    const res = await fetch(`http://127.0.0.1:${port}${candidate}`, { headers, redirect: "manual" }).catch(() => null);
    await res?.arrayBuffer();
    if (res?.status === 200) return candidate;
  }
  return candidates.at(-1)!;
}

export const kb = (n: number) => (Number.isFinite(n) ? `${(n / 1024).toFixed(1)} KB` : "–");
const ms = (n: number) => (Number.isFinite(n) ? `${n >= 100 ? n.toFixed(0) : n.toFixed(1)}` : "–");

/** Prints `rows` as a Markdown table, each figure also as a ratio to the row named `floorName`. */
export function printTable(rows: Row[], floorName: string): void {
  const floor = rows.find((r) => r.name === floorName)?.result;
  const header = ["target", "req/s", "× floor", "p50 ms", "p99 ms", "p50 × floor", "CPU ms/req", "PG CPU ms/req", "bytes (gz)", "SQL/req", "errors", "path"];
  const lines = rows.map((r) => {
    const res = r.result;
    return [
      r.name,
      res ? res.rps.toFixed(1) : "–",
      res && floor ? (res.rps / floor.rps).toFixed(3) : "–",
      res ? ms(res.p50) : "–",
      res ? ms(res.p99) : "–",
      res && floor ? (res.p50 / floor.p50).toFixed(1) : "–",
      r.cpuMs !== undefined ? r.cpuMs.toFixed(1) : "–",
      r.pgCpuMs !== undefined ? r.pgCpuMs.toFixed(1) : "–",
      r.probe ? `${kb(r.probe.bytes)}${r.probe.encoding ? ` ${r.probe.encoding}` : " raw"}` : "–",
      r.probe?.sql == null ? "–" : r.probe.sqlWarm !== null && r.probe.sqlWarm !== r.probe.sql ? `${r.probe.sql} (${r.probe.sqlWarm} warm)` : String(r.probe.sql),
      res ? `${res.errors}/${res.requests}${res.errors ? ` ${JSON.stringify(res.statuses)}` : ""}` : (r.note ?? "–"),
      r.path.replace(/cursor=.*/, "cursor=…"),
    ].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(fmt(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) if (r.note) console.log(`  ${r.name}: ${r.note}`);
}

/**
 * Requests abandoned at the timeout still run in the server: before the next target, wait (at
 * most 3 minutes) until the health endpoint on `port` answers in under 250 ms twice in a row.
 */
export async function quiesce(port: number): Promise<void> {
  const started = performance.now();
  let fast = 0;
  while (fast < 2 && performance.now() - started < 180_000) {
    const t = performance.now();
    const ok = await fetch(`http://127.0.0.1:${port}/api/v1/health`, { signal: AbortSignal.timeout(30_000) })
      .then((r) => r.ok)
      .catch(() => false);
    fast = ok && performance.now() - t < 250 ? fast + 1 : 0;
    if (fast < 2) await new Promise((r) => setTimeout(r, 1000));
  }
  const waited = (performance.now() - started) / 1000;
  if (waited > 3) console.log(`   (waited ${waited.toFixed(0)} s for the server to finish abandoned requests)`);
}

/** Probes `target` once (bytes, SQL when `countSql`), then loads it closed-loop; fills `row` and logs a line. */
/**
 * Loads every target for a few seconds and discards the figures: V8 compiles the hot paths of the
 * first pages it serves, and without this the first target measured (the floor) came out up to a
 * third slower than the same page measured again, flattering every ratio to it.
 */
export async function warmUp(port: number, targets: readonly Target[], options: LoadOptions, seconds = 5): Promise<void> {
  console.log(`→ warm-up: ${targets.length} targets × ${seconds} s (not measured) …`);
  for (const target of targets) await load(port, target, { connections: options.connections, durationMs: Math.min(seconds * 1000, options.durationMs), timeoutMs: TIMEOUT_MS });
}

export async function measureRow(row: Row, port: number, target: Target, countSql: boolean, options: LoadOptions): Promise<void> {
  console.log(`→ ${row.name} (${row.path}) …`);
  row.probe = await probe(port, target, countSql);
  row.result = await load(port, target, { ...options, timeoutMs: TIMEOUT_MS });
  console.log(
    `   ${row.result.rps.toFixed(1)} req/s, p50 ${ms(row.result.p50)} ms, p99 ${ms(row.result.p99)} ms, ${kb(row.probe?.bytes ?? NaN)}, ${row.probe?.sql ?? "?"} SQL (${row.probe?.sqlWarm ?? "?"} warm), ${row.result.errors} errors ${JSON.stringify(row.result.statuses)}`,
  );
}
