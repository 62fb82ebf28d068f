import fs from "node:fs";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { PlatformError, siblingVariables } from "../types";
import { portAnswers } from "./ports";

/** Slipway's own variables an app may see; everything else (AUTH_SECRET, DATABASE_URL, …) stays with Slipway. */
const INHERITED = ["PATH", "HOME", "TZ", "LANG"] as const;
const CONFIG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface AppEnvironmentInput {
  environment: string;
  app: string;
  instance: string;
  dataDir: string;
  reference: string;
  config: Record<string, string>;
  /** Siblings served elsewhere (app → URL): SLIPWAY_URL_<APP>. */
  siblings?: Record<string, string> | undefined;
  port?: number;
  /** The release directory the process runs in: SLIPWAY_RELEASE_DIR, also how its pid is recognised later. */
  releaseDir?: string;
}

/**
 * The complete environment of an app process. Built from an allow-list, never from a copy of
 * process.env, so Slipway's secrets cannot leak into apps. Config may override NODE_ENV, TZ and
 * LANG, but not the variables the platform itself relies on (PORT, SLIPWAY_*).
 */
export function appEnvironment(input: AppEnvironmentInput, parent: Record<string, string | undefined> = process.env): Record<string, string> {
  const env: Record<string, string> = { NODE_ENV: "production" };
  for (const name of INHERITED) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(input.config)) {
    if (!CONFIG_NAME.test(name)) {
      throw new PlatformError(`Config variable "${name}" of ${input.environment}/${input.app} is not a valid environment variable name`, true);
    }
    if (name === "PORT" || name.startsWith("SLIPWAY_")) {
      throw new PlatformError(`Config variable ${name} of ${input.environment}/${input.app} is reserved: the platform sets it`, true);
    }
    env[name] = String(value);
  }
  if (input.port !== undefined) env.PORT = String(input.port);
  env.SLIPWAY_ENVIRONMENT = input.environment;
  env.SLIPWAY_APP = input.app;
  env.SLIPWAY_INSTANCE = input.instance;
  env.SLIPWAY_DATA_DIR = input.dataDir;
  env.SLIPWAY_REFERENCE = input.reference;
  Object.assign(env, siblingVariables(input.siblings));
  if (input.releaseDir !== undefined) env.SLIPWAY_RELEASE_DIR = input.releaseDir;
  return env;
}

/**
 * Whether `pid` is still the process we started from `storePath` (a release directory). A pid
 * recorded before a restart may have been reused by an unrelated process: on Linux its start-up
 * environment (SLIPWAY_RELEASE_DIR) or command line tells them apart (a zombie has neither, so it
 * counts as gone). Elsewhere, existence is all we can check.
 */
export function isOurProcess(pid: number, storePath: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    if (fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(storePath)) return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ENOENT" || !fs.existsSync("/proc/self");
  }
  try {
    // Another user's process (a reused pid) cannot be read: not ours.
    return fs.readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`SLIPWAY_RELEASE_DIR=${storePath}`);
  } catch {
    return false;
  }
}

/** The last lines of a log file, for error messages a person can act on. */
export function logTail(file: string, lines = 20, maxBytes = 8192): string {
  try {
    const fd = fs.openSync(file, "r");
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString("utf8").split("\n").filter(Boolean).slice(-lines).join("\n");
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return "(no log)";
  }
}

export interface SpawnInput {
  /** A Procfile command, run by /bin/sh -c (so $PORT and other variables expand). */
  command: string;
  env: Record<string, string>;
  logPath: string;
  cwd: string;
}

/**
 * Starts one app process, detached (its own process group: Ctrl+C in Slipway's terminal does not
 * reach it, and it survives a crash of Slipway to be adopted later) with output appended to its log.
 */
