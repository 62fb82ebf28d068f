import { PlatformError } from "../types";
import { KeyedMutex } from "./mutex";
import { allocateStablePort, canBind } from "./ports";
import { appKey, loadState, saveState, type AppRecord, type LocalState } from "./state";

/** How long a freed port rests before another app's URL may take it over: a day of old links. */
export const PORT_REST_MS = 24 * 3_600_000;

/**
 * The apps the platform knows, backed by the state file: every change is written through at once
 * (callers mutate a record, then call save()), so a crash loses nothing that happened before it.
 */
export class AppRegistry {
  private readonly state: LocalState;
  private readonly allocation = new KeyedMutex();

  private readonly restMs: number;
  private readonly span: number;
  private readonly now: () => number;

  /**
   * Options: `restMs`, how long a freed port rests before it is handed out again (default 24 h)
   * unless no other port is free; `span`, how many ports from the base are ours (default 1,000);
   * `now`, the clock (epoch ms) the rests are measured on.
   */
  constructor(
    private readonly file: string,
    private readonly portBase: number,
    private readonly host: string,
    options: { restMs?: number; span?: number; now?: () => number } = {},
  ) {
    this.state = loadState(file);
    this.restMs = options.restMs ?? PORT_REST_MS;
    this.span = options.span ?? 1000;
    this.now = options.now ?? Date.now;
  }

  get(environment: string, app: string): AppRecord | undefined {
    return this.byKey(appKey(environment, app));
  }

  byKey(key: string): AppRecord | undefined {
    return this.state.apps[key];
  }

  all(): AppRecord[] {
    return Object.values(this.state.apps);
  }

  require(environment: string, app: string): AppRecord {
    const record = this.get(environment, app);
    if (!record) throw new PlatformError(`${environment}/${app} is not deployed on the local platform: start a standby first`, true);
    return record;
  }

  /** The app's record, allocating its stable port on first use. Allocations run one at a time. */
  async ensure(environment: string, app: string): Promise<AppRecord> {
    const key = appKey(environment, app);
    return (
      this.get(environment, app) ??
      this.allocation.run("ports", async () => {
        const existing = this.state.apps[key];
        if (existing) return existing;
        const taken = new Set(this.all().map((r) => r.port));
        const resting = this.restingPorts();
        // Its own old port first (an old link to it then opens it again), else a port that never served another.
        const own = resting.filter((p) => this.state.freedPorts?.[p]?.key === key);
        const port = (await this.firstBindable(own)) ?? (await allocateStablePort(this.portBase, new Set([...taken, ...resting]), this.host, this.span)) ?? (await this.firstBindable(resting));
        if (port !== null) delete this.state.freedPorts?.[port];
        if (port === null) throw new PlatformError(`No free port in ${this.portBase}–${Math.min(this.portBase + this.span, 65536) - 1} for ${key}: free some or set SLIPWAY_LOCAL_PORT_BASE`);
        const record: AppRecord = { environment, app, port, maintenance: null, active: null, standby: null };
        this.state.apps[key] = record;
        this.save();
        return record;
      })
    );
  }

  /** Forgets the app: its port rests (see the constructor), then serves the next app that needs one. */
  remove(environment: string, app: string): void {
    const record = this.get(environment, app);
    delete this.state.apps[appKey(environment, app)];
    if (record) this.state.freedPorts = { ...this.state.freedPorts, [record.port]: { at: new Date(this.now()).toISOString(), key: appKey(environment, app) } };
    this.save();
  }

  /** Ports still resting, oldest-freed first; forgets the ones whose rest is over. */
  private restingPorts(): number[] {
    const freed = this.state.freedPorts ?? {};
    const cutoff = this.now() - this.restMs;
    for (const [port, { at }] of Object.entries(freed)) if (!(Date.parse(at) > cutoff)) delete freed[port];
    return Object.entries(freed)
      .sort(([, a], [, b]) => Date.parse(a.at) - Date.parse(b.at))
      .map(([port]) => Number(port));
  }

  /** The first of `ports` that can be bound now (resting ports: oldest-freed first), or null. */
  private async firstBindable(ports: number[]): Promise<number | null> {
    for (const port of ports) if (await canBind(port, this.host)) return port;
    return null;
  }

  save(): void {
    saveState(this.file, this.state);
  }
}
