// Selections: parse (shape), check (children targets) and resolve in SQL. See docs/search.md.
export { parseSelection, type Selection, type SelectionEntry, MAX_SELECTION_ENTRIES, MAX_SELECTION_SEARCHES } from './parse.ts';
export { selectionSql, selectionPageSql, checkSelection, countSelection, countSelectionSql, countResult, invalidEntryError, childrenArrays, type SelectionSqlOptions, type SelectionKey } from './sql.ts';
export { bulkGet, BULK_GET_DEFAULT_SIZE, BULK_GET_MAX_SIZE, type BulkGetPage } from './bulk-get.ts';
