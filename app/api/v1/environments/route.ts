import { environmentDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { queryInPipeline } from "@/lib/api/scope";
import { authorize } from "@/lib/services/authorize";
import { listEnvironmentsPage } from "@/lib/services/environment-list";

/**
 * Live environments, paginated (`cursor`, `limit` ≤ 200): pipelines by name, in each the fixed ones
 * in chain order, then review environments newest first. Also /pipelines/{pipeline}/environments.
 */
export const GET = apiRead<{ pipeline?: string }>(async ({ ctx, query, params }) => {
  authorize(ctx, "pipeline.view");
  const page = await listEnvironmentsPage(ctx.db, ctx.clock, queryInPipeline(query, params));
  return { items: page.items.map((item) => ({ pipeline: item.pipeline, ...environmentDto(item.environment, item.appOrder, item.inherited) })), nextCursor: page.nextCursor };
});
