import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { getDeployment } from "@/lib/services/deployment-queries";
import { overrideGate } from "@/lib/services/preflight";

/** Override a closed window or an active freeze for this deployment (roles from slipway.yaml, with a reason). */
export const POST = apiMutation<{ id: string }>(async ({ ctx, body, params }) => {
  await overrideGate(ctx, bodyWith(body, { deploymentId: params.id }));
  return { status: 200, body: deploymentDto(await getDeployment(ctx.db, params.id)) };
});
