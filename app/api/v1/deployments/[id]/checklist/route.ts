import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { getDeployment } from "@/lib/services/deployment-queries";
import { tickChecklist } from "@/lib/services/preflight";

/** Tick (or untick) a pre-flight checklist item: the requester of the deployment only. */
export const POST = apiMutation<{ id: string }>(async ({ ctx, body, params }) => {
  await tickChecklist(ctx, bodyWith(body, { deploymentId: params.id }));
  return { status: 200, body: deploymentDto(await getDeployment(ctx.db, params.id)) };
});
