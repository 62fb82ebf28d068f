import { and, asc, desc, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { deployments, environments, users, type Deployment, type Environment } from "@/db/schema";
import { automationActor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { recordAudit } from "@/lib/services/audit";
import { environmentAuditRef } from "@/lib/services/pipeline-scope";
import { transitionDeployment } from "@/lib/services/deployment-transitions";

/**
 * After a rollback succeeded (in the transaction that records it): the deployment it undid is
 * marked `rolled-back` (succeeded → rolled-back, the state machine's only way out of succeeded),
 * and the environment is put on hold with who rolled back and why, so automation does not bring
 * the release straight back — unless the rollback undoes an automatic rollback (`detail.undoes`):
 * then the person has said the release is fine. Used by the rollout and by the demo seed.
 */
export async function holdAfterRollback(tx: Db, clock: Clock, deployment: Deployment, environment: Environment, now = clock.now()): Promise<void> {
  if (deployment.previousReleaseId) {
    const [undone] = await tx
      .select()
      .from(deployments)
      .where(and(eq(deployments.environmentId, deployment.environmentId), eq(deployments.releaseId, deployment.previousReleaseId), eq(deployments.state, "succeeded")))
      .orderBy(desc(deployments.createdAt), asc(deployments.id))
      .limit(1);
    if (undone) {
      await transitionDeployment(tx, undone.id, { from: undone.state, to: "rolled-back", set: { updatedAt: now } });
    }
  }
  if (deployment.detail?.undoes) return;
  const [requester] = await tx.select({ name: users.name }).from(users).where(eq(users.id, deployment.requestedBy));
  const reason = `Rolled back by ${requester?.name ?? "someone"}${deployment.reason ? `: ${deployment.reason}` : ""}`;
  await tx.update(environments).set({ heldAt: now, heldBy: deployment.requestedBy, holdReason: reason }).where(eq(environments.id, environment.id));
  await recordAudit(tx, automationActor(), clock, { action: "environment.hold", targetType: "environment", targetId: await environmentAuditRef(tx, environment), reason, data: { deploymentId: deployment.id } });
}
