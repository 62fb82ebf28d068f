import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { isOurProcess } from "../processes";
import { loadState, type AppRecord, type SlotRecord } from "../state";
import { AppProxy, type Backend } from "./proxy";
import { writeRouterInfo, type RouterInfo } from "./info";

/** How long a "this pid runs our artifact" answer is trusted: /proc is read at most this often per pid. */
const LIVENESS_CACHE_MS = 250;

export interface RouterOptions {
  /** The local platform's state file: the router's routing table (Slipway writes it, the router only reads). */
  stateFile: string;
  /** Where the router writes `router.json` (its pid, control port and token). */
  infoFile: string;
  host: string;
  log: (line: string) => void;
}

/** Per app: listening or why not, and when its address was last asked for anything. */
export interface RouterAppStatus {
  listening: boolean;
  error: string | null;
  lastRequestAt: string | null;
}

export interface RouterStatus {
  pid: number;
  generation: number;
  apps: Record<string, RouterAppStatus>;
}

/**
 * The local platform's data plane: one long-lived process, apart from Slipway, that owns every
 * app's stable port and forwards to the slot the state file names. Slipway changes the state file,
 * then asks the router (over its control port) to reload it; a router started after a crash or a
 * reboot reads the same file and serves the same routes. Nothing here needs Slipway to be running.
 */
export class Router {
  private readonly proxies = new Map<string, AppProxy>();
  private readonly errors = new Map<string, string>();
  private readonly liveness = new Map<string, { at: number; alive: boolean }>();
  private records: Record<string, AppRecord> = {};
  private generation = 0;
  private control: http.Server | null = null;
  private readonly token = randomBytes(24).toString("hex");
  private reloading: Promise<void> = Promise.resolve();

  constructor(private readonly options: RouterOptions) {}

