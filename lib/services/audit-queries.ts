import { and, desc, eq, getTableColumns, gte, lt, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { AUDIT_OUTCOMES, auditEvents, users, type AuditEvent } from "@/db/schema";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, ValidationError } from "./errors";
import { pageInput, type Page } from "./pagination";
import { parseInput } from "./validation";
import { auditOfPipeline, auditOfPipelineNamed, auditOfTeam, auditOfTeamNamed } from "./audit-scope";
import { dnsLabel, pipelineName } from "./schemas";

const isoDate = z.iso.datetime({ offset: true, error: "expected an ISO 8601 time, e.g. 2026-11-21T09:00:00Z" }).transform((s) => new Date(s));

/** The filters the audit page, the list endpoint and the exports share. */
export const auditFiltersInput = z.object({
  actor: z.string().trim().min(1).max(254).optional().meta({ description: "Email of who acted (or the name of Slipway's automation)" }),
  action: z.string().trim().min(1).max(100).optional().meta({ description: 'Actions starting with this, e.g. "deployment." or "deployment.request"', example: "deployment." }),
  targetType: z.string().trim().min(1).max(50).optional().meta({ example: "deployment" }),
  targetId: z.string().trim().min(1).max(100).optional(),
  outcome: z.enum(AUDIT_OUTCOMES, { error: "expected allowed or denied" }).optional(),
  since: isoDate.optional(),
  until: isoDate.optional().meta({ description: "Events strictly before this time" }),
  pipelineId: z.string().trim().min(1).max(100).optional().meta({ description: "Only events about this pipeline (its id): its deployments, releases, builds, environments, freezes, incidents" }),
  teamId: z.string().trim().min(1).max(100).optional().meta({ description: "Only events about the pipelines this team owns (the team's id)" }),
  pipeline: pipelineName.optional().meta({ description: "Only events about this pipeline (its name), as `pipelineId`" }),
  team: dnsLabel.optional().meta({ description: "Only events about the pipelines this team owns (the team's name), as `teamId`", example: "payments" }),
});

export const listAuditEventsInput = auditFiltersInput.extend(pageInput.shape);

export type AuditFilters = z.output<typeof auditFiltersInput>;

// The audit trail is ordered by its sequence number, not its timestamp: that is the hash chain's
// order, and it is unique, so a page boundary can never skip or repeat an event.
export function encodeAuditCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`).toString("base64url");
}

export function decodeAuditCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw new ValidationError("Invalid cursor: use the nextCursor of a previous page.", { cursor: "expected a nextCursor from a previous page" });
  return Number(match[1]);
}

/** `like` pattern for "starts with", with the user's own % and _ taken literally. */
function startsWithPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filterConditions(q: AuditFilters): (SQL | undefined)[] {
  const conditions: (SQL | undefined)[] = [];
  if (q.actor) {
    // People are matched by their current email (the label keeps the one they had then, too).
    const who = q.actor.toLowerCase();
    conditions.push(sql`(lower(${auditEvents.actorLabel}) = ${who} or ${auditEvents.actorId} in (select ${users.id} from ${users} where lower(${users.email}) = ${who}))`);
  }
  if (q.action) conditions.push(sql`${auditEvents.action} like ${startsWithPattern(q.action)}`);
  if (q.targetType) conditions.push(eq(auditEvents.targetType, q.targetType));
  if (q.targetId) conditions.push(eq(auditEvents.targetId, q.targetId));
  if (q.outcome) conditions.push(eq(auditEvents.outcome, q.outcome));
  if (q.since) conditions.push(gte(auditEvents.at, q.since));
  if (q.until) conditions.push(lt(auditEvents.at, q.until));
  if (q.pipelineId) conditions.push(auditOfPipeline(q.pipelineId));
  if (q.teamId) conditions.push(auditOfTeam(q.teamId));
  if (q.pipeline) conditions.push(auditOfPipelineNamed(q.pipeline));
  if (q.team) conditions.push(auditOfTeamNamed(q.team));
  return conditions;
}

async function fetchEvents(ctx: ServiceContext, q: AuditFilters, beforeSeq: number | undefined, limit: number): Promise<AuditEvent[]> {
  return ctx.db
    .select()
    .from(auditEvents)
    .where(and(...filterConditions(q), beforeSeq === undefined ? undefined : lt(auditEvents.seq, beforeSeq)))
    .orderBy(desc(auditEvents.seq))
    .limit(limit);
}

/** An audit event without its data, and how large the data is: what the audit page lists. */
export type AuditEventSummary = Omit<AuditEvent, "data"> & {
  /** Bytes of the event's data as JSON text; 0 when it has none (`{}`). */
  dataBytes: number;
};

const { data: _data, ...summaryColumns } = getTableColumns(auditEvents);

/**
 * listAuditEvents for the audit page: the same filters, order and paging, each event's data left
 * in the database with only its size read (the page shows it on request, getAuditEventData). A
 * page of events that changed pipeline configurations was 256 KB of JSON nobody had opened.
 *
 * @returns one page of summaries, newest first, with `nextCursor` when more exist
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`
 */
