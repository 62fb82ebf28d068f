import type { HealthStatus, Strategy } from "@/db/schema/enums";

/**
 * The one interface through which Slipway touches infrastructure. The controller calls it; the
 * domain and services never do. Every method is idempotent (safe to call again after a crash or
 * a retry) and throws PlatformError with a message a person can act on.
 *
 * The interface is infrastructure-neutral: nothing in it is a process, a pid or a port of this
 * machine. What only one platform has stays on that platform's class (the local platform's
 * `shutdown({ stopApps })`, for instance), and traffic figures come through the metrics provider
 * (lib/metrics), not through the adapter. `describePlatformContract` (lib/platform/contract)
 * is the behaviour every adapter must show.
 *
 * Model: each app of each environment has a stable address (its URL) and up to two slots:
 * `active` (what the URL serves) and `standby` (a new release being prepared, or the previous
 * release kept warm after a switch). A slot runs `instances` copies of one build.
 */

/** The build a slot runs. `artifact` says where the platform finds it; `digest` is checked before start. */
export interface ArtifactRef {
  buildId: string;
  releaseId: string;
  app: string;
  version: string;
  commit: string;
  digest: string;
  artifact: string | null;
}

export interface AppSpec {
  environment: string;
  app: string;
  build: ArtifactRef;
  instances: number;
  /** Variables the app receives (config variables, already decrypted). */
  config: Record<string, string>;
  healthPath: string;
  /** Who asked: recorded by the platform for logs (e.g. the deployment id). */
  reference: string;
  /**
   * Long-running process types besides `web` (Procfile `worker:`, `clock:`, …) → how many run
   * (0–64). They get no address, restart when they exit and move with the slot. Absent: none.
   */
  workers?: Record<string, number>;
  /**
   * Sibling apps this environment does not run itself, app name → the URL that serves them (a
   * partial review environment inherits them from its source). The app receives each as
   * `SLIPWAY_URL_<APP>` (see siblingVariables). Absent: none.
   */
  siblings?: Record<string, string>;
}

