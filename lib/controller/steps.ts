import type { SmokeCheck } from "@/lib/config/schema";
import type { PlannedStep } from "@/lib/domain/rollout-plan";
import { PlatformError, type InstanceHealth, type JobResult, type PlatformAdapter } from "@/lib/platform/types";
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
  environment: string;
  /** The release being deployed, per app. */
  plans: AppPlan[];
  /** What the environment ran before, per app (to restore it after a failed recreate). */
  previous: AppPlan[];
  smoke: readonly SmokeCheck[];
  hooks: readonly { name: string; app: string; job: string }[];
  /** Jobs per app from slipway.yaml (the migration job's name), and why migrations run. */
  migrationJob: (app: string) => string;
  migrationReason: (app: string) => string;
  /** Runs a one-off job and keeps its record with the deployment. */
  runJob: (plan: AppPlan, job: string, trigger: string) => Promise<JobResult>;
  /** Verification polls this long for every instance to answer healthy with the right version. */
  verifyTimeoutMs: number;
  /** How long each rolling step watches the new release before moving more traffic. */
  rollingPauseMs: number;
  /** A new review environment's source, whose data it starts with. */
  provisionFrom: string | null;
  /** A partial review environment: the apps whose data it copies (those it runs itself); null: every app's. */
  provisionApps: readonly string[] | null;
  /** When the environment was closed for maintenance (recreate), to report how long it was closed. */
  closedSince: () => Date | null;
  /** The controller's clock: the step records' times come from it, so durations between them do too. */
  now: () => Date;
  sleep(ms: number): Promise<void>;
}

const shortDigest = (digest: string) => `${digest.slice(0, 19)}…`;
const tail = (text: string, lines = 20) => text.trimEnd().split("\n").slice(-lines).join("\n");

function describeHealth(h: InstanceHealth): string {
  const what = h.error ?? `${h.httpStatus ?? "?"} ${h.status}${h.version ? `, reports ${h.app ?? "?"} ${h.version} (${h.commit?.slice(0, 7) ?? "?"})` : ""}`;
  return `${h.instance}: ${what}`;
}

/**
 * Every instance of the slot answers healthy, and an app that reports its version and commit
 * reports exactly the deployed ones. A wrong version fails at once (it will not fix itself);
 * unhealthy fails after the timeout.
 */
async function verify(env: StepEnvironment, plan: AppPlan, slot: "active" | "standby"): Promise<string> {
  const { spec } = plan;
  // A real-time wait paired with env.sleep (the platform answers in real time), not a recorded
  // duration: the monotonic timer, so a test's manual clock cannot stall or skip it.
  const deadline = performance.now() + env.verifyTimeoutMs;
  let last: InstanceHealth[] = [];
  for (;;) {
    last = await env.platform.health(spec.environment, spec.app, slot, spec.healthPath);
    const wrong = last.find((h) => h.version !== undefined && (h.version !== spec.build.version || (h.commit !== undefined && h.commit !== spec.build.commit)));
    if (wrong) {
      throw new StepFailure(`${spec.app} reports version ${wrong.version} (${wrong.commit?.slice(0, 7) ?? "?"}) but ${spec.build.version} (${spec.build.commit.slice(0, 7)}) was deployed.`, true);
    }
    // An app that reports its version must report the deployed one; one that reports none (any
    // 12-factor app) is known by the slot the platform started from the verified artifact.
    if (last.length > 0 && last.every((h) => h.status === "healthy")) {
      const identity = last.every((h) => h.version === spec.build.version)
        ? `reporting ${spec.app} ${spec.build.version} (${spec.build.commit.slice(0, 7)})`
        : `running ${spec.app} ${spec.build.version} (${shortDigest(spec.build.digest)}; the app reports no version)`;
      return `${last.length} instance(s) healthy, ${identity}:\n${last.map(describeHealth).join("\n")}`;
    }
    if (performance.now() >= deadline) {
      throw new StepFailure(`${spec.app} did not become healthy within ${Math.round(env.verifyTimeoutMs / 1000)} s: ${last.length ? last.map(describeHealth).join("; ") : "no instance answered"}.`, true);
    }
    await env.sleep(500);
  }
}

