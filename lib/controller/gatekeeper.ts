import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environments, type Deployment } from "@/db/schema";
import type { DeploymentState } from "@/db/schema/enums";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { announce, deploymentData } from "@/lib/services/announce";
import { recordAudit } from "@/lib/services/audit";
import { transitionDeployment } from "@/lib/services/deployment-transitions";
import { evaluateDeployment, storeGateResults, GATED_KINDS } from "@/lib/services/gate-evaluation";
import { fencedTransaction } from "./fencing";

export interface GatekeeperDeps {
  db: Db;
  clock: Clock;
  token: () => number;
  log: (line: string) => void;
}

/** How often a waiting deployment is looked at again when nothing woke the controller. */
const REEVALUATE_EVERY_MS = 5_000;

/**
 * Waiting deployments move on only when every gate passes: then they queue for their environment.
 * A rejection or failing tests end them. Outcomes are stored each time, so "why can't this ship?"
 * is always current. Time-bound gates (windows, soaks, expiries) are looked at again at their
 * recheck time at the latest.
 */
export class Gatekeeper {
  private readonly nextEvaluation = new Map<string, number>();

  constructor(private readonly deps: GatekeeperDeps) {}

  /** Forget the schedule: something changed (an approval, a tick), look at everything now. */
  wake(): void {
    this.nextEvaluation.clear();
  }

  async evaluateWaiting(): Promise<void> {
    const waiting = await this.deps.db.select().from(deployments).where(eq(deployments.state, "waiting"));
    const now = this.deps.clock.now();
    for (const deployment of waiting) {
      if ((this.nextEvaluation.get(deployment.id) ?? 0) > now.getTime()) continue;
      const outcome = await this.evaluateGates(deployment, now);
      const recheck = outcome.recheckAt ? Math.min(outcome.recheckAt.getTime(), now.getTime() + REEVALUATE_EVERY_MS) : now.getTime() + REEVALUATE_EVERY_MS;
      this.nextEvaluation.set(deployment.id, recheck);
    }
    for (const id of this.nextEvaluation.keys()) if (!waiting.some((d) => d.id === id)) this.nextEvaluation.delete(id);
  }

  /**
   * Just before a queued deployment starts: its gates must still hold (a window may have closed
   * while it queued). Returns false when it went back to waiting.
   */
  async stillShippable(deployment: Deployment): Promise<boolean> {
    if (!GATED_KINDS.includes(deployment.kind)) return true;
    const result = await this.evaluateGates(deployment, this.deps.clock.now());
    return result.shippable;
  }

  private async evaluateGates(deployment: Deployment, now: Date): Promise<{ shippable: boolean; recheckAt: Date | null }> {
    const environment = (await this.deps.db.query.environments.findFirst({ where: eq(environments.id, deployment.environmentId) }))!;
    const gates = await evaluateDeployment(this.deps.db, deployment, environment, now);
    let next: DeploymentState | null = null;
    if (gates.stop) next = "failed";
    else if (gates.canShip && deployment.state === "waiting") next = "queued";
    else if (!gates.canShip && deployment.state === "queued") next = "waiting";
    await fencedTransaction(this.deps.db, this.deps.token(), async (tx) => {
      await storeGateResults(tx, deployment.id, gates.outcomes, now);
      if (!next) return;
      const ended = next === "failed";
      await transitionDeployment(tx, deployment.id, {
        from: deployment.state,
        to: next,
        set: { updatedAt: now, fencingToken: this.deps.token(), ...(ended ? { finishedAt: now, failureReason: `Stopped by its gates: ${gates.stop}` } : {}) },
      });
      await recordAudit(tx, automationActor(), this.deps.clock, {
        action: ended ? "deployment.fail" : next === "queued" ? "deployment.gates-passed" : "deployment.gates-reopened",
        targetType: "deployment",
        targetId: deployment.id,
        reason: ended ? gates.stop : next === "waiting" ? gates.blockers.join("; ") : null,
        data: { environment: environment.name, gates: gates.outcomes.map((o) => ({ gate: o.gate, status: o.status })) },
      });
      if (ended) await announce(tx, this.deps.clock, { event: "deployment.failed", data: { ...(await deploymentData(tx, deployment.id)), failureReason: `Stopped by its gates: ${gates.stop}` } });
    });
    if (next) this.deps.log(`${environment.name}: ${deployment.id} ${deployment.state} → ${next}${next === "failed" ? ` (${gates.stop})` : ""}`);
    deployment.state = next ?? deployment.state;
    return { shippable: gates.canShip && !gates.stop, recheckAt: gates.recheckAt };
  }
}
