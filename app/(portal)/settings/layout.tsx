import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/auth/policy";
import { Forbidden } from "@/components/forbidden";
import { PageHeader } from "@/components/ui/layout";
import { SettingsTabs } from "@/components/settings/tabs";

export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const actor = await requireActor();
  if (!can(actor, "user.manage")) return <Forbidden what="Settings are for admins." />;
  return (
    <>
      <PageHeader title="Settings" subtitle="People, their roles, and the API tokens CI uses." />
      <SettingsTabs />
      {children}
    </>
  );
}
