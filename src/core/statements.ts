// Every statement module whose rendered SQL is committed under src/db/queries/ (reviewed
// artifacts: `npm run queries` rewrites the files, tests/statements/snapshots.test.ts checks them).
import type { Statement } from '../db/statement.ts';
import { actorQuery } from './keys.ts';
import { addMembers, removeMembers } from './libraries/membership-sql.ts';
import { resolveSelection, selectionPage } from './selection/sql.ts';
import { JOB_STATEMENTS } from './jobs/store.ts';
import { purgeStatement, restoreBatch, trashBatch, trashFilesBatch } from './assets/trash.ts';
import { moveClassify, moveNested, moveTops } from './assets/move.ts';
import { feedPage, feedProjectPage } from './feed/read.ts';
import { searchCount, searchPage } from './search/search.ts';
import { insertLibrary, trashLibraryRow, updateLibraryRow } from './libraries/libraries.ts';
import { shareUsers, upsertShares } from './libraries/sharing.ts';
import { renditionLookup } from './media/renditions.ts';

export const STATEMENTS: Statement<any, unknown>[] = [actorQuery, addMembers, removeMembers, resolveSelection, selectionPage, ...JOB_STATEMENTS,
  trashBatch, trashFilesBatch, restoreBatch, purgeStatement, moveClassify, moveNested, moveTops, feedPage, feedProjectPage, searchPage, searchCount,
  insertLibrary, updateLibraryRow, trashLibraryRow, shareUsers, upsertShares, renditionLookup];
