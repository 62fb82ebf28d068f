import { apiRead } from "@/lib/api/handler";
import { listConfig } from "@/lib/services/config-vars";

/** The environment's config variables; secrets come without their value, always. */
export const GET = apiRead<{ name: string }>(async ({ ctx, params }) => {
  const items = await listConfig(ctx, { environment: params.name });
  return { items: items.map((v) => ({ ...v, updatedAt: v.updatedAt.toISOString() })), nextCursor: null };
});
