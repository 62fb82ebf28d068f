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
      <Header actor={actor} localMode={!env().oidcConfigured} pendingApprovals={pending.length} pipelines={pipelines} />
      <main className="mx-auto max-w-[1600px] px-4 py-6">{children}</main>
    </>
  );
}
