import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { getDeployment } from "@/lib/services/deployment-queries";
import { cancelDeployment } from "@/lib/services/deployments";

export const POST = apiMutation<{ id: string }>(
  async ({ ctx, body, params }) => {
    await cancelDeployment(ctx, bodyWith(body, { deploymentId: params.id }));
    return { status: 200, body: deploymentDto(await getDeployment(ctx.db, params.id)) };
  },
  { body: "optional" },
);
