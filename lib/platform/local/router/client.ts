import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { PlatformError } from "../../types";
import { isOurProcess, logTail } from "../processes";
import { readRouterInfo, type RouterInfo } from "./info";
import type { RouterStatus } from "./router";

/** The router's entry script, relative to the repository root (the working directory of Slipway and its scripts). */
export const ROUTER_SCRIPT = "lib/platform/local/router/main.ts";

export interface RouterClientOptions {
  stateFile: string;
  /** Directory of `router.json` and `router.log`. */
  dir: string;
  log: (line: string) => void;
  /** How long a new router may take to answer (default 20 s: tsx compiles it on a busy machine). */
  startTimeoutMs?: number;
}

/**
 * Slipway's side of the router: starts it detached when none runs for this data directory (or
 * adopts the one that does), and asks it to reload the state file after every change.
 */
export class RouterClient {
  private info: RouterInfo | null = null;
  private readonly script = path.resolve(ROUTER_SCRIPT);

  constructor(private readonly options: RouterClientOptions) {}

  get infoFile(): string {
    return path.join(this.options.dir, "router.json");
  }

  get logFile(): string {
    return path.join(this.options.dir, "router.log");
  }

  /** The router's pid, once it runs (for tests and logs). */
  get pid(): number | null {
    return this.info?.pid ?? null;
  }

  /** A router process of this data directory, running our script (not a reused pid). */
  private isOurs(info: RouterInfo | null): info is RouterInfo {
    return info !== null && info.stateFile === this.options.stateFile && isOurProcess(info.pid, this.script) && isOurProcess(info.pid, this.options.stateFile);
  }

  private ensuring: Promise<void> | null = null;

  /**
   * Adopts the running router, or starts one. Idempotent, and single-flight: concurrent callers
   * share one attempt (two routers racing for the same ports would each serve half the apps).
   * Throws PlatformError with the router's log when it cannot start.
   */
  ensureRunning(): Promise<void> {
    this.ensuring ??= this.ensureRunningNow().finally(() => {
      this.ensuring = null;
    });
    return this.ensuring;
  }

  private async ensureRunningNow(): Promise<void> {
    const known = readRouterInfo(this.infoFile);
    if (
      this.isOurs(known) &&
      (await this.request(known, "GET", "/status").then(
        () => true,
        () => false,
      ))
    ) {
      if (this.info?.pid !== known.pid) this.options.log(`local: adopted the router (pid ${known.pid})`);
      this.info = known;
      return;
    }
    if (this.isOurs(known)) process.kill(known.pid, "SIGKILL"); // alive but not answering: replace it
    await this.spawnRouter();
  }

  private async spawnRouter(): Promise<void> {
    if (!fs.existsSync(this.script)) throw new PlatformError(`The local platform's router ${this.script} is missing: run Slipway from its repository root`, true);
    fs.mkdirSync(this.options.dir, { recursive: true });
    const fd = fs.openSync(this.logFile, "a");
    let exit: string | null = null;
    try {
      // Detached, its own process group, no pipes to us: it outlives Slipway (the data plane).
      const child = spawn(process.execPath, ["--import", "tsx", this.script, this.options.stateFile, this.infoFile], {
        detached: true,
        stdio: ["ignore", fd, fd],
        cwd: process.cwd(),
        env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" },
      });
      child.on("error", (error) => (exit = error.message));
      child.once("exit", (code, signal) => (exit = signal ? `was killed by ${signal}` : `exited with code ${code}`));
      child.unref();
      const deadline = Date.now() + (this.options.startTimeoutMs ?? 20_000);
      while (Date.now() < deadline && !exit) {
        const info = readRouterInfo(this.infoFile);
        if (
          info &&
          info.pid === child.pid &&
          (await this.request(info, "GET", "/status").then(
            () => true,
            () => false,
          ))
        ) {
          this.info = info;
          this.options.log(`local: started the router (pid ${info.pid}, log ${this.logFile})`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!exit && child.pid) process.kill(child.pid, "SIGKILL");
    } finally {
      fs.closeSync(fd);
    }
    throw new PlatformError(`The local platform's router ${exit ?? "did not answer in time"}. Last lines of ${this.logFile}:\n${logTail(this.logFile)}`);
  }

  /**
   * Makes the router serve the state file as it is now. `require` names apps that must be
   * listening afterwards: a port another process holds is a (transient) PlatformError naming it.
   */
  async reload(require: string[] = []): Promise<RouterStatus> {
    const status = await this.call("POST", "/reload");
    const problems = require.map((key) => status.apps[key]).filter((app) => app && !app.listening);
    if (problems.length > 0) throw new PlatformError(problems.map((p) => p!.error ?? "not listening").join("\n"));
    return status;
  }

  /** Per app: listening, and when its address was last asked for anything. Null when the router cannot be reached. */
  async status(): Promise<RouterStatus | null> {
    return this.call("GET", "/status").catch(() => null);
  }

  /** Stops the router (every stable port closes). Waits until its process is gone. */
  async shutdown(): Promise<void> {
    const info = this.info ?? readRouterInfo(this.infoFile);
    this.info = null;
    if (!this.isOurs(info)) return;
    await this.request(info, "POST", "/shutdown").catch(() => process.kill(info.pid, "SIGTERM"));
    const deadline = Date.now() + 3000;
    while (isOurProcess(info.pid, this.script) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (isOurProcess(info.pid, this.script)) {
      process.kill(info.pid, "SIGKILL");
      for (let i = 0; i < 50 && isOurProcess(info.pid, this.script); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    fs.rmSync(this.infoFile, { force: true });
  }

  /** One control call; when the router has gone away (killed, rebooted), it is started again once and asked again. */
  private async call(method: "GET" | "POST", route: string): Promise<RouterStatus> {
    if (!this.info) await this.ensureRunning();
    try {
      return await this.request(this.info!, method, route);
    } catch {
      await this.ensureRunning();
      return this.request(this.info!, method, route).catch((error: Error) => {
        throw new PlatformError(`The local platform's router (pid ${this.info?.pid}) does not answer: ${error.message}`);
      });
    }
  }

  private async request(info: RouterInfo, method: "GET" | "POST", route: string): Promise<RouterStatus> {
    const response = await fetch(`http://127.0.0.1:${info.controlPort}${route}`, { method, headers: { authorization: `Bearer ${info.token}` }, signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as RouterStatus & { error?: string };
    if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
    return body;
  }
}
