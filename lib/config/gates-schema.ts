import { z } from "zod";
import { APPROVER_ROLES } from "@/lib/auth/roles";
import { durationSchema } from "./duration";
import { clockTime, integer, isoDateTime, nonEmptyString, timeZone, uniqueBy } from "./primitives";
import { checklistEntrySchema, riskConditionSchema } from "./risk-schema";
import { verifiedGateSchema } from "./verification-schema";

/**
 * The gates of one environment: independent checks a deployment into it must pass before it
 * starts. Every gate fails closed; these schemas only describe how they are configured.
 */

import { WEEKDAYS } from "@/lib/domain/weekdays";
export { WEEKDAYS, type Weekday } from "@/lib/domain/weekdays";

export const approverRoleSchema = z.enum(APPROVER_ROLES);

export const soakGateSchema = z
  .strictObject({
    duration: durationSchema().describe("How long the release must have run in the source environment."),
    maxErrorRate: z.number().min(0).max(1).describe("Highest error rate (0..1, e.g. 0.01 = 1%) during the soak."),
    maxP95Ms: integer({ min: 1 }).describe("Highest p95 latency in milliseconds during the soak."),
    allowUnobserved: z
      .boolean()
      .optional()
      .describe("Let a soak that observed no traffic at all pass once its duration has elapsed (shown amber: health unverified). Default false: with no samples the soak is pending, and fails after the duration."),
  })
  .describe("Health soak: the release must have run healthily in the previous environment of the chain for this long.");

export const timeWindowSchema = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .superRefine(uniqueBy((day) => day, "day"))
      .describe("Days the window opens on: mon, tue, wed, thu, fri, sat, sun."),
    from: clockTime().describe('Opening time "HH:MM" (24-hour clock) in `timezone`.'),
    to: clockTime().describe('Closing time "HH:MM"; earlier than `from` means the window runs past midnight.'),
    timezone: timeZone(),
  })
  .refine((window) => window.from !== window.to, {
    error: "`to` must differ from `from` (a window cannot be empty or last all day)",
    path: ["to"],
  })
  .describe("A window in which deployments may start. With several windows, any one of them open is enough.");

