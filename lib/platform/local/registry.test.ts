import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppRegistry } from "./registry";
import { randomPortBase, removeTempDir, tempDir } from "./testing/helpers";

const HOUR = 3_600_000;
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeTempDir));

function registry(span?: number) {
  const dir = tempDir("registry");
  dirs.push(dir);
  let now = Date.parse("2026-11-30T12:00:00Z");
  const file = path.join(dir, "state.json");
  const base = randomPortBase();
  const make = () => new AppRegistry(file, base, "127.0.0.1", { span, now: () => now });
  return { base, file, make, registry: make(), advance: (ms: number) => (now += ms) };
}

describe("the local platform's stable ports", () => {
  it("rest a day after their environment is torn down, so an old link never opens another environment", async () => {
    const { base, make, registry: apps, advance } = registry();
    expect((await apps.ensure("pr-1", "portal")).port).toBe(base);
    expect((await apps.ensure("pr-1", "admin")).port).toBe(base + 1);
    apps.remove("pr-1", "portal");
    advance(HOUR);
    expect((await apps.ensure("pr-2", "portal")).port).toBe(base + 2);
    // A restarted Slipway reads the rest from the state file.
    const restarted = make();
    expect((await restarted.ensure("pr-3", "portal")).port).toBe(base + 3);
    advance(24 * HOUR);
    expect((await restarted.ensure("pr-4", "portal")).port).toBe(base);
    expect((await restarted.ensure("pr-5", "portal")).port).toBe(base + 4);
  });

  it("a resting port is handed out again when no other port is free", async () => {
    const { base, file, registry: apps } = registry(2);
    await apps.ensure("pr-1", "portal");
    await apps.ensure("pr-1", "admin");
    apps.remove("pr-1", "portal");
    const state = JSON.parse(fs.readFileSync(file, "utf8")) as { freedPorts: Record<string, string> };
    expect(Object.keys(state.freedPorts)).toEqual([String(base)]);
    // Two ports are ours and the other is held: the resting one is the only one left.
    expect((await apps.ensure("pr-2", "portal")).port).toBe(base);
    expect((JSON.parse(fs.readFileSync(file, "utf8")) as { freedPorts: Record<string, string> }).freedPorts).toEqual({});
    await expect(apps.ensure("pr-3", "portal")).rejects.toThrow(`No free port in ${base}–${base + 1} for pr-3/portal`);
  });
});
