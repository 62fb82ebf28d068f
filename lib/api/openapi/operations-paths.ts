import { z } from "zod";
import type { ZodOpenApiPathsObject } from "zod-openapi";
import { INCIDENT_STATES, REQUEST_SOURCES } from "@/db/schema/enums";
import { createFreezeInput, liftFreezeInput, listFreezesInput } from "@/lib/services/freezes";
import { declareIncidentInput, INCIDENT_SEVERITIES, incidentWebhookPayload, listIncidentsInput, resolveIncidentInput } from "@/lib/services/incidents";
import { errors, json, listOf, mutation, notFound, refused } from "./common";
import { errorSchema } from "../schemas";

/**
 * OpenAPI paths of freezes, incidents and the incident webhook, generated from the zod schemas
 * that validate the requests. Merged into the document by lib/api/openapi.ts (`operationsPaths`).
 * The response schemas describe what the routes return (the services' views, times as ISO strings).
 */

const isoTime = z.iso.datetime().meta({ description: "ISO 8601 UTC", example: "2026-12-21T23:00:00.000Z" });
const personSchema = z.object({ id: z.string(), name: z.string(), email: z.string() }).meta({ id: "PersonRef" });
const periodSchema = z.object({ start: isoTime, end: isoTime.nullable().meta({ description: "null: until lifted" }) });

export const freezeSchema = z
  .object({
    id: z.string().nullable().meta({ description: "null for freezes from slipway.yaml (lift those by editing the file)" }),
    source: z.string().meta({ description: "Where it was declared: ui, api, cli — or slipway.yaml", example: "ui" }),
    environment: z.string().nullable().meta({ description: "null: every environment (stop the line)" }),
    name: z.string(),
    reason: z.string(),
    startsAt: isoTime.nullable().meta({ description: "Start (recurring: first occurrence); null for recurring freezes from slipway.yaml" }),
    endsAt: isoTime.nullable().meta({ description: "End (exclusive); null: until lifted" }),
    rrule: z.string().nullable(),
    durationMs: z.number().nullable().meta({ description: "Length of each occurrence of a recurring freeze" }),
    timezone: z.string().nullable(),
    state: z.enum(["active", "upcoming", "ended", "lifted"]),
    active: z.boolean().meta({ description: "Deployments into its environment(s) wait now" }),
    period: periodSchema.nullable().meta({ description: "The period blocking now (active) or the next one (upcoming)" }),
    nextStart: isoTime.nullable().meta({ description: "When it next starts after now (recurring: the next occurrence)" }),
    createdBy: personSchema.nullable(),
    createdAt: isoTime.nullable(),
    lifted: z.object({ at: isoTime, by: personSchema.nullable(), reason: z.string().nullable(), beforeStart: z.boolean().meta({ description: "Lifted before it began (cancelled): it never held a deployment back" }) }).nullable(),
    liftable: z.boolean(),
    problem: z.string().nullable().meta({ description: "Why the schedule cannot be evaluated; the freeze gate then fails closed" }),
  })
  .meta({ id: "Freeze" });

export const incidentSchema = z
  .object({
    id: z.string(),
    environment: z.string(),
    title: z.string(),
    severity: z.enum(INCIDENT_SEVERITIES),
    state: z.enum(INCIDENT_STATES),
    externalId: z.string().nullable(),
    url: z.string().nullable(),
    openedVia: z.enum(REQUEST_SOURCES),
    openedBy: personSchema.nullable().meta({ description: "Slipway automation for incidents opened by the webhook" }),
    openedAt: isoTime,
    resolvedBy: personSchema.nullable(),
    resolvedAt: isoTime.nullable(),
  })
  .meta({ id: "Incident" });

export const incidentWebhookResultSchema = z
  .object({
    changed: z.boolean().meta({ description: "false: already open (open), or nothing open with that externalId (resolve)" }),
    incident: incidentSchema.nullable(),
  })
  .meta({ id: "IncidentWebhookResult" });

const idPath = z.object({ id: z.string() });

