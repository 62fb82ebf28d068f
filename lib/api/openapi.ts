import { createDocument } from "zod-openapi";
import { auditPaths } from "./openapi/audit-paths";
import { corePaths } from "./openapi/core-paths";
import { decisionPaths } from "./openapi/decision-paths";
import { deploymentPaths } from "./openapi/deployment-paths";
import { environmentOpsPaths } from "./openapi/environment-ops-paths";
import { instancePaths } from "./openapi/instance-paths";
import { operationsPaths } from "./openapi/operations-paths";
import { pipelinePaths, withPipelineScopedPaths } from "./openapi/pipeline-paths";
import { reviewPaths } from "./openapi/review-paths";
import { teamPaths } from "./openapi/team-paths";
import { verificationPaths } from "./openapi/verification-paths";

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas that validate requests
 * and shape responses. Each area keeps its endpoints in lib/api/openapi/; add one there with its route.
 */
export function buildOpenApiDocument(serverUrl = "/api/v1") {
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "Slipway API",
      version: "1.0.0",
      description:
        "CI systems, scripts and the command line use this API. Authenticate with `Authorization: Bearer <token>`. " +
        "Slipway serves several pipelines: environments, builds, releases and review environments belong to one, under /pipelines/{pipeline}/…; " +
        "the older paths without it are deprecated and answer 409 `ambiguous` (with `error.candidates`) when a name exists in several pipelines. " +
        "Errors: `{ error: { code, message, fields } }`. Lists: `items` and `nextCursor`, with `cursor` and `limit` (default 50, max 200).",
    },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "An API token (slw_…)" } } },
    security: [{ bearer: [] }],
    paths: {
      ...withPipelineScopedPaths({ ...corePaths, ...pipelinePaths, ...deploymentPaths, ...decisionPaths, ...environmentOpsPaths, ...instancePaths, ...reviewPaths, ...operationsPaths, ...auditPaths, ...verificationPaths }),
      ...teamPaths,
    },
  });
}
