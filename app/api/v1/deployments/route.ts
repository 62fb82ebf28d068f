import { deploymentListItemDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { queryInPipeline } from "@/lib/api/scope";
import { authorize } from "@/lib/services/authorize";
import { listDeployments } from "@/lib/services/deployment-queries";

export const GET = apiRead<{ pipeline?: string }>(async ({ ctx, query, params }) => {
  authorize(ctx, "pipeline.view");
  const page = await listDeployments(ctx.db, queryInPipeline(query, params));
  return { items: page.items.map(deploymentListItemDto), nextCursor: page.nextCursor };
});
