import { PlatformError } from "../types";
import { AppProxy } from "./proxy";
import { appKey, type AppRecord, type SlotRecord } from "./state";

export interface ProxyPoolOptions {
  host: string;
  /** Called when an asleep app's address is asked for. */
  onWakeRequest?: (environment: string) => void;
  log: (line: string) => void;
  /** The app's current record (the proxy always serves what it says now, not what it said at creation). */
  record: (key: string) => AppRecord | undefined;
  isRunning: (instance: { pid: number }, slot: SlotRecord) => boolean;
}

/** One listening proxy per known app, kept in line with the app's record. */
export class ProxyPool {
  private readonly proxies = new Map<string, AppProxy>();
  private closed = false;

  constructor(private readonly options: ProxyPoolOptions) {}

  /** Listens on the app's port if not yet, then serves what the record says. */
  async ensure(record: AppRecord): Promise<void> {
    if (this.closed) throw new PlatformError("The local platform has been closed (Slipway is shutting down)");
    const key = appKey(record.environment, record.app);
    if (!this.proxies.has(key)) {
      const proxy = new AppProxy({
        label: key,
        port: record.port,
        host: this.options.host,
        isRunning: (instance) => {
          const record = this.options.record(key);
          for (const slot of [record?.active, record?.standby]) {
            const known = slot?.instances.find((i) => i.port === instance.port);
            if (slot && known) return this.options.isRunning(known, slot);
          }
          return false;
        },
        log: this.options.log,
      });
      await proxy.listen();
      if (this.closed || this.proxies.has(key)) {
        await proxy.close(); // closed, or another caller won the race, while we were binding
        if (this.closed) throw new PlatformError("The local platform has been closed (Slipway is shutting down)");
      } else {
        this.proxies.set(key, proxy);
      }
    }
    this.apply(record);
  }

  /** Synchronous on purpose: a switch happens between two requests, never during one. */
  apply(record: AppRecord): void {
    const proxy = this.proxies.get(appKey(record.environment, record.app));
    if (!proxy) return;
    proxy.setMaintenance(record.maintenance);
    proxy.setAsleep(record.asleep ? () => this.options.onWakeRequest?.(record.environment) : null);
    const backend = (slot: SlotRecord) => ({ buildId: slot.buildId, instances: slot.instances.map(({ id, port }) => ({ id, port })) });
    const share = record.standbyShare ?? 0;
    proxy.setBackend(record.active ? backend(record.active) : null, record.standby && share > 0 ? { backend: backend(record.standby), share } : null);
  }

  /** When the app's address was last asked for anything, since this process started listening. */
  lastRequestAt(environment: string, app: string): Date | null {
    return this.proxies.get(appKey(environment, app))?.lastRequestAt ?? null;
  }

  async close(environment: string, app: string): Promise<void> {
    const key = appKey(environment, app);
    const proxy = this.proxies.get(key);
    this.proxies.delete(key);
    await proxy?.close();
  }

  /** Closes every proxy; no new one listens afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.proxies.values()];
    this.proxies.clear();
    await Promise.all(all.map((p) => p.close()));
  }
}
