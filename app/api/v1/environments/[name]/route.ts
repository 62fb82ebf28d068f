import { environmentDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { envRef } from "@/lib/api/scope";
import { authorize } from "@/lib/services/authorize";
import { getEnvironment } from "@/lib/services/environments";
import { listApps } from "@/lib/services/pipeline-queries";
import { pipelineById } from "@/lib/services/pipeline-scope";
import { inheritedAppsOf } from "@/lib/services/review-clone";

/** One environment: "dev" (409 `ambiguous` when several pipelines have one) or, under /pipelines/{pipeline}, that pipeline's. */
export const GET = apiRead<{ name: string; pipeline?: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  const environment = await getEnvironment(ctx.db, ctx.clock, envRef(params));
  const [apps, pipeline, inherited] = await Promise.all([listApps(ctx.db, environment.pipelineId), pipelineById(ctx.db, environment.pipelineId), inheritedAppsOf(ctx.db, environment)]);
  return {
    pipeline: pipeline.name,
    ...environmentDto(
      environment,
      apps.map((a) => a.name),
      inherited,
    ),
  };
});
