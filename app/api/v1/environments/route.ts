import { environmentDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { authorize } from "@/lib/services/authorize";
import { getBoard } from "@/lib/services/environments";

/** Every environment, fixed ones in chain order, then review environments newest first. */
export const GET = apiRead(async ({ ctx }) => {
  authorize(ctx, "pipeline.view");
  const board = await getBoard(ctx.db, ctx.clock);
  if (!board) return { items: [], nextCursor: null };
  const appOrder = board.apps.map((a) => a.name);
  return { items: [...board.fixed, ...board.review].map((e) => environmentDto(e, appOrder)), nextCursor: null };
});
