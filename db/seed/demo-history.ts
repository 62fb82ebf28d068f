import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { environments, type Environment } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { automationActor } from "@/lib/auth/actor";
import type { APPROVER_ROLES } from "@/lib/auth/roles";
import type { Clock } from "@/lib/domain/clock";
import { activeFreezes, currentOpening, nextOpening } from "@/lib/domain/gates";
import { checklistItemName } from "@/lib/domain/gates/risk";
import { decideApproval } from "@/lib/services/approvals";
import { requestDeployment, requestRollback } from "@/lib/services/deployments";
import { evaluateDeployment } from "@/lib/services/gate-evaluation";
import { liftHold } from "@/lib/services/holds";
import { tickChecklist } from "@/lib/services/preflight";
import { createReviewEnvironment } from "@/lib/services/review-environments";
import { completeDeployment, passGates } from "./demo-completion";
import { HISTORY, HOUR, type DemoDeployment } from "./demo-catalog";

const MINUTE = 60_000;
type ApproverRole = (typeof APPROVER_ROLES)[number];
type SeedClock = Clock & { set(at: Date): void; advance(ms: number): void };

export interface HistoryInput {
  now: Date;
  clock: SeedClock;
  /** The demo person of each role, acting through the UI. */
  people: Record<string, Actor>;
  releaseIds: Record<string, string>;
  releaseTime: Record<string, Date>;
  envByName: Map<string, Environment>;
  /** The pipeline the history is made in: environments are named "<pipeline>/<environment>" (names repeat across pipelines). */
  pipeline: string;
}

/**
 * The first moment at or after `at` when a person could start a deployment into the environment:
 * inside one of its time windows (with an hour to spare) and outside its freezes. Null when none
 * comes within a few weeks (e.g. a freeze without an end).
 */
function openMoment(environment: Environment, at: Date): Date | null {
  const gates = environment.settings.gates;
  let t = at;
  for (let i = 0; i < 20; i++) {
    const freezes = activeFreezes({ configured: gates?.freezes ?? [], stored: [], environment: environment.name }, t);
    if (freezes.length) {
      if (freezes.some((f) => f.end === null)) return null;
      t = new Date(Math.max(...freezes.map((f) => f.end!.getTime())) + 20 * MINUTE);
      continue;
    }
    const windows = gates?.windows ?? [];
    if (!windows.length) return t;
    const open = currentOpening(windows, t);
    if (open && (open.openUntil === null || open.openUntil.getTime() - t.getTime() >= HOUR)) return t;
    const next = nextOpening(windows, open?.openUntil ?? t);
    if (!next) return null;
    t = new Date(next.opensAt.getTime() + 20 * MINUTE);
  }
  return null;
}

/**
 * Replays the demo's deployment history through the real services, in time order, at the times
 * the clock is set to: the request (by the demo person, or by automation where the environment
 * promotes by itself), checklist ticks and approvals by the people slipway.yaml asks for, then the
 * gatekeeper's and controller's part (demo-completion.ts). A step that could only happen after
 * `now` (a window or freeze pushed it there) is left out, with everything that depends on it.
 */
export async function seedHistory(tx: Db, input: HistoryInput): Promise<void> {
  const { now, clock, people } = input;
  const timed = HISTORY.map((step) => ({ step, at: new Date(input.releaseTime[step.anchor ?? step.release]!.getTime() + step.afterHours * HOUR) })).sort((a, b) => a.at.getTime() - b.at.getTime());
  const freeAt = new Map<string, number>();
  const stalled = new Set<string>();
  for (const { step, at } of timed) {
    const environment = input.envByName.get(step.env);
    if (!environment || stalled.has(step.release) || (step.anchor && stalled.has(step.anchor))) continue;
    const earliest = new Date(Math.max(at.getTime(), (freeAt.get(step.env) ?? 0) + 2 * MINUTE));
    const start = step.kind === "rollback" ? earliest : openMoment(environment, earliest);
    if (!start || start.getTime() > now.getTime() - HOUR) {
      stalled.add(step.release);
      continue;
    }
    clock.set(start);
    const deploymentId = await request(tx, input, environment, step);
    clock.advance(5 * MINUTE);
    await passGates(tx, clock, deploymentId);
    await completeDeployment(tx, clock, deploymentId, step.failure ? { failure: { app: "api-gateway", message: step.failure } } : {});
    freeAt.set(step.env, clock.now().getTime());
  }

  // One review environment, spun up by the developer for the checkout feature four hours ago.
  clock.set(new Date(now.getTime() - 4 * HOUR));
  const { deploymentId } = await createReviewEnvironment({ db: tx, actor: people.developer!, clock }, { branch: "feature/checkout", releaseId: input.releaseIds.rc!, name: "checkout-redesign" });
  await completeDeployment(tx, clock, deploymentId);
}

/** One step's request, and what its gates ask of people (checklist ticks, approvals). Returns the deployment id. */
async function request(tx: Db, input: HistoryInput, environment: Environment, step: DemoDeployment): Promise<string> {
  const { clock, people } = input;
  const config = environment.settings;
  const releaseId = input.releaseIds[step.release]!;
  const person = people[step.by]!;
  if (step.kind === "rollback") return (await requestRollback({ db: tx, actor: person, clock }, { environment: `${input.pipeline}/${environment.name}`, releaseId, reason: step.reason })).id;

  // A rollback held the environment: a lead lifts the hold before it takes a new release.
  const [fresh] = await tx.select({ heldAt: environments.heldAt }).from(environments).where(eq(environments.id, environment.id));
  if (fresh?.heldAt) {
    await liftHold({ db: tx, actor: people["delivery-lead"]!, clock }, { environment: `${input.pipeline}/${environment.name}`, reason: "The fix for the rolled-back release is ready" });
    clock.advance(2 * MINUTE);
  }
  const actor = config.autoPromote ? automationActor() : person;
  const reason = config.autoPromote ? "auto-promotion: the newest release that passed the previous environment" : step.reason;
  const deployment = await requestDeployment({ db: tx, actor, clock }, { environment: `${input.pipeline}/${environment.name}`, releaseId, kind: step.kind ?? "promote", ...(reason ? { reason } : {}) });
  if (deployment.state !== "waiting") return deployment.id;

  clock.advance(3 * MINUTE);
  for (const item of config.gates?.checklist ?? []) {
    await tickChecklist({ db: tx, actor, clock }, { deploymentId: deployment.id, item: checklistItemName(item) });
    clock.advance(MINUTE);
  }
  const gates = await evaluateDeployment(tx, deployment, environment, clock.now());
  const rules = (gates.outcomes.find((o) => o.gate === "approvals" && o.status === "pending")?.detail?.rules ?? []) as { role: ApproverRole; needed: number; have: number }[];
  for (const rule of rules.filter((r) => r.have < r.needed)) {
    clock.advance(7 * MINUTE);
    const approver = people[rule.role];
    if (!approver || approver.id === actor.id) throw new Error(`Demo seed: nobody but the requester can approve ${environment.name} as ${rule.role}.`);
    await decideApproval({ db: tx, actor: approver, clock }, { deploymentId: deployment.id, decision: "approve", role: rule.role });
  }
  return deployment.id;
}
