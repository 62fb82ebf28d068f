import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { getDeployment } from "@/lib/services/deployment-queries";
import { requestRollback } from "@/lib/services/deployments";
import { envRef } from "@/lib/api/scope";

export const POST = apiMutation<{ name: string; pipeline?: string }>(
  async ({ ctx, body, params }) => {
    const deployment = await requestRollback(ctx, bodyWith(body, { environment: envRef(params) }));
    return { status: 202, body: deploymentDto(await getDeployment(ctx.db, deployment.id)) };
  },
  { body: "optional" },
);