export const operationsPaths: ZodOpenApiPathsObject = {
  "/freezes": {
    get: {
      summary: "Active and upcoming freezes, from the UI/API and from slipway.yaml",
      description: "Each with whether it blocks now (`active`) and when it next starts. Stop-the-line freezes (`environment: null`) apply to every environment and are listed with any `environment` filter.",
      requestParams: { query: listFreezesInput },
      responses: { "200": json(listOf(freezeSchema, "FreezeList"), "Freezes: active first, then upcoming, then (with includeLifted) the history"), ...errors },
    },
    post: mutation({
      summary: "Declare a freeze (needs a reason; audited)",
      description:
        "Deployments into the environment — or into every environment when `environment` is omitted (stop the line) — wait while it is active. " +
        "One-off: `startsAt` (default now) to `endsAt` (omitted: until lifted; or give a `duration`). Recurring: `rrule` + `duration` (+ `timezone`), first occurrence at `startsAt`.",
      requestBody: { content: { "application/json": { schema: createFreezeInput } } },
      responses: { "201": json(freezeSchema, "Declared"), ...errors },
    }),
  },
  "/freezes/{id}": {
    get: {
      summary: "One freeze",
      requestParams: { path: idPath },
      responses: { "200": json(freezeSchema, "The freeze"), ...errors, ...notFound },
    },
    delete: mutation({
      summary: "Lift a freeze (needs a reason; audited)",
      description: "Ends it now, or cancels it before it starts. Lifting one already lifted or over is refused (422).",
      path: idPath,
      requestBody: { content: { "application/json": { schema: liftFreezeInput.omit({ freezeId: true }) } } },
      responses: { "200": json(freezeSchema, "Lifted"), ...errors, ...notFound, ...refused },
    }),
  },
  "/incidents": {
    get: {
      summary: "Incidents: open ones first (oldest first), then resolved ones (newest first)",
      requestParams: { query: listIncidentsInput },
      responses: { "200": json(listOf(incidentSchema, "IncidentList"), "Incidents"), ...errors },
    },
    post: mutation({
      summary: "Declare an incident (audited)",
      description: "While an environment has an open incident, the incident gate refuses deployments into it. A second open incident with the same `externalId` on the environment is a 409.",
      requestBody: { content: { "application/json": { schema: declareIncidentInput } } },
      responses: { "201": json(incidentSchema, "Declared"), ...errors, "409": json(errorSchema, "Already open with this externalId") },
    }),
  },
  "/incidents/{id}/resolve": {
    post: mutation({
      summary: "Resolve an open incident (optional note; audited)",
      path: idPath,
      requestBody: { required: false, content: { "application/json": { schema: resolveIncidentInput.omit({ incidentId: true }) } } },
      responses: { "200": json(incidentSchema, "Resolved"), ...errors, ...notFound, "422": json(errorSchema, "Already resolved") },
    }),
  },
  "/webhooks/incidents": {
    post: {
      summary: "An incident tool opens or resolves incidents (HMAC-signed, no token)",
      description:
        "Sign each delivery: `X-Slipway-Timestamp` is the time in unix seconds (within 5 minutes of Slipway's clock) and " +
        '`X-Slipway-Signature` is `sha256=` + the hex HMAC-SHA256 of `"<timestamp>.<raw body>"` under the secret set in `SLIPWAY_INCIDENT_WEBHOOK_SECRET`. ' +
        "`open` creates an incident (201) — the same `externalId` still open on the environment returns it unchanged (200, `changed: false`); " +
        "`resolve` resolves the open incident with that `externalId` on the environment (200), or changes nothing when there is none (200, `changed: false`). " +
        "Acts as Slipway automation; every change is in the audit trail with source `webhook`. " +
        "Each delivery is applied once: its signature (and `X-Slipway-Delivery`, when sent) is remembered while it could still be accepted, and a replay answers 409 `replayed_delivery`; to repeat an action, sign a new delivery.",
      security: [],
      requestParams: {
        header: z.object({
          "X-Slipway-Timestamp": z.string().meta({ description: "Unix seconds when the delivery was signed", example: "1767225600" }),
          "X-Slipway-Signature": z.string().meta({ description: 'sha256=<64 lowercase hex>: HMAC-SHA256 of "<timestamp>.<raw body>"', example: `sha256=${"0".repeat(64)}` }),
          "X-Slipway-Delivery": z.string().optional().meta({ description: "Optional delivery id: a delivery with an id already accepted is refused as a replay (409)" }),
        }),
      },
      requestBody: { content: { "application/json": { schema: incidentWebhookPayload } } },
      responses: {
        "201": json(incidentWebhookResultSchema, "Opened"),
        "200": json(incidentWebhookResultSchema, "Resolved, or nothing to change"),
        "400": json(errorSchema, "Invalid payload: `fields` names each bad field"),
        "401": json(errorSchema, "Missing, stale or wrong signature"),
        "409": json(errorSchema, "`replayed_delivery`: this delivery was already accepted"),
        "503": json(errorSchema, "The webhook is not configured (no SLIPWAY_INCIDENT_WEBHOOK_SECRET)"),
      },
    },
  },
};
