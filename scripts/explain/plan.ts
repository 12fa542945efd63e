/** Reading `EXPLAIN (ANALYZE, FORMAT JSON)` output: the facts the check reports and judges. */

/** One node of a JSON plan (only the fields used here). */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Actual Total Time'?: number;
  Filter?: string;
  'Index Cond'?: string;
  'Recheck Cond'?: string;
  'Sort Key'?: string[];
  'Subplan Name'?: string;
  'CTE Name'?: string;
  Plans?: PlanNode[];
}

export interface ExplainOutput {
  Plan: PlanNode;
  'Planning Time'?: number;
  'Execution Time'?: number;
}

export interface SeqScan {
  table: string;
  filter: string | undefined;
  /** Rows the node produced (all loops). */
  actualRows: number | undefined;
  loops: number | undefined;
}

export interface PlanFacts {
  /** The root node, plus its first child when the root is a Limit (what is being limited says more). */
  root: string;
  indexes: string[];
  seqScans: SeqScan[];
  estimatedRows: number | undefined;
  actualRows: number | undefined;
  planningMs: number | undefined;
  executionMs: number | undefined;
  /** Nodes that sort or hash more than this many rows, a sign of a missing ordered index. */
  bigSorts: { node: string; rows: number; key: string | undefined }[];
}

export function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

const BIG_SORT_ROWS = 10_000;

export function planFacts(output: ExplainOutput): PlanFacts {
  const plan = output.Plan;
  const indexes = new Set<string>();
  const seqScans: SeqScan[] = [];
  const bigSorts: PlanFacts['bigSorts'] = [];
  walk(plan, (n) => {
    if (n['Index Name']) indexes.add(n['Index Name']);
    if (n['Node Type'] === 'Seq Scan' && n['Relation Name']) {
      seqScans.push({ table: n['Relation Name'], filter: n.Filter, actualRows: rowsOf(n), loops: n['Actual Loops'] });
    }
    if (
      (n['Node Type'] === 'Sort' || n['Node Type'] === 'Incremental Sort') &&
      (n.Plans?.[0] ? (rowsOf(n.Plans[0]) ?? 0) : 0) > BIG_SORT_ROWS
    ) {
      bigSorts.push({ node: n['Node Type'], rows: rowsOf(n.Plans![0]!) ?? 0, key: n['Sort Key']?.join(', ') });
    }
  });
  const first = plan.Plans?.[0];
  const describe = (n: PlanNode) => `${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}`;
  const root = plan['Node Type'] === 'Limit' && first ? `Limit › ${describe(first)}` : describe(plan);
  return {
    root,
    indexes: [...indexes].sort(),
    seqScans,
    estimatedRows: plan['Plan Rows'],
    actualRows: rowsOf(plan),
    planningMs: output['Planning Time'],
    executionMs: output['Execution Time'],
    bigSorts,
  };
}

function rowsOf(n: PlanNode): number | undefined {
  return n['Actual Rows'] === undefined ? undefined : n['Actual Rows'] * (n['Actual Loops'] ?? 1);
}

/** Short human label of a statement: its verb and the tables it reads, in order of appearance. */
export function describeStatement(sql: string, knownTables: ReadonlySet<string>): string {
  const tables: string[] = [];
  for (const m of sql.matchAll(/\b(?:from|join)\s+"?([a-z_]+)"?/gi)) {
    const t = m[1]!.toLowerCase();
    if (knownTables.has(t) && !tables.includes(t)) tables.push(t);
  }
  const verb = /^\s*(with|select|insert|update|delete)/i.exec(sql)?.[1]?.toLowerCase() ?? '?';
  const count = /^\s*select\s+count\(/i.test(sql) ? 'count ' : '';
  return `${verb === 'with' ? 'with … ' : count}${tables.join('⋈') || '(no table)'}`;
}
