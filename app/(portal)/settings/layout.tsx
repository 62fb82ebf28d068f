import { requireActor } from "@/lib/auth/session";
import { can } from "@/lib/auth/policy";
import { PageHeader } from "@/components/ui/layout";
import { SettingsTabs } from "@/components/settings/tabs";

/** Everyone signed in has Settings for their own API tokens; admins also manage people and everyone's tokens. */
export default async function SettingsLayout({ children }: { children: React.ReactNode }) {
  const actor = await requireActor();
  const admin = can(actor, "user.manage");
  return (
    <>
      <PageHeader title="Settings" subtitle={admin ? "People, their roles, teams, and the API tokens CI and scripts use." : "Teams, and your API tokens for CI and scripts."} />
      <SettingsTabs showUsers={admin} />
      {children}
    </>
  );
}
