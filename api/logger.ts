import pino from 'pino';

/** The API's structured log: one JSON object per line. Never given bodies, tokens or household data. */
export const apiLogger = pino({ base: { service: 'relief-api' }, timestamp: pino.stdTimeFunctions.isoTime });
