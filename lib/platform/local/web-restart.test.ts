import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LocalPlatformInspector } from "./inspect";
import { LocalPlatform } from "./local-platform";
import type { LocalInstanceInfo } from "./workers";
import { appSpec, fixtureArtifact, get, testPortBase, TEST_PORT_SPAN, removeTempDir, tarballArtifact, tempDir, processRunning } from "./testing/helpers";
import { until } from "@/lib/testing/until";

// A web process that exits or is killed is started again on the same port, with back-off; one the
// platform stops itself never is. Real processes and ports; every platform is closed with
// stopApps afterwards, so no process outlives the run.
const portBase = testPortBase();
const artifacts = tempDir("restart-artifacts");
const dirs: string[] = [artifacts];
const open: LocalPlatform[] = [];
const v1 = fixtureArtifact(artifacts, "1.0.0");
const v2 = fixtureArtifact(artifacts, "2.0.0");

/** A web app that serves /health and / and exits with code 3 `LIFE_MS` after it starts listening. */
const SHORT_LIVED = tarballArtifact(artifacts, "short-lived", {
  Procfile: "web: node service.mjs\n",
  "service.mjs": `
import http from "node:http";
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ status: "healthy", instance: process.env.SLIPWAY_INSTANCE }));
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => setTimeout(() => process.exit(3), Number(process.env.LIFE_MS)));
`,
});

function newPlatform(dataDir = tempDir("restart-data"), housekeepingMs = 200): { platform: LocalPlatform; dataDir: string } {
  dirs.push(dataDir);
  const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {}, housekeepingMs });
  open.push(platform);
  return { platform, dataDir };
}

/** The process group of `pid` (a Procfile command's shell leads one; the app it starts is a member). */
function groupOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

