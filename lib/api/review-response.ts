import type { ServiceContext } from "@/lib/services/context";
import { getEnvironment, reviewConversation } from "@/lib/services/environments";
import { listApps } from "@/lib/services/pipeline-queries";
import { inheritedAppsOf } from "@/lib/services/review-clone";
import { environmentDto } from "./dto";

/** A review environment as the API returns it: the environment, its verdicts, and the deployment just requested. */
export async function reviewEnvironmentDto(ctx: ServiceContext, name: string, deploymentId?: string, pipeline?: string) {
  const environment = await getEnvironment(ctx.db, ctx.clock, name, pipeline);
  const [apps, verdicts, inherited] = await Promise.all([listApps(ctx.db, environment.pipelineId), reviewConversation(ctx.db, environment.id), inheritedAppsOf(ctx.db, environment)]);
  return {
    ...environmentDto(
      environment,
      apps.map((a) => a.name),
      inherited,
    ),
    verdicts: verdicts.map((v) => ({ verdict: v.verdict, comment: v.comment, by: v.user.email, releaseId: v.releaseId, at: v.createdAt.toISOString() })),
    ...(deploymentId ? { deploymentId } : {}),
  };
}
