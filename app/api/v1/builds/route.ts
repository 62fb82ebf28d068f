import { buildDto } from "@/lib/api/dto";
import { apiMutation, apiRead } from "@/lib/api/handler";
import { bodyInPipeline, queryInPipeline } from "@/lib/api/scope";
import { authorize } from "@/lib/services/authorize";
import { listBuilds, registerBuild } from "@/lib/services/builds";

export const GET = apiRead<{ pipeline?: string }>(async ({ ctx, query, params }) => {
  authorize(ctx, "pipeline.view");
  const page = await listBuilds(ctx.db, queryInPipeline(query, params));
  return { items: page.items.map(buildDto), nextCursor: page.nextCursor };
});

/** 201 for a new build; 200 when the same build was already registered (a safe CI retry). */
export const POST = apiMutation<{ pipeline?: string }>(async ({ ctx, body, params }) => {
  const { build, created } = await registerBuild(ctx, bodyInPipeline(body, params));
  return { status: created ? 201 : 200, body: buildDto(build) };
});
