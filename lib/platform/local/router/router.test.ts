import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canBind, freePort } from "../ports";
import { appEnvironment, isOurProcess, spawnApp, stopProcesses, waitUntilListening } from "../processes";
import { saveState, type AppRecord, type SlotRecord } from "../state";
import { get, testPortBase, tempDir } from "../testing/helpers";
import { readRouterInfo } from "./info";
import { Router } from "./router";

// The router in this process (its detached form runs the same class from main.ts).
const dir = tempDir("router");
const stateFile = path.join(dir, "state.json");
const infoFile = path.join(dir, "router", "router.json");
const port = testPortBase() + 7;
const record = (overrides: Partial<AppRecord> = {}): AppRecord => ({ environment: "dev", app: "portal", port, maintenance: null, active: null, standby: null, ...overrides });
const router = new Router({ stateFile, infoFile, host: "127.0.0.1", log: () => {} });

afterAll(async () => {
  await router.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("Router: serves the state file's routes and answers only its owner", () => {
  it("listens on every app's port from the state file, and writes its control info readable only by its owner", async () => {
    saveState(stateFile, { version: 1, apps: { "dev/portal": record() } });
    const info = await router.start();
    expect(readRouterInfo(infoFile)).toEqual(info);
    expect(fs.statSync(infoFile).mode & 0o077).toBe(0);
    const page = await get(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(503);
    expect(page.text).toContain("Nothing is deployed to dev/portal");
  });

  it("refuses control requests without the token, changing nothing", async () => {
    const info = readRouterInfo(infoFile)!;
    const response = await fetch(`http://127.0.0.1:${info.controlPort}/shutdown`, { method: "POST", headers: { authorization: "Bearer wrong" } });
    expect(response.status).toBe(401);
    expect((await get(`http://127.0.0.1:${port}/`)).status).toBe(503);
  });

  it("applies a reload: maintenance from the file; a damaged file keeps the current routes", async () => {
    const info = readRouterInfo(infoFile)!;
    const reload = () => fetch(`http://127.0.0.1:${info.controlPort}/reload`, { method: "POST", headers: { authorization: `Bearer ${info.token}` } });
    saveState(stateFile, { version: 1, apps: { "dev/portal": record({ maintenance: { retryAfterSeconds: 42 } }) } });
    const status = (await (await reload()).json()) as { apps: Record<string, { listening: boolean; lastRequestAt: string | null }> };
    expect(status.apps["dev/portal"]).toMatchObject({ listening: true });
    const closed = await get(`http://127.0.0.1:${port}/`);
    expect(closed.status).toBe(503);
    expect(closed.headers.get("retry-after")).toBe("42");

    fs.writeFileSync(stateFile, "{ not json");
    expect((await reload()).status).toBe(200);
    expect((await get(`http://127.0.0.1:${port}/`)).headers.get("retry-after")).toBe("42");
    expect(router.status().apps["dev/portal"]!.lastRequestAt).not.toBeNull();
  });

  it("closes the port of an app the file no longer lists", async () => {
    saveState(stateFile, { version: 1, apps: {} });
    await router.reload();
    expect(await canBind(port, "127.0.0.1")).toBe(true);
    expect(router.status().apps).toEqual({});
  });
});

describe("Router: recognises instances started from a release tarball", () => {
  it("serves a web process started by /bin/sh -c in its release directory (known by SLIPWAY_RELEASE_DIR), not a live pid of another release", async () => {
    const releaseDir = path.join(dir, "cache", "releases", "abc");
    fs.mkdirSync(releaseDir, { recursive: true });
    // A relative command, as Procfiles have: the command line never names the release directory.
    fs.writeFileSync(path.join(releaseDir, "server.mjs"), 'import http from "node:http"; http.createServer((q, r) => r.end("from the tarball")).listen(Number(process.env.PORT), "127.0.0.1");\n');
    const instancePort = await freePort("127.0.0.1");
    const logPath = path.join(dir, "logs", "portal-1.log");
    const env = appEnvironment({ environment: "dev", app: "portal", instance: "portal-1", dataDir: dir, reference: "dep-1", config: {}, port: instancePort, releaseDir });
    const child = spawnApp({ command: "node server.mjs", env, logPath, cwd: releaseDir });
    try {
      await waitUntilListening(child, instancePort, "127.0.0.1", logPath, 20_000, "portal-1");
      expect(fs.readFileSync(`/proc/${child.pid}/cmdline`, "utf8")).not.toContain(releaseDir);
      expect(isOurProcess(child.pid!, releaseDir)).toBe(true);
      const slot = (storePath: string): SlotRecord => ({
        buildId: "b1",
        releaseId: "r1",
        version: "1.0.0",
        commit: "c".repeat(40),
        digest: `sha256:${"a".repeat(64)}`,
        storePath,
        configHash: "h",
        reference: "dep-1",
        startedAt: new Date().toISOString(),
        instances: [{ id: "portal-1", pid: child.pid!, port: instancePort, logPath }],
      });

      saveState(stateFile, { version: 1, apps: { "dev/portal": record({ active: slot(releaseDir) }) } });
      await router.reload();
      const served = await get(`http://127.0.0.1:${port}/`);
      expect(served.status).toBe(200);
      expect(served.text).toBe("from the tarball");

      // The same pid recorded for another release (a reused pid, as far as the router can tell) is not ours.
      saveState(stateFile, { version: 1, apps: { "dev/portal": record({ active: slot(path.join(dir, "cache", "releases", "other")) }) } });
      await router.reload();
      const refused = await get(`http://127.0.0.1:${port}/`);
      expect(refused.status).toBe(502);
      expect(refused.text).toContain("is not running");
    } finally {
      await stopProcesses([{ pid: child.pid!, storePath: releaseDir }], 1000);
    }
  });
});
