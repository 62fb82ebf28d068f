import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canBind } from "../ports";
import { saveState, type AppRecord } from "../state";
import { get, randomPortBase, tempDir } from "../testing/helpers";
import { readRouterInfo } from "./info";
import { Router } from "./router";

// The router in this process (its detached form runs the same class from main.ts).
const dir = tempDir("router");
const stateFile = path.join(dir, "state.json");
const infoFile = path.join(dir, "router", "router.json");
const port = randomPortBase() + 7;
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
