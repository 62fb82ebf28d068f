import { environmentAppDto } from "@/lib/api/dto";
import { apiRead } from "@/lib/api/handler";
import { envRef } from "@/lib/api/scope";
import { listEnvironmentApps } from "@/lib/services/environment-apps";

/** The apps of one environment with what each runs there, paginated (`cursor`, `limit` ≤ 200) and filtered (`q`, `status`). */
export const GET = apiRead<{ name: string; pipeline?: string }>(async ({ ctx, query, params }) => {
  const page = await listEnvironmentApps(ctx, envRef(params), query);
  return { items: page.items.map((row) => environmentAppDto(row.app, row.cell, row.inherited ?? undefined)), nextCursor: page.nextCursor };
});
