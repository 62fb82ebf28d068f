import { connection } from "next/server";
import { Header } from "@/components/shell/header";
import { requireActor } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { headerPipelineNames, myPendingDecisions } from "./pending-decisions";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  await connection();
  const actor = await requireActor();
  const [pending, pipelines] = await Promise.all([myPendingDecisions(), headerPipelineNames()]);
  return (
    <>
      {/* First in the tab order: keyboard and screen-reader users skip the header's links. */}
      <a href="#main" className="sr-only rounded bg-white px-3 py-2 text-sm font-medium text-sky-800 shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50">
        Skip to content
      </a>
      <Header actor={actor} localMode={!env().oidcConfigured} pendingApprovals={pending.length} pipelines={pipelines} />
      <main id="main" tabIndex={-1} className="mx-auto max-w-[1600px] px-4 py-6 outline-none">
        {children}
      </main>
    </>
  );
}
