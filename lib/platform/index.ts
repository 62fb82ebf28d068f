import { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform";
import { PlatformRegistry } from "./registry";

export type { PlatformAdapter } from "./types";
export { PlatformError } from "./types";
export { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform";
export { PlatformRegistry, PLATFORM_AVAILABILITY } from "./registry";

/** Which infrastructure to run on, with that platform's options. A `kubernetes` kind slots in here with its adapter. */
export type PlatformOptions = { kind: "local" } & LocalPlatformOptions;

export function createPlatform(options: PlatformOptions): LocalPlatform {
  switch (options.kind) {
    case "local": {
      const { kind: _kind, ...local } = options;
      return new LocalPlatform(local);
    }
    default: {
      const unknown: never = options.kind;
      throw new Error(`Unknown platform kind "${String(unknown)}"`);
    }
  }
}

/**
 * This installation's platforms: an adapter per available kind (`local` now), started and
 * re-attached to what survived a restart (`init`). slipway.yaml assigns each environment one of
 * them; environments it no longer names (retired ones being cleaned up) use `local`.
 */
export async function createPlatformRegistry(options: { local: LocalPlatformOptions }): Promise<{ registry: PlatformRegistry; local: LocalPlatform }> {
  const local = new LocalPlatform(options.local);
  await local.init();
  return { registry: new PlatformRegistry(new Map([["local", local]]), { unnamed: "local" }), local };
}
