"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { pipelinePath } from "@/lib/paths";
import { useDeclaredPipeline } from "./current-pipeline";

/**
 * The pipeline being looked at, and a native select to go to another's board (or to the
 * portfolio). The pipeline comes from the path (/pipelines/shop/…), else a filter in the query
 * (?pipeline=shop, or a qualified ?environment=shop/prod), else what the page declared
 * (<CurrentPipeline>: a deployment's page).
 */
export function PipelineSwitcher({ pipelines }: { pipelines: readonly string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  // Needs no Suspense boundary while the portal layout renders per request (its `await connection()`):
  // a prerendered route would need one around this component.
  const search = useSearchParams();
  const declared = useDeclaredPipeline();
  const inPath = /^\/pipelines\/([^/]+)/.exec(pathname)?.[1];
  const qualifiedEnvironment = search.get("environment")?.split("/");
  const candidates = [inPath && decodeURIComponent(inPath), search.get("pipeline"), qualifiedEnvironment?.length === 2 ? qualifiedEnvironment[0] : null, declared];
  const selected = candidates.find((name): name is string => Boolean(name) && pipelines.includes(name!)) ?? "";
  if (pipelines.length === 0) return null;
  return (
    <label className="flex items-center gap-1.5 text-sm text-zinc-300">
      <span className="sr-only">Pipeline</span>
      <select aria-label="Go to a pipeline's board" value={selected} onChange={(e) => router.push(e.target.value ? pipelinePath(e.target.value) : "/")} className="h-7 rounded-md border border-zinc-700 bg-zinc-800 px-1.5 text-sm text-white">
        <option value="">{selected ? "Portfolio (all pipelines)" : "Pipeline…"}</option>
        {pipelines.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
    </label>
  );
}
