import * as rruleModule from "rrule";

// rrule is CommonJS in Node and ESM in the bundler: its exports sit on `default` in one of them.
const { RRule } = "RRule" in rruleModule ? rruleModule : (rruleModule as unknown as { default: typeof rruleModule }).default;

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * An RFC 5545 recurrence rule in words, for people reading a freeze: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=16"
 * → "every week on Friday at 16:00". rrule's own toText names hours bare ("at 16"); they are given
 * as clock times here, with BYMINUTE's first minute. A rule rrule cannot put fully into words (or
 * cannot parse) is returned as written, so nothing is ever shown less precisely than configured.
 *
 * @param rule the RRULE's parts without "RRULE:", e.g. "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22"
 * @returns the sentence, starting lower case ("every December on the 22nd")
 */
export function describeRecurrence(rule: string): string {
  let parsed: InstanceType<typeof RRule>;
  try {
    parsed = RRule.fromString(rule);
  } catch {
    return rule;
  }
  if (!parsed.isFullyConvertibleToText()) return rule;
  const text = parsed.toText();
  const minutes = parsed.origOptions.byminute;
  const minute = Array.isArray(minutes) ? (minutes[0] ?? 0) : (minutes ?? 0);
  return text.replace(/ at (\d{1,2}(?:, \d{1,2})*(?: and \d{1,2})?)$/, (_, hours: string) => ` at ${hours.replace(/\d{1,2}/g, (h) => `${pad(Number(h))}:${pad(minute)}`)}`);
}
