import type { Strategy } from "@/db/schema/enums";
import type { EnvironmentConfig } from "@/lib/config/schema";

/** Most conservative first: consistency (recreate), then an instant way back (blue-green). */
const CAUTION: readonly Strategy[] = ["recreate", "blue-green", "rolling"];
export const ALL_STRATEGIES: readonly Strategy[] = ["rolling", "blue-green", "recreate"];

/**
 * The strategy a deployment runs: the request's override, else the most conservative of the
 * environment's and its apps' strategies (apps of one environment deploy together), else what the
 * platform supports.
 */
export function effectiveStrategy(requested: Strategy | null, config: Partial<Pick<EnvironmentConfig, "strategy" | "apps">>, supported: readonly Strategy[] = ALL_STRATEGIES): { strategy: Strategy; note: string | null } {
  const declared = [config.strategy ?? "rolling", ...Object.values(config.apps ?? {}).flatMap((a) => (a.strategy ? [a.strategy] : []))];
  const wanted = requested ?? CAUTION.find((s) => declared.includes(s)) ?? "rolling";
  if (supported.includes(wanted)) return { strategy: wanted, note: null };
  return { strategy: "blue-green", note: `The platform cannot run ${wanted}: used blue-green instead.` };
}
