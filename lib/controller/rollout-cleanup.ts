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
      // The new release is the slot this deployment started (same build or not: a config change reuses it).
      const previous = env.previous.find((p) => p.app === app);
      if (status?.active?.reference === plan.spec.reference && status.standby && status.standby.reference !== plan.spec.reference) {
        // What served before is still warm beside it: swap back (works for a config change too, same build or not).
        await env.platform.switchTraffic(env.environment, app);
        done.push(`${app}: switched back to ${status.standby.version}, still warm`);
        status = await env.platform.status(env.environment, app);
      } else if (previous && (status?.active?.reference === plan.spec.reference || !status?.active)) {
        done.push(`${app}: ${await restore(env, previous)}`);
        status = await env.platform.status(env.environment, app);
      }
      if (status?.standby?.reference === plan.spec.reference) {
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
