import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

const selectClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

type Option = { ref: string; name: string; pipeline: string; kind: string };

/** The option's value is the qualified reference ("shop/dev"); what it shows is the plain name, grouped by pipeline. */
function EnvironmentSelect({ name, label, value, options }: { name: string; label: string; value: string; options: Option[] }) {
  const pipelines = [...new Set(options.map((o) => o.pipeline))];
  const several = pipelines.length > 1;
  const groups = pipelines.flatMap((pipeline) => {
    const mine = options.filter((o) => o.pipeline === pipeline);
    const fixed = mine.filter((o) => o.kind === "fixed");
    const review = mine.filter((o) => o.kind !== "fixed");
    return [{ label: several ? pipeline : "Chain", items: fixed }, ...(review.length ? [{ label: several ? `${pipeline} · review environments` : "Review environments", items: review }] : [])];
  });
  return (
    <label className="flex flex-col gap-1 text-xs text-zinc-600">
      {label}
      <select name={name} defaultValue={value} className={selectClass}>
        {groups.map((g) => (
          <optgroup key={g.label} label={g.label}>
            {g.items.map((o) => (
              <option key={o.ref} value={o.ref}>
                {o.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </label>
  );
}

/** Picks the two environments; a plain GET form, so a comparison is a link one can share. */
export function CompareForm({ from, to, options }: { from: string; to: string; options: Option[] }) {
  return (
    // Keyed by the pair: the selects are uncontrolled, and after Swap (a client navigation) they kept the old pair.
    <form key={`${from}|${to}`} action="/compare" className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Choose environments to compare">
      <EnvironmentSelect name="from" label="What runs in" value={from} options={options} />
      <EnvironmentSelect name="to" label="compared with" value={to} options={options} />
      <button className={buttonClass("secondary", "md")}>Compare</button>
      <Link href={`/compare?${new URLSearchParams({ from: to, to: from })}`} className="inline-flex h-8 items-center text-zinc-600 hover:underline">
        Swap
      </Link>
    </form>
  );
}
