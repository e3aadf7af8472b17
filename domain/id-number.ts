// Resident ID numbers (居民身份证号码, GB 11643-1999): 17 digits, then a check digit (0-9 or X).
// One normal form for every place that compares them (rosters, the household key), so that
// "…x", "…X" and full-width "…Ｘ" are the same household. Node-free: the roster rules may use it.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = '10X98765432';

/** Trimmed, full-width characters folded to ASCII (NFKC), the X check digit upper-cased. */
export const normaliseIdNumber = (text: string): string => text.normalize('NFKC').trim().toUpperCase();

/** The check digit GB 11643 gives the first 17 digits. */
export function idNumberCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11]!;
}

export type IdNumberProblem = 'shape' | 'check-digit';

/** What is wrong with a normalised ID number, or undefined when it is well formed. */
export function idNumberProblem(normalised: string): IdNumberProblem | undefined {
  if (!/^\d{17}[\dX]$/.test(normalised)) return 'shape';
  return idNumberCheckCharacter(normalised) === normalised[17] ? undefined : 'check-digit';
}
