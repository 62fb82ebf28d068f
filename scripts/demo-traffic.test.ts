import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dueRequests, formatStatus, parseDemoTrafficArgs, requestFor, runDemoTraffic, TrafficStats, trafficTargets } from "./demo-traffic";
import { UsageError } from "./demo-build";

describe("parseDemoTrafficArgs", () => {
  it("fills the defaults: 20 requests/s for 5 minutes against localhost", () => {
    expect(parseDemoTrafficArgs(["--env", "staging"], { SLIPWAY_DATA_DIR: "/tmp/slipway-data" })).toEqual({
      environment: "staging",
      rps: 20,
      durationMs: 300_000,
      url: "http://localhost:3000",
      token: undefined,
      dataDir: "/tmp/slipway-data",
    });
    expect(parseDemoTrafficArgs(["--env", "dev"], { PORT: "4000" }).url).toBe("http://localhost:4000");
    expect(parseDemoTrafficArgs(["--env", "dev"], {}).dataDir).toBe(path.resolve(".data"));
  });

  it("takes the options, and the token from --token before SLIPWAY_TOKEN", () => {
    const plan = parseDemoTrafficArgs(["--env", "pr-42", "--rps", "2.5", "--duration", "1h30m", "--url", "http://127.0.0.1:9999/", "--token", "slw_a"], { SLIPWAY_TOKEN: "slw_env" });
    expect(plan).toMatchObject({ environment: "pr-42", rps: 2.5, durationMs: 5_400_000, url: "http://127.0.0.1:9999", token: "slw_a" });
    expect(parseDemoTrafficArgs(["--env", "dev"], { SLIPWAY_TOKEN: "slw_env" }).token).toBe("slw_env");
  });

  it.each([
    [[], "--env is required"],
    [["--env", "Prod!"], "not an environment name"],
    [["--env", "dev", "--rps", "0"], "--rps"],
    [["--env", "dev", "--rps", "lots"], "--rps"],
    [["--env", "dev", "--rps", "5000"], "at most 1000"],
    [["--env", "dev", "--duration", "5"], "--duration"],
    [["--env", "dev", "--duration", "0s"], "--duration"],
    [["--env", "dev", "--url", "localhost:3000"], "--url"],
    [["--env", "dev", "--verbose"], "Unknown option"],
  ])("refuses %j", (argv, message) => {
    expect(() => parseDemoTrafficArgs(argv, {})).toThrow(UsageError);
    expect(() => parseDemoTrafficArgs(argv, {})).toThrow(message);
  });
});

describe("scheduling", () => {
  it("sends one request at once, then one every 1/rps seconds, and exactly rps × duration in all", () => {
    expect(dueRequests(0, 20, 60_000)).toBe(1);
    expect(dueRequests(49, 20, 60_000)).toBe(1);
    expect(dueRequests(50, 20, 60_000)).toBe(2);
    expect(dueRequests(1_000, 20, 60_000)).toBe(21);
    // A late tick catches up instead of drifting below the rate.
    expect(dueRequests(10_000, 20, 60_000)).toBe(201);
    expect(dueRequests(60_000, 20, 60_000)).toBe(1200);
    expect(dueRequests(90_000, 20, 60_000)).toBe(1200);
    expect(dueRequests(0, 0.5, 10_000)).toBe(1);
    expect(dueRequests(10_000, 0.5, 10_000)).toBe(5);
  });

  it("spreads requests over the apps in turn, each app alternating between / and /api/items", () => {
    const targets = [
      { app: "portal", url: "http://p" },
      { app: "admin", url: "http://a" },
    ];
    expect([0, 1, 2, 3, 4].map((n) => requestFor(n, targets).url)).toEqual(["http://p/", "http://a/", "http://p/api/items", "http://a/api/items", "http://p/"]);
  });

  it("takes the apps with a URL from the environment, naming the others", () => {
    expect(
      trafficTargets({
        apps: [
          { app: "portal", url: "http://localhost:4100/" },
          { app: "admin", url: null },
        ],
      }),
    ).toEqual({
      targets: [{ app: "portal", url: "http://localhost:4100" }],
      skipped: ["admin"],
    });
    expect(trafficTargets({})).toEqual({ targets: [], skipped: [] });
  });
});

describe("status lines", () => {
  it("shows the window's requests, rate and each app's 5xx share, then starts a new window", () => {
    const stats = new TrafficStats(["portal", "admin"]);
    for (let i = 0; i < 50; i++) stats.record("portal", 200);
    for (let i = 0; i < 48; i++) stats.record("admin", i % 2 ? 500 : 200);
    stats.record("admin", "unreachable");
    stats.record("admin", "unreachable");
    expect(formatStatus(5_000, stats.takeWindow(), 5_000)).toBe("[5s] 100 requests (20.0/s)  portal 0.0% 5xx  |  admin 50.0% 5xx, 2 unreachable");
    expect(formatStatus(10_000, stats.takeWindow(), 5_000, 3)).toBe("[10s] 0 requests (0.0/s)  portal — 5xx  |  admin — 5xx  (3 skipped: too many still waiting)");
    expect(stats.total.get("admin")).toEqual({ requests: 50, serverErrors: 24, unreachable: 2 });
  });
});

