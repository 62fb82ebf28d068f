import { bodyWith } from "./handler";

/**
 * Routes under /api/v1/pipelines/{pipeline}/… reuse the handlers of the legacy routes: the same
 * handler reads an optional `pipeline` path parameter, and these helpers turn it into the
 * qualified reference or the `pipeline` field the services take.
 */
export type ScopedParams<P extends Record<string, string> = Record<string, never>> = P & { pipeline?: string };

/** `{ pipeline: "shop", name: "dev" }` → `"shop/dev"`; without a path pipeline the name as sent (bare or qualified). */
export function envRef(params: { name: string; pipeline?: string }): string {
  return params.pipeline ? `${params.pipeline}/${params.name}` : params.name;
}

/** The body with the path's pipeline added (a body naming another pipeline is overridden by the path). */
export function bodyInPipeline(body: unknown, params: { pipeline?: string }, extra: Record<string, string> = {}): unknown {
  if (!params.pipeline && Object.keys(extra).length === 0) return body;
  return bodyWith(body, { ...extra, ...(params.pipeline ? { pipeline: params.pipeline } : {}) });
}

/** The query with the path's pipeline as a filter. */
export function queryInPipeline(query: Record<string, string>, params: { pipeline?: string }): Record<string, string> {
  return params.pipeline ? { ...query, pipeline: params.pipeline } : query;
}
