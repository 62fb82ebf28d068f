import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "./ports";
import { countersOf, parsePrometheus, probeHealth } from "./probes";

describe("parsePrometheus", () => {
  it("reads names, labels and values, skipping comments", () => {
    const samples = parsePrometheus('# HELP x\nhttp_requests_total{code="2xx",path="/a\\"b"} 12\nup 1\nbad line\n');
    expect(samples).toEqual([
      { name: "http_requests_total", labels: { code: "2xx", path: '/a"b' }, value: 12 },
      { name: "up", labels: {}, value: 1 },
    ]);
  });
});

describe("countersOf", () => {
  it("counts requests, 5xx errors (either spelling) and keeps the latency histogram sorted", () => {
    const counters = countersOf(
      "portal-1#42",
      parsePrometheus(
        [
          'http_requests_total{code="2xx"} 90',
          'http_requests_total{code="5xx"} 7',
          'http_requests_total{code="503"} 3',
          'http_request_duration_seconds_bucket{le="+Inf"} 100',
          'http_request_duration_seconds_bucket{le="0.5"} 99',
          'http_request_duration_seconds_bucket{le="0.1"} 90',
          "up 1",
        ].join("\n"),
      ),
    );
    expect(counters).toEqual({
      instance: "portal-1#42",
      requests: 100,
      errors: 10,
      latency: [
        [0.1, 90],
        [0.5, 99],
        [Infinity, 100],
      ],
    });
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
      if (req.url === "/failing") return res.end(JSON.stringify({ status: "failing" }));
      if (req.url === "/missing") return res.writeHead(404).end("not found");
      res.end("<html>a static site</html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("copies what the app reports", async () => {
    expect(await probeHealth("portal-1", `${base}/ok`)).toMatchObject({ instance: "portal-1", status: "healthy", app: "portal", version: "1.2.3", commit: "abc", environment: "qa", checks: { db: "ok" }, httpStatus: 200 });
    expect((await probeHealth("p", `${base}/degraded`)).status).toBe("degraded");
  });

  it("judges an app that reports no status (any 12-factor app) by the HTTP status alone", async () => {
    expect(await probeHealth("p", `${base}/index.html`)).toMatchObject({ status: "healthy", httpStatus: 200, version: undefined });
    expect(await probeHealth("p", `${base}/missing`)).toMatchObject({ status: "unhealthy", httpStatus: 404, error: "HTTP 404" });
  });

  it("is unhealthy on a non-200, a reported status other than healthy or degraded, or no connection", async () => {
    expect(await probeHealth("p", `${base}/down`)).toMatchObject({ status: "unhealthy", httpStatus: 503 });
    expect(await probeHealth("p", `${base}/failing`)).toMatchObject({ status: "unhealthy", error: 'HTTP 200, status "failing"' });
    const closedPort = await freePort("127.0.0.1");
    expect(await probeHealth("p", `http://127.0.0.1:${closedPort}/health`)).toMatchObject({ status: "unhealthy", error: "ECONNREFUSED" });
  });
});
