import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PROMETHEUS_QUERIES } from "@/lib/config/metrics-schema";
import { PrometheusMetricsProvider, renderQuery } from "./prometheus-provider";
import { MetricsProviderError } from "./types";

/** A small stand-in for Prometheus's /api/v1/query: answers from a table of query → result. */
describe("PrometheusMetricsProvider", () => {
  let server: http.Server;
  let url: string;
  const seen: { query: string; time: string; authorization: string | undefined }[] = [];
  let answers: (query: string) => { status: number; body: unknown };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const form = new URLSearchParams(raw);
        seen.push({ query: form.get("query")!, time: form.get("time")!, authorization: req.headers.authorization });
        const answer = req.url === "/prom/api/v1/query" ? answers(form.get("query")!) : { status: 404, body: "not found" };
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prom`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const vector = (...values: number[]) => ({ status: 200, body: { status: "success", data: { resultType: "vector", result: values.map((v, i) => ({ metric: { instance: String(i) }, value: [1767225600, String(v)] })) } } });
  const provider = (tokenEnv?: string) => new PrometheusMetricsProvider({ url, ...(tokenEnv ? { tokenEnv } : {}), queries: { ...DEFAULT_PROMETHEUS_QUERIES } }, { PROM_TOKEN: "t0ken" });
  const target = { environment: "staging", app: "portal" };
  const at = new Date("2026-06-01T10:00:00Z");

  it("fills the labels and window into each query and sums the vector", async () => {
    answers = (q) => (q.includes("histogram_quantile") ? vector(0.2345) : q.includes('code=~"5.."') ? vector(3, 2) : vector(400.4, 99.6));
    seen.length = 0;
    expect(await provider("PROM_TOKEN").read(target, at, 15_000)).toEqual({ requests: 500, errors: 5, p95Ms: 235 });
    expect(seen.map((s) => s.query)).toContain('sum(increase(http_requests_total{environment="staging",app="portal"}[15s]))');
    expect(seen.every((s) => s.time === "1780308000.000" && s.authorization === "Bearer t0ken")).toBe(true);
  });

  it("says unknown (null) when Prometheus has no series for the app, and no errors when only the error series is empty", async () => {
    answers = () => vector();
    expect(await provider().read(target, at, 15_000)).toBeNull();
    answers = (q) => (q.includes('code=~"5.."') || q.includes("histogram") ? vector() : vector(10));
    expect(await provider().read(target, at, 15_000)).toEqual({ requests: 10, errors: 0, p95Ms: null });
  });

  it("fails with Prometheus's own message on a bad query or an unreachable server", async () => {
    answers = () => ({ status: 400, body: { status: "error", errorType: "bad_data", error: 'parse error at char 5: unexpected "}"' } });
    await expect(provider().read(target, at, 15_000)).rejects.toThrow(/parse error at char 5/);
    const down = new PrometheusMetricsProvider({ url: "http://127.0.0.1:9", queries: { ...DEFAULT_PROMETHEUS_QUERIES } });
    await expect(down.read(target, at, 15_000)).rejects.toBeInstanceOf(MetricsProviderError);
  });

  it("escapes label values so a name cannot break out of its quotes", () => {
    expect(renderQuery('x{environment="$environment"}[$window]', { environment: 'a"b\\c', app: "p" }, 60_500)).toBe('x{environment="a\\"b\\\\c"}[61s]');
  });

  it("fills $release with the deployed release's id, and with nothing when none is known", () => {
    const query = 'sum(increase(http_requests_total{app="$app",release="$release"}[$window]))';
    expect(renderQuery(query, { environment: "staging", app: "portal", release: "rel_1" }, 15_000)).toBe('sum(increase(http_requests_total{app="portal",release="rel_1"}[15s]))');
    expect(renderQuery(query, { environment: "staging", app: "portal", release: null }, 15_000)).toBe('sum(increase(http_requests_total{app="portal",release=""}[15s]))');
  });
});
