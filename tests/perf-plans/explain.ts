// Reads an EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) plan into the figures the plan tests assert on:
// rows visited (returned + removed by filters, times loops), buffers touched, and the nodes that
// run more than once and do more than a probe's work each time (a nested loop over a whole table).
import type { Db } from '../../src/db/pool.ts';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface PlanFigures {
  /** rows every node produced or filtered away, summed over loops and nodes */
  rowsVisited: number;
  /** shared buffers hit or read by the whole statement */
  buffers: number;
  /** nodes run more than once that each time visit more than `perLoop` rows or buffers */
  repeatedScans: string[];
  text: string;
}

function describeNode(n: PlanNode): string {
  return `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}`;
}

/** Runs `sql` under EXPLAIN ANALYZE (it executes) and sums its plan. */
export async function explain(db: Db, sql: string, params: unknown[], perLoop = 50): Promise<PlanFigures> {
  const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
  const root = rows[0]['QUERY PLAN'][0].Plan as PlanNode;
  let rowsVisited = 0;
  const repeatedScans: string[] = [];
  const walk = (n: PlanNode, depth: number, lines: string[]) => {
    const loops = n['Actual Loops'] || 0;
    const visited = (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Join Filter'] ?? 0)
      + (n['Rows Removed by Index Recheck'] ?? 0)) * loops;
    const bufs = (n['Shared Hit Blocks'] ?? 0) + (n['Shared Read Blocks'] ?? 0);
    rowsVisited += visited;
    const leaf = !n.Plans?.length || n['Node Type'] === 'LockRows' || n['Node Type'] === 'Memoize';
    if (loops > 1 && leaf && (visited / loops > perLoop || bufs / loops > perLoop)) {
      repeatedScans.push(`${describeNode(n)}: ${loops} loops, ${Math.round(visited / loops)} rows and ${Math.round(bufs / loops)} buffers per loop`);
    }
    lines.push(`${'  '.repeat(depth)}${describeNode(n)} rows=${n['Actual Rows']} loops=${loops} visited=${visited} buffers=${bufs}`);
    for (const c of n.Plans ?? []) walk(c, depth + 1, lines);
  };
  const lines: string[] = [];
  walk(root, 0, lines);
  const buffers = (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0);
  return { rowsVisited, buffers, repeatedScans, text: lines.join('\n') };
}
