// START_TRACE=1: each phase of a start written to stderr as `start-trace <ms> <phase> cpu=<ms>`:
// wall ms since the process began (performance.now()) and the process's CPU time so far. What the
// start bench reads to say where a start's time goes (docs/BENCHMARKS.md "Start").
const on = !!process.env.START_TRACE;

export function startMark(phase: string): void {
  if (!on) return;
  const c = process.cpuUsage();
  process.stderr.write(`start-trace ${performance.now().toFixed(1)} ${phase} cpu=${((c.user + c.system) / 1000).toFixed(0)}\n`);
}
