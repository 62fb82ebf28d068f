import { deploymentDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getDeployment } from "@/lib/services/deployment-queries";
import { authorizePipelineRead } from "@/lib/services/pipeline-scope";

export const GET = apiRead<{ id: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  const deployment = await getDeployment(ctx.db, params.id);
  await authorizePipelineRead(ctx, { type: "deployment", id: deployment.id }, { environmentId: deployment.environmentId });
  return deploymentDto(deployment);
});
