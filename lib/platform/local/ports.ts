import net from "node:net";
import { PlatformError } from "../types";

/** True when nothing listens on `port` and we may bind it (checked by binding it for a moment). */
export function canBind(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port the OS considers free right now, for one instance. The OS picks from its ephemeral range
 * (32768+ on Linux), which stays clear of the stable ports allocated from the port base.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("the OS gave no free port"))));
    });
  });
}

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function portAnswers(port: number, host: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The lowest port from `base` upward that no app holds yet and that can be bound now. Ports are
 * handed out once per (environment, app) and persisted, so a URL never moves.
 */
export async function allocateStablePort(base: number, taken: Set<number>, host: string, span = 1000): Promise<number | null> {
  for (let port = base; port < Math.min(base + span, 65536); port++) {
    if (taken.has(port)) continue;
    if (await canBind(port, host)) return port;
  }
  return null;
}

/** The port base: an explicit option, else SLIPWAY_LOCAL_PORT_BASE, else 4100. */
export function resolvePortBase(explicit: number | undefined, env: Record<string, string | undefined> = process.env): number {
  const raw = explicit ?? (env.SLIPWAY_LOCAL_PORT_BASE ? Number(env.SLIPWAY_LOCAL_PORT_BASE) : 4100);
  if (!Number.isInteger(raw) || raw < 1024 || raw > 65000) {
    throw new PlatformError(`SLIPWAY_LOCAL_PORT_BASE: expected a port number between 1024 and 65000, got "${explicit ?? env.SLIPWAY_LOCAL_PORT_BASE}"`, true);
  }
  return raw;
}
