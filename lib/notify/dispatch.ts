import { and, asc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { notificationDeliveries, type NotificationDelivery } from "@/db/schema";
import type { NotificationChannel } from "@/lib/config/schema";
import type { StoredPayload } from "./enqueue";
import { isSlipwayEventName, resolveUrl, type SlipwayEvent, type SlipwayEventName } from "./events";
import { renderSlackMessage } from "./slack";
import { buildWebhookRequest } from "./webhook";

/** Waits before the 2nd, 3rd, … attempt; after the last one fails the delivery is given up. */
export const RETRY_BACKOFF_MS = [10_000, 30_000, 2 * 60_000, 10 * 60_000, 30 * 60_000] as const;
export const MAX_ATTEMPTS = RETRY_BACKOFF_MS.length + 1;
export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_LIMIT = 50;
const ERROR_BODY_CHARS = 200;
const LAST_ERROR_CHARS = 1000;

export interface DispatchOptions {
  now: () => Date;
  fetch?: typeof fetch;
  /** Where urlEnv and secretEnv are looked up. Default: process.env. */
  env?: Record<string, string | undefined>;
  /** Slipway's public URL, to make the deployment links in payloads absolute. */
  baseUrl?: string;
  /** Most deliveries claimed (and sent in parallel) per call. Default 50. */
  limit?: number;
  /** Per request, response included. Default 5000 ms. */
  timeoutMs?: number;
  /**
   * How long a claimed delivery stays invisible to other dispatchers. If this process dies
   * mid-send, the delivery is tried again after it. Default: timeoutMs + 60 s.
   */
  leaseMs?: number;
  /** Told about deliveries given up. Default: console.warn. */
  log?: (line: string) => void;
}

export interface DispatchResult {
  delivered: number;
  retried: number;
  failed: number;
}

type Outcome = { kind: "delivered" } | { kind: "retry"; error: string; retryAfterMs?: number } | { kind: "fail"; error: string };

/** A delivery that can never succeed as configured: failed at once, never retried. */
class PermanentError extends Error {}

/**
 * Sends the notifications that are due: claims them (safe with several dispatchers: a claimed row
 * is leased, and rows another dispatcher is claiming are skipped), sends each with a timeout, and
 * records the outcome — delivered, retried later with exponential backoff, or failed with the
 * reason. Called by the controller on every tick.
 *
 * It never rejects because of a receiver, a channel's configuration or a payload: each such
 * problem is recorded on its row (`lastError`). It rejects only when the database itself does.
 * It returns within about `timeoutMs` of claiming, however slow the receivers are.
 */
export async function dispatchDue(db: Db, channels: NotificationChannel[] | Map<string, NotificationChannel[]>, options: DispatchOptions): Promise<DispatchResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const settings: Settings = {
    channels: new Map((Array.isArray(channels) ? channels : []).map((channel) => [channel.name, channel])),
    byPipeline: Array.isArray(channels) ? null : new Map([...channels].map(([pipeline, list]) => [pipeline, new Map(list.map((channel) => [channel.name, channel]))])),
    fetch: options.fetch ?? globalThis.fetch,
    env: options.env ?? process.env,
    baseUrl: options.baseUrl,
    timeoutMs,
    now: options.now,
    log: options.log ?? ((line) => console.warn(`[notify] ${line}`)),
  };
  const rows = await claimDue(db, options.now(), options.limit ?? DEFAULT_LIMIT, options.leaseMs ?? timeoutMs + 60_000);
  const result: DispatchResult = { delivered: 0, retried: 0, failed: 0 };
  await Promise.all(
    rows.map(async (row) => {
      const outcome = await attempt(row, settings);
      const recorded = await record(db, row, outcome, settings).catch((error: unknown) => {
        // The row keeps its lease and is tried again when the lease runs out.
        settings.log(`could not record delivery ${row.id}: ${errorMessage(error)}`);
        return null;
      });
      if (recorded) result[recorded] += 1;
    }),
  );
  return result;
}

interface Settings {
  channels: Map<string, NotificationChannel>;
  /** Several pipelines: each delivery's channel is looked up in the pipeline its payload names. */
  byPipeline: Map<string, Map<string, NotificationChannel>> | null;
  fetch: typeof fetch;
  env: Record<string, string | undefined>;
  baseUrl: string | undefined;
  timeoutMs: number;
  now: () => Date;
  log: (line: string) => void;
}

