/**
 * Durations in slipway.yaml are written the way people say them ("90s", "30m", "1h30m", "7d") and
 * parsed to milliseconds, so the rest of the code never deals with units.
 */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;

/** Units in descending order, each at most once: "1d12h", "1h30m", "90s". */
export const DURATION_PATTERN = /^(?=\d)(?:\d+d)?(?:\d+h)?(?:\d+m)?(?:\d+s)?$/;

export const DURATION_HINT = 'expected a duration such as "30m", "2h" or "7d"';

/** Milliseconds for a duration string, or null when it is not a valid, positive duration. */
export function parseDuration(text: string): number | null {
  if (!DURATION_PATTERN.test(text)) return null;
  let total = 0;
  for (const match of text.matchAll(/(\d+)([dhms])/g)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  return total > 0 && Number.isSafeInteger(total) ? total : null;
}

/** The shortest string that parses back to `ms` (whole seconds): 5_400_000 → "1h30m". */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000)) * 1000;
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of Object.entries(UNIT_MS)) {
    const count = Math.floor(rest / size);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * size;
  }
  return out;
}

/**
 * How long something took, for people reading a history: "850 ms", "4.2 s", "42 s", "3 min 5 s",
 * "1 h 4 min". `ms` is milliseconds (negative reads as 0); under 10 s keeps one decimal, because a
 * step's 1.4 s against 9.6 s matters where a rollout's 312 s against 313 s does not.
 */
export function formatElapsed(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 10_000) return `${(Math.floor(value / 100) / 10).toFixed(1)} s`;
  const seconds = Math.round(value / 1000);
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return seconds % 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds / 60} min`;
  const minutes = Math.round(seconds / 60);
  return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
}
