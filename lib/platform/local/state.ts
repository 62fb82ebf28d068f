import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { PlatformError } from "../types";
import type { RestartTrack } from "./restart-policy";

/**
 * A `web` process of a slot, listening on its own port; started again on the same port when it
 * exits (restart-policy.ts: `restarts`, `backoffStep`, `exitedAt`, each absent in older state).
 */
export interface InstanceRecord extends RestartTrack {
  /** e.g. `portal-2`; passed to the app as SLIPWAY_INSTANCE. */
  id: string;
  pid: number;
  port: number;
  logPath: string;
  /** When this process started (ISO 8601); absent in state written before instances were listed. */
  startedAt?: string;
  /**
   * Set while a restarted process is not yet ready (listening and healthy): its pid is saved at
   * once, but the router sends it no requests until this is cleared. Absent: ready.
   */
  starting?: boolean;
}

/** A long-running Procfile process besides `web` (worker, clock, …): no port, restarted when it exits. */
export interface WorkerRecord extends RestartTrack {
  /** e.g. `portal-worker-1`; passed as SLIPWAY_INSTANCE. */
  id: string;
  /** The Procfile process type. */
  type: string;
  pid: number;
  logPath: string;
  startedAt: string;
  /** How often the platform started it again after it exited. */
  restarts: number;
}

export interface SlotRecord {
  buildId: string;
  releaseId: string;
  version: string;
  commit: string;
  digest: string;
  /** The read-only release directory the processes run in (`cache/releases/<hex>`): also how a pid is recognised as ours. */
  storePath: string;
  /** Hash of config + instance count: the same build with other config is another slot. */
  configHash: string;
  reference: string;
  startedAt: string;
  instances: InstanceRecord[];
  /** Worker processes of the slot (absent: none). */
  workers?: WorkerRecord[];
  /**
   * The process id of the Slipway whose housekeeping starts this slot's exited processes again
   * (Housekeeping.remember); absent when none does (its config is not on disk, or that Slipway let
   * go). Read by the inspector, which cannot ask: a pid that no longer runs looks after nothing.
   */
  restartedBy?: number;
}

export interface AppRecord {
  environment: string;
  app: string;
  /** The stable port of the app's URL; allocated once, freed only by destroy(). */
  port: number;
  maintenance: { retryAfterSeconds: number } | null;
  /** Share of requests (0–100) sent to the standby slot while a rolling rollout moves traffic. */
  standbyShare?: number;
  /** Asleep: nothing runs; the proxy answers "waking up" and asks for a wake-up. */
  asleep?: boolean;
  active: SlotRecord | null;
  standby: SlotRecord | null;
}

/**
 * What the local platform remembers between runs of Slipway, in `<dataDir>/platform/local/state.json`.
 * It is the platform's own bookkeeping (ports, pids), never the source of truth for deployments:
 * the database is. It exists so a restarted Slipway can find and adopt the processes it started.
 */
export interface LocalState {
  version: 1;
  /** Keyed by `<environment>/<app>`. */
  apps: Record<string, AppRecord>;
  /**
   * Ports freed by destroy(), keyed by port: when (ISO 8601) and whose (`<environment>/<app>`). They
   * rest before another app gets them, so an old link to a torn-down review environment fails
   * instead of opening another one; the same environment and app spun up again gets its own back.
   * Absent in state written before ports rested.
   */
  freedPorts?: Record<string, { at: string; key: string }>;
}

export function appKey(environment: string, app: string): string {
  return `${environment}/${app}`;
}

export function emptyState(): LocalState {
  return { version: 1, apps: {} };
}

export function loadState(file: string): LocalState {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return emptyState();
    throw new PlatformError(`Cannot read the local platform's state ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as LocalState;
    if (parsed?.version !== 1 || typeof parsed.apps !== "object" || parsed.apps === null) throw new Error("unknown format");
    return parsed;
  } catch (error) {
    throw new PlatformError(`The local platform's state ${file} is damaged (${(error as Error).message}). Stop the apps it lists by hand if any still run, then delete the file.`, true);
  }
}

/** Writes to a temp file and renames it over the old one, so a crash never leaves half a file. */
export function saveState(file: string, state: LocalState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new PlatformError(`Cannot write the local platform's state ${file}: ${(error as Error).message}`);
  }
}