async function start(env: StepEnvironment, plan: AppPlan): Promise<string> {
  const slot = await env.platform.startStandby(plan.spec);
  return `Started ${slot.instances.length} instance(s) of ${plan.app} ${slot.version} (${shortDigest(slot.digest)}) beside the running release:\n${slot.instances.map((i) => `${i.id} at ${i.address}`).join("\n")}`;
}

/** Switches every app to the new release; apps that already serve it are left alone (idempotent). */
async function switchAll(env: StepEnvironment): Promise<string> {
  const lines: string[] = [];
  for (const { spec } of env.plans) {
    const status = await env.platform.status(spec.environment, spec.app);
    // Slots are told apart by who started them: a redeploy or config change runs the same build in a new slot.
    if (status?.active?.reference === spec.reference) {
      lines.push(`${spec.app} already serves ${spec.build.version} from this deployment`);
      continue;
    }
    if (status?.standby?.reference !== spec.reference) throw new StepFailure(`${spec.app} ${spec.build.version} of this deployment is not running beside the old release: nothing to switch to.`, false);
    const started = performance.now();
    await env.platform.switchTraffic(spec.environment, spec.app);
    lines.push(`${spec.app} now serves ${spec.build.version} at ${status.url ?? "its address"} (switched in ${(performance.now() - started).toFixed(1)} ms)`);
  }
  return lines.join("\n");
}

/** Back to a release: a traffic switch when it is still warm, else a fresh start of it. */
export async function restore(env: StepEnvironment, plan: AppPlan): Promise<string> {
  const { spec } = plan;
  const status = await env.platform.status(spec.environment, spec.app);
  if (status?.active?.buildId === spec.build.buildId) return `${spec.app} already serves ${spec.build.version}.`;
  const started = performance.now();
  // A warm copy runs the config it was started with: switch back to it only when that is the config asked for.
  if (!plan.coldOnly && (await env.platform.rollback(spec.environment, spec.app, spec.build)) === "switched") {
    return `${spec.app} ${spec.build.version} was still warm: switched back in ${(performance.now() - started).toFixed(1)} ms.`;
  }
  await env.platform.startStandby(spec);
  const verified = await verify(env, plan, "standby");
  await env.platform.switchTraffic(spec.environment, spec.app);
  return `${spec.app} ${spec.build.version} was ${plan.coldOnly ? "to run another config version than its warm copy" : "not warm"}: started it again, verified it, switched in ${Math.round(performance.now() - started)} ms.\n${verified}`;
}

async function job(env: StepEnvironment, plan: AppPlan, name: string, trigger: string): Promise<string> {
  const result = await env.runJob(plan, name, trigger);
  // Exit -1 is job-records' mark for a job the platform could not start at all: say that, not "ran".
  const outcome = result.exitCode === -1 ? `could not run (${result.durationMs} ms)` : `ran once, exit ${result.exitCode}, in ${result.durationMs} ms`;
  const summary = `${name} for ${plan.app} ${plan.spec.build.version} ${outcome} (${trigger}).\n${tail(result.output)}`;
  if (result.exitCode !== 0) throw new StepFailure(summary, true);
  return summary;
}

/** Moves a share of every app's traffic to the new release, then watches it for a moment. */
async function shift(env: StepEnvironment, percent: number): Promise<string> {
  for (const { spec } of env.plans) await env.platform.shiftTraffic(spec.environment, spec.app, percent);
  await env.sleep(env.rollingPauseMs);
  const lines: string[] = [];
  for (const plan of env.plans) {
    const health = await env.platform.health(plan.spec.environment, plan.app, "standby", plan.spec.healthPath);
    const bad = health.filter((h) => h.status !== "healthy");
    if (!health.length || bad.length) throw new StepFailure(`${plan.app} ${plan.spec.build.version} became unhealthy with ${percent}% of the traffic: ${bad.map(describeHealth).join("; ") || "no instance answered"}.`, true);
    lines.push(`${plan.app}: ${percent}% of requests on ${plan.spec.build.version} for ${Math.round(env.rollingPauseMs / 1000)} s, ${health.length} instance(s) healthy`);
  }
  return lines.join("\n");
}

