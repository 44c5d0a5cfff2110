// Every statement module whose rendered SQL is committed under src/db/queries/ (reviewed
// artifacts: `npm run queries` rewrites the files, tests/statements/snapshots.test.ts checks them).
import type { Statement } from '../db/statement.ts';
import { actorQuery } from './keys.ts';
import { addMembers, removeMembers } from './libraries/membership-sql.ts';
import { resolveSelection, selectionPage } from './selection/sql.ts';
import { JOB_STATEMENTS } from './jobs/store.ts';

export const STATEMENTS: Statement<any, unknown>[] = [actorQuery, addMembers, removeMembers, resolveSelection, selectionPage, ...JOB_STATEMENTS];
