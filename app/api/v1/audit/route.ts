import type { NextRequest } from "next/server";
import { apiRead } from "@/lib/api/handler";
import { auditEventDto, auditExportStream, EXPORT_CONTENT_TYPES, exportFilename, requestedExportFormat } from "@/lib/services/audit-export";
import { listAuditEvents, openAuditExport } from "@/lib/services/audit-queries";
import { ValidationError } from "@/lib/services/errors";

/**
 * GET /api/v1/audit: the audit trail, newest first, filtered (actor, action prefix, targetType,
 * targetId, outcome, since, until, and the pipeline or team it concerns: `pipeline`/`team` by name or
 * `pipelineId`/`teamId`). A page of `items` with `nextCursor`; with `?format=csv` (or
 * `Accept: text/csv`) or `?format=json`, every matching event as a file download.
 *
 * Downloads go through apiRead as well, so they authenticate exactly like every other read (a
 * token, or the browser session of a signed-in person) and fail with the same error shape; the
 * file response is handed out of the callback because apiRead itself only answers JSON.
 */
export async function GET(request: NextRequest, route: { params: Promise<Record<string, string>> }): Promise<Response> {
  const out: { download?: Response } = {};
  const response = await apiRead(async ({ ctx, query }) => {
    const { format, ...filters } = query;
    const chosen = requestedExportFormat(format, request.headers.get("accept"));
    if (chosen === "invalid") throw new ValidationError("Invalid format: expected csv or json.", { format: "expected csv or json" });
    if (!chosen) {
      const page = await listAuditEvents(ctx, filters);
      return { items: page.items.map(auditEventDto), nextCursor: page.nextCursor };
    }
    // An export is every matching event: the filters' schema has no cursor or limit and drops them.
    const batches = await openAuditExport(ctx, filters);
    out.download = new Response(auditExportStream(chosen, batches), {
      headers: {
        "content-type": EXPORT_CONTENT_TYPES[chosen],
        "content-disposition": `attachment; filename="${exportFilename(chosen, ctx.clock.now())}"`,
        "cache-control": "no-store",
      },
    });
    return null;
  })(request, route);
  return out.download ?? response;
}
