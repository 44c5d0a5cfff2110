// The command line: --help and --version on stdout with exit 0, help per command, usage errors
// exit 2; every configuration variable of the schema is in the README's table.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/process.ts';
import { configVariables } from '../../src/config.ts';
import pkg from '../../package.json' with { type: 'json' };

describe('assetlib --help, --version, help per command', () => {
  it('--help lists the commands on stdout and exits 0', () => {
    const r = runCli(['--help'], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const c of ['serve', 'worker', 'migrate', 'project', 'user', 'key']) expect(r.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
  });
  it('--version prints the package version', () => {
    const r = runCli(['--version'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });
  it('each command has its own help', () => {
    const r = runCli(['user', 'create', '--help'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: assetlib user create/);
    expect(r.stdout).toMatch(/--role <role>[\s\S]*choices: "owner"[\s\S]*"viewer"/);
  });
  it('an unknown command or option is a usage error (exit 2, on stderr)', () => {
    const r = runCli(['frobnicate'], {});
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});

it('the README configuration table names every variable of the schema', () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const v of configVariables()) expect(readme, v.env).toContain(`\`${v.env}\``);
});
