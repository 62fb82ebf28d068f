import type { PlatformAdapter } from "@/lib/platform/types";

/** The adapter methods that change what runs or serves: each is fenced by the lease. */
export const PLATFORM_WRITES = [
  "provision",
  "startStandby",
  "switchTraffic",
  "shiftTraffic",
  "stopStandby",
  "stopActive",
  "rollback",
  "setMaintenance",
  "runJob",
  "ensureActive",
  "sleep",
  "destroy",
] as const satisfies readonly (keyof PlatformAdapter)[];

/**
 * The platform as the leader sees it: before every write, `ensureHolding` must pass (it throws
 * LostLeadershipError once the lease is lost), so a leader that wakes up deposed touches nothing.
 * Reads (status, health, inventory) and close pass straight through.
 */
export function fencePlatform(platform: PlatformAdapter, ensureHolding: () => Promise<unknown>): PlatformAdapter {
  const writes = new Set<string | symbol>(PLATFORM_WRITES);
  return new Proxy(platform, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (!writes.has(property)) return (value as (...args: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        await ensureHolding();
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}
