import { describe, expect, it, vi } from "vitest";
import { PlatformError, type AppSpec } from "../types";
import { restartExited, settleStarted, type RestartContext, type StartingInstance } from "./restarts";
import type { SlotProcesses } from "./slots";
import type { AppRecord, InstanceRecord, SlotRecord } from "./state";
import type { Release } from "./tarball";

// restartExited with a stand-in for the processes: which pids run, and what starting one again does.
const T0 = Date.parse("2026-03-01T10:00:00.000Z");

function slotOf(instances: InstanceRecord[]): SlotRecord {
  return { buildId: "b1", releaseId: "r1", version: "1.0.0", commit: "c", digest: "sha256:x", storePath: "/store", configHash: "h", reference: "d1", startedAt: new Date(T0).toISOString(), instances };
}

const dead = (id: string, pid: number, port: number): InstanceRecord => ({ id, pid, port, logPath: `/logs/${id}.log`, startedAt: new Date(T0 - 60_000).toISOString(), restarts: 0, exitedAt: new Date(T0 - 5000).toISOString() });

describe("restartExited", () => {
  it("keeps the instance it started (for the caller to save and wait for) when starting the next one fails, and backs that one off", async () => {
    const slot = slotOf([dead("portal-1", 101, 5001), dead("portal-2", 102, 5002)]);
    const respawnInstance = vi.fn(async (_spec: AppSpec, _release: Release, _slot: SlotRecord, instance: InstanceRecord, counters: { restarts: number; backoffStep: number }) => {
      if (instance.id === "portal-2") throw new PlatformError("Cannot start dev/portal instance portal-2: the OS refused to create a process");
      return { record: { ...instance, pid: 201, ...counters, exitedAt: undefined, starting: true } as InstanceRecord, waitReady: async () => {} };
    });
    const processes = { isRunning: () => false, respawnInstance, stopLeftovers: async () => {} } as unknown as SlotProcesses;
    const lines: string[] = [];
    const context: RestartContext = {
      launch: { spec: { environment: "dev", app: "portal" } as AppSpec, release: {} as Release },
      processes,
      now: () => T0,
      open: () => true,
      log: (line) => lines.push(line),
    };
    const result = await restartExited(slot, context);
    // The process started for portal-1 is known (never a leaked, unknown process on its port).
    expect(slot.instances.map((i) => i.pid)).toEqual([201, 102]);
    expect(result.starting.map((s) => s.record.pid)).toEqual([201]);
    // portal-2's failed start counts as a restart: it waits longer before the next try.
    expect(slot.instances[1]).toMatchObject({ restarts: 1, backoffStep: 1, exitedAt: new Date(T0).toISOString() });
    expect(result.nextDueAt).toBe(T0 + 2000);
    expect(lines.join("\n")).toMatch(/portal-2.*the OS refused/);
  });
});

describe("settleStarted (after the wait, under the app's lock again)", () => {
  const started = (slot: SlotRecord): StartingInstance => ({ slot, record: slot.instances[0]!, waitReady: async () => {} });
  const ready: PromiseSettledResult<void>[] = [{ status: "fulfilled", value: undefined }];
  const appOf = (active: SlotRecord | null, standby: SlotRecord | null): AppRecord => ({ environment: "dev", app: "portal", port: 4100, maintenance: null, active, standby });
  const processesWith = (running: boolean) => ({ isRunning: () => running, stopLeftovers: vi.fn(async () => {}) });

  it("routes a ready instance whose slot is still the app's (active or standby, e.g. switched meanwhile)", async () => {
    for (const which of ["active", "standby"] as const) {
      const slot = slotOf([{ id: "portal-1", pid: 201, port: 5001, logPath: "/l", starting: true }]);
      const processes = processesWith(true);
      const changed = await settleStarted(which === "active" ? appOf(slot, null) : appOf(null, slot), [started(slot)], ready, processes as unknown as SlotProcesses, () => {});
      expect(changed).toBe(true);
      expect(slot.instances[0]!.starting).toBeUndefined();
      expect(processes.stopLeftovers).not.toHaveBeenCalled();
    }
  });

  it("leaves a slot stopped or replaced meanwhile alone, and stops a process of it that still runs (never leaked)", async () => {
    const slot = slotOf([{ id: "portal-1", pid: 201, port: 5001, logPath: "/l", starting: true }]);
    const other = slotOf([{ id: "portal-1", pid: 301, port: 5003, logPath: "/l" }]);
    for (const [record, running] of [
      [appOf(other, null), false],
      [undefined, false],
      [appOf(other, null), true],
    ] as const) {
      const processes = processesWith(running);
      expect(await settleStarted(record, [started(slot)], ready, processes as unknown as SlotProcesses, () => {})).toBe(false);
      expect(processes.stopLeftovers).toHaveBeenCalledTimes(running ? 1 : 0);
    }
    expect(other.instances[0]!.starting).toBeUndefined();
  });

  it("leaves a record alone whose pid changed, and one that did not become ready", async () => {
    const slot = slotOf([{ id: "portal-1", pid: 202, port: 5001, logPath: "/l", starting: true }]);
    const stale: StartingInstance = { slot, record: { ...slot.instances[0]!, pid: 201 }, waitReady: async () => {} };
    const processes = processesWith(false);
    expect(await settleStarted(appOf(slot, null), [stale], ready, processes as unknown as SlotProcesses, () => {})).toBe(false);
    expect(await settleStarted(appOf(slot, null), [started(slot)], [{ status: "rejected", reason: new Error("exited") }], processes as unknown as SlotProcesses, () => {})).toBe(false);
    expect(slot.instances[0]!.starting).toBe(true);
  });
});
