import { apiRead } from "@/lib/api/handler";
import { listConfig } from "@/lib/services/config-vars";
import { envRef } from "@/lib/api/scope";

/** The environment's config variables; secrets come without their value, always. */
export const GET = apiRead<{ name: string; pipeline?: string }>(async ({ ctx, params }) => {
  const items = await listConfig(ctx, { environment: envRef(params) });
  return { items: items.map((v) => ({ ...v, updatedAt: v.updatedAt.toISOString() })), nextCursor: null };
});