const RRULE_FREQUENCIES = new Set(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"]);
const RRULE_PARTS = new Set(["FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"]);

/** Why `rule` is not a well-formed RFC 5545 RRULE value, or null when it is. Structure only. */
export function rruleProblem(rule: string): string | null {
  if (!rule.startsWith("FREQ=")) return 'expected an RRULE starting with "FREQ=", e.g. "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22"';
  const seen = new Set<string>();
  for (const part of rule.split(";")) {
    const [name, value, ...extra] = part.split("=");
    if (!name || !value || extra.length > 0) return `RRULE part "${part}" is not NAME=VALUE`;
    if (!RRULE_PARTS.has(name)) return `unknown RRULE part "${name}"`;
    if (seen.has(name)) return `RRULE part "${name}" appears twice`;
    seen.add(name);
    if (name === "FREQ" && !RRULE_FREQUENCIES.has(value)) {
      return `unknown RRULE frequency "${value}" (expected one of ${[...RRULE_FREQUENCIES].join(", ")})`;
    }
  }
  return null;
}

const freezeName = nonEmptyString().describe('Short name shown on the board, e.g. "year-end".');
const freezeReason = nonEmptyString().describe("Why deployments are frozen; shown to whoever is blocked.");

export const oneOffFreezeSchema = z
  .strictObject({
    name: freezeName,
    reason: freezeReason,
    start: isoDateTime().describe('Start, with an offset: "2025-12-22T00:00:00+01:00".'),
    end: isoDateTime().describe("End (exclusive), with an offset; must be after `start`."),
  })
  .refine((freeze) => Date.parse(freeze.end) > Date.parse(freeze.start), {
    error: "`end` must be after `start`",
    path: ["end"],
  })
  .transform((freeze) => ({ kind: "one-off" as const, ...freeze }))
  .describe("A one-off freeze between two instants.");

export const recurringFreezeSchema = z
  .strictObject({
    name: freezeName,
    reason: freezeReason,
    rrule: z
      .string()
      .refine((rule) => rruleProblem(rule) === null, { error: (issue) => rruleProblem(String(issue.input)) ?? "invalid RRULE" })
      .describe('RFC 5545 recurrence rule for when the freeze starts, e.g. "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22".'),
    duration: durationSchema().describe('How long each occurrence lasts, e.g. "14d".'),
    timezone: timeZone(),
  })
  .transform((freeze) => ({ kind: "recurring" as const, ...freeze }))
  .describe("A freeze that recurs: each occurrence starts at midnight (in `timezone`) of a day matched by `rrule`.");

export const freezeSchema = z.union([oneOffFreezeSchema, recurringFreezeSchema]).describe("A period when deployments into this environment are blocked: one-off {start, end} or recurring {rrule, duration}.");

export const approvalRuleSchema = z
  .strictObject({
    role: approverRoleSchema.describe("Role the approvers must hold."),
    count: integer({ min: 1, max: 10 }).default(1).describe("How many different people in this role must approve."),
    when: riskConditionSchema.optional(),
  })
  .describe("One rule, e.g. { role: tech-lead, count: 1 }; with `when`, only for risky releases.");

export const approvalsSchema = z
  .strictObject({
    rules: z
      .array(approvalRuleSchema)
      .min(1)
      .superRefine(uniqueBy((rule) => rule.role, "approval role", "role"))
      .describe("All rules must be met (1 tech-lead AND 1 pm). Nobody approves their own request."),
    expiresAfter: durationSchema().prefault("24h").describe("An approval older than this no longer counts."),
  })
  .describe("Approvals required before a deployment starts.");

export const gatesSchema = z
  .strictObject({
    tests: z.boolean().default(false).describe("Every build of the release must have passing CI tests."),
    soak: soakGateSchema.optional(),
    verified: verifiedGateSchema.optional(),
    windows: z.array(timeWindowSchema).prefault([]).describe("Deployment windows; none means any time."),
    freezes: z.array(freezeSchema).prefault([]).describe("Freezes; deployments are blocked while any is active."),
    approvals: approvalsSchema.optional(),
    incident: z.boolean().default(true).describe("Block while the environment has an open incident."),
    checklist: z
      .array(checklistEntrySchema)
      .superRefine(uniqueBy((entry) => (typeof entry === "string" ? entry : entry.item), "checklist item"))
      .prefault([])
      .describe("Pre-flight items the person promoting must tick."),
  })
  .describe("Checks a deployment into this environment must pass before it starts. All are optional.");

export const overridesSchema = z
  .strictObject({
    roles: z
      .array(approverRoleSchema)
      .superRefine(uniqueBy((role) => role, "role"))
      .prefault([])
      .describe("Roles that may override a closed window or an active freeze (with a reason). Empty: nobody."),
  })
  .describe("Who may override time windows and freezes.");

export const fastTrackSchema = z
  .strictObject({
    branches: z.array(nonEmptyString()).min(1).describe("Branches whose releases may skip the chain, e.g. [develop]."),
    approvals: approvalsSchema,
    requireReason: z.boolean().default(true).describe("The requester must give a reason."),
  })
  .describe("Fast track: deploy straight into this (last) environment from the listed branches, with approvals.");

export type SoakGate = z.output<typeof soakGateSchema>;
export type TimeWindow = z.output<typeof timeWindowSchema>;
export type OneOffFreeze = z.output<typeof oneOffFreezeSchema>;
export type RecurringFreeze = z.output<typeof recurringFreezeSchema>;
export type Freeze = z.output<typeof freezeSchema>;
export type ApprovalRule = z.output<typeof approvalRuleSchema>;
export type ApprovalsConfig = z.output<typeof approvalsSchema>;
export type GatesConfig = z.output<typeof gatesSchema>;
export type OverridesConfig = z.output<typeof overridesSchema>;
export type FastTrackConfig = z.output<typeof fastTrackSchema>;
