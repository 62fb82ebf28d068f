import type { Metadata } from "next";
import Link from "next/link";
import { notFound, permanentRedirect } from "next/navigation";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { environmentCandidates } from "@/lib/services/pipeline-pages";
import { environmentPath } from "@/lib/paths";
import { EnvironmentStateBadge } from "@/components/status";
import { PageHeader, Panel } from "@/components/ui/layout";
import type { EnvironmentState } from "@/db/schema/enums";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: decodeURIComponent((await params).name) };
}

/**
 * The old, unqualified environment URL. One pipeline has an environment of that name: go there
 * (permanently, so bookmarks learn). Several do: list them. None ever had it: 404.
 */
export default async function LegacyEnvironmentPage({ params }: Props) {
  await connection();
  await requireActor();
  const name = decodeURIComponent((await params).name);
  const candidates = await environmentCandidates(await getDb(), name);
  if (candidates.length === 0) notFound();
  if (candidates.length === 1) permanentRedirect(environmentPath(candidates[0]!.pipeline, candidates[0]!.environment));
  return (
    <>
      <PageHeader title={`Which ${name}?`} subtitle={`${candidates.length} pipelines have an environment named ${name}. Pick one:`} />
      <Panel>
        <ul className="divide-y divide-zinc-100" aria-label="Environments of that name">
          {candidates.map((c) => (
            <li key={c.pipeline} className="flex items-center gap-3 px-4 py-2.5">
              <Link href={environmentPath(c.pipeline, c.environment)} className="font-medium hover:underline">
                {c.pipeline}/{c.environment}
              </Link>
              <span className="text-xs text-zinc-500">{c.kind}</span>
              <EnvironmentStateBadge state={c.state as EnvironmentState} />
            </li>
          ))}
        </ul>
      </Panel>
    </>
  );
}
