/**
 * A small closed-loop load generator on node:http (no dependency): `connections` workers each send
 * the next request as soon as the previous one ends, for `durationMs`, over keep-alive sockets.
 * node:http does not decompress, so the bytes counted are the bytes on the wire (compressed when
 * the server compresses). Latency is from sending the request to the last body byte.
 */
import http from "node:http";

export interface Target {
  method?: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  /** A fresh body per request (e.g. a new Idempotency-Key each time). */
  body?: () => { body: string; headers?: Record<string, string> };
}

export interface Sample {
  status: number;
  ms: number;
  bytes: number;
  encoding: string | null;
  error?: string;
}

export interface LoadResult {
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  rps: number;
  meanBytes: number;
}

/** Sends one request and reads the whole response. Never throws: a failure is a sample with status 0. */
export function send(agent: http.Agent, port: number, target: Target, timeoutMs: number): Promise<Sample> {
  const started = performance.now();
  const made = target.body?.();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        agent,
        method: target.method ?? "GET",
        path: target.path,
        headers: { "accept-encoding": "gzip, br", ...target.headers, ...made?.headers, ...(made ? { "content-length": Buffer.byteLength(made.body) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => (bytes += chunk.length));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, bytes, encoding: (res.headers["content-encoding"] as string | undefined) ?? null }));
        res.on("error", (error) => resolve({ status: 0, ms: performance.now() - started, bytes, encoding: null, error: error.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", (error) => resolve({ status: 0, ms: performance.now() - started, bytes: 0, encoding: null, error: error.message }));
    if (made) req.write(made.body);
    req.end();
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Runs the closed loop; requests still in flight at the end are awaited (each bounded by `timeoutMs`) and counted. */
export async function load(port: number, target: Target, options: { connections: number; durationMs: number; timeoutMs: number }): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const samples: Sample[] = [];
  const started = performance.now();
  const end = started + options.durationMs;
  await Promise.all(
    Array.from({ length: options.connections }, async () => {
      while (performance.now() < end) samples.push(await send(agent, port, target, options.timeoutMs));
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const ok = samples.filter((s) => s.status >= 200 && s.status < 400);
  const latencies = ok.map((s) => s.ms).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const s of samples) statuses[s.status || "error"] = (statuses[s.status || "error"] ?? 0) + 1;
  return {
    requests: samples.length,
    errors: samples.length - ok.length,
    statuses,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    rps: ok.length / elapsed,
    meanBytes: ok.length ? ok.reduce((a, s) => a + s.bytes, 0) / ok.length : NaN,
  };
}