export function spawnApp(input: SpawnInput): ChildProcess {
  fs.mkdirSync(path.dirname(input.logPath), { recursive: true });
  const fd = fs.openSync(input.logPath, "a");
  try {
    fs.writeSync(fd, `[slipway] ${new Date().toISOString()} starting ${input.env.SLIPWAY_INSTANCE} (${input.env.SLIPWAY_REFERENCE})\n`);
    const child = spawn("/bin/sh", ["-c", input.command], {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: input.env as NodeJS.ProcessEnv, // complete by construction (appEnvironment), NODE_ENV included
      cwd: input.cwd,
    });
    // Errors (e.g. EAGAIN) surface through the exit wait below; without a listener they would crash Slipway.
    child.on("error", () => {});
    child.unref();
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Waits until the instance accepts TCP connections on its port. Fails early when the process exits,
 * and after `timeoutMs` when it never listens; both errors carry the tail of its log.
 */
export async function waitUntilListening(child: ChildProcess, port: number, host: string, logPath: string, timeoutMs: number, label: string): Promise<void> {
  const started = Date.now();
  let exit: string | null = null;
  const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
    exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  };
  if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  child.once("exit", onExit);
  try {
    while (Date.now() - started < timeoutMs) {
      if (exit) break;
      if (await portAnswers(port, host, 500)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    child.off("exit", onExit);
  }
  const why = exit ? `${exit} before listening on port ${port}` : `did not listen on port ${port} within ${Math.round(timeoutMs / 1000)} s`;
  throw new PlatformError(`${label} ${why}. Last lines of ${logPath}:\n${logTail(logPath)}`);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the whole group: an app's own children go too
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Which of `groups` (each a process group id, the pid of the `/bin/sh -c` that led it, and the
 * release directory it runs) still hold a process of ours with the leader itself gone: the shell
 * of a Procfile command killed (or crashed) while the app it started runs on, holding its port.
 * Linux does not hand out a pid again while a group of that id exists, and the members' start-up
 * environment (inherited from the shell) says they run the release. One pass over /proc for all
 * of them; without /proc, a live group is taken for ours.
 * @returns the group ids (leader pids) that still hold one of ours
 */
export function groupsHoldingOurs(groups: readonly { pid: number; storePath: string }[]): Set<number> {
  const live = groups.filter((g) => {
    if (!Number.isInteger(g.pid) || g.pid <= 0) return false;
    try {
      process.kill(-g.pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  const holding = new Set<number>();
  if (live.length === 0) return holding;
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    for (const g of live) holding.add(g.pid);
    return holding;
  }
  const wanted = new Map(live.map((g) => [g.pid, `SLIPWAY_RELEASE_DIR=${g.storePath}`]));
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const group = Number(fields[2]);
      const marker = wanted.get(group);
      if (marker === undefined || holding.has(group) || fields[0] === "Z" || fields[0] === "X") continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(marker)) holding.add(group);
    } catch {
      // gone meanwhile, or another user's
    }
  }
  return holding;
}

/** The targets still running: the instance's process, or what it started (its process group). */
function stillOurs<T extends { pid: number; storePath: string }>(targets: readonly T[]): T[] {
  const leaderless = targets.filter((t) => !isOurProcess(t.pid, t.storePath));
  const holding = groupsHoldingOurs(leaderless);
  return targets.filter((t) => !leaderless.includes(t) || holding.has(t.pid));
}

/**
 * SIGTERM, then SIGKILL after `graceMs` for whatever still runs. Each target's whole process group
 * is signalled, also when its leader is gone but what it started is not (groupsHoldingOurs); pids no
 * longer ours are left alone.
 */
export async function stopProcesses(targets: { pid: number; storePath: string }[], graceMs = 3000): Promise<void> {
  const ours = stillOurs(targets);
  for (const t of ours) signalGroup(t.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  let running = ours;
  while (running.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    running = stillOurs(running);
  }
  for (const t of running) signalGroup(t.pid, "SIGKILL");
  // SIGKILL cannot be refused, but the process needs a moment to be gone (and free its port).
  const killDeadline = Date.now() + 1000;
  while (running.length > 0 && Date.now() < killDeadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    running = stillOurs(running);
  }
}
