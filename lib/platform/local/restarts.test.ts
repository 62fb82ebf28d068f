import { describe, expect, it, vi } from "vitest";
import { PlatformError, type AppSpec } from "../types";
import { restartExited, type RestartContext } from "./restarts";
import type { SlotProcesses } from "./slots";
import type { InstanceRecord, SlotRecord } from "./state";
import type { Release } from "./tarball";

// restartExited with a stand-in for the processes: which pids run, and what starting one again does.
const T0 = Date.parse("2026-03-01T10:00:00.000Z");

function slotOf(instances: InstanceRecord[]): SlotRecord {
  return { buildId: "b1", releaseId: "r1", version: "1.0.0", commit: "c", digest: "sha256:x", storePath: "/store", configHash: "h", reference: "d1", startedAt: new Date(T0).toISOString(), instances };
}

const dead = (id: string, pid: number, port: number): InstanceRecord => ({ id, pid, port, logPath: `/logs/${id}.log`, startedAt: new Date(T0 - 60_000).toISOString(), restarts: 0, exitedAt: new Date(T0 - 5000).toISOString() });

describe("restartExited", () => {
  it("keeps (and saves) the instance it started when starting the next one fails, and backs that one off", async () => {
    const slot = slotOf([dead("portal-1", 101, 5001), dead("portal-2", 102, 5002)]);
    const respawnInstance = vi.fn(async (_spec: AppSpec, _release: Release, _slot: SlotRecord, instance: InstanceRecord, counters: { restarts: number; backoffStep: number }) => {
      if (instance.id === "portal-2") throw new PlatformError("Cannot start dev/portal instance portal-2: the OS refused to create a process");
      return { record: { ...instance, pid: 201, ...counters, exitedAt: undefined, starting: true } as InstanceRecord, waitReady: async () => {} };
    });
    const processes = { isRunning: () => false, respawnInstance, stopLeftovers: async () => {} } as unknown as SlotProcesses;
    const saved: number[][] = [];
    const lines: string[] = [];
    const context: RestartContext = {
      launch: { spec: { environment: "dev", app: "portal" } as AppSpec, release: {} as Release },
      processes,
      now: () => T0,
      save: () => saved.push(slot.instances.map((i) => i.pid)),
      route: async () => {},
      open: () => true,
      log: (line) => lines.push(line),
    };
    const result = await restartExited(slot, context);
    // The process started for portal-1 is known (never a leaked, unknown process on its port).
    expect(slot.instances.map((i) => i.pid)).toEqual([201, 102]);
    expect(saved[0]).toEqual([201, 102]);
    // portal-2's failed start counts as a restart: it waits longer before the next try.
    expect(slot.instances[1]).toMatchObject({ restarts: 1, backoffStep: 1, exitedAt: new Date(T0).toISOString() });
    expect(result.nextDueAt).toBe(T0 + 2000);
    expect(lines.join("\n")).toMatch(/portal-2.*the OS refused/);
  });
});
