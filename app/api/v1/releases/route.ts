import { releaseDto, releaseListItemDto } from "@/lib/api/dto";
import { apiMutation, apiRead } from "@/lib/api/handler";
import { bodyInPipeline, queryInPipeline } from "@/lib/api/scope";
import { authorize } from "@/lib/services/authorize";
import { createRelease, listReleases } from "@/lib/services/releases";

export const GET = apiRead<{ pipeline?: string }>(async ({ ctx, query, params }) => {
  authorize(ctx, "pipeline.view");
  const page = await listReleases(ctx.db, queryInPipeline(query, params));
  return { items: page.items.map(releaseListItemDto), nextCursor: page.nextCursor };
});

/** 201 for a new release; 200 when the same commit was already released with the same builds. */
export const POST = apiMutation<{ pipeline?: string }>(async ({ ctx, body, params }) => {
  const { release, created } = await createRelease(ctx, bodyInPipeline(body, params));
  return { status: created ? 201 : 200, body: releaseDto(release) };
});
