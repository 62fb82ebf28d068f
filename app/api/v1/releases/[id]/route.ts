import { releaseDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getRelease } from "@/lib/services/releases";

export const GET = apiRead<{ id: string }>(async ({ ctx, params }) => {
  authorize(ctx, "pipeline.view");
  return releaseDto(await getRelease(ctx.db, params.id));
});
