// The functions the jobs call from the selection and asset-tree cores (one place, so that the
// contract the jobs rely on is visible).
export { parseSelection, selectionSql, checkSelection, type Selection } from '../selection/index.ts';
export { trashSubtrees, restoreSubtrees } from '../assets/trash.ts';
export { moveSubtrees } from '../assets/move.ts';
export type { BatchOutcome } from '../assets/common.ts';