/** The variable that carries a sibling's address: `api-gateway` → `SLIPWAY_URL_API_GATEWAY`. */
export function siblingVariable(app: string): string {
  return `SLIPWAY_URL_${app.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/** The variables an app receives for its siblings' addresses (empty when it has none). */
export function siblingVariables(siblings: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(siblings ?? {}).map(([app, url]) => [siblingVariable(app), url]));
}

export interface InstanceStatus {
  id: string;
  /** Where this instance listens, e.g. http://127.0.0.1:41234 (a pod IP on Kubernetes). */
  address: string;
  running: boolean;
}

export interface SlotStatus {
  /** Who started it (the AppSpec's reference, e.g. a deployment id): a redeploy or config change runs the same build in a new slot. */
  reference: string;
  buildId: string;
  releaseId: string;
  digest: string;
  version: string;
  startedAt: string;
  instances: InstanceStatus[];
}

export interface AppStatus {
  environment: string;
  app: string;
  /** The stable address people open; keeps working across deployments. */
  url: string | null;
  active: SlotStatus | null;
  standby: SlotStatus | null;
  /** Closed for maintenance: requests get 503 with Retry-After. */
  maintenance: boolean;
  /** Share of requests (0–100) the standby slot receives during a rolling rollout. */
  standbyShare: number;
  /** Asleep (idle review environment): nothing runs; the address answers "waking up". */
  asleep: boolean;
  /**
   * The last request to the app's address that the platform saw, if any. Also how an asleep
   * environment is woken: a request newer than the one recorded when it went to sleep.
   */
  lastRequestAt: string | null;
}

/** What one instance's health endpoint said. */
export interface InstanceHealth {
  instance: string;
  status: HealthStatus;
  /** As reported by the app itself: the verification compares these with what was deployed. */
  app?: string | undefined;
  version?: string | undefined;
  commit?: string | undefined;
  environment?: string | undefined;
  checks?: unknown;
  httpStatus?: number | undefined;
  error?: string | undefined;
  latencyMs: number;
}

export interface JobSpec {
  environment: string;
  app: string;
  /** The build whose code runs the job (normally the one being deployed). */
  build: ArtifactRef;
  job: string;
  config: Record<string, string>;
  reference: string;
  timeoutMs?: number;
}

export interface JobResult {
  exitCode: number;
  output: string;
  durationMs: number;
}

/** One process of an app as it runs now (the environment page and `GET …/instances`). */
export interface InstanceInfo {
  id: string;
  slot: "active" | "standby";
  /** Procfile process type: `web` serves at `address`; workers have none. */
  type: string;
  buildId: string;
  version: string;
  address: string | null;
  running: boolean;
  /** ISO 8601. */
  startedAt: string;
  /** How often the platform started this process again after it exited (Kubernetes: the container's restartCount). */
  restarts: number;
  /**
   * Set while the platform waits to start this exited process again (crash-loop back-off, as
   * Kubernetes' CrashLoopBackOff); null while it runs, or when nothing is about to restart it.
   */
  backOff: RestartBackOff | null;
}

/** A pending restart of an exited process. */
export interface RestartBackOff {
  /** The length of this wait in seconds (the local platform: 1, 2, 4 … 60); null when the platform does not say. */
  seconds: number | null;
  /** When the platform starts it again (ISO 8601); null when it does not say. Past: due on the platform's next look. */
  until: string | null;
}

/** The last lines of one instance's log (stdout and stderr together). */
export interface InstanceLog {
  instance: string;
  slot: "active" | "standby";
  type: string;
  lines: string[];
}

export class PlatformError extends Error {
  constructor(
    message: string,
    /** Retrying will not help (a digest mismatch, a missing artifact): fail at once. */
    readonly permanent = false,
  ) {
    super(message);
  }
}

export interface PlatformAdapter {
  readonly name: string;
  /** The rollout strategies this platform can carry out; the controller falls back to blue-green otherwise. */
  readonly strategies: readonly Strategy[];

  /**
   * Creates whatever the environment needs (addresses, data directories). `cloneFrom`: start with a
   * copy of that environment's data; `apps`: only these apps' data (a partial review environment
   * copies the data of the apps it runs itself; its source serves the rest). Without `apps`, every app's.
   */
  provision(environment: string, options?: { cloneFrom?: string; apps?: readonly string[] }): Promise<void>;

  /**
   * Starts `spec` in the standby slot, beside what serves now, without traffic. If the standby
   * already runs this build for the same `reference` (a retry), returns it as it is; anything else
   * in the standby slot is replaced.
   */
  startStandby(spec: AppSpec): Promise<SlotStatus>;

  /** Asks every instance of a slot for its health. */
  health(environment: string, app: string, slot: "active" | "standby", healthPath: string): Promise<InstanceHealth[]>;

  /** Points the stable address at the standby slot; the former active slot becomes the standby (warm). */
  switchTraffic(environment: string, app: string): Promise<void>;

  /**
   * Sends `standbyPercent` of the requests to the standby slot and the rest to the active one (a
   * rolling rollout moves traffic over in steps). 0 puts everything back on the active slot.
   */
  shiftTraffic(environment: string, app: string, standbyPercent: number): Promise<void>;

  /** Stops the standby slot (a release no longer kept warm, or a new one that failed). */
  stopStandby(environment: string, app: string): Promise<void>;

  /** Stops the active slot: the address answers 503 until a slot serves again (recreate). */
  stopActive(environment: string, app: string): Promise<void>;

  /**
   * Rolls back to `to` by switching traffic if it is the warm standby: returns "switched".
   * Returns "not-warm" when it is not, and the caller deploys it like any release.
   */
  rollback(environment: string, app: string, to: ArtifactRef): Promise<"switched" | "not-warm">;

  /** Opens or closes an app for maintenance (503 with Retry-After and a maintenance page). */
  setMaintenance(environment: string, app: string, closed: boolean, retryAfterSeconds?: number): Promise<void>;

  /** Runs a one-off job on exactly one instance; returns its output and exit status. */
  runJob(job: JobSpec): Promise<JobResult>;

  /** What runs for one app, or null if nothing does. */
  status(environment: string, app: string): Promise<AppStatus | null>;

  /** Every process of an app (both slots, web and workers); optional: adapters that cannot list them leave it out. */
  instances?(environment: string, app: string): Promise<InstanceInfo[]>;

  /** The last `tail` lines (1–1000) of each instance's log; optional like `instances`. */
  logs?(environment: string, app: string, tail: number): Promise<InstanceLog[]>;

  /** Everything the platform runs, for drift detection and adoption after a restart. */
  inventory(): Promise<AppStatus[]>;

  /**
   * Makes `spec` the active slot if it is not already (adopting processes that survived a
   * restart, or starting them again). Used to restore the recorded state on start-up.
   */
  ensureActive(spec: AppSpec): Promise<AppStatus>;

  /**
   * Puts an idle environment to sleep: its processes stop, its data and addresses stay. A request
   * to one of its addresses answers "waking up" and shows in `lastRequestAt`; the environment wakes
   * when its apps are made active again (`ensureActive`).
   */
  sleep(environment: string): Promise<void>;

  /** Stops everything of an environment and removes its data. */
  destroy(environment: string): Promise<void>;

  /**
   * Optional: releases what this adapter object holds in Slipway (connections, timers) when the
   * controller lets go of it. Never stops or changes what runs: the data plane outlives Slipway.
   */
  dispose?(): Promise<void>;
}