export async function listAuditEventSummaries(ctx: ServiceContext, input: unknown): Promise<Page<AuditEventSummary>> {
  authorizeKind(ctx, "audit.view", "audit");
  const q = parseInput(listAuditEventsInput, input);
  authorize(ctx, "audit.view", { type: "audit" });
  const beforeSeq = q.cursor ? decodeAuditCursor(q.cursor) : undefined;
  const rows = await ctx.db
    .select({ ...summaryColumns, dataBytes: sql<number>`case when ${auditEvents.data} = '{}'::jsonb then 0 else octet_length(${auditEvents.data}::text) end`.mapWith(Number) })
    .from(auditEvents)
    .where(and(...filterConditions(q), beforeSeq === undefined ? undefined : lt(auditEvents.seq, beforeSeq)))
    .orderBy(desc(auditEvents.seq))
    .limit(q.limit + 1);
  const hasMore = rows.length > q.limit;
  const items = hasMore ? rows.slice(0, q.limit) : rows;
  return { items, nextCursor: hasMore && items.length ? encodeAuditCursor(items.at(-1)!.seq) : null };
}

export const auditEventDataInput = z.object({ seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/**
 * One audit event's data, for the audit page's "show". Requires `audit.view`.
 * @returns `{ seq, data }` (data as recorded, an object)
 * @throws ValidationError for a malformed seq; NotFoundError when no event has it; ForbiddenError
 */
export async function getAuditEventData(ctx: ServiceContext, input: z.input<typeof auditEventDataInput>): Promise<{ seq: number; data: Record<string, unknown> }> {
  authorizeKind(ctx, "audit.view", "audit");
  const { seq } = parseInput(auditEventDataInput, input);
  authorize(ctx, "audit.view", { type: "audit" });
  const [row] = await ctx.db.select({ seq: auditEvents.seq, data: auditEvents.data }).from(auditEvents).where(eq(auditEvents.seq, seq));
  if (!row) throw new NotFoundError(`No audit event #${seq}.`);
  return row;
}

/**
 * The audit trail, newest first, filtered and keyset-paginated on the sequence number.
 *
 * @returns one page of audit events, newest first, with `nextCursor` when more exist
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`
 */
export async function listAuditEvents(ctx: ServiceContext, input: unknown): Promise<Page<AuditEvent>> {
  authorizeKind(ctx, "audit.view", "audit");
  const q = parseInput(listAuditEventsInput, input);
  authorize(ctx, "audit.view", { type: "audit" });
  const rows = await fetchEvents(ctx, q, q.cursor ? decodeAuditCursor(q.cursor) : undefined, q.limit + 1);
  const hasMore = rows.length > q.limit;
  const items = hasMore ? rows.slice(0, q.limit) : rows;
  return { items, nextCursor: hasMore && items.length ? encodeAuditCursor(items.at(-1)!.seq) : null };
}

export const EXPORT_BATCH_SIZE = 500;

/**
 * Every event matching the filters, newest first, in batches, for a download of any size without
 * holding it in memory. Input is checked and access decided now, before anything is sent, so a
 * refusal is still an ordinary error response; the rows are read as the download is consumed.
 *
 * @returns the matching audit events, streamed in batches (nothing is read until iterated)
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`
 */
export async function openAuditExport(ctx: ServiceContext, input: unknown, batchSize = EXPORT_BATCH_SIZE): Promise<AsyncIterable<AuditEvent[]>> {
  authorizeKind(ctx, "audit.view", "audit");
  const q = parseInput(auditFiltersInput, input);
  authorize(ctx, "audit.view", { type: "audit" });
  return {
    async *[Symbol.asyncIterator]() {
      let beforeSeq: number | undefined;
      for (;;) {
        const batch = await fetchEvents(ctx, q, beforeSeq, batchSize);
        if (batch.length) yield batch;
        if (batch.length < batchSize) return;
        beforeSeq = batch.at(-1)!.seq;
      }
    },
  };
}
