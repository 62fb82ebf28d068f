import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { auditEventSchema, auditQuerySchema } from "@/lib/services/audit-export";
import { pageSchema } from "../schemas";
import { errors } from "./common";

/** The audit trail: read, filtered, exported. */
export const auditPaths: ZodOpenApiPathsObject = {
  "/audit": {
    get: {
      summary: "The audit trail, newest first (or a CSV/JSON download)",
      description: "Every event, including denied attempts. With `format=csv` (or `Accept: text/csv`) or `format=json`, a file of every matching event.",
      requestParams: { query: auditQuerySchema },
      responses: {
        "200": {
          description: "A page; with format=csv|json a file",
          content: { "application/json": { schema: pageSchema(auditEventSchema, "AuditEventPage") }, "text/csv": { schema: z.string() } },
        },
        ...errors,
      },
    },
  },
};
