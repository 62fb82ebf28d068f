import type { StepAction } from "@/lib/domain/rollout-plan";
import { PlatformError, type InstanceHealth, type PlatformAdapter } from "@/lib/platform/types";
import type { AppPlan } from "./specs";

/** A step that cannot succeed; `permanent` means retrying will not help. */
export class StepFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export interface StepEnvironment {
  platform: PlatformAdapter;
  /** The release being deployed, per app. */
  plans: AppPlan[];
  /** Verification polls this long for every instance to answer healthy with the right version. */
  verifyTimeoutMs: number;
  sleep(ms: number): Promise<void>;
}

const shortDigest = (digest: string) => `${digest.slice(0, 19)}…`;

function describeHealth(h: InstanceHealth): string {
  const what = h.error ?? `${h.httpStatus ?? "?"} ${h.status}${h.version ? `, reports ${h.app ?? "?"} ${h.version} (${h.commit?.slice(0, 7) ?? "?"})` : ""}`;
  return `${h.instance}: ${what}`;
}

/**
 * Every instance of the slot answers healthy and reports exactly the deployed app, version and
 * commit. A wrong version fails at once (it will not fix itself); unhealthy fails after the timeout.
 */
async function verify(env: StepEnvironment, plan: AppPlan, slot: "active" | "standby"): Promise<string> {
  const { spec } = plan;
  const deadline = Date.now() + env.verifyTimeoutMs;
  let last: InstanceHealth[] = [];
  for (;;) {
    last = await env.platform.health(spec.environment, spec.app, slot, spec.healthPath);
    const wrong = last.find((h) => h.version !== undefined && (h.version !== spec.build.version || (h.commit !== undefined && h.commit !== spec.build.commit)));
    if (wrong) {
      throw new StepFailure(
        `${spec.app} reports version ${wrong.version} (${wrong.commit?.slice(0, 7) ?? "?"}) but ${spec.build.version} (${spec.build.commit.slice(0, 7)}) was deployed.`,
        true,
      );
    }
    if (last.length > 0 && last.every((h) => h.status === "healthy" && h.version === spec.build.version)) {
      return `${last.length} instance(s) healthy, reporting ${spec.app} ${spec.build.version} (${spec.build.commit.slice(0, 7)}):\n${last.map(describeHealth).join("\n")}`;
    }
    if (Date.now() >= deadline) {
      throw new StepFailure(
        `${spec.app} did not become healthy within ${Math.round(env.verifyTimeoutMs / 1000)} s: ${last.length ? last.map(describeHealth).join("; ") : "no instance answered"}.`,
        true,
      );
    }
    await env.sleep(500);
  }
}

async function start(env: StepEnvironment, plan: AppPlan): Promise<string> {
  const slot = await env.platform.startStandby(plan.spec);
  return `Started ${slot.instances.length} instance(s) of ${plan.app} ${slot.version} (${shortDigest(slot.digest)}) beside the running release:\n${slot.instances.map((i) => `${i.id} at ${i.address}${i.pid ? ` (pid ${i.pid})` : ""}`).join("\n")}`;
}

/** Switches every app to the new release; apps that already serve it are left alone (idempotent). */
async function switchAll(env: StepEnvironment): Promise<string> {
  const lines: string[] = [];
  for (const { spec } of env.plans) {
    const status = await env.platform.status(spec.environment, spec.app);
    if (status?.active?.buildId === spec.build.buildId) {
      lines.push(`${spec.app} already serves ${spec.build.version}`);
      continue;
    }
    if (status?.standby?.buildId !== spec.build.buildId) throw new StepFailure(`${spec.app} ${spec.build.version} is not running beside the old release: nothing to switch to.`, false);
    const started = performance.now();
    await env.platform.switchTraffic(spec.environment, spec.app);
    lines.push(`${spec.app} now serves ${spec.build.version} at ${status.url ?? "its address"} (switched in ${(performance.now() - started).toFixed(1)} ms)`);
  }
  return lines.join("\n");
}

/** Back to a previous release: a traffic switch when it is still warm, else a fresh start of it. */
async function rollback(env: StepEnvironment, plan: AppPlan): Promise<string> {
  const { spec } = plan;
  const status = await env.platform.status(spec.environment, spec.app);
  if (status?.active?.buildId === spec.build.buildId) return `${spec.app} already serves ${spec.build.version}.`;
  const started = performance.now();
  if ((await env.platform.rollback(spec.environment, spec.app, spec.build)) === "switched") {
    return `${spec.app} ${spec.build.version} was still warm: switched back in ${(performance.now() - started).toFixed(1)} ms.`;
  }
  await env.platform.startStandby(spec);
  const verified = await verify(env, plan, "standby");
  await env.platform.switchTraffic(spec.environment, spec.app);
  return `${spec.app} ${spec.build.version} was not warm: started it again, verified it, switched in ${Math.round(performance.now() - started)} ms.\n${verified}`;
}

export async function runStep(env: StepEnvironment, action: StepAction, app: string | null, verifySlot: "active" | "standby"): Promise<string> {
  const plan = app ? env.plans.find((p) => p.app === app) : undefined;
  if (app && !plan) throw new StepFailure(`The release has no build for ${app}.`, true);
  try {
    switch (action) {
      case "start":
        return await start(env, plan!);
      case "verify":
        return await verify(env, plan!, verifySlot);
      case "switch":
        return await switchAll(env);
      case "rollback":
        return await rollback(env, plan!);
      case "retire":
        await env.platform.stopStandby(plan!.spec.environment, plan!.app);
        return `Stopped the previous release of ${plan!.app}.`;
    }
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    if (error instanceof PlatformError) throw new StepFailure(error.message, error.permanent);
    throw new StepFailure(`Unexpected error: ${(error as Error).message}`, false);
  }
}
