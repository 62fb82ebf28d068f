/**
 * `npm run demo:traffic -- --env <name> [--rps 20] [--duration 5m]`: plays the users of one
 * environment. It reads the environment's app URLs from Slipway's API, then sends a steady stream
 * of requests (GET / and GET /api/items) to every app, so health samples, burn rates and canary
 * analysis have traffic to judge. Stops after --duration or on Ctrl+C, printing a status line every
 * 5 seconds. Uses only the public API, so it works while Slipway runs on the embedded database.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatDuration, parseDuration } from "@/lib/config/duration";
import { environmentPath } from "@/lib/paths";
import { describeApiError, UsageError } from "./demo-build";

export const USAGE = `Usage: npm run demo:traffic -- --env <name> [options]

  --env <name>         the environment whose apps get the traffic (dev, staging, shop/prod, a review environment…)
  --rps <n>            requests per second, in total across its apps (default 20)
  --duration <d>       how long to run, e.g. 30s, 5m, 1h (default 5m; Ctrl+C stops earlier)
  --url <url>          Slipway's address; default http://localhost:$PORT (3000)
  --token <token>      default: $SLIPWAY_TOKEN, else <data dir>/demo-token`;

export const PATHS = ["/", "/api/items"] as const;
export const STATUS_EVERY_MS = 5_000;
const MAX_RPS = 1000;
// Requests still waiting beyond this many are not joined by new ones: a hung app must not make
// this process pile up sockets. They are counted as skipped.
const MAX_IN_FLIGHT = 500;
const REQUEST_TIMEOUT_MS = 10_000;

type Env = Record<string, string | undefined>;

export interface DemoTrafficPlan {
  environment: string;
  rps: number;
  durationMs: number;
  url: string;
  token: string | undefined;
  dataDir: string;
}

/** Pure: command-line arguments and environment → what to do. Throws UsageError. */
export function parseDemoTrafficArgs(argv: string[], env: Env): DemoTrafficPlan {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { env: { type: "string" }, rps: { type: "string" }, duration: { type: "string" }, url: { type: "string" }, token: { type: "string" } },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!values.env) throw new UsageError("--env is required: the environment whose apps get the traffic.");
  if (!/^([a-z0-9][a-z0-9_.-]*\/)?[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(values.env)) {
    throw new UsageError(`--env "${values.env}" is not an environment name: lowercase letters, digits and dashes, qualified by its pipeline when several have it (shop/prod).`);
  }
  const rps = values.rps === undefined ? 20 : Number(values.rps);
  if (values.rps?.trim() === "" || !Number.isFinite(rps) || rps <= 0 || rps > MAX_RPS) {
    throw new UsageError(`--rps "${values.rps}" must be a number of requests per second above 0 and at most ${MAX_RPS}, e.g. 20.`);
  }
  const durationMs = parseDuration(values.duration ?? "5m");
  if (durationMs === null) throw new UsageError(`--duration "${values.duration}" is not a duration: use e.g. 30s, 5m or 1h30m.`);
  const url = (values.url ?? `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url "${url}" is not an http(s) address, e.g. http://localhost:3000.`);
  return {
    environment: values.env,
    rps,
    durationMs,
    url,
    token: values.token || env.SLIPWAY_TOKEN || undefined,
    dataDir: path.resolve(env.SLIPWAY_DATA_DIR || ".data"),
  };
}

export interface TrafficTarget {
  app: string;
  url: string;
}

/** The apps of GET /api/v1/environments/{name} that have a URL; the others are named as skipped. */
export function trafficTargets(environment: { apps?: { app: string; url: string | null }[] }): { targets: TrafficTarget[]; skipped: string[] } {
  const apps = environment.apps ?? [];
  return {
    targets: apps.filter((a) => a.url).map((a) => ({ app: a.app, url: a.url!.replace(/\/+$/, "") })),
    skipped: apps.filter((a) => !a.url).map((a) => a.app),
  };
}

/**
 * How many requests should have been sent `elapsedMs` into the run: one at the start, then one
 * every 1/rps seconds. Computed from the start, not from the last tick, so a slow tick catches up
 * instead of drifting below the rate.
 */
export function dueRequests(elapsedMs: number, rps: number, durationMs: number): number {
  const until = Math.min(Math.max(elapsedMs, 0), durationMs);
  const due = Math.floor((until * rps) / 1000) + 1;
  return Math.min(due, Math.ceil((durationMs * rps) / 1000));
}

/** The n-th request: apps in turn, each alternating between the paths, so every app sees both. */
export function requestFor(n: number, targets: readonly TrafficTarget[]): { app: string; url: string } {
  const target = targets[n % targets.length]!;
  return { app: target.app, url: `${target.url}${PATHS[Math.floor(n / targets.length) % PATHS.length]}` };
}

export interface AppCounts {
  requests: number;
  serverErrors: number;
  /** No answer at all: refused, reset or timed out. */
  unreachable: number;
}

export class TrafficStats {
  readonly total = new Map<string, AppCounts>();
  private window = new Map<string, AppCounts>();
  skipped = 0;

  constructor(readonly apps: readonly string[]) {
    for (const app of apps) this.total.set(app, { requests: 0, serverErrors: 0, unreachable: 0 });
    this.resetWindow();
  }

  record(app: string, outcome: number | "unreachable"): void {
    for (const counts of [this.total.get(app), this.window.get(app)]) {
      if (!counts) continue;
      counts.requests += 1;
      if (outcome === "unreachable") counts.unreachable += 1;
      else if (outcome >= 500) counts.serverErrors += 1;
    }
  }

