import { connection } from "next/server";
import { Header } from "@/components/shell/header";
import { requireActor } from "@/lib/auth/session";
import { env } from "@/lib/env";

export default async function PortalLayout({ children }: { children: React.ReactNode }) {
  await connection();
  const actor = await requireActor();
  return (
    <>
      <Header actor={actor} localMode={!env().oidcConfigured} />
      <main className="mx-auto max-w-[1600px] px-4 py-6">{children}</main>
    </>
  );
}
