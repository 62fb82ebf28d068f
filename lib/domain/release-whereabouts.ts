import type { DeploymentState } from "@/db/schema/enums";
import type { GateState } from "./gate-state";
import { PENDING_DEPLOYMENT_STATES } from "./vocabulary";

/**
 * Where one release is now along the chain: per environment, whether it runs there (all apps or
 * some), is being deployed, waits there (and on what), is next in line (and what would block it
 * now), ran there before but no longer, or has not come that far. Pure.
 */
export interface WhereaboutsEnvironment {
  name: string;
  /** How many of the pipeline's apps run this release here, out of `appCount`. */
  appsRunning: number;
  appCount: number;
  /** Unfinished deployments into this environment (any release). */
  active: readonly { id: string; state: DeploymentState; releaseId: string; blocker: string | null }[];
  /** A deployment of this release into this environment ever succeeded. */
  ranBefore: boolean;
  gateState?: GateState | undefined;
}

export type Whereabouts =
  | { status: "running"; partial: boolean }
  | { status: "deploying"; deploymentId: string; state: DeploymentState }
  | { status: "waiting"; deploymentId: string; state: DeploymentState; blocker: string | null }
  | { status: "next"; blockers: string[] }
  | { status: "not-running-now" }
  | { status: "not-yet" };

export interface EnvironmentWhereabouts {
  environment: string;
  where: Whereabouts;
}

const WAITING: readonly DeploymentState[] = PENDING_DEPLOYMENT_STATES;

/** What in the gate state would stop a deployment starting now, in words. */
export function gateBlockers(state: GateState | undefined): string[] {
  if (!state) return [];
  const blockers = state.frozen.map((f) => `frozen by "${f.name}"`);
  if (state.window && !state.window.open) blockers.push("its deployment window is closed");
  for (const i of state.incidents) blockers.push(`open incident "${i.title}"`);
  if (state.hold) blockers.push("on hold after a rollback (no automatic promotion)");
  return blockers;
}

/** The release's whereabouts in each environment, in chain order. */
export function releaseWhereabouts(releaseId: string, chain: readonly WhereaboutsEnvironment[]): EnvironmentWhereabouts[] {
  let previousRuns = true; // the first environment takes releases from CI
  return chain.map((env) => {
    const mine = env.active.find((d) => d.releaseId === releaseId);
    let where: Whereabouts;
    if (mine && WAITING.includes(mine.state)) where = { status: "waiting", deploymentId: mine.id, state: mine.state, blocker: mine.blocker };
    else if (mine) where = { status: "deploying", deploymentId: mine.id, state: mine.state };
    else if (env.appsRunning > 0) where = { status: "running", partial: env.appsRunning < env.appCount };
    else if (previousRuns) where = { status: "next", blockers: gateBlockers(env.gateState) };
    else if (env.ranBefore) where = { status: "not-running-now" };
    else where = { status: "not-yet" };
    if (where.status === "next" && env.ranBefore) where = { status: "not-running-now" };
    previousRuns = env.appsRunning > 0;
    return { environment: env.name, where };
  });
}