/** Every process on the machine that runs an app of `environment` from `dataDir` (whoever started it). */
function processesOf(dataDir: string, environment: string): number[] {
  const marker = `SLIPWAY_DATA_DIR=${path.join(dataDir, "platform/local/data", environment)}`;
  return fs
    .readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return (
          fs
            .readFileSync(`/proc/${pid}/environ`, "utf8")
            .split("\0")
            .some((v) => v.startsWith(marker)) && processRunning(Number(pid))
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

const web = (list: LocalInstanceInfo[], slot: "active" | "standby" = "active") => list.filter((i) => i.type === "web" && i.slot === slot);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(async () => {
  for (const platform of open.splice(0)) await platform.shutdown({ stopApps: true });
});
afterAll(() => {
  for (const dir of dirs) removeTempDir(dir);
});

describe("LocalPlatform: a web process that dies is started again", () => {
  it("comes back after SIGKILL on the same port and URL, serving the same release, its restart counted and kept for the next Slipway", async () => {
    const { platform, dataDir } = newPlatform(undefined, 2000); // the default round, so the time measured is what people see
    const status = await platform.ensureActive(appSpec(v1, { environment: "rs1" }));
    const [before] = web(await platform.instances("rs1", "portal"));
    expect(before).toMatchObject({ restarts: 0, running: true, backOff: null });

    const killedAt = performance.now();
    process.kill(before!.pid!, "SIGKILL");
    await until("the killed instance to be gone", () => !processRunning(before!.pid!));
    // Found gone on the next round: listed with the pending restart's back-off.
    const waiting = await until("the back-off to show", async () => web(await platform.instances("rs1", "portal")).find((i) => i.backOff !== null));
    expect(waiting).toMatchObject({ running: false, restarts: 0, backOff: { seconds: 1 } });
    // The pid listed is the Procfile command's shell: the app it started may answer a moment longer, until the restart stops it.
    await until("the restarted instance to serve", async () => web(await platform.instances("rs1", "portal"))[0]!.restarts === 1 && (await get(status.url!).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 15_000 });
    console.log(`[web restart] killed → serving again on the stable URL in ${(performance.now() - killedAt).toFixed(0)} ms`);

    const [after] = web(await platform.instances("rs1", "portal"));
    expect(after).toMatchObject({ id: before!.id, address: before!.address, running: true, restarts: 1, backOff: null, version: "1.0.0", buildId: v1.buildId });
    expect(after!.pid).not.toBe(before!.pid);
    expect((await get(status.url!)).text).toBe(`portal 1.0.0 from ${before!.id}\n`);
    expect((await get(`${before!.address}/health`)).text).toContain('"version":"1.0.0"');
    expect((await platform.health("rs1", "portal", "active", "/health"))[0]!.status).toBe("healthy");

    // The state file has the new process: a restarted Slipway adopts it instead of starting another.
    await platform.shutdown({ stopApps: false });
    open.splice(open.indexOf(platform), 1);
    const { platform: next } = newPlatform(dataDir);
    const adopted = await next.ensureActive(appSpec(v1, { environment: "rs1" }));
    expect(adopted.active!.instances.map((i) => i.pid)).toEqual([after!.pid]);
    expect(web(await next.instances("rs1", "portal"))[0]).toMatchObject({ restarts: 1, running: true });

    // Adopted (not a child of this Slipway): its death is found by pid on a round, and it comes back too.
    process.kill(after!.pid!, "SIGKILL");
    await until("the adopted instance to be gone", () => !processRunning(after!.pid!));
    await until("the restarted instance to serve", async () => web(await next.instances("rs1", "portal"))[0]!.restarts === 2 && (await get(status.url!).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 15_000 });
    expect(web(await next.instances("rs1", "portal"))[0]).toMatchObject({ address: before!.address, running: true, restarts: 2 });
    expect((await get(status.url!)).text).toBe(`portal 1.0.0 from ${before!.id}\n`);
  });

  it("backs off further (1 s, 2 s, 4 s, 8 s) each time a process keeps dying, restarting it on the same port each time", async () => {
    const { platform } = newPlatform();
    await platform.ensureActive(appSpec(SHORT_LIVED, { environment: "rs2", config: { LIFE_MS: "600" } }));
    const [first] = web(await platform.instances("rs2", "portal"));
    const seen = new Map<number, { seconds: number; restarts: number }>(); // pid → the back-off it died into
    const pids = new Set<number>([first!.pid!]);
    await until(
      "three restarts",
      async () => {
        const [i] = web(await platform.instances("rs2", "portal"));
        if (i!.pid) pids.add(i!.pid);
        if (i!.backOff && !seen.has(i!.pid!)) seen.set(i!.pid!, { seconds: i!.backOff.seconds!, restarts: i!.restarts });
        expect(i!.address).toBe(first!.address);
        return seen.size >= 4;
      },
      { timeoutMs: 30_000, everyMs: 50 },
    );
    expect([...seen.values()].slice(0, 4)).toEqual([
      { seconds: 1, restarts: 0 },
      { seconds: 2, restarts: 1 },
      { seconds: 4, restarts: 2 },
      { seconds: 8, restarts: 3 },
    ]);
    expect(pids.size).toBeGreaterThanOrEqual(4);
  });

  it("restarts a dead instance of the warm standby too, and a rollback switches to it", async () => {
    const { platform } = newPlatform();
    await platform.ensureActive(appSpec(v1, { environment: "rs3" }));
    await platform.startStandby(appSpec(v2, { environment: "rs3", reference: "deploy-2" }));
    await platform.switchTraffic("rs3", "portal"); // v1 is now the warm previous release
    const [standby] = web(await platform.instances("rs3", "portal"), "standby");
    expect(standby!.version).toBe("1.0.0");
    process.kill(standby!.pid!, "SIGKILL");
    const back = await until("the standby to run again", async () => web(await platform.instances("rs3", "portal"), "standby").find((i) => i.running && i.restarts === 1), { timeoutMs: 15_000 });
    expect(back.address).toBe(standby!.address);
    // Not warm until it is ready (the router skips a starting instance); a not-warm rollback changes nothing.
    await until("the rollback to switch", async () => (await platform.rollback("rs3", "portal", v1)) === "switched", { timeoutMs: 15_000 });
    const status = (await platform.status("rs3", "portal"))!;
    expect((await get(status.url!)).text).toContain("portal 1.0.0");
  });
});

describe("LocalPlatform: what the platform stops itself stays stopped", () => {
  /** Long enough for a few rounds and a first back-off (1 s) to pass. */
  const AFTER_BACK_OFF_MS = 2500;

  it("stopActive and stopStandby (a rollout's end, recreate), even of an instance that was already waiting to restart", async () => {
    const { platform, dataDir } = newPlatform();
    const status = await platform.ensureActive(appSpec(v1, { environment: "st1", instances: 2 }));
    await platform.startStandby(appSpec(v2, { environment: "st1", reference: "deploy-2" }));
    const [dying] = web(await platform.instances("st1", "portal"));
    process.kill(dying!.pid!, "SIGKILL");
    await until("the back-off to show", async () => web(await platform.instances("st1", "portal")).some((i) => i.backOff !== null));
    await platform.stopActive("st1", "portal");
    await platform.stopStandby("st1", "portal");
    await sleep(AFTER_BACK_OFF_MS);
    expect(await platform.instances("st1", "portal")).toEqual([]);
    expect(processesOf(dataDir, "st1")).toEqual([]);
    expect((await get(status.url!)).status).toBe(503);
  });

  it("a rollout: the release switched away from and stopped does not come back", async () => {
    const { platform, dataDir } = newPlatform();
    await platform.ensureActive(appSpec(v1, { environment: "st2" }));
    await platform.startStandby(appSpec(v2, { environment: "st2", reference: "deploy-2" }));
    await platform.shiftTraffic("st2", "portal", 50);
    await platform.switchTraffic("st2", "portal");
    await platform.stopStandby("st2", "portal");
    await sleep(AFTER_BACK_OFF_MS);
    const list = await platform.instances("st2", "portal");
    expect(list.map((i) => [i.slot, i.version, i.running, i.restarts])).toEqual([["active", "2.0.0", true, 0]]);
    expect(new Set(processesOf(dataDir, "st2").map(groupOf))).toEqual(new Set([list[0]!.pid]));
  });

  it("teardown (destroy) and sleep", async () => {
    const { platform, dataDir } = newPlatform();
    await platform.ensureActive(appSpec(v1, { environment: "st3" }));
    await platform.ensureActive(appSpec(v1, { environment: "st4" }));
    for (const environment of ["st3", "st4"]) process.kill(web(await platform.instances(environment, "portal"))[0]!.pid!, "SIGKILL");
    await platform.destroy("st3");
    await platform.sleep("st4");
    await sleep(AFTER_BACK_OFF_MS);
    expect(processesOf(dataDir, "st3")).toEqual([]);
    expect(processesOf(dataDir, "st4")).toEqual([]);
    expect(await platform.status("st3", "portal")).toBeNull();
    expect(await platform.instances("st4", "portal")).toEqual([]);
  });

  it("a platform that is shutting down starts nothing new, and maintenance keeps restarting (processes run behind the closed address)", async () => {
    const { platform, dataDir } = newPlatform();
    const status = await platform.ensureActive(appSpec(v1, { environment: "st5" }));
    await platform.setMaintenance("st5", "portal", true);
    process.kill(web(await platform.instances("st5", "portal"))[0]!.pid!, "SIGKILL");
    await until("the restart behind maintenance", async () => web(await platform.instances("st5", "portal"))[0]!.restarts === 1 && web(await platform.instances("st5", "portal"))[0]!.running, { timeoutMs: 15_000 });
    expect((await get(status.url!)).status).toBe(503);

    await platform.dispose(); // Slipway lets go: the data plane keeps what runs, and nothing is restarted any more
    const [running] = web(await platform.instances("st5", "portal"));
    process.kill(running!.pid!, "SIGKILL");
    await sleep(AFTER_BACK_OFF_MS);
    expect(processesOf(dataDir, "st5")).toEqual([]);
  });
});

describe("LocalPlatform: an exited process nothing will start again", () => {
  it("is listed as exited without a back-off: after dispose(), and a standby the next Slipway does not look after", async () => {
    const { platform, dataDir } = newPlatform();
    await platform.ensureActive(appSpec(v1, { environment: "ua1" }));
    await platform.startStandby(appSpec(v2, { environment: "ua1", reference: "deploy-2" }));
    await platform.switchTraffic("ua1", "portal"); // v1 is now the warm standby
    const [standby] = web(await platform.instances("ua1", "portal"), "standby");
    process.kill(standby!.pid!, "SIGKILL");
    await until("the back-off to show", async () => web(await platform.instances("ua1", "portal"), "standby")[0]!.backOff !== null, { everyMs: 20 });
    await platform.dispose(); // before the restart is due (1 s): its exit stays recorded in the state file
    const inspector = new LocalPlatformInspector(dataDir);
    for (const list of [await platform.instances("ua1", "portal"), await inspector.instances("ua1", "portal")]) {
      expect(web(list, "standby")[0]).toMatchObject({ running: false, restarts: 0, backOff: null });
    }

    // The next Slipway adopts the active slot and looks after it; the standby's config is not on disk.
    const { platform: next } = newPlatform(dataDir);
    await next.ensureActive(appSpec(v2, { environment: "ua1", reference: "deploy-2" }));
    for (const list of [await next.instances("ua1", "portal"), await inspector.instances("ua1", "portal")]) {
      expect(web(list, "standby")[0]).toMatchObject({ running: false, backOff: null });
      expect(web(list, "active")[0]).toMatchObject({ running: true, backOff: null });
    }
    // Its active slot is looked after: an exit of it shows the back-off, in the inspector too.
    process.kill(web(await next.instances("ua1", "portal"))[0]!.pid!, "SIGKILL");
    await until("the back-off to show in the inspector", async () => web(await inspector.instances("ua1", "portal"))[0]!.backOff !== null, { everyMs: 20 });
  });
});
