import { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform";
import { KubernetesPlatform, type KubernetesPlatformOptions } from "./kubernetes/kubernetes-platform";
import { PlatformRegistry } from "./registry";

import type { PlatformAdapter } from "./types";
export type { PlatformAdapter } from "./types";
export { PlatformError } from "./types";
export { LocalPlatform, type LocalPlatformOptions } from "./local/local-platform";
export { PlatformRegistry, PLATFORM_AVAILABILITY } from "./registry";
export { KubernetesPlatform, type KubernetesPlatformOptions } from "./kubernetes/kubernetes-platform";

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
 * This installation's platforms: the local one, started and re-attached to what survived a
 * restart (`init`), and Kubernetes, which loads its kubeconfig only when slipway.yaml names a
 * Kubernetes environment (`assign`). slipway.yaml assigns each environment one of them;
 * environments it no longer names (retired ones being cleaned up) use `local`.
 */
export async function createPlatformRegistry(options: { local: LocalPlatformOptions; kubernetes?: KubernetesPlatformOptions }): Promise<{ registry: PlatformRegistry; local: LocalPlatform }> {
  const local = new LocalPlatform(options.local);
  await local.init();
  const kubernetes = new KubernetesPlatform({ log: options.local.log, ...options.kubernetes });
  return {
    registry: new PlatformRegistry(
      new Map<string, PlatformAdapter>([
        ["local", local],
        ["kubernetes", kubernetes],
      ]),
      { unnamed: "local" },
    ),
    local,
  };
}
