import { z } from "zod";

/** Small field schemas shared by the pipeline and gate schemas, each with a specific message. */

export const DNS_LABEL_PATTERN = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** How a value from the file reads in a message: strings quoted, collections named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}

/** Only for values that are present: a missing key keeps the generic "missing required key". */
const whenPresent = (text: string) => (issue: { input?: unknown }) => (issue.input === undefined ? undefined : `${text}; got ${describeValue(issue.input)}`);

/** Names used in URLs, hostnames and Kubernetes objects: pipeline, app and environment names. */
export function dnsLabel() {
  const message = whenPresent('expected a lowercase name of letters, digits and "-" (starting with a letter, at most 63 characters)');
  return z.string({ error: message }).regex(DNS_LABEL_PATTERN, { error: message });
}

export function nonEmptyString() {
  return z.string().trim().min(1, { error: "expected a non-empty string" });
}

/**
 * A whole number. Built from `multipleOf(1)` rather than `z.int()` on purpose: zod's int check
 * aborts the whole parse, which would hide the cross-field problems we also want to report.
 */
export function integer(bounds: { min?: number; max?: number } = {}) {
  let schema = z.number().multipleOf(1, { error: whenPresent("expected a whole number") });
  if (bounds.min !== undefined) schema = schema.min(bounds.min);
  if (bounds.max !== undefined) schema = schema.max(bounds.max);
  return schema.meta({ type: "integer" });
}

/** An HTTP path such as "/health". */
export function urlPath() {
  return z.string().startsWith("/", { error: whenPresent('expected a path starting with "/"') });
}

export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === "") return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function timeZone() {
  return z
    .string()
    .refine(isValidTimeZone, { error: whenPresent('expected an IANA time zone such as "Europe/Berlin" or "UTC"') })
    .describe('IANA time zone, e.g. "Europe/Berlin" or "UTC".');
}

export const CLOCK_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** "HH:MM", 24-hour clock. */
export function clockTime() {
  return z.string().regex(CLOCK_TIME_PATTERN, { error: whenPresent('expected a time "HH:MM" such as "09:00"') });
}

/** An absolute instant with an explicit offset: "2025-12-22T00:00:00+01:00" or "…Z". */
export function isoDateTime() {
  return z.iso.datetime({
    offset: true,
    error: whenPresent('expected a date-time with an offset such as "2025-12-22T00:00:00+01:00"'),
  });
}

/** A path inside the repository: relative, no "..", so a config cannot reach outside it. */
export function relativeGlob() {
  return nonEmptyString().refine((glob) => !glob.startsWith("/") && !glob.split(/[\\/]/).includes(".."), {
    error: whenPresent('expected a relative path pattern inside the repository (no leading "/", no "..")'),
  });
}

/**
 * Adds one problem per repeated item, at the repeat (or its `field`), naming the first occurrence.
 * Used with superRefine on lists.
 */
export function uniqueBy<T>(key: (item: T) => unknown, what: string, field?: string) {
  return (items: T[], ctx: z.core.$RefinementCtx<T[]>) => {
    const firstIndex = new Map<unknown, number>();
    items.forEach((item, index) => {
      const value = key(item);
      const first = firstIndex.get(value);
      if (first === undefined) firstIndex.set(value, index);
      else ctx.addIssue({ code: "custom", message: `duplicate ${what} ${describeValue(value)} (already at [${first}])`, path: field ? [index, field] : [index], input: item });
    });
  };
}
