import type { DeploymentKind } from "@/db/schema/enums";
import { restore, type StepEnvironment } from "./steps";

/**
 * Puts an environment back as it was after a failed rollout: traffic shifted to the new release
 * goes back; apps already switched return to their previous release (a switch when it is warm, a
 * fresh start when recreate stopped it); a new release that never served is stopped; a closed
 * environment reopens. Returns what it did, for the deployment's history.
 */
export async function cleanupAfterFailure(env: StepEnvironment, kind: DeploymentKind): Promise<string[]> {
  const done: string[] = [];
  if (kind === "rollback") return done;
  for (const plan of env.plans) {
    const app = plan.app;
    try {
      let status = await env.platform.status(env.environment, app);
      if (status?.standbyShare) {
        await env.platform.shiftTraffic(env.environment, app, 0);
        done.push(`${app}: all traffic back on the running release`);
      }
      const previous = env.previous.find((p) => p.app === app);
      if (previous && status?.active?.buildId !== previous.spec.build.buildId && (status?.active?.buildId === plan.spec.build.buildId || !status?.active)) {
        done.push(`${app}: ${await restore(env, previous)}`);
        status = await env.platform.status(env.environment, app);
      }
      if (status?.standby?.buildId === plan.spec.build.buildId) {
        await env.platform.stopStandby(env.environment, app);
        done.push(`${app}: stopped the new release`);
      }
      if (status?.maintenance) {
        await env.platform.setMaintenance(env.environment, app, false);
        done.push(`${app}: reopened`);
      }
    } catch (error) {
      done.push(`${app}: could not restore: ${(error as Error).message}`);
    }
  }
  return done;
}
