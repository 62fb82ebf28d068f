import Link from "next/link";
import { buttonClass } from "@/components/ui/button";

const selectClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

type Option = { name: string; kind: string };

function EnvironmentSelect({ name, label, value, options }: { name: string; label: string; value: string; options: Option[] }) {
  const fixed = options.filter((o) => o.kind === "fixed");
  const review = options.filter((o) => o.kind !== "fixed");
  return (
    <label className="flex flex-col gap-1 text-xs text-zinc-600">
      {label}
      <select name={name} defaultValue={value} className={selectClass}>
        <optgroup label="Chain">
          {fixed.map((o) => (
            <option key={o.name}>{o.name}</option>
          ))}
        </optgroup>
        {review.length > 0 && (
          <optgroup label="Review environments">
            {review.map((o) => (
              <option key={o.name}>{o.name}</option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  );
}

/** Picks the two environments; a plain GET form, so a comparison is a link one can share. */
export function CompareForm({ from, to, options }: { from: string; to: string; options: Option[] }) {
  return (
    <form action="/compare" className="mb-4 flex flex-wrap items-end gap-2" role="search" aria-label="Choose environments to compare">
      <EnvironmentSelect name="from" label="What runs in" value={from} options={options} />
      <EnvironmentSelect name="to" label="compared with" value={to} options={options} />
      <button className={buttonClass("secondary", "md")}>Compare</button>
      <Link href={`/compare?${new URLSearchParams({ from: to, to: from })}`} className="self-center text-zinc-600 hover:underline">
        Swap
      </Link>
    </form>
  );
}