/** Claims due rows by pushing their next attempt past the lease, counting the attempt. */
async function claimDue(db: Db, now: Date, limit: number, leaseMs: number): Promise<NotificationDelivery[]> {
  const t = notificationDeliveries;
  const due = and(isNull(t.deliveredAt), isNull(t.failedAt), lte(t.nextAttemptAt, now));
  const candidates = db.select({ id: t.id }).from(t).where(due).orderBy(asc(t.nextAttemptAt), asc(t.id)).limit(limit).for("update", { skipLocked: true });
  return (
    db
      .update(t)
      // `due` again: a row re-checked after waiting for another claimer's commit must still be due.
      .set({ nextAttemptAt: new Date(now.getTime() + leaseMs), attempts: sql`${t.attempts} + 1` })
      .where(and(inArray(t.id, candidates), due))
      .returning()
  );
}

async function attempt(row: NotificationDelivery, settings: Settings): Promise<Outcome> {
  let request: { url: string; body: string; headers: Record<string, string> };
  try {
    request = prepare(row, settings);
  } catch (error) {
    return { kind: "fail", error: error instanceof PermanentError ? error.message : `could not build the message: ${errorMessage(error)}` };
  }
  try {
    return await send(settings.fetch, request, settings.timeoutMs);
  } catch (error) {
    return { kind: "retry", error: errorMessage(error) };
  }
}

/** The HTTP request for one delivery, or a PermanentError saying what is misconfigured. */
function prepare(row: NotificationDelivery, settings: Settings): { url: string; body: string; headers: Record<string, string> } {
  const stored = row.payload as Partial<StoredPayload> | null;
  const pipeline = (stored?.data as { pipeline?: unknown } | undefined)?.pipeline;
  const channel = settings.byPipeline ? settings.byPipeline.get(typeof pipeline === "string" ? pipeline : "")?.get(row.channel) : settings.channels.get(row.channel);
  if (!channel) {
    throw new PermanentError(`channel "${row.channel}" is no longer configured in ${settings.byPipeline && typeof pipeline === "string" ? `the pipeline ${pipeline}` : "slipway.yaml"}`);
  }
  if (!isSlipwayEventName(row.event)) throw new PermanentError(`unknown event "${row.event}"`);
  if (!stored || typeof stored !== "object" || !stored.data || typeof stored.data !== "object") {
    throw new PermanentError("the stored payload has no data");
  }
  const data = withResolvedUrl(stored.data as Record<string, unknown>, settings.baseUrl);
  const occurredAt = typeof stored.occurredAt === "string" ? stored.occurredAt : row.createdAt.toISOString();
  const url = channelUrl(channel, settings.env);

  if (channel.type === "slack") {
    const message = renderSlackMessage({ event: row.event, data } as unknown as SlipwayEvent);
    return { url, body: JSON.stringify(message), headers: { "Content-Type": "application/json", "User-Agent": "Slipway-Notifications/1" } };
  }
  const secret = channelSecret(channel, settings.env);
  const { body, headers } = buildWebhookRequest({ deliveryId: row.id, event: row.event as SlipwayEventName, occurredAt, data, secret, now: settings.now() });
  return { url, body, headers };
}

function withResolvedUrl(data: Record<string, unknown>, baseUrl: string | undefined): Record<string, unknown> {
  return typeof data.url === "string" ? { ...data, url: resolveUrl(data.url, baseUrl) } : data;
}

