import { buildDto } from "@/lib/api/dto";
import { apiMutation, apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { listBuilds, registerBuild } from "@/lib/services/builds";

export const GET = apiRead(async ({ ctx, query }) => {
  authorize(ctx, "pipeline.view");
  const page = await listBuilds(ctx.db, query);
  return { items: page.items.map(buildDto), nextCursor: page.nextCursor };
});

/** 201 for a new build; 200 when the same build was already registered (a safe CI retry). */
export const POST = apiMutation(async ({ ctx, body }) => {
  const { build, created } = await registerBuild(ctx, body);
  return { status: created ? 201 : 200, body: buildDto(build) };
});
