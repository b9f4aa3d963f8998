import type { DayCount } from '../../src-main/contract/api.js';
import type { GridLayout, GridSection } from './grid-layout.js';

/** The timeline groups by month, and by day once the tiles are large enough to browse days. */
export type Grouping = 'month' | 'day';

/** 'YYYY-MM' or 'YYYY-MM-DD' as a date at UTC midnight, so no time zone moves it a day. */
function keyDate(key: string): Date {
  const [year, month, day] = key.split('-').map(Number);
  return new Date(Date.UTC(year!, (month ?? 1) - 1, day ?? 1));
}

const MONTH = new Intl.DateTimeFormat('en-US', {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const DAY = new Intl.DateTimeFormat('en-US', {
  weekday: 'short',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
const SHORT_MONTH = new Intl.DateTimeFormat('en-US', { month: 'short', timeZone: 'UTC' });

/** "March 2020" for a month key, "Sat, March 14, 2020" for a day key. */
function timelineLabel(key: string): string {
  return (key.length > 7 ? DAY : MONTH).format(keyDate(key));
}

/** The days (newest first, as the grid lists photos) as the grid's sections. */
export function timelineSections(days: DayCount[], grouping: Grouping): GridSection[] {
  const sections: GridSection[] = [];
  let start = 0;
  for (const { day, photos } of days) {
    const key = grouping === 'day' ? day : day.slice(0, 7);
    const last = sections.at(-1);
    if (last?.key === key) last.count += photos;
    else sections.push({ key, label: timelineLabel(key), start, count: photos });
    start += photos;
  }
  return sections;
}

/** A place on the scrubber: a year, or a month within it. */
export interface ScrubberMark {
  key: string;
  /** "2020" for a year, "Mar" for a month. */
  text: string;
  /** Its full name, for the tooltip and screen readers. */
  label: string;
  kind: 'year' | 'month';
  /** Where it starts in the canvas (what a jump scrolls to). */
  top: number;
  /** The same as a fraction of the canvas: where it sits on the scrubber. */
  fraction: number;
}

/** Years and months of the laid-out timeline, newest first, where the grid shows them. */
export function scrubberMarks(layout: GridLayout): ScrubberMark[] {
  const marks: ScrubberMark[] = [];
  const height = Math.max(1, layout.totalHeight);
  let lastMonth = '';
  for (const section of layout.sections) {
    if (section.label === null) continue;
    const month = section.key.slice(0, 7);
    const year = month.slice(0, 4);
    const fraction = section.top / height;
    if (marks.at(-1)?.key.slice(0, 4) !== year) {
      marks.push({ key: year, text: year, label: year, kind: 'year', top: section.top, fraction });
    }
    if (month !== lastMonth) {
      lastMonth = month;
      marks.push({
        key: month,
        text: SHORT_MONTH.format(keyDate(month)),
        label: timelineLabel(month),
        kind: 'month',
        top: section.top,
        fraction,
      });
    }
  }
  return marks;
}
