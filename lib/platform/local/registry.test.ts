import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppRegistry } from "./registry";
import { TEST_PORT_SPAN, testPortBase, removeTempDir, tempDir } from "./testing/helpers";

const HOUR = 3_600_000;
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeTempDir));

function registry(span?: number) {
  const dir = tempDir("registry");
  dirs.push(dir);
  let now = Date.parse("2026-11-30T12:00:00Z");
  const file = path.join(dir, "state.json");
  const base = testPortBase();
  const make = () => new AppRegistry(file, base, "127.0.0.1", { span: span ?? TEST_PORT_SPAN, now: () => now });
  return { base, file, make, registry: make(), advance: (ms: number) => (now += ms) };
}

const freedPorts = (file: string) => (JSON.parse(fs.readFileSync(file, "utf8")) as { freedPorts?: Record<string, { key: string }> }).freedPorts ?? {};

// Ports are compared with each other, not with base + n: other test files may hold ports near the base.
describe("the local platform's stable ports", () => {
  it("rest a day after their environment is torn down, so an old link never opens another environment", async () => {
    const { file, make, registry: apps, advance } = registry();
    const first = (await apps.ensure("pr-1", "portal")).port;
    const second = (await apps.ensure("pr-1", "admin")).port;
    expect(second).not.toBe(first);
    apps.remove("pr-1", "portal");
    expect(freedPorts(file)).toEqual({ [first]: { at: "2026-11-30T12:00:00.000Z", key: "pr-1/portal" } });
    advance(HOUR);
    expect([first, second]).not.toContain((await apps.ensure("pr-2", "portal")).port);
    // A restarted Slipway reads the rest from the state file.
    const restarted = make();
    expect((await restarted.ensure("pr-3", "portal")).port).not.toBe(first);
    advance(24 * HOUR);
    expect((await restarted.ensure("pr-4", "portal")).port).toBe(first);
    expect(freedPorts(file)).toEqual({});
  });

  it("the same environment and app spun up again gets its own old port back at once", async () => {
    const { registry: apps, advance } = registry();
    const portal = (await apps.ensure("pr-7", "portal")).port;
    apps.remove("pr-7", "portal");
    advance(HOUR);
    expect((await apps.ensure("pr-8", "portal")).port).not.toBe(portal);
    expect((await apps.ensure("pr-7", "portal")).port).toBe(portal);
  });

  it("a resting port is handed out again when no other port is free", async () => {
    const { base, file, registry: apps } = registry(2);
    const ports = [(await apps.ensure("pr-1", "portal")).port, (await apps.ensure("pr-1", "admin")).port];
    apps.remove("pr-1", "portal");
    expect(Object.keys(freedPorts(file))).toEqual([String(ports[0])]);
    // Two ports are ours and the other is held: the resting one is the only one left.
    expect((await apps.ensure("pr-2", "portal")).port).toBe(ports[0]);
    expect(freedPorts(file)).toEqual({});
    await expect(apps.ensure("pr-3", "portal")).rejects.toThrow(`No free port in ${base}–${base + 1} for pr-3/portal`);
  });
});
