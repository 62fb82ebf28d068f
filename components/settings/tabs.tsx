"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

const TABS = [
  { href: "/settings/users", label: "Users & roles" },
  { href: "/settings/teams", label: "Teams" },
  { href: "/settings/tokens", label: "API tokens" },
];

export function SettingsTabs({ showUsers }: { showUsers: boolean }) {
  const pathname = usePathname();
  const tabs = showUsers ? TABS : TABS.filter((t) => t.href !== "/settings/users");
  return (
    <nav aria-label="Settings" className="mb-4 flex gap-1 border-b border-zinc-200">
      {tabs.map((tab) => (
        <Link
          key={tab.href}
          href={tab.href}
          aria-current={pathname === tab.href ? "page" : undefined}
          className={cn("-mb-px border-b-2 px-3 py-2 font-medium", pathname === tab.href ? "border-zinc-900 text-zinc-900" : "border-transparent text-zinc-500 hover:text-zinc-800")}
        >
          {tab.label}
        </Link>
      ))}
    </nav>
  );
}
