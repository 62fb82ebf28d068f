/** One headline number, in plain text: what it is, the number, and what it is made of. */
export function MetricCard({ label, value, detail }: { label: string; value: string; detail: string }) {
  return (
    <div className="rounded-lg border border-zinc-200 bg-white px-4 py-3">
      <div className="text-xs font-medium text-zinc-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 tabular-nums">{value}</div>
      <div className="mt-0.5 text-xs text-zinc-600">{detail}</div>
    </div>
  );
}
