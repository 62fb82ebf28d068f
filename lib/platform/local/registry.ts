import { PlatformError } from "../types";
import { KeyedMutex } from "./mutex";
import { allocateStablePort } from "./ports";
import { appKey, loadState, saveState, type AppRecord, type LocalState } from "./state";

/**
 * The apps the platform knows, backed by the state file: every change is written through at once
 * (callers mutate a record, then call save()), so a crash loses nothing that happened before it.
 */
export class AppRegistry {
  private readonly state: LocalState;
  private readonly allocation = new KeyedMutex();

  constructor(
    private readonly file: string,
    private readonly portBase: number,
    private readonly host: string,
  ) {
    this.state = loadState(file);
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
        const port = await allocateStablePort(this.portBase, taken, this.host);
        if (port === null) throw new PlatformError(`No free port from ${this.portBase} upward for ${key}: free some or set SLIPWAY_LOCAL_PORT_BASE`);
        const record: AppRecord = { environment, app, port, maintenance: null, active: null, standby: null };
        this.state.apps[key] = record;
        this.save();
        return record;
      })
    );
  }

  /** Forgets the app: its port becomes free for the next app that needs one. */
  remove(environment: string, app: string): void {
    delete this.state.apps[appKey(environment, app)];
    this.save();
  }

  save(): void {
    saveState(this.file, this.state);
  }
}
