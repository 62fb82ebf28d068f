import { connection } from "next/server";
import { Header } from "@/components/shell/header";
import { requireActor } from "@/lib/auth/session";
import { env } from "@/lib/env";
import { getDb } from "@/db/client";
import { pendingDecisions } from "@/lib/services/approvals";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  await connection();
  const actor = await requireActor();
  const pending = (await pendingDecisions(await getDb(), actor)).filter((p) => !p.decided).length;
  return (
    <>
      <Header actor={actor} localMode={!env().oidcConfigured} pendingApprovals={pending} />
      <main className="mx-auto max-w-[1600px] px-4 py-6">{children}</main>
    </>
  );
}
