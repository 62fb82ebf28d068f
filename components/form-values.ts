/**
 * Reading a submitted form into an action's typed input. The service parses every value again, so
 * these only shape what the browser sent; they never decide what is valid.
 */

/** A text control's value; "" when the form has no such control (or it holds a file). */
export function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

/**
 * The value of a select whose options are the members of `T` (rendered from the same list in
 * code), typed as `T`. A forged value is passed on as sent, for the service to refuse.
 */
export function formChoice<T extends string>(form: FormData, name: string): T {
  return formText(form, name) as T;
}

/** Every checked value of a group of checkboxes whose values are the members of `T` (see formChoice). */
export function formChoices<T extends string>(form: FormData, name: string): T[] {
  return form.getAll(name).filter((v): v is string => typeof v === "string") as T[];
}
