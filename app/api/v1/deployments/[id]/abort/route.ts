import { deploymentDto } from "@/lib/api/dto";
import { apiMutation, bodyWith } from "@/lib/api/handler";
import { abortDeployment } from "@/lib/services/abort";
import { getDeployment } from "@/lib/services/deployment-queries";

export const POST = apiMutation<{ id: string }>(
  async ({ ctx, body, params }) => {
    await abortDeployment(ctx, bodyWith(body, { deploymentId: params.id }));
    return { status: 202, body: deploymentDto(await getDeployment(ctx.db, params.id)) };
  },
  { body: "optional" },
);
