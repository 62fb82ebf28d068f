"use client";

import { usePathname, useRouter } from "next/navigation";
import { pipelinePath } from "@/lib/paths";

/** The pipeline being looked at (from the URL), and a native select to go to another's board. */
export function PipelineSwitcher({ pipelines }: { pipelines: readonly string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const current = /^\/pipelines\/([^/]+)/.exec(pathname)?.[1];
  const selected = current ? decodeURIComponent(current) : "";
  if (pipelines.length === 0) return null;
  return (
    <label className="flex items-center gap-1.5 text-sm text-zinc-300">
      <span className="sr-only">Pipeline</span>
      <select aria-label="Go to a pipeline's board" value={selected} onChange={(e) => e.target.value && router.push(pipelinePath(e.target.value))} className="h-7 rounded-md border border-zinc-700 bg-zinc-800 px-1.5 text-sm text-white">
        <option value="">{selected ? "All pipelines" : "Pipeline…"}</option>
        {pipelines.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}
