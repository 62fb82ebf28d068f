import { releaseDto, releaseListItemDto } from "@/lib/api/dto";
import { apiMutation, apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { createRelease, listReleases } from "@/lib/services/releases";

export const GET = apiRead(async ({ ctx, query }) => {
  authorize(ctx, "pipeline.view");
  const page = await listReleases(ctx.db, query);
  return { items: page.items.map(releaseListItemDto), nextCursor: page.nextCursor };
});

/** 201 for a new release; 200 when the same commit was already released with the same builds. */
export const POST = apiMutation(async ({ ctx, body }) => {
  const { release, created } = await createRelease(ctx, body);
  return { status: created ? 201 : 200, body: releaseDto(release) };
});
