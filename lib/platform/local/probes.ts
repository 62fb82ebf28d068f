import type { InstanceHealth } from "../types";
import type { SlotRecord } from "./state";
import type { ProcessView } from "./workers";

const PROBE_TIMEOUT_MS = 2000;

function errorText(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * Asks one instance for its health. An app that answers with a JSON object carrying `status` is
 * taken at its word (`healthy`, `degraded`; anything else is `unhealthy`) and needs HTTP 200. Any
 * other app (a static site, `python3 -m http.server`) is healthy when its health path answers
 * 2xx, as a load balancer's check would judge it. A 3xx/4xx/5xx or no answer is `unhealthy`.
 */
export async function probeHealth(instance: string, url: string): Promise<InstanceHealth> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { accept: "application/json" } });
    const raw = await response.text();
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
    } catch {
      // Not JSON: judged by the status code alone.
    }
    const reported = text(body.status);
    const ok = reported === undefined ? response.status >= 200 && response.status < 300 : response.status === 200 && (reported === "healthy" || reported === "degraded");
    const status = ok ? (reported === "degraded" ? "degraded" : "healthy") : "unhealthy";
    return {
      instance,
      status,
      app: text(body.app),
      version: text(body.version),
      commit: text(body.commit),
      environment: text(body.environment),
      checks: body.checks,
      httpStatus: response.status,
      error: status === "unhealthy" ? `HTTP ${response.status}${reported ? `, status "${reported}"` : ""}` : undefined,
      latencyMs: latency(),
    };
  } catch (error) {
    return { instance, status: "unhealthy", error: errorText(error), latencyMs: latency() };
  }
}

// Scraping /metrics belongs to the metrics provider now; re-exported for the local platform's tests.
export { countersOf, parsePrometheus, scrapeMetrics, type Sample } from "@/lib/metrics/scrape";

/**
 * The health of every instance of `slot` at `healthPath` (with or without its leading slash): one
 * whose process is not running is `unhealthy` without a request, naming its log.
 */
export function slotHealth(slot: SlotRecord, processes: ProcessView, healthPath: string): Promise<InstanceHealth[]> {
  const suffix = healthPath.startsWith("/") ? healthPath : `/${healthPath}`;
  return Promise.all(
    slot.instances.map((instance) =>
      processes.isRunning(instance, slot)
        ? probeHealth(instance.id, `${processes.address(instance)}${suffix}`)
        : { instance: instance.id, status: "unhealthy" as const, error: `process ${instance.pid} is not running (log: ${instance.logPath})`, latencyMs: 0 },
    ),
  );
}
