// Its own file so drift-service.ts can name it without loading drift.ts (and jstat) at start.
/** The reference profile keeps the predictions' distribution under this reserved name. */
export const PREDICTION_FEATURE = '__prediction__';
