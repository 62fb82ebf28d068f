import { apiMutation, bodyWith } from "@/lib/api/handler";
import { deleteConfigVariable, setConfigVariable } from "@/lib/services/config-vars";
import { envRef } from "@/lib/api/scope";

/** Sets a variable; it reaches the apps with the next deployment (kind `config` applies it alone). */
export const PUT = apiMutation<{ name: string; key: string; pipeline?: string }>(async ({ ctx, body, params }) => {
  const variable = await setConfigVariable(ctx, bodyWith(body, { environment: envRef(params), key: params.key }));
  return { status: 200, body: { ...variable, updatedAt: variable.updatedAt.toISOString() } };
});

export const DELETE = apiMutation<{ name: string; key: string; pipeline?: string }>(async ({ ctx, body, params, query }) => {
  await deleteConfigVariable(ctx, bodyWith(body, { environment: envRef(params), key: params.key, ...(query.app ? { app: query.app } : {}) }));
  return { status: 200, body: { deleted: true } };
});
