// What `assetlib serve` tells the person who started it (on stderr, apart from the JSON logs on stdout).
export function banner(url: string, demo?: { projectGid: string; email: string; apiKey: string }): string {
  const lines = [`assetlib listening on ${url}`, `  API reference: ${url}/docs   OpenAPI: ${url}/openapi.json`];
  if (demo) {
    lines.push('',
      '  A demo project was created on this empty database. Its API key is shown this once:',
      '',
      `    project gid: ${demo.projectGid}`,
      `    user:        ${demo.email}`,
      `    api key:     ${demo.apiKey}`,
      '',
      '  Sign in (the JWT comes back in the Authorization response header):',
      `    curl -si -X POST ${url}/api/p/${demo.projectGid}/auth -H 'Content-Type: application/json' \\`,
      `      -d '{"api_key":"${demo.apiKey}"}' | grep -i '^authorization'`,
      '  More in the README\'s quick start.');
  }
  return `\n${lines.join('\n')}\n\n`;
}
