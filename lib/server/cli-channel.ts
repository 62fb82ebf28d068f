import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { Connection } from "@/db/client";

/**
 * The CLIs' channel to a running Slipway on the embedded database. PGlite serves one process
 * (STACK.md trap 17), so while `npm start` holds the data directory a CLI cannot open it; instead
 * it sends its command to the running portal over a Unix socket in the data directory, readable and
 * writable by its owner only (mode 0600, created under umask 077), and the portal runs the very
 * same command on its own connection.
 *
 * Protocol: one JSON line each way. Request `{ "command": string, "args": object }`; response
 * `{ "ok": true, "result": any }` or `{ "ok": false, "error": { "message", "fields"?, "kind" } }`.
 */

/** Where the running portal listens: `<dataDir>/cli.sock` (absolute). */
export function cliSocketPath(dataDir: string): string {
  return path.resolve(dataDir, "cli.sock");
}

/** A command a CLI can run either on its own connection or, through the channel, on the portal's. */
export type CliCommand = (connection: Connection, args: Record<string, unknown>) => Promise<unknown>;

/** An error a command raises on purpose: its message (and field problems) go back to the CLI as they are. */
export interface ChannelErrorBody {
  message: string;
  fields?: Record<string, string> | undefined;
  /** "user": a problem with the request (exit 1); "internal": anything else. */
  kind: "user" | "internal";
}

/** The error a CLI gets when the portal refused or failed its command. */
export class RemoteCommandError extends Error {
  constructor(readonly body: ChannelErrorBody) {
    super(body.message);
  }
}

/** Request larger than this is refused: commands carry a few short arguments. */
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * Serves `commands` on `<dataDir>/cli.sock` for this process's `connection`. The caller must hold
 * the data directory's lock (a stale socket file from a crashed portal is replaced). `isUserError`
 * tells which thrown errors are the request's fault (their message goes back as it is); others go
 * back as "internal" with their message. Returns a function that stops serving and removes the file.
 */
export async function serveCliChannel(
  dataDir: string,
  connection: Connection,
  commands: Record<string, CliCommand>,
  isUserError: (error: unknown) => error is Error & { fields?: Record<string, string> | undefined },
): Promise<() => Promise<void>> {
  const socketPath = cliSocketPath(dataDir);
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer((socket) => {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) {
        respond(socket, { ok: false, error: { message: "The request is too large.", kind: "user" } });
        return;
      }
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      const line = buffer.slice(0, newline);
      socket.removeAllListeners("data");
      void handle(line).then((response) => respond(socket, response));
    });
  });

  async function handle(line: string): Promise<unknown> {
    let request: { command?: unknown; args?: unknown };
    try {
      request = JSON.parse(line) as typeof request;
    } catch {
      return { ok: false, error: { message: "The request is not JSON.", kind: "user" } };
    }
    const command = typeof request.command === "string" && Object.hasOwn(commands, request.command) ? commands[request.command] : undefined;
    if (!command) {
      return { ok: false, error: { message: `Unknown command ${JSON.stringify(request.command)}: this Slipway serves ${Object.keys(commands).join(", ")}.`, kind: "user" } };
    }
    const args = request.args && typeof request.args === "object" && !Array.isArray(request.args) ? (request.args as Record<string, unknown>) : {};
    try {
      return { ok: true, result: await command(connection, args) };
    } catch (error) {
      if (isUserError(error)) return { ok: false, error: { message: error.message, fields: error.fields, kind: "user" } };
      console.error(`[slipway] CLI command ${String(request.command)} failed:`, error);
      return { ok: false, error: { message: error instanceof Error ? error.message : String(error), kind: "internal" } };
    }
  }

  // Owner-only from the first moment: the socket file is created under umask 077, then made 0600.
  const previousUmask = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(previousUmask);
  }
  fs.chmodSync(socketPath, 0o600);
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(socketPath, { force: true });
  };
}

function respond(socket: net.Socket, response: unknown): void {
  if (socket.destroyed) return;
  socket.end(JSON.stringify(response) + "\n");
}

/** True when a portal's channel socket exists in `dataDir` (it may still be stale). */
export function cliChannelExists(dataDir: string): boolean {
  try {
    return fs.statSync(cliSocketPath(dataDir)).isSocket();
  } catch {
    return false;
  }
}

/**
 * Sends one command to the portal serving `dataDir` and returns its result. Throws
 * RemoteCommandError when the portal refused or failed it, or a connection error (ECONNREFUSED,
 * ENOENT) when no portal listens.
 */
export function callCliChannel(dataDir: string, command: string, args: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(cliSocketPath(dataDir));
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(JSON.stringify({ command, args }) + "\n"));
    socket.on("data", (chunk: string) => (buffer += chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      let response: { ok: boolean; result?: unknown; error?: ChannelErrorBody };
      try {
        response = JSON.parse(buffer) as typeof response;
      } catch {
        reject(new Error(`The running Slipway gave an unreadable answer to ${command}.`));
        return;
      }
      if (response.ok) resolve(response.result);
      else reject(new RemoteCommandError(response.error ?? { message: "The running Slipway refused the command.", kind: "internal" }));
    });
  });
}
