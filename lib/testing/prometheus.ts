import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { renderPrometheusConfig } from "@/lib/metrics/prometheus-config";

/** Debian's Prometheus (`apt-get install prometheus`, 2.42 on Debian 12); PROMETHEUS_BIN overrides. */
export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";

/** Whether tests that need a real Prometheus can run here. */
export const prometheusAvailable = (): boolean => fs.existsSync(PROMETHEUS_BIN);

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface RunningPrometheus {
  url: string;
  /** The instant vector of `query` now, as [labels, value] pairs. Throws on an error answer. */
  query(query: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the real Prometheus binary (never the system service, STACK.md trap 19) with a generated
 * config that scrapes `targetsFile` every `scrapeInterval`, its TSDB under `dir`, on a free port
 * of 127.0.0.1; resolves once `/-/ready` answers (at most 60 s, else it is stopped and this throws
 * with what it printed). The caller must `stop()` it (STACK.md trap 18).
 */
export async function startPrometheus(options: { dir: string; targetsFile: string; scrapeInterval?: string }): Promise<RunningPrometheus> {
  const port = await freePort();
  const configFile = path.join(options.dir, "prometheus.yml");
  fs.mkdirSync(path.join(options.dir, "tsdb"), { recursive: true });
  fs.writeFileSync(configFile, renderPrometheusConfig({ targetsFile: options.targetsFile, scrapeInterval: options.scrapeInterval ?? "1s" }));
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(options.dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn", "--storage.tsdb.retention.time=1h"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  };

  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode} before it was ready:\n${output}`);
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (attempt >= 240) {
      await stop();
      throw new Error(`prometheus was not ready within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    url,
    stop,
    async query(query) {
      const response = await fetch(`${url}/api/v1/query`, { method: "POST", body: new URLSearchParams({ query }), signal: AbortSignal.timeout(5_000) });
      const body = (await response.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== "success") throw new Error(`prometheus refused ${query}: ${body.error}`);
      return body.data!.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