/** The channel's URL. Never quoted in errors: incoming-webhook URLs are secrets. */
function channelUrl(channel: NotificationChannel, env: Record<string, string | undefined>): string {
  let value = channel.url;
  if (!value) {
    if (!channel.urlEnv) throw new PermanentError(`channel "${channel.name}" has neither url nor urlEnv`);
    value = env[channel.urlEnv]?.trim();
    if (!value) throw new PermanentError(`environment variable ${channel.urlEnv} (urlEnv of channel "${channel.name}") is not set`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new PermanentError(`the URL of channel "${channel.name}"${channel.urlEnv ? ` (from ${channel.urlEnv})` : ""} is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new PermanentError(`the URL of channel "${channel.name}"${channel.urlEnv ? ` (from ${channel.urlEnv})` : ""} must be http or https`);
  }
  return parsed.toString();
}

function channelSecret(channel: NotificationChannel, env: Record<string, string | undefined>): string {
  if (!channel.secretEnv) {
    throw new PermanentError(`webhook channel "${channel.name}" has no secretEnv: webhooks are always signed, so name the environment variable holding the HMAC secret`);
  }
  const secret = env[channel.secretEnv];
  if (!secret) throw new PermanentError(`environment variable ${channel.secretEnv} (secretEnv of channel "${channel.name}") is not set`);
  return secret;
}

/**
 * One POST, bounded by the timeout from the request to the end of reading an error body. Any 2xx
 * is delivered; 408, 429 and 5xx are retried; any other status means the receiver refuses, and
 * retrying would not change its mind.
 */
async function send(fetchFn: typeof fetch, request: { url: string; body: string; headers: Record<string, string> }, timeoutMs: number): Promise<Outcome> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({ kind: "retry", error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
  });
  const exchange = (async (): Promise<Outcome> => {
    // redirect "manual": following a 302 would turn the POST into a GET and report a false success.
    const response = await fetchFn(request.url, { method: "POST", headers: request.headers, body: request.body, redirect: "manual", signal: controller.signal });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => {});
      return { kind: "delivered" };
    }
    const snippet = await readSnippet(response);
    const described = `HTTP ${response.status}${snippet ? `: ${snippet}` : ""}`;
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      return { kind: "retry", error: described, retryAfterMs: retryAfter(response.headers.get("retry-after")) };
    }
    if (response.status >= 300 && response.status < 400) {
      return { kind: "fail", error: `${described} (the receiver redirects; point the channel at the final URL)` };
    }
    return { kind: "fail", error: `${described} (the receiver refused the notification; not retried)` };
  })();
  // The losing side of the race must not surface as an unhandled rejection.
  const guarded = exchange.catch((error: unknown): Outcome => ({ kind: "retry", error: describeNetworkError(error, controller.signal) }));
  try {
    return await Promise.race([guarded, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first characters of the response body, on one line (what the receiver said was wrong). */
async function readSnippet(response: Response): Promise<string> {
  try {
    const reader = response.body?.getReader();
    if (!reader) return "";
    const decoder = new TextDecoder();
    let text = "";
    while (text.length < ERROR_BODY_CHARS * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel().catch(() => {});
    return text.replace(/\s+/g, " ").trim().slice(0, ERROR_BODY_CHARS);
  } catch {
    return "";
  }
}

function retryAfter(header: string | null): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

function describeNetworkError(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return errorMessage(signal.reason);
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const detail = cause?.code ?? cause?.message;
  return `${errorMessage(error)}${detail ? ` (${detail})` : ""}`;
}

/** Writes the outcome, only if the row is still ours (same attempt, not finished by someone else). */
async function record(db: Db, row: NotificationDelivery, outcome: Outcome, settings: Settings): Promise<keyof DispatchResult | null> {
  const t = notificationDeliveries;
  const now = settings.now();
  const ours = and(eq(t.id, row.id), eq(t.attempts, row.attempts), isNull(t.deliveredAt), isNull(t.failedAt));
  let counted: keyof DispatchResult;
  let update: Partial<NotificationDelivery>;
  if (outcome.kind === "delivered") {
    counted = "delivered";
    update = { deliveredAt: now, lastError: null };
  } else if (outcome.kind === "retry" && row.attempts < MAX_ATTEMPTS) {
    counted = "retried";
    const longest = RETRY_BACKOFF_MS[RETRY_BACKOFF_MS.length - 1]!;
    const backoff = RETRY_BACKOFF_MS[row.attempts - 1] ?? longest;
    // A receiver's Retry-After can only lengthen the wait, and never beyond the longest backoff.
    const wait = Math.max(backoff, Math.min(outcome.retryAfterMs ?? 0, longest));
    update = { nextAttemptAt: new Date(now.getTime() + wait), lastError: clip(`attempt ${row.attempts}: ${outcome.error}`) };
  } else {
    counted = "failed";
    const error = outcome.kind === "retry" ? `gave up after ${row.attempts} attempts; last: ${outcome.error}` : outcome.error;
    update = { failedAt: now, lastError: clip(error) };
    settings.log(`delivery ${row.id} (${row.event} to ${row.channel}) failed: ${error}`);
  }
  const written = await db.update(t).set(update).where(ours).returning({ id: t.id });
  return written.length ? counted : null;
}

function clip(text: string): string {
  return text.length <= LAST_ERROR_CHARS ? text : `${text.slice(0, LAST_ERROR_CHARS - 1)}…`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
