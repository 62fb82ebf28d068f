import { z } from "zod";
import { AUDIT_OUTCOMES, type AuditEvent } from "@/db/schema";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { listAuditEventsInput } from "./audit-queries";

/**
 * The audit trail as files: CSV for spreadsheets, JSON for machines. The JSON export is exact (it
 * carries every field and both hashes, so the chain can be re-verified elsewhere); CSV quotes per
 * RFC 4180 and defuses text a spreadsheet would run as a formula.
 */
export type AuditExportFormat = "csv" | "json";

/** The public shape of one event (API items, JSON export), for the OpenAPI document too. */
export const auditEventSchema = z
  .object({
    seq: z.number().int().meta({ description: "Position in the hash chain" }),
    id: z.string(),
    at: z.iso.datetime().meta({ description: "ISO 8601 UTC", example: "2026-11-21T10:15:00.000Z" }),
    actorId: z.string().nullable(),
    actor: z.string().meta({ description: "The email of who acted (or the name of Slipway's automation)" }),
    action: z.string().meta({ example: "deployment.request" }),
    targetType: z.string().meta({ example: "deployment" }),
    targetId: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    reason: z.string().nullable(),
    data: z.unknown(),
    source: z.string().meta({ example: "ui" }),
    ip: z.string().nullable(),
    prevHash: z.string().meta({ description: "hash of the event before (64 zeros for the first)" }),
    hash: z.string().meta({ description: 'sha256(prevHash + "\\n" + canonical JSON of the event)' }),
  })
  .meta({ id: "AuditEvent" });

export type AuditEventDto = z.input<typeof auditEventSchema>;

/** GET /api/v1/audit's query: the list filters, and `format` for a download. */
export const auditQuerySchema = listAuditEventsInput.extend({
  format: z.enum(["csv", "json"]).optional().meta({ description: "Download every matching event as a file instead of a page (also: Accept: text/csv)" }),
});

export function auditEventDto(e: AuditEvent): AuditEventDto {
  return {
    seq: e.seq,
    id: e.id,
    at: e.at.toISOString(),
    actorId: e.actorId,
    actor: e.actorLabel,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    outcome: e.outcome,
    reason: e.reason,
    data: e.data,
    source: e.source,
    ip: e.ip,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

const CSV_COLUMNS: [header: string, value: (e: AuditEventDto) => string | number | null][] = [
  ["seq", (e) => e.seq],
  ["at", (e) => e.at],
  ["actor", (e) => e.actor],
  ["actor_id", (e) => e.actorId],
  ["action", (e) => e.action],
  ["target_type", (e) => e.targetType],
  ["target_id", (e) => e.targetId],
  ["outcome", (e) => e.outcome],
  ["reason", (e) => e.reason],
  ["source", (e) => e.source],
  ["ip", (e) => e.ip],
  ["data", (e) => canonicalJson(e.data)],
  ["id", (e) => e.id],
  ["prev_hash", (e) => e.prevHash],
  ["hash", (e) => e.hash],
];

/**
 * One CSV field. Text a spreadsheet would evaluate (=, +, -, @, tab, CR at the start: OWASP's
 * "CSV injection") gets a leading apostrophe, so a reason typed by someone is shown, never run.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

export function auditCsvHeader(): string {
  return `${CSV_COLUMNS.map(([header]) => header).join(",")}\r\n`;
}

export function auditCsvRow(e: AuditEventDto): string {
  return `${CSV_COLUMNS.map(([, value]) => csvField(value(e))).join(",")}\r\n`;
}

export function exportFilename(format: AuditExportFormat, now: Date): string {
  return `slipway-audit-${now.toISOString().slice(0, 10)}.${format}`;
}

export const EXPORT_CONTENT_TYPES: Record<AuditExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
};

/** The whole download as a stream: a CSV with its header row, or one JSON array. */
export function auditExportStream(format: AuditExportFormat, batches: AsyncIterable<AuditEvent[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = batches[Symbol.asyncIterator]();
  let started = false;
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(format === "csv" ? auditCsvHeader() : "["));
        return;
      }
      const next = await iterator.next();
      if (next.done) {
        if (format === "json") controller.enqueue(encoder.encode(first ? "]" : "\n]\n"));
        controller.close();
        return;
      }
      const chunk = next.value.map((event) => {
        const dto = auditEventDto(event);
        if (format === "csv") return auditCsvRow(dto);
        const line = `${first ? "\n" : ",\n"}${JSON.stringify(dto)}`;
        first = false;
        return line;
      });
      controller.enqueue(encoder.encode(chunk.join("")));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** Whether Accept prefers CSV over JSON (by q-value, then by order): "text/csv" or "text/csv, application/json;q=0.5". */
function prefersCsv(accept: string): boolean {
  const ranked = accept
    .split(",")
    .map((part, index) => {
      const [type = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase());
      const q = Number(params.find((p) => p.startsWith("q="))?.slice(2) ?? "1");
      return { type, q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((m) => m.q > 0 && (m.type === "text/csv" || m.type === "application/json" || m.type === "*/*"))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return ranked[0]?.type === "text/csv";
}

/** csv or json from `?format=`, else CSV when Accept prefers it; null: an ordinary JSON page. */
export function requestedExportFormat(format: string | undefined, accept: string | null): AuditExportFormat | null | "invalid" {
  if (format === "csv" || format === "json") return format;
  if (format) return "invalid";
  return accept && prefersCsv(accept) ? "csv" : null;
}
