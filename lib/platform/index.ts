import type { PlatformAdapter } from "./types";
import { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform";

export type { PlatformAdapter } from "./types";
export { PlatformError } from "./types";
export { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform";

/** Which infrastructure to run on, with that platform's options. A `kubernetes` kind slots in here later. */
export type PlatformOptions = { kind: "local" } & LocalPlatformOptions;

/** A platform adapter plus its start-up: `init()` re-attaches to what survived a restart of Slipway. */
export type Platform = PlatformAdapter & { init(): Promise<void> };

export function createPlatform(options: PlatformOptions): Platform {
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