async function smoke(env: StepEnvironment, check: SmokeCheck): Promise<string> {
  const status = await env.platform.status(env.environment, check.app);
  if (!status?.url) throw new StepFailure(`${check.app} has no address in ${env.environment} to check.`, true);
  const url = `${status.url}${check.path}`;
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: "manual" });
  } catch (error) {
    throw new StepFailure(`GET ${url} did not answer: ${(error as Error).message}`, false);
  }
  const body = await response.text();
  if (response.status !== check.expectStatus) throw new StepFailure(`GET ${url} answered ${response.status}, expected ${check.expectStatus}.`, true);
  if (check.expectBody && !body.includes(check.expectBody)) throw new StepFailure(`GET ${url} answered ${response.status} but the body does not contain "${check.expectBody}".`, true);
  return `GET ${url} → ${response.status}${check.expectBody ? `, body contains "${check.expectBody}"` : ""}`;
}

async function setMaintenance(env: StepEnvironment, closed: boolean): Promise<string> {
  for (const { app } of env.plans) await env.platform.setMaintenance(env.environment, app, closed, 60);
  if (closed) return `${env.environment} is closed: requests get 503 with Retry-After and a maintenance page.`;
  const since = env.closedSince();
  return `${env.environment} is open again${since ? ` after ${env.now().getTime() - since.getTime()} ms closed` : ""}.`;
}

export async function runStep(env: StepEnvironment, step: Pick<PlannedStep, "action" | "app" | "percent" | "index">, verifySlot: "active" | "standby"): Promise<string> {
  const plan = step.app ? env.plans.find((p) => p.app === step.app) : undefined;
  if (step.app && !plan) throw new StepFailure(`The release has no build for ${step.app}.`, true);
  try {
    switch (step.action) {
      case "provision":
        await env.platform.provision(env.environment, env.provisionFrom ? { cloneFrom: env.provisionFrom, ...(env.provisionApps ? { apps: env.provisionApps } : {}) } : {});
        if (!env.provisionFrom) return `${env.environment} is provisioned.`;
        return `${env.environment} has its own addresses and a copy of ${env.provisionFrom}'s data${env.provisionApps ? ` for ${env.provisionApps.join(", ")} (${env.provisionFrom} serves the other apps with theirs)` : ""}; changes there never reach ${env.provisionFrom}.`;
      case "migrate":
        return await job(env, plan!, env.migrationJob(plan!.app), env.migrationReason(plan!.app));
      case "close":
        return await setMaintenance(env, true);
      case "stop-old":
        await env.platform.stopActive(env.environment, plan!.app);
        return `Stopped the running release of ${plan!.app}.`;
      case "start":
        return await start(env, plan!);
      case "verify":
        return await verify(env, plan!, verifySlot);
      case "shift":
        return await shift(env, step.percent ?? 100);
      case "switch":
        return await switchAll(env);
      case "reopen":
        return await setMaintenance(env, false);
      case "smoke":
        return await smoke(env, env.smoke[step.index ?? 0]!);
      case "hook": {
        const hook = env.hooks[step.index ?? 0]!;
        return await job(env, plan!, hook.job, `hook ${hook.name}`);
      }
      case "rollback":
        return await restore(env, plan!);
      case "retire":
        await env.platform.stopStandby(env.environment, plan!.app);
        return `Stopped the previous release of ${plan!.app}.`;
    }
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    if (error instanceof PlatformError) throw new StepFailure(error.message, error.permanent);
    throw new StepFailure(`Unexpected error: ${(error as Error).message}`, false);
  }
}
