import Link from "next/link";
import { buttonClass } from "./button";

/** Previous / Next links between numbered pages (`href` makes a page's address, filters kept); none where there is no such page. */
export function PrevNextLinks({ page, pages, href }: { page: number; pages: number; href: (page: number) => string }) {
  return (
    <>
      {page > 1 ? (
        <Link href={href(page - 1)} className={buttonClass("secondary", "sm")} rel="prev">
          ← Previous
        </Link>
      ) : null}
      {page < pages ? (
        <Link href={href(page + 1)} className={buttonClass("secondary", "sm")} rel="next">
          Next →
        </Link>
      ) : null}
    </>
  );
}
