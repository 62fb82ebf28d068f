import { deploymentListItemDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { listDeployments } from "@/lib/services/deployment-queries";

export const GET = apiRead(async ({ ctx, query }) => {
  authorize(ctx, "pipeline.view");
  const page = await listDeployments(ctx.db, query);
  return { items: page.items.map(deploymentListItemDto), nextCursor: page.nextCursor };
});
