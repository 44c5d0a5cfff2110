// The libraries core (one for every dialect): libraries, sharing and the membership operation.
export * from './access.ts';
export * from './libraries.ts';
export * from './sharing.ts';
export * from './membership.ts';
