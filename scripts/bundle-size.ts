/**
 * The workflow bundle the worker builds, measured: total size, project modules, and the largest parts. Workflows
 * import steps' plans only (src/plan/), so no step body or parser should show up here.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { join } from 'node:path';

async function main(): Promise<void> {
  const quiet = () => undefined;
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(__dirname, '..', 'workflows'),
    logger: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: console.error, log: quiet },
  });
  // webpack's development output starts each module with a line `/***/ "<path>"`.
  const starts = [...code.matchAll(/^\/\*\*\*\/ "([^"]+)"$/gm)].map((m) => ({ path: m[1], at: m.index }));
  const parts = new Map<string, number>();
  starts.forEach(({ path, at }, i) => {
    const size = (starts[i + 1]?.at ?? code.length) - at;
    const part = path.includes('node_modules') ? path.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1') : path.replace(/^\.\/([^/]+)\/.*/, '$1/');
    parts.set(part, (parts.get(part) ?? 0) + size);
  });
  // Ignored requests (webpack's `?<hash>` stubs) are not modules of anyone's.
  const project = starts.filter((s) => s.path.startsWith('./') && !s.path.includes('node_modules'));
  console.log(`workflow bundle: ${(code.length / 1048576).toFixed(2)} MiB, ${starts.length} modules, ${project.length} of them the project's`);
  for (const [part, size] of [...parts].sort((a, b) => b[1] - a[1])) console.log(`  ${part.padEnd(24)} ${(size / 1024).toFixed(0).padStart(5)} KiB`);
  console.log(`project modules: ${project.map((p) => p.path.replace(/^\.\//, '')).join(', ')}`);
}

void main();
