import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./ports";
import { parsePrometheus, probeHealth, summariseTraffic } from "./probes";

describe("parsePrometheus", () => {
  it("reads names, labels and values, skipping comments", () => {
    const samples = parsePrometheus('# HELP x\nhttp_requests_total{code="2xx",path="/a\\"b"} 12\nup 1\nbad line\n');
    expect(samples).toEqual([
      { name: "http_requests_total", labels: { code: "2xx", path: '/a"b' }, value: 12 },
      { name: "up", labels: {}, value: 1 },
    ]);
  });
});

describe("summariseTraffic", () => {
  const instance = (ok: number, failed: number, buckets: [string, number][]) =>
    parsePrometheus(
      [`http_requests_total{code="2xx"} ${ok}`, `http_requests_total{code="5xx"} ${failed}`, ...buckets.map(([le, n]) => `http_request_duration_seconds_bucket{le="${le}"} ${n}`)].join("\n"),
    );

  it("sums requests and 5xx errors over instances and interpolates p95 in its bucket", () => {
    const a = instance(90, 10, [["0.1", 90], ["0.5", 100], ["+Inf", 100]]);
    const b = instance(100, 0, [["0.1", 100], ["0.5", 100], ["+Inf", 100]]);
    const sample = summariseTraffic([a, b]);
    expect(sample.requests).toBe(200);
    expect(sample.errors).toBe(10);
    // 190 ≤ 0.1 s, rank 190 of 200 falls exactly at the top of the first bucket.
    expect(sample.p95Ms).toBe(100);
    expect(summariseTraffic([instance(1, 0, [["0.1", 0], ["0.5", 10], ["+Inf", 10]])]).p95Ms).toBe(480);
  });

  it("counts numeric 5xx codes as errors and gives null p95 without observations", () => {
    const sample = summariseTraffic([parsePrometheus('http_requests_total{code="503"} 2\nhttp_requests_total{code="200"} 3')]);
    expect(sample).toEqual({ requests: 5, errors: 2, p95Ms: null });
  });

  it("reports the largest finite bound when p95 lies in +Inf", () => {
    expect(summariseTraffic([parsePrometheus('http_request_duration_seconds_bucket{le="1"} 0\nhttp_request_duration_seconds_bucket{le="+Inf"} 5')]).p95Ms).toBe(1000);
  });
});

describe("probeHealth", () => {
  let server: http.Server;
  let base = "";
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/ok") return res.end(JSON.stringify({ status: "healthy", app: "portal", version: "1.2.3", commit: "abc", environment: "qa", checks: { db: "ok" } }));
      if (req.url === "/degraded") return res.end(JSON.stringify({ status: "degraded" }));
      if (req.url === "/down") return res.writeHead(503).end(JSON.stringify({ status: "healthy" }));
      res.end("not json");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("copies what the app reports", async () => {
    expect(await probeHealth("portal-1", `${base}/ok`)).toMatchObject({ instance: "portal-1", status: "healthy", app: "portal", version: "1.2.3", commit: "abc", environment: "qa", checks: { db: "ok" }, httpStatus: 200 });
    expect((await probeHealth("p", `${base}/degraded`)).status).toBe("degraded");
  });

  it("is unhealthy on a non-200, a body without status, or no connection", async () => {
    expect(await probeHealth("p", `${base}/down`)).toMatchObject({ status: "unhealthy", httpStatus: 503 });
    expect(await probeHealth("p", `${base}/text`)).toMatchObject({ status: "unhealthy", error: expect.stringMatching(/no status/) });
    const closedPort = await freePort("127.0.0.1");
    expect(await probeHealth("p", `http://127.0.0.1:${closedPort}/health`)).toMatchObject({ status: "unhealthy", error: "ECONNREFUSED" });
  });
});
