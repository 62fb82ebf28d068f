import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { decideApproval } from "@/lib/services/approvals";
import { getDeployment } from "@/lib/services/deployment-queries";

/** Approve or reject, in a role you hold: 201 with the deployment as it stands after the decision. */
export const POST = apiMutation<{ id: string }>(async ({ ctx, body, params }) => {
  await decideApproval(ctx, bodyWith(body, { deploymentId: params.id }));
  return { status: 201, body: deploymentDto(await getDeployment(ctx.db, params.id)) };
});
