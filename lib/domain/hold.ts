/**
 * What a hold after a rollback does, in words. A hold stops automatic promotion only
 * (lib/controller/auto-promotion.ts skips a held environment); deployments people ask for go ahead,
 * and a review environment still takes its branch's new releases (a fix is what its reviewers wait
 * for; the release that was rolled back is not brought back by either). Pure.
 */

/** How releases reach an environment by themselves: auto-promotion, following its branch (review environments), or not at all. */
export type Automation = "auto-promote" | "follows-branch" | "none";

/** The automation of an environment, from its kind and its pipeline-file settings. */
export function automationOf(environment: { kind: string; settings?: unknown }): Automation {
  if (environment.kind === "review") return "follows-branch";
  return (environment.settings as { autoPromote?: boolean } | null | undefined)?.autoPromote ? "auto-promote" : "none";
}

/**
 * The clause after "<environment> is on hold…:", e.g. "automatic promotion will not deploy to qa
 * until a delivery lead, tech lead or admin lifts the hold; deployments people ask for go ahead".
 * `lifters` is the policy's own phrase (whoMay("environment.hold.lift")).
 */
export function holdEffect(environment: string, automation: Automation, lifters: string): string {
  if (automation === "auto-promote") return `automatic promotion will not deploy to ${environment} until ${lifters} lifts the hold; deployments people ask for go ahead`;
  if (automation === "follows-branch") return `new releases of its branch still deploy to ${environment}, as do deployments people ask for; the hold marks the rollback until ${lifters} lifts it`;
  return `${environment} takes no automatic promotion, so the hold marks the rollback until ${lifters} lifts it; deployments people ask for go ahead`;
}
