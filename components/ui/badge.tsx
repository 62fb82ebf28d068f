import { cn } from "./cn";

export type Tone = "neutral" | "green" | "amber" | "red" | "blue" | "violet";

export function Badge({ tone = "neutral", children, className, title }: { tone?: Tone; children: React.ReactNode; className?: string; title?: string }) {
  return (
    // .badge and .badge-<tone>: app/globals.css (badges repeat by the hundred on a page).
    <span {...(title ? { title } : {})} className={cn("badge", `badge-${tone}`, className)}>
      {children}
    </span>
  );
}

const DOTS: Record<Tone, string> = {
  neutral: "bg-zinc-400",
  green: "bg-emerald-500",
  amber: "bg-amber-500",
  red: "bg-rose-500",
  blue: "bg-sky-500",
  violet: "bg-violet-500",
};

export function Dot({ tone, pulse = false }: { tone: Tone; pulse?: boolean }) {
  return <span aria-hidden className={cn("dot", DOTS[tone], pulse && "animate-pulse")} />;
}
