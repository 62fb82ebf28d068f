import Link from "next/link";
import { buttonClass } from "./button";

/**
 * Previous / Next links between numbered pages (`href` makes a page's address, filters kept); none
 * where there is no such page. The arrows are decoration, hidden from screen readers (which read
 * them aloud as "leftwards arrow"): the links' names are "Previous" and "Next".
 */
export function PrevNextLinks({ page, pages, href }: { page: number; pages: number; href: (page: number) => string }) {
  return (
    <>
      {page > 1 ? (
        <Link href={href(page - 1)} className={buttonClass("secondary", "sm")} rel="prev">
          <span aria-hidden="true">←</span> Previous
        </Link>
      ) : null}
      {page < pages ? (
        <Link href={href(page + 1)} className={buttonClass("secondary", "sm")} rel="next">
          Next <span aria-hidden="true">→</span>
        </Link>
      ) : null}
    </>
  );
}
