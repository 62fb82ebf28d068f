/**
 * Starting and watching processes for the benchmark: Slipway's production server (scripts/start.ts,
 * as `npm start` runs it) and the raw floor, with their output in log files, plus RSS and CPU time
 * read from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import fs from "node:fs";

export interface Started {
  child: ChildProcess;
  /** ms from spawn to the first healthy answer. */
  startupMs: number;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Resident set size of `pid` in bytes (VmRSS), or null when it is gone. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) `pid` has used, or null when it is gone. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) of each PostgreSQL backend serving `databaseUrl`'s database, by pid,
 * from /proc (PostgreSQL on this machine): a page's statements cost the database server CPU besides
 * the web server's, and on a 2-core machine both bound its throughput. Null when PostgreSQL's
 * processes cannot be read (another host). Compare two readings with postgresCpuSecondsBetween.
 */
export async function postgresCpuByBackend(databaseUrl: string): Promise<Map<number, number> | null> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
    const byPid = new Map<number, number>();
    for (const { pid } of rows) {
      const seconds = cpuSecondsOf(pid);
      if (seconds !== null) byPid.set(pid, seconds);
    }
    return rows.length > 0 && byPid.size === 0 ? null : byPid;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * The CPU seconds PostgreSQL's backends used between two readings: each backend's growth, a
 * backend new since `before` counted whole. A backend that exited in between is not counted (its
 * CPU left with it), so the figure can only be low, never negative.
 */
export function postgresCpuSecondsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let seconds = 0;
  for (const [pid, now] of after) seconds += now - (before.get(pid) ?? 0) >= 0 ? now - (before.get(pid) ?? 0) : now;
  return seconds;
}

/** Polls `url` until it answers 2xx (or `timeoutMs` passes, or the child exits): resolves with the time it took. */
export async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number, started = performance.now()): Promise<number> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the process exited (${child.exitCode ?? child.signalCode}) before serving`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return performance.now() - started;
    } catch {
      // not up yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`no healthy answer from ${url} within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The V8 flags the production server runs with (package.json's `start`, the Dockerfile's CMD): a
 * young generation of 32 MB semi-spaces instead of 16, since a page render allocates a few MB that
 * die young; at 16 MB, garbage collection was a fifth of a large board's server time.
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=32"];

/** Spawns `node --import tsx <script> …args` (with SERVER_NODE_FLAGS for the server) with `env`, output appended to `logFile`, and waits for `healthUrl`. */
export async function startProcess(script: string, args: string[], env: NodeJS.ProcessEnv, logFile: string, healthUrl: string, timeoutMs = 180_000): Promise<Started> {
  const out = fs.openSync(logFile, "a");
  const started = performance.now();
  const flags = script === "scripts/start.ts" ? SERVER_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, "--import", "tsx", script, ...args], { env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  try {
    const startupMs = await waitHealthy(healthUrl, child, timeoutMs, started);
    return { child, startupMs };
  } catch (error) {
    await stopProcess(child);
    throw new Error(`${script}: ${(error as Error).message} (see ${logFile})`);
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
