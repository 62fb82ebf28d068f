import http from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { PlatformError } from "../../types";

export interface Backend {
  buildId: string;
  instances: { id: string; port: number }[];
}

export interface AppProxyOptions {
  /** `<environment>/<app>`, shown on the pages the proxy answers itself. */
  label: string;
  port: number;
  host: string;
  /** Whether an instance's process still runs: dead ones are skipped, not tried. */
  isRunning: (instance: { id: string; port: number }, backend: Backend) => boolean;
  log: (line: string) => void;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}small{color:#6b7280}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(body)}</p><p><small>Slipway local platform</small></p></body></html>\n`;
}

/**
 * The stable address of one app: listens on its fixed port and forwards to the active slot.
 * Switching is one assignment of `backend`: requests already forwarded finish against the old
 * instances (which stay up as the standby), new ones go to the new instances.
 */
export class AppProxy {
  private backend: Backend | null = null;
  private standby: Backend | null = null;
  /** Requests per hundred that go to the standby (a rolling rollout in progress). */
  private standbyShare = 0;
  private sent = 0;
  private maintenance: { retryAfterSeconds: number } | null = null;
  private asleep: (() => void) | null = null;
  /** When the address was last asked for anything: how the platform tells an idle environment. */
  lastRequestAt: Date | null = null;
  private next = 0;
  private server: http.Server | null = null;
  private readonly proxy = createProxyServer({ xfwd: true });

  constructor(private readonly options: AppProxyOptions) {
    // Errors are answered per request (callback below); this listener keeps http-proxy-3 from rethrowing stray ones.
    this.proxy.on("error", (error) => options.log(`proxy ${options.label}: ${error.message}`));
  }

  get port(): number {
    return this.options.port;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  setBackend(backend: Backend | null, standby: { backend: Backend; share: number } | null = null): void {
    this.backend = backend;
    this.standby = standby && standby.share > 0 ? standby.backend : null;
    this.standbyShare = standby ? Math.min(100, Math.max(0, standby.share)) : 0;
    this.next = 0;
    this.sent = 0;
  }

  setMaintenance(maintenance: { retryAfterSeconds: number } | null): void {
    this.maintenance = maintenance;
  }

  /** Asleep: every request answers "waking up" (the page reloads itself) and calls `onRequest`. */
  setAsleep(onRequest: (() => void) | null): void {
    this.asleep = onRequest;
  }

  /** Starts listening (idempotent). A busy port is a transient error: whoever holds it may let go. */
  async listen(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on("upgrade", (req, socket, head) => this.upgrade(req, socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          new PlatformError(
            error.code === "EADDRINUSE"
              ? `Port ${this.options.port} of ${this.options.label} is in use by another process (another Slipway on the same data directory?). Free it and retry.`
              : `Cannot listen on ${this.options.host}:${this.options.port} for ${this.options.label}: ${error.message}`,
          ),
        );
      });
      server.listen({ port: this.options.port, host: this.options.host, exclusive: true }, () => resolve());
    });
    server.on("error", (error) => this.options.log(`proxy ${this.options.label}: ${error.message}`));
    this.server = server;
  }

  /** Stops listening; idle keep-alive connections are closed at once, busy ones get a second to finish. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      server.close(() => {
        clearTimeout(force);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  /**
   * Which slot serves the next request: the standby gets exactly `standbyShare` of every hundred,
   * spread evenly (a running counter, not chance), so a 25% step means 25%.
   */
  private chooseBackend(): Backend | null {
    if (!this.standby || this.standbyShare === 0) return this.backend;
    this.sent += 1;
    const toStandby = Math.floor((this.sent * this.standbyShare) / 100) > Math.floor(((this.sent - 1) * this.standbyShare) / 100);
    return toStandby ? this.standby : this.backend;
  }

  /** Round-robin over the chosen backend's instances whose process runs. */
  private pick(): { backend: Backend; port: number } | null {
    const backend = this.chooseBackend();
    if (!backend) return null;
    const count = backend.instances.length;
    for (let i = 0; i < count; i++) {
      const instance = backend.instances[(this.next + i) % count]!;
      if (this.options.isRunning(instance, backend)) {
        this.next = (this.next + i + 1) % count;
        return { backend, port: instance.port };
      }
    }
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const label = this.options.label;
    this.lastRequestAt = new Date();
    if (this.asleep) {
      this.asleep();
      res.setHeader("retry-after", "5");
      res.setHeader("refresh", "3");
      return this.answer(res, 503, page(`Waking up ${label}…`, "This review environment was asleep after a quiet while. It is starting again; this page reloads by itself in a few seconds."));
    }
    if (this.maintenance) {
      res.setHeader("retry-after", String(this.maintenance.retryAfterSeconds));
      return this.answer(res, 503, page(`${label} is closed for maintenance`, "Please come back in a few minutes."));
    }
    if (!this.backend) {
      return this.answer(res, 503, page(`Nothing is deployed to ${label}`, "This address will serve the app as soon as a release is deployed here."));
    }
    const target = this.pick();
    if (!target) {
      res.setHeader("x-slipway-slot", this.backend.buildId);
      return this.answer(res, 502, page(`${label} is not running`, "No instance of the deployed release is running."));
    }
    res.setHeader("x-slipway-slot", target.backend.buildId);
    this.proxy.web(req, res, { target: { host: this.options.host, port: target.port } }, (error) => {
      this.options.log(`proxy ${label} → port ${target.port}: ${error.message}`);
      if (res.headersSent) res.destroy();
      else this.answer(res, 502, page(`${label} did not answer`, "The instance serving this request could not be reached. Try again."));
    });
  }

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const target = this.maintenance ? null : this.pick();
    if (!target) return void socket.destroy();
    this.proxy.ws(req, socket, head, { target: { host: this.options.host, port: target.port } }, () => socket.destroy());
  }

  private answer(res: http.ServerResponse, status: number, html: string): void {
    res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(html);
  }
}
