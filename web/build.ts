// `npm run build:web`: builds the console now if its sources changed (see src/http/web-build.ts).
import { ensureWebBuild } from '../src/http/web-build.ts';

const built = await ensureWebBuild(console.log);
if (!built) console.log('web console is up to date');
