import type { Comparison } from "@/lib/services/compare";
import { cn } from "@/components/ui/cn";

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The comparison in one sentence, and how much it matters (tone). */
export function headline({ from, to, ahead, behind, clean }: Comparison): { text: string; tone: "green" | "blue" | "amber" | "neutral" } {
  if (!from.release && !to.release) return { text: `Nothing runs in ${from.name} or ${to.name} yet`, tone: "neutral" };
  if (clean) return { text: `${from.name} and ${to.name} run the same builds: ${from.name} is clean`, tone: "green" };
  if (!from.release) return { text: `${from.name} runs nothing yet; ${to.name} does`, tone: "neutral" };
  if (behind) return { text: `${to.name} runs something newer than ${from.name}`, tone: "amber" };
  if (ahead.releases.length) {
    const more = ahead.truncated ? "more than " : "";
    return { text: `${from.name} is ${more}${count(ahead.releases.length, "release")} and ${count(ahead.commits.length, "commit")} ahead of ${to.name}`, tone: "blue" };
  }
  return { text: `${from.name} and ${to.name} run different builds`, tone: "amber" };
}

const TONES = {
  green: "border-emerald-200 bg-emerald-50 text-emerald-900",
  blue: "border-sky-200 bg-sky-50 text-sky-900",
  amber: "border-amber-200 bg-amber-50 text-amber-900",
  neutral: "border-zinc-200 bg-zinc-50 text-zinc-800",
} as const;

export function ComparisonHeadline({ comparison }: { comparison: Comparison }) {
  const { text, tone } = headline(comparison);
  return (
    <p role="status" className={cn("rounded-lg border px-4 py-3 text-base font-medium", TONES[tone])}>
      {text}
    </p>
  );
}
