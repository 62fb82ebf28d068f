import type { KubernetesEnvironmentConfig } from "@/lib/config/kubernetes-schema";
import type { PlatformKind } from "@/lib/config/schema";
import { PlatformError, type AppStatus, type PlatformAdapter } from "./types";

export { PLATFORM_AVAILABILITY } from "./availability";

/** Which platform each environment runs on: fixed environments from slipway.yaml, review environments like their source. */
export interface PlatformAssignment {
  environments: readonly { name: string; platform: PlatformKind; kubernetes?: KubernetesEnvironmentConfig | undefined }[];
  reviewEnvironments?: { source?: string | undefined } | undefined;
}

/**
 * One adapter per platform kind, and the environment → platform map from slipway.yaml. The
 * controller, rollouts, health sampling, drift and the review lifecycle ask it for the adapter
 * of the environment they work on (`forEnvironment`), never for "the" platform.
 */
export class PlatformRegistry {
  private byEnvironment = new Map<string, string>();
  private reviewPlatform: string | null = null;

  /**
   * @param adapters adapters by platform kind (`local`, …).
   * @param options.unnamed the kind for environments slipway.yaml does not name any more (a
   *   retired one being cleaned up) when review environments have no source to follow.
   * @param options.everyEnvironment one adapter serves every environment whatever slipway.yaml
   *   says (tests and benchmarks with a fake or a single local platform).
   */
  constructor(
    private readonly adapters: ReadonlyMap<string, PlatformAdapter>,
    private readonly options: { unnamed?: string; everyEnvironment?: boolean } = {},
  ) {
    if (options.unnamed !== undefined && !adapters.has(options.unnamed)) throw new PlatformError(`The platform "${options.unnamed}" has no adapter`, true);
    if (options.everyEnvironment && adapters.size !== 1) throw new PlatformError("everyEnvironment needs exactly one adapter", true);
  }

  /** Every environment on one adapter (tests, benchmarks). */
  static single(adapter: PlatformAdapter): PlatformRegistry {
    return new PlatformRegistry(new Map([[adapter.name, adapter]]), { everyEnvironment: true });
  }

  /**
   * Takes the environment → platform map from the loaded pipeline. Throws PlatformError naming
   * the environment when it asks for a platform without an adapter here (never a fallback).
   */
  assign(config: PlatformAssignment): void {
    const next = new Map<string, string>();
    for (const environment of config.environments) {
      if (!this.options.everyEnvironment && !this.adapters.has(environment.platform)) {
        throw new PlatformError(`Environment "${environment.name}" runs on platform "${environment.platform}", which this Slipway has no adapter for`, true);
      }
      next.set(environment.name, environment.platform);
    }
    // Adapters that need their environments' settings (Kubernetes: context, namespace) take them here; they throw for bad ones.
    for (const adapter of this.adapters.values()) (adapter as PlatformAdapter & { assign?(config: PlatformAssignment): void }).assign?.(config);
    this.byEnvironment = next;
    const source = config.reviewEnvironments?.source;
    this.reviewPlatform = source ? (next.get(source) ?? null) : null;
  }

  /**
   * The adapter of `environment`: a fixed one by slipway.yaml, any other (a review environment)
   * by its source's. Throws PlatformError when no adapter is known for it.
   */
  forEnvironment(environment: string): PlatformAdapter {
    if (this.options.everyEnvironment) return this.all()[0]!;
    const kind = this.byEnvironment.get(environment) ?? this.reviewPlatform ?? this.options.unnamed ?? null;
    const adapter = kind !== null ? this.adapters.get(kind) : undefined;
    if (!adapter) throw new PlatformError(`No platform adapter for environment "${environment}"${kind ? ` (platform "${kind}")` : ""}`, true);
    return adapter;
  }

  /**
   * The same registry with each adapter wrapped (e.g. fenced by the controller's lease). The
   * environment → platform map is not carried over: call `assign` on the result.
   */
  mapAdapters(wrap: (adapter: PlatformAdapter) => PlatformAdapter): PlatformRegistry {
    return new PlatformRegistry(new Map([...this.adapters].map(([kind, adapter]) => [kind, wrap(adapter)])), this.options);
  }

  all(): PlatformAdapter[] {
    return [...this.adapters.values()];
  }

  /** What every platform runs, each app tagged by the platform it came from. */
  async inventory(): Promise<(AppStatus & { platform: string })[]> {
    const lists = await Promise.all(this.all().map(async (adapter) => (await adapter.inventory()).map((status) => ({ ...status, platform: adapter.name }))));
    return lists.flat();
  }

  /** Lets go of every adapter (`dispose`, where an adapter has one); what runs keeps running. */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.all().map((adapter) => adapter.dispose?.()));
  }
}
