import fs from "node:fs";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LocalPlatform } from "./local-platform";
import { appSpec, fixtureArtifact, get, removeTempDir, tarballArtifact, tempDir, testPortBase, TEST_PORT_SPAN, processRunning } from "./testing/helpers";
import { until } from "@/lib/testing/until";

// A restarted web instance's pid is saved before it is ready: the router must not send it requests
// until it answers, even when something else has the router re-read the state file meanwhile.
const portBase = testPortBase();
const artifacts = tempDir("restart-routing-artifacts");
const dirs: string[] = [artifacts];
const open: LocalPlatform[] = [];

/** Listens at once the first time an instance starts; a restart of it takes SLOW_MS before it listens. */
const SLOW_RESTART = tarballArtifact(artifacts, "slow-restart", {
  Procfile: "web: node service.mjs\n",
  "service.mjs": `
import fs from "node:fs";
import http from "node:http";
const marker = process.env.SLIPWAY_DATA_DIR + "/started-" + process.env.SLIPWAY_INSTANCE;
const again = fs.existsSync(marker);
fs.mkdirSync(process.env.SLIPWAY_DATA_DIR, { recursive: true });
fs.writeFileSync(marker, "1");
const server = http.createServer((req, res) => { res.writeHead(200); res.end(process.env.SLIPWAY_INSTANCE); });
setTimeout(() => server.listen(Number(process.env.PORT), "127.0.0.1"), again ? Number(process.env.SLOW_MS) : 0);
`,
});

afterEach(async () => {
  for (const platform of open.splice(0)) await platform.shutdown({ stopApps: true });
});
afterAll(() => {
  for (const dir of dirs) removeTempDir(dir);
});

describe("LocalPlatform: a restarting web instance", () => {
  it("gets no requests before it listens, though another app's change reloads the router meanwhile", async () => {
    const dataDir = tempDir("restart-routing-data");
    dirs.push(dataDir);
    const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {}, housekeepingMs: 200 });
    open.push(platform);
    const status = await platform.ensureActive(appSpec(SLOW_RESTART, { environment: "rr1", instances: 2, config: { SLOW_MS: "6000" } }));
    await platform.ensureActive(appSpec(fixtureArtifact(artifacts, "1.0.0"), { environment: "rr2" }));
    const [, second] = (await platform.instances("rr1", "portal")).filter((i) => i.type === "web");
    process.kill(-second!.pid!, "SIGKILL");
    // Restarted (its new pid is on disk) and not listening yet.
    await until("the restart to begin", async () => (await platform.instances("rr1", "portal")).some((i) => i.id === second!.id && i.restarts === 1 && i.running), { timeoutMs: 10_000 });
    expect(fs.existsSync(`${dataDir}/platform/local/state.json`)).toBe(true);
    // Another app's change: the router re-reads the whole state file.
    await platform.setMaintenance("rr2", "portal", false);
    const answers: number[] = [];
    for (let n = 0; n < 8; n++) answers.push((await get(status.url!)).status);
    expect(answers).toEqual(Array(8).fill(200));
    // Once it listens, it is routed again.
    await until("both instances to serve", async () => (await get(status.url!)).text === second!.id, { timeoutMs: 15_000 });
  });
});

describe("LocalPlatform: a web instance waiting to become ready after a restart", () => {
  it("holds no lock while it waits: a rollback and a stop of its slot finish at once, and nothing comes back or is left running", async () => {
    const SLOW_MS = 8000;
    const dataDir = tempDir("restart-lock-data");
    dirs.push(dataDir);
    const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {}, housekeepingMs: 200 });
    open.push(platform);
    const v1 = fixtureArtifact(artifacts, "1.0.0");
    const status = await platform.ensureActive(appSpec(v1, { environment: "rl1" }));
    // The release that crash-loops (here: is slow to listen once restarted) goes live; v1 stays warm.
    await platform.startStandby(appSpec(SLOW_RESTART, { environment: "rl1", reference: "deploy-2", config: { SLOW_MS: String(SLOW_MS) } }));
    await platform.switchTraffic("rl1", "portal");
    const [slow] = (await platform.instances("rl1", "portal")).filter((i) => i.slot === "active");
    process.kill(-slow!.pid!, "SIGKILL");
    const restarted = await until("the restart to begin", async () => (await platform.instances("rl1", "portal")).find((i) => i.slot === "active" && i.restarts === 1 && i.running), { timeoutMs: 10_000 });

    const rollbackAt = performance.now();
    expect(await platform.rollback("rl1", "portal", v1)).toBe("switched");
    await platform.stopStandby("rl1", "portal");
    const took = performance.now() - rollbackAt;
    expect(took).toBeLessThan(SLOW_MS / 3);
    expect(processRunning(restarted.pid!)).toBe(false);

    // Past the time it would have become ready: nothing of it runs, is listed or routed.
    await new Promise((resolve) => setTimeout(resolve, SLOW_MS + 1000));
    expect(processRunning(restarted.pid!)).toBe(false);
    const list = await platform.instances("rl1", "portal");
    expect(list.map((i) => [i.slot, i.version, i.running])).toEqual([["active", "1.0.0", true]]);
    expect((await get(status.url!)).text).toContain("portal 1.0.0");
  });
});