  /** The counts since the last call, then a fresh window. */
  takeWindow(): Map<string, AppCounts> {
    const window = this.window;
    this.resetWindow();
    return window;
  }

  private resetWindow(): void {
    this.window = new Map(this.apps.map((app) => [app, { requests: 0, serverErrors: 0, unreachable: 0 }]));
  }
}

function share(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(1)}%` : "—";
}

/** One status line: elapsed time, answers in the window and per app its 5xx share (and failures to connect). */
export function formatStatus(elapsedMs: number, window: Map<string, AppCounts>, windowMs: number, skipped = 0): string {
  const answered = [...window.values()].reduce((sum, c) => sum + c.requests, 0);
  const apps = [...window].map(([app, c]) => {
    const answers = c.requests - c.unreachable;
    return `${app} ${share(c.serverErrors, answers)} 5xx${c.unreachable ? `, ${c.unreachable} unreachable` : ""}`;
  });
  const rate = windowMs > 0 ? ((answered * 1000) / windowMs).toFixed(1) : "0.0";
  return `[${formatDuration(elapsedMs)}] ${answered} requests (${rate}/s)  ${apps.join("  |  ")}${skipped ? `  (${skipped} skipped: too many still waiting)` : ""}`;
}

export interface Output {
  log(line: string): void;
  error(line: string): void;
}

export interface TrafficDeps {
  fetch: typeof fetch;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Aborted on Ctrl+C. */
  signal: AbortSignal;
}

function readDemoToken(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dataDir, "demo-token"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

async function loadTargets(plan: DemoTrafficPlan, token: string, deps: TrafficDeps, out: Output) {
  let response: Response;
  try {
    // "shop/prod" reads the pipeline's own route: a bare "prod" is ambiguous when several pipelines have one.
    const [pipeline, name] = plan.environment.includes("/") ? plan.environment.split("/") : [null, plan.environment];
    const route = pipeline ? `/api/v1${environmentPath(pipeline, name!)}` : `/api/v1/environments/${encodeURIComponent(name!)}`;
    response = await deps.fetch(`${plan.url}${route}`, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    out.error(`Cannot reach Slipway at ${plan.url} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is it running (npm start)? Or pass --url.`);
    return null;
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: reported as text.
  }
  if (!response.ok) {
    out.error(describeApiError(response.status, body, `the environment ${plan.environment}`));
    return null;
  }
  return trafficTargets(body as { apps?: { app: string; url: string | null }[] });
}

/** The whole command; returns the exit code (0 done, 1 Slipway or nothing to call, 2 usage). */
export async function runDemoTraffic(argv: string[], env: Env, out: Output, deps: TrafficDeps): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    out.log(USAGE);
    return 0;
  }
  let plan: DemoTrafficPlan;
  try {
    plan = parseDemoTrafficArgs(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  const token = plan.token ?? readDemoToken(plan.dataDir);
  if (!token) {
    out.error(`No API token. Pass one with --token or SLIPWAY_TOKEN (any user's token can read environments); in demo mode Slipway writes one to ${path.join(plan.dataDir, "demo-token")}.`);
    return 2;
  }
  const loaded = await loadTargets(plan, token, deps, out);
  if (!loaded) return 1;
  const { targets, skipped: withoutUrl } = loaded;
  if (targets.length === 0) {
    out.error(`Nothing runs in ${plan.environment} yet: deploy a release there first.`);
    return 1;
  }
  out.log(`Sending ${plan.rps} requests/s to ${targets.map((t) => `${t.app} (${t.url})`).join(", ")} for ${formatDuration(plan.durationMs)}. Ctrl+C stops.`);
  if (withoutUrl.length) out.log(`No URL yet, left out: ${withoutUrl.join(", ")}.`);

  const stats = new TrafficStats(targets.map((t) => t.app));
  const inFlight = new Set<Promise<void>>();
  const start = deps.now();
  let sent = 0;
  let lastStatus = start;
  const fire = (n: number) => {
    const request = requestFor(n, targets);
    if (inFlight.size >= MAX_IN_FLIGHT) {
      stats.skipped += 1;
      return;
    }
    const done: Promise<void> = deps
      .fetch(request.url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), headers: { "user-agent": "slipway-demo-traffic" } })
      .then(async (response) => {
        await response.arrayBuffer().catch(() => undefined); // drain, so the connection is reused
        stats.record(request.app, response.status);
      })
      .catch(() => stats.record(request.app, "unreachable"))
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };

  while (!deps.signal.aborted) {
    const elapsed = deps.now() - start;
    const due = dueRequests(elapsed, plan.rps, plan.durationMs);
    while (sent < due) fire(sent++);
    if (deps.now() - lastStatus >= STATUS_EVERY_MS) {
      out.log(formatStatus(elapsed, stats.takeWindow(), deps.now() - lastStatus, stats.skipped));
      lastStatus = deps.now();
    }
    if (elapsed >= plan.durationMs) break;
    await deps.sleep(Math.min(50, Math.max(5, 1000 / plan.rps)));
  }
  await Promise.allSettled([...inFlight]);
  const elapsed = deps.now() - start;
  out.log(`${deps.signal.aborted ? "Stopped" : "Done"}. In total: ${formatStatus(elapsed, stats.total, elapsed, stats.skipped).replace(/^\[[^\]]*\] /, "")}`);
  return 0;
}

// Run only as a command, not when the tests import this module.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  runDemoTraffic(process.argv.slice(2), process.env, console, {
    fetch,
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    signal: controller.signal,
  })
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
