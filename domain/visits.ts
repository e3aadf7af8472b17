// A visit or payment to one household of the unit's approved roster (走訪慰問, 發放).

export interface VisitInput {
  /** The household's entry on the unit's approved roster. */
  entry: number;
  amount: number;
  goods?: string;
  /** The day of the visit, YYYY-MM-DD. */
  visitedOn: string;
  recipientSigned: boolean;
  /** Who handed it over (經手人). */
  handler: string;
}

/** One request's batch: some 150 B a visit keeps a full batch near 150 KB, far below Temporal's 2 MB payload limit. */
export const MAX_VISITS_PER_BATCH = 1_000;