  /** Serves the routes of the state file and opens the control port; writes `router.json` last, when both work. */
  async start(): Promise<RouterInfo> {
    await this.reload();
    const control = http.createServer((req, res) => void this.handleControl(req, res));
    await new Promise<void>((resolve, reject) => {
      control.once("error", reject);
      control.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => resolve());
    });
    this.control = control;
    const address = control.address();
    const info: RouterInfo = {
      pid: process.pid,
      controlPort: typeof address === "object" && address ? address.port : 0,
      token: this.token,
      stateFile: this.options.stateFile,
      startedAt: new Date().toISOString(),
    };
    writeRouterInfo(this.options.infoFile, info);
    return info;
  }

  /**
   * Re-reads the state file and makes every proxy match it: listens on new apps' ports, closes the
   * ports of apps no longer there, and points each proxy at its record's slots. Reloads run one at a
   * time; a port that cannot be bound is reported per app (and retried on the next reload).
   */
  reload(): Promise<void> {
    // One failed reload must not poison the chain: the next one runs regardless.
    this.reloading = this.reloading.catch(() => undefined).then(() => this.reloadNow());
    return this.reloading;
  }

  private async reloadNow(): Promise<void> {
    let records: Record<string, AppRecord>;
    try {
      records = loadState(this.options.stateFile).apps;
    } catch (error) {
      // A damaged file changes nothing: keep serving the last good routes.
      this.options.log(`router: keeping the current routes, ${(error as Error).message}`);
      return;
    }
    this.records = records;
    for (const [key, proxy] of [...this.proxies]) {
      const record = records[key];
      if (record && record.port === proxy.port) continue;
      this.proxies.delete(key);
      await proxy.close();
    }
    for (const key of [...this.errors.keys()]) if (!records[key]) this.errors.delete(key);
    for (const [key, record] of Object.entries(records)) {
      let proxy = this.proxies.get(key);
      if (!proxy) {
        proxy = new AppProxy({ label: key, port: record.port, host: this.options.host, log: this.options.log, isRunning: (instance) => this.instanceRuns(key, instance.port) });
        try {
          await proxy.listen();
          this.proxies.set(key, proxy);
          this.errors.delete(key);
        } catch (error) {
          this.errors.set(key, (error as Error).message);
          continue;
        }
      }
      this.apply(proxy, record);
    }
    this.generation += 1;
  }

  /** Synchronous on purpose: a switch happens between two requests, never during one. */
  private apply(proxy: AppProxy, record: AppRecord): void {
    proxy.setMaintenance(record.maintenance);
    // Asleep: the proxy answers "waking up"; the request time is what Slipway reads to wake it.
    proxy.setAsleep(record.asleep ? () => {} : null);
    // A restarted instance still starting (not yet listening and healthy) gets no requests.
    const backend = (slot: SlotRecord): Backend => ({ buildId: slot.buildId, instances: slot.instances.filter((i) => !i.starting).map(({ id, port }) => ({ id, port })) });
    const share = record.standbyShare ?? 0;
    proxy.setBackend(record.active ? backend(record.active) : null, record.standby && share > 0 ? { backend: backend(record.standby), share } : null);
  }

  private instanceRuns(key: string, port: number): boolean {
    const record = this.records[key];
    for (const slot of [record?.active, record?.standby]) {
      const instance = slot?.instances.find((i) => i.port === port);
      if (!slot || !instance) continue;
      const cacheKey = `${instance.pid}:${slot.storePath}`;
      const cached = this.liveness.get(cacheKey);
      const now = Date.now();
      if (cached && now - cached.at < LIVENESS_CACHE_MS) return cached.alive;
      const alive = isOurProcess(instance.pid, slot.storePath);
      if (this.liveness.size > 10_000) this.liveness.clear();
      this.liveness.set(cacheKey, { at: now, alive });
      return alive;
    }
    return false;
  }

  status(): RouterStatus {
    const apps: Record<string, RouterAppStatus> = {};
    for (const key of Object.keys(this.records)) {
      const proxy = this.proxies.get(key);
      apps[key] = { listening: proxy !== undefined, error: this.errors.get(key) ?? null, lastRequestAt: proxy?.lastRequestAt?.toISOString() ?? null };
    }
    return { pid: process.pid, generation: this.generation, apps };
  }

  /** Closes every port and the control port. */
  async close(): Promise<void> {
    const control = this.control;
    this.control = null;
    control?.close();
    control?.closeAllConnections();
    const all = [...this.proxies.values()];
    this.proxies.clear();
    await Promise.all(all.map((p) => p.close()));
  }

  /** Whether `router.json` still names this process: when the data directory is deleted or another router took over, this one must go. */
  stillOwnsInfo(): boolean {
    try {
      const info = JSON.parse(fs.readFileSync(this.options.infoFile, "utf8")) as RouterInfo;
      return info.pid === process.pid && fs.existsSync(path.dirname(this.options.stateFile));
    } catch {
      return false;
    }
  }

  private authorized(req: http.IncomingMessage): boolean {
    const given = Buffer.from(String(req.headers.authorization ?? ""));
    const expected = Buffer.from(`Bearer ${this.token}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * The control port (127.0.0.1 only, bearer token from `router.json`, readable only by its owner):
   * `POST /reload` re-reads the state file and answers the status; `GET /status`; `POST /shutdown`.
   */
  private async handleControl(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    req.resume();
    if (!this.authorized(req)) return reply(401, { error: "bad or missing token" });
    try {
      if (req.method === "POST" && req.url === "/reload") {
        await this.reload();
        return reply(200, this.status());
      }
      if (req.method === "GET" && req.url === "/status") return reply(200, this.status());
      if (req.method === "POST" && req.url === "/shutdown") {
        reply(200, { stopping: true });
        res.once("finish", () => process.kill(process.pid, "SIGTERM"));
        return;
      }
      reply(404, { error: `unknown control request ${req.method} ${req.url}` });
    } catch (error) {
      reply(500, { error: (error as Error).message });
    }
  }
}
