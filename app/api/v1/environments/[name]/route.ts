import { environmentDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getEnvironment } from "@/lib/services/environments";
import { getPipeline, listApps } from "@/lib/services/pipeline-queries";

export const GET = apiRead<{ name: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  const environment = await getEnvironment(ctx.db, ctx.clock, params.name);
  const apps = await listApps(ctx.db, (await getPipeline(ctx.db)).id);
  return environmentDto(environment, apps.map((a) => a.name));
});
