import { deploymentDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getDeployment } from "@/lib/services/deployment-queries";

export const GET = apiRead<{ id: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  return deploymentDto(await getDeployment(ctx.db, params.id));
});
