import { z } from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiPathItemObject, ZodOpenApiPathsObject } from "zod-openapi";
import { errorSchema, pipelineSchema } from "../schemas";
import { errors, json, mutation, notFound, refused } from "./common";

const pipelineParam = z.object({ pipeline: z.string().meta({ description: "The pipeline's name, e.g. `shop`", example: "shop" }) });

const revisionSchema = z.object({ revision: z.string().meta({ description: "Opaque; compare for equality", example: "42" }) });

/** The pipelines themselves: list, read, register or update from YAML; their change tokens. */
export const pipelinePaths: ZodOpenApiPathsObject = {
  "/pipelines": {
    get: {
      summary: "Every pipeline, by name",
      responses: { "200": json(z.object({ items: z.array(pipelineSchema), nextCursor: z.null() }).meta({ id: "PipelineList" }), "The pipelines"), ...errors },
    },
  },
  "/pipelines/{pipeline}": {
    get: {
      summary: "One pipeline, as loaded from its file or through PUT",
      requestParams: { path: pipelineParam },
      responses: { "200": json(pipelineSchema, "The pipeline"), ...errors, ...notFound },
    },
    put: mutation({
      summary: "Register or update a pipeline from its YAML (CI)",
      description:
        "The body is the pipeline file's text (`Content-Type: application/yaml` or `text/plain`), validated exactly like a file in the pipelines directory. " +
        "`pipeline.name` in the YAML must be the path's. Refused with 422 `invalid_pipeline` listing every problem with its line (in `message`, and per path in `fields`), " +
        "`pipeline_name_mismatch`, or `address_collision` (another pipeline runs an app of the same name in an environment of the same name on the same platform); nothing changes then. " +
        "Tech leads and admins (`pipeline.manage`); audited as `pipeline.load`.",
      path: pipelineParam,
      requestBody: { content: { "application/yaml": { schema: z.string().meta({ description: "The pipeline file's YAML text" }) } } },
      responses: {
        "201": json(pipelineSchema, "Registered"),
        "200": json(pipelineSchema, "Updated (or unchanged: `changed` false)"),
        ...errors,
        ...refused,
      },
    }),
  },
  "/pipelines/{pipeline}/revision": {
    get: {
      summary: "The pipeline's change token",
      description:
        "An opaque token that changes whenever something the pipeline's board or environment pages show changes (a deployment, an approval, a release, a health status, drift, a freeze, …) and stays the same otherwise: " +
        "poll it (one indexed read) and re-read the board only when it differs. Compare tokens for equality only. The passing of time alone (a reading going stale) does not change it. `pipeline.view`.",
      requestParams: { path: pipelineParam },
      responses: { "200": json(revisionSchema.extend({ pipeline: z.string() }).meta({ id: "PipelineRevision" }), "The token"), ...errors, ...notFound },
    },
  },
  "/revision": {
    get: {
      summary: "The change token of every pipeline the caller may read",
      description: "Like /pipelines/{pipeline}/revision for the portfolio: changes when anything of any readable pipeline changes, or a pipeline is registered. `pipeline.view`.",
      responses: { "200": json(revisionSchema.meta({ id: "PortfolioRevision" }), "The token"), ...errors },
    },
  },
};

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

const ambiguous = { "409": json(errorSchema, "`ambiguous`: the name exists in several pipelines; `error.candidates` lists the qualified references (e.g. `shop/dev`, `tool/dev`). Use /pipelines/{pipeline}/…") };

function isScoped(path: string): boolean {
  // Lists and the things found by name; what is found by id (a release, a deployment) needs no pipeline.
  if (["/builds", "/releases", "/deployments"].includes(path)) return true;
  return ["/environments", "/review-environments"].some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** The operation with `{pipeline}` in its path; a `pipeline` query filter, which the path overrides, is dropped. */
function withPipelineParam(op: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  const path = op.requestParams?.path as z.ZodObject | undefined;
  const query = op.requestParams?.query as z.ZodObject | undefined;
  const scopedQuery = query && "pipeline" in query.shape ? query.omit({ pipeline: true }) : query;
  return { ...op, requestParams: { ...op.requestParams, path: path ? path.extend(pipelineParam.shape) : pipelineParam, ...(scopedQuery ? { query: scopedQuery } : {}) } };
}

/**
 * Adds `/pipelines/{pipeline}/…` for every legacy path of environments, builds, releases, review
 * environments and the deployment list (the same handlers, scoped by the path), and marks the
 * legacy ones deprecated: they answer as before when the name is unambiguous, else 409 `ambiguous`.
 */
export function withPipelineScopedPaths(paths: ZodOpenApiPathsObject): ZodOpenApiPathsObject {
  const out: ZodOpenApiPathsObject = { ...paths };
  for (const [path, item] of Object.entries(paths)) {
    if (!isScoped(path)) continue;
    const legacy: ZodOpenApiPathItemObject = { ...item };
    const scoped: ZodOpenApiPathItemObject = {};
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      legacy[method] = {
        ...op,
        deprecated: true,
        description: `${op.description ? `${op.description} ` : ""}Deprecated: use /pipelines/{pipeline}${path}. Answers as before while the names are unambiguous, else 409 \`ambiguous\` listing the candidates.`,
        responses: { ...op.responses, ...ambiguous },
      };
      scoped[method] = { ...withPipelineParam(op), summary: `${op.summary ?? ""} (in one pipeline)`.trim(), responses: { ...op.responses, ...notFound } };
    }
    out[path] = legacy;
    out[`/pipelines/{pipeline}${path}`] = scoped;
  }
  return out;
}
