// Class lists of the user's data sources. A label is either text (a CSV cell, a folder name) or an integer
// (a .npy array, a module's array). The class list is what the run saves, so that a prediction's index
// can be named; it comes from the config (`classes`) when given, else from the labels themselves.
import { MAX_IMPLIED_CLASSES } from '../config/user-datasets.js';
import { DataError } from './dataset.js';

export { MAX_IMPLIED_CLASSES } from '../config/user-datasets.js';

const INTEGER = /^(0|[1-9][0-9]*)$/;

/** Whether every text label is a plain non-negative integer ("0", "17"; not "07", "1.0" or "-1"). */
export function allIntegerText(labels: Iterable<string>): boolean {
  for (const l of labels) if (!INTEGER.test(l)) return false;
  return true;
}

/** Names "0" .. "n-1". */
export function integerNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}

/**
 * The class list implied by text labels: when every label is a plain integer, "0" .. max (so label k is
 * class k, as in a folder per digit); otherwise the distinct labels sorted by code unit (the same order
 * on every machine, unlike a locale's). `where` names the data for messages.
 */
export function impliedTextClasses(labels: Iterable<string>, where: string): string[] {
  const distinct = new Set(labels);
  if (distinct.size === 0) throw new DataError(`${where}: no labelled examples`);
  if (allIntegerText(distinct)) {
    let max = 0;
    for (const l of distinct) max = Math.max(max, Number(l));
    return integerNames(impliedCount(max, where));
  }
  if (distinct.size < 2) throw new DataError(`${where}: every example has the label ${JSON.stringify([...distinct][0])}; a classifier needs at least two classes`);
  return [...distinct].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The class count implied by integer labels whose largest is `max`: max + 1, and at least two. */
export function impliedCount(max: number, where: string): number {
  if (max + 1 > MAX_IMPLIED_CLASSES) {
    throw new DataError(`${where}: label ${max} implies ${max + 1} classes, more than ${MAX_IMPLIED_CLASSES}; give the class list (\`classes\`) if that is really meant`);
  }
  return Math.max(2, max + 1);
}

/** Class name -> index. */
export function classIndex(names: readonly string[]): Map<string, number> {
  return new Map(names.map((n, i) => [n, i]));
}

/** The classes for messages: all of them when few, else the first few and a count. */
export function describeClasses(names: readonly string[]): string {
  const shown = names.slice(0, 10).map((n) => JSON.stringify(n));
  return names.length > 10 ? `${shown.join(', ')}, ... (${names.length} in all)` : shown.join(', ');
}

/** Why a label is not in the class list (for messages). */
export function notAClass(label: string, names: readonly string[], configured: boolean): string {
  return `label ${JSON.stringify(label)} is not one of the ${configured ? 'configured ' : ''}classes (${describeClasses(names)})`;
}
