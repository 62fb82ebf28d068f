import { apiRead } from "@/lib/api/handler";
import { pendingDecisions } from "@/lib/services/approvals";

/** The caller's approvals inbox: waiting deployments they may decide on, with the roles they could use. */
export const GET = apiRead(async ({ ctx }) => {
  const items = await pendingDecisions(ctx.db, ctx.actor);
  return {
    items: items.map((p) => ({
      deploymentId: p.deployment.id,
      environment: p.environment,
      releaseId: p.deployment.releaseId,
      kind: p.deployment.kind,
      state: p.deployment.state,
      roles: p.roles,
      decided: p.decided ? { decision: p.decided.decision, role: p.decided.role, at: p.decided.createdAt.toISOString() } : null,
      createdAt: p.deployment.createdAt.toISOString(),
    })),
    nextCursor: null,
  };
});
