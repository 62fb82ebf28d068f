import type { z } from "zod";
import { PLATFORM_AVAILABILITY } from "@/lib/platform/availability";
import { formatDuration } from "./duration";

/**
 * Cross-field rules of slipway.yaml: unique names, references to declared apps and environments,
 * and rules about an environment's position in the chain.
 *
 * This runs even when other parts of the file are invalid (so one run reports every problem), which
 * means the value may be only partly parsed: every access is guarded, and a rule whose inputs are
 * themselves invalid stays quiet (their own problem is reported already).
 */

type Path = (string | number)[];
type Ctx = z.RefinementCtx<unknown>;

/** `params.at = "key"`: the problem is the key itself (e.g. an unknown app in a map), not its value. */
export type ReferenceIssueParams = { at?: "key" };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

function report(ctx: Ctx, path: Path, message: string, params?: ReferenceIssueParams) {
  ctx.addIssue({ code: "custom", message, path, ...(params ? { params } : {}) });
}

/** The names in `items` (at `items[i].name`), reporting each repeat at the repeat. */
function uniqueNames(ctx: Ctx, items: unknown[], listPath: Path, what: string): string[] {
  const firstIndex = new Map<string, number>();
  items.forEach((item, index) => {
    const name = isRecord(item) ? asString(item.name) : undefined;
    if (name === undefined) return;
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else report(ctx, [...listPath, index, "name"], `duplicate ${what} name "${name}" (already used by ${formatPathForMessage([...listPath, first])})`);
  });
  return [...firstIndex.keys()];
}

function formatPathForMessage(path: Path): string {
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

/** Where review environments are cloned from when the file does not say: staging, else the second-to-last. */
export function defaultReviewSource(environmentNames: readonly string[]): string {
  if (environmentNames.includes("staging")) return "staging";
  return environmentNames[Math.max(0, environmentNames.length - 2)] ?? "staging";
}

export function checkPipelineReferences(value: unknown, ctx: Ctx): void {
  if (!isRecord(value)) return;
  const apps = asList(value.apps);
  const environments = asList(value.environments);
  const appNames = uniqueNames(ctx, apps, ["apps"], "app");
  const environmentNames = uniqueNames(ctx, environments, ["environments"], "environment");

  // Without a valid list of apps every reference would look unknown: report the list's problem only.
  const checkAppReference =
    Array.isArray(value.apps) && appNames.length > 0
      ? (app: unknown, path: Path, params?: ReferenceIssueParams) => {
          if (typeof app === "string" && !appNames.includes(app)) {
            report(ctx, path, `unknown app "${app}" (declared apps: ${appNames.join(", ")})`, params);
          }
        }
      : () => {};

  const firstName = isRecord(environments[0]) ? asString(environments[0].name) : undefined;
  const lastIndex = environments.length - 1;
  const lastName = isRecord(environments[lastIndex]) ? asString(environments[lastIndex].name) : undefined;

  environments.forEach((env, index) => {
    if (!isRecord(env)) return;
    const at: Path = ["environments", index];
    if (index > 0 && env.branch !== undefined) {
      report(ctx, [...at, "branch"], `branch is only allowed on the first environment${firstName ? ` ("${firstName}")` : ""}; later environments take releases from the one before them`);
    }
    if (index < lastIndex && env.fastTrack !== undefined) {
      report(ctx, [...at, "fastTrack"], `fastTrack is only allowed on the last environment${lastName ? ` ("${lastName}")` : ""}`);
    }
    if (isRecord(env.apps)) {
      for (const app of Object.keys(env.apps)) checkAppReference(app, [...at, "apps", app], { at: "key" });
    }
    for (const list of ["smoke", "hooks"] as const) {
      const items = asList(env[list]);
      items.forEach((item, i) => {
        if (isRecord(item)) checkAppReference(item.app, [...at, list, i, "app"]);
      });
      uniqueNames(ctx, items, [...at, list], list === "smoke" ? "smoke check" : "hook");
    }
    if (isRecord(env.gates)) uniqueNames(ctx, asList(env.gates.freezes), [...at, "gates", "freezes"], "freeze");
    asList(env.verifications).forEach((item, i) => {
      if (isRecord(item)) checkAppReference(item.app, [...at, "verifications", i, "app"]);
    });
    if (index === 0 && isRecord(env.gates) && env.gates.verified !== undefined) {
      report(ctx, [...at, "gates", "verified"], "verified is not allowed on the first environment: it checks verifications in the environment before this one");
    }
    // A platform this installation cannot run is refused here, never replaced by another.
    const platform = asString(env.platform);
    const availability = platform !== undefined && Object.hasOwn(PLATFORM_AVAILABILITY, platform) ? PLATFORM_AVAILABILITY[platform as keyof typeof PLATFORM_AVAILABILITY] : undefined;
    const envName = asString(env.name) ?? `#${index + 1}`;
    if (platform === "kubernetes" && env.kubernetes === undefined) report(ctx, [...at, "kubernetes"], `environment "${envName}" runs on platform "kubernetes" and needs a kubernetes: section (at least namespace)`);
    if (platform !== "kubernetes" && env.kubernetes !== undefined) report(ctx, [...at, "kubernetes"], `environment "${envName}" has a kubernetes: section but runs on platform "${platform ?? "local"}"`);
    if (availability && !availability.available) {
      const name = asString(env.name) ?? `#${index + 1}`;
      const usable = Object.entries(PLATFORM_AVAILABILITY)
        .filter(([, a]) => a.available)
        .map(([kind]) => `"${kind}"`)
        .join(", ");
      report(ctx, [...at, "platform"], `environment "${name}" asks for platform "${platform}", which is not available: ${availability.why} (available: ${usable})`);
    }
  });

  const review = value.reviewEnvironments;
  if (!isRecord(review)) return;
  const source = asString(review.source);
  if (source !== undefined && environmentNames.length > 0 && !environmentNames.includes(source)) {
    report(ctx, ["reviewEnvironments", "source"], `unknown environment "${source}" (environments: ${environmentNames.join(", ")})`);
  }
  if (Array.isArray(review.sources) && environmentNames.length > 0) {
    review.sources.forEach((entry, index) => {
      const name = asString(entry);
      if (name !== undefined && !environmentNames.includes(name)) {
        report(ctx, ["reviewEnvironments", "sources", index], `unknown environment "${name}" (environments: ${environmentNames.join(", ")})`);
      }
    });
  }
  const { defaultTtl, maxTtl, quota } = review;
  if (typeof defaultTtl === "number" && typeof maxTtl === "number" && maxTtl < defaultTtl) {
    report(ctx, ["reviewEnvironments", "maxTtl"], `maxTtl (${formatDuration(maxTtl)}) must be at least defaultTtl (${formatDuration(defaultTtl)})`);
  }
  if (isRecord(quota) && typeof quota.perPerson === "number" && typeof quota.total === "number" && quota.perPerson > quota.total) {
    report(ctx, ["reviewEnvironments", "quota", "perPerson"], `perPerson (${quota.perPerson}) must not exceed total (${quota.total})`);
  }
}