describe("runDemoTraffic against a fake Slipway and app", () => {
  let server: http.Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === "/api/v1/environments/staging" || req.url === "/api/v1/pipelines/shop/environments/staging") {
        if (req.headers.authorization !== "Bearer slw_ok") return res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "unauthenticated", message: "bad token" } }));
        return res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            name: "staging",
            apps: [
              { app: "portal", url: `${base}/portal` },
              { app: "admin", url: `${base}/admin` },
              { app: "api-gateway", url: null },
            ],
          }),
        );
      }
      if (req.url === "/api/v1/environments/nowhere") return res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: 'No environment named "nowhere".' } }));
      hits.push(req.url ?? "");
      res.writeHead(req.url?.startsWith("/admin") ? 503 : 200).end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function capture() {
    const lines: string[] = [];
    return { lines, out: { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) } };
  }

  it("sends rps × duration requests over the apps and reports their 5xx share", async () => {
    const { lines, out } = capture();
    // A fake clock that moves 100 ms per tick (a real tick is 2 ms, so answers arrive meanwhile).
    let clock = 0;
    const sleep = () => new Promise<void>((resolve) => setTimeout(() => resolve(void (clock += 100)), 2));
    const deps = { fetch, now: () => clock, sleep, signal: new AbortController().signal };
    const code = await runDemoTraffic(["--env", "staging", "--rps", "20", "--duration", "6s", "--url", base, "--token", "slw_ok"], {}, out, deps);
    expect(code).toBe(0);
    expect(hits).toHaveLength(120);
    expect(hits.filter((h) => h === "/portal/")).toHaveLength(30);
    expect(hits.filter((h) => h === "/admin/api/items")).toHaveLength(30);
    expect(lines[1]).toBe("No URL yet, left out: api-gateway.");
    expect(lines.filter((l) => /^\[5s\] \d+ requests \(\d+\.\d\/s\) {2}portal .* 5xx {2}\| {2}admin .* 5xx$/.test(l))).toHaveLength(1);
    expect(lines.at(-1)).toBe("Done. In total: 120 requests (20.0/s)  portal 0.0% 5xx  |  admin 100.0% 5xx");
  });

  it("takes an environment qualified by its pipeline, read from the pipeline's own route", async () => {
    const { lines, out } = capture();
    let clock = 0;
    const sleep = async () => void (clock += 100);
    const before = hits.length;
    const code = await runDemoTraffic(["--env", "shop/staging", "--rps", "10", "--duration", "1s", "--url", base, "--token", "slw_ok"], {}, out, { fetch, now: () => clock, sleep, signal: new AbortController().signal });
    expect(code).toBe(0);
    expect(hits.length - before).toBe(10);
    expect(lines.at(-1)).toMatch(/^Done\. In total: 10 requests/);
    expect(() => parseDemoTrafficArgs(["--env", "shop/Prod"], {})).toThrow(/not an environment name/);
  });

  it("stops early on Ctrl+C and prints the totals so far", async () => {
    const { lines, out } = capture();
    const ctrlC = new AbortController();
    let clock = 0;
    const sleep = async () => {
      clock += 100;
      if (clock >= 1000) ctrlC.abort();
    };
    const before = hits.length;
    const code = await runDemoTraffic(["--env", "staging", "--rps", "10", "--duration", "1h", "--url", base, "--token", "slw_ok"], {}, out, { fetch, now: () => clock, sleep, signal: ctrlC.signal });
    expect(code).toBe(0);
    expect(hits.length - before).toBe(10); // at 0, 100, …, 900 ms; Ctrl+C at 1 s
    expect(lines.at(-1)).toMatch(/^Stopped\. In total: 10 requests/);
  });

  it("explains a bad token, an unknown environment and an unreachable Slipway", async () => {
    const deps = { fetch, now: () => 0, sleep: async () => {}, signal: new AbortController().signal };
    const run = async (argv: string[]) => {
      const { lines, out } = capture();
      return { code: await runDemoTraffic(argv, { SLIPWAY_DATA_DIR: "/nonexistent/slipway" }, out, deps), text: lines.join("\n") };
    };
    expect(await run(["--env", "staging", "--url", base, "--token", "slw_bad"])).toMatchObject({ code: 1, text: expect.stringContaining("bad token") });
    expect(await run(["--env", "nowhere", "--url", base, "--token", "slw_ok"])).toMatchObject({ code: 1, text: expect.stringContaining('No environment named "nowhere"') });
    expect(await run(["--env", "staging", "--url", "http://127.0.0.1:1", "--token", "slw_ok"])).toMatchObject({ code: 1, text: expect.stringContaining("Cannot reach Slipway") });
    expect(await run(["--env", "staging"])).toMatchObject({ code: 2, text: expect.stringContaining("No API token") });
  });
});
