/**
 * The pipeline and team selects shared by the history, metrics and audit filter forms (GET forms:
 * the URL carries `pipeline` and `team` by name, so a filtered page can be shared). The team select
 * appears once teams exist.
 */
export function ScopeFilters({
  pipelines,
  teams,
  pipeline,
  team,
  className = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm",
}: {
  pipelines: readonly { name: string }[];
  teams: readonly { name: string; displayName: string | null }[];
  pipeline: string | undefined;
  team: string | undefined;
  className?: string;
}) {
  return (
    <>
      {pipelines.length > 1 || pipeline ? (
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Pipeline
          <select name="pipeline" defaultValue={pipeline ?? ""} className={className}>
            <option value="">all</option>
            {pipelines.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {teams.length > 0 && (
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Team
          <select name="team" defaultValue={team ?? ""} className={className}>
            <option value="">all</option>
            {teams.map((t) => (
              <option key={t.name} value={t.name}>
                {t.displayName ?? t.name}
              </option>
            ))}
          </select>
        </label>
      )}
    </>
  );
}
