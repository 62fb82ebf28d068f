import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { undoAutomaticRollback } from "@/lib/services/auto-rollback";
import { getDeployment } from "@/lib/services/deployment-queries";

/** On-call overrules an automatic rollback: the release comes back (`202` with that deployment). */
export const POST = apiMutation<{ id: string }>(async ({ ctx, body, params }) => {
  const redeployment = await undoAutomaticRollback(ctx, bodyWith(body, { deploymentId: params.id }));
  return { status: 202, body: deploymentDto(await getDeployment(ctx.db, redeployment.id)) };
});
