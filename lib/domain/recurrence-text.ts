import { LRUCache } from "lru-cache";
import * as rruleModule from "rrule";

// rrule is CommonJS in Node and ESM in the bundler: its exports sit on `default` in one of them.
const { RRule, Frequency } = "RRule" in rruleModule ? rruleModule : (rruleModule as unknown as { default: typeof rruleModule }).default;

/** The parts rrule's toText words faithfully for a daily, weekly, monthly or yearly rule. */
const WORDED = new Set(["freq", "interval", "count", "until", "bymonth", "bymonthday", "byweekday", "wkst", "dtstart", "tzid"]);
const WORDED_FREQUENCIES = new Set([Frequency.YEARLY, Frequency.MONTHLY, Frequency.WEEKLY, Frequency.DAILY]);

const pad = (n: number) => String(n).padStart(2, "0");
const list = <T>(value: T | T[] | null | undefined): T[] => (value === null || value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * An RFC 5545 recurrence rule in words, for people reading a freeze: "FREQ=WEEKLY;BYDAY=FR;BYHOUR=16"
 * → "every week on Friday at 16:00". rrule's toText words the day parts (it leaves hours out of
 * monthly and yearly rules, and names them bare); the times of day are added here as clock times,
 * every BYHOUR × BYMINUTE. A rule with a part not worded faithfully (BYSETPOS, BYWEEKNO,
 * BYYEARDAY, BYSECOND, a month day counted from the end, an hourly or finer frequency) or that does
 * not parse is returned as written:
 * the words never say less than the rule does.
 *
 * @param rule the RRULE's parts without "RRULE:", in any order, e.g. "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22"
 * @returns the sentence, starting lower case ("every December on the 22nd"), or `rule` itself
 */
export function describeRecurrence(rule: string): string {
  let words = described.get(rule);
  if (words === undefined) {
    words = wordsOf(rule);
    described.set(rule, words);
  }
  return words;
}

/**
 * Rules already worded: the environment page words its freezes' rules on every view, and rrule's
 * parse and toText were ~1.5 % of that page's CPU. Rules come from pipeline files and freezes, so
 * there are few; the bound only keeps a flood of odd rules from growing it.
 */
const described = new LRUCache<string, string>({ max: 500 });

function wordsOf(rule: string): string {
  let options: ReturnType<typeof RRule.parseString>;
  try {
    options = RRule.parseString(rule);
  } catch {
    return rule;
  }
  const { byhour, byminute, ...days } = options;
  const present = Object.entries(days).filter(([, value]) => value !== undefined && value !== null);
  if (days.freq === undefined || !WORDED_FREQUENCIES.has(days.freq) || present.some(([key]) => !WORDED.has(key))) return rule;
  // Days counted from the month's end: toText says "on the last" and stops.
  if (list(days.bymonthday).some((d) => d < 0)) return rule;
  let text: string;
  try {
    text = new RRule(days).toText();
  } catch {
    return rule;
  }
  const hours = list(byhour);
  const minutes = list(byminute);
  if (!hours.length && !minutes.length) return text;
  // Minutes without hours repeat every hour of the matching days.
  if (!hours.length) return `${text} at minute ${minutes.join(", ")} of every hour`;
  const times = hours.flatMap((h) => (minutes.length ? minutes : [0]).map((m) => `${pad(h)}:${pad(m)}`));
  // "until …" and "for N times" close rrule's sentence: the times of day go before them.
  const tail = /( until .*| for \d+ times?)$/.exec(text);
  const head = tail ? text.slice(0, tail.index) : text;
  return `${head} at ${times.join(", ")}${tail ? tail[0] : ""}`;
}
