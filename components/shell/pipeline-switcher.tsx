"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useRef, useState } from "react";
import { pipelinePath } from "@/lib/paths";
import { useDeclaredPipeline } from "./current-pipeline";

/**
 * The pipeline being looked at, and a native select to go to another's board (or to the
 * portfolio). The pipeline comes from the path (/pipelines/shop/…), else a filter in the query
 * (?pipeline=shop, or a qualified ?environment=shop/prod), else what the page declared
 * (<CurrentPipeline>: a deployment's or a release's page). A page filtered by pipeline stays that
 * page, filtered by the one chosen.
 *
 * Arrow keys on the closed select only move the choice (Enter goes, Escape or leaving restores):
 * Chrome fires `change` on every arrow press, which went to the next pipeline's board at once.
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
  const [draft, setDraft] = useState<string | null>(null);
  const arrowed = useRef(false);
  if (pipelines.length === 0) return null;
  const go = (name: string) => {
    setDraft(null);
    if (!name) router.push("/");
    else if (!inPath && search.has("pipeline")) router.push(`${pathname}?${new URLSearchParams({ pipeline: name })}`);
    else router.push(pipelinePath(name));
  };
  return (
    <label className="flex items-center gap-1.5 text-sm text-zinc-300">
      <select
        aria-label="Go to a pipeline's board"
        value={draft ?? selected}
        onKeyDown={(e) => {
          if (["ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].includes(e.key)) arrowed.current = true;
          else if (e.key === "Enter" && draft !== null) go(draft);
          else if (e.key === "Escape") setDraft(null);
        }}
        onChange={(e) => {
          if (!arrowed.current) return go(e.target.value);
          arrowed.current = false;
          setDraft(e.target.value);
        }}
        onBlur={() => setDraft(null)}
        className="h-7 rounded-md border border-zinc-700 bg-zinc-800 px-1.5 text-sm text-white"
      >
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
