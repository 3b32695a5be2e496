/** Calendar helpers on UTC day numbers (days since 1970-01-01), so no time zone or clock ever changes the data. */
const MS_PER_DAY = 86_400_000;

export function toDay(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / MS_PER_DAY);
}

export function fromDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The same calendar day `years` later (29 February becomes 28 February in a common year). */
export function addYears(day: number, years: number): number {
  const date = new Date(day * MS_PER_DAY);
  const year = date.getUTCFullYear() + years;
  const month = date.getUTCMonth();
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Math.round(Date.UTC(year, month, Math.min(date.getUTCDate(), lastDay)) / MS_PER_DAY);
}

export function yearOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** Whole years from `from` to `to` (an age). */
export function yearsBetween(from: number, to: number): number {
  let years = yearOf(to) - yearOf(from);
  if (addYears(from, years) > to) years -= 1;
  return years;
}
